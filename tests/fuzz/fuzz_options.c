/* libFuzzer target: PVCHECK_OPTIONS strings (lib/options.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	pv_options_t o;
	char err[256];
	pv_options_defaults(&o);
	pv_options_parse(&o, s, err, sizeof err);
	free(s);
	return 0;
}
