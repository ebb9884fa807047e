/* --html: one self-contained page (no network: styles and script inline).
 * Each finding shows its stacks side by side with the source lines around
 * each of the program's frames, and an SVG timeline of the threads
 * involved: their creation, the accesses in the order they happened, the
 * locks held at each, and for a deadlock or lock-order finding the cycle
 * of waits. The catalogue's page starts with the table, filtered by topic
 * and verdict (also from the address: #topic=T&verdict=V). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "findings.h"
#include "output.h"
#include "paths.h"
#include "util.h"

#define SRC_CONTEXT 2        /* lines shown on either side of a frame's line */
#define SRC_FRAMES 8         /* frames per stack shown with their source */
#define MAX_LANES 16
#define MAX_EVENTS 24

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f24;background:#fff}"
	"h1{font-size:1.5em;margin:0}h2{font-size:1.1em;margin:.2em 0 .6em}"
	"h3{font-size:.95em;margin:.2em 0}.meta{color:#57606a}"
	"table{border-collapse:collapse;margin:.8em 0}th,td{border:1px solid #d0d7de;padding:3px 8px;"
	"text-align:left;vertical-align:top}th{background:#f6f8fa}"
	".ok{color:#1a7f37}.differs{color:#9a6700}.mismatch{color:#cf222e;font-weight:600}"
	".filters{display:flex;gap:1.5em;align-items:center;margin:.8em 0}"
	".finding{border:1px solid #d0d7de;border-radius:6px;padding:.8em 1em;margin:1em 0}"
	".finding.race{border-left:5px solid #cf222e}.finding.deadlock,.finding.lock-order"
	"{border-left:5px solid #8250df}.finding.api-misuse,.finding.thread-leak"
	"{border-left:5px solid #9a6700}"
	".stacks{display:grid;grid-template-columns:repeat(auto-fit,minmax(28em,1fr));gap:1em}"
	".stack{background:#f6f8fa;border-radius:6px;padding:.5em .8em;min-width:0}"
	".frames{margin:.3em 0;padding-left:1.6em}.frames li{margin:.3em 0}"
	".fn{font-weight:600;font-family:ui-monospace,monospace}.where{color:#57606a}"
	"pre.src{margin:.2em 0;padding:.3em;background:#fff;border:1px solid #d0d7de;"
	"overflow-x:auto;font-size:12px}pre.src .hit{background:#fff8c5;display:block}"
	".ln{color:#8c959f;display:inline-block;width:3.5em}"
	"svg.timeline{display:block;margin:.4em 0 .8em;max-width:100%;height:auto}"
	".variant{margin-top:2em}.held{font-size:.85em;color:#57606a}"
	"[hidden]{display:none!important}";

static const char script[] =
	"(function(){"
	"var t=document.getElementById('f-topic'),v=document.getElementById('f-verdict');"
	"if(!t)return;"
	"function apply(){var n=0;document.querySelectorAll('[data-topic]').forEach(function(e){"
	"var ok=(!t.value||e.dataset.topic===t.value)&&"
	"(!v.value||(' '+e.dataset.verdict+' ').indexOf(' '+v.value+' ')>=0);"
	"e.hidden=!ok;if(ok&&e.tagName==='TR')n++;});"
	"document.getElementById('shown').textContent=n+' shown';"
	"location.replace('#topic='+encodeURIComponent(t.value)+'&verdict='+encodeURIComponent(v.value));}"
	"var h=new URLSearchParams(location.hash.slice(1));"
	"if(h.get('topic'))t.value=h.get('topic');if(h.get('verdict'))v.value=h.get('verdict');"
	"t.onchange=v.onchange=apply;apply();})();";

static void esc(pvc_buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': pvc_buf_puts(b, "&amp;"); break;
		case '<': pvc_buf_puts(b, "&lt;"); break;
		case '>': pvc_buf_puts(b, "&gt;"); break;
		case '"': pvc_buf_puts(b, "&quot;"); break;
		case '\'': pvc_buf_puts(b, "&#39;"); break;
		default: pvc_buf_add(b, s, 1);
		}
	}
}

/* ---- Source ---- */

typedef struct {
	pvc_list paths;
	pvc_list texts;     /* NULL-less: "" when unreadable */
} src_cache;

