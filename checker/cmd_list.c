/* pvcheck list [--json] [--cases DIR] [PATH...]: the catalogue by topic, each
 * case with its title and its variants' expected verdicts. */
#define _GNU_SOURCE
#include <cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "commands.h"
#include "discover.h"

typedef struct {
	int json, defaulted;
	const char *root;
	pvc_list paths;
} list_args;

const char pvc_list_help[] =
	"pvcheck list [--json] [--cases DIR] [PATH...]\n"
	"  Every topic's cases: id, title, each variant's expected verdicts (with\n"
	"  PATH...: the cases under PATH); a case with nothing to fix (no [buggy]\n"
	"  variant) is marked [demonstration]. --json: the same as JSON. Exit status\n"
	"  1 when a case.ini is unusable (listed with its file:line).\n";

static int usage(const char *msg)
{
	return pvc_usage_error("list", pvc_list_help, msg);
}

/* argv[0] is "list". 1: --help was shown; 0: go on; 2: a usage error. */
static int parse(int argc, char **argv, list_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "cases", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'j')
			a->json = 1;
		else if (c == 'c')
			a->root = optarg;
		else if (c == 'h') {
			fputs(pvc_list_help, stdout);
			return 1;
		} else
			return usage(optopt == 'c' ? "--cases needs a directory" : "unknown option");
	}
	for (int i = optind; i < argc; i++)
		pvc_list_add(&a->paths, argv[i]);
	if (!a->paths.n) {
		pvc_list_add(&a->paths, pvc_catalog_root(a->root));
		a->defaulted = 1;
	}
	return 0;
}

/* The topic of a case: its id up to the slash. */
static char *topic_of(const pvc_case *c)
{
	const char *slash = strchr(c->id, '/');
	return slash ? strndup(c->id, (size_t)(slash - c->id)) : pvc_strdup("");
}

static int by_topic(const void *a, const void *b)
{
	const pvc_case *x = a, *y = b;
	char *tx = topic_of(x), *ty = topic_of(y);
	int r = strcmp(tx, ty);
	free(tx);
	free(ty);
	/* Equal topics keep discovery order: qsort is not stable, so compare dirs. */
	return r ? r : strcmp(x->dir, y->dir);
}

static void print_variants(FILE *f, const pvc_case *c)
{
	int width = 0;
	for (int k = 0; k < c->nvariants; k++)
		if ((int)strlen(c->variants[k].name) > width)
			width = (int)strlen(c->variants[k].name);
	for (int k = 0; k < c->nvariants; k++) {
		const pvc_variant *v = &c->variants[k];
		char want[160], tsan[160];
		pvc_expect_text(&v->expect, want, sizeof want);
		pvc_expect_text(&v->tsan, tsan, sizeof tsan);
		fprintf(f, "      %-*s  %s", width, v->name, want);
		if (strcmp(want, tsan))
			fprintf(f, "  (ThreadSanitizer: %s)", tsan);
		fputc('\n', f);
	}
}

static void print_text(FILE *f, const pvc_case *cases, int n, int bad)
{
	int topics = 0, variants = 0;
	char *prev = NULL;
	for (int i = 0; i < n; i++) {
		const pvc_case *c = &cases[i];
		char *topic = topic_of(c);
		if (!prev || strcmp(prev, topic)) {
			fprintf(f, "%s%s\n", topics++ ? "\n" : "", *topic ? topic : "(no topic)");
			free(prev);
			prev = pvc_strdup(topic);
		}
		free(topic);
		if (c->error) {
			fprintf(f, "  %s\n      ERROR %s\n", c->id, c->error);
			continue;
		}
		fprintf(f, "  %-30s  %s%s\n", c->id, c->title ? c->title : "(no title)",
			pvc_case_is_demo(c) ? "  [demonstration]" : "");
		print_variants(f, c);
		variants += c->nvariants;
	}
	free(prev);
	fprintf(f, "\n%d case%s in %d topic%s, %d variant%s", n, n == 1 ? "" : "s",
		topics, topics == 1 ? "" : "s", variants, variants == 1 ? "" : "s");
	if (bad)
		fprintf(f, "; %d case.ini file%s could not be used (ERROR above)", bad, bad == 1 ? "" : "s");
	fputc('\n', f);
}

