/* A catalogue run's report: the table and notes for people, and the machine
 * formats (JSON, JUnit XML, SARIF 2.1.0). Writers return -1 with errno. */
#ifndef PVC_OUTPUT_H
#define PVC_OUTPUT_H

#include <stdio.h>
#include "results.h"

void pvc_print_table(FILE *f, const pvc_report *rep);
/* The key figures of the variants whose case names them ('figures'). */
void pvc_print_figures(FILE *f, const pvc_report *rep);
/* Why each disagreement happened, with the first lines of what explains it. */
void pvc_print_details(FILE *f, const pvc_report *rep);

int pvc_write_json(const char *path, const pvc_report *rep);
int pvc_write_junit(const char *path, const pvc_report *rep);
int pvc_write_sarif(const char *path, const pvc_report *rep);

/* For each case written by 'pvcheck exercise': whether the learner's fix
 * passes, and if not what each checker found where, the hint and the lesson. */
void pvc_print_exercises(FILE *f, const pvc_report *rep);

/* A side's reason to disagree, with the lines that show it, for people. */
char *pvc_explain(const pvc_result *r, int tsan);

#endif