static const char *source_text(src_cache *c, const char *path)
{
	for (size_t i = 0; i < c->paths.n; i++)
		if (!strcmp(c->paths.v[i], path))
			return c->texts.v[i];
	char *text = pvc_read_file(path, NULL);
	pvc_list_add(&c->paths, path);
	pvc_list_take(&c->texts, text ? text : pvc_strdup(""));
	return c->texts.v[c->texts.n - 1];
}

static void source_lines(pvc_buf *b, src_cache *c, const char *path, int line)
{
	const char *text = source_text(c, path);
	if (!*text || line <= 0)
		return;
	pvc_buf_puts(b, "<pre class=\"src\">");
	int n = 1;
	for (const char *p = text; *p && n <= line + SRC_CONTEXT; n++) {
		size_t len = strcspn(p, "\n");
		if (n >= line - SRC_CONTEXT) {
			pvc_buf_printf(b, "<span class=\"%s\"><span class=\"ln\">%d</span>",
				       n == line ? "hit" : "line", n);
			char *l = pvc_printf("%.*s", (int)len, p);
			esc(b, l);
			free(l);
			pvc_buf_puts(b, n == line ? "</span>" : "</span>\n");
		}
		p += len + (p[len] == '\n');
	}
	pvc_buf_puts(b, "</pre>");
}

/* ---- Stacks ---- */

static void named_title(const cJSON *finding, const char *title, char *out, size_t len);

static void stack_html(pvc_buf *b, const cJSON *finding, const cJSON *stack, src_cache *c)
{
	pvc_buf_puts(b, "<div class=\"stack\"><h3>");
	char *title = pvc_access_text(stack), named[512];
	named_title(finding, title, named, sizeof named);
	esc(b, named);
	free(title);
	pvc_buf_puts(b, "</h3><ol class=\"frames\">");
	const cJSON *fr;
	int shown = 0;
	cJSON_ArrayForEach(fr, cJSON_GetObjectItemCaseSensitive(stack, "frames")) {
		const char *fn = pvc_jstr(fr, "function"), *file = pvc_jstr(fr, "file");
		pvc_buf_puts(b, "<li><span class=\"fn\">");
		esc(b, *fn ? fn : "??");
		pvc_buf_puts(b, "</span> <span class=\"where\">");
		esc(b, *file ? pvc_basename(file) : pvc_jstr(fr, "module"));
		if (*file)
			pvc_buf_printf(b, ":%d", pvc_jint(fr, "line"));
		pvc_buf_puts(b, "</span>");
		if (pvc_program_frame(fr) && shown++ < SRC_FRAMES)
			source_lines(b, c, file, pvc_jint(fr, "line"));
		pvc_buf_puts(b, "</li>");
	}
	pvc_buf_puts(b, "</ol></div>");
}

/* ---- Timeline ---- */

typedef struct {
	int tid, pid;        /* pid: another process's thread; 0 for the reporting one */
	char name[48];
} lane;

enum { EV_CREATE, EV_ACCESS, EV_WAIT };

typedef struct {
	int kind, lane, to;     /* to: a creation's child lane, or -1 */
	int waits_on;           /* a wait or lock: the event of the thread it waits for, or -1 */
	int holding;            /* a lock taken while holding another (lock order) */
	int holder;             /* a wait: the lane of the thread it waits for, or -1 */
	int write;
	char label[160], held[120];
} event;

typedef struct {
	lane lanes[MAX_LANES];
	int nlanes;
	event ev[MAX_EVENTS];
	int nev;
} timeline;

static int lane_of(timeline *t, int tid, int pid, const char *name)
{
	for (int i = 0; i < t->nlanes; i++)
		if (t->lanes[i].tid == tid && t->lanes[i].pid == pid) {
			if (name && *name && !t->lanes[i].name[0])
				snprintf(t->lanes[i].name, sizeof t->lanes[i].name, "%s", name);
			return i;
		}
	if (t->nlanes == MAX_LANES || tid < 0)
		return -1;
	lane *l = &t->lanes[t->nlanes];
	l->tid = tid;
	l->pid = pid;
	snprintf(l->name, sizeof l->name, "%s", name ? name : "");
	return t->nlanes++;
}

static event *add_event(timeline *t, int kind, int ln, int to)
{
	if (t->nev == MAX_EVENTS || ln < 0)
		return NULL;
	event *e = &t->ev[t->nev++];
	memset(e, 0, sizeof *e);
	e->kind = kind;
	e->lane = ln;
	e->to = to;
	e->waits_on = -1;
	return e;
}