static cJSON *case_json(const pvc_case *c)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", c->id);
	cJSON_AddStringToObject(o, "dir", c->dir);
	if (c->error) {
		cJSON_AddStringToObject(o, "error", c->error);
		cJSON_AddStringToObject(o, "file", c->ini);
		cJSON_AddNumberToObject(o, "line", c->error_line);
		return o;
	}
	struct { const char *key, *val; } text[] = {
		{ "title", c->title }, { "question", c->question }, { "hint", c->hint },
		{ "exercise", c->exercise },
	};
	for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
		if (text[i].val)
			cJSON_AddStringToObject(o, text[i].key, text[i].val);
	cJSON_AddBoolToObject(o, "demonstration", pvc_case_is_demo(c));
	cJSON *vs = cJSON_AddArrayToObject(o, "variants");
	for (int k = 0; k < c->nvariants; k++) {
		const pvc_variant *v = &c->variants[k];
		char buf[160];
		cJSON *vo = cJSON_CreateObject();
		cJSON_AddStringToObject(vo, "name", v->name);
		pvc_expect_text(&v->expect, buf, sizeof buf);
		cJSON_AddStringToObject(vo, "expect", buf);
		pvc_expect_text(&v->tsan, buf, sizeof buf);
		cJSON_AddStringToObject(vo, "tsan", buf);
		cJSON *src = cJSON_AddArrayToObject(vo, "sources");
		for (size_t s = 0; s < v->sources.n; s++)
			cJSON_AddItemToArray(src, cJSON_CreateString(v->sources.v[s]));
		cJSON_AddItemToArray(vs, vo);
	}
	return o;
}

static void print_json(FILE *f, const pvc_case *cases, int n, int bad)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *topics = cJSON_AddArrayToObject(doc, "topics");
	cJSON *list = NULL;
	char *prev = NULL;
	for (int i = 0; i < n; i++) {
		char *topic = topic_of(&cases[i]);
		if (!prev || strcmp(prev, topic)) {
			cJSON *t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "topic", topic);
			list = cJSON_AddArrayToObject(t, "cases");
			cJSON_AddItemToArray(topics, t);
			free(prev);
			prev = pvc_strdup(topic);
		}
		free(topic);
		cJSON_AddItemToArray(list, case_json(&cases[i]));
	}
	free(prev);
	cJSON_AddNumberToObject(doc, "cases", n);
	cJSON_AddNumberToObject(doc, "broken", bad);
	char *text = cJSON_Print(doc);
	fprintf(f, "%s\n", text);
	free(text);
	cJSON_Delete(doc);
}

int pvc_cmd_list(int argc, char **argv)
{
	list_args a = {0};
	int p = parse(argc, argv, &a);
	if (p) {
		pvc_list_free(&a.paths);
		return p == 1 ? 0 : PVC_EXIT_USAGE;
	}
	pvc_list dirs = {0};
	for (size_t i = 0; i < a.paths.n; i++) {
		if (pvc_discover(a.paths.v[i], &dirs)) {
			fprintf(stderr, "pvcheck list: %s: %s%s\n", a.paths.v[i], strerror(errno),
				a.defaulted && !a.root ? " (give --cases DIR or set PVCHECK_CASES)" : "");
			pvc_list_free(&dirs);
			pvc_list_free(&a.paths);
			return PVC_EXIT_USAGE;
		}
	}
	/* A case under two of the paths is listed once. */
	size_t kept = 0;
	for (size_t i = 0; i < dirs.n; i++) {
		int dup = 0;
		for (size_t j = 0; j < kept && !dup; j++)
			dup = !strcmp(dirs.v[j], dirs.v[i]);
		if (dup)
			free(dirs.v[i]);
		else
			dirs.v[kept++] = dirs.v[i];
	}
	dirs.n = kept;
	if (!kept) {
		fprintf(stderr, "pvcheck list: no cases (directories with a case.ini) under");
		for (size_t i = 0; i < a.paths.n; i++)
			fprintf(stderr, " %s", a.paths.v[i]);
		fputc('\n', stderr);
		pvc_list_free(&dirs);
		pvc_list_free(&a.paths);
		return PVC_EXIT_USAGE;
	}
	pvc_list_free(&a.paths);
	int n = (int)dirs.n, bad = 0;
	pvc_case *cases = pvc_alloc((size_t)(n + 1) * sizeof *cases);
	for (int i = 0; i < n; i++)
		bad += pvc_case_load(dirs.v[i], &cases[i]) != 0;
	pvc_list_free(&dirs);
	qsort(cases, (size_t)n, sizeof *cases, by_topic);
	if (a.json)
		print_json(stdout, cases, n, bad);
	else
		print_text(stdout, cases, n, bad);
	for (int i = 0; i < n; i++)
		pvc_case_free(&cases[i]);
	free(cases);
	return bad ? 1 : 0;
}
