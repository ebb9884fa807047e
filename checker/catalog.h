/* Finding cases for the learner's commands (list, explain, exercise): where
 * the catalogue is, and which case a learner means by CASE. */
#ifndef PVC_CATALOG_H
#define PVC_CATALOG_H

#include "caseini.h"

/* The catalogue's root: opt (--cases DIR) when given, else $PVCHECK_CASES,
 * else ./cases when it is a directory, else the source tree's cases/ as
 * compiled in. */
const char *pvc_catalog_root(const char *opt);

/* How CASE and --cases DIR are read, for the commands' help texts. */
#define PVC_CATALOG_HELP \
	"  CASE is a case id (lost-update/counter), a name no other case has\n" \
	"  (counter), or a case directory. The catalogue: --cases DIR, else\n" \
	"  $PVCHECK_CASES, else ./cases, else the cases/ of pvcheck's source tree.\n"

/* Load the case spec names: a case id (lost-update/counter), a bare name
 * when only one case has it (counter), or a path to a case directory. An
 * exercise written by 'pvcheck exercise' stands for the case it came from.
 * 0: loaded; 1: found but its case.ini is unusable (c->error says why);
 * -1: not found, after saying why on stderr as "pvcheck CMD: ...". */
int pvc_catalog_load(const char *root, const char *spec, const char *cmd, pvc_case *c);

#endif
