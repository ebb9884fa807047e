/* Which variants a catalogue run runs: all of them, the ones named as
 * DIR:VARIANT, or the ones a previous run's JSON says failed. */
#ifndef PVC_SELECT_H
#define PVC_SELECT_H

#include "caseini.h"
#include "util.h"

typedef struct {
	int named, failed;   /* some DIR:VARIANT was given; --rerun-failed was */
	pvc_list keys;       /* "dir:" + a case's real directory, "under:" + a
			      * PATH's, or "id:" + a failed case's id */
	pvc_list variants;   /* "" for all of the case's */
	pvc_list shown;      /* each entry as the user wrote it, for errors */
} pvc_selection;

/* A PATH argument: "DIR:VARIANT" when DIR exists and the whole does not,
 * which selects that variant and leaves DIR in *path (to free); else
 * *path is arg, and every case under it is selected. */
void pvc_select_arg(pvc_selection *s, const char *arg, const char **path);
/* The variants a previous `pvcheck --json FILE` run found disagreeing, and
 * the cases whose case.ini could not be used. -1 with a message in err. */
int pvc_select_failed(pvc_selection *s, const char *json_path, char *err, size_t errlen);
/* Whether case c's variant runs. */
int pvc_selected(const pvc_selection *s, const pvc_case *c, const char *variant);
/* A DIR:VARIANT naming no variant of a loaded case: its text, else NULL. */
const char *pvc_select_unknown(const pvc_selection *s, const pvc_case *cases, int ncases);
void pvc_select_free(pvc_selection *s);

#endif
