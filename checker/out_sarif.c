/* --sarif: SARIF 2.1.0 as code scanning reads it. A result is one finding:
 * a message saying what raced with what, its first stack's program line as
 * the location, one threadFlow per stack (each thread's calls, outermost
 * first), the other stacks and the threads' creation as related locations.
 * Files under the current directory get URIs relative to %SRCROOT%. In a
 * catalogue run, a finding both checkers made is one result of pvcheck's
 * run, marked as ThreadSanitizer's too; ThreadSanitizer's run holds only
 * what pvcheck did not find. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "findings.h"
#include "output.h"
#include "paths.h"
#include "util.h"

static const struct {
	const char *id, *name, *anchor, *text, *help;
} rules[] = {
	{ "race", "DataRace", "data-race",
	  "Data race: two threads access the same memory, at least one writes, and nothing "
	  "orders the accesses.",
	  "Order the two accesses: hold one mutex around both, make the variable atomic, or "
	  "hand the data over through a channel, a join or a condition variable. The thread "
	  "flows show each thread's calls down to its access." },
	{ "deadlock", "Deadlock", "deadlock",
	  "Deadlock: threads wait for each other and none can proceed.",
	  "Take locks in one global order, or never wait while holding a lock another waiter "
	  "needs. The thread flows show where each thread waits." },
	{ "lock-order", "LockOrderInversion", "lock-order-inversion",
	  "Lock-order inversion: locks taken in conflicting orders can deadlock.",
	  "Two code paths take the same locks in opposite orders; one interleaving deadlocks "
	  "even if this run did not. Pick one order for all paths." },
	{ "api-misuse", "ApiMisuse", "api-misuse",
	  "Misuse of a threading API (unlocking an unlocked mutex, joining a detached "
	  "thread, ...).",
	  "The call breaks the API's contract; POSIX leaves what follows undefined." },
	{ "thread-leak", "ThreadLeak", "thread-leak",
	  "Thread leak: a joinable thread finished and was never joined (nor detached) before "
	  "the program ended.",
	  "Join the thread, or create it detached; its resources are kept until then." },
	{ "crash", "Crash", "crash", "The program was killed by a fatal signal.",
	  "The run ended on a fatal signal; its findings may be incomplete." },
	{ "other", "Other", "findings", "Another report of the checker.",
	  "A report the checker makes that has no rule of its own." },
};
#define NRULES (int)(sizeof rules / sizeof rules[0])

static int rule_index(const char *kind)
{
	for (int i = 0; kind && i < NRULES; i++)
		if (!strcmp(rules[i].id, kind))
			return i;
	return NRULES - 1;
}

/* Everything but unreserved characters and '/' escaped. */
static void put_uri_path(pvc_buf *b, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (isalnum(*p) || strchr("/-._~", *p))
			pvc_buf_add(b, (const char *)p, 1);
		else
			pvc_buf_printf(b, "%%%02X", *p);
	}
}

/* The directory files are relative to, with a trailing '/'. */
static char *source_root(void)
{
	char *cwd = getcwd(NULL, 0);
	char *root = pvc_printf("%s%s", cwd ? cwd : "/", cwd && strcmp(cwd, "/") ? "/" : "");
	free(cwd);
	return root;
}

static cJSON *artifact(const char *file, const char *root)
{
	cJSON *a = cJSON_CreateObject();
	pvc_buf b = {0};
	size_t n = strlen(root);
	if (!strncmp(file, root, n) && file[n]) {
		put_uri_path(&b, file + n);
		cJSON_AddStringToObject(a, "uri", b.s);
		cJSON_AddStringToObject(a, "uriBaseId", "%SRCROOT%");
	} else {
		pvc_buf_puts(&b, file[0] == '/' ? "file://" : "");
		put_uri_path(&b, file);
		cJSON_AddStringToObject(a, "uri", b.s);
	}
	pvc_buf_free(&b);
	return a;
}