/* A title with each mutex address replaced by the name its location gives:
 * "Mutex 0x55.. acquired" -> "mutex 'a' acquired". */
static void named_title(const cJSON *finding, const char *title, char *out, size_t len)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, "");
	for (const char *p = title; *p;) {
		const char *hex = strstr(p, "0x");
		if (!hex) {
			pvc_buf_puts(&b, p);
			break;
		}
		size_t n = 2 + strspn(hex + 2, "0123456789abcdef");
		char *addr = pvc_printf("%.*s", (int)n, hex);
		const char *name = NULL;
		const cJSON *l;
		cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(finding, "locations"))
			if (!strcmp(pvc_jstr(l, "start"), addr) && *pvc_jstr(l, "name"))
				name = pvc_jstr(l, "name");
		/* "Mutex 0x.." becomes "mutex 'a'": drop the word the name repeats. */
		size_t keep = (size_t)(hex - p);
		if (name && keep >= 6 && !strncmp(hex - 6, "Mutex ", 6))
			keep -= 6;
		else if (name && keep >= 6 && !strncmp(hex - 6, "mutex ", 6))
			keep -= 6;
		pvc_buf_add(&b, p, keep);
		pvc_buf_puts(&b, name ? name : addr);
		free(addr);
		p = hex + n;
	}
	snprintf(out, len, "%s", b.s);
	pvc_buf_free(&b);
}

static void held_text(const cJSON *finding, const cJSON *stack, char *out, size_t len)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, "");
	const cJSON *h;
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(stack, "mutexes")) {
		const char *id = pvc_jstr(h, "id"), *name = "";
		const cJSON *m;
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(finding, "mutexes"))
			if (!strcmp(pvc_jstr(m, "id"), id))
				name = pvc_jstr(m, "name");
		pvc_buf_printf(&b, "%s%s%s%s%s", b.len ? ", " : "holds ", id, *name ? " '" : "", name,
			       *name ? "'" : "");
	}
	snprintf(out, len, "%s", b.s);
	pvc_buf_free(&b);
}

/* The text between after and before in s ("" when absent). */
static char *between(const char *s, const char *after, const char *before)
{
	const char *a = strstr(s, after);
	if (!a)
		return pvc_strdup("");
	a += strlen(after);
	const char *b = before ? strstr(a, before) : NULL;
	return b ? pvc_printf("%.*s", (int)(b - a), a) : pvc_strdup(a);
}

/* A lock or wait, short enough for the picture: "locks 'b' holding 'a'",
 * "waits for mutex 'b'"; else the named title itself. */
static void short_label(const cJSON *finding, const char *title, char *out, size_t len)
{
	char named[160];
	named_title(finding, title, named, sizeof named);
	char *what = NULL;
	if (strstr(named, " previously acquired")) {
		char *m = between(named, "", " previously acquired");
		what = pvc_printf("locks %s", m);
		free(m);
	} else if (strstr(named, " acquired here while holding ")) {
		char *m = between(named, "", " acquired here"), *h = between(named, "while holding ", " in thread");
		what = pvc_printf("locks %s holding %s", m, h);
		free(m);
		free(h);
	} else if (strstr(named, " waits for ")) {
		char *m = between(named, " waits for ", " held by");
		what = pvc_printf("waits for %s", m);
		free(m);
	}
	snprintf(out, len, "%s", what ? what : named);
	free(what);
}

/* The thread a wait's title names as the holder: "... held by thread T1". */
static int holder(const char *title)
{
	const char *p = strstr(title, "held by thread T");
	return p ? atoi(p + 16) : -1;
}

/* The cycle: a deadlock's wait points at the wait of the thread holding
 * what it wants; a lock order's lock taken while holding another at the
 * next thread's such lock. */
static void link_cycle(timeline *t, int from)
{
	int idx[MAX_EVENTS], m = 0;
	for (int i = from; i < t->nev; i++)
		if (t->ev[i].holding || t->ev[i].holder >= 0)
			idx[m++] = i;
	for (int j = 0; j < m; j++) {
		event *e = &t->ev[idx[j]];
		if (e->holding && m > 1)
			e->waits_on = idx[(j + 1) % m];
		for (int k = 0; e->holder >= 0 && k < m; k++)
			if (t->ev[idx[k]].lane == e->holder)
				e->waits_on = idx[k];
	}
}

/* Lanes in thread order (the reporting process's first), creations by the
 * thread created. */
