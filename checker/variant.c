/* One variant, start to end, in a worker process: compile once, link twice,
 * run under both runtimes, record the facts in result.json. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "findings.h"
#include "commands.h"
#include "explore.h"
#include "proc.h"
#include "results.h"

#define BUILD_TIMEOUT 300.0
/* Seconds to wait for processes that outlive the program (a daemon), then
 * killed: a case's run leaves nothing behind. */
#define PVC_LINGER 2.0

static void trace(int verbose, char *const *argv)
{
	if (!verbose)
		return;
	pvc_buf b = {0};
	for (int i = 0; argv[i]; i++)
		pvc_buf_printf(&b, "%s%s", i ? " " : "+ ", argv[i]);
	fprintf(stderr, "%s\n", b.s);
	pvc_buf_free(&b);
}

/* Run a build tool with its output in log; 1 when it succeeded. */
static int tool(pvc_list *argv, const char *log, int verbose)
{
	trace(verbose, argv->v);
	pvc_proc_spec spec = { .argv = argv->v, .out_path = log, .err_path = log,
			       .timeout = BUILD_TIMEOUT, .own_group = 1 };
	pvc_proc_result res;
	int ok = pvc_proc_run(&spec, &res) == 0 && !res.timed_out
		&& WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0;
	if (res.timed_out) {
		int fd = open(log, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			dprintf(fd, "pvcheck: %s took longer than %g s\n", argv->v[0], BUILD_TIMEOUT);
			close(fd);
		}
	}
	pvc_list_free(argv);
	return ok;
}

static char *source_path(const pvc_case *c, const char *src)
{
	char *rel = pvc_join(c->dir, src);
	char *abs = realpath(rel, NULL);
	if (!abs)
		return rel;
	free(rel);
	return abs;
}

static int compile(const pvc_result *r, const pvc_toolchain *t, pvc_list *objs,
		   cJSON *out, int verbose)
{
	const pvc_variant *v = r->v;
	for (size_t i = 0; i < v->sources.n; i++) {
		char *src = source_path(r->c, v->sources.v[i]);
		char *obj = pvc_printf("%s/%zu.o", r->dir, i);
		char *log = pvc_printf("%s/compile-%zu.log", r->dir, i);
		pvc_list argv = {0};
		pvc_compile_argv(t, src, obj, v->cflags.v, &argv);
		int ok = tool(&argv, log, verbose);
		pvc_list_take(objs, obj);
		free(src);
		if (!ok) {
			cJSON_AddStringToObject(out, "build_log", log);
			free(log);
			return 0;
		}
		free(log);
	}
	return 1;
}

static int link_one(const pvc_result *r, const pvc_toolchain *t, int tsan, pvc_list *objs,
		    const char *exe, const char *log, int verbose)
{
	if (!tsan && !pvc_exists(t->runtime)) {
		char *msg = pvc_printf("pvcheck: runtime library %s not found (build the pvrt "
				       "target, or set PVCHECK_RUNTIME_LIB)\n", t->runtime);
		pvc_create_file(log, msg);
		free(msg);
		return 0;
	}
	/* A case in C++ links with clang++, as `pvcheck cc` does. */
	pvc_toolchain tc = *t;
	for (size_t i = 0; i < r->v->sources.n; i++)
		tc.link_cxx |= pvc_is_cxx_source(r->v->sources.v[i]);
	pvc_list argv = {0};
	pvc_link_argv(&tc, tsan, objs->v, exe, r->v->ldflags.v, &argv);
	return tool(&argv, log, verbose);
}

/* One run of the variant's program with env; its status and findings. */
static int run_program(const pvc_result *r, char *const *argv, char *env, const char *out,
		       const char *err, pvc_proc_result *res)
{
	char *envv[] = { env, NULL };
	pvc_proc_spec spec = { .argv = argv, .env = envv, .dir = r->dir, .out_path = out,
			       .err_path = err, .timeout = r->v->timeout,
			       .flood_limit = PVC_FLOOD_LIMIT, .own_group = 1,
			       .linger = PVC_LINGER };
	return pvc_proc_run(&spec, res) == 0;
}

