#include <stdio.h>
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
		pvc_finding_point_at_creation(f);
		cJSON_AddItemToArray(all, f);
	}
	free(text);
	return all;
}

void pvc_finding_point_at_creation(cJSON *finding)
{
	cJSON *stacks = cJSON_GetObjectItemCaseSensitive(finding, "stacks");
	const cJSON *threads = cJSON_GetObjectItemCaseSensitive(finding, "threads");
	if (cJSON_GetArraySize(stacks) || !cJSON_GetArraySize(threads))
		return;
	if (!stacks)
		stacks = cJSON_AddArrayToObject(finding, "stacks");
	const cJSON *t;
	cJSON_ArrayForEach(t, threads) {
		cJSON *s = cJSON_CreateObject();
		char title[64];
		snprintf(title, sizeof title, "Thread T%d created",
			 (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "id")));
		cJSON_AddStringToObject(s, "title", title);
		cJSON_AddStringToObject(s, "access", "create");
		cJSON_AddNumberToObject(s, "thread",
					cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(t, "parent")));
		const cJSON *created = cJSON_GetObjectItemCaseSensitive(t, "created");
		cJSON_AddItemToObject(s, "frames", created ? cJSON_Duplicate(created, 1)
							   : cJSON_CreateArray());
		cJSON_AddItemToArray(stacks, s);
	}
}

int pvc_findings_count_kinds(const cJSON *findings)
{
	int n = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, findings)
		n += pvc_kind_word(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "kind"))) != NULL;
	return n;
}
