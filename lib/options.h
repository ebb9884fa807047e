/* PVCHECK_OPTIONS: colon- or space-separated key=value pairs, read once at
 * start. A value may be quoted so that it can hold separators: '...' is
 * literal, "..." and unquoted text take backslash escapes (json="/tmp/a b:c"). */
#ifndef PV_OPTIONS_H
#define PV_OPTIONS_H

#define PV_OPTION_VALUE_MAX 4096

typedef struct {
	char json_path[PV_OPTION_VALUE_MAX];     /* json=FILE: append one JSON line per finding ("" = none) */
	char suppressions[PV_OPTION_VALUE_MAX];  /* suppressions=FILE: ThreadSanitizer's format ("" = none) */
	int report_stderr;       /* stderr=0 silences the human-readable reports */
	int exitcode;            /* exitcode=N: status when anything was reported (66); 0 keeps the program's */
	int halt_on_error;       /* halt_on_error=1: exit at the first report */
	int history_frames;      /* frames=N: stack depth in reports (default 32) */
	int deadlock_ms;         /* deadlock_ms=N: how long all threads must be blocked (1000) */
	int detect_deadlocks;    /* deadlocks=0 disables lock-order and deadlock checks */
	int atexit_sleep_ms;     /* atexit_sleep_ms=N: at exit, how long other threads may run on (1000) */
	int report_thread_leaks; /* report_thread_leaks=0: no report of finished threads never joined */
	/* The controlled scheduler (schedule.h), off unless sched= is given. */
	int sched;               /* sched=random|pct:D[:K]|pos: PV_SCHED_* (0: off) */
	int sched_depth;         /* pct's D (bug depth, >= 1) */
	int sched_steps;         /* pct's K: the steps its change points fall among (default 100) */
	unsigned long long sched_seed; /* sched_seed=N: the schedule's seed */
	int sched_spurious;      /* sched_spurious=1: condition waits may return unsignalled */
	int sched_accesses;      /* sched_accesses=0: no scheduling point at plain accesses */
	int sched_slice_ms;      /* sched_slice_ms=N: a thread that runs this long without a
				    scheduling point lets the next one run beside it (500) */
	char sched_log[PV_OPTION_VALUE_MAX]; /* sched_log=FILE: append a summary line at the end */
	int sched_trace;         /* sched_trace=1: and each step, as a JSON line */
} pv_options_t;

enum { PV_SCHED_OFF, PV_SCHED_RANDOM, PV_SCHED_PCT, PV_SCHED_POS };

/* Parse str over defaults; on a bad key or value, return -1 and put a message in err. */
int pv_options_parse(pv_options_t *o, const char *str, char *err, int errlen);
/* The same for TSAN_OPTIONS: only its keys that mean something here
 * (suppressions, exitcode, halt_on_error, report_thread_leaks,
 * detect_deadlocks, atexit_sleep_ms) are read; every other key is left to
 * ThreadSanitizer. Commas separate too, and booleans may be true/false. */
int pv_options_parse_tsan(pv_options_t *o, const char *str, char *err, int errlen);
void pv_options_defaults(pv_options_t *o);
/* The process's options, parsed from the environment on first use:
 * TSAN_OPTIONS, then PVCHECK_OPTIONS over it. */
const pv_options_t *pv_options(void);

#endif
