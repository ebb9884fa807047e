/* End-to-end checks of the pvcheck command.
 *
 *   e2e_check fixture PVCHECK SRC WORKDIR
 *     builds SRC with `pvcheck cc`, runs it with `pvcheck run --json` and
 *     checks the findings against the marks in SRC: a line carrying
 *     RACE in a comment is where a race's access is; every race must have
 *     all its stacks at marked lines and every marked line must be reported.
 *     "pvcheck-e2e: location=KIND" asks every race's memory to be of KIND.
 *     A fixture without marks must give {"findings":[]} and exit 0.
 *   e2e_check json FILE NVARIANTS     a pvcheck --json report
 *   e2e_check sarif FILE              a pvcheck --sarif report
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

#define MAX_MARKS 64

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
	int hit[MAX_MARKS];
	int n;
	char location[16];
} marks;

static void read_marks(const char *src, marks *m)
{
	FILE *f = fopen(src, "r");
	char buf[1024];
	int no = 0;
	memset(m, 0, sizeof *m);
	while (f && fgets(buf, sizeof buf, f)) {
		no++;
		if (strstr(buf, "/* RACE */") && m->n < MAX_MARKS)
			m->line[m->n++] = no;
		char *d = strstr(buf, "pvcheck-e2e: location=");
		if (d)
			sscanf(d + strlen("pvcheck-e2e: location="), "%15s", m->location);
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

/* Index of the mark at file:line of this fixture, or -1. */
static int mark_at(const marks *m, const char *base, const cJSON *frame)
{
	const char *file = str(frame, "file");
	const char *slash = strrchr(file, '/');
	if (strcmp(slash ? slash + 1 : file, base))
		return -1;
	for (int i = 0; i < m->n; i++)
		if (m->line[i] == num(frame, "line"))
			return i;
	return -1;
}

static int is_mem_function(const char *fn)
{
	static const char *const names[] = { "memcpy", "memmove", "memset", "__tsan_memcpy",
		"__tsan_memmove", "__tsan_memset", "__interceptor_memcpy", "__interceptor_memset",
		"__interceptor_memmove", NULL };
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

/* Frame 0 must be a marked line; a memcpy/memset interceptor may stand before it. */
static void check_stack(const cJSON *stack, const char *base, marks *m, int report)
{
	const cJSON *frames = cJSON_GetObjectItemCaseSensitive(stack, "frames");
	const cJSON *fr = cJSON_GetArrayItem(frames, 0);
	if (fr && is_mem_function(str(fr, "function")) && mark_at(m, base, fr) < 0)
		fr = cJSON_GetArrayItem(frames, 1);
	int k = fr ? mark_at(m, base, fr) : -1;
	if (k >= 0) {
		m->hit[k] = 1;
		return;
	}
	char where[512];
	frame_text(fr, where, sizeof where);
	fail("race #%d: stack \"%s\" starts at %s, not at a line marked RACE",
	     report, str(stack, "title"), where);
}

static void check_race(const cJSON *f, const char *base, marks *m, int report)
{
	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(f, "stacks");
	if (cJSON_GetArraySize(stacks) < 2)
		fail("race #%d has %d stack(s), not two", report, cJSON_GetArraySize(stacks));
	const cJSON *s;
	cJSON_ArrayForEach(s, stacks)
		check_stack(s, base, m, report);
	if (!m->location[0])
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
		if (rc != 66)
			fail("racy fixture %s: pvcheck run exited %d, not 66", base, rc);
		int report = 0, races = 0;
		const cJSON *f;
		cJSON_ArrayForEach(f, findings) {
			report++;
			if (strcmp(str(f, "kind"), "race")) {
				fail("finding #%d is a %s (%s), not a race", report, str(f, "kind"),
				     str(f, "headline"));
				continue;
			}
			races++;
			check_race(f, base, &m, report);
		}
		if (!races)
			fail("racy fixture %s: no race reported", base);
		for (int i = 0; i < m.n; i++)
			if (!m.hit[i])
				fail("%s:%d is marked RACE but no race points at it", base, m.line[i]);
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
	for (int i = 0; i < 2 && i < cJSON_GetArraySize(runs); i++) {
		const cJSON *r = cJSON_GetArrayItem(runs, i);
		const cJSON *driver = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(r, "tool"), "driver");
		if (strcmp(str(driver, "name"), names[i]))
			fail("%s: run %d is \"%s\", expected %s", path, i, str(driver, "name"), names[i]);
		const cJSON *res;
		int n = 0;
		cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(r, "results")) {
			n++;
			if (!*str(res, "ruleId") || !*str(cJSON_GetObjectItemCaseSensitive(res, "message"), "text"))
				fail("%s: a %s result lacks ruleId or message", path, names[i]);
		}
		if (!n)
			fail("%s: %s has no results (the racy case should give one)", path, names[i]);
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
	fprintf(stderr, "usage: e2e_check fixture PVCHECK SRC WORKDIR | json FILE N | sarif FILE\n");
	return 2;
}