static int by_tid(const void *a, const void *b)
{
	const lane *x = a, *y = b;
	return x->pid != y->pid ? x->pid - y->pid : x->tid - y->tid;
}

static void plan_timeline(const cJSON *finding, timeline *t)
{
	const char *kind = pvc_jstr(finding, "kind");
	int lock_order = !strcmp(kind, "lock-order");
	int cycle = lock_order || !strcmp(kind, "deadlock");
	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(finding, "stacks");
	const cJSON *th, *s0;
	const cJSON *threads = cJSON_GetObjectItemCaseSensitive(finding, "threads");
	cJSON_ArrayForEach(th, threads) {
		lane_of(t, pvc_jint(th, "id"), 0, pvc_jstr(th, "name"));
		if (pvc_jint(th, "parent") >= 0)
			lane_of(t, pvc_jint(th, "parent"), 0, pvc_jint(th, "parent") ? NULL : "main thread");
	}
	cJSON_ArrayForEach(s0, stacks)
		lane_of(t, pvc_jint(s0, "thread"), pvc_jint(s0, "pid"), NULL);
	qsort(t->lanes, (size_t)t->nlanes, sizeof t->lanes[0], by_tid);
	for (int i = 0; i < t->nlanes; i++)
		cJSON_ArrayForEach(th, threads) {
			if (pvc_jint(th, "id") != t->lanes[i].tid || t->lanes[i].pid ||
			    pvc_jint(th, "parent") < 0)
				continue;
			event *e = add_event(t, EV_CREATE, lane_of(t, pvc_jint(th, "parent"), 0, NULL), i);
			if (e)
				snprintf(e->label, sizeof e->label, "creates T%d", t->lanes[i].tid);
		}
	int n = cJSON_GetArraySize(stacks);
	int first_cycle = t->nev;
	for (int k = 0; k < n; k++) {
		/* In the order they happened: a race's previous access first; a
		 * lock-order pair's earlier lock first. */
		int i = !cycle ? n - 1 - k : !lock_order ? k : k % 2 ? k - 1 : k + 1 < n ? k + 1 : k;
		const cJSON *s = cJSON_GetArrayItem(stacks, i);
		const char *access = pvc_jstr(s, "access");
		if (!strcmp(access, "create"))
			continue;
		int ln = lane_of(t, pvc_jint(s, "thread"), pvc_jint(s, "pid"), NULL);
		int wait = !strcmp(access, "wait") || !strcmp(access, "lock");
		event *e = add_event(t, wait ? EV_WAIT : EV_ACCESS, ln, -1);
		if (!e)
			continue;
		e->write = strstr(access, "write") != NULL;
		if (!wait && pvc_jint(s, "size"))
			snprintf(e->label, sizeof e->label, "%s %d", access, pvc_jint(s, "size"));
		else
			short_label(finding, pvc_jstr(s, "title"), e->label, sizeof e->label);
		held_text(finding, s, e->held, sizeof e->held);
		e->holding = strstr(pvc_jstr(s, "title"), "while holding") != NULL;
		e->holder = -1;
		if (!strcmp(access, "wait") && holder(pvc_jstr(s, "title")) >= 0)
			e->holder = lane_of(t, holder(pvc_jstr(s, "title")), 0, NULL);
	}
	if (cycle)
		link_cycle(t, first_cycle);
}

#define LANE_Y(i) (34 + (i) * 46)
#define EV_X(i) (215 + (i) * 190)

static void svg_text(pvc_buf *b, int x, int y, const char *cls, const char *anchor, const char *s)
{
	pvc_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"%s\" text-anchor=\"%s\">", x, y, cls, anchor);
	esc(b, s);
	pvc_buf_puts(b, "</text>");
}

