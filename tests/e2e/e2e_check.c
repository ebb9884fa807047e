/* End-to-end checks of the pvcheck command.
 *
 *   e2e_check fixture PVCHECK SRC WORKDIR
 *     builds SRC (C, or C++ when named .cc) with `pvcheck cc`, runs it with `pvcheck run --json` and
 *     checks the findings against the marks in SRC: a line carrying a
 *     comment RACE, DEADLOCK, LOCK-ORDER or MISUSE is where a stack of a
 *     finding of that kind (race, deadlock, lock-order, api-misuse) starts;
 *     THREAD-LEAK marks the pthread_create of a leaked thread (a thread-leak
 *     finding's only stack is its thread's creation).
 *     Every finding must be of a marked kind with all its stacks at lines
 *     marked so, and every marked line must be reported.
 *     "pvcheck-e2e: location=KIND" asks every race's memory to be of KIND;
 *     "pvcheck-e2e: headline=TEXT" asks for a finding whose headline has TEXT.
 *     "pvcheck-e2e: findings=N" asks for exactly N findings, "findings>=N"
 *     for N or more; "findings=KIND:N" and "findings>=KIND:N" count only
 *     the findings of KIND (race, deadlock, lock-order, api-misuse).
 *     "pvcheck-e2e: held=L1,read:L2" on a marked line asks every race stack
 *     starting there to list just those locks held (by the report's names,
 *     "read:" for a read lock, "heap" for one in a heap block, in any
 *     order); held=none for no lock,
 *     held=unknown for locks no longer known.
 *     A fixture without marks must give {"findings":[]} and exit 0; one
 *     with marks must make `pvcheck run` exit 67 when DEADLOCK is among
 *     them (a deadlock was found), else 66; never by its timeout.
 *   e2e_check json FILE NVARIANTS     a pvcheck --json report
 *   e2e_check sarif FILE              a pvcheck --sarif report
 *   e2e_check list FILE               a pvcheck list --json as lines, for scripts
 *   e2e_check verdicts FILE           a pvcheck --json report's verdicts as lines
 */
#define _GNU_SOURCE
#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_MARKS 256
#define MAX_HEADLINES 8
#define MAX_COUNTS 8

/* Mark comment, finding kind. */
static const char *const kinds[][2] = {
	{ "/* RACE */", "race" },
	{ "/* DEADLOCK */", "deadlock" },
	{ "/* LOCK-ORDER */", "lock-order" },
	{ "/* MISUSE */", "api-misuse" },
	{ "/* THREAD-LEAK */", "thread-leak" },
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Race marks that also say what the line does: a race stack starting at
 * a RACE-READ line must be a read, at a RACE-WRITE line a write (so a
 * "Previous write" at a line that only reads fails). */
static const struct {
	const char *mark;
	char access;
} race_access[] = { { "/* RACE-READ */", 'r' }, { "/* RACE-WRITE */", 'w' } };

static int failures;

static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failures++;
}

