#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "paths.h"
#include "util.h"

#ifndef PV_REL_DOCDIR
#define PV_REL_DOCDIR "../share/doc/pvcheck"
#endif
#ifndef PV_README
#define PV_README "README.md"
#endif

/* The directory of the running command, resolved through links. */
static const char *own_dir(void)
{
	static char dir[PATH_MAX];
	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
		dir[n > 0 ? n : 0] = 0;
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
	}
	return dir;
}

const char *pvc_own_file(const char *rel, const char *built)
{
	if (*own_dir()) {
		char *p = pvc_printf("%s/%s", own_dir(), rel);
		char *abs = realpath(p, NULL);
		free(p);
		if (abs)
			return abs;
	}
	return built;
}

char *pvc_readme_uri(void)
{
	const char *path = pvc_own_file(PV_REL_DOCDIR "/README.md", PV_README);
	return pvc_printf("file://%s", path);
}