static cJSON *physical(const cJSON *fr, const char *root)
{
	cJSON *phys = cJSON_CreateObject();
	cJSON_AddItemToObject(phys, "artifactLocation", artifact(pvc_jstr(fr, "file"), root));
	cJSON *region = cJSON_AddObjectToObject(phys, "region");
	int line = pvc_jint(fr, "line"), col = pvc_jint(fr, "column");
	cJSON_AddNumberToObject(region, "startLine", line > 0 ? line : 1);
	if (col > 0)
		cJSON_AddNumberToObject(region, "startColumn", col);
	return phys;
}

/* A location at frame fr (or none), saying text. */
static cJSON *location(const cJSON *fr, int id, const char *text, const char *root)
{
	cJSON *loc = cJSON_CreateObject();
	if (id >= 0)
		cJSON_AddNumberToObject(loc, "id", id);
	if (fr)
		cJSON_AddItemToObject(loc, "physicalLocation", physical(fr, root));
	if (text && *text)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(loc, "message"), "text", text);
	return loc;
}

/* One thread's calls, outermost first, the program's frames only; NULL
 * when the stack has none (ThreadSanitizer's summary of a lock cycle).
 * Its id names the thread, and its process when that is another one. */
static cJSON *thread_flow(const cJSON *stack, int n_before, const char *root)
{
	const cJSON *frames = cJSON_GetObjectItemCaseSensitive(stack, "frames");
	if (!pvc_source_frame(stack))
		return NULL;
	cJSON *tf = cJSON_CreateObject();
	int pid = pvc_jint(stack, "pid");
	char *id = pid ? pvc_printf("T%d (pid %d)", pvc_jint(stack, "thread"), pid)
		       : pvc_printf("T%d", pvc_jint(stack, "thread"));
	/* Ids are unique in a codeFlow: the same thread's second stack gets "#2". */
	if (n_before) {
		char *again = pvc_printf("%s #%d", id, n_before + 1);
		free(id);
		id = again;
	}
	cJSON_AddStringToObject(tf, "id", id);
	free(id);
	char *what = pvc_access_text(stack);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(tf, "message"), "text", what);
	free(what);
	cJSON *locs = cJSON_AddArrayToObject(tf, "locations");
	int depth = 0;
	for (int k = cJSON_GetArraySize(frames) - 1; k >= 0; k--) {
		const cJSON *fr = cJSON_GetArrayItem(frames, k);
		if (!pvc_program_frame(fr))
			continue;
		cJSON *tfl = cJSON_CreateObject();
		cJSON_AddItemToObject(tfl, "location", location(fr, -1, pvc_jstr(fr, "function"), root));
		cJSON_AddNumberToObject(tfl, "nestingLevel", depth++);
		cJSON_AddItemToArray(locs, tfl);
	}
	return tf;
}

/* How many of the stacks before index i are the same thread's (and process's). */
static int same_thread_before(const cJSON *stacks, int i)
{
	const cJSON *s = cJSON_GetArrayItem(stacks, i);
	int n = 0;
	for (int k = 0; k < i; k++) {
		const cJSON *o = cJSON_GetArrayItem(stacks, k);
		n += pvc_jint(o, "thread") == pvc_jint(s, "thread") && pvc_jint(o, "pid") == pvc_jint(s, "pid");
	}
	return n;
}

/* The set of "file:line" of the stacks' program frames, sorted: the same
 * finding from either checker, whichever stack it lists first and whatever
 * stacks without program frames it adds (ThreadSanitizer's lock cycle). */
static char *fingerprint(const cJSON *finding)
{
	pvc_list keys = {0};
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(finding, "stacks")) {
		const cJSON *fr = pvc_source_frame(s);
		char *key = fr ? pvc_printf("%s:%d", pvc_jstr(fr, "file"), pvc_jint(fr, "line")) : NULL;
		int seen = !key;
		for (size_t i = 0; key && i < keys.n && !seen; i++)
			seen = !strcmp(keys.v[i], key);
		if (seen)
			free(key);
		else
			pvc_list_take(&keys, key);
	}
	for (size_t i = 1; i < keys.n; i++)
		for (size_t j = i; j > 0 && strcmp(keys.v[j - 1], keys.v[j]) > 0; j--) {
			char *t = keys.v[j];
			keys.v[j] = keys.v[j - 1];
			keys.v[j - 1] = t;
		}
	pvc_buf b = {0};
	pvc_buf_puts(&b, rules[rule_index(pvc_jstr(finding, "kind"))].id);
	for (size_t i = 0; i < keys.n; i++)
		pvc_buf_printf(&b, "|%s", keys.v[i]);
	pvc_list_free(&keys);
	/* FNV-1a: a short stable key for code scanning. */
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)b.s; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	pvc_buf_free(&b);
	return pvc_printf("%016llx", (unsigned long long)h);
}

