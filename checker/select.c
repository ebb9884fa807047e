#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "select.h"

static void add(pvc_selection *s, char *key, const char *variant, const char *shown)
{
	pvc_list_take(&s->keys, key);
	pvc_list_add(&s->variants, variant);
	pvc_list_add(&s->shown, shown);
}

void pvc_select_arg(pvc_selection *s, const char *arg, const char **path)
{
	*path = arg;
	const char *colon = strrchr(arg, ':');
	char *dir = colon && colon != arg && colon[1] && !pvc_exists(arg) ?
		    pvc_printf("%.*s", (int)(colon - arg), arg) : NULL;
	char *real = dir && pvc_is_dir(dir) ? realpath(dir, NULL) : NULL;
	if (!real) {
		free(dir);
		real = realpath(arg, NULL);
		if (real)
			add(s, pvc_printf("under:%s", real), "", arg);
		free(real);
		return;
	}
	s->named = 1;
	add(s, pvc_printf("dir:%s", real), colon + 1, arg);
	free(real);
	/* The caller keeps arg: DIR is its prefix, cut at the colon. */
	*path = dir;
}

int pvc_select_failed(pvc_selection *s, const char *json_path, char *err, size_t errlen)
{
	char *text = pvc_read_file(json_path, NULL);
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	free(text);
	const cJSON *vs = cJSON_GetObjectItemCaseSensitive(doc, "variants");
	if (!cJSON_IsArray(vs)) {
		snprintf(err, errlen, "--rerun-failed: %s is not the JSON of a catalogue run (pvcheck --json)",
			 json_path);
		cJSON_Delete(doc);
		return -1;
	}
	s->failed = 1;
	const cJSON *v;
	cJSON_ArrayForEach(v, vs) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "case"));
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "variant"));
		const char *agree = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "agreement"));
		int failed = (agree && !strncmp(agree, "MISMATCH", 8)) ||
			     cJSON_GetObjectItemCaseSensitive(v, "error");
		if (id && name && failed)
			add(s, pvc_printf("id:%s", id), name, id);
	}
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "errors")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "case"));
		if (id)
			add(s, pvc_printf("id:%s", id), "", id);
	}
	cJSON_Delete(doc);
	return 0;
}

static int under(const char *dir, const char *path)
{
	size_t n = strlen(path);
	return !strncmp(dir, path, n) && (dir[n] == '/' || !dir[n] || !strcmp(path, "/"));
}

static int matches(const pvc_selection *s, size_t i, const pvc_case *c, const char *real)
{
	const char *key = s->keys.v[i];
	if (!strncmp(key, "id:", 3))
		return !strcmp(key + 3, c->id);
	if (!strncmp(key, "dir:", 4))
		return real && !strcmp(key + 4, real);
	return real && under(real, key + 6);
}

/* Whether an entry of the kind prefix selects c's variant. */
static int any(const pvc_selection *s, const char *const *prefixes, const pvc_case *c,
	       const char *real, const char *variant)
{
	for (size_t i = 0; i < s->keys.n; i++) {
		int kind = 0;
		for (int k = 0; prefixes[k] && !kind; k++)
			kind = !strncmp(s->keys.v[i], prefixes[k], strlen(prefixes[k]));
		if (kind && matches(s, i, c, real) &&
		    (!variant || !*s->variants.v[i] || !strcmp(s->variants.v[i], variant)))
			return 1;
	}
	return 0;
}

int pvc_selected(const pvc_selection *s, const pvc_case *c, const char *variant)
{
	static const char *const named[] = { "dir:", "under:", NULL }, *const failed[] = { "id:", NULL };
	if (!s->named && !s->failed)
		return 1;
	char *real = realpath(c->dir, NULL);
	int yes = (!s->named || any(s, named, c, real, variant)) &&
		  (!s->failed || any(s, failed, c, real, variant));
	free(real);
	return yes;
}

const char *pvc_select_unknown(const pvc_selection *s, const pvc_case *cases, int ncases)
{
	for (size_t i = 0; i < s->keys.n; i++) {
		if (strncmp(s->keys.v[i], "dir:", 4))
			continue;
		int found = 0;
		for (int k = 0; k < ncases && !found; k++) {
			char *real = realpath(cases[k].dir, NULL);
			if (matches(s, i, &cases[k], real))
				for (int j = 0; j < cases[k].nvariants && !found; j++)
					found = !strcmp(cases[k].variants[j].name, s->variants.v[i]);
			found |= matches(s, i, &cases[k], real) && cases[k].error;
			free(real);
		}
		if (!found)
			return s->shown.v[i];
	}
	return NULL;
}

void pvc_select_free(pvc_selection *s)
{
	pvc_list_free(&s->keys);
	pvc_list_free(&s->variants);
	pvc_list_free(&s->shown);
}
