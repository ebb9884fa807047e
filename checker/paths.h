/* Where pvcheck's own files are: beside the installed command (paths
 * relative to its bin directory, fixed at build time), else where the build
 * tree has them. */
#ifndef PVC_PATHS_H
#define PVC_PATHS_H

#ifndef PVC_VERSION
#define PVC_VERSION "0"
#endif

/* rel: a path relative to the command's directory ("../lib/libpvrt.a");
 * built: where the build tree keeps it. The first that exists, else built.
 * Never freed: the answers live as long as the command. */
const char *pvc_own_file(const char *rel, const char *built);

/* A file: URI of the README (installed, else the source tree's). */
char *pvc_readme_uri(void);

#endif
