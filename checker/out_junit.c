/* --junit: a testsuite per case, a testcase per variant; <failure> when
 * pvcheck disagrees with `expect`, ThreadSanitizer's difference as output. */
#include <errno.h>
#include <stdlib.h>
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

static void verdicts(FILE *f, const pvc_result *r, int tsan)
{
	const pvc_side *s = tsan ? &r->ts : &r->pv;
	char want[160], got[160];
	pvc_expect_text(tsan ? &r->v->tsan : &r->v->expect, want, sizeof want);
	pvc_words_text(&s->verdict, got, sizeof got);
	fprintf(f, "%s expected ", tsan ? "ThreadSanitizer" : "pvcheck");
	esc(f, want);
	fputs(", got ", f);
	esc(f, got);
	if (!s->agrees) {
		fputs(": ", f);
		esc(f, s->why);
	}
}

static void testcase(FILE *f, const pvc_result *r)
{
	fputs("    <testcase classname=\"", f);
	esc(f, r->c->id);
	fputs("\" name=\"", f);
	esc(f, r->v->name);
	fprintf(f, "\" time=\"%.3f\">\n", r->pv.secs + r->ts.secs);
	if (!r->pv.agrees) {
		fputs("      <failure type=\"mismatch\" message=\"", f);
		verdicts(f, r, 0);
		fputs("\">", f);
		char *text = pvc_explain(r, 0);
		esc(f, text);
		free(text);
		fputs("</failure>\n", f);
	}
	fputs("      <system-out>", f);
	verdicts(f, r, 0);
	fputs("\n", f);
	verdicts(f, r, 1);
	fputs("\n", f);
	if (!r->ts.agrees) {
		char *text = pvc_explain(r, 1);
		esc(f, text);
		free(text);
	}
	fputs("</system-out>\n    </testcase>\n", f);
}

static void suite(FILE *f, const pvc_report *rep, const pvc_case *c)
{
	int tests = 0, failures = 0;
	double secs = 0;
	for (int i = 0; i < rep->nresults; i++) {
		const pvc_result *r = &rep->results[i];
		if (r->c != c)
			continue;
		tests++;
		failures += !r->pv.agrees;
		secs += r->pv.secs + r->ts.secs;
	}
	if (c->error)
		tests = failures = 1;
	fputs("  <testsuite name=\"", f);
	esc(f, c->id);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
		tests, failures, secs);
	if (c->error) {
		fputs("    <testcase classname=\"", f);
		esc(f, c->id);
		fputs("\" name=\"case.ini\">\n      <failure type=\"bad-case\" message=\"", f);
		esc(f, c->error);
		fputs("\"/>\n    </testcase>\n", f);
	}
	for (int i = 0; i < rep->nresults; i++)
		if (rep->results[i].c == c)
			testcase(f, &rep->results[i]);
	fputs("  </testsuite>\n", f);
}

int pvc_write_junit(const char *path, const pvc_report *rep)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"pvcheck\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n",
		rep->nresults + rep->bad_cases, rep->disagree);
	for (int i = 0; i < rep->ncases; i++)
		suite(f, rep, &rep->cases[i]);
	fputs("</testsuites>\n", f);
	return fclose(f) ? -1 : 0;
}
