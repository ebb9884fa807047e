/* --junit: JUnit XML in the strict shape of Ant's junit task (checked by
 * tests/e2e/junit.xsd): <testsuites> of <testsuite package id name
 * timestamp hostname tests failures errors time>, each with <properties>,
 * its <testcase>s (at most one <failure> each), <system-out> and
 * <system-err>. The catalogue: a testsuite per case, a testcase per variant,
 * failing when pvcheck disagrees with `expect`; ThreadSanitizer's verdicts
 * go to system-out. pvcheck run: one testsuite, a failing testcase per
 * finding and one for the program's own exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "findings.h"
#include "output.h"
#include "util.h"

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			/* XML 1.0 has no way to carry other control characters. */
			fputc(c < 0x20 && c != '\n' && c != '\t' && c != '\r' ? '?' : c, f);
		}
	}
}

static void put_attr(FILE *f, const char *name, const char *val)
{
	fprintf(f, " %s=\"", name);
	esc(f, val);
	fputc('"', f);
}

/* The suite's opening tag and its properties (name, value pairs, NULL-ended). */
static void suite_open(FILE *f, int id, const char *pkg, const char *name, time_t start,
		       int tests, int failures, double secs, const char *const *props)
{
	char host[256] = "", stamp[32];
	if (gethostname(host, sizeof host - 1) || !host[0])
		strcpy(host, "localhost");
	struct tm tm;
	localtime_r(&start, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fputs("  <testsuite", f);
	put_attr(f, "package", pkg);
	fprintf(f, " id=\"%d\"", id);
	put_attr(f, "name", name);
	put_attr(f, "timestamp", stamp);
	put_attr(f, "hostname", host);
	fprintf(f, " tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n", tests, failures,
		secs);
	fputs("    <properties>\n", f);
	for (; props && props[0]; props += 2) {
		if (!props[1])
			continue;
		fputs("      <property", f);
		put_attr(f, "name", props[0]);
		put_attr(f, "value", props[1]);
		fputs("/>\n", f);
	}
	fputs("    </properties>\n", f);
}

static void failure(FILE *f, const char *type, const char *message, const char *text)
{
	fputs("      <failure", f);
	put_attr(f, "type", type);
	put_attr(f, "message", message);
	fputs(">", f);
	esc(f, text);
	fputs("</failure>\n", f);
}

static void testcase_open(FILE *f, const char *classname, const char *name, double secs)
{
	fputs("    <testcase", f);
	put_attr(f, "classname", classname);
	put_attr(f, "name", name);
	fprintf(f, " time=\"%.3f\">\n", secs);
}

static void verdicts(FILE *f, const pvc_result *r, int tsan)
{
	const pvc_side *s = tsan ? &r->ts : &r->pv;
	if (s->skipped) {
		fputs(tsan ? "ThreadSanitizer: not run" : "pvcheck: not run", f);
		return;
	}
	char want[160], got[160];
	pvc_expect_text(tsan ? &r->v->tsan : &r->v->expect, want, sizeof want);
	pvc_words_text(&s->verdict, got, sizeof got);
	char *text = pvc_printf("%s expected %s, got %s%s%s", tsan ? "ThreadSanitizer" : "pvcheck",
				want, got, s->agrees ? "" : ": ", s->agrees ? "" : s->why);
	esc(f, text);
	free(text);
}

static void variant_case(FILE *f, const pvc_result *r)
{
	testcase_open(f, r->c->id, r->v->name, r->pv.secs + r->ts.secs);
	if (!pvc_result_agrees(r)) {
		int tsan = r->pv.skipped;
		char *text = pvc_explain(r, tsan);
		fputs("      <failure type=\"mismatch\" message=\"", f);
		verdicts(f, r, tsan);
		fputs("\">", f);
		esc(f, text);
		fputs("</failure>\n", f);
		free(text);
	}
	fputs("    </testcase>\n", f);
}

static void variant_out(FILE *f, const pvc_result *r)
{
	esc(f, r->v->name);
	fputs(": ", f);
	verdicts(f, r, 0);
	fputs("\n", f);
	esc(f, r->v->name);
	fputs(": ", f);
	verdicts(f, r, 1);
	fputs("\n", f);
	if (!r->ts.agrees && !r->ts.skipped) {
		char *text = pvc_explain(r, 1);
		esc(f, text);
		fputs("\n", f);
		free(text);
	}
}

static void suite(FILE *f, const pvc_report *rep, int id, const pvc_case *c)
{
	int tests = 0, failures = 0;
	double secs = 0;
	for (int i = 0; i < rep->nresults; i++) {
		const pvc_result *r = &rep->results[i];
		if (r->c != c)
			continue;
		tests++;
		failures += !pvc_result_agrees(r);
		secs += r->pv.secs + r->ts.secs;
	}
	if (c->error)
		tests = failures = 1;
	if (!tests)
		return;   /* none of its variants ran */
	char *pkg = pvc_strdup(c->id);
	char *slash = strchr(pkg, '/');
	if (slash)
		*slash = 0;
	const char *props[] = { "case.ini", c->ini, "title", c->title, NULL };
	suite_open(f, id, pkg, c->id, rep->started, tests, failures, secs, props);
	free(pkg);
	if (c->error) {
		testcase_open(f, c->id, "case.ini", 0);
		failure(f, "bad-case", c->error, c->error);
		fputs("    </testcase>\n", f);
	}
	for (int i = 0; i < rep->nresults; i++)
		if (rep->results[i].c == c)
			variant_case(f, &rep->results[i]);
	fputs("    <system-out>", f);
	for (int i = 0; i < rep->nresults; i++)
		if (rep->results[i].c == c)
			variant_out(f, &rep->results[i]);
	fputs("</system-out>\n    <system-err></system-err>\n  </testsuite>\n", f);
}

static FILE *doc_open(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", f);
	return f;
}

static int doc_close(FILE *f)
{
	fputs("</testsuites>\n", f);
	return fclose(f) ? -1 : 0;
}

int pvc_write_junit(const char *path, const pvc_report *rep)
{
	FILE *f = doc_open(path);
	if (!f)
		return -1;
	for (int i = 0; i < rep->ncases; i++)
		suite(f, rep, i, &rep->cases[i]);
	return doc_close(f);
}

int pvc_write_run_junit(const char *path, const pvc_run_info *run)
{
	FILE *f = doc_open(path);
	if (!f)
		return -1;
	const char *prog = pvc_basename(run->argv[0]);
	char *cls = pvc_printf("pvcheck.run.%s", prog);
	pvc_buf cmd = {0};
	for (char *const *a = run->argv; *a; a++)
		pvc_buf_printf(&cmd, "%s%s", a == run->argv ? "" : " ", *a);
	int n = cJSON_GetArraySize(run->findings);
	const char *props[] = { "command", cmd.s, NULL };
	char *name = pvc_printf("pvcheck run %s", prog);
	int bad_exit = !run->exited || run->exit_status;
	suite_open(f, 0, "pvcheck.run", name, run->started, n + 1, n + bad_exit, run->secs, props);
	free(name);
	const cJSON *fi;
	int i = 0;
	cJSON_ArrayForEach(fi, run->findings) {
		char *summary = pvc_finding_summary(fi);
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fi, "kind"));
		char *tname = pvc_printf("%s %d", kind ? kind : "finding", ++i);
		testcase_open(f, cls, tname, 0);
		failure(f, kind ? kind : "finding", summary, summary);
		fputs("    </testcase>\n", f);
		free(tname);
		free(summary);
	}
	testcase_open(f, cls, "exit status", run->secs);
	if (bad_exit) {
		char *msg = run->exited ? pvc_printf("%s exited with status %d", prog, run->exit_status)
					: pvc_printf("%s did not exit by itself: %s", prog, run->how);
		failure(f, "exit-status", msg, msg);
		free(msg);
	}
	fputs("    </testcase>\n    <system-out></system-out>\n    <system-err></system-err>\n"
	      "  </testsuite>\n", f);
	free(cls);
	pvc_buf_free(&cmd);
	return doc_close(f);
}