static void timeline_svg(pvc_buf *b, const cJSON *finding, int id)
{
	timeline t;
	memset(&t, 0, sizeof t);
	plan_timeline(finding, &t);
	if (!t.nlanes || !t.nev)
		return;
	int w = EV_X(t.nev) + 20, h = LANE_Y(t.nlanes) + 4;
	pvc_buf_printf(b, "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		       "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"threads timeline\">",
		       w, h, w, h);
	pvc_buf_printf(b, "<defs><marker id=\"ah%d\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
		       "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path "
		       "d=\"M0 0L10 5L0 10z\" fill=\"#57606a\"/></marker></defs>", id);
	pvc_buf_puts(b, "<style>.lanel{font:600 12px system-ui}.evl{font:11px system-ui}"
		     ".heldl{font:10px system-ui;fill:#8250df}.cyc{stroke:#cf222e;stroke-dasharray:5 3;"
		     "fill:none}</style>");
	for (int i = 0; i < t.nlanes; i++) {
		char name[80], plain[40];
		snprintf(plain, sizeof plain, "T%d", t.lanes[i].tid);
		int own = t.lanes[i].name[0] && strcmp(t.lanes[i].name, plain);
		if (t.lanes[i].pid)
			snprintf(plain + strlen(plain), sizeof plain - strlen(plain), " (pid %d)", t.lanes[i].pid);
		snprintf(name, sizeof name, "%s%s%s", plain, own ? " " : "", own ? t.lanes[i].name : "");
		pvc_buf_printf(b, "<g class=\"lane\" data-thread=\"T%d\" data-pid=\"%d\">", t.lanes[i].tid,
			       t.lanes[i].pid);
		svg_text(b, 8, LANE_Y(i) + 4, "lanel", "start", name);
		pvc_buf_printf(b, "<line x1=\"185\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8c959f\"/></g>",
			       LANE_Y(i), w - 10, LANE_Y(i));
	}
	for (int i = 0; i < t.nev; i++) {
		const event *e = &t.ev[i];
		int x = EV_X(i), y = LANE_Y(e->lane);
		if (e->kind == EV_CREATE && e->to >= 0) {
			pvc_buf_printf(b, "<g class=\"event create\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
				       "y2=\"%d\" stroke=\"#57606a\" marker-end=\"url(#ah%d)\"/>", x, y, x,
				       LANE_Y(e->to) - 6, id);
			svg_text(b, x + 5, (y + LANE_Y(e->to)) / 2, "evl", "start", e->label);
			pvc_buf_puts(b, "</g>");
			continue;
		}
		const char *colour = e->kind == EV_WAIT ? "#8250df" : e->write ? "#cf222e" : "#0969da";
		pvc_buf_printf(b, "<g class=\"event %s\">", e->kind == EV_WAIT ? "wait" : "access");
		if (e->held[0]) {
			pvc_buf_printf(b, "<rect class=\"held\" x=\"%d\" y=\"%d\" width=\"150\" height=\"10\" "
				       "rx=\"3\" fill=\"#8250df\" fill-opacity=\".18\"/>", x - 75, y - 5);
			svg_text(b, x, y + 18, "heldl", "middle", e->held);
		}
		pvc_buf_printf(b, "<circle cx=\"%d\" cy=\"%d\" r=\"6\" fill=\"%s\"/>", x, y, colour);
		svg_text(b, x, y - 10, "evl", "middle", e->label);
		if (e->waits_on >= 0) {
			/* Bowed to one side by direction, so that A->B and B->A do not overlap. */
			int tx = EV_X(e->waits_on), ty = LANE_Y(t.ev[e->waits_on].lane);
			int bow = tx > x || (tx == x && ty > y) ? -22 : 22;
			pvc_buf_printf(b, "<path class=\"cyc\" d=\"M%d %d Q%d %d %d %d\" "
				       "marker-end=\"url(#ah%d)\"><title>waits for</title></path>", x, y,
				       (x + tx) / 2 + bow, (y + ty) / 2 + bow, tx, ty + (ty > y ? -7 : ty < y ? 7 : 0), id);
		}
		pvc_buf_puts(b, "</g>");
	}
	pvc_buf_puts(b, "</svg>");
}

/* ---- Findings ---- */

static void finding_html(pvc_buf *b, const cJSON *f, int id, src_cache *c)
{
	const char *kind = pvc_jstr(f, "kind");
	pvc_buf_printf(b, "<section class=\"finding %s\" id=\"f%d\" data-kind=\"", kind, id);
	esc(b, kind);
	pvc_buf_puts(b, "\"><h2>");
	char *summary = pvc_finding_summary(f);
	size_t len = strlen(summary) + 256;
	char *named = pvc_alloc(len);
	named_title(f, summary, named, len);
	esc(b, named);
	free(named);
	free(summary);
	pvc_buf_puts(b, "</h2>");
	timeline_svg(b, f, id);
	pvc_buf_puts(b, "<div class=\"stacks\">");
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(f, "stacks"))
		stack_html(b, f, s, c);
	pvc_buf_puts(b, "</div>");
	const cJSON *t;
	int any = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(f, "threads")) {
		if (!cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t, "created")))
			continue;
		if (!any++)
			pvc_buf_puts(b, "<details><summary>Where the threads were created</summary>"
				     "<div class=\"stacks\">");
		cJSON *st = cJSON_CreateObject();
		char *title = pvc_printf("Thread T%d created", pvc_jint(t, "id"));
		cJSON_AddStringToObject(st, "title", title);
		free(title);
		cJSON_AddItemReferenceToObject(st, "frames", cJSON_GetObjectItemCaseSensitive(t, "created"));
		stack_html(b, f, st, c);
		cJSON_Delete(st);
	}
	if (any)
		pvc_buf_puts(b, "</div></details>");
	pvc_buf_puts(b, "</section>");
}

