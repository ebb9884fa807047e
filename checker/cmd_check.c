/* pvcheck [options] [PATH...]: build and run every case of the catalogue
 * under both runtimes and compare each verdict with its expectation. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "commands.h"
#include "discover.h"
#include "output.h"
#include "pool.h"
#include "results.h"
#include "select.h"

typedef struct {
	int jobs, verbose, only;
	const char *json, *junit, *sarif, *html, *keep, *rerun;
	pvc_list paths;
	pvc_selection sel;
} check_args;

typedef struct {
	pvc_report *rep;
	pvc_toolchain tools;
	int verbose;
	int finished;
	double start;
} run_ctx;

const char pvc_check_help[] =
	"pvcheck [options] [PATH[:VARIANT]...]\n"
	"  Check every case under PATH (default: cases/): directories with a case.ini\n"
	"  (see cases/README.md). Each variant is built once and run under pvcheck's\n"
	"  runtime and under ThreadSanitizer, and each verdict compared with the\n"
	"  case's expectation. CASE_DIR:VARIANT runs that variant alone\n"
	"  (cases/lost-update/counter:buggy).\n"
	"  --only-pvcheck, --only-tsan  run one checker; the other's column shows '-'\n"
	"                    and the exit status follows the one that ran\n"
	"  --rerun-failed FILE  only the variants that disagreed (and the unusable\n"
	"                    cases) in FILE, the --json of an earlier run\n"
	"  -j, --jobs N      run N variants at a time (default: the number of CPUs)\n"
	"  --json FILE       write every variant, both verdicts and all findings as JSON\n"
	"  --junit FILE      write JUnit XML (a testsuite per case, a testcase per variant)\n"
	"  --sarif FILE      write SARIF 2.1.0 (pvcheck's results; ThreadSanitizer's run\n"
	"                    holds only what pvcheck did not find)\n"
	"  --html FILE       write one self-contained page: the table with filters by\n"
	"                    topic and verdict, and each variant's findings\n"
	"  --keep DIR        build and run in DIR and keep it (default: a temporary\n"
	"                    directory); what an earlier run left there is replaced,\n"
	"                    and a symbolic link inside it is never followed\n"
	"  -v, --verbose     show commands and each variant's outcome\n"
	"  On a terminal a progress line shows how far the run is; otherwise each\n"
	"  finished variant gets a line on stderr.\n"
	"  Exit status: 0 when every pvcheck verdict agrees with its expectation, 1 when\n"
	"  one does not (a bad case.ini counts), 2 on usage errors, 128+N when\n"
	"  interrupted by signal N (the variants cut short get no verdict).\n";

static int usage(const char *msg)
{
	return pvc_usage_error(NULL, pvc_check_help, msg);
}

/* argv[0] is the command's name. 1: --help was shown; 0: go on; 2: a usage error. */
static int parse(int argc, char **argv, check_args *a)
{
	static const struct option opts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "json", required_argument, NULL, 'J' },
		{ "junit", required_argument, NULL, 'U' },
		{ "sarif", required_argument, NULL, 'S' },
		{ "html", required_argument, NULL, 'H' },
		{ "keep", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "only-pvcheck", no_argument, NULL, 'P' },
		{ "only-tsan", no_argument, NULL, 'T' },
		{ "rerun-failed", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "j:vh", opts, NULL)) != -1) {
		char *end;
		long n;
		switch (c) {
		case 'j':
			n = strtol(optarg, &end, 10);
			if (*end || !*optarg || n < 1 || n > 256)
				return usage("--jobs needs a number from 1 to 256");
			a->jobs = (int)n;
			break;
		case 'J': a->json = optarg; break;
		case 'U': a->junit = optarg; break;
		case 'S': a->sarif = optarg; break;
		case 'H': a->html = optarg; break;
		case 'k': a->keep = optarg; break;
		case 'v': a->verbose = 1; break;
		case 'P':
		case 'T':
			if (a->only && a->only != (c == 'P' ? PVC_ONLY_PVCHECK : PVC_ONLY_TSAN))
				return usage("--only-pvcheck and --only-tsan exclude each other");
			a->only = c == 'P' ? PVC_ONLY_PVCHECK : PVC_ONLY_TSAN;
			break;
		case 'R': a->rerun = optarg; break;
		case 'h':
			fputs(pvc_check_help, stdout);
			return 1;
		default: {
			char msg[160];
			snprintf(msg, sizeof msg, "unknown option '%s' (or missing value)", argv[optind - 1]);
			return usage(msg);
		}
		}
	}
	for (int i = optind; i < argc; i++) {
		const char *path;
		pvc_select_arg(&a->sel, argv[i], &path);
		pvc_list_add(&a->paths, path);
		if (path != argv[i])
			free((char *)path);
	}
	if (a->rerun) {
		char err[PATH_MAX + 128];
		if (pvc_select_failed(&a->sel, a->rerun, err, sizeof err))
			return usage(err);
	}
	if (!a->paths.n)
		pvc_list_add(&a->paths, "cases");
	if (!a->jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		a->jobs = n > 0 ? (int)n : 1;
	}
	return 0;
}

