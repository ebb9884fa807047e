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
#include "findings.h"
#include "output.h"
#include "paths.h"
#include "proc.h"
#include "verdict.h"
#include "util.h"

/* A value for PVCHECK_OPTIONS that no separator in it can split: "..." with
 * '"' and '\\' escaped (lib/options.c). */
static char *option_quote(const char *v)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, "\"");
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			pvc_buf_add(&b, "\\", 1);
		pvc_buf_add(&b, v, 1);
	}
	pvc_buf_puts(&b, "\"");
	return b.s;
}

char *pvc_runtime_options(const char *json_path, const char *suppressions)
{
	const char *user = getenv("PVCHECK_OPTIONS");
	char *q = option_quote(json_path);
	char *sq = suppressions ? option_quote(suppressions) : NULL;
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
	"pvcheck run [--json|--sarif|--junit|--html FILE] [--timeout SEC] [--suppressions FILE]\n            [--] PROG [ARGS]\n"
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
} run_args;

/* -1, after saying what is wrong and how the command is used. */
static int usage(const char *msg)
{
	pvc_usage_error("run", pvc_run_help, msg);
	return -1;
}

/* argv[0] is "run". 1 when --help was asked, 0 to run, else a usage error. */
static int parse(int argc, char **argv, run_args *a)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "suppressions", required_argument, NULL, 's' },
		{ "sarif", required_argument, NULL, 'S' },
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
		case 'S':
			a->sarif = optarg;
			break;
		case 'U':
			a->junit = optarg;
			break;
		case 'H':
			a->html = optarg;
			break;
		case 's': {
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
	a->argv = argv + optind;
	return 0;
}

static int write_json(const char *path, cJSON *findings)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemReferenceToObject(doc, "findings", findings);
	pvc_json_add_version(doc);
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

static int write_outputs(const run_args *a, const pvc_run_info *info)
{
	int rc = 0;
	if (a->json && write_json(a->json, (cJSON *)info->findings)) {
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

int pvc_cmd_run(int argc, char **argv)
{
	run_args a = {0};
	int p = parse(argc, argv, &a);
	if (p) {
		free(a.suppressions);
		return p > 0 ? 0 : PVC_EXIT_USAGE;
	}
	pvc_carries carries = warn_unchecked(a.argv[0]);
	char *dir = temp_dir();
	if (!dir) {
		fprintf(stderr, "pvcheck: cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	char *json = pvc_join(dir, "findings.json");
	char *env[] = { pvc_runtime_options(json, a.suppressions), NULL };
	/* A group of its own, so that a stop or a timeout reaches all of it; it
	 * gets the terminal, as a shell's foreground job would. */
	pvc_proc_spec spec = { .argv = a.argv, .env = env, .timeout = a.timeout, .own_group = 1,
			       .foreground = 1, .linger = LINGER, .leave_outliving = 1 };
	pvc_proc_result res;
	/* SIGINT, SIGTERM, SIGHUP go to the program; we stay to collect its reports. */
	pvc_proc_catch_stops();
	signal(SIGQUIT, SIG_IGN);
	time_t started = time(NULL);
	int started_ok = pvc_proc_run(&spec, &res) == 0;
	int err = errno;
	int bad = 0;
	int runtime_ran = pvc_exists(json);
	cJSON *findings = pvc_findings_load(json, &bad);
	unlink(json);
	rmdir(dir);
	free(json);
	free(dir);
	free(env[0]);
	int rc;
	if (!started_ok) {
		fprintf(stderr, "pvcheck: cannot run %s: %s\n", a.argv[0], strerror(err));
		rc = 1;
	} else {
		say_how_it_ended(a.argv[0], &res, a.timeout);
		if (bad)
			fprintf(stderr, "pvcheck: %d report line(s) were cut short and skipped\n", bad);
		/* A script, or what we could not read: the run itself tells. */
		if (!runtime_ran && (carries == PVC_CARRIES_SCRIPT || carries == PVC_CARRIES_UNKNOWN) &&
		    !res.stopped && !res.timed_out && WIFEXITED(res.status) && WEXITSTATUS(res.status) != 127)
			fprintf(stderr, "pvcheck: warning: no process of this run carried pvcheck's "
				"runtime (none was built with 'pvcheck cc'): nothing was checked\n");
		rc = exit_status(findings, &res);
	}
	pvc_run_info info = { .argv = a.argv, .findings = findings, .started = started,
			      .secs = started_ok ? res.secs : 0 };
	describe_end(&info, started_ok ? &res : NULL);
	if (write_outputs(&a, &info))
		rc = rc ? rc : 1;
	cJSON_Delete(findings);
	free(a.suppressions);
	return rc;
}
