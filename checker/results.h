/* What a catalogue run found: per variant, the build and both checkers'
 * runs, their verdicts and how they compare with the case's expectations. */
#ifndef PVC_RESULTS_H
#define PVC_RESULTS_H

#include <cJSON.h>
#include <time.h>
#include "build.h"
#include "caseini.h"
#include "verdict.h"

#define PVC_FLOOD_LIMIT (4LL << 20)

/* One checker's side of a variant. */
typedef struct {
	int skipped;            /* not run: --only-pvcheck or --only-tsan */
	int linked, ran;
	int status, timed_out, flooded;
	int pid;                /* the program's process; its children have others */
	double secs;
	char *link_log, *out_path, *err_path;
	cJSON *findings;        /* array; owned */
	int bad_lines;          /* runtime JSON lines that did not parse */
	pvc_words verdict;
	int agrees;
	char why[256];          /* when it does not agree */
} pvc_side;

typedef struct {
	pvc_case *c;
	pvc_variant *v;
	char *dir;              /* the variant's work directory */
	int compiled;
	char *build_log;        /* the log of the compile that failed */
	char *internal;         /* set when the worker itself failed */
	int only;               /* PVC_ONLY_*: one checker runs; 0: both */
	pvc_side pv, ts;
} pvc_result;

#define PVC_ONLY_PVCHECK 1
#define PVC_ONLY_TSAN 2

typedef struct {
	pvc_case *cases;
	int ncases;
	pvc_result *results;
	int nresults;
	int disagree;           /* variants and unreadable cases against `expect` */
	int tsan_differs;
	int bad_cases;
	int exercises_failed;   /* variants of exercises that either checker fails */
	time_t started;
} pvc_report;

/* In a worker: build and run the variant in r->dir, write r->dir/result.json. */
int pvc_variant_run(const pvc_result *r, const pvc_toolchain *t, int verbose);
/* In the parent: read result.json back and compute the verdicts. */
void pvc_result_load(pvc_result *r);
void pvc_result_free(pvc_result *r);

/* An exercise's variant passes only when both checkers agree with it. */
int pvc_exercise_passes(const pvc_result *r);

/* Whether the variant passes: pvcheck agrees with `expect`, or with
 * --only-tsan ThreadSanitizer with `tsan`. */
int pvc_result_agrees(const pvc_result *r);

/* "ok", "ok (tsan differs)", "MISMATCH", "MISMATCH (tsan differs)"; with
 * one checker only "ok" or "MISMATCH" for it */
const char *pvc_agreement(const pvc_result *r);

#endif
