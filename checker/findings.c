#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "util.h"
#include "verdict.h"

cJSON *pvc_findings_load(const char *path, int *bad)
{
	cJSON *all = cJSON_CreateArray();
	*bad = 0;
	char *text = pvc_read_file(path, NULL);
	if (!text)
		return all;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!line[strspn(line, " \t\r")])
			continue;
		cJSON *f = cJSON_Parse(line);
		/* A process killed while writing leaves half a line. */
		if (!cJSON_IsObject(f)) {
			cJSON_Delete(f);
			(*bad)++;
			continue;
		}
		cJSON_AddItemToArray(all, f);
	}
	free(text);
	return all;
}

int pvc_findings_count_kinds(const cJSON *findings)
{
	int n = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, findings)
		n += pvc_kind_word(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "kind"))) != NULL;
	return n;
}