/* Every case under the paths, each once, in order. */
static int find_cases(const check_args *a, pvc_list *dirs)
{
	for (size_t i = 0; i < a->paths.n; i++) {
		if (pvc_discover(a->paths.v[i], dirs)) {
			fprintf(stderr, "pvcheck: %s: %s\n", a->paths.v[i], strerror(errno));
			return -1;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < dirs->n; i++) {
		int dup = 0;
		for (size_t j = 0; j < k && !dup; j++)
			dup = !strcmp(dirs->v[j], dirs->v[i]);
		if (dup)
			free(dirs->v[i]);
		else
			dirs->v[k++] = dirs->v[i];
	}
	dirs->n = k;
	if (dirs->v)
		dirs->v[k] = NULL;
	return 0;
}

static void load_cases(const pvc_list *dirs, pvc_report *rep, const pvc_selection *sel)
{
	rep->cases = pvc_alloc(dirs->n * sizeof *rep->cases);
	rep->ncases = (int)dirs->n;
	int nvariants = 0;
	for (size_t i = 0; i < dirs->n; i++) {
		pvc_case *c = &rep->cases[i];
		if (pvc_case_load(dirs->v[i], c) && !pvc_selected(sel, c, NULL)) {
			/* Not asked for: left out, as a good case would be. */
			free(c->error);
			c->error = NULL;
			continue;
		}
		if (c->error) {
			fprintf(stderr, "pvcheck: %s\n", c->error);
			rep->bad_cases++;
			rep->disagree++;
			continue;
		}
		nvariants += c->nvariants;
	}
	rep->results = pvc_alloc((size_t)nvariants * sizeof *rep->results);
}

static void plan(pvc_report *rep, const char *work, const check_args *a)
{
	for (int i = 0; i < rep->ncases; i++) {
		pvc_case *c = &rep->cases[i];
		if (c->error)
			continue;
		for (int k = 0; k < c->nvariants; k++) {
			if (!pvc_selected(&a->sel, c, c->variants[k].name))
				continue;
			pvc_result *r = &rep->results[rep->nresults++];
			r->c = c;
			r->v = &c->variants[k];
			r->only = a->only;
			r->dir = pvc_printf("%s/%s/%s", work, c->id, r->v->name);
			/* Two roots may hold cases of the same topic/name. */
			for (int j = 0; j < rep->nresults - 1; j++)
				if (!strcmp(rep->results[j].dir, r->dir)) {
					free(r->dir);
					r->dir = pvc_printf("%s/%s-%d/%s", work, c->id, i, r->v->name);
					break;
				}
		}
	}
}

static int job(int i, void *p)
{
	run_ctx *ctx = p;
	return pvc_variant_run(&ctx->rep->results[i], &ctx->tools, ctx->verbose) ? 1 : 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "[37/121] condvar/if-not-while fixed_while  0:21": one line kept up to
 * date on a terminal, a line per variant elsewhere. */
static void progress(run_ctx *ctx, const pvc_result *r)
{
	int secs = (int)(now() - ctx->start);
	int tty = isatty(STDERR_FILENO);
	ctx->finished++;
	fprintf(stderr, "%s[%d/%d] %s %s%s%s  %d:%02d%s", tty ? "\r\033[K" : "", ctx->finished,
		ctx->rep->nresults, r->c->id, r->v->name, tty ? "" : ": ",
		tty ? "" : pvc_agreement(r), secs / 60, secs % 60, tty ? "" : "\n");
	if (tty && ctx->finished == ctx->rep->nresults)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

static void done(int i, int status, void *p)
{
	run_ctx *ctx = p;
	pvc_result *r = &ctx->rep->results[i];
	if (pvc_pool_stopping() && (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status))) {
		/* Killed half-way: no verdict to claim, and no mismatch. */
		if (ctx->verbose)
			fprintf(stderr, "pvcheck: %s %s: interrupted\n", r->c->id, r->v->name);
		return;
	}
	if (status == -1)
		r->internal = pvc_strdup("could not start a worker process");
	else if (WIFSIGNALED(status))
		r->internal = pvc_printf("the worker died of signal %d", WTERMSIG(status));
	else if (WEXITSTATUS(status))
		r->internal = pvc_printf("the worker could not write to %s", r->dir);
	pvc_result_load(r);
	if (!pvc_result_agrees(r))
		ctx->rep->disagree++;
	if (!r->ts.agrees && !r->pv.skipped)
		ctx->rep->tsan_differs++;
	if (r->c->exercise && !pvc_exercise_passes(r))
		ctx->rep->exercises_failed++;
	if (ctx->verbose)
		fprintf(stderr, "pvcheck: %s %s: %s\n", r->c->id, r->v->name, pvc_agreement(r));
	else
		progress(ctx, r);
}

static char *work_dir(const check_args *a)
{
	if (a->keep) {
		if (pvc_mkdirs(a->keep)) {
			fprintf(stderr, "pvcheck: cannot make %s: %s\n", a->keep, strerror(errno));
			return NULL;
		}
		char *abs = realpath(a->keep, NULL);
		return abs ? abs : pvc_strdup(a->keep);
	}
	char *dir = pvc_temp_dir();
	if (!dir)
		fprintf(stderr, "pvcheck: cannot make a temporary directory: %s\n", strerror(errno));
	return dir;
}

static int write_outputs(const check_args *a, const pvc_report *rep)
{
	int rc = 0;
	struct { const char *path; int (*fn)(const char *, const pvc_report *); } outs[] = {
		{ a->json, pvc_write_json }, { a->junit, pvc_write_junit }, { a->sarif, pvc_write_sarif },
		{ a->html, pvc_write_html },
	};
	for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
		if (outs[i].path && outs[i].fn(outs[i].path, rep)) {
			fprintf(stderr, "pvcheck: cannot write %s: %s\n", outs[i].path, strerror(errno));
			rc = -1;
		}
	}
	return rc;
}

static void free_report(pvc_report *rep)
{
	for (int i = 0; i < rep->nresults; i++)
		pvc_result_free(&rep->results[i]);
	for (int i = 0; i < rep->ncases; i++)
		pvc_case_free(&rep->cases[i]);
	free(rep->results);
	free(rep->cases);
}

static int run_all(const check_args *a, pvc_report *rep, const char *work)
{
	run_ctx ctx = { .rep = rep, .verbose = a->verbose, .start = now() };
	rep->started = time(NULL);
	pvc_toolchain_init(&ctx.tools);
	plan(rep, work, a);
	if (!rep->nresults && !rep->bad_cases) {
		fprintf(stderr, "pvcheck: no variant to run%s%s\n", a->rerun ? ": nothing failed in " : "",
			a->rerun ? a->rerun : "");
		return 0;
	}
	fflush(NULL);   /* workers must not repeat our buffered output */
	int sig = pvc_pool_run(rep->nresults, a->jobs, job, done, &ctx);
	if (sig) {
		fprintf(stderr, "pvcheck: interrupted by signal %d (%s): no verdicts\n", sig,
			strsignal(sig));
		return 128 + sig;
	}
	pvc_print_table(stdout, rep);
	pvc_print_figures(stdout, rep);
	pvc_print_details(stdout, rep);
	pvc_print_exercises(stdout, rep);
	/* A learner's fix must satisfy ThreadSanitizer too. */
	int rc = rep->disagree || rep->exercises_failed ? 1 : 0;
	if (write_outputs(a, rep))
		rc = rc ? rc : 1;
	return rc;
}

int pvc_cmd_check(int argc, char **argv)
{
	check_args a = {0};
	int p = parse(argc, argv, &a);
	if (p) {
		pvc_list_free(&a.paths);
		pvc_select_free(&a.sel);
		return p == 1 ? 0 : PVC_EXIT_USAGE;
	}
	pvc_list dirs = {0};
	int rc = find_cases(&a, &dirs);
	if (!rc && !dirs.n) {
		fprintf(stderr, "pvcheck: no cases (directories with a case.ini) under");
		for (size_t i = 0; i < a.paths.n; i++)
			fprintf(stderr, " %s", a.paths.v[i]);
		fputc('\n', stderr);
		rc = -1;
	}
	if (rc) {
		pvc_list_free(&dirs);
		pvc_list_free(&a.paths);
		return PVC_EXIT_USAGE;
	}
	pvc_report rep = {0};
	load_cases(&dirs, &rep, &a.sel);
	pvc_list_free(&dirs);
	const char *unknown = pvc_select_unknown(&a.sel, rep.cases, rep.ncases);
	if (unknown) {
		fprintf(stderr, "pvcheck: %s: no such variant in that case\n", unknown);
		free_report(&rep);
		pvc_list_free(&a.paths);
		pvc_select_free(&a.sel);
		return PVC_EXIT_USAGE;
	}
	char *work = work_dir(&a);
	rc = work ? run_all(&a, &rep, work) : 1;
	if (work && !a.keep)
		pvc_rmtree(work);
	else if (work && a.verbose)
		fprintf(stderr, "pvcheck: artefacts kept in %s\n", work);
	free(work);
	free_report(&rep);
	pvc_list_free(&a.paths);
	pvc_select_free(&a.sel);
	return rc;
}
