/* Controlled schedules for a run (the runtime's scheduler, lib/schedule.h):
 * their runtime options, the learning of PCT's step bound, what counts as a
 * failing schedule, and the interleaving of one, read from its step log. */
#ifndef PVC_EXPLORE_H
#define PVC_EXPLORE_H

#include <cJSON.h>
#include "proc.h"

#define PVC_DEFAULT_STRATEGY "pct:3"

/* 0 when s is random, pos, pct, pct:D or pct:D:K (the runtime's syntax). */
int pvc_strategy_check(const char *s);
/* The strategy as one run gets it: pct without K gets K = steps (the most
 * steps a schedule took so far; 0 when none is known yet). Allocated. */
char *pvc_strategy_for(const char *s, long steps);

/* PVCHECK_OPTIONS (from pvc_runtime_options) with the schedule's options
 * added; log: the step log, trace: every step in it, not only the summary. */
char *pvc_sched_env(const char *base_env, const char *strategy, unsigned long long seed,
		    int spurious, const char *log, int trace);
/* The steps the program's first process took, from its log; -1 if unknown. */
long pvc_sched_steps(const char *log);
/* Did some process run beside another (the schedule is not exact)? */
int pvc_sched_escaped(const char *log);

/* A schedule fails when it reports anything, crashes, times out or exits
 * with a status other than 0. */
int pvc_schedule_failed(const cJSON *findings, const pvc_proc_result *res);

/* The steps of a traced run that touch the objects of the findings (when
 * they name none: the objects several threads touched), as an array of
 * {"step","pid","tid","op","obj","name","func","file","line"}. */
cJSON *pvc_timeline_load(const char *log, const cJSON *findings);
/* For people: one line per step, and the compact per-thread line. */
void pvc_timeline_print(FILE *f, const cJSON *timeline);

/* "pvcheck run --replay S --strategy X [--spurious] [--timeout T] -- prog args",
 * quoted for sh. */
char *pvc_replay_command(unsigned long long seed, const char *strategy, int spurious,
			 double timeout, char *const *argv);

#endif
