/* After the table, for a case written by 'pvcheck exercise': what the run
 * says about the learner's fix, in the learner's terms. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "findings.h"
#include "output.h"
#include "util.h"

#define MAX_FINDINGS 4    /* per checker; the rest are counted */
#define MAX_PLACES 4      /* per finding */

static const char *checker_name(int tsan)
{
	return tsan ? "ThreadSanitizer" : "pvcheck's runtime";
}

/* "buggy.c:28 (worker)": the first frame of a stack in the learner's files. */
static char *place(const cJSON *frames, const char *root)
{
	size_t n = strlen(root);
	const cJSON *fr;
	cJSON_ArrayForEach(fr, frames) {
		const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fr, "file"));
		const cJSON *line = cJSON_GetObjectItemCaseSensitive(fr, "line");
		const char *fn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fr, "function"));
		if (!file || strncmp(file, root, n) || file[n] != '/' || !cJSON_IsNumber(line))
			continue;
		return fn && *fn ? pvc_printf("%s:%d (%s)", file + n + 1, line->valueint, fn)
				 : pvc_printf("%s:%d", file + n + 1, line->valueint);
	}
	return NULL;
}

/* "a data race on 'counter' at buggy.c:28 (worker)" */
static char *describe(const cJSON *finding, const char *root)
{
	pvc_buf b = {0};
	const char *head = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(finding, "headline"));
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(finding, "kind"));
	pvc_buf_puts(&b, head && *head ? head : kind ? kind : "a report");
	const cJSON *loc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(finding, "locations"), 0);
	const char *where = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(loc, "kind"));
	const char *var = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(loc, "name"));
	/* A mutex's "name" is its kind, not a variable. */
	if (where && !strcmp(where, "global") && var && *var)
		pvc_buf_printf(&b, " on '%s'", var);
	else if (where && !strcmp(where, "heap"))
		pvc_buf_puts(&b, " on a heap block");
	else if (where && !strcmp(where, "stack"))
		pvc_buf_puts(&b, " on a thread's stack");
	else if (where && !strcmp(where, "fd") && var && *var)
		pvc_buf_printf(&b, " on %s", var);
	pvc_list seen = {0};
	const cJSON *st;
	cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(finding, "stacks")) {
		char *p = place(cJSON_GetObjectItemCaseSensitive(st, "frames"), root);
		int dup = !p;
		for (size_t i = 0; p && i < seen.n && !dup; i++)
			dup = !strcmp(seen.v[i], p);
		if (dup || seen.n == MAX_PLACES) {
			free(p);
			continue;
		}
		pvc_buf_printf(&b, "%s%s", seen.n ? ", " : " at ", p);
		pvc_list_take(&seen, p);
	}
	pvc_list_free(&seen);
	char *held = pvc_findings_held_text(finding);
	if (held)
		pvc_buf_printf(&b, "; %s", held);
	free(held);
	return b.s;
}

/* What one checker found, a line per distinct finding. 1 if it found anything. */
static int findings(FILE *f, const pvc_side *s, int tsan, const char *root)
{
	pvc_list lines = {0};
	int more = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, s->findings) {
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "kind"));
		if (!pvc_kind_word(kind))
			continue;
		char *d = describe(it, root);
		int dup = 0;
		for (size_t i = 0; i < lines.n && !dup; i++)
			dup = !strcmp(lines.v[i], d);
		if (dup)
			free(d);
		else if (lines.n == MAX_FINDINGS) {
			free(d);
			more++;
		} else
			pvc_list_take(&lines, d);
	}
	for (size_t i = 0; i < lines.n; i++)
		fprintf(f, "  %s: %s\n", checker_name(tsan), lines.v[i]);
	if (more)
		fprintf(f, "  %s: %d more\n", checker_name(tsan), more);
	int any = lines.n > 0;
	pvc_list_free(&lines);
	return any;
}

static const char *under(int pv, int ts)
{
	return pv && ts ? "under both runtimes" : pv ? "under pvcheck's runtime" : "under ThreadSanitizer";
}

