/* pvcheck exercise [--cases DIR] CASE [DIR]: copy a case's buggy program and
 * its build into DIR for a learner to fix. DIR becomes a case of its own
 * (case.ini with one variant expected clean under both checkers), so that
 * 'pvcheck DIR' checks the fix; a Makefile builds, runs and checks it. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "catalog.h"
#include "commands.h"

#define INI_WIDTH 90      /* inih reads lines of at most 200 characters */

typedef struct {
	pvc_list from;      /* files in the case directory */
	pvc_list to;        /* their names in the exercise, relative */
	size_t nsources;    /* the first nsources are the variant's sources */
} copy_plan;

/* Neither absolute nor climbing out: the name can be kept in the exercise. */
static int stays_inside(const char *rel)
{
	return rel[0] != '/' && !strstr(rel, "..");
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? strndup(path, (size_t)(slash - path)) : pvc_strdup("");
}

static int planned(const copy_plan *p, const char *to)
{
	for (size_t i = 0; i < p->to.n; i++)
		if (!strcmp(p->to.v[i], to))
			return 1;
	return 0;
}

/* The files a source includes with #include "name" that exist beside it. */
static void add_includes(copy_plan *p, const char *from, const char *to)
{
	char *text = pvc_read_file(from, NULL);
	if (!text)
		return;
	char *from_dir = dir_of(from), *to_dir = dir_of(to);
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *s = line + strspn(line, " \t");
		if (*s++ != '#')
			continue;
		s += strspn(s, " \t");
		if (strncmp(s, "include", 7))
			continue;
		s += 7;
		s += strspn(s, " \t");
		if (*s++ != '"')
			continue;
		size_t n = strcspn(s, "\"");
		if (s[n] != '"')
			continue;
		char *name = strndup(s, n);
		char *src = *from_dir ? pvc_join(from_dir, name) : pvc_strdup(name);
		char *dst = *to_dir ? pvc_join(to_dir, name) : pvc_strdup(name);
		if (stays_inside(name) && pvc_exists(src) && !pvc_is_dir(src) && !planned(p, dst)) {
			pvc_list_take(&p->from, src);
			pvc_list_take(&p->to, dst);
		} else {
			free(src);
			free(dst);
		}
		free(name);
	}
	free(from_dir);
	free(to_dir);
	free(text);
}

/* File names go into rules as they are: only characters make and sh take
 * literally. */
static int plain_name(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+-/", *s))
			return 0;
	return 1;
}

/* The variant's sources, under their own names when those stay inside the
 * exercise, and the local headers they include. -1 when two would collide. */
static int plan_copies(const pvc_case *c, const pvc_variant *v, copy_plan *p)
{
	for (size_t i = 0; i < v->sources.n; i++) {
		const char *s = v->sources.v[i];
		const char *to = stays_inside(s) ? s : pvc_basename(s);
		if (planned(p, to)) {
			fprintf(stderr, "pvcheck exercise: two sources of [%s] would both be copied "
				"to %s\n", v->name, to);
			return -1;
		}
		pvc_list_take(&p->from, pvc_join(c->dir, s));
		pvc_list_add(&p->to, to);
	}
	p->nsources = p->to.n;
	/* Headers may include headers: the list grows as we go. */
	for (size_t i = 0; i < p->from.n && i < 64; i++)
		add_includes(p, p->from.v[i], p->to.v[i]);
	for (size_t i = 0; i < p->to.n; i++) {
		if (plain_name(p->to.v[i]))
			continue;
		if (i < p->nsources)
			fprintf(stderr, "pvcheck exercise: %s:%d: source name '%s' has characters the "
				"exercise's Makefile cannot carry (use letters, digits and . _ + - /)\n",
				c->ini, v->source_line ? v->source_line : v->line, p->to.v[i]);
		else
			fprintf(stderr, "pvcheck exercise: header name '%s' (#include \"...\" in a "
				"source of %s) has characters the exercise's Makefile cannot carry\n",
				p->to.v[i], c->ini);
		return -1;
	}
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	size_t len;
	char *text = pvc_read_file(from, &len);
	if (!text)
		return -1;
	char *dir = dir_of(to);
	int rc = *dir && pvc_mkdirs(dir) ? -1 : 0;
	free(dir);
	FILE *f = rc ? NULL : fopen(to, "w");
	if (!f)
		rc = -1;
	else if (fwrite(text, 1, len, f) != len)
		rc = -1;
	if (f && fclose(f))
		rc = -1;
	free(text);
	return rc;
}