static int run(char *const argv[])
{
	fprintf(stderr, "+");
	for (int i = 0; argv[i]; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *s = malloc((size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
		free(s);
		s = NULL;
	}
	if (s)
		s[n] = 0;
	fclose(f);
	return s;
}

static cJSON *load_json(const char *path)
{
	char *text = slurp(path);
	if (!text) {
		fail("%s: cannot read", path);
		return NULL;
	}
	cJSON *doc = cJSON_Parse(text);
	free(text);
	if (!doc)
		fail("%s: not valid JSON", path);
	return doc;
}

typedef struct {
	int line[MAX_MARKS];
	int kind[MAX_MARKS];     /* index into kinds */
	char access[MAX_MARKS];  /* 'r', 'w' for RACE-READ, RACE-WRITE; else 0 */
	int hit[MAX_MARKS];
	char held[MAX_MARKS][128];  /* held= of the mark's line, or "" */
	int n;
	char location[16];
	char headline[MAX_HEADLINES][128];
	int nheadlines;
	struct {
		char kind[16];   /* empty: every finding */
		int at_least;
		int n;
	} count[MAX_COUNTS];
	int ncounts;
} marks;

/* "findings=N", "findings>=N", "findings=KIND:N", "findings>=KIND:N". */
static void read_count(const char *d, marks *m)
{
	if (m->ncounts == MAX_COUNTS)
		return;
	int at_least = d[0] == '>';
	d += at_least ? 2 : 1;
	char kind[16] = "";
	int n;
	if (sscanf(d, "%15[a-z-]:%d", kind, &n) != 2) {
		kind[0] = 0;
		if (sscanf(d, "%d", &n) != 1)
			return;
	}
	snprintf(m->count[m->ncounts].kind, sizeof m->count[0].kind, "%s", kind);
	m->count[m->ncounts].at_least = at_least;
	m->count[m->ncounts++].n = n;
}

static void read_marks(const char *src, marks *m)
{
	FILE *f = fopen(src, "r");
	char buf[1024];
	int no = 0;
	memset(m, 0, sizeof *m);
	while (f && fgets(buf, sizeof buf, f)) {
		no++;
		const char *held = strstr(buf, "pvcheck-e2e: held=");
		for (size_t k = 0; k < NKINDS; k++)
			if (strstr(buf, kinds[k][0]) && m->n < MAX_MARKS) {
				if (held)
					sscanf(held + strlen("pvcheck-e2e: held="), "%127[^ *\n]",
					       m->held[m->n]);
				m->kind[m->n] = (int)k;
				m->line[m->n++] = no;
			}
		char *d = strstr(buf, "pvcheck-e2e: location=");
		if (d)
			sscanf(d + strlen("pvcheck-e2e: location="), "%15s", m->location);
		d = strstr(buf, "pvcheck-e2e: findings");
		if (d)
			read_count(d + strlen("pvcheck-e2e: findings"), m);
		d = strstr(buf, "pvcheck-e2e: headline=");
		if (d && m->nheadlines < MAX_HEADLINES) {
			char *h = m->headline[m->nheadlines++];
			sscanf(d + strlen("pvcheck-e2e: headline="), "%127[^\n*]", h);
			for (size_t e = strlen(h); e && h[e - 1] == ' '; e--)
				h[e - 1] = 0;
		}
		for (size_t a = 0; a < sizeof race_access / sizeof race_access[0]; a++)
			if (strstr(buf, race_access[a].mark) && m->n < MAX_MARKS) {
				m->kind[m->n] = 0;
				m->access[m->n] = race_access[a].access;
				m->line[m->n++] = no;
			}
	}
	if (f)
		fclose(f);
}

static const char *str(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	return s ? s : "";
}

static int num(const cJSON *o, const char *k)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(n) ? n->valueint : -1;
}

/* Index of the mark of kind k at file:line of this fixture, or -1. */
static int mark_at(const marks *m, int k, const char *base, const cJSON *frame)
{
	const char *file = str(frame, "file");
	const char *slash = strrchr(file, '/');
	if (strcmp(slash ? slash + 1 : file, base))
		return -1;
	for (int i = 0; i < m->n; i++)
		if (m->line[i] == num(frame, "line") && m->kind[i] == k)
			return i;
	return -1;
}

static int is_mem_function(const char *fn)
{
	static const char *const names[] = { "memcpy", "memmove", "memset", "__tsan_memcpy",
		"__tsan_memmove", "__tsan_memset", "__interceptor_memcpy", "__interceptor_memset",
		"__interceptor_memmove", "free", "realloc", "reallocarray", "__interceptor_free",
		"__interceptor_realloc", NULL };
	for (int i = 0; names[i]; i++)
		if (!strcmp(fn, names[i]))
			return 1;
	return 0;
}

static void frame_text(const cJSON *fr, char *out, size_t len)
{
	snprintf(out, len, "%s %s:%d", fr ? str(fr, "function") : "(no frame)",
		 fr ? str(fr, "file") : "", fr ? num(fr, "line") : 0);
}

/* The locks a race stack held, as held= spells them: "none", "unknown", or
 * each lock's name ("read:" before a read lock's), comma-separated, in the
 * order held= gives when it has them all. */
static void held_text(const cJSON *f, const cJSON *stack, const char *want, char *out, size_t len)
{
	const cJSON *held = cJSON_GetObjectItemCaseSensitive(stack, "mutexes");
	if (cJSON_IsNull(held) || !held) {
		snprintf(out, len, "%s", held ? "unknown" : "(no \"mutexes\")");
		return;
	}
	char names[8][128];
	int n = 0;
	const cJSON *h, *mu;
	cJSON_ArrayForEach(h, held) {
		const char *name = "?";
		cJSON_ArrayForEach(mu, cJSON_GetObjectItemCaseSensitive(f, "mutexes"))
			if (!strcmp(str(mu, "id"), str(h, "id")))
				name = *str(mu, "name") ? str(mu, "name")
				       : !strcmp(str(mu, "kind"), "heap") ? "heap" : str(mu, "addr");
		if (n < 8)
			snprintf(names[n++], sizeof names[0], "%s%.100s",
				 strcmp(str(h, "mode"), "read") ? "" : "read:", name);
	}
	if (!n) {
		snprintf(out, len, "none");
		return;
	}
	/* Listed in want's order when want names them all. */
	char order[8][128];
	int m = 0, used[8] = {0};
	char copy[128];
	snprintf(copy, sizeof copy, "%s", want);
	for (char *save, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (int i = 0; i < n; i++)
			if (!used[i] && !strcmp(names[i], tok)) {
				used[i] = 1;
				memcpy(order[m++], names[i], sizeof order[0]);
				break;
			}
	for (int i = 0; i < n; i++)
		if (!used[i])
			memcpy(order[m++], names[i], sizeof order[0]);
	size_t o = 0;
	out[0] = 0;
	for (int i = 0; i < m && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "", order[i]);
}

/* Frame 0 must be a line marked for kind k; a memcpy/memset interceptor
 * may stand before it. */
static void check_frames(const cJSON *f, const cJSON *stack, const cJSON *frames, const char *title,
			 int k, const char *base, marks *m, int report)
{
	const cJSON *fr = cJSON_GetArrayItem(frames, 0);
	if (fr && is_mem_function(str(fr, "function")) && mark_at(m, k, base, fr) < 0)
		fr = cJSON_GetArrayItem(frames, 1);
	int i = fr ? mark_at(m, k, base, fr) : -1;
	if (i >= 0) {
		m->hit[i] = 1;
		char got[512];
		if (stack && m->held[i][0]) {
			held_text(f, stack, m->held[i], got, sizeof got);
			if (strcmp(got, m->held[i]))
				fail("%s #%d: stack \"%s\" held %s, not %s", kinds[k][1], report,
				     str(stack, "title"), got, m->held[i]);
		}
		return;
	}
	char where[512];
	frame_text(fr, where, sizeof where);
	fail("%s #%d: stack \"%s\" starts at %s, not at a line marked %s", kinds[k][1],
	     report, title, where, kinds[k][0]);
}

static void check_stack(const cJSON *f, const cJSON *stack, int k, const char *base, marks *m,
			int report)
{
	check_frames(f, stack, cJSON_GetObjectItemCaseSensitive(stack, "frames"), str(stack, "title"),
		     k, base, m, report);
}

/* A leaked thread is told by where it was created: the only stack it has. */
static void check_leak(const cJSON *f, int k, const char *base, marks *m, int report)
{
	const cJSON *threads = cJSON_GetObjectItemCaseSensitive(f, "threads");
	if (cJSON_GetArraySize(threads) < 1)
		fail("%s #%d names no thread", kinds[k][1], report);
	const cJSON *t;
	cJSON_ArrayForEach(t, threads)
		check_frames(f, NULL, cJSON_GetObjectItemCaseSensitive(t, "created"), "created at", k,
			     base, m, report);
}

/* A race stack that starts at a RACE-READ or RACE-WRITE line must be of
 * that kind of access. */
static void check_access(const cJSON *f, const char *base, const marks *m, int report)
{
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(f, "stacks")) {
		const cJSON *frames = cJSON_GetObjectItemCaseSensitive(s, "frames");
		const cJSON *fr = cJSON_GetArrayItem(frames, 0);
		if (fr && is_mem_function(str(fr, "function")))
			fr = cJSON_GetArrayItem(frames, 1);
		const char *file = fr ? str(fr, "file") : "";
		const char *slash = strrchr(file, '/');
		if (!fr || strcmp(slash ? slash + 1 : file, base))
			continue;
		int writes = strstr(str(s, "access"), "write") != NULL, marked = 0, right = 0;
		for (int i = 0; i < m->n; i++)
			if (m->access[i] && m->line[i] == num(fr, "line")) {
				marked = 1;
				right |= (m->access[i] == 'w') == writes;
			}
		if (marked && !right)
			fail("race #%d: stack \"%s\" (a %s) starts at line %d, marked for the other kind",
			     report, str(s, "title"), str(s, "access"), num(fr, "line"));
	}
}

static void check_finding(const cJSON *f, int k, const char *base, marks *m, int report)
{
	if (!strcmp(kinds[k][1], "thread-leak")) {
		check_leak(f, k, base, m, report);
		return;
	}
	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(f, "stacks");
	int want = !strcmp(kinds[k][1], "race") || !strcmp(kinds[k][1], "lock-order") ? 2 : 1;
	if (cJSON_GetArraySize(stacks) < want)
		fail("%s #%d has %d stack(s), not %d or more", kinds[k][1], report,
		     cJSON_GetArraySize(stacks), want);
	const cJSON *s;
	cJSON_ArrayForEach(s, stacks)
		check_stack(f, s, k, base, m, report);
	if (!m->location[0] || strcmp(kinds[k][1], "race"))
		return;
	const cJSON *loc;
	int found = 0;
	cJSON_ArrayForEach(loc, cJSON_GetObjectItemCaseSensitive(f, "locations"))
		found |= !strcmp(str(loc, "kind"), m->location);
	if (!found)
		fail("race #%d: no location of kind %s", report, m->location);
}

static int fixture(const char *pvcheck, const char *src, const char *work)
{
	const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	char name[256], exe[1024], json[1024];
	snprintf(name, sizeof name, "%.*s", (int)strcspn(base, "."), base);
	mkdir(work, 0777);
	snprintf(exe, sizeof exe, "%s/%s.pv", work, name);
	snprintf(json, sizeof json, "%s/%s.json", work, name);
	unlink(json);
	char *cc[] = { (char *)pvcheck, "cc", "-o", exe, (char *)src, NULL };
	if (run(cc) != 0) {
		fail("pvcheck cc failed for %s", src);
		return 1;
	}
	char *rn[] = { (char *)pvcheck, "run", "--json", json, "--timeout", "60", "--", exe, NULL };
	int rc = run(rn);
	marks m;
	read_marks(src, &m);
	cJSON *doc = load_json(json);
	const cJSON *findings = cJSON_GetObjectItemCaseSensitive(doc, "findings");
	if (doc && !cJSON_IsArray(findings))
		fail("%s has no \"findings\" array", json);
	int n = cJSON_GetArraySize(findings);
	if (!m.n) {
		if (n)
			fail("clean fixture %s: %d finding(s), first: %s", base, n,
			     str(cJSON_GetArrayItem(findings, 0), "headline"));
		if (rc != 0)
			fail("clean fixture %s: pvcheck run exited %d, not 0", base, rc);
	} else {
		int want = 66;
		for (int i = 0; i < m.n; i++)
			if (!strcmp(kinds[m.kind[i]][1], "deadlock"))
				want = 67;
		if (rc == 124)
			fail("fixture %s: pvcheck run waited for its timeout", base);
		else if (rc != want)
			fail("fixture %s: pvcheck run exited %d, not %d", base, rc, want);
		int report = 0;
		const cJSON *f;
		cJSON_ArrayForEach(f, findings) {
			report++;
			int k = -1;
			for (int i = 0; i < m.n; i++)
				if (!strcmp(str(f, "kind"), kinds[m.kind[i]][1]))
					k = m.kind[i];
			if (k < 0) {
				fail("finding #%d is a %s (%s), a kind no line is marked for", report,
				     str(f, "kind"), str(f, "headline"));
				continue;
			}
			check_finding(f, k, base, &m, report);
			if (!strcmp(kinds[k][1], "race"))
				check_access(f, base, &m, report);
		}
		for (int i = 0; i < m.n; i++)
			if (!m.hit[i])
				fail("%s:%d is marked %s but no %s finding points at it", base, m.line[i],
				     kinds[m.kind[i]][0], kinds[m.kind[i]][1]);
		for (int c = 0; c < m.ncounts; c++) {
			int got = 0;
			cJSON_ArrayForEach(f, findings)
				got += !m.count[c].kind[0] || !strcmp(str(f, "kind"), m.count[c].kind);
			if (m.count[c].at_least ? got < m.count[c].n : got != m.count[c].n)
				fail("%d %s finding(s), expected %s%d", got,
				     m.count[c].kind[0] ? m.count[c].kind : "in all",
				     m.count[c].at_least ? "at least " : "", m.count[c].n);
		}
		for (int h = 0; h < m.nheadlines; h++) {
			int found = 0;
			cJSON_ArrayForEach(f, findings)
				found |= strstr(str(f, "headline"), m.headline[h]) != NULL;
			if (!found)
				fail("no finding's headline has \"%s\"", m.headline[h]);
		}
	}
	cJSON_Delete(doc);
	return failures ? 1 : 0;
}

static int json_report(const char *path, int want)
{
	cJSON *doc = load_json(path);
	const cJSON *vs = cJSON_GetObjectItemCaseSensitive(doc, "variants");
	if (doc && cJSON_GetArraySize(vs) != want)
		fail("%s: %d variants, expected %d", path, cJSON_GetArraySize(vs), want);
	static const char *const keys[] = { "case", "variant", "expected", "tsan_expected",
		"pvcheck_verdict", "tsan_verdict", "agreement", "pvcheck_findings", "tsan_findings", NULL };
	const cJSON *v;
	cJSON_ArrayForEach(v, vs)
		for (int i = 0; keys[i]; i++)
			if (!cJSON_GetObjectItemCaseSensitive(v, keys[i]))
				fail("%s: a variant lacks \"%s\"", path, keys[i]);
	if (doc && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "errors")) < 1)
		fail("%s: the bad case.ini is not among \"errors\"", path);
	cJSON_Delete(doc);
	return failures ? 1 : 0;
}

