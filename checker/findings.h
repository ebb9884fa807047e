/* Findings as cJSON objects in the runtime's shape: {"kind","pid","headline",
 * "stacks":[{"title","thread","access","size","addr","frames":[{"function",
 * "file","line","column","module"}],"mutexes":[{"id","addr","mode"}]}],
 * "threads":[...],"locations":[...],"mutexes":[{"id","addr","name","frames"}]}
 * (a race's stacks list the locks held at each access; see lib/report.h).
 * Both checkers' findings are read into this one shape. */
#ifndef PVC_FINDINGS_H
#define PVC_FINDINGS_H

#include <cJSON.h>

/* The JSON lines the runtime appended to path, as an array (empty when the
 * file is missing). Unreadable lines are skipped and counted in *bad. */
cJSON *pvc_findings_load(const char *path, int *bad);

/* ThreadSanitizer's reports in its stderr text, as an array. */
cJSON *pvc_tsan_parse(const char *text);

/* For a race whose accesses held locks, which: "thread T2 held 'lock_b'
 * (M0), thread T1 held M1" ("held no lock", "held locks no longer known");
 * NULL when no access held a lock or the finding says nothing of them. */
char *pvc_findings_held_text(const cJSON *finding);
/* A finding with threads but no stacks (a thread leak) gets one stack per
 * thread, its creation, so that every finding points at code. */
void pvc_finding_point_at_creation(cJSON *finding);

/* A member of o: the string ("" when missing), the integer (0). */
const char *pvc_jstr(const cJSON *o, const char *k);
int pvc_jint(const cJSON *o, const char *k);

/* A frame in the program's own files: not the runtime's (free's stack
 * starts in its interceptor, as ThreadSanitizer's does), with a file. */
int pvc_program_frame(const cJSON *frame);
/* A stack's first such frame, or NULL. */
const cJSON *pvc_source_frame(const cJSON *stack);
/* A stack's title without its address ("Write of size 4 by thread T2"). */
char *pvc_access_text(const cJSON *stack);
/* One sentence saying what happened where: for a race, "Data race on
 * global 'x': write of size 4 by thread T2 in f (a.c:9) races with previous
 * write of size 4 by thread T1 in f (a.c:9) (thread T2 held ...)"; for
 * other kinds the headline and each stack's title and place. */
char *pvc_finding_summary(const cJSON *finding);

/* How many findings have a verdict kind (crash and other do not count). */
int pvc_findings_count_kinds(const cJSON *findings);

#endif
