/* pvcheck explain [--cases DIR] [--no-run] CASE: a case's title and question,
 * then its lesson (README.md); a demonstration is then run, for its figures. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "commands.h"
#include "output.h"

#define WIDTH 78

/* text after lead, its words wrapped to WIDTH, continuation lines indented
 * as far as the lead. */
static void wrapped(FILE *f, const char *lead, const char *text)
{
	size_t indent = strlen(lead), col = indent;
	fputs(lead, f);
	int first = 1;
	while (*text) {
		text += strspn(text, " \t\n");
		size_t n = strcspn(text, " \t\n");
		if (!n)
			break;
		if (!first && col + 1 + n > WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fwrite(text, 1, n, f);
		col += n;
		text += n;
		first = 0;
	}
	fputc('\n', f);
}

const char pvc_explain_help[] =
	"pvcheck explain [--cases DIR] [--no-run] CASE\n"
	"  The case's title, its question, then its lesson (README.md). A\n"
	"  demonstration (a case with no [buggy] variant) is then built and run as\n"
	"  the catalogue runs it, and each variant's output printed: its figures\n"
	"  are the lesson. --no-run: the lesson only.\n";

/* Each variant built and run as 'pvcheck DIR' would, its output shown. 0 when
 * every variant ran and agrees with its expectation. */
static int run_demo(pvc_case *c)
{
	char *work = pvc_temp_dir();
	if (!work) {
		fprintf(stderr, "pvcheck explain: cannot make a temporary directory: %s\n",
			strerror(errno));
		return 1;
	}
	pvc_toolchain t;
	pvc_toolchain_init(&t);
	printf("\n## Run now\n\nBuilt by pvcheck and run with the case's arguments under "
	       "pvcheck's runtime (and\nThreadSanitizer, for the verdicts). The instrumentation "
	       "slows the program:\ncompare its figures with each other, not with a plain "
	       "build's.\n");
	int bad = 0;
	for (int k = 0; k < c->nvariants; k++) {
		pvc_result r = { .c = c, .v = &c->variants[k] };
		r.dir = pvc_printf("%s/%s", work, r.v->name);
		pvc_buf cmd = {0};
		pvc_buf_puts(&cmd, r.v->name);
		for (size_t i = 0; i < r.v->args.n; i++)
			pvc_buf_printf(&cmd, " %s", r.v->args.v[i]);
		printf("\n$ %s\n", cmd.s);
		pvc_buf_free(&cmd);
		fflush(stdout);
		if (pvc_variant_run(&r, &t, 0))
			r.internal = pvc_printf("cannot run in %s: %s", r.dir, strerror(errno));
		pvc_result_load(&r);
		char *out = r.pv.out_path ? pvc_read_file(r.pv.out_path, NULL) : NULL;
		if (out && *out)
			printf("%s%s", out, out[strlen(out) - 1] == '\n' ? "" : "\n");
		free(out);
		char pv[160], ts[160];
		pvc_words_text(&r.pv.verdict, pv, sizeof pv);
		pvc_words_text(&r.ts.verdict, ts, sizeof ts);
		printf("(pvcheck: %s; ThreadSanitizer: %s)\n", r.internal ? "error" : pv,
		       r.internal ? "error" : ts);
		if (r.internal || !r.pv.agrees) {
			char *why = pvc_explain(&r, 0);
			printf("%s", why);
			free(why);
			bad = 1;
		}
		pvc_result_free(&r);
	}
	pvc_rmtree(work);
	free(work);
	return bad;
}

static int usage(const char *msg)
{
	return pvc_usage_error("explain", pvc_explain_help, msg);
}

int pvc_cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cases", required_argument, NULL, 'c' },
		{ "no-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *spec = NULL;
	int o, run = 1;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'c')
			root = optarg;
		else if (o == 'n')
			run = 0;
		else if (o == 'h') {
			fputs(pvc_explain_help, stdout);
			return 0;
		} else
			return usage(optopt == 'c' ? "--cases needs a directory" : "unknown option");
	}
	if (argc - optind > 1)
		return usage("one case at a time");
	spec = optind < argc ? argv[optind] : NULL;
	if (!spec)
		return usage("which case? (an id such as lost-update/counter; "
			     "'pvcheck list' shows them)");
	pvc_case c;
	int rc = pvc_catalog_load(pvc_catalog_root(root), spec, "explain", &c);
	if (rc < 0)
		return 1;
	if (rc > 0) {
		fprintf(stderr, "pvcheck explain: %s\n", c.error);
		pvc_case_free(&c);
		return 1;
	}
	char *path = pvc_join(c.dir, "README.md");
	char *lesson = pvc_read_file(path, NULL);
	int err = errno;
	wrapped(stdout, "", c.title ? c.title : c.id);
	wrapped(stdout, "Case:     ", c.id);
	if (c.question)
		wrapped(stdout, "Question: ", c.question);
	if (lesson) {
		printf("\n%s", lesson);
		if (*lesson && lesson[strlen(lesson) - 1] != '\n')
			putchar('\n');
	} else {
		fflush(stdout);
		fprintf(stderr, "pvcheck explain: %s has no lesson: %s: %s\n", c.id, path, strerror(err));
	}
	rc = lesson ? 0 : 1;
	if (run && pvc_case_is_demo(&c))
		rc |= run_demo(&c);
	free(lesson);
	free(path);
	pvc_case_free(&c);
	return rc;
}
