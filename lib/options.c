#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include "base.h"
#include "options.h"

#define SEPARATORS ": \t\n"

void pv_options_defaults(pv_options_t *o)
{
	pv_memset(o, 0, sizeof *o);
	o->report_stderr = 1;
	o->exitcode = 66;
	o->history_frames = 32;
	o->deadlock_ms = 1000;
	o->detect_deadlocks = 1;
	o->atexit_sleep_ms = 1000;
	o->report_thread_leaks = 1;
	o->sched_depth = 3;
	o->sched_steps = 100;
	o->sched_accesses = 1;
	o->sched_slice_ms = 500;
}

static int parse_int(const char *v, int lo, int hi, int *out)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

/* random, pct:D, pct:D:K (K: how many steps the change points fall among), pos. */
static int parse_strategy(pv_options_t *o, const char *v, char *err, int errlen)
{
	if (!strcmp(v, "random") || !strcmp(v, "pos")) {
		o->sched = v[0] == 'r' ? PV_SCHED_RANDOM : PV_SCHED_POS;
		return 0;
	}
	if (!strncmp(v, "pct", 3) && (!v[3] || v[3] == ':')) {
		char *end = (char *)v + 3;
		long d = 3, k = 100;
		if (*end == ':') {
			d = strtol(end + 1, &end, 10);
			if (*end == ':')
				k = strtol(end + 1, &end, 10);
		}
		if (!*end && d >= 1 && d <= 64 && k >= 1 && k <= 100000000) {
			o->sched = PV_SCHED_PCT;
			o->sched_depth = (int)d;
			o->sched_steps = (int)k;
			return 0;
		}
	}
	pv_snprintf(err, errlen, "sched: expected random, pct, pct:D (D in [1, 64]), pct:D:K "
		    "(K in [1, 100000000]) or pos, got '%s'", v);
	return -1;
}

/* Every option, once. tsan: the TSAN_OPTIONS key that means the same (NULL:
 * ours alone); a bool there also takes true/false/yes/no, as TSan's does. */
enum { OPT_INT, OPT_BOOL, OPT_PATH };
static const struct {
	const char *name, *tsan;
	int type;
	size_t off;
	int lo, hi;
} options[] = {
	{ "json", NULL, OPT_PATH, offsetof(pv_options_t, json_path), 0, 0 },
	{ "suppressions", "suppressions", OPT_PATH, offsetof(pv_options_t, suppressions), 0, 0 },
	{ "stderr", NULL, OPT_BOOL, offsetof(pv_options_t, report_stderr), 0, 1 },
	{ "exitcode", "exitcode", OPT_INT, offsetof(pv_options_t, exitcode), 0, 255 },
	{ "halt_on_error", "halt_on_error", OPT_BOOL, offsetof(pv_options_t, halt_on_error), 0, 1 },
	{ "frames", NULL, OPT_INT, offsetof(pv_options_t, history_frames), 1, 64 },
	{ "deadlock_ms", NULL, OPT_INT, offsetof(pv_options_t, deadlock_ms), 10, 3600000 },
	{ "deadlocks", "detect_deadlocks", OPT_BOOL, offsetof(pv_options_t, detect_deadlocks), 0, 1 },
	{ "atexit_sleep_ms", "atexit_sleep_ms", OPT_INT, offsetof(pv_options_t, atexit_sleep_ms), 0, 3600000 },
	{ "report_thread_leaks", "report_thread_leaks", OPT_BOOL,
	  offsetof(pv_options_t, report_thread_leaks), 0, 1 },
	{ "sched_spurious", NULL, OPT_BOOL, offsetof(pv_options_t, sched_spurious), 0, 1 },
	{ "sched_accesses", NULL, OPT_BOOL, offsetof(pv_options_t, sched_accesses), 0, 1 },
	{ "sched_trace", NULL, OPT_BOOL, offsetof(pv_options_t, sched_trace), 0, 1 },
	{ "sched_slice_ms", NULL, OPT_INT, offsetof(pv_options_t, sched_slice_ms), 1, 3600000 },
	{ "sched_log", NULL, OPT_PATH, offsetof(pv_options_t, sched_log), 0, 0 },
};
#define NOPTIONS (sizeof options / sizeof options[0])

static int parse_bool_word(const char *v, int *out)
{
	static const char *const yes[] = { "true", "yes" }, *const no[] = { "false", "no" };
	for (int i = 0; i < 2; i++) {
		if (!strcmp(v, yes[i]))
			return *out = 1, 0;
		if (!strcmp(v, no[i]))
			return *out = 0, 0;
	}
	return -1;
}

/* key=val into o. tsan: key is a TSAN_OPTIONS key, and one we do not honour
 * is left alone (it is ThreadSanitizer's). */
