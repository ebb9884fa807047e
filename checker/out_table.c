/* The table for people, its summary line, and the notes on disagreements. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "output.h"
#include "util.h"

#define HEAD_LINES 12

enum { C_CASE, C_VARIANT, C_EXPECTED, C_PV, C_TSAN, C_AGREE, NCOLS };

static const char *const headers[NCOLS] = {
	"case", "variant", "expected", "pvcheck", "TSan", "agreement"
};

typedef struct {
	char cell[NCOLS][160];
} row;

static void fill(row *w, const pvc_result *r)
{
	snprintf(w->cell[C_CASE], sizeof w->cell[0], "%s", r->c->id);
	snprintf(w->cell[C_VARIANT], sizeof w->cell[0], "%s", r->v->name);
	pvc_expect_text(&r->v->expect, w->cell[C_EXPECTED], sizeof w->cell[0]);
	pvc_words_text(&r->pv.verdict, w->cell[C_PV], sizeof w->cell[0]);
	pvc_words_text(&r->ts.verdict, w->cell[C_TSAN], sizeof w->cell[0]);
	if (r->internal) {
		snprintf(w->cell[C_PV], sizeof w->cell[0], "error");
		snprintf(w->cell[C_TSAN], sizeof w->cell[0], "error");
	}
	snprintf(w->cell[C_AGREE], sizeof w->cell[0], "%s", pvc_agreement(r));
}

static void fill_bad(row *w, const pvc_case *c)
{
	snprintf(w->cell[C_CASE], sizeof w->cell[0], "%s", c->id);
	snprintf(w->cell[C_VARIANT], sizeof w->cell[0], "-");
	snprintf(w->cell[C_EXPECTED], sizeof w->cell[0], "(bad case.ini)");
	snprintf(w->cell[C_PV], sizeof w->cell[0], "-");
	snprintf(w->cell[C_TSAN], sizeof w->cell[0], "-");
	snprintf(w->cell[C_AGREE], sizeof w->cell[0], "ERROR");
}

/* Rows in catalogue order: each case's variants, or its error. */
static int build_rows(const pvc_report *rep, row *rows)
{
	int n = 0, k = 0;
	for (int i = 0; i < rep->ncases; i++) {
		const pvc_case *c = &rep->cases[i];
		if (c->error) {
			fill_bad(&rows[n++], c);
			continue;
		}
		while (k < rep->nresults && rep->results[k].c == c)
			fill(&rows[n++], &rep->results[k++]);
	}
	return n;
}

static void print_row(FILE *f, const char *const *cells, const int *width)
{
	for (int c = 0; c < NCOLS; c++) {
		if (c == NCOLS - 1)
			fprintf(f, "%s\n", cells[c]);
		else
			fprintf(f, "%-*s  ", width[c], cells[c]);
	}
}

void pvc_print_table(FILE *f, const pvc_report *rep)
{
	row *rows = pvc_alloc((size_t)(rep->nresults + rep->ncases) * sizeof *rows);
	int n = build_rows(rep, rows);
	int width[NCOLS];
	for (int c = 0; c < NCOLS; c++) {
		width[c] = (int)strlen(headers[c]);
		for (int i = 0; i < n; i++)
			if ((int)strlen(rows[i].cell[c]) > width[c])
				width[c] = (int)strlen(rows[i].cell[c]);
	}
	print_row(f, headers, width);
	for (int i = 0; i < n; i++) {
		const char *cells[NCOLS];
		for (int c = 0; c < NCOLS; c++)
			cells[c] = rows[i].cell[c];
		print_row(f, cells, width);
	}
	free(rows);
	int bad_variants = rep->disagree - rep->bad_cases;
	fprintf(f, "\n%d variant%s: %d agree with expectations, %d disagree; "
		"ThreadSanitizer differs from its expectation on %d",
		rep->nresults, rep->nresults == 1 ? "" : "s", rep->nresults - bad_variants,
		bad_variants, rep->tsan_differs);
	if (rep->bad_cases)
		fprintf(f, "; %d case.ini file%s could not be used", rep->bad_cases,
			rep->bad_cases == 1 ? "" : "s");
	fputc('\n', f);
}

/* The log or output that best shows what happened to a side. */
static const char *evidence(const pvc_result *r, const pvc_side *s, const char **what)
{
	if (!r->compiled) {
		*what = "build log";
		return r->build_log;
	}
	if (!s->linked) {
		*what = "link log";
		return s->link_log;
	}
	*what = "stderr";
	return s->err_path;
}

static void outcome(pvc_buf *b, const pvc_side *s)
{
	if (!s->ran)
		return;
	if (s->timed_out)
		pvc_buf_printf(b, "  the run was killed at its timeout after %.1f s\n", s->secs);
	else if (s->flooded)
		pvc_buf_printf(b, "  the run was killed after writing more than 4 MiB\n");
	else if (WIFSIGNALED(s->status))
		pvc_buf_printf(b, "  the program was killed by signal %d\n", WTERMSIG(s->status));
	else
		pvc_buf_printf(b, "  the program exited with status %d after %.2f s\n",
			       WEXITSTATUS(s->status), s->secs);
	if (s->bad_lines)
		pvc_buf_printf(b, "  %d report line(s) were cut short\n", s->bad_lines);
}

char *pvc_explain(const pvc_result *r, int tsan)
{
	const pvc_side *s = tsan ? &r->ts : &r->pv;
	pvc_buf b = {0};
	pvc_buf_puts(&b, "");
	if (r->internal) {
		pvc_buf_printf(&b, "  %s\n", r->internal);
		return b.s;
	}
	outcome(&b, s);
	const char *what;
	const char *path = evidence(r, s, &what);
	char *head = pvc_head_lines(path, HEAD_LINES, "    | ");
	if (!*head && s->ran) {
		free(head);
		what = "stdout";
		head = pvc_head_lines(s->out_path, HEAD_LINES, "    | ");
	}
	if (*head)
		pvc_buf_printf(&b, "  %s, first lines:\n%s", what, head);
	else
		pvc_buf_printf(&b, "  (%s is empty)\n", what);
	free(head);
	return b.s;
}

static void detail(FILE *f, const pvc_result *r, int tsan)
{
	const pvc_side *s = tsan ? &r->ts : &r->pv;
	char want[160], got[160];
	pvc_expect_text(tsan ? &r->v->tsan : &r->v->expect, want, sizeof want);
	pvc_words_text(&s->verdict, got, sizeof got);
	fprintf(f, "\n%s %s [%s]: %s expected %s, got %s: %s\n",
		tsan ? "note:" : "MISMATCH", r->c->id, r->v->name,
		tsan ? "ThreadSanitizer" : "pvcheck", want, got, s->why);
	char *text = pvc_explain(r, tsan);
	fputs(text, f);
	free(text);
}

void pvc_print_details(FILE *f, const pvc_report *rep)
{
	for (int i = 0; i < rep->ncases; i++)
		if (rep->cases[i].error)
			fprintf(f, "\nERROR %s\n", rep->cases[i].error);
	for (int i = 0; i < rep->nresults; i++) {
		const pvc_result *r = &rep->results[i];
		if (!r->pv.agrees)
			detail(f, r, 0);
		/* A failed compile is one story, told once. */
		if (!r->ts.agrees && !(!r->compiled && !r->internal && !r->pv.agrees))
			detail(f, r, 1);
	}
}
