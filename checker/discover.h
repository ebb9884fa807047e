/* Finding cases: every directory holding a case.ini, under the given paths. */
#ifndef PVC_DISCOVER_H
#define PVC_DISCOVER_H

#include "util.h"

/* Add the case directories under path (recursively, not into a case) to
 * out, sorted. -1 with errno when path cannot be read. */
int pvc_discover(const char *path, pvc_list *out);

#endif
