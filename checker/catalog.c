#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "discover.h"
#include "paths.h"

#ifndef PV_CASES_DIR
#define PV_CASES_DIR "cases"
#endif
#ifndef PV_REL_DATADIR
#define PV_REL_DATADIR "../share/pvcheck"
#endif

const char *pvc_catalog_root(const char *opt)
{
	if (opt && *opt)
		return opt;
	const char *env = getenv("PVCHECK_CASES");
	if (env && *env)
		return env;
	if (pvc_is_dir("cases"))
		return "cases";
	return pvc_own_file(PV_REL_DATADIR "/cases", PV_CASES_DIR);
}

static char *strip_slashes(const char *s)
{
	char *p = pvc_strdup(s);
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = 0;
	return p;
}

/* spec as a case directory (or its case.ini), or NULL. */
static char *as_path(const char *spec)
{
	if (pvc_is_dir(spec)) {
		char *ini = pvc_join(spec, "case.ini");
		int ok = pvc_exists(ini);
		free(ini);
		return ok ? strip_slashes(spec) : NULL;
	}
	if (!strcmp(pvc_basename(spec), "case.ini") && pvc_exists(spec)) {
		char *dir = pvc_strdup(spec);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		else
			strcpy(dir, ".");
		return dir;
	}
	return NULL;
}

static void say_list(pvc_buf *b, const pvc_list *ids, const int *pick)
{
	int k = 0;
	for (size_t i = 0; i < ids->n; i++)
		if (pick[i])
			pvc_buf_printf(b, "%s%s", k++ ? ", " : "", ids->v[i]);
}

/* Nothing matched: a topic's name gets its cases, a part of a name gets the
 * ids that contain it. */
static void not_found(const char *cmd, const char *root, const char *key, const pvc_list *ids)
{
	int *pick = pvc_alloc((ids->n + 1) * sizeof *pick);
	size_t klen = strlen(key);
	int topic = 0, near = 0;
	for (size_t i = 0; i < ids->n; i++) {
		pick[i] = !strncmp(ids->v[i], key, klen) && ids->v[i][klen] == '/';
		topic += pick[i];
	}
	if (!topic)
		for (size_t i = 0; i < ids->n; i++) {
			pick[i] = strstr(ids->v[i], key) != NULL;
			near += pick[i];
		}
	pvc_buf b = {0};
	pvc_buf_puts(&b, "");
	say_list(&b, ids, pick);
	if (topic)
		fprintf(stderr, "pvcheck %s: '%s' is a topic, not a case; its cases: %s\n", cmd, key, b.s);
	else if (near)
		fprintf(stderr, "pvcheck %s: no case '%s' in %s; did you mean: %s?\n", cmd, key, root, b.s);
	else
		fprintf(stderr, "pvcheck %s: no case '%s' in %s ('pvcheck list' shows them)\n",
			cmd, key, root);
	pvc_buf_free(&b);
	free(pick);
}

/* The directory of the case spec names, or NULL after saying why. */
static char *find_dir(const char *root, const char *spec, const char *cmd, int allow_path)
{
	char *dir = allow_path ? as_path(spec) : NULL;
	if (dir)
		return dir;
	if (!pvc_is_dir(root)) {
		fprintf(stderr, "pvcheck %s: no case directory '%s', and no catalogue at %s "
			"(give --cases DIR or set PVCHECK_CASES)\n", cmd, spec, root);
		return NULL;
	}
	pvc_list dirs = {0}, ids = {0};
	if (pvc_discover(root, &dirs)) {
		fprintf(stderr, "pvcheck %s: %s: %s\n", cmd, root, strerror(errno));
		pvc_list_free(&dirs);
		return NULL;
	}
	char *key = strip_slashes(spec);
	int *pick = pvc_alloc((dirs.n + 1) * sizeof *pick);
	int n = 0;
	for (size_t i = 0; i < dirs.n; i++) {
		pvc_list_take(&ids, pvc_case_id(dirs.v[i]));
		pick[i] = !strcmp(ids.v[i], key);
		n += pick[i];
	}
	/* A bare name stands for the one case of that name. */
	if (!n && !strchr(key, '/'))
		for (size_t i = 0; i < dirs.n; i++) {
			pick[i] = !strcmp(pvc_basename(ids.v[i]), key);
			n += pick[i];
		}
	if (n == 1) {
		for (size_t i = 0; i < dirs.n; i++)
			if (pick[i])
				dir = pvc_strdup(dirs.v[i]);
	} else if (n > 1) {
		pvc_buf b = {0};
		pvc_buf_puts(&b, "");
		say_list(&b, &ids, pick);
		fprintf(stderr, "pvcheck %s: '%s' is ambiguous: %d cases have that name: %s; "
			"give the whole id\n", cmd, key, n, b.s);
		pvc_buf_free(&b);
	} else {
		not_found(cmd, root, key, &ids);
	}
	free(pick);
	free(key);
	pvc_list_free(&ids);
	pvc_list_free(&dirs);
	return dir;
}

int pvc_catalog_load(const char *root, const char *spec, const char *cmd, pvc_case *c)
{
	memset(c, 0, sizeof *c);
	char *dir = find_dir(root, spec, cmd, 1);
	if (!dir)
		return -1;
	int bad = pvc_case_load(dir, c) != 0;
	free(dir);
	if (bad || !c->exercise)
		return bad;
	/* An exercise's own README is the task: the lesson is the original's. */
	char *id = pvc_strdup(c->exercise);
	char *where = pvc_strdup(c->dir);
	pvc_case_free(c);
	dir = find_dir(root, id, cmd, 0);
	if (!dir)
		fprintf(stderr, "pvcheck %s: (%s is an exercise of %s)\n", cmd, where, id);
	free(id);
	free(where);
	if (!dir)
		return -1;
	bad = pvc_case_load(dir, c) != 0;
	free(dir);
	return bad;
}
