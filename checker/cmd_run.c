/* pvcheck run [--json FILE] [--timeout SEC] -- PROG [ARGS]: run a program
 * built by `pvcheck cc` under the runtime and collect what it reports. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "elfcheck.h"
#include "explore.h"
#include "findings.h"
#include "output.h"
#include "paths.h"
#include "proc.h"
#include "verdict.h"
#include "util.h"


char *pvc_runtime_options(const char *json_path, const char *suppressions)
{
	const char *user = getenv("PVCHECK_OPTIONS");
	char *q = pvc_option_quote(json_path);
	char *sq = suppressions ? pvc_option_quote(suppressions) : NULL;
	char *s = pvc_printf("PVCHECK_OPTIONS=%s%sjson=%s:exitcode=0%s%s", user && *user ? user : "",
			     user && *user ? ":" : "", q, sq ? ":suppressions=" : "", sq ? sq : "");
	free(q);
	free(sq);
	return s;
}

/* Deadlock detection on and both stacks of a lock-order report, as ours. */
#define TSAN_OURS "detect_deadlocks=1 second_deadlock_stack=1 exitcode=0 halt_on_error=0"

char *pvc_tsan_options(const char *suppressions)
{
	const char *user = getenv("TSAN_OPTIONS");
	/* ThreadSanitizer's quotes take no escapes. */
	return pvc_printf("TSAN_OPTIONS=%s%s" TSAN_OURS "%s%s%s", user && *user ? user : "",
			  user && *user ? " " : "", suppressions ? " suppressions=\"" : "",
			  suppressions ? suppressions : "", suppressions ? "\"" : "");
}

const char pvc_run_help[] =
	"pvcheck run [--json|--sarif|--junit|--html FILE] [--timeout SEC] [--suppressions FILE]\n"
	"            [--explore N [--strategy S] [--seed S]] [--replay S [--strategy S]]\n"
	"            [--spurious] [--] PROG [ARGS]\n"
	"  Run a program built by 'pvcheck cc' under pvcheck's runtime, which prints\n"
	"  its reports on stderr (PROG is looked up in PATH as a shell would).\n"
	"  --json FILE       also write {\"findings\":[...]} to FILE, even when pvcheck\n"
	"                    run is stopped by SIGINT, SIGTERM or SIGHUP\n"
	"  --timeout SEC     kill the program (and its children) after SEC seconds\n"
	"  --sarif FILE      write the findings as SARIF 2.1.0 (for code scanning)\n"
	"  --junit FILE      write JUnit XML: a failing testcase per finding\n"
	"  --html FILE       write one self-contained page: each finding's stacks side\n"
	"                    by side with their source lines, and a timeline of its threads\n"
	"  --suppressions FILE  leave out the reports FILE matches (ThreadSanitizer's\n"
	"                    format: race:, race_top:, thread:, mutex:, deadlock:, ...)\n"
	"  --explore N       run it under the runtime's controlled scheduler (one thread\n"
	"                    at a time, chosen at each synchronization, atomic and first\n"
	"                    access) up to N times, schedule i with seed S+i; stop at the\n"
	"                    first that fails (a report, a crash, a timeout, a status other\n"
	"                    than 0), run it again for all to see with its interleaving,\n"
	"                    and print the command that replays it\n"
	"  --strategy S      random, pct:D (PCT for bugs of depth D; pct:D:K with K steps\n"
	"                    among which its D-1 change points fall, by default learnt from\n"
	"                    the schedules so far) or pos (partial-order sampling); pct:3\n"
	"  --seed S          the first schedule's seed (1)\n"
	"  --replay S        run the schedule of seed S (with --strategy as printed)\n"
	"  --spurious        condition waits may also return without a signal, as\n"
	"                    POSIX allows (with --explore or --replay)\n"
	"  The program runs in a process group of its own. Processes it leaves behind\n"
	"  (a daemon) are waited for up to 2 s after it exits; one still running then is\n"
	"  named, and what it reports later is not collected. A program that carries no\n"
	"  pvcheck runtime (not built by 'pvcheck cc', or built with --tsan) is named too.\n"
	"  Exit status: 67 when a deadlock was reported (the runtime ends a deadlocked\n"
	"  program with 67), else 66 when anything else was reported (races, lock-order,\n"
	"  misuse), else the program's own (128+N when killed by signal N, 124 on\n"
	"  timeout); 128+N when pvcheck run itself was stopped by signal N.\n";