/* name = value, wrapped into continuation lines that inih joins back; a
 * continuation line may not start with a comment character. */
static void ini_key(pvc_buf *b, const char *name, const char *value)
{
	pvc_buf_printf(b, "%-8s =", name);
	size_t col = 10;
	const char *s = value;
	int first = 1;
	while (*s) {
		s += strspn(s, " \t");
		size_t n = strcspn(s, " \t");
		if (!n)
			break;
		if (!first && col + 1 + n > INI_WIDTH && !strchr(";#", *s)) {
			pvc_buf_puts(b, "\n          ");
			col = 10;
		}
		pvc_buf_add(b, " ", 1);
		pvc_buf_add(b, s, n);
		col += 1 + n;
		s += n;
		first = 0;
	}
	pvc_buf_puts(b, "\n");
}

static char *joined(char *const *v)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, "");
	for (int i = 0; v && v[i]; i++)
		pvc_buf_printf(&b, "%s%s", i ? " " : "", v[i]);
	return b.s;
}

static char *case_ini(const pvc_case *c, const pvc_variant *v, const copy_plan *p)
{
	pvc_buf b = {0};
	pvc_buf_printf(&b, "; Written by 'pvcheck exercise' from the case %s.\n"
		       "; Fix buggy.c until 'make check' (pvcheck .) passes: neither checker may\n"
		       "; report anything, and the program's own check must pass.\n"
		       "[case]\n", c->id);
	ini_key(&b, "title", c->title ? c->title : c->id);
	if (c->question)
		ini_key(&b, "question", c->question);
	char *s = joined(c->args.v);
	if (*s)
		ini_key(&b, "args", s);
	free(s);
	s = pvc_printf("%g", c->timeout);
	ini_key(&b, "timeout", s);
	free(s);
	if (c->hint)
		ini_key(&b, "hint", c->hint);
	ini_key(&b, "exercise", c->id);
	pvc_buf_printf(&b, "\n[%s]\n", v->name);
	/* Only the sources: the headers are found by their #include. */
	pvc_buf tmp = {0};
	pvc_buf_puts(&tmp, "");
	for (size_t i = 0; i < p->nsources; i++)
		pvc_buf_printf(&tmp, "%s%s", i ? " " : "", p->to.v[i]);
	ini_key(&b, "source", tmp.s);
	pvc_buf_free(&tmp);
	if (v->has_args) {
		s = joined(v->args.v);
		ini_key(&b, "args", s);
		free(s);
	}
	if (v->cflags.n) {
		s = joined(v->cflags.v);
		ini_key(&b, "cflags", s);
		free(s);
	}
	if (v->ldflags.n) {
		s = joined(v->ldflags.v);
		ini_key(&b, "ldflags", s);
		free(s);
	}
	if (v->timeout != c->timeout) {
		s = pvc_printf("%g", v->timeout);
		ini_key(&b, "timeout", s);
		free(s);
	}
	ini_key(&b, "expect", "clean");
	ini_key(&b, "tsan", "clean");
	return b.s;
}

/* One word for a recipe: as it is when plain, else quoted for sh ('...', a ' as '\\''), then escaped
 * for make: '$' doubled, and '#' (which starts a comment even in a value)
 * with a backslash, the backslashes before it doubled as make halves them. */