static int sarif_report(const char *path)
{
	cJSON *doc = load_json(path);
	if (!doc)
		return 1;
	if (strcmp(str(doc, "version"), "2.1.0"))
		fail("%s: version is not 2.1.0", path);
	const cJSON *runs = cJSON_GetObjectItemCaseSensitive(doc, "runs");
	if (cJSON_GetArraySize(runs) != 2)
		fail("%s: %d runs, expected 2", path, cJSON_GetArraySize(runs));
	static const char *const names[] = { "pvcheck", "ThreadSanitizer" };
	int n[2] = { 0, 0 }, both = 0;
	for (int i = 0; i < 2 && i < cJSON_GetArraySize(runs); i++) {
		const cJSON *r = cJSON_GetArrayItem(runs, i);
		const cJSON *driver = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(r, "tool"), "driver");
		if (strcmp(str(driver, "name"), names[i]))
			fail("%s: run %d is \"%s\", expected %s", path, i, str(driver, "name"), names[i]);
		const cJSON *res;
		cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(r, "results")) {
			n[i]++;
			if (!*str(res, "ruleId") || !*str(cJSON_GetObjectItemCaseSensitive(res, "message"), "text"))
				fail("%s: a %s result lacks ruleId or message", path, names[i]);
			const cJSON *by = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(res, "properties"), "foundBy");
			both += cJSON_GetArraySize(by) == 2;
		}
	}
	/* The racy case: both find it, and it is one alert, pvcheck's. */
	if (!n[0])
		fail("%s: pvcheck has no results (the racy case should give one)", path);
	if (!both)
		fail("%s: no result says both checkers found it", path);
	cJSON_Delete(doc);
	return failures ? 1 : 0;
}

