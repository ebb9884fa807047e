/* One case of the catalogue, read from its case.ini (see cases/README.md). */
#ifndef PVC_CASEINI_H
#define PVC_CASEINI_H

#include "util.h"
#include "verdict.h"

#define PVC_DEFAULT_TIMEOUT 30.0

typedef struct {
	char *name;          /* the section */
	int line;            /* of its [header] */
	pvc_list sources;    /* relative to the case directory */
	int source_line;
	char *expect_text, *tsan_text;
	int expect_line, tsan_line;
	pvc_expect expect, tsan;
	pvc_list args;
	int has_args;
	pvc_list cflags, ldflags;
	double timeout;
	long explore;        /* schedules to explore under our runtime (0: one plain run) */
	char *strategy;      /* their strategy (checker/explore.h), NULL: the default */
	char *figures;       /* extended regex: the stdout lines that are its key figures */
} pvc_variant;

typedef struct {
	char *dir;           /* the case directory as found */
	char *ini;           /* dir/case.ini */
	char *id;            /* topic/name */
	char *title, *question;
	char *hint;          /* shown when a learner's fix of the buggy program fails */
	char *exercise;      /* set in an exercise copied by 'pvcheck exercise': the case's id */
	pvc_list args;
	double timeout;
	char *suppressions;  /* absolute path of the suppressions file for both checkers, or NULL */
	char *figures;       /* the variants' default 'figures' */
	int nvariants;
	pvc_variant *variants;
	char *error;         /* "dir/case.ini:7: message" when the case is unusable */
	int error_line;
} pvc_case;

/* Read dir/case.ini. -1 when the case is unusable; c->error says why. */
int pvc_case_load(const char *dir, pvc_case *c);
void pvc_case_free(pvc_case *c);
/* The id of the case in dir: "<topic>/<name>", its parent's name and its own. */
char *pvc_case_id(const char *dir);
/* A demonstration: a case with no [buggy] variant, nothing to fix. */
int pvc_case_is_demo(const pvc_case *c);

#endif
