/* Findings as cJSON objects in the runtime's shape: {"kind","pid","headline",
 * "stacks":[{"title","thread","access","size","addr","frames":[{"function",
 * "file","line","column","module"}]}],"threads":[...],"locations":[...]}.
 * Both checkers' findings are read into this one shape. */
#ifndef PVC_FINDINGS_H
#define PVC_FINDINGS_H

#include <cJSON.h>

/* The JSON lines the runtime appended to path, as an array (empty when the
 * file is missing). Unreadable lines are skipped and counted in *bad. */
cJSON *pvc_findings_load(const char *path, int *bad);

/* ThreadSanitizer's reports in its stderr text, as an array. */
cJSON *pvc_tsan_parse(const char *text);

/* A finding with threads but no stacks (a thread leak) gets one stack per
 * thread, its creation, so that every finding points at code. */
void pvc_finding_point_at_creation(cJSON *finding);

/* How many findings have a verdict kind (crash and other do not count). */
int pvc_findings_count_kinds(const cJSON *findings);

#endif
