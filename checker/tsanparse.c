/* ThreadSanitizer's text reports, read into the runtime's JSON shape:
 *
 *   WARNING: ThreadSanitizer: data race (pid=123)
 *     Write of size 4 at 0x7b04 by thread T1:
 *       #0 worker /src/buggy.c:12:5 (buggy.tsan+0xd1) (BuildId: ...)
 *     Location is global 'counter' of size 4 at 0x55 (buggy.tsan+0x14)
 *     Thread T1 (tid=125, running) created by main thread at:
 *       #0 pthread_create <null> (buggy.tsan+0x51)
 *   SUMMARY: ThreadSanitizer: data race /src/buggy.c:12:5 in worker
 *   ==================
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "util.h"

static const struct {
	const char *prefix;
	const char *kind;
} kinds[] = {
	{ "data race", "race" },
	{ "heap-use-after-free", "race" },
	{ "lock-order-inversion", "lock-order" },
	{ "unlock of an unlocked mutex", "api-misuse" },
	{ "destroy of a locked mutex", "api-misuse" },
	{ "double lock of a mutex", "api-misuse" },
	{ "use of an invalid mutex", "api-misuse" },
	{ "mutex held in the wrong context", "api-misuse" },
	{ "thread leak", "thread-leak" },
	{ "signal-unsafe call inside of a signal", "api-misuse" },
	{ "signal handler spoils errno", "api-misuse" },
};

static const char *kind_of(const char *headline)
{
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strncmp(headline, kinds[i].prefix, strlen(kinds[i].prefix)))
			return kinds[i].kind;
	return "other";
}

/* "T12" or "main thread" somewhere after "by " / "of " / "in ": the thread id. */
static int thread_after(const char *s, const char *word)
{
	const char *p = strstr(s, word);
	if (!p)
		return -1;
	p += strlen(word);
	if (!strncmp(p, "main thread", 11))
		return 0;
	if (!strncmp(p, "thread T", 8))
		return atoi(p + 8);
	if (*p == 'T' && isdigit((unsigned char)p[1]))
		return atoi(p + 1);
	return -1;
}

/* "    #3 func /path/file.c:12:5 (module+0x1a) (BuildId: ..)" */
static cJSON *parse_frame(const char *line)
{
	const char *p = line + strspn(line, " ");
	if (*p != '#')
		return NULL;
	p += strcspn(p, " ");
	p += strspn(p, " ");
	char *rest = pvc_strdup(p);
	char *bid = strstr(rest, " (BuildId:");
	if (bid)
		*bid = 0;
	cJSON *f = cJSON_CreateObject();
	/* The module is the last parenthesised group; the location the word before it. */
	char *paren = strrchr(rest, '(');
	if (paren && paren > rest && paren[-1] == ' ') {
		char *close = strrchr(paren, ')');
		if (close)
			*close = 0;
		char *plus = strrchr(paren + 1, '+');
		if (plus) {
			*plus = 0;
			cJSON_AddStringToObject(f, "offset", plus + 1);
		}
		cJSON_AddStringToObject(f, "module", paren + 1);
		paren[-1] = 0;
	}
	char *loc = strrchr(rest, ' ');
	char *func = rest;
	if (loc)
		*loc++ = 0;
	else {
		loc = rest;
		func = "";
	}
	cJSON_AddStringToObject(f, "function", strcmp(func, "<null>") ? func : "");
	/* file:line:col, file:line, or <null>. */
	char *c1 = strrchr(loc, ':');
	int line_no = 0, col = 0;
	if (c1 && isdigit((unsigned char)c1[1])) {
		*c1 = 0;
		char *c2 = strrchr(loc, ':');
		if (c2 && isdigit((unsigned char)c2[1])) {
			*c2 = 0;
			line_no = atoi(c2 + 1);
			col = atoi(c1 + 1);
		} else {
			line_no = atoi(c1 + 1);
		}
	}
	cJSON_AddStringToObject(f, "file", strcmp(loc, "<null>") ? loc : "");
	cJSON_AddNumberToObject(f, "line", line_no);
	cJSON_AddNumberToObject(f, "column", col);
	free(rest);
	return f;
}

