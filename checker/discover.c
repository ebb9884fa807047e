#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "discover.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, pvc_list *out, int depth)
{
	char *ini = pvc_join(dir, "case.ini");
	int is_case = pvc_exists(ini);
	free(ini);
	if (is_case) {
		pvc_list_add(out, dir);
		return 0;
	}
	if (depth > 32)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	pvc_list subs = {0};
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = pvc_join(dir, e->d_name);
		struct stat st;
		/* Follow no symlinks: a link loop must not hang discovery. */
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			pvc_list_take(&subs, sub);
		else
			free(sub);
	}
	closedir(d);
	if (subs.n)
		qsort(subs.v, subs.n, sizeof *subs.v, by_name);
	for (size_t i = 0; i < subs.n; i++)
		walk(subs.v[i], out, depth + 1);
	pvc_list_free(&subs);
	return 0;
}

int pvc_discover(const char *path, pvc_list *out)
{
	if (!pvc_is_dir(path)) {
		/* A case.ini named directly stands for its directory. */
		if (!strcmp(pvc_basename(path), "case.ini") && pvc_exists(path)) {
			char *dir = pvc_strdup(path);
			char *slash = strrchr(dir, '/');
			if (slash)
				*slash = 0;
			else
				strcpy(dir, ".");
			pvc_list_take(out, dir);
			return 0;
		}
		if (pvc_exists(path))
			errno = ENOTDIR;
		return -1;
	}
	char *p = pvc_strdup(path);
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = 0;
	int r = walk(p, out, 0);
	free(p);
	return r;
}
