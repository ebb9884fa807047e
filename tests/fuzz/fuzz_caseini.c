/* libFuzzer target: a case directory's case.ini (checker/caseini.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "caseini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	char path[128];
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/pvcheck-fuzz-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(path, sizeof path, "%s/case.ini", dir);
	FILE *f = fopen(path, "wb");
	fwrite(data, 1, size, f);
	fclose(f);
	pvc_case c;
	pvc_case_load(dir, &c); /* a case that fails to load keeps its error */
	pvc_case_free(&c);
	return 0;
}