static void access_of(const char *title, cJSON *s)
{
	static const char *const words[] = { "atomic write", "atomic read", "write", "read" };
	char low[128];
	size_t i;
	for (i = 0; title[i] && i < sizeof low - 1; i++)
		low[i] = (char)tolower((unsigned char)title[i]);
	low[i] = 0;
	const char *p = low;
	if (!strncmp(p, "previous ", 9))
		p += 9;
	const char *access = "";
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strncmp(p, words[i], strlen(words[i]))) {
			access = words[i];
			break;
		}
	if (!*access && !strncmp(p, "mutex", 5))
		access = "lock";
	cJSON_AddStringToObject(s, "access", access);
	const char *sz = strstr(title, "of size ");
	cJSON_AddNumberToObject(s, "size", sz ? atoi(sz + 8) : 0);
	const char *at = strstr(title, " at 0x");
	if (at) {
		char addr[32];
		snprintf(addr, sizeof addr, "%.*s", (int)strcspn(at + 4, " :"), at + 4);
		cJSON_AddStringToObject(s, "addr", addr);
	}
	int t = thread_after(title, "by ");
	if (t < 0)
		t = thread_after(title, "in ");
	cJSON_AddNumberToObject(s, "thread", t);
}

/* "... by thread T2 (mutexes: write M0, read M1)": the locks a race's
 * access held, as the runtime's "mutexes" (none: TSan prints no list). */
static void held_of(const char *title, cJSON *s)
{
	cJSON *held = cJSON_AddArrayToObject(s, "mutexes");
	const char *p = strstr(title, "(mutexes: ");
	if (!p)
		return;
	p += strlen("(mutexes: ");
	while (*p && *p != ')') {
		p += strspn(p, ", ");
		const char *mode = !strncmp(p, "read ", 5) ? "read" : "write";
		if (!strncmp(p, "read ", 5) || !strncmp(p, "write ", 6))
			p = strchr(p, ' ') + 1;
		size_t n = strcspn(p, ",)");
		if (n && *p == 'M') {
			cJSON *h = cJSON_CreateObject();
			char id[16];
			snprintf(id, sizeof id, "%.*s", (int)(n < 15 ? n : 15), p);
			cJSON_AddStringToObject(h, "id", id);
			cJSON_AddStringToObject(h, "mode", mode);
			cJSON_AddItemToArray(held, h);
		}
		p += n;
	}
}

/* The "Mutex M0 (0x..) created at:" sections as the runtime's report-level
 * "mutexes" (they stay among the locations too), and each held lock's address. */
static void mutexes_of(cJSON *report)
{
	cJSON *all = cJSON_AddArrayToObject(report, "mutexes");
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(report, "locations")) {
		const char *title = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, "title"));
		if (!title || strncmp(title, "Mutex M", 7))
			continue;
		cJSON *m = cJSON_CreateObject();
		char id[16], addr[32] = "";
		snprintf(id, sizeof id, "%.*s", (int)strcspn(title + 6, " "), title + 6);
		const char *a = strstr(title, "(0x");
		if (a)
			snprintf(addr, sizeof addr, "%.*s", (int)strcspn(a + 1, ")"), a + 1);
		cJSON_AddStringToObject(m, "id", id);
		cJSON_AddStringToObject(m, "addr", addr);
		cJSON_AddStringToObject(m, "kind", "none");
		cJSON_AddStringToObject(m, "name", "");
		cJSON_AddNumberToObject(m, "thread", -1);
		cJSON_AddItemToObject(m, "frames",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(l, "frames"), 1));
		cJSON_AddItemToArray(all, m);
	}
	cJSON *st, *h, *m;
	cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(report, "stacks"))
		cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(st, "mutexes"))
			cJSON_ArrayForEach(m, all)
				if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id")),
					    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "id"))))
					cJSON_AddStringToObject(h, "addr", cJSON_GetStringValue(
						cJSON_GetObjectItemCaseSensitive(m, "addr")));
}

