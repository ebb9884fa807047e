#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "explore.h"
#include "findings.h"
#include "util.h"

/* Most steps a timeline shows; the failure is at its end. */
#define TIMELINE_MAX 40

int pvc_strategy_check(const char *s)
{
	if (!strcmp(s, "random") || !strcmp(s, "pos") || !strcmp(s, "pct"))
		return 0;
	if (strncmp(s, "pct:", 4))
		return -1;
	char *end;
	long d = strtol(s + 4, &end, 10), k = 100;
	if (end == s + 4)
		return -1;
	if (*end == ':') {
		const char *ks = end + 1;
		k = strtol(ks, &end, 10);
		if (end == ks)
			return -1;
	}
	return *end || d < 1 || d > 64 || k < 1 || k > 100000000 ? -1 : 0;
}

char *pvc_strategy_for(const char *s, long steps)
{
	/* Until a schedule has been seen, the runtime's own default bound. */
	long k = steps > 0 ? steps : 100;
	if (strncmp(s, "pct", 3) || (s[3] && strchr(s + 4, ':')))
		return pvc_strdup(s);
	return pvc_printf("%s:%ld", s[3] ? s : "pct:3", k);
}


char *pvc_sched_env(const char *base_env, const char *strategy, unsigned long long seed,
		    int spurious, const char *log, int trace)
{
	char *q = pvc_option_quote(strategy), *lq = pvc_option_quote(log);
	char *s = pvc_printf("%s:sched=%s:sched_seed=%llu:sched_spurious=%d:sched_log=%s:sched_trace=%d",
			     base_env, q, seed, spurious, lq, trace);
	free(q);
	free(lq);
	return s;
}

/* The log's lines as JSON objects, one callback each. */
static void each_line(const char *log, void (*fn)(cJSON *, void *), void *arg)
{
	char *text = pvc_read_file(log, NULL);
	if (!text)
		return;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);
		if (cJSON_IsObject(o))
			fn(o, arg);
		cJSON_Delete(o);
	}
	free(text);
}

typedef struct {
	long steps;
	int escaped;
} summary;

static void read_summary(cJSON *o, void *arg)
{
	summary *s = arg;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "summary")))
		return;
	double steps = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "steps"));
	if (s->steps < 0 && steps == steps)
		s->steps = (long)steps;
	s->escaped |= cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "escapes")) > 0;
}

long pvc_sched_steps(const char *log)
{
	summary s = { -1, 0 };
	each_line(log, read_summary, &s);
	return s.steps;
}

int pvc_sched_escaped(const char *log)
{
	summary s = { -1, 0 };
	each_line(log, read_summary, &s);
	return s.escaped;
}

int pvc_schedule_failed(const cJSON *findings, const pvc_proc_result *res)
{
	return cJSON_GetArraySize(findings) > 0 || res->timed_out || !WIFEXITED(res->status) ||
	       WEXITSTATUS(res->status) != 0;
}

/* ---- the timeline ---- */

static unsigned long long addr_of(const cJSON *v)
{
	if (cJSON_IsString(v))
		return strtoull(v->valuestring, NULL, 16);
	return cJSON_IsNumber(v) ? (unsigned long long)v->valuedouble : 0;
}

#define MAX_OBJS 64

typedef struct {
	int n;
	unsigned long long obj[MAX_OBJS];
} objset;

static void add_obj(objset *s, unsigned long long a)
{
	if (!a || s->n == MAX_OBJS)
		return;
	for (int i = 0; i < s->n; i++)
		if (s->obj[i] == a)
			return;
	s->obj[s->n++] = a;
}

/* An access step names its granule; a finding, the address itself. */
static int in_set(const objset *s, unsigned long long a)
{
	for (int i = 0; i < s->n; i++)
		if (s->obj[i] == a || (s->obj[i] & ~7ull) == a)
			return 1;
	return 0;
}

static void finding_objects(const cJSON *findings, objset *s)
{
	const cJSON *f, *st, *m;
	cJSON_ArrayForEach(f, findings) {
		cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(f, "stacks"))
			add_obj(s, addr_of(cJSON_GetObjectItemCaseSensitive(st, "addr")));
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(f, "mutexes"))
			add_obj(s, addr_of(cJSON_GetObjectItemCaseSensitive(m, "addr")));
	}
}

typedef struct {
	cJSON *steps;
} collected;

/* The program's own steps (not the runtime's text formatting, nor a
 * thread's start and end, which touch nothing). */
static void collect(cJSON *o, void *arg)
{
	collected *c = arg;
	const char *func = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "func"));
	if (cJSON_GetObjectItemCaseSensitive(o, "summary") || !func || !strncmp(func, "pv_", 3) ||
	    !addr_of(cJSON_GetObjectItemCaseSensitive(o, "obj")))
		return;
	cJSON_AddItemToArray(c->steps, cJSON_Duplicate(o, 1));
}