/* Did the program itself fail (its own check, a crash, a deadlock, a hang)? */
static int program_failed(const pvc_proc_result *res)
{
	return res->timed_out || !WIFEXITED(res->status) || WEXITSTATUS(res->status) != 0;
}

/* explore = N: up to N schedules under our runtime. The first whose program
 * fails is the variant's run (a lost update becomes certain); else the
 * first with findings; else the last (clean over every schedule). What was
 * kept is in out/err/json; the schedule in side. */
static int explore_side(const pvc_result *r, char *const *argv, const char *json,
			const char *out, const char *err, pvc_proc_result *res, cJSON *side)
{
	const pvc_variant *v = r->v;
	const char *strategy = v->strategy ? v->strategy : PVC_DEFAULT_STRATEGY;
	char *log = pvc_printf("%s/pv.steps", r->dir);
	char *try_json = pvc_printf("%s.try", json), *try_out = pvc_printf("%s.try", out);
	char *try_err = pvc_printf("%s.try", err), *used = NULL;
	char *base = pvc_runtime_options(try_json, r->c->suppressions);
	long steps = 0, i, kept = -1;
	int ran = 1, kind = 0; /* of the kept run: 2 the program failed, 1 findings */
	for (i = 1; i <= v->explore && kind < 2; i++) {
		char *strat = pvc_strategy_for(strategy, steps);
		char *env = pvc_sched_env(base, strat, (unsigned long long)i, 0, log, 0);
		pvc_proc_result one;
		unlink(try_json);
		unlink(log);
		ran = run_program(r, argv, env, try_out, try_err, &one);
		free(env);
		if (!ran) {
			free(strat);
			break;
		}
		long n = pvc_sched_steps(log);
		steps = n > steps ? n : steps;
		int bad = 0;
		cJSON *f = pvc_findings_load(try_json, &bad);
		int k = program_failed(&one) ? 2 : cJSON_GetArraySize(f) ? 1 : 0;
		cJSON_Delete(f);
		if (k > kind || kept < 0 || (kind == 0 && k == 0)) {
			kind = k > kind ? k : kind;
			kept = i;
			*res = one;
			rename(try_json, json);
			rename(try_out, out);
			rename(try_err, err);
			free(used);
			used = strat;
		} else {
			free(strat);
		}
	}
	cJSON *sched = cJSON_AddObjectToObject(side, "schedule");
	cJSON_AddNumberToObject(sched, "schedules", (double)(i - 1));
	cJSON_AddNumberToObject(sched, "seed", (double)kept);
	cJSON_AddStringToObject(sched, "strategy", used ? used : strategy);
	if (used && kind) {
		char *cmd = pvc_replay_command((unsigned long long)kept, used, 0, v->timeout, argv);
		cJSON_AddStringToObject(sched, "replay", cmd);
		free(cmd);
	}
	unlink(try_json);
	unlink(try_out);
	unlink(try_err);
	unlink(log);
	free(used);
	free(base);
	free(log);
	free(try_json);
	free(try_out);
	free(try_err);
	return ran && kept > 0;
}

