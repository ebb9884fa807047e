/* Suppressions: ThreadSanitizer's file format and matching rules. A report
 * is matched by its kind's type against every frame (function, file, module)
 * of its stacks and the names of its locations; race_top against the first
 * frame of an access only. The string helpers are local: reports are made
 * while the program's interceptors are live. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "base.h"
#include "options.h"
#include "suppress.h"

static const char *const type_names[PV_SUPP_NTYPES] = {
	"race", "race_top", "thread", "mutex", "deadlock", "signal", "called_from_lib",
};

const char *pv_supp_type_name(pv_supp_type t)
{
	return t < PV_SUPP_NTYPES ? type_names[t] : "?";
}

static size_t len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static int same(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* ---- Patterns ---- */

/* t[0..tn) against s from its start: '*' is any run; when open_end, s may
 * go on after t. */
static int glob(const char *t, size_t tn, const char *s, size_t sn, int open_end)
{
	while (tn) {
		if (*t == '*') {
			while (tn && *t == '*')
				t++, tn--;
			if (!tn)
				return 1;
			for (size_t i = 0; i <= sn; i++)
				if (glob(t, tn, s + i, sn - i, open_end))
					return 1;
			return 0;
		}
		if (!sn || *t != *s)
			return 0;
		t++, tn--, s++, sn--;
	}
	return open_end || sn == 0;
}

int pv_supp_template_match(const char *templ, const char *str)
{
	if (!str || !*str)
		return 0;
	size_t tn = len(templ), sn = len(str);
	int anchored = tn && templ[0] == '^';
	if (anchored)
		templ++, tn--;
	int open_end = !(tn && templ[tn - 1] == '$');
	if (!open_end)
		tn--;
	for (size_t i = 0; i <= sn; i++) {
		if (glob(templ, tn, str + i, sn - i, open_end))
			return 1;
		if (anchored)
			break;
	}
	return 0;
}

/* ---- The file ---- */

static int type_of(const char *w, size_t n)
{
	for (int t = 0; t < PV_SUPP_NTYPES; t++)
		if (len(type_names[t]) == n && same(type_names[t], w, n))
			return t;
	return -1;
}

static char *copy(const char *p, size_t n)
{
	char *c = pv_alloc(n + 1);
	pv_memcpy(c, p, n);
	c[n] = 0;
	return c;
}

static void add_rule(pv_supp_set *s, pv_supp_type type, const char *p, size_t n, int line)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->rules = pv_realloc(s->rules, (size_t)s->cap * sizeof *s->rules);
	}
	s->rules[s->n++] = (pv_supp_rule){ type, copy(p, n), line, 0 };
}

int pv_supp_parse(pv_supp_set *s, const char *text, const char *file, char *err, int errlen)
{
	if (!s->file)
		s->file = copy(file, len(file));
	int line = 0;
	for (const char *p = text; *p;) {
		const char *end = p;
		while (*end && *end != '\n')
			end++;
		line++;
		const char *b = p, *e = end;
		p = *end ? end + 1 : end;
		while (b < e && is_blank(*b))
			b++;
		while (e > b && is_blank(e[-1]))
			e--;
		if (b == e || *b == '#')
			continue;
		const char *colon = b;
		while (colon < e && *colon != ':')
			colon++;
		if (colon == e) {
			pv_snprintf(err, errlen, "%s:%d: '%.*s' is not type:pattern", file, line,
				    (int)(e - b), b);
			return -1;
		}
		int type = type_of(b, (size_t)(colon - b));
		if (type < 0) {
			pv_snprintf(err, errlen, "%s:%d: unknown suppression type '%.*s' (race, race_top, "
				    "thread, mutex, deadlock, signal or called_from_lib)", file, line,
				    (int)(colon - b), b);
			return -1;
		}
		const char *pat = colon + 1;
		while (pat < e && is_blank(*pat))
			pat++;
		if (pat == e) {
			pv_snprintf(err, errlen, "%s:%d: %s: the pattern is empty", file, line,
				    type_names[type]);
			return -1;
		}
		add_rule(s, (pv_supp_type)type, pat, (size_t)(e - pat), line);
	}
	return 0;
}

#define SUPP_FILE_MAX (4 << 20)

int pv_supp_load(pv_supp_set *s, const char *path, char *err, int errlen)
{
	int fd = pv_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		pv_snprintf(err, errlen, "cannot read suppressions file '%s': %s", path,
			    strerror(errno));
		return -1;
	}
	size_t have = 0, cap = 4096;
	char *buf = pv_alloc(cap);
	for (;;) {
		if (have + 1 >= cap) {
			if (cap >= SUPP_FILE_MAX) {
				pv_snprintf(err, errlen, "suppressions file '%s' is over 4 MiB", path);
				pv_free(buf);
				pv_close(fd);
				return -1;
			}
			buf = pv_realloc(buf, cap *= 2);
		}
		long got = syscall(SYS_read, fd, buf + have, cap - 1 - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			pv_snprintf(err, errlen, "cannot read suppressions file '%s': %s", path,
				    strerror(errno));
			pv_free(buf);
			pv_close(fd);
			return -1;
		}
		if (!got)
			break;
		have += (size_t)got;
	}
	pv_close(fd);
	buf[have] = 0;
	if (len(buf) != have) {
		pv_snprintf(err, errlen, "suppressions file '%s' holds a NUL byte: not a text file", path);
		pv_free(buf);
		return -1;
	}
	int rc = pv_supp_parse(s, buf, path, err, errlen);
	pv_free(buf);
	return rc;
}

