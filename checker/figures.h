/* A demonstration's key figures: the lines of its output that its case.ini's
 * 'figures' regex names. */
#ifndef PVC_FIGURES_H
#define PVC_FIGURES_H

#include "util.h"

#define PVC_MAX_FIGURES 12    /* lines per variant */

/* Add to out the lines of the file at path (without their newline) that the
 * extended regex matches, at most max. -1 when the file cannot be read or
 * the regex does not compile, else how many were added. */
int pvc_figures_lines(const char *regex, const char *path, int max, pvc_list *out);

#endif