#define LINGER 2.0           /* seconds to wait for processes outliving the program */

typedef struct {
	const char *json, *sarif, *junit, *html;
	char *suppressions;      /* absolute: the program may change directory */
	double timeout;
	char **argv;
	/* Controlled schedules (explore.h). */
	long explore;
	const char *strategy;
	unsigned long long seed;
	int seeded, replay, spurious;
} run_args;

/* -1, after saying what is wrong and how the command is used. */
static int usage(const char *msg)
{
	pvc_usage_error("run", pvc_run_help, msg);
	return -1;
}

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *s < '0' || *s > '9' || *end || errno ? -1 : 0;
}

/* --explore, --strategy, --seed, --replay; -1 after a usage error. */
static int schedule_option(run_args *a, int c, const char *v)
{
	unsigned long long n;
	char msg[200];
	switch (c) {
	case 'E':
		if (parse_u64(v, &n) || n < 1 || n > 100000000)
			return usage("--explore needs a number of schedules in [1, 100000000]");
		a->explore = (long)n;
		return 0;
	case 'W':
		a->spurious = 1;
		return 0;
	case 'S':
		if (pvc_strategy_check(v)) {
			snprintf(msg, sizeof msg, "--strategy '%s': expected random, pos, pct, pct:D "
				 "(D in [1, 64]) or pct:D:K (K in [1, 100000000])", v);
			return usage(msg);
		}
		a->strategy = v;
		return 0;
	default:
		if (parse_u64(v, &a->seed)) {
			snprintf(msg, sizeof msg, "%s '%s': expected an unsigned integer",
				 c == 's' ? "--seed" : "--replay", v);
			return usage(msg);
		}
		a->seeded |= c == 's';
		a->replay |= c == 'R';
		return 0;
	}
}