/* What the program itself did, said once when both runs did the same. */
static void outcome(FILE *f, const pvc_result *r, const char *src)
{
	const pvc_side *sd[2] = { &r->pv, &r->ts };
	if (!r->compiled) {
		fprintf(f, "  %s does not compile: the build log is above.\n", src);
		return;
	}
	if (pvc_words_has(&r->pv.verdict, "build-error") || pvc_words_has(&r->ts.verdict, "build-error"))
		fprintf(f, "  The program does not link %s: the link log is above.\n",
			under(pvc_words_has(&r->pv.verdict, "build-error"),
			      pvc_words_has(&r->ts.verdict, "build-error")));
	static const char *const words[] = { "wrong-result", "crash", "hang", "output-flood" };
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		int pv = pvc_words_has(&r->pv.verdict, words[w]);
		int ts = pvc_words_has(&r->ts.verdict, words[w]);
		if (!pv && !ts)
			continue;
		const pvc_side *s = pv ? sd[0] : sd[1];
		switch (w) {
		case 0:
			fprintf(f, "  The program's own check failed %s: it exited with status 1, "
				"so its result was wrong.\n", under(pv, ts));
			break;
		case 1:
			if (WIFSIGNALED(s->status))
				fprintf(f, "  The program crashed %s: killed by signal %d (%s).\n",
					under(pv, ts), WTERMSIG(s->status), strsignal(WTERMSIG(s->status)));
			else
				fprintf(f, "  The program crashed %s.\n", under(pv, ts));
			break;
		case 2:
			fprintf(f, "  The program did not finish %s: it was killed at its timeout "
				"of %g s.\n", under(pv, ts), r->v->timeout);
			break;
		default:
			fprintf(f, "  The program wrote more than 4 MiB %s and was killed.\n", under(pv, ts));
		}
	}
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < sd[t]->verdict.n; i++)
			if (!strncmp(sd[t]->verdict.w[i], "exit-", 5))
				fprintf(f, "  The program exited with status %s %s.\n",
					sd[t]->verdict.w[i] + 5, under(!t, t));
}

static void variant(FILE *f, const pvc_result *r, const char *root)
{
	const char *src = r->v->sources.n ? r->v->sources.v[0] : "the program";
	if (r->c->nvariants > 1)
		fprintf(f, " [%s]", r->v->name);
	if (pvc_exercise_passes(r)) {
		fprintf(f, ": solved. Your fix of %s passes both checkers (neither pvcheck's runtime "
			"nor ThreadSanitizer reported anything) and the program's own check.\n", src);
		return;
	}
	fprintf(f, ": %s does not pass yet.\n", src);
	if (r->internal) {
		fprintf(f, "  pvcheck itself failed: %s\n", r->internal);
		return;
	}
	int pv = findings(f, &r->pv, 0, root);
	int ts = findings(f, &r->ts, 1, root);
	if (pv && !ts && r->ts.ran)
		fprintf(f, "  %s reported nothing.\n", checker_name(1));
	if (ts && !pv && r->pv.ran)
		fprintf(f, "  %s reported nothing.\n", checker_name(0));
	outcome(f, r, src);
}

void pvc_print_exercises(FILE *f, const pvc_report *rep)
{
	for (int i = 0; i < rep->ncases; i++) {
		const pvc_case *c = &rep->cases[i];
		if (!c->exercise || c->error)
			continue;
		char *root = realpath(c->dir, NULL);
		int solved = 1;
		for (int k = 0; k < rep->nresults; k++) {
			const pvc_result *r = &rep->results[k];
			if (r->c != c)
				continue;
			fprintf(f, "\nExercise %s", c->exercise);
			variant(f, r, root ? root : c->dir);
			solved &= pvc_exercise_passes(r);
		}
		if (!solved && c->hint)
			fprintf(f, "Hint: %s\n", c->hint);
		fprintf(f, "%s: pvcheck explain %s\n", solved ? "Compare it with the lesson's fixes"
			: "The lesson (it gives the fix away)", c->exercise);
		free(root);
	}
}