static cJSON *location_of(const char *title)
{
	cJSON *l = cJSON_CreateObject();
	const char *kind = "none";
	if (strstr(title, "Location is global"))
		kind = "global";
	else if (strstr(title, "Location is heap"))
		kind = "heap";
	else if (strstr(title, "Location is stack") || strstr(title, "Location is TLS"))
		kind = "stack";
	else if (!strncmp(title, "Mutex ", 6))
		kind = "sync";
	else if (strstr(title, "Location is file descriptor"))
		kind = "fd";
	cJSON_AddStringToObject(l, "kind", kind);
	const char *q = strchr(title, '\'');
	if (q && strchr(q + 1, '\'')) {
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)(strchr(q + 1, '\'') - q - 1), q + 1);
		cJSON_AddStringToObject(l, "name", name);
	} else if (!strcmp(kind, "sync")) {
		cJSON_AddStringToObject(l, "name", "mutex");
	} else if (!strcmp(kind, "fd")) {
		int fd = atoi(strstr(title, "descriptor") + strlen("descriptor"));
		char name[48];
		snprintf(name, sizeof name, "file descriptor %d", fd);
		cJSON_AddStringToObject(l, "name", name);
		cJSON_AddNumberToObject(l, "fd", fd);
	}
	const char *sz = strstr(title, "of size ");
	cJSON_AddNumberToObject(l, "size", sz ? atoi(sz + 8) : 0);
	int t = thread_after(title, "by ");
	if (t < 0)
		t = thread_after(title, "of ");
	cJSON_AddNumberToObject(l, "thread", t);
	cJSON_AddStringToObject(l, "title", title);
	return l;
}

static cJSON *thread_of(const char *title)
{
	cJSON *t = cJSON_CreateObject();
	int id = thread_after(title, "");
	cJSON_AddNumberToObject(t, "id", id);
	char name[32];
	if (id == 0)
		snprintf(name, sizeof name, "main thread");
	else
		snprintf(name, sizeof name, "T%d", id);
	cJSON_AddStringToObject(t, "name", name);
	cJSON_AddNumberToObject(t, "parent", thread_after(title, "created by "));
	cJSON_AddBoolToObject(t, "running", strstr(title, ", running)") != NULL);
	return t;
}

/* One report's lines, from after WARNING to the closing ===. */
typedef struct {
	cJSON *report, *stacks, *threads, *locations;
	cJSON *frames;          /* where frame lines go now; NULL to drop them */
} report_state;

static void section(report_state *rs, const char *line)
{
	char *title = pvc_strdup(line + strspn(line, " "));
	size_t n = strlen(title);
	while (n && (title[n - 1] == ':' || title[n - 1] == '.' || isspace((unsigned char)title[n - 1])))
		title[--n] = 0;
	cJSON *obj;
	if (!strncmp(title, "Location is", 11) || (!strncmp(title, "Mutex ", 6) && strstr(title, "created at"))) {
		obj = location_of(title);
		cJSON_AddItemToArray(rs->locations, obj);
	} else if (!strncmp(title, "Thread ", 7)) {
		obj = thread_of(title + 7);
		cJSON_AddItemToArray(rs->threads, obj);
	} else {
		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(obj, "title", title);
		access_of(title, obj);
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rs->report, "kind")), "race"))
			held_of(title, obj);
		cJSON_AddItemToArray(rs->stacks, obj);
	}
	rs->frames = cJSON_AddArrayToObject(obj, cJSON_IsObject(obj) && cJSON_GetObjectItem(obj, "id")
					    ? "created" : "frames");
	free(title);
}