/* argv[0] is "run". 1 when --help was asked, 0 to run, else a usage error. */
static int parse(int argc, char **argv, run_args *a)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "explore", required_argument, NULL, 'E' },
		{ "strategy", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 's' },
		{ "replay", required_argument, NULL, 'R' },
		{ "spurious", no_argument, NULL, 'W' },
		{ "suppressions", required_argument, NULL, 'X' },
		{ "sarif", required_argument, NULL, 'F' },
		{ "junit", required_argument, NULL, 'U' },
		{ "html", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 0;
	opterr = 0;
	/* '+': options end at the program's name; its own options are its own. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			a->json = optarg;
			break;
		case 't':
			if (pvc_parse_seconds(optarg, &a->timeout))
				return usage("--timeout needs a positive number of seconds");
			break;
		case 'E':
		case 'S':
		case 's':
		case 'R':
		case 'W':
			if (schedule_option(a, c, optarg))
				return -1;
			break;
		case 'F':
			a->sarif = optarg;
			break;
		case 'U':
			a->junit = optarg;
			break;
		case 'H':
			a->html = optarg;
			break;
		case 'X': {
			free(a->suppressions);
			a->suppressions = realpath(optarg, NULL);
			if (!a->suppressions || pvc_is_dir(a->suppressions)) {
				char msg[PATH_MAX + 64];
				snprintf(msg, sizeof msg, "--suppressions: cannot read '%s': %s", optarg,
					 a->suppressions ? "a directory" : strerror(errno));
				return usage(msg);
			}
			break;
		}
		case 'h':
			fputs(pvc_run_help, stdout);
			return 1;
		default: {
			char msg[160];
			snprintf(msg, sizeof msg, "unknown option '%s' (or missing value)", argv[optind - 1]);
			return usage(msg);
		}
		}
	}
	if (optind >= argc)
		return usage("no program to run");
	if (a->explore && a->replay)
		return usage("--explore and --replay: one or the other");
	if ((a->strategy || a->seeded || a->spurious) && !a->explore && !a->replay)
		return usage("--strategy, --seed and --spurious go with --explore N (or --replay S)");
	if (a->seeded && a->replay)
		return usage("--replay S is the seed: no --seed with it");
	if (!a->strategy)
		a->strategy = PVC_DEFAULT_STRATEGY;
	a->argv = argv + optind;
	return 0;
}

static int write_json(const char *path, cJSON *findings, cJSON *schedule)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemReferenceToObject(doc, "findings", findings);
	pvc_json_add_version(doc);
	if (schedule)
		cJSON_AddItemReferenceToObject(doc, "schedule", schedule);
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	pvc_buf b = {0};
	pvc_buf_puts(&b, text);
	pvc_buf_puts(&b, "\n");
	free(text);
	int rc = pvc_write_file(path, b.s);
	pvc_buf_free(&b);
	return rc;
}

/* A directory of our own for the runtime's JSON lines: mkdtemp makes it
 * anew (0700), so nothing planted in $TMPDIR is followed. The runtime creates
 * findings.json in it (only the session's first program may), which also
 * tells us that some process of the run carried the runtime. */
static char *temp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = pvc_printf("%s/pvcheck-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Say plainly when the program carries nothing that checks it. */
static pvc_carries warn_unchecked(const char *prog)
{
	char *path;
	pvc_carries c = pvc_elf_carries(prog, &path);
	if (c == PVC_CARRIES_NONE)
		fprintf(stderr, "pvcheck: warning: %s carries no pvcheck runtime (it was not built "
			"with 'pvcheck cc'): nothing it does is checked; only programs it starts "
			"that were built with 'pvcheck cc' are\n", path);
	else if (c == PVC_CARRIES_TSAN)
		fprintf(stderr, "pvcheck: warning: %s was built for ThreadSanitizer ('pvcheck cc "
			"--tsan'), not for pvcheck's runtime: the reports below are ThreadSanitizer's "
			"and pvcheck run does not collect them\n",
			path);
	free(path);
	return c;
}

static void say_how_it_ended(const char *prog, const pvc_proc_result *res, double timeout)
{
	if (res->stopped)
		fprintf(stderr, "pvcheck: stopped by signal %d (%s): %s was stopped; the findings "
			"so far are kept\n", res->stopped, strsignal(res->stopped), prog);
	else if (res->timed_out)
		fprintf(stderr, "pvcheck: %s ran past its timeout of %g s and was killed\n", prog, timeout);
	else if (WIFSIGNALED(res->status))
		fprintf(stderr, "pvcheck: %s was killed by signal %d (%s)\n", prog,
			WTERMSIG(res->status), strsignal(WTERMSIG(res->status)));
	if (res->outlived)
		fprintf(stderr, "pvcheck: %d process(es) of %s (pid %d%s) still run %g s after it "
			"ended; pvcheck stopped waiting: what they report from now on is not "
			"collected (it goes to their stderr only)\n", res->outlived, prog,
			res->outlived_pid, res->outlived > 1 ? ", ..." : "", LINGER);
}

static int has_kind(const cJSON *findings, const char *kind)
{
	const cJSON *f;
	cJSON_ArrayForEach(f, findings) {
		const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "kind"));
		if (k && !strcmp(k, kind))
			return 1;
	}
	return 0;
}

static int exit_status(const cJSON *findings, const pvc_proc_result *res)
{
	if (res->stopped)
		return 128 + res->stopped;
	if (has_kind(findings, "deadlock"))
		return PVC_DEADLOCK_STATUS;   /* the runtime's own status for it */
	if (pvc_findings_count_kinds(findings))
		return PVC_EXIT_FOUND;
	return res->timed_out ? 124 : pvc_proc_exit_code(res->status);
}

/* One run of the program and what it left. */
typedef struct {
	int started, err, bad, runtime_ran;
	time_t when;
	pvc_proc_result res;
	cJSON *findings;
} one_run;

/* Run a->argv once; strategy NULL: as it is, else under that schedule,
 * with the step log in log (every step when trace). Output to out (both
 * streams; NULL: ours). */
static int run_once(const run_args *a, const char *strategy, unsigned long long seed,
		    const char *log, int trace, const char *out, one_run *r)
{
	char *dir = temp_dir();
	if (!dir) {
		fprintf(stderr, "pvcheck: cannot make a temporary directory: %s\n", strerror(errno));
		return -1;
	}
	char *json = pvc_join(dir, "findings.json");
	char *base = pvc_runtime_options(json, a->suppressions);
	r->when = time(NULL);
	char *env[] = { strategy ? pvc_sched_env(base, strategy, seed, a->spurious, log, trace) : base, NULL };
	/* A group of its own, so that a stop or a timeout reaches all of it; it
	 * gets the terminal, as a shell's foreground job would. */
	pvc_proc_spec spec = { .argv = a->argv, .env = env, .timeout = a->timeout, .own_group = 1,
			       .foreground = !out, .linger = LINGER, .leave_outliving = !out,
			       .out_path = out, .err_path = out, .flood_limit = out ? 16LL << 20 : 0 };
	r->started = pvc_proc_run(&spec, &r->res) == 0;
	r->err = errno;
	r->bad = 0;
	r->runtime_ran = pvc_exists(json);
	r->findings = pvc_findings_load(json, &r->bad);
	unlink(json);
	rmdir(dir);
	free(json);
	free(dir);
	if (env[0] != base)
		free(env[0]);
	free(base);
	return 0;
}