static void make_word(pvc_buf *b, const char *w)
{
	if (*w && w[strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			   "._+-/=,@%")] == 0) {
		pvc_buf_puts(b, w);   /* nothing in it that sh or make would read */
		return;
	}
	pvc_buf_puts(b, "'");
	for (const char *s = w; *s; s++) {
		if (*s == '\\') {
			size_t n = strspn(s, "\\");
			int before_hash = s[n] == '#';
			for (size_t i = 0; i < (before_hash ? 2 * n : n); i++)
				pvc_buf_puts(b, "\\");
			s += n - 1;
		} else if (*s == '#')
			pvc_buf_puts(b, "\\#");
		else if (*s == '$')
			pvc_buf_puts(b, "$$");
		else if (*s == '\'')
			pvc_buf_puts(b, "'\\''");
		else
			pvc_buf_add(b, s, 1);
	}
	pvc_buf_puts(b, "'");
}

/* A make variable whose expansion in a recipe gives sh exactly these words. */
static char *make_value(char *const *v)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, "");
	for (int i = 0; v && v[i]; i++) {
		if (i)
			pvc_buf_puts(&b, " ");
		make_word(&b, v[i]);
	}
	return b.s;
}

static char *file_list(char *const *v)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, "");
	for (int i = 0; v && v[i]; i++)
		pvc_buf_printf(&b, "%s%s", i ? " " : "", v[i]);
	return b.s;
}

/* This very pvcheck, so that the exercise keeps using the build it came from. */
static char *self_path(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return pvc_strdup("pvcheck");
	buf[n] = 0;
	return pvc_strdup(buf);
}

static char *makefile(const pvc_case *c, const pvc_variant *v, const copy_plan *p)
{
	char *self = self_path();
	pvc_list sl = {0}, hl = {0};
	for (size_t i = 0; i < p->to.n; i++)
		pvc_list_add(i < p->nsources ? &sl : &hl, p->to.v[i]);
	char *sources = file_list(sl.v), *headers = file_list(hl.v);
	char *cflags = make_value(v->cflags.v), *ldflags = make_value(v->ldflags.v);
	char *args = make_value(v->args.v);
	char *selfv[] = { self, NULL };
	char *pvcheck = make_value(selfv);
	const char *n = v->name;
	char *text = pvc_printf(
		"# The exercise %s, written by 'pvcheck exercise'.\n"
		"#   make         build %s.pv (pvcheck's runtime) and %s.tsan (ThreadSanitizer)\n"
		"#   make run     run both; each checker prints what it finds on stderr\n"
		"#   make check   check the fix: pvcheck builds and runs it under both checkers\n"
		"PVCHECK  = %s\n"
		"SOURCES  = %s\n"
		"HEADERS  = %s\n"
		"CFLAGS_CASE  = %s\n"
		"LDFLAGS_CASE = %s\n"
		"ARGS     = %s\n"
		"TIMEOUT  = %g\n"
		"\n"
		"all: %s.pv %s.tsan\n"
		"\n"
		"# One instrumented compile (clang -fsanitize=thread), linked with each runtime.\n"
		"%s.pv: $(SOURCES) $(HEADERS)\n"
		"\t$(PVCHECK) cc -o $@ $(SOURCES) $(CFLAGS_CASE) $(LDFLAGS_CASE)\n"
		"\n"
		"%s.tsan: $(SOURCES) $(HEADERS)\n"
		"\t$(PVCHECK) cc --tsan -o $@ $(SOURCES) $(CFLAGS_CASE) $(LDFLAGS_CASE)\n"
		"\n"
		"# A '-': show the second run even when the first one found something.\n"
		"run: all\n"
		"\t@echo \"== %s.pv: pvcheck's runtime\"\n"
		"\t-$(PVCHECK) run --timeout $(TIMEOUT) -- ./%s.pv $(ARGS)\n"
		"\t@echo \"== %s.tsan: ThreadSanitizer\"\n"
		"\t-$(PVCHECK) run --timeout $(TIMEOUT) -- ./%s.tsan $(ARGS)\n"
		"\n"
		"check:\n"
		"\t$(PVCHECK) .\n"
		"\n"
		"clean:\n"
		"\trm -f %s.pv %s.tsan\n"
		"\n"
		".PHONY: all run check clean\n",
		c->id, n, n, pvcheck, sources, headers, cflags, ldflags, args, v->timeout,
		n, n, n, n, n, n, n, n, n, n);
	free(self);
	free(pvcheck);
	free(sources);
	free(headers);
	free(cflags);
	free(ldflags);
	free(args);
	pvc_list_free(&sl);
	pvc_list_free(&hl);
	return text;
}

