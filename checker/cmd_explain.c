/* pvcheck explain [--cases DIR] CASE: a case's title and question, then its
 * lesson (README.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "commands.h"

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
	"pvcheck explain [--cases DIR] CASE\n"
	"  The case's title, its question, then its lesson (README.md).\n";

static int usage(const char *msg)
{
	return pvc_usage_error("explain", pvc_explain_help, msg);
}

int pvc_cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cases", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *spec = NULL;
	int o;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'c')
			root = optarg;
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
	free(lesson);
	free(path);
	pvc_case_free(&c);
	return rc;
}