static int set_option(pv_options_t *o, const char *key, const char *val, int tsan,
		      char *err, int errlen)
{
	if (!tsan && !strcmp(key, "sched"))
		return parse_strategy(o, val, err, errlen);
	if (!tsan && !strcmp(key, "sched_seed")) {
		char *end;
		errno = 0;
		o->sched_seed = strtoull(val, &end, 10);
		if (*val >= '0' && *val <= '9' && !*end && !errno)
			return 0;
		pv_snprintf(err, errlen, "sched_seed: expected an unsigned integer, got '%s'", val);
		return -1;
	}
	for (size_t i = 0; i < NOPTIONS; i++) {
		const char *name = tsan ? options[i].tsan : options[i].name;
		if (!name || strcmp(key, name))
			continue;
		char *field = (char *)o + options[i].off;
		if (options[i].type == OPT_PATH) {
			if (strlen(val) >= PV_OPTION_VALUE_MAX) {
				pv_snprintf(err, errlen, "%s: path too long", key);
				return -1;
			}
			strcpy(field, val);
			return 0;
		}
		if (parse_int(val, options[i].lo, options[i].hi, (int *)field) &&
		    !(tsan && options[i].type == OPT_BOOL && !parse_bool_word(val, (int *)field))) {
			pv_snprintf(err, errlen, "%s: expected an integer in [%d, %d], got '%s'",
				 key, options[i].lo, options[i].hi, val);
			return -1;
		}
		return 0;
	}
	if (tsan)
		return 0;
	pv_snprintf(err, errlen, "unknown option '%s'", key);
	return -1;
}

/* One value: unquoted text up to a separator, '...' taken literally, "..."
 * with backslash escapes; a backslash outside quotes escapes one character.
 * Segments concatenate as in a shell: json="/tmp/a b"/f.json. Returns the
 * position after the value, or NULL with a message in err. */
static const char *read_value(const char *s, char *out, size_t outlen, const char *seps,
			      const char *key, char *err, int errlen)
{
	size_t n = 0;
	char quote = 0;
	for (;; s++) {
		char c = *s;
		if (!c && quote) {
			pv_snprintf(err, errlen, "%s: unterminated %c quote", key, quote);
			return NULL;
		}
		if (!c || (!quote && strchr(seps, c)))
			break;
		if (!quote && (c == '\'' || c == '"')) {
			quote = c;
			continue;
		}
		if (quote && c == quote) {
			quote = 0;
			continue;
		}
		if (c == '\\' && quote != '\'') {
			if (!*++s) {
				pv_snprintf(err, errlen, "%s: a backslash ends the options", key);
				return NULL;
			}
			c = *s;
		}
		if (n + 1 >= outlen) {
			pv_snprintf(err, errlen, "%s: value too long", key);
			return NULL;
		}
		out[n++] = c;
	}
	out[n] = 0;
	return s;
}

/* TSAN_OPTIONS separates with commas too. */
static int parse_all(pv_options_t *o, const char *str, int tsan, char *err, int errlen)
{
	const char *seps = tsan ? SEPARATORS "," : SEPARATORS;
	char key[64];
	char val[PV_OPTION_VALUE_MAX];
	const char *s = str;
	for (;;) {
		s += strspn(s, seps);
		if (!*s)
			return 0;
		size_t k = strcspn(s, "=,'\"\\" SEPARATORS);
		if (s[k] != '=' || !k) {
			pv_snprintf(err, errlen, "'%.*s' is not key=value", (int)strcspn(s, seps), s);
			return -1;
		}
		if (k >= sizeof key) {
			pv_snprintf(err, errlen, "unknown option '%.*s'", (int)k, s);
			return -1;
		}
		memcpy(key, s, k);
		key[k] = 0;
		s = read_value(s + k + 1, val, sizeof val, seps, key, err, errlen);
		if (!s || set_option(o, key, val, tsan, err, errlen))
			return -1;
	}
}

int pv_options_parse(pv_options_t *o, const char *str, char *err, int errlen)
{
	return parse_all(o, str, 0, err, errlen);
}

int pv_options_parse_tsan(pv_options_t *o, const char *str, char *err, int errlen)
{
	return parse_all(o, str, 1, err, errlen);
}

const pv_options_t *pv_options(void)
{
	static pv_options_t opts;
	static int state; /* 0 unread, 1 reading, 2 ready */
	int s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
	if (s == 2)
		return &opts;
	int expect = 0;
	if (__atomic_compare_exchange_n(&state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		pv_options_defaults(&opts);
		/* ThreadSanitizer's keys first, so that ours win. */
		const char *tsan = getenv("TSAN_OPTIONS");
		const char *env = getenv("PVCHECK_OPTIONS");
		char err[256];
		if (tsan && pv_options_parse_tsan(&opts, tsan, err, sizeof err)) {
			pv_dprintf(2, "pvcheck: TSAN_OPTIONS: %s\n", err);
			_exit(2);
		}
		if (env && pv_options_parse(&opts, env, err, sizeof err)) {
			pv_dprintf(2, "pvcheck: PVCHECK_OPTIONS: %s\n", err);
			_exit(2);
		}
		__atomic_store_n(&state, 2, __ATOMIC_RELEASE);
	} else {
		while (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != 2)
			;
	}
	return &opts;
}