static char *readme(const pvc_case *c, const pvc_variant *v, const copy_plan *p)
{
	pvc_buf b = {0};
	char *args = joined(v->args.v);
	char *self = self_path();
	const char *n = v->name;
	pvc_buf_printf(&b, "# Exercise: %s\n\n", c->title ? c->title : c->id);
	pvc_buf_printf(&b, "From the pvcheck catalogue: `%s`.\n\n", c->id);
	if (c->question)
		pvc_buf_printf(&b, "## The question\n\n%s\n\n", c->question);
	pvc_buf_printf(&b, "## What to do\n\n"
		       "`%s` has a concurrency bug. Find it and fix it", p->to.v[0]);
	if (p->to.n > 1) {
		pvc_buf_puts(&b, " (the program is");
		for (size_t i = 0; i < p->to.n; i++)
			pvc_buf_printf(&b, "%s `%s`", i ? "," : "", p->to.v[i]);
		pvc_buf_puts(&b, ")");
	}
	pvc_buf_printf(&b, " so that:\n\n"
		       "- neither checker reports anything: pvcheck's own runtime and LLVM's\n"
		       "  ThreadSanitizer both run it clean;\n"
		       "- the program's own check of its result passes (it exits 0, not 1);\n"
		       "- it still does the same work with the same arguments (`%s`).\n\n"
		       "Fix it by synchronisation, not by sleeping: a sleep only makes the bad\n"
		       "interleaving rarer, and the checkers still see that nothing orders the\n"
		       "threads.\n\n", *args ? args : "none");
	pvc_buf_printf(&b, "## Build, run, check\n\n"
		       "```sh\n"
		       "make          # builds %s.pv (pvcheck's runtime) and %s.tsan (ThreadSanitizer)\n"
		       "make run      # runs both with the case's arguments; reports go to stderr\n"
		       "make check    # pvcheck . : builds and runs it under both checkers\n"
		       "```\n\n"
		       "`make check` exits 0 when the fix passes. When it does not, it says which\n"
		       "checker found what on which lines, or that the program's own check failed,\n"
		       "and gives a hint. The Makefile uses the pvcheck that wrote this exercise:\n"
		       "`%s`.\n\n", n, n, self);
	pvc_buf_printf(&b, "## Afterwards\n\n"
		       "`pvcheck explain %s` prints the lesson: why the bug happens, what\n"
		       "each checker reports, the fixes side by side and the interview answer.\n"
		       "It gives the fixes away, so try first.\n", c->id);
	free(args);
	free(self);
	return b.s;
}

static int is_empty_dir(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

static int refuse_demonstration(const pvc_case *c)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, "");
	for (int k = 0; k < c->nvariants; k++)
		pvc_buf_printf(&b, "%s%s", k ? ", " : "", c->variants[k].name);
	fprintf(stderr, "pvcheck exercise: %s has no [buggy] variant to fix: it is a "
		"demonstration, with the variant%s %s.\nRead it with: pvcheck explain %s\n",
		c->id, c->nvariants == 1 ? "" : "s", b.s, c->id);
	pvc_buf_free(&b);
	return 1;
}