/* For JUnit: whether the program ended by itself, and how if not. */
static void describe_end(pvc_run_info *info, const pvc_proc_result *res)
{
	static char how[64];
	if (res && !res->stopped && !res->timed_out && WIFEXITED(res->status)) {
		info->exited = 1;
		info->exit_status = WEXITSTATUS(res->status);
		return;
	}
	if (!res)
		snprintf(how, sizeof how, "it could not be started");
	else if (res->stopped)
		snprintf(how, sizeof how, "pvcheck run was stopped by signal %d", res->stopped);
	else if (res->timed_out)
		snprintf(how, sizeof how, "it ran past its timeout");
	else
		snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(res->status));
	info->how = how;
}

static int write_outputs(const run_args *a, const pvc_run_info *info, cJSON *schedule)
{
	int rc = 0;
	if (a->json && write_json(a->json, (cJSON *)info->findings, schedule)) {
		fprintf(stderr, "pvcheck: cannot write %s: %s\n", a->json, strerror(errno));
		rc = -1;
	}
	struct { const char *path; int (*fn)(const char *, const pvc_run_info *); } outs[] = {
		{ a->sarif, pvc_write_run_sarif }, { a->junit, pvc_write_run_junit },
		{ a->html, pvc_write_run_html },
	};
	for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
		if (outs[i].path && outs[i].fn(outs[i].path, info)) {
			fprintf(stderr, "pvcheck: cannot write %s: %s\n", outs[i].path, strerror(errno));
			rc = -1;
		}
	}
	return rc;
}

/* Say how the run ended, write --json, and give the command's status. */
static int finish(const run_args *a, pvc_carries carries, one_run *r, cJSON *schedule)
{
	int rc;
	if (!r->started) {
		fprintf(stderr, "pvcheck: cannot run %s: %s\n", a->argv[0], strerror(r->err));
		rc = 1;
	} else {
		const pvc_proc_result *res = &r->res;
		say_how_it_ended(a->argv[0], res, a->timeout);
		if (r->bad)
			fprintf(stderr, "pvcheck: %d report line(s) were cut short and skipped\n", r->bad);
		/* A script, or what we could not read: the run itself tells. */
		if (!r->runtime_ran && (carries == PVC_CARRIES_SCRIPT || carries == PVC_CARRIES_UNKNOWN) &&
		    !res->stopped && !res->timed_out && WIFEXITED(res->status) && WEXITSTATUS(res->status) != 127)
			fprintf(stderr, "pvcheck: warning: no process of this run carried pvcheck's "
				"runtime (none was built with 'pvcheck cc'): nothing was checked\n");
		rc = exit_status(r->findings, res);
	}
	pvc_run_info info = { .argv = a->argv, .findings = r->findings, .started = r->when,
			      .secs = r->started ? r->res.secs : 0 };
	describe_end(&info, r->started ? &r->res : NULL);
	if (write_outputs(a, &info, schedule))
		rc = rc ? rc : 1;
	cJSON_Delete(r->findings);
	return rc;
}

/* ---- controlled schedules ---- */

/* The schedule of seed under strategy, again, with every step in its log:
 * its findings, its interleaving and the command that replays it. */