static void page_open(pvc_buf *b, const char *title, const char *meta)
{
	pvc_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	esc(b, title);
	pvc_buf_printf(b, "</title><style>%s</style></head><body><header><h1>", style);
	esc(b, title);
	pvc_buf_puts(b, "</h1><p class=\"meta\">");
	esc(b, meta);
	pvc_buf_puts(b, "</p></header>");
}

static int page_close(pvc_buf *b, const char *path)
{
	pvc_buf_printf(b, "<script>%s</script></body></html>\n", script);
	int rc = pvc_write_file(path, b->s);
	pvc_buf_free(b);
	return rc;
}

static void list_free(src_cache *c)
{
	pvc_list_free(&c->paths);
	pvc_list_free(&c->texts);
}

int pvc_write_run_html(const char *path, const pvc_run_info *run)
{
	pvc_buf b = {0};
	src_cache cache = {0};
	pvc_buf cmd = {0};
	for (char *const *a = run->argv; *a; a++)
		pvc_buf_printf(&cmd, "%s%s", a == run->argv ? "" : " ", *a);
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&run->started));
	int n = cJSON_GetArraySize(run->findings);
	char *meta = pvc_printf("pvcheck %s · %s · %s · %d finding%s", PVC_VERSION, cmd.s, when, n,
				n == 1 ? "" : "s");
	page_open(&b, "pvcheck run", meta);
	free(meta);
	pvc_buf_free(&cmd);
	if (!n)
		pvc_buf_puts(&b, "<p class=\"ok\" id=\"clean\">No findings.</p>");
	const cJSON *f;
	int id = 0;
	cJSON_ArrayForEach(f, run->findings)
		finding_html(&b, f, id++, &cache);
	list_free(&cache);
	return page_close(&b, path);
}

/* ---- The catalogue ---- */

static const char *agreement_class(const pvc_result *r)
{
	const char *a = pvc_agreement(r);
	return !strncmp(a, "MISMATCH", 8) ? "mismatch" : strstr(a, "differs") ? "differs" : "ok";
}

static char *topic_of(const char *id)
{
	const char *slash = strchr(id, '/');
	return slash ? pvc_printf("%.*s", (int)(slash - id), id) : pvc_strdup(id);
}

/* "ok race": the agreement's class and the pvcheck verdict's words. */
static char *verdict_tokens(const pvc_result *r)
{
	pvc_buf b = {0};
	pvc_buf_puts(&b, agreement_class(r));
	for (int i = 0; i < r->pv.verdict.n; i++)
		pvc_buf_printf(&b, " %s", r->pv.verdict.w[i]);
	if (!r->pv.verdict.n)
		pvc_buf_puts(&b, " clean");
	return b.s;
}

static void options(pvc_buf *b, pvc_list *values)
{
	for (size_t i = 0; i < values->n; i++) {
		pvc_buf_puts(b, "<option>");
		esc(b, values->v[i]);
		pvc_buf_puts(b, "</option>");
	}
}

static void add_unique(pvc_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return;
	pvc_list_add(l, s);
}

static void filters(pvc_buf *b, const pvc_report *rep)
{
	pvc_list topics = {0}, words = {0};
	add_unique(&words, "ok");
	add_unique(&words, "mismatch");
	add_unique(&words, "differs");
	for (int i = 0; i < rep->nresults; i++) {
		char *t = topic_of(rep->results[i].c->id);
		add_unique(&topics, t);
		free(t);
		char *v = verdict_tokens(&rep->results[i]);
		char *save = NULL;
		for (char *w = strtok_r(v, " ", &save); w; w = strtok_r(NULL, " ", &save))
			add_unique(&words, w);
		free(v);
	}
	pvc_buf_puts(b, "<div class=\"filters\"><label>Topic <select id=\"f-topic\">"
		     "<option value=\"\">all</option>");
	options(b, &topics);
	pvc_buf_puts(b, "</select></label><label>Verdict <select id=\"f-verdict\">"
		     "<option value=\"\">all</option>");
	options(b, &words);
	pvc_buf_puts(b, "</select></label><span id=\"shown\"></span></div>");
	pvc_list_free(&topics);
	pvc_list_free(&words);
}