typedef struct {
	const pvc_result *r;      /* the catalogue's variant, or NULL */
	const char *found_by[2];
	const char *root;
} result_ctx;

static cJSON *result(const cJSON *finding, const result_ctx *ctx)
{
	int rule = rule_index(pvc_jstr(finding, "kind"));
	const char *root = ctx->root;
	cJSON *res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "ruleId", rules[rule].id);
	cJSON_AddNumberToObject(res, "ruleIndex", rule);
	cJSON_AddStringToObject(res, "level", rule == NRULES - 1 ? "warning" : "error");
	char *text = pvc_finding_summary(finding);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(res, "message"), "text", text);
	free(text);

	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(finding, "stacks");
	const cJSON *s;
	cJSON *locs = cJSON_AddArrayToObject(res, "locations");
	cJSON *related = cJSON_CreateArray();
	cJSON *flows = cJSON_CreateArray();
	int i = 0, id = 1;
	cJSON_ArrayForEach(s, stacks) {
		char *what = pvc_access_text(s);
		if (i++ == 0)
			cJSON_AddItemToArray(locs, location(pvc_source_frame(s), -1, what, root));
		else
			cJSON_AddItemToArray(related, location(pvc_source_frame(s), id++, what, root));
		free(what);
		cJSON *tf = thread_flow(s, same_thread_before(stacks, i - 1), root);
		if (tf)
			cJSON_AddItemToArray(flows, tf);
	}
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(finding, "threads")) {
		const cJSON *fr;
		cJSON_ArrayForEach(fr, cJSON_GetObjectItemCaseSensitive(t, "created"))
			if (pvc_program_frame(fr))
				break;
		if (!fr)
			continue;
		char *what = pvc_printf("Thread T%d created", pvc_jint(t, "id"));
		cJSON_AddItemToArray(related, location(fr, id++, what, root));
		free(what);
	}
	if (cJSON_GetArraySize(related))
		cJSON_AddItemToObject(res, "relatedLocations", related);
	else
		cJSON_Delete(related);
	if (cJSON_GetArraySize(flows)) {
		cJSON *cf = cJSON_CreateObject();
		cJSON_AddItemToObject(cf, "threadFlows", flows);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "codeFlows"), cf);
	} else {
		cJSON_Delete(flows);
	}
	char *fp = fingerprint(finding);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(res, "partialFingerprints"), "pvcheckFinding/v1", fp);
	free(fp);
	cJSON *props = cJSON_AddObjectToObject(res, "properties");
	cJSON *by = cJSON_AddArrayToObject(props, "foundBy");
	for (int k = 0; k < 2; k++)
		if (ctx->found_by[k])
			cJSON_AddItemToArray(by, cJSON_CreateString(ctx->found_by[k]));
	if (ctx->r) {
		cJSON_AddStringToObject(props, "case", ctx->r->c->id);
		cJSON_AddStringToObject(props, "variant", ctx->r->v->name);
		if (ctx->r->c->title)
			cJSON_AddStringToObject(props, "title", ctx->r->c->title);
	}
	return res;
}