static int write_all(const char *dest, const pvc_case *c, const pvc_variant *v,
		     const copy_plan *p)
{
	if (pvc_mkdirs(dest)) {
		fprintf(stderr, "pvcheck exercise: cannot make %s: %s\n", dest, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < p->from.n; i++) {
		char *to = pvc_join(dest, p->to.v[i]);
		int rc = copy_file(p->from.v[i], to);
		if (rc)
			fprintf(stderr, "pvcheck exercise: cannot copy %s to %s: %s\n",
				p->from.v[i], to, strerror(errno));
		free(to);
		if (rc)
			return -1;
	}
	struct { const char *name; char *(*make)(const pvc_case *, const pvc_variant *,
						 const copy_plan *); } files[] = {
		{ "case.ini", case_ini }, { "Makefile", makefile }, { "README.md", readme },
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *path = pvc_join(dest, files[i].name);
		char *text = files[i].make(c, v, p);
		int rc = pvc_create_file(path, text);
		if (rc)
			fprintf(stderr, "pvcheck exercise: cannot write %s: %s\n", path, strerror(errno));
		free(text);
		free(path);
		if (rc)
			return -1;
	}
	return 0;
}

static int exercise(const pvc_case *c, const char *dest_arg)
{
	const pvc_variant *v = NULL;
	for (int k = 0; k < c->nvariants; k++)
		if (!strcmp(c->variants[k].name, "buggy"))
			v = &c->variants[k];
	if (!v)
		return refuse_demonstration(c);
	char *dest = dest_arg ? pvc_strdup(dest_arg) : pvc_strdup(pvc_basename(c->id));
	int rc = 1;
	copy_plan p = {0};
	if (pvc_exists(dest) && !pvc_is_dir(dest))
		fprintf(stderr, "pvcheck exercise: %s exists and is not a directory\n", dest);
	else if (pvc_exists(dest) && !is_empty_dir(dest))
		fprintf(stderr, "pvcheck exercise: %s is not empty; I will not write into it. "
			"Name another directory (pvcheck exercise %s DIR) or remove it.\n", dest, c->id);
	else if (!plan_copies(c, v, &p) && !write_all(dest, c, v, &p)) {
		printf("Exercise %s written to %s/:", c->id, dest);
		for (size_t i = 0; i < p.to.n; i++)
			printf(" %s", p.to.v[i]);
		printf(" case.ini Makefile README.md\n"
		       "Read %s/README.md, fix %s, then run 'make check' in %s/.\n",
		       dest, p.to.v[0], dest);
		rc = 0;
	}
	pvc_list_free(&p.from);
	pvc_list_free(&p.to);
	free(dest);
	return rc;
}

const char pvc_exercise_help[] =
	"pvcheck exercise [--cases DIR] CASE [DIR]\n"
	"  Copy the case's buggy program into DIR (default ./NAME) with a case.ini\n"
	"  that expects it clean, a Makefile (make, make run, make check) and a\n"
	"  README. Fix it; 'pvcheck DIR' then says what each checker still finds\n"
	"  where, with the case's hint, and exits 0 only when both checkers and the\n"
	"  program's own check pass.\n";

static int usage(const char *msg)
{
	return pvc_usage_error("exercise", pvc_exercise_help, msg);
}

int pvc_cmd_exercise(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cases", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *spec = NULL, *dest = NULL;
	int o;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'c')
			root = optarg;
		else if (o == 'h') {
			fputs(pvc_exercise_help, stdout);
			return 0;
		} else
			return usage(optopt == 'c' ? "--cases needs a directory" : "unknown option");
	}
	if (argc - optind > 2)
		return usage("too many arguments (CASE [DIR])");
	spec = optind < argc ? argv[optind] : NULL;
	dest = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (!spec)
		return usage("which case? (an id such as lost-update/counter; "
			     "'pvcheck list' shows them)");
	pvc_case c;
	int rc = pvc_catalog_load(pvc_catalog_root(root), spec, "exercise", &c);
	if (rc < 0)
		return 1;
	if (rc > 0) {
		fprintf(stderr, "pvcheck exercise: %s\n", c.error);
		pvc_case_free(&c);
		return 1;
	}
	rc = exercise(&c, dest);
	pvc_case_free(&c);
	return rc;
}