/* Objects that two threads or more touched. */
static void shared_objects(const cJSON *steps, objset *s)
{
	const cJSON *a, *b;
	cJSON_ArrayForEach(a, steps) {
		unsigned long long oa = addr_of(cJSON_GetObjectItemCaseSensitive(a, "obj"));
		double ta = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(a, "tid"));
		if (in_set(s, oa))
			continue;
		cJSON_ArrayForEach(b, steps)
			if (addr_of(cJSON_GetObjectItemCaseSensitive(b, "obj")) == oa &&
			    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(b, "tid")) != ta) {
				add_obj(s, oa);
				break;
			}
	}
}

cJSON *pvc_timeline_load(const char *log, const cJSON *findings)
{
	collected c = { cJSON_CreateArray() };
	each_line(log, collect, &c);
	objset objs = { 0 };
	finding_objects(findings, &objs);
	int from_findings = objs.n;
	if (!from_findings)
		shared_objects(c.steps, &objs);
	cJSON *kept = cJSON_CreateArray();
	const cJSON *o;
	cJSON_ArrayForEach(o, c.steps)
		if (in_set(&objs, addr_of(cJSON_GetObjectItemCaseSensitive(o, "obj"))))
			cJSON_AddItemToArray(kept, cJSON_Duplicate(o, 1));
	cJSON_Delete(c.steps);
	while (cJSON_GetArraySize(kept) > TIMELINE_MAX)
		cJSON_DeleteItemFromArray(kept, 0);
	return kept;
}

static const char *str(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	return s ? s : "";
}

static int num(const cJSON *o, const char *k)
{
	return (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static char *object_text(const cJSON *o)
{
	return pvc_strdup(*str(o, "name") ? str(o, "name") : str(o, "obj"));
}

static char *where_text(const cJSON *o)
{
	if (!*str(o, "file"))
		return pvc_strdup("");
	return pvc_printf("%s:%d", pvc_basename(str(o, "file")), num(o, "line"));
}

void pvc_timeline_print(FILE *f, const cJSON *timeline)
{
	const cJSON *o;
	if (!cJSON_GetArraySize(timeline))
		return;
	fprintf(f, "pvcheck: the interleaving, step by step (the steps on the objects involved):\n");
	int tids[64], ntids = 0;
	cJSON_ArrayForEach(o, timeline) {
		int t = num(o, "tid"), col = 0;
		while (col < ntids && tids[col] != t)
			col++;
		if (col == ntids && ntids < 64)
			tids[ntids++] = t;
		char *obj = object_text(o), *at = where_text(o);
		/* One column per thread, so that each thread's steps line up. */
		fprintf(f, "  %6d  %*sT%-3d %s %s  %s\n", num(o, "step"), 4 * (col < 8 ? col : 8), "", t,
			str(o, "op"), obj, at);
		free(obj);
		free(at);
	}
	pvc_buf line = {0};
	int last_line[64] = {0};
	cJSON_ArrayForEach(o, timeline) {
		int t = num(o, "tid"), col = 0;
		while (col < ntids && tids[col] != t)
			col++;
		char *obj = object_text(o), *at = where_text(o);
		pvc_buf_printf(&line, "%sT%d %s %s", line.s ? " · " : "", t, str(o, "op"), obj);
		/* A thread's place is said when it moves. */
		if (*at && col < 64 && last_line[col] != num(o, "line"))
			pvc_buf_printf(&line, " (%s)", at);
		if (col < 64)
			last_line[col] = num(o, "line");
		free(obj);
		free(at);
	}
	fprintf(f, "pvcheck: in short: %s\n", line.s);
	pvc_buf_free(&line);
}

/* A word for sh: as it is when plain, else in '...'. */
static void sh_word(pvc_buf *b, const char *w)
{
	if (*w && !w[strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-/=,@%:")]) {
		pvc_buf_puts(b, w);
		return;
	}
	pvc_buf_puts(b, "'");
	for (; *w; w++)
		if (*w == '\'')
			pvc_buf_puts(b, "'\\''");
		else
			pvc_buf_add(b, w, 1);
	pvc_buf_puts(b, "'");
}

char *pvc_replay_command(unsigned long long seed, const char *strategy, int spurious,
			 double timeout, char *const *argv)
{
	pvc_buf b = {0};
	pvc_buf_printf(&b, "pvcheck run --replay %llu --strategy ", seed);
	sh_word(&b, strategy);
	if (spurious)
		pvc_buf_puts(&b, " --spurious");
	if (timeout > 0)
		pvc_buf_printf(&b, " --timeout %g", timeout);
	pvc_buf_puts(&b, " --");
	for (int i = 0; argv[i]; i++) {
		pvc_buf_puts(&b, " ");
		sh_word(&b, argv[i]);
	}
	return b.s;
}
