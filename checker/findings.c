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

static const char *jstr(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	return s ? s : "";
}

/* "'lock_b' (M0)" or "M0", "read M1" for a read lock. */
static void put_lock(pvc_buf *b, const cJSON *finding, const cJSON *held)
{
	const char *id = jstr(held, "id"), *name = "";
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(finding, "mutexes"))
		if (!strcmp(jstr(m, "id"), id))
			name = jstr(m, "name");
	if (!strcmp(jstr(held, "mode"), "read"))
		pvc_buf_puts(b, "read ");
	if (*name)
		pvc_buf_printf(b, "'%s' (%s)", name, id);
	else
		pvc_buf_puts(b, id);
}

char *pvc_findings_held_text(const cJSON *finding)
{
	pvc_buf b = {0};
	int any = 0, n = 0;
	const cJSON *st, *h;
	cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(finding, "stacks")) {
		const cJSON *held = cJSON_GetObjectItemCaseSensitive(st, "mutexes");
		if (!held)
			continue;
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(st, "thread");
		int tid = cJSON_IsNumber(t) ? t->valueint : -1;
		if (n++)
			pvc_buf_puts(&b, ", ");
		if (tid == 0)
			pvc_buf_puts(&b, "main thread");
		else if (tid > 0)
			pvc_buf_printf(&b, "thread T%d", tid);
		else
			pvc_buf_puts(&b, "a thread");
		if (cJSON_IsNull(held)) {
			pvc_buf_puts(&b, " held locks no longer known");
			continue;
		}
		if (!cJSON_GetArraySize(held)) {
			pvc_buf_puts(&b, " held no lock");
			continue;
		}
		any = 1;
		pvc_buf_puts(&b, " held ");
		int k = 0;
		cJSON_ArrayForEach(h, held) {
			if (k++)
				pvc_buf_puts(&b, " and ");
			put_lock(&b, finding, h);
		}
	}
	if (!any) {
		pvc_buf_free(&b);
		return NULL;
	}
	return b.s;
}
