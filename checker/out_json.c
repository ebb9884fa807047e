/* --json: every variant with both verdicts and both sides' findings, in
 * the shape doc/pvcheck-report.schema.json describes. */
#include <stdlib.h>
#include <sys/wait.h>
#include "figures.h"
#include "output.h"
#include "paths.h"
#include "util.h"

static cJSON *words_array(const pvc_words *v)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; i < v->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v->w[i]));
	return a;
}

static cJSON *side_json(const pvc_side *s)
{
	cJSON *o = cJSON_CreateObject();
	if (s->skipped)
		cJSON_AddBoolToObject(o, "skipped", 1);
	cJSON_AddItemToObject(o, "verdict", words_array(&s->verdict));
	cJSON_AddBoolToObject(o, "agrees", s->agrees);
	if (!s->agrees)
		cJSON_AddStringToObject(o, "reason", s->why);
	if (s->ran) {
		if (WIFEXITED(s->status) && !s->timed_out && !s->flooded)
			cJSON_AddNumberToObject(o, "exit_status", WEXITSTATUS(s->status));
		if (WIFSIGNALED(s->status) && !s->timed_out && !s->flooded)
			cJSON_AddNumberToObject(o, "signal", WTERMSIG(s->status));
		cJSON_AddNumberToObject(o, "seconds", s->secs);
	}
	return o;
}

static cJSON *variant_json(const pvc_result *r)
{
	char text[160];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "case", r->c->id);
	if (r->c->title)
		cJSON_AddStringToObject(o, "title", r->c->title);
	cJSON_AddStringToObject(o, "variant", r->v->name);
	pvc_expect_text(&r->v->expect, text, sizeof text);
	cJSON_AddStringToObject(o, "expected", text);
	pvc_expect_text(&r->v->tsan, text, sizeof text);
	cJSON_AddStringToObject(o, "tsan_expected", text);
	cJSON_AddItemToObject(o, "pvcheck_verdict", words_array(&r->pv.verdict));
	cJSON_AddItemToObject(o, "tsan_verdict", words_array(&r->ts.verdict));
	cJSON_AddStringToObject(o, "agreement", pvc_agreement(r));
	if (r->internal)
		cJSON_AddStringToObject(o, "error", r->internal);
	if (r->v->figures && r->pv.ran) {
		pvc_list lines = {0};
		cJSON *fig = cJSON_AddArrayToObject(o, "figures");
		pvc_figures_lines(r->v->figures, r->pv.out_path, PVC_MAX_FIGURES, &lines);
		for (size_t k = 0; k < lines.n; k++)
			cJSON_AddItemToArray(fig, cJSON_CreateString(lines.v[k]));
		pvc_list_free(&lines);
	}
	cJSON_AddItemToObject(o, "pvcheck", side_json(&r->pv));
	cJSON_AddItemToObject(o, "tsan", side_json(&r->ts));
	cJSON_AddItemToObject(o, "pvcheck_findings", cJSON_Duplicate(r->pv.findings, 1));
	cJSON_AddItemToObject(o, "tsan_findings", cJSON_Duplicate(r->ts.findings, 1));
	return o;
}

static cJSON *report_json(const pvc_report *rep)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON_AddStringToObject(doc, "tool", "pvcheck");
	pvc_json_add_version(doc);
	cJSON *vs = cJSON_AddArrayToObject(doc, "variants");
	for (int i = 0; i < rep->nresults; i++)
		cJSON_AddItemToArray(vs, variant_json(&rep->results[i]));
	cJSON *errs = cJSON_AddArrayToObject(doc, "errors");
	for (int i = 0; i < rep->ncases; i++) {
		const pvc_case *c = &rep->cases[i];
		if (!c->error)
			continue;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "case", c->id);
		cJSON_AddStringToObject(e, "file", c->ini);
		cJSON_AddNumberToObject(e, "line", c->error_line);
		cJSON_AddStringToObject(e, "message", c->error);
		cJSON_AddItemToArray(errs, e);
	}
	cJSON *sum = cJSON_AddObjectToObject(doc, "summary");
	cJSON_AddNumberToObject(sum, "variants", rep->nresults);
	cJSON_AddNumberToObject(sum, "disagree", rep->disagree - rep->bad_cases);
	cJSON_AddNumberToObject(sum, "bad_cases", rep->bad_cases);
	cJSON_AddNumberToObject(sum, "tsan_differs", rep->tsan_differs);
	return doc;
}

void pvc_json_add_version(cJSON *doc)
{
	cJSON_AddNumberToObject(doc, "version", PVC_JSON_VERSION);
	cJSON_AddStringToObject(doc, "pvcheck_version", PVC_VERSION);
}

int pvc_write_json(const char *path, const pvc_report *rep)
{
	cJSON *doc = report_json(rep);
	char *text = cJSON_Print(doc);
	cJSON_Delete(doc);
	char *line = pvc_printf("%s\n", text);
	free(text);
	int rc = pvc_write_file(path, line);
	free(line);
	return rc;
}
