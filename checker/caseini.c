#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include "caseini.h"
#include "explore.h"

/* What the inih callbacks share: the case, the line being read, the first error. */
typedef struct {
	pvc_case *c;
	FILE *f;
	int line;
	int at_line_start;
	int read_any;
	int failed;
	int err_line;
	char err[512];
} parse_state;

static void fail(parse_state *st, int line, const char *fmt, const char *a, const char *b)
{
	if (st->failed)
		return;
	st->failed = 1;
	st->err_line = line;
	snprintf(st->err, sizeof st->err, fmt, a, b);
}

static int valid_variant_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_-.", *s))
			return 0;
	return 1;
}

static pvc_variant *find_variant(pvc_case *c, const char *name)
{
	for (int i = 0; i < c->nvariants; i++)
		if (!strcmp(c->variants[i].name, name))
			return &c->variants[i];
	return NULL;
}

/* A section header seen by the reader: every section but [case] is a variant,
 * with or without keys (inih calls us only for keys). */
static void saw_section(parse_state *st, const char *text)
{
	const char *p = text + strspn(text, " \t");
	if (*p != '[')
		return;
	const char *end = strchr(p, ']');
	if (!end)
		return;
	char *name = strndup(p + 1, (size_t)(end - p - 1));
	pvc_case *c = st->c;
	if (strcmp(name, "case") && !find_variant(c, name)) {
		if (!valid_variant_name(name))
			fail(st, st->line, "variant name '%s' must be letters, digits, '_', '-' or '.'%s", name, "");
		c->variants = pvc_grow(c->variants, (size_t)(c->nvariants + 1) * sizeof *c->variants);
		pvc_variant *v = &c->variants[c->nvariants++];
		memset(v, 0, sizeof *v);
		v->name = pvc_strdup(name);
		v->line = st->line;
	}
	free(name);
}

/* fgets for inih that counts lines, notes section headers, skips a UTF-8
 * byte order mark at the very start (editors write one) and refuses NUL
 * bytes (inih would silently cut the line there). */
static char *reader(char *str, int num, void *stream)
{
	parse_state *st = stream;
	int n = 0, c = EOF;
	while (n < num - 1 && (c = getc(st->f)) != EOF) {
		if (c == 0 && !st->failed)
			fail(st, st->line + (st->at_line_start ? 1 : 0),
			     "a NUL byte in the line (is this a text file?)%s%s", "", "");
		str[n++] = c ? (char)c : ' ';
		if (c == '\n')
			break;
	}
	if (!n)
		return NULL;
	str[n] = 0;
	if (!st->read_any) {
		st->read_any = 1;
		if (n >= 3 && !memcmp(str, "\xEF\xBB\xBF", 3)) {
			memmove(str, str + 3, (size_t)n - 2);
			n -= 3;
		}
	}
	int whole = n && str[n - 1] == '\n';
	if (st->at_line_start) {
		st->line++;
		if (!whole && c != EOF)
			fail(st, st->line, "line too long (inih reads at most %s characters)%s", "200", "");
		saw_section(st, str);
	}
	st->at_line_start = whole;
	return str;
}

/* 'figures' must compile as an extended regex: say where when it does not. */
static void set_figures(parse_state *st, char **dst, const char *val)
{
	regex_t re;
	int rc = regcomp(&re, val, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char why[160];
		regerror(rc, &re, why, sizeof why);
		fail(st, st->line, "figures '%s' is not an extended regular expression: %s", val, why);
		return;
	}
	regfree(&re);
	free(*dst);
	*dst = pvc_strdup(val);
}

/* Repeated keys (inih's continuation lines) extend the value. */
static void append(char **dst, const char *val, const char *sep)
{
	char *old = *dst;
	*dst = old ? pvc_printf("%s%s%s", old, sep, val) : pvc_strdup(val);
	free(old);
}

/* A suppressions file for both checkers, relative to the case directory. */
static void suppressions_key(parse_state *st, const char *val)
{
	pvc_case *c = st->c;
	char *path = val[0] == '/' ? pvc_strdup(val) : pvc_join(c->dir, val);
	free(c->suppressions);
	c->suppressions = realpath(path, NULL);
	if (!c->suppressions || pvc_is_dir(c->suppressions))
		fail(st, st->line, "suppressions file '%s' %s", val,
		     c->suppressions ? "is a directory" : "not found");
	free(path);
}

