#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include "base.h"
#include "options.h"

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

static int set_option(pv_options_t *o, const char *key, const char *val,
		      char *err, int errlen)
{
	static const struct {
		const char *name;
		size_t off;
		int lo, hi;
	} ints[] = {
		{ "stderr", offsetof(pv_options_t, report_stderr), 0, 1 },
		{ "exitcode", offsetof(pv_options_t, exitcode), 0, 255 },
		{ "halt_on_error", offsetof(pv_options_t, halt_on_error), 0, 1 },
		{ "frames", offsetof(pv_options_t, history_frames), 1, 64 },
		{ "deadlock_ms", offsetof(pv_options_t, deadlock_ms), 10, 3600000 },
		{ "deadlocks", offsetof(pv_options_t, detect_deadlocks), 0, 1 },
		{ "atexit_sleep_ms", offsetof(pv_options_t, atexit_sleep_ms), 0, 3600000 },
		{ "report_thread_leaks", offsetof(pv_options_t, report_thread_leaks), 0, 1 },
	};
	if (!strcmp(key, "json")) {
		if (strlen(val) >= sizeof o->json_path) {
			snprintf(err, errlen, "json: path too long");
			return -1;
		}
		strcpy(o->json_path, val);
		return 0;
	}
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		if (strcmp(key, ints[i].name))
			continue;
		if (parse_int(val, ints[i].lo, ints[i].hi, (int *)((char *)o + ints[i].off))) {
			snprintf(err, errlen, "%s: expected an integer in [%d, %d], got '%s'",
				 key, ints[i].lo, ints[i].hi, val);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown option '%s'", key);
	return -1;
}

int pv_options_parse(pv_options_t *o, const char *str, char *err, int errlen)
{
	char buf[2048];
	if (strlen(str) >= sizeof buf) {
		snprintf(err, errlen, "options string too long");
		return -1;
	}
	strcpy(buf, str);
	char *save = NULL;
	for (char *tok = strtok_r(buf, ": \t\n", &save); tok; tok = strtok_r(NULL, ": \t\n", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			snprintf(err, errlen, "'%s' is not key=value", tok);
			return -1;
		}
		*eq = 0;
		if (set_option(o, tok, eq + 1, err, errlen))
			return -1;
	}
	return 0;
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
		const char *env = getenv("PVCHECK_OPTIONS");
		char err[256];
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