static void report_line(report_state *rs, const char *line)
{
	const char *p = line + strspn(line, " ");
	if (!*p || !strncmp(p, "SUMMARY:", 8))
		return;
	if (*p == '#') {
		/* Frames with no title (api misuse reports) form a stack of their own. */
		if (!rs->frames) {
			cJSON *s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "title", "");
			cJSON_AddStringToObject(s, "access", "");
			cJSON_AddNumberToObject(s, "thread", -1);
			cJSON_AddItemToArray(rs->stacks, s);
			rs->frames = cJSON_AddArrayToObject(s, "frames");
		}
		cJSON *f = parse_frame(line);
		if (f)
			cJSON_AddItemToArray(rs->frames, f);
		return;
	}
	/* "And 2 more similar thread leaks.": one report for three threads. */
	int more = 0;
	if (sscanf(p, "And %d more similar", &more) == 1) {
		cJSON_AddNumberToObject(rs->report, "count", more + 1);
		rs->frames = NULL;
		return;
	}
	/* Section titles are indented two spaces. */
	if (p - line == 2)
		section(rs, line);
	else
		rs->frames = NULL;
}

/* "WARNING: ThreadSanitizer: data race (pid=N)", or a fatal error:
 * "==N==ERROR: ThreadSanitizer: SEGV on unknown address ..." */
static cJSON *start_report(const char *line, int fatal, report_state *rs)
{
	const char *h = strstr(line, "ThreadSanitizer: ") + strlen("ThreadSanitizer: ");
	char *headline = pvc_strdup(h);
	int pid = fatal && line[0] == '=' ? atoi(line + 2) : 0;
	char *pp = strstr(headline, " (pid=");
	if (pp && !fatal) {
		pid = atoi(pp + 6);
		*pp = 0;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "kind", fatal ? "crash" : kind_of(headline));
	cJSON_AddNumberToObject(r, "pid", pid);
	cJSON_AddStringToObject(r, "headline", headline);
	rs->report = r;
	rs->stacks = cJSON_AddArrayToObject(r, "stacks");
	rs->threads = cJSON_AddArrayToObject(r, "threads");
	rs->locations = cJSON_AddArrayToObject(r, "locations");
	rs->frames = NULL;
	free(headline);
	return r;
}

/* A thread leak has only the thread's creation: that is where to point. */
static void finish_report(report_state *rs)
{
	mutexes_of(rs->report);
	pvc_finding_point_at_creation(rs->report);
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rs->report, "kind"));
	if (kind && !strcmp(kind, "thread-leak") && !cJSON_GetObjectItemCaseSensitive(rs->report, "count"))
		cJSON_AddNumberToObject(rs->report, "count", 1);
}

/* TSan dies on these; with exitcode=0 the death shows only here. Its own
 * CHECK failures (a program that broke TSan's bookkeeping) carry no pid. */
static int is_fatal(const char *line)
{
	if (!strncmp(line, "ThreadSanitizer: CHECK failed: ", 31))
		return 1;
	if (strncmp(line, "==", 2) || !isdigit((unsigned char)line[2]))
		return 0;
	const char *p = line + 2 + strspn(line + 2, "0123456789");
	return !strncmp(p, "==ERROR: ThreadSanitizer: ", 26);
}

cJSON *pvc_tsan_parse(const char *text)
{
	cJSON *all = cJSON_CreateArray();
	char *copy = pvc_strdup(text), *save = NULL;
	report_state rs = {0};
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[n - 1] = 0;
		int fatal = is_fatal(line);
		if (fatal || !strncmp(line, "WARNING: ThreadSanitizer: ", 26)) {
			if (rs.report)
				finish_report(&rs);
			cJSON_AddItemToArray(all, start_report(line, fatal, &rs));
		} else if (!strncmp(line, "==================", 18) ||
			   (!strncmp(line, "==", 2) && strstr(line, "==ABORTING"))) {
			if (rs.report)
				finish_report(&rs);
			rs.report = NULL;
		} else if (rs.report) {
			report_line(&rs, line);
		}
	}
	if (rs.report)
		finish_report(&rs);
	free(copy);
	return all;
}
