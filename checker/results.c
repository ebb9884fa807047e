/* Reading a worker's result.json and judging it against the case. */
#include <stdlib.h>
#include <string.h>
#include "results.h"
#include "util.h"

static int get_bool(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static double get_num(const cJSON *o, const char *k)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(n) ? n->valuedouble : 0;
}

static char *get_str(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	return s ? pvc_strdup(s) : NULL;
}

static void load_side(pvc_side *s, cJSON *o, int skipped)
{
	s->skipped = skipped;
	s->linked = get_bool(o, "linked");
	s->ran = get_bool(o, "ran");
	s->status = (int)get_num(o, "status");
	s->timed_out = get_bool(o, "timed_out");
	s->flooded = get_bool(o, "flooded");
	s->secs = get_num(o, "secs");
	s->pid = (int)get_num(o, "pid");
	s->link_log = get_str(o, "link_log");
	s->out_path = get_str(o, "stdout");
	s->err_path = get_str(o, "stderr");
	s->bad_lines = (int)get_num(o, "bad_lines");
	cJSON *f = cJSON_DetachItemFromObjectCaseSensitive(o, "findings");
	s->findings = cJSON_IsArray(f) ? f : (cJSON_Delete(f), cJSON_CreateArray());
}

static void judge(pvc_side *s, int built, int tsan, const pvc_expect *e)
{
	pvc_run_facts facts = {
		.built = built && s->linked, .status = s->status, .timed_out = s->timed_out,
		.flooded = s->flooded, .findings = s->findings, .crash_reports = tsan,
		.pid = s->pid,
	};
	if (!s->findings)
		s->findings = cJSON_CreateArray();
	facts.findings = s->findings;
	if (s->skipped) {
		s->agrees = 1;
		return;
	}
	pvc_verdict_of(&facts, &s->verdict);
	s->agrees = pvc_agrees(e, &s->verdict, s->why, sizeof s->why);
}

void pvc_result_load(pvc_result *r)
{
	char *path = pvc_join(r->dir, "result.json");
	char *text = pvc_read_file(path, NULL);
	free(path);
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!doc) {
		if (!r->internal)
			r->internal = pvc_strdup("the worker left no result (it failed or was killed)");
		r->pv.findings = cJSON_CreateArray();
		r->ts.findings = cJSON_CreateArray();
		r->pv.agrees = r->ts.agrees = 0;
		snprintf(r->pv.why, sizeof r->pv.why, "%s", r->internal);
		snprintf(r->ts.why, sizeof r->ts.why, "%s", r->internal);
		return;
	}
	r->compiled = get_bool(doc, "compiled");
	r->build_log = get_str(doc, "build_log");
	load_side(&r->pv, cJSON_GetObjectItemCaseSensitive(doc, "pvcheck"), r->only == PVC_ONLY_TSAN);
	load_side(&r->ts, cJSON_GetObjectItemCaseSensitive(doc, "tsan"), r->only == PVC_ONLY_PVCHECK);
	cJSON_Delete(doc);
	judge(&r->pv, r->compiled, 0, &r->v->expect);
	judge(&r->ts, r->compiled, 1, &r->v->tsan);
}

static void free_side(pvc_side *s)
{
	free(s->link_log);
	free(s->out_path);
	free(s->err_path);
	cJSON_Delete(s->findings);
}

void pvc_result_free(pvc_result *r)
{
	free(r->dir);
	free(r->build_log);
	free(r->internal);
	free_side(&r->pv);
	free_side(&r->ts);
}

int pvc_exercise_passes(const pvc_result *r)
{
	return !r->internal && r->pv.agrees && r->ts.agrees;
}

int pvc_result_agrees(const pvc_result *r)
{
	return r->pv.skipped ? r->ts.agrees : r->pv.agrees;
}

const char *pvc_agreement(const pvc_result *r)
{
	if (r->pv.skipped || r->ts.skipped)
		return pvc_result_agrees(r) ? "ok" : "MISMATCH";
	if (r->pv.agrees)
		return r->ts.agrees ? "ok" : "ok (tsan differs)";
	return r->ts.agrees ? "MISMATCH" : "MISMATCH (tsan differs)";
}