static cJSON *run_object(int tsan, const char *root, cJSON **results)
{
	cJSON *run = cJSON_CreateObject();
	cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
	cJSON_AddStringToObject(driver, "name", tsan ? "ThreadSanitizer" : "pvcheck");
	if (tsan)
		cJSON_AddStringToObject(driver, "informationUri",
					"https://clang.llvm.org/docs/ThreadSanitizer.html");
	else
		cJSON_AddStringToObject(driver, "version", PVC_VERSION);
	char *readme = pvc_readme_uri();
	cJSON *rl = cJSON_AddArrayToObject(driver, "rules");
	for (int i = 0; i < NRULES; i++) {
		cJSON *rule = cJSON_CreateObject();
		cJSON_AddStringToObject(rule, "id", rules[i].id);
		cJSON_AddStringToObject(rule, "name", rules[i].name);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "shortDescription"), "text",
					rules[i].text);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "fullDescription"), "text",
					rules[i].text);
		char *help = pvc_printf("%s %s", rules[i].text, rules[i].help);
		cJSON *h = cJSON_AddObjectToObject(rule, "help");
		cJSON_AddStringToObject(h, "text", help);
		cJSON_AddStringToObject(h, "markdown", help);
		free(help);
		char *uri = pvc_printf("%s#%s", readme, rules[i].anchor);
		cJSON_AddStringToObject(rule, "helpUri", uri);
		free(uri);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(rule, "defaultConfiguration"), "level",
					i == NRULES - 1 ? "warning" : "error");
		cJSON *props = cJSON_AddObjectToObject(rule, "properties");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(props, "tags"), cJSON_CreateString("concurrency"));
		cJSON_AddItemToArray(rl, rule);
	}
	free(readme);
	pvc_buf b = {0};
	pvc_buf_puts(&b, "file://");
	put_uri_path(&b, root);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(run,
		"originalUriBaseIds"), "%SRCROOT%"), "uri", b.s);
	pvc_buf_free(&b);
	*results = cJSON_AddArrayToObject(run, "results");
	return run;
}

static int write_doc(const char *path, cJSON *runs[], int nruns)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	cJSON_AddStringToObject(doc, "version", "2.1.0");
	cJSON *arr = cJSON_AddArrayToObject(doc, "runs");
	for (int i = 0; i < nruns; i++)
		cJSON_AddItemToArray(arr, runs[i]);
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	char *line = pvc_printf("%s\n", text);
	free(text);
	int rc = pvc_write_file(path, line);
	free(line);
	return rc;
}

/* Whether a finding with fingerprint fp is among findings. */
static int has_fingerprint(const cJSON *findings, const char *fp)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, findings) {
		char *other = fingerprint(f);
		int same = !strcmp(other, fp);
		free(other);
		if (same)
			return 1;
	}
	return 0;
}

int pvc_write_sarif(const char *path, const pvc_report *rep)
{
	char *root = source_root();
	cJSON *pv_results, *ts_results;
	cJSON *runs[2] = { run_object(0, root, &pv_results), run_object(1, root, &ts_results) };
	for (int i = 0; i < rep->nresults; i++) {
		const pvc_result *r = &rep->results[i];
		const cJSON *f;
		cJSON_ArrayForEach(f, r->pv.findings) {
			char *fp = fingerprint(f);
			result_ctx ctx = { r, { "pvcheck", has_fingerprint(r->ts.findings, fp) ?
						"ThreadSanitizer" : NULL }, root };
			cJSON_AddItemToArray(pv_results, result(f, &ctx));
			free(fp);
		}
		cJSON_ArrayForEach(f, r->ts.findings) {
			char *fp = fingerprint(f);
			result_ctx ctx = { r, { "ThreadSanitizer", NULL }, root };
			if (!has_fingerprint(r->pv.findings, fp))
				cJSON_AddItemToArray(ts_results, result(f, &ctx));
			free(fp);
		}
	}
	free(root);
	return write_doc(path, runs, 2);
}

int pvc_write_run_sarif(const char *path, const pvc_run_info *run)
{
	const cJSON *findings = run->findings;
	char *root = source_root();
	cJSON *results;
	cJSON *runs[1] = { run_object(0, root, &results) };
	const cJSON *f;
	cJSON_ArrayForEach(f, findings) {
		result_ctx ctx = { NULL, { "pvcheck", NULL }, root };
		cJSON_AddItemToArray(results, result(f, &ctx));
	}
	free(root);
	return write_doc(path, runs, 1);
}