static void run_side(const pvc_result *r, int tsan, const char *exe, cJSON *side, int verbose)
{
	const char *tag = tsan ? "tsan" : "pv";
	char *out = pvc_printf("%s/%s.out", r->dir, tag);
	char *err = pvc_printf("%s/%s.err", r->dir, tag);
	char *json = pvc_printf("%s/%s.json", r->dir, tag);
	const char *supp = r->c->suppressions;
	char *env = tsan ? pvc_tsan_options(supp) : pvc_runtime_options(json, supp);
	unlink(json); /* the runtime appends: a kept directory's old findings must go */
	pvc_list argv = {0};
	pvc_list_add(&argv, exe);
	for (size_t i = 0; i < r->v->args.n; i++)
		pvc_list_add(&argv, r->v->args.v[i]);
	trace(verbose, argv.v);
	pvc_proc_result res;
	int ran = !tsan && r->v->explore ? explore_side(r, argv.v, json, out, err, &res, side)
					 : run_program(r, argv.v, env, out, err, &res);

	cJSON_AddBoolToObject(side, "ran", ran);
	cJSON_AddNumberToObject(side, "status", ran ? res.status : 127 << 8);
	cJSON_AddNumberToObject(side, "pid", ran ? res.pid : 0);
	cJSON_AddBoolToObject(side, "timed_out", ran && res.timed_out);
	cJSON_AddBoolToObject(side, "flooded", ran && res.flooded);
	cJSON_AddNumberToObject(side, "secs", ran ? res.secs : 0);
	cJSON_AddStringToObject(side, "stdout", out);
	cJSON_AddStringToObject(side, "stderr", err);
	int bad = 0;
	cJSON *findings;
	if (tsan) {
		char *text = pvc_read_file(err, NULL);
		findings = pvc_tsan_parse(text ? text : "");
		free(text);
	} else {
		findings = pvc_findings_load(json, &bad);
	}
	cJSON_AddItemToObject(side, "findings", findings);
	cJSON_AddNumberToObject(side, "bad_lines", bad);
	pvc_list_free(&argv);
	free(env);
	free(out);
	free(err);
	free(json);
}

static void side(const pvc_result *r, const pvc_toolchain *t, int tsan, pvc_list *objs,
		 cJSON *doc, int verbose)
{
	cJSON *s = cJSON_AddObjectToObject(doc, tsan ? "tsan" : "pvcheck");
	char *exe = pvc_printf("%s/%s.%s", r->dir, r->v->name, tsan ? "tsan" : "pv");
	char *log = pvc_printf("%s/link-%s.log", r->dir, tsan ? "tsan" : "pv");
	int ok = link_one(r, t, tsan, objs, exe, log, verbose);
	cJSON_AddBoolToObject(s, "linked", ok);
	cJSON_AddStringToObject(s, "link_log", log);
	if (ok)
		run_side(r, tsan, exe, s, verbose);
	free(exe);
	free(log);
}

/* The variant's directory, made anew: in a kept DIR, what an earlier run (or
 * anyone) left there, symbolic links included, is removed, not followed; a
 * link in the path above it is refused. */
static int fresh_dir(const char *dir)
{
	char *parent = pvc_strdup(dir);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	int rc = pvc_mkdirs_real(parent);
	free(parent);
	struct stat st;
	if (!rc && lstat(dir, &st) == 0)
		rc = S_ISDIR(st.st_mode) ? pvc_rmtree(dir) : unlink(dir);
	return rc ? -1 : mkdir(dir, 0777);
}

int pvc_variant_run(const pvc_result *r, const pvc_toolchain *t, int verbose)
{
	if (fresh_dir(r->dir))
		return -1;
	cJSON *doc = cJSON_CreateObject();
	pvc_list objs = {0};
	int ok = compile(r, t, &objs, doc, verbose);
	cJSON_AddBoolToObject(doc, "compiled", ok);
	if (ok) {
		if (r->only != PVC_ONLY_TSAN)
			side(r, t, 0, &objs, doc, verbose);
		if (r->only != PVC_ONLY_PVCHECK)
			side(r, t, 1, &objs, doc, verbose);
	}
	pvc_list_free(&objs);
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	char *path = pvc_join(r->dir, "result.json");
	char *tmp = pvc_join(r->dir, "result.json.tmp");
	/* Whole or absent: the parent must never read half a result. */
	int rc = pvc_create_file(tmp, text) || rename(tmp, path) ? -1 : 0;
	free(text);
	free(path);
	free(tmp);
	return rc;
}
