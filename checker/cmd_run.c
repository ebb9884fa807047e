/* pvcheck run [--json FILE] [--timeout SEC] -- PROG [ARGS]: run a program
 * built by `pvcheck cc` under the runtime and collect what it reports. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "commands.h"
#include "findings.h"
#include "proc.h"
#include "util.h"

char *pvc_runtime_options(const char *json_path)
{
	const char *user = getenv("PVCHECK_OPTIONS");
	if (user && *user)
		return pvc_printf("PVCHECK_OPTIONS=%s:json=%s:exitcode=0", user, json_path);
	return pvc_printf("PVCHECK_OPTIONS=json=%s:exitcode=0", json_path);
}

/* Deadlock detection on and both stacks of a lock-order report, as ours. */
#define TSAN_OURS "detect_deadlocks=1 second_deadlock_stack=1 exitcode=0 halt_on_error=0"

char *pvc_tsan_options(void)
{
	const char *user = getenv("TSAN_OPTIONS");
	if (user && *user)
		return pvc_printf("TSAN_OPTIONS=%s " TSAN_OURS, user);
	return pvc_strdup("TSAN_OPTIONS=" TSAN_OURS);
}

typedef struct {
	const char *json;
	double timeout;
	char **argv;
} run_args;

static int parse(int argc, char **argv, run_args *a)
{
	int i;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--json") && i + 1 < argc)
			a->json = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (pvc_parse_seconds(argv[++i], &a->timeout))
				return pvc_usage("run", "--timeout needs a positive number of seconds");
		} else if (argv[i][0] == '-')
			return pvc_usage("run", "unknown option (or missing value)");
		else
			break;
	}
	if (i >= argc)
		return pvc_usage("run", "no program to run");
	a->argv = argv + i;
	return 0;
}

static int write_json(const char *path, cJSON *findings)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddItemReferenceToObject(doc, "findings", findings);
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

/* A temporary file for the runtime's JSON lines. */
static char *temp_json(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path = pvc_printf("%s/pvcheck-run-XXXXXX.json", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemps(path, 5);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static void say_how_it_ended(const char *prog, const pvc_proc_result *res, double timeout)
{
	if (res->timed_out)
		fprintf(stderr, "pvcheck: %s ran past its timeout of %g s and was killed\n", prog, timeout);
	else if (WIFSIGNALED(res->status))
		fprintf(stderr, "pvcheck: %s was killed by signal %d (%s)\n", prog,
			WTERMSIG(res->status), strsignal(WTERMSIG(res->status)));
}

int pvc_cmd_run(int argc, char **argv)
{
	run_args a = {0};
	if (parse(argc, argv, &a))
		return PVC_EXIT_USAGE;
	char *json = temp_json();
	if (!json) {
		fprintf(stderr, "pvcheck: cannot make a temporary file: %s\n", strerror(errno));
		return 1;
	}
	char *env[] = { pvc_runtime_options(json), NULL };
	/* Its own group only when a timeout must be able to kill all of it;
	 * otherwise it keeps the terminal like any foreground program. */
	pvc_proc_spec spec = { .argv = a.argv, .env = env, .timeout = a.timeout,
			       .own_group = a.timeout > 0 };
	pvc_proc_result res;
	/* Like system(3): ^C is for the program; we stay to collect its reports. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int started = pvc_proc_run(&spec, &res) == 0;
	int err = errno;
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	int bad = 0;
	cJSON *findings = pvc_findings_load(json, &bad);
	unlink(json);
	free(json);
	free(env[0]);
	int rc;
	if (!started) {
		fprintf(stderr, "pvcheck: cannot run %s: %s\n", a.argv[0], strerror(err));
		rc = 1;
	} else {
		say_how_it_ended(a.argv[0], &res, a.timeout);
		if (bad)
			fprintf(stderr, "pvcheck: %d report line(s) were cut short and skipped\n", bad);
		rc = pvc_findings_count_kinds(findings) ? PVC_EXIT_FOUND
			: res.timed_out ? 124 : pvc_proc_exit_code(res.status);
	}
	if (a.json && write_json(a.json, findings)) {
		fprintf(stderr, "pvcheck: cannot write %s: %s\n", a.json, strerror(errno));
		rc = rc ? rc : 1;
	}
	cJSON_Delete(findings);
	return rc;
}