static int case_key(parse_state *st, const char *name, const char *val)
{
	pvc_case *c = st->c;
	if (!strcmp(name, "title"))
		append(&c->title, val, " ");
	else if (!strcmp(name, "question"))
		append(&c->question, val, " ");
	else if (!strcmp(name, "hint"))
		append(&c->hint, val, " ");
	else if (!strcmp(name, "exercise"))
		append(&c->exercise, val, " ");
	else if (!strcmp(name, "args"))
		pvc_list_split(&c->args, val);
	else if (!strcmp(name, "figures"))
		set_figures(st, &c->figures, val);
	else if (!strcmp(name, "timeout")) {
		if (pvc_parse_seconds(val, &c->timeout))
			fail(st, st->line, "timeout '%s' is not a positive number of seconds%s", val, "");
	} else if (!strcmp(name, "suppressions")) {
		suppressions_key(st, val);
	} else {
		fail(st, st->line, "unknown key '%s' in [case] (known: title, question, hint, exercise, "
		     "args, timeout, suppressions, figures)%s", name, "");
	}
	return 1;
}

static int variant_key(parse_state *st, pvc_variant *v, const char *name, const char *val)
{
	if (!strcmp(name, "source")) {
		pvc_list_split(&v->sources, val);
		v->source_line = v->source_line ? v->source_line : st->line;
	} else if (!strcmp(name, "expect")) {
		append(&v->expect_text, val, ", ");
		v->expect_line = v->expect_line ? v->expect_line : st->line;
	} else if (!strcmp(name, "tsan")) {
		append(&v->tsan_text, val, ", ");
		v->tsan_line = v->tsan_line ? v->tsan_line : st->line;
	} else if (!strcmp(name, "args")) {
		pvc_list_split(&v->args, val);
		v->has_args = 1;
	} else if (!strcmp(name, "cflags")) {
		pvc_list_split(&v->cflags, val);
	} else if (!strcmp(name, "ldflags")) {
		pvc_list_split(&v->ldflags, val);
	} else if (!strcmp(name, "figures")) {
		set_figures(st, &v->figures, val);
	} else if (!strcmp(name, "timeout")) {
		if (pvc_parse_seconds(val, &v->timeout))
			fail(st, st->line, "timeout '%s' is not a positive number of seconds%s", val, "");
	} else if (!strcmp(name, "explore")) {
		char *end;
		long n = strtol(val, &end, 10);
		if (!*val || *end || n < 1 || n > 100000)
			fail(st, st->line, "explore '%s' is not a number of schedules in [1, 100000]%s", val, "");
		v->explore = n;
	} else if (!strcmp(name, "strategy")) {
		if (pvc_strategy_check(val))
			fail(st, st->line, "strategy '%s': expected random, pos, pct, pct:D or pct:D:K%s", val, "");
		free(v->strategy);
		v->strategy = pvc_strdup(val);
	} else {
		fail(st, st->line, "unknown key '%s' in [%s] (known: source, expect, tsan, args, "
		     "cflags, ldflags, timeout, explore, strategy, figures)", name, v->name);
	}
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *val)
{
	parse_state *st = user;
	if (!*section) {
		fail(st, st->line, "key '%s' before any [section]%s", name, "");
		return 1;
	}
	if (!strcmp(section, "case"))
		return case_key(st, name, val);
	pvc_variant *v = find_variant(st->c, section);
	if (!v) {
		fail(st, st->line, "key '%s' in unknown section [%s]", name, section);
		return 1;
	}
	return variant_key(st, v, name, val);
}

