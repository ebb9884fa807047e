/* The table for people (libsmartcols: it fits the terminal, wrapping cells
 * at spaces, coloured there unless NO_COLOR), its summary line, and the notes
 * on disagreements. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <libsmartcols.h>
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
	if (r->pv.skipped)
		snprintf(w->cell[C_PV], sizeof w->cell[0], "-");
	if (r->ts.skipped)
		snprintf(w->cell[C_TSAN], sizeof w->cell[0], "-");
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

/* Where a cell may break: after a space or a '/'. */
static size_t word_len(const char *s)
{
	size_t n = strcspn(s, " /");
	return n + (s[n] == '/');
}

static size_t longest_word(const struct libscols_column *cl, const char *data, void *u)
{
	size_t best = 0;
	while (data && *data) {
		size_t n = word_len(data);
		if (n > best)
			best = n;
		data += n + (data[n] == ' ');
	}
	return best;
}

/* libsmartcols wraps a cell into chunks: here whole words, as many as the
 * column's width holds. A '/' stays on the line it ends; a space goes. */
static char *next_line(const struct libscols_column *cl, char *data, void *u)
{
	size_t width = scols_column_get_width(cl), used = 0;
	if (!width || strlen(data) <= width)
		return NULL;
	for (;;) {
		size_t n = word_len(data + used);
		if (!n || (used && used + n > width))
			break;
		used += n;
		if (data[used] == ' ') {
			if (used + 1 + word_len(data + used + 1) > width)
				break;
			used++;
		}
	}
	if (!used || !data[used])
		return NULL;
	if (data[used] == ' ') {
		data[used] = 0;
		return data + used + 1;
	}
	/* After a '/': the chunk must end, so move the rest one place on. */
	memmove(data + used + 1, data + used, strlen(data + used) + 1);
	data[used] = 0;
	return data + used + 1;
}

/* Column widths that fit width: the natural ones, the widest shrunk toward
 * its longest word first; when even the words do not fit, the words' widths
 * (lines are then wider than the terminal, words still whole). */
static void fit_widths(row *rows, int n, size_t width, size_t *w)
{
	size_t min[NCOLS], total = 2 * (NCOLS - 1);
	for (int c = 0; c < NCOLS; c++) {
		w[c] = strlen(headers[c]);
		min[c] = w[c];
		for (int i = 0; i < n; i++) {
			size_t len = strlen(rows[i].cell[c]), word = longest_word(NULL, rows[i].cell[c], NULL);
			w[c] = len > w[c] ? len : w[c];
			min[c] = word > min[c] ? word : min[c];
		}
		total += w[c];
	}
	while (total > width) {
		int widest = -1;
		for (int c = 0; c < NCOLS; c++)
			if (w[c] > min[c] && (widest < 0 || w[c] - min[c] > w[widest] - min[widest]))
				widest = c;
		if (widest < 0)
			return;
		w[widest]--;
		total--;
	}
}

static const char *agreement_colour(const char *a)
{
	if (!strncmp(a, "MISMATCH", 8) || !strcmp(a, "ERROR"))
		return "red";
	return strstr(a, "differs") ? "yellow" : "green";
}

/* Colour on a terminal unless NO_COLOR is set (no-color.org's convention). */
static int use_colour(FILE *f)
{
	const char *no = getenv("NO_COLOR");
	return isatty(fileno(f)) && !(no && *no);
}

/* A terminal's columns (COLUMNS first, as a shell sets it); 0 when f is
 * not a terminal. */
static size_t terminal_width(FILE *f)
{
	if (!isatty(fileno(f)))
		return 0;
	const char *env = getenv("COLUMNS");
	char *end;
	long n = env ? strtol(env, &end, 10) : 0;
	if (env && *env && !*end && n > 0)
		return (size_t)n;
	struct winsize ws;
	if (!ioctl(fileno(f), TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	return 80;
}

static void print_rows(FILE *f, row *rows, int n)
{
	/* A terminal's width is met by wrapping; elsewhere lines are whole. */
	size_t w[NCOLS];
	size_t term = terminal_width(f);
	int fit = term > 0;
	if (fit)
		fit_widths(rows, n, term, w);
	struct libscols_table *tb = scols_new_table();
	if (!tb) {
		fprintf(f, "pvcheck: out of memory for the table\n");
		return;
	}
	scols_table_set_stream(tb, f);
	scols_table_set_column_separator(tb, "  ");
	scols_table_enable_colors(tb, use_colour(f));
	scols_table_set_termforce(tb, fit ? SCOLS_TERMFORCE_ALWAYS : SCOLS_TERMFORCE_NEVER);
	if (fit)
		scols_table_set_termwidth(tb, term);
	for (int c = 0; c < NCOLS; c++) {
		struct libscols_column *cl = scols_table_new_column(tb, headers[c],
			fit ? (double)w[c] : 0, fit ? SCOLS_FL_WRAP : 0);
		if (cl && fit)
			scols_column_set_wrapfunc(cl, longest_word, next_line, NULL);
	}
	for (int i = 0; i < n; i++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		if (!ln)
			break;
		for (int c = 0; c < NCOLS; c++)
			scols_line_set_data(ln, c, rows[i].cell[c]);
		scols_cell_set_color(scols_line_get_cell(ln, C_AGREE),
				     agreement_colour(rows[i].cell[C_AGREE]));
	}
	scols_print_table(tb);
	scols_unref_table(tb);
}

void pvc_print_table(FILE *f, const pvc_report *rep)
{
	row *rows = pvc_alloc((size_t)(rep->nresults + rep->ncases) * sizeof *rows);
	int n = build_rows(rep, rows);
	fflush(f);
	print_rows(f, rows, n);
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
		if (!r->pv.agrees && !r->pv.skipped)
			detail(f, r, 0);
		/* A failed compile is one story, told once. */
		if (!r->ts.agrees && !r->ts.skipped && !(!r->compiled && !r->internal && !r->pv.agrees))
			detail(f, r, 1);
	}
}
