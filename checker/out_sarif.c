/* --sarif: SARIF 2.1.0 with one run per checker. A result is one finding:
 * its first stack is the location, the other stacks related locations. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "output.h"
#include "util.h"

static const struct {
	const char *id, *text;
} rules[] = {
	{ "race", "Data race: two threads access the same memory, at least one writes, "
		  "and nothing orders the accesses." },
	{ "deadlock", "Deadlock: threads wait for each other and none can proceed." },
	{ "lock-order", "Lock-order inversion: locks taken in conflicting orders can deadlock." },
	{ "api-misuse", "Misuse of a threading API (unlocking an unlocked mutex, joining a detached thread, ...)." },
	{ "thread-leak", "Thread leak: a joinable thread finished and was never joined (nor detached) "
			 "before the program ended." },
	{ "crash", "The program was killed by a fatal signal." },
	{ "other", "Another report of the checker." },
};
#define NRULES (int)(sizeof rules / sizeof rules[0])

static int rule_index(const char *kind)
{
	for (int i = 0; kind && i < NRULES; i++)
		if (!strcmp(rules[i].id, kind))
			return i;
	return NRULES - 1;
}

/* A file URI with everything but unreserved characters and '/' escaped. */
static char *file_uri(const char *path)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, path[0] == '/' ? "file://" : "");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (isalnum(*p) || strchr("/-._~", *p))
			pvc_buf_add(&b, (const char *)p, 1);
		else
			pvc_buf_printf(&b, "%%%02X", *p);
	}
	return b.s;
}

/* The first frame with a source file of the program's: not the runtime's
 * (free's stack starts in its interceptor, as ThreadSanitizer's does). */
static const cJSON *source_frame(const cJSON *stack)
{
	const cJSON *fr;
	cJSON_ArrayForEach(fr, cJSON_GetObjectItemCaseSensitive(stack, "frames")) {
		const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fr, "file"));
		if (file && *file && strncmp(file, PV_RUNTIME_SOURCE_DIR, strlen(PV_RUNTIME_SOURCE_DIR)))
			return fr;
	}
	return NULL;
}

static cJSON *location(const cJSON *stack, int id)
{
	cJSON *loc = cJSON_CreateObject();
	if (id)
		cJSON_AddNumberToObject(loc, "id", id);
	const cJSON *fr = source_frame(stack);
	if (fr) {
		cJSON *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
		char *uri = file_uri(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fr, "file")));
		cJSON_AddStringToObject(cJSON_AddObjectToObject(phys, "artifactLocation"), "uri", uri);
		free(uri);
		cJSON *region = cJSON_AddObjectToObject(phys, "region");
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(fr, "line");
		const cJSON *col = cJSON_GetObjectItemCaseSensitive(fr, "column");
		cJSON_AddNumberToObject(region, "startLine", cJSON_IsNumber(line) && line->valueint > 0 ? line->valueint : 1);
		if (cJSON_IsNumber(col) && col->valueint > 0)
			cJSON_AddNumberToObject(region, "startColumn", col->valueint);
	}
	const char *title = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(stack, "title"));
	if (title && *title)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(loc, "message"), "text", title);
	return loc;
}

static cJSON *result(const cJSON *finding, const pvc_result *r)
{
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(finding, "kind"));
	const char *headline = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(finding, "headline"));
	int rule = rule_index(kind);
	cJSON *res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "ruleId", rules[rule].id);
	cJSON_AddNumberToObject(res, "ruleIndex", rule);
	cJSON_AddStringToObject(res, "level", rule == NRULES - 1 ? "warning" : "error");
	char *held = pvc_findings_held_text(finding);
	char *text = pvc_printf("%s%s%s%s", headline && *headline ? headline : rules[rule].id,
				held ? " (" : "", held ? held : "", held ? ")" : "");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(res, "message"), "text", text);
	free(text);
	free(held);
	cJSON *locs = cJSON_AddArrayToObject(res, "locations");
	cJSON *related = NULL;
	const cJSON *stack;
	int i = 0;
	cJSON_ArrayForEach(stack, cJSON_GetObjectItemCaseSensitive(finding, "stacks")) {
		if (i++ == 0) {
			cJSON_AddItemToArray(locs, location(stack, 0));
			continue;
		}
		if (!related)
			related = cJSON_AddArrayToObject(res, "relatedLocations");
		cJSON_AddItemToArray(related, location(stack, i - 1));
	}
	cJSON *props = cJSON_AddObjectToObject(res, "properties");
	cJSON_AddStringToObject(props, "case", r->c->id);
	cJSON_AddStringToObject(props, "variant", r->v->name);
	if (r->c->title)
		cJSON_AddStringToObject(props, "title", r->c->title);
	return res;
}

static cJSON *run(const pvc_report *rep, int tsan)
{
	cJSON *run = cJSON_CreateObject();
	cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
	cJSON_AddStringToObject(driver, "name", tsan ? "ThreadSanitizer" : "pvcheck");
	if (tsan)
		cJSON_AddStringToObject(driver, "informationUri",
					"https://clang.llvm.org/docs/ThreadSanitizer.html");
	cJSON *rl = cJSON_AddArrayToObject(driver, "rules");
	for (int i = 0; i < NRULES; i++) {
		cJSON *rule = cJSON_CreateObject();
		cJSON_AddStringToObject(rule, "id", rules[i].id);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "shortDescription"), "text",
					rules[i].text);
		cJSON_AddItemToArray(rl, rule);
	}
	cJSON *results = cJSON_AddArrayToObject(run, "results");
	for (int i = 0; i < rep->nresults; i++) {
		const pvc_result *r = &rep->results[i];
		const cJSON *f;
		cJSON_ArrayForEach(f, (tsan ? r->ts.findings : r->pv.findings))
			cJSON_AddItemToArray(results, result(f, r));
	}
	return run;
}

int pvc_write_sarif(const char *path, const pvc_report *rep)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	cJSON_AddStringToObject(doc, "version", "2.1.0");
	cJSON *runs = cJSON_AddArrayToObject(doc, "runs");
	cJSON_AddItemToArray(runs, run(rep, 0));
	cJSON_AddItemToArray(runs, run(rep, 1));
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	char *line = pvc_printf("%s\n", text);
	free(text);
	int rc = pvc_write_file(path, line);
	free(line);
	return rc;
}