static int replay(const run_args *a, pvc_carries carries, const char *strategy,
		  unsigned long long seed, long explored)
{
	char *dir = temp_dir();
	if (!dir) {
		fprintf(stderr, "pvcheck: cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	char *log = pvc_join(dir, "steps.json");
	one_run r;
	run_once(a, strategy, seed, log, 1, NULL, &r);
	cJSON *sched = cJSON_CreateObject();
	char *cmd = pvc_replay_command(seed, strategy, a->spurious, a->timeout, a->argv);
	int failed = r.started && pvc_schedule_failed(r.findings, &r.res);
	cJSON_AddStringToObject(sched, "strategy", strategy);
	cJSON_AddNumberToObject(sched, "seed", (double)seed);
	cJSON_AddStringToObject(sched, "replay", cmd);
	cJSON_AddBoolToObject(sched, "failed", failed);
	if (explored)
		cJSON_AddNumberToObject(sched, "schedules", (double)explored);
	cJSON *timeline = failed ? pvc_timeline_load(log, r.findings) : cJSON_CreateArray();
	if (failed)
		pvc_timeline_print(stderr, timeline);
	cJSON_AddItemToObject(sched, "timeline", timeline);
	if (pvc_sched_escaped(log))
		fprintf(stderr, "pvcheck: a thread ran a long time without a scheduling point (blocked "
			"where the scheduler does not see, or busy): another ran beside it, so this "
			"schedule may not replay exactly\n");
	if (explored && !failed && r.started && !r.res.stopped)
		fprintf(stderr, "pvcheck: the schedule did not fail again: it depends on something "
			"the scheduler does not control (other processes, the kernel, time)\n");
	fprintf(stderr, "pvcheck: schedule %llu (%s)%s; replay it with:\n  %s\n", seed, strategy,
		failed ? " failed" : " passed", cmd);
	free(cmd);
	unlink(log);
	rmdir(dir);
	free(log);
	free(dir);
	int rc = finish(a, carries, &r, sched);
	cJSON_Delete(sched);
	return rc;
}

/* Up to a->explore schedules, their output kept aside; the first that
 * fails is replayed. PCT's step bound is the most steps seen so far. */
static int explore(const run_args *a, pvc_carries carries)
{
	char *dir = temp_dir();
	if (!dir) {
		fprintf(stderr, "pvcheck: cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	char *log = pvc_join(dir, "steps.json"), *out = pvc_join(dir, "output");
	long steps = 0, i;
	char *strategy = NULL;
	int failed = 0, stopped = 0;
	for (i = 0; i < a->explore && !failed && !stopped; i++) {
		free(strategy);
		strategy = pvc_strategy_for(a->strategy, steps);
		one_run r;
		unlink(log);
		if (run_once(a, strategy, a->seed + (unsigned long long)i, log, 0, out, &r) || !r.started) {
			fprintf(stderr, "pvcheck: cannot run %s: %s\n", a->argv[0], strerror(r.err));
			stopped = 1;
			break;
		}
		long n = pvc_sched_steps(log);
		steps = n > steps ? n : steps;
		failed = pvc_schedule_failed(r.findings, &r.res);
		stopped = r.res.stopped;
		cJSON_Delete(r.findings);
	}
	unlink(log);
	unlink(out);
	rmdir(dir);
	free(log);
	free(out);
	free(dir);
	int rc = 0;
	if (failed) {
		fprintf(stderr, "pvcheck: schedule %ld of %ld failed (seed %llu, %s); here it is again:\n",
			i, a->explore, a->seed + (unsigned long long)(i - 1), strategy);
		rc = replay(a, carries, strategy, a->seed + (unsigned long long)(i - 1), i);
		rc = rc ? rc : 1; /* it failed once, even if not again */
	} else if (stopped) {
		rc = 1;
	} else {
		fprintf(stderr, "pvcheck: %ld schedule(s) (%s, seeds %llu to %llu): none failed\n",
			a->explore, a->strategy, a->seed, a->seed + (unsigned long long)(a->explore - 1));
	}
	free(strategy);
	return rc;
}

int pvc_cmd_run(int argc, char **argv)
{
	run_args a = { .seed = 1 };
	int p = parse(argc, argv, &a);
	if (p) {
		free(a.suppressions);
		return p > 0 ? 0 : PVC_EXIT_USAGE;
	}
	pvc_carries carries = warn_unchecked(a.argv[0]);
	/* SIGINT, SIGTERM, SIGHUP go to the program; we stay to collect its reports. */
	pvc_proc_catch_stops();
	signal(SIGQUIT, SIG_IGN);
	int rc;
	one_run r;
	if (a.explore)
		rc = explore(&a, carries);
	else if (a.replay)
		rc = replay(&a, carries, a.strategy, a.seed, 0);
	else
		rc = run_once(&a, NULL, 0, NULL, 0, NULL, &r) ? 1 : finish(&a, carries, &r, NULL);
	free(a.suppressions);
	return rc;
}