/* After parsing: what a variant needs to be runnable. */
static void check_variant(parse_state *st, pvc_variant *v)
{
	pvc_case *c = st->c;
	char why[400];
	if (!v->expect_text) {
		fail(st, v->line, "[%s] has no 'expect' (required, e.g. expect = race)%s", v->name, "");
		return;
	}
	if (pvc_expect_parse(v->expect_text, &v->expect, why, sizeof why)) {
		fail(st, v->expect_line, "expect: %s%s", why, "");
		return;
	}
	if (!v->tsan_text)
		v->tsan = v->expect;
	else if (pvc_expect_parse(v->tsan_text, &v->tsan, why, sizeof why)) {
		fail(st, v->tsan_line, "tsan: %s%s", why, "");
		return;
	}
	if (!v->sources.n) {
		char *def = pvc_printf("%s.c", v->name);
		pvc_list_take(&v->sources, def);
	}
	for (size_t i = 0; i < v->sources.n; i++) {
		char *path = pvc_join(c->dir, v->sources.v[i]);
		int ok = pvc_exists(path), dir = pvc_is_dir(path);
		free(path);
		if (!ok || dir) {
			fail(st, v->source_line ? v->source_line : v->line,
			     dir ? "[%s]: source '%s' is a directory, not a C file"
				 : "[%s]: source file '%s' not found", v->name, v->sources.v[i]);
			return;
		}
	}
	if (!v->has_args)
		for (size_t i = 0; i < c->args.n; i++)
			pvc_list_add(&v->args, c->args.v[i]);
	if (!v->timeout)
		v->timeout = c->timeout;
	if (!v->figures && c->figures)
		v->figures = pvc_strdup(c->figures);
}

int pvc_case_is_demo(const pvc_case *c)
{
	for (int i = 0; i < c->nvariants; i++)
		if (!strcmp(c->variants[i].name, "buggy"))
			return 0;
	return 1;
}

char *pvc_case_id(const char *dir)
{
	char *copy = pvc_strdup(dir);
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = 0;
	char *abs = realpath(copy, NULL);
	const char *d = abs ? abs : copy;
	const char *name = pvc_basename(d);
	char *topic_end = (char *)name - 1;
	char *id;
	if (name > d + 1) {
		*topic_end = 0;
		id = pvc_printf("%s/%s", pvc_basename(d), name);
		*topic_end = '/';
	} else {
		id = pvc_strdup(name);
	}
	free(abs);
	free(copy);
	return id;
}

int pvc_case_load(const char *dir, pvc_case *c)
{
	memset(c, 0, sizeof *c);
	c->dir = pvc_strdup(dir);
	c->ini = pvc_join(dir, "case.ini");
	c->id = pvc_case_id(dir);
	c->timeout = PVC_DEFAULT_TIMEOUT;
	parse_state st = { .c = c, .at_line_start = 1 };
	st.f = fopen(c->ini, "r");
	if (!st.f) {
		c->error = pvc_printf("%s: cannot read: %s", c->ini, strerror(errno));
		return -1;
	}
	int rc = ini_parse_stream(reader, &st, handler, &st);
	fclose(st.f);
	/* inih reports lines it could not parse without calling us. */
	if (rc > 0 && (!st.failed || rc < st.err_line)) {
		st.failed = 0;
		fail(&st, rc, "syntax error: expected [section] or name = value%s%s", "", "");
	} else if (rc < 0 && !st.failed) {
		fail(&st, 0, "cannot parse%s%s", "", "");
	}
	if (!st.failed && !c->nvariants)
		fail(&st, 0, "no variants: add a section such as [buggy] with expect = race%s%s", "", "");
	for (int i = 0; !st.failed && i < c->nvariants; i++)
		check_variant(&st, &c->variants[i]);
	if (!st.failed)
		return 0;
	c->error_line = st.err_line;
	c->error = st.err_line ? pvc_printf("%s:%d: %s", c->ini, st.err_line, st.err)
			       : pvc_printf("%s: %s", c->ini, st.err);
	return -1;
}

void pvc_case_free(pvc_case *c)
{
	for (int i = 0; i < c->nvariants; i++) {
		pvc_variant *v = &c->variants[i];
		free(v->name);
		free(v->expect_text);
		free(v->tsan_text);
		free(v->strategy);
		pvc_list_free(&v->sources);
		pvc_list_free(&v->args);
		pvc_list_free(&v->cflags);
		pvc_list_free(&v->ldflags);
		free(v->figures);
	}
	free(c->variants);
	free(c->suppressions);
	free(c->dir);
	free(c->ini);
	free(c->id);
	free(c->title);
	free(c->question);
	free(c->hint);
	free(c->exercise);
	free(c->figures);
	free(c->error);
	pvc_list_free(&c->args);
	memset(c, 0, sizeof *c);
}