static void data_attrs(pvc_buf *b, const pvc_result *r)
{
	char *topic = topic_of(r->c->id), *v = verdict_tokens(r);
	pvc_buf_puts(b, " data-topic=\"");
	esc(b, topic);
	pvc_buf_puts(b, "\" data-verdict=\"");
	esc(b, v);
	pvc_buf_puts(b, "\"");
	free(topic);
	free(v);
}

static void cell(pvc_buf *b, const char *cls, const char *text)
{
	pvc_buf_printf(b, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	esc(b, text);
	pvc_buf_puts(b, "</td>");
}

static void variant_row(pvc_buf *b, const pvc_result *r, int i)
{
	char want[160], pv[160], ts[160];
	pvc_expect_text(&r->v->expect, want, sizeof want);
	pvc_words_text(&r->pv.verdict, pv, sizeof pv);
	pvc_words_text(&r->ts.verdict, ts, sizeof ts);
	pvc_buf_puts(b, "<tr");
	data_attrs(b, r);
	pvc_buf_printf(b, "><td><a href=\"#v%d\">", i);
	esc(b, r->c->id);
	pvc_buf_puts(b, "</a></td>");
	cell(b, NULL, r->v->name);
	cell(b, NULL, want);
	cell(b, NULL, r->pv.skipped ? "-" : pv);
	cell(b, NULL, r->ts.skipped ? "-" : ts);
	cell(b, agreement_class(r), pvc_agreement(r));
	pvc_buf_puts(b, "</tr>");
}

int pvc_write_html(const char *path, const pvc_report *rep)
{
	pvc_buf b = {0};
	src_cache cache = {0};
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&rep->started));
	int bad = rep->disagree - rep->bad_cases;
	char *meta = pvc_printf("pvcheck %s · %s · %d variants, %d disagree with expectations, "
				"ThreadSanitizer differs on %d", PVC_VERSION, when, rep->nresults, bad,
				rep->tsan_differs);
	page_open(&b, "pvcheck catalogue", meta);
	free(meta);
	filters(&b, rep);
	pvc_buf_puts(&b, "<table id=\"variants\"><thead><tr><th>case</th><th>variant</th>"
		     "<th>expected</th><th>pvcheck</th><th>TSan</th><th>agreement</th></tr></thead><tbody>");
	for (int i = 0; i < rep->nresults; i++)
		variant_row(&b, &rep->results[i], i);
	pvc_buf_puts(&b, "</tbody></table>");
	for (int i = 0; i < rep->ncases; i++)
		if (rep->cases[i].error) {
			pvc_buf_puts(&b, "<p class=\"mismatch\">");
			esc(&b, rep->cases[i].error);
			pvc_buf_puts(&b, "</p>");
		}
	int id = 0;
	for (int i = 0; i < rep->nresults; i++) {
		const pvc_result *r = &rep->results[i];
		if (!cJSON_GetArraySize(r->pv.findings) && pvc_result_agrees(r))
			continue;
		pvc_buf_printf(&b, "<section class=\"variant\" id=\"v%d\"", i);
		data_attrs(&b, r);
		pvc_buf_puts(&b, "><h2>");
		esc(&b, r->c->id);
		pvc_buf_puts(&b, " · ");
		esc(&b, r->v->name);
		pvc_buf_printf(&b, " <span class=\"%s\">", agreement_class(r));
		esc(&b, pvc_agreement(r));
		pvc_buf_puts(&b, "</span></h2>");
		if (r->c->title) {
			pvc_buf_puts(&b, "<p>");
			esc(&b, r->c->title);
			pvc_buf_puts(&b, "</p>");
		}
		const cJSON *f;
		cJSON_ArrayForEach(f, r->pv.findings)
			finding_html(&b, f, id++, &cache);
		pvc_buf_puts(&b, "</section>");
	}
	list_free(&cache);
	return page_close(&b, path);
}
