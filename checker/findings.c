#include <ctype.h>
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

const char *pvc_jstr(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	return s ? s : "";
}

int pvc_jint(const cJSON *o, const char *k)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(n) ? n->valueint : 0;
}

/* "'lock_b' (M0)" or "M0", "read M1" for a read lock. */
static void put_lock(pvc_buf *b, const cJSON *finding, const cJSON *held)
{
	const char *id = pvc_jstr(held, "id"), *name = "";
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(finding, "mutexes"))
		if (!strcmp(pvc_jstr(m, "id"), id))
			name = pvc_jstr(m, "name");
	if (!strcmp(pvc_jstr(held, "mode"), "read"))
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

/* A frame of the program's own, not of the runtime (free's stack starts in
 * its interceptor, as ThreadSanitizer's does), with a file. */
int pvc_program_frame(const cJSON *fr)
{
	const char *file = pvc_jstr(fr, "file");
	return *file && strncmp(file, PV_RUNTIME_SOURCE_DIR, strlen(PV_RUNTIME_SOURCE_DIR));
}

const cJSON *pvc_source_frame(const cJSON *stack)
{
	const cJSON *fr;
	cJSON_ArrayForEach(fr, cJSON_GetObjectItemCaseSensitive(stack, "frames"))
		if (pvc_program_frame(fr))
			return fr;
	return NULL;
}

/* "Write of size 4 at 0x55.. by thread T2" without the address, which no
 * two runs share. */
char *pvc_access_text(const cJSON *stack)
{
	const char *t = pvc_jstr(stack, "title");
	const char *at = strstr(t, " at 0x");
	if (!at)
		return pvc_strdup(t);
	const char *rest = at + 6;
	while (isxdigit((unsigned char)*rest))
		rest++;
	return pvc_printf("%.*s%s", (int)(at - t), t, rest);
}

static char *place_text(const cJSON *stack)
{
	const cJSON *fr = pvc_source_frame(stack);
	if (!fr)
		return pvc_strdup("");
	return pvc_printf(" in %s (%s:%d)", *pvc_jstr(fr, "function") ? pvc_jstr(fr, "function") : "?",
			  pvc_basename(pvc_jstr(fr, "file")), pvc_jint(fr, "line"));
}

/* What memory: "global 'counter'", "a heap block of 16 bytes", ... */
static char *memory_text(const cJSON *finding)
{
	const cJSON *loc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(finding, "locations"), 0);
	const char *kind = pvc_jstr(loc, "kind"), *name = pvc_jstr(loc, "name");
	int size = pvc_jint(loc, "size");
	if (!strcmp(kind, "global") && *name)
		return pvc_printf(" on global '%s'", name);
	if (!strcmp(kind, "heap"))
		return pvc_printf(" on a heap block of %d bytes", size);
	if (!strcmp(kind, "stack"))
		return pvc_printf(" on the stack of thread T%d", pvc_jint(loc, "thread"));
	if (!strcmp(kind, "fd"))
		return pvc_printf(" on file descriptor %d", pvc_jint(loc, "fd"));
	if (*name)   /* "mutex 'm'", or a name with its article: "an anonymous ... mapping" */
		return pvc_printf(" on %s%s", strncmp(name, "a ", 2) && strncmp(name, "an ", 3) ? "a " : "",
				  name);
	return pvc_strdup("");
}

/* A race: "Data race on global 'x': write of size 4 by thread T2 in f
 * (a.c:9) races with previous write ... (thread T2 held M0)". Else the
 * headline and each stack's title and place. */
char *pvc_finding_summary(const cJSON *finding)
{
	const char *headline = pvc_jstr(finding, "headline"), *kind = pvc_jstr(finding, "kind");
	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(finding, "stacks");
	pvc_buf b = {0};
	pvc_buf_puts(&b, *headline ? headline : *kind ? kind : "finding");
	if (*headline)
		b.s[0] = (char)toupper((unsigned char)b.s[0]);
	int race = !strcmp(kind, "race");
	if (race) {
		char *mem = memory_text(finding);
		pvc_buf_puts(&b, mem);
		free(mem);
	}
	const cJSON *s;
	int i = 0;
	cJSON_ArrayForEach(s, stacks) {
		char *what = pvc_access_text(s), *where = place_text(s);
		if (*what) {
			if (race)
				pvc_buf_puts(&b, i == 0 ? ": " : i == 1 ? " races with " : ", and ");
			else
				pvc_buf_puts(&b, i == 0 ? ": " : "; ");
			if (*what)
				what[0] = (char)tolower((unsigned char)what[0]);
			pvc_buf_printf(&b, "%s%s", what, where);
		}
		free(what);
		free(where);
		i++;
	}
	char *held = pvc_findings_held_text(finding);
	if (held)
		pvc_buf_printf(&b, " (%s)", held);
	free(held);
	return b.s;
}