/* 'pvcheck list --json' as lines for a script: "case<TAB>dir<TAB>variant<TAB>
 * expect<TAB>tsan<TAB>sources", sources separated by blanks. */
static int list_lines(const char *path)
{
	cJSON *doc = load_json(path);
	const cJSON *t, *c, *v, *s;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "topics"))
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(t, "cases"))
			cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(c, "variants")) {
				printf("%s\t%s\t%s\t%s\t%s\t", str(c, "id"), str(c, "dir"),
				       str(v, "name"), str(v, "expect"), str(v, "tsan"));
				int first = 1;
				cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(v, "sources")) {
					printf("%s%s", first ? "" : " ", cJSON_GetStringValue(s));
					first = 0;
				}
				putchar('\n');
			}
	cJSON_Delete(doc);
	return failures ? 1 : 0;
}

static void words_line(const cJSON *a)
{
	const cJSON *w;
	int first = 1;
	cJSON_ArrayForEach(w, a) {
		printf("%s%s", first ? "" : ",", cJSON_GetStringValue(w));
		first = 0;
	}
	if (first)
		fputs("clean", stdout);
}

/* 'pvcheck --json' as lines: "case<TAB>variant<TAB>pvcheck verdict<TAB>TSan
 * verdict", each verdict's words joined by commas, "clean" when none. */
static int verdict_lines(const char *path)
{
	cJSON *doc = load_json(path);
	const cJSON *v;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(doc, "variants")) {
		printf("%s\t%s\t", str(v, "case"), str(v, "variant"));
		words_line(cJSON_GetObjectItemCaseSensitive(v, "pvcheck_verdict"));
		putchar('\t');
		words_line(cJSON_GetObjectItemCaseSensitive(v, "tsan_verdict"));
		putchar('\n');
	}
	cJSON_Delete(doc);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "fixture"))
		return fixture(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "json"))
		return json_report(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "sarif"))
		return sarif_report(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "list"))
		return list_lines(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "verdicts"))
		return verdict_lines(argv[2]);
	fprintf(stderr, "usage: e2e_check fixture PVCHECK SRC WORKDIR | json FILE N | sarif FILE"
		" | list FILE | verdicts FILE\n");
	return 2;
}