void pv_supp_free(pv_supp_set *s)
{
	for (int i = 0; i < s->n; i++)
		pv_free(s->rules[i].pattern);
	pv_free(s->rules);
	pv_free(s->file);
	pv_memset(s, 0, sizeof *s);
}

/* ---- Matching ---- */

static pv_supp_rule *match_name(pv_supp_set *s, pv_supp_type type, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (s->rules[i].type == type && pv_supp_template_match(s->rules[i].pattern, name))
			return &s->rules[i];
	return NULL;
}

static pv_supp_rule *match_frame(pv_supp_set *s, pv_supp_type type, const pv_frame *f)
{
	pv_supp_rule *r = match_name(s, type, f->function);
	if (!r)
		r = match_name(s, type, f->file);
	if (!r)
		r = match_name(s, type, f->module);
	return r;
}

static int starts_with(const char *s, const char *prefix)
{
	size_t n = len(prefix);
	return len(s) >= n && same(s, prefix, n);
}

/* called_from_lib: the access was made by that library, i.e. its first
 * frame outside the runtime (whose interceptors may start a stack: free) is
 * in it. An uninstrumented library makes accesses only in intercepted calls. */
static pv_supp_rule *match_lib(pv_supp_set *s, const pv_frame *f, int n, const char *runtime_dir)
{
	int i = 0;
	while (runtime_dir && i < n && starts_with(f[i].file, runtime_dir))
		i++;
	return i < n ? match_name(s, PV_SUPP_LIB, f[i].module) : NULL;
}

#define MATCH_FRAMES 128

static pv_supp_rule *match_stack(pv_supp_set *s, pv_supp_type type, const pv_stack *st,
				 int access, const char *runtime_dir)
{
	static pv_frame frames[MATCH_FRAMES]; /* under the report lock */
	int n = 0;
	for (int i = 0; i < st->n && n < MATCH_FRAMES; i++)
		n += pv_symbolize_inline(st->pc[i], frames + n, MATCH_FRAMES - n);
	pv_supp_rule *r = NULL;
	for (int i = 0; i < n && !r; i++)
		r = match_frame(s, type, &frames[i]);
	if (!r && type == PV_SUPP_RACE && access && n)
		r = match_frame(s, PV_SUPP_RACE_TOP, &frames[0]);
	if (!r && access)
		r = match_lib(s, frames, n, runtime_dir);
	return r;
}

pv_supp_rule *pv_supp_match(pv_supp_set *s, const pv_supp_subject *sub, const char *runtime_dir)
{
	pv_supp_rule *r = NULL;
	if (!s->n || sub->type >= PV_SUPP_NTYPES)
		return NULL;
	for (int i = 0; i < sub->naccess && !r; i++)
		r = match_stack(s, sub->type, sub->access[i], 1, runtime_dir);
	for (int i = 0; i < sub->nother && !r; i++)
		r = match_stack(s, sub->type, sub->other[i], 0, runtime_dir);
	for (int i = 0; i < sub->nnames && !r; i++)
		r = match_name(s, sub->type, sub->names[i]);
	if (r)
		r->hits++;
	return r;
}

/* ---- The process's set ---- */

static pv_supp_set process_set;

void pv_suppress_init(void)
{
	const char *path = pv_options()->suppressions;
	char err[512];
	if (!*path || process_set.file)
		return;
	if (pv_supp_load(&process_set, path, err, sizeof err)) {
		pv_dprintf(2, "pvcheck: %s\n", err);
		_exit(2);
	}
}

int pv_suppressed(const pv_supp_subject *sub)
{
	return pv_supp_match(&process_set, sub, PV_RUNTIME_SOURCE_DIR) != NULL;
}

void pv_suppress_summary(void)
{
	int total = 0;
	for (int i = 0; i < process_set.n; i++)
		total += process_set.rules[i].hits;
	if (!total || !pv_options()->report_stderr)
		return;
	pv_dprintf(2, "pvcheck: %d report%s suppressed by %s (pid=%d):\n", total,
		   total == 1 ? "" : "s", process_set.file, (int)getpid());
	for (int i = 0; i < process_set.n; i++) {
		pv_supp_rule *r = &process_set.rules[i];
		if (r->hits)
			pv_dprintf(2, "  %d %s:%s (line %d)\n", r->hits, type_names[r->type],
				   r->pattern, r->line);
		r->hits = 0;
	}
}

void pv_suppress_after_fork_child(void)
{
	for (int i = 0; i < process_set.n; i++)
		process_set.rules[i].hits = 0;
}
