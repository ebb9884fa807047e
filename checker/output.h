/* A catalogue run's report: the table and notes for people, and the machine
 * formats (JSON, JUnit XML, SARIF 2.1.0). Writers return -1 with errno. */
#ifndef PVC_OUTPUT_H
#define PVC_OUTPUT_H

#include <stdio.h>
#include <time.h>
#include "results.h"

void pvc_print_table(FILE *f, const pvc_report *rep);
/* The key figures of the variants whose case names them ('figures'). */
void pvc_print_figures(FILE *f, const pvc_report *rep);
/* Why each disagreement happened, with the first lines of what explains it. */
void pvc_print_details(FILE *f, const pvc_report *rep);

int pvc_write_json(const char *path, const pvc_report *rep);
/* The JSON reports' format (doc/pvcheck-report.schema.json): raised when a
 * field changes meaning or goes; new fields may come without it. */
#define PVC_JSON_VERSION 1
/* "version" (the format's) and "pvcheck_version" (the command's) into doc. */
void pvc_json_add_version(cJSON *doc);
int pvc_write_junit(const char *path, const pvc_report *rep);
int pvc_write_sarif(const char *path, const pvc_report *rep);
/* One program's run by 'pvcheck run'. */
typedef struct {
	char *const *argv;
	const cJSON *findings;     /* an array in the runtime's shape */
	time_t started;
	double secs;
	int exited, exit_status;   /* exited: it ended by itself, with exit_status */
	const char *how;           /* else how it ended: "killed by signal 9", ... */
} pvc_run_info;

int pvc_write_run_sarif(const char *path, const pvc_run_info *run);
int pvc_write_run_html(const char *path, const pvc_run_info *run);
/* The catalogue as one page: the table with filters, then each variant's findings. */
int pvc_write_html(const char *path, const pvc_report *rep);
int pvc_write_run_junit(const char *path, const pvc_run_info *run);

/* For each case written by 'pvcheck exercise': whether the learner's fix
 * passes, and if not what each checker found where, the hint and the lesson. */
void pvc_print_exercises(FILE *f, const pvc_report *rep);

/* A side's reason to disagree, with the lines that show it, for people. */
char *pvc_explain(const pvc_result *r, int tsan);

#endif
