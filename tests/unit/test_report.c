/* Unit tests for lib/report.c: JSON shape and escaping, text, emission. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cJSON.h>
#include <dlfcn.h>
#include "cunit_main.h"
#include "base.h"
#include "options.h"
#include "report.h"

static char json_path[64];

/* Options are read once, on first use: set them before anything runs. */
__attribute__((constructor)) static void set_options(void)
{
	static char env[128];
	strcpy(json_path, "/tmp/pv_test_report_XXXXXX");
	int fd = mkstemp(json_path);
	if (fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	close(fd);
	snprintf(env, sizeof env, "json=%s:stderr=0", json_path);
	setenv("PVCHECK_OPTIONS", env, 1);
}

__attribute__((destructor)) static void remove_json(void)
{
	unlink(json_path);
}

static int writer_line, reader_line, alloc_line, spawn_line;

__attribute__((noinline)) static void racy_writer(pv_stack *st)
{
	writer_line = __LINE__; pv_stack_unwind(st, 0);
}

__attribute__((noinline)) static void racy_reader(pv_stack *st)
{
	reader_line = __LINE__; pv_stack_unwind(st, 0);
}

__attribute__((noinline)) static void alloc_site(pv_stack *st)
{
	alloc_line = __LINE__; pv_stack_unwind(st, 0);
}

__attribute__((noinline)) static void spawn_site(pv_stack *st)
{
	spawn_line = __LINE__; pv_stack_unwind(st, 0);
}

static void make_race(pv_report *r)
{
	memset(r, 0, sizeof *r);
	r->kind = PV_REPORT_RACE;
	strcpy(r->headline, "data race");

	r->nstacks = 2;
	r->stacks[0].tid = 1;
	strcpy(r->stacks[0].access, "write");
	r->stacks[0].size = 4;
	r->stacks[0].addr = 0x7b0400001234;
	racy_writer(&r->stacks[0].stack);
	r->stacks[1].tid = 0;
	strcpy(r->stacks[1].title, "Previous read of size 4 at 0x7b0400001234 by main thread");
	strcpy(r->stacks[1].access, "read");
	r->stacks[1].size = 4;
	r->stacks[1].addr = 0x7b0400001234;
	racy_reader(&r->stacks[1].stack);

	r->nlocs = 1;
	r->locs[0].kind = PV_LOC_HEAP;
	r->locs[0].start = 0x7b0400001230;
	r->locs[0].size = 40;
	r->locs[0].tid = 1;
	alloc_site(&r->locs[0].stack);

	r->nthreads = 1;
	r->threads[0].tid = 1;
	strcpy(r->threads[0].name, "worker");
	r->threads[0].parent_tid = 0;
	r->threads[0].running = 1;
	spawn_site(&r->threads[0].created);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static cJSON *report_to_json(const pv_report *r, int pid)
{
	pv_strbuf sb;
	pv_sb_init(&sb);
	pv_report_json(r, pid, &sb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sb.buf);
	CU_ASSERT_EQUAL(strlen(sb.buf), sb.len);
	CU_ASSERT_PTR_NULL(strchr(sb.buf, '\n')); /* one line */
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(sb.buf, &end, 1);
	pv_sb_free(&sb);
	return j;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : -12345;
}

static void check_frame0(const cJSON *frames, const char *fn, int line)
{
	CU_ASSERT_FATAL(cJSON_IsArray(frames) && cJSON_GetArraySize(frames) >= 2);
	const cJSON *f = cJSON_GetArrayItem(frames, 0);
	CU_ASSERT_STRING_EQUAL(jstr(f, "function"), fn);
	CU_ASSERT(ends_with(jstr(f, "file"), "/test_report.c"));
	CU_ASSERT_EQUAL(jnum(f, "line"), line);
	CU_ASSERT(jnum(f, "column") > 0);
	CU_ASSERT(strlen(jstr(f, "module")) > 0);
	CU_ASSERT(strncmp(jstr(f, "pc"), "0x", 2) == 0);
	/* The caller is this test file's make_race. */
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(frames, 1), "function"), "make_race");
}

static void test_json_shape(void)
{
	pv_report r;
	make_race(&r);
	cJSON *j = report_to_json(&r, 4242);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);

	CU_ASSERT_STRING_EQUAL(jstr(j, "kind"), "race");
	CU_ASSERT_EQUAL(jnum(j, "pid"), 4242);
	CU_ASSERT_STRING_EQUAL(jstr(j, "headline"), "data race");
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(j, "note"));

	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(j, "stacks");
	CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(stacks), 2);
	const cJSON *s0 = cJSON_GetArrayItem(stacks, 0), *s1 = cJSON_GetArrayItem(stacks, 1);
	CU_ASSERT_EQUAL(jnum(s0, "thread"), 1);
	CU_ASSERT_STRING_EQUAL(jstr(s0, "access"), "write");
	CU_ASSERT_EQUAL(jnum(s0, "size"), 4);
	CU_ASSERT_STRING_EQUAL(jstr(s0, "addr"), "0x7b0400001234");
	CU_ASSERT_STRING_EQUAL(jstr(s0, "title"), "Write of size 4 at 0x7b0400001234 by thread T1");
	check_frame0(cJSON_GetObjectItemCaseSensitive(s0, "frames"), "racy_writer", writer_line);
	CU_ASSERT_EQUAL(jnum(s1, "thread"), 0);
	CU_ASSERT_STRING_EQUAL(jstr(s1, "access"), "read");
	CU_ASSERT_STRING_EQUAL(jstr(s1, "title"), r.stacks[1].title);
	check_frame0(cJSON_GetObjectItemCaseSensitive(s1, "frames"), "racy_reader", reader_line);

	const cJSON *locs = cJSON_GetObjectItemCaseSensitive(j, "locations");
	CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(locs), 1);
	const cJSON *l = cJSON_GetArrayItem(locs, 0);
	CU_ASSERT_STRING_EQUAL(jstr(l, "kind"), "heap");
	CU_ASSERT_STRING_EQUAL(jstr(l, "start"), "0x7b0400001230");
	CU_ASSERT_EQUAL(jnum(l, "size"), 40);
	CU_ASSERT_EQUAL(jnum(l, "thread"), 1);
	check_frame0(cJSON_GetObjectItemCaseSensitive(l, "frames"), "alloc_site", alloc_line);

	const cJSON *threads = cJSON_GetObjectItemCaseSensitive(j, "threads");
	CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(threads), 1);
	const cJSON *t = cJSON_GetArrayItem(threads, 0);
	CU_ASSERT_EQUAL(jnum(t, "id"), 1);
	CU_ASSERT_STRING_EQUAL(jstr(t, "name"), "worker");
	CU_ASSERT_EQUAL(jnum(t, "parent"), 0);
	CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "running")));
	check_frame0(cJSON_GetObjectItemCaseSensitive(t, "created"), "spawn_site", spawn_line);
	cJSON_Delete(j);
}

static void test_json_other_kinds(void)
{
	pv_report r;
	memset(&r, 0, sizeof r);
	r.kind = PV_REPORT_LOCK_ORDER;
	strcpy(r.headline, "lock-order-inversion (potential deadlock)");
	strcpy(r.note, "Locks were taken in both orders.");
	r.nlocs = 2;
	r.locs[0].kind = PV_LOC_SYNC;
	strcpy(r.locs[0].name, "mutex");
	r.locs[0].start = 0x1000;
	r.locs[1].kind = PV_LOC_STACK;
	r.locs[1].tid = 2;
	r.nstacks = 1; /* an empty stack is still a stack */
	r.stacks[0].tid = -1;
	strcpy(r.stacks[0].access, "lock");

	cJSON *j = report_to_json(&r, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(jstr(j, "kind"), "lock-order");
	CU_ASSERT_STRING_EQUAL(jstr(j, "note"), r.note);
	const cJSON *locs = cJSON_GetObjectItemCaseSensitive(j, "locations");
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(locs, 0), "kind"), "sync");
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(locs, 0), "name"), "mutex");
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(locs, 1), "kind"), "stack");
	CU_ASSERT_EQUAL(jnum(cJSON_GetArrayItem(locs, 1), "thread"), 2);
	const cJSON *s0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "stacks"), 0);
	CU_ASSERT_EQUAL(jnum(s0, "thread"), -1);
	CU_ASSERT_STRING_EQUAL(jstr(s0, "title"), "Lock");
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s0, "frames")), 0);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "threads")), 0);
	cJSON_Delete(j);

	CU_ASSERT_STRING_EQUAL(pv_report_kind_name(PV_REPORT_RACE), "race");
	CU_ASSERT_STRING_EQUAL(pv_report_kind_name(PV_REPORT_DEADLOCK), "deadlock");
	CU_ASSERT_STRING_EQUAL(pv_report_kind_name(PV_REPORT_LOCK_ORDER), "lock-order");
	CU_ASSERT_STRING_EQUAL(pv_report_kind_name(PV_REPORT_API_MISUSE), "api-misuse");
	CU_ASSERT_STRING_EQUAL(pv_report_kind_name(PV_REPORT_CRASH), "crash");
	CU_ASSERT_STRING_EQUAL(pv_report_kind_name(PV_REPORT_THREAD_LEAK), "thread-leak");
}

static char *report_text(const pv_report *r, int pid);

/* A thread leak: no stacks, its thread's creation, a count, TSan's text. */
static void test_thread_leak(void)
{
	pv_report r;
	memset(&r, 0, sizeof r);
	r.kind = PV_REPORT_THREAD_LEAK;
	strcpy(r.headline, "thread leak");
	r.nthreads = 1;
	r.threads[0].tid = 1;
	r.threads[0].os_tid = 4321;
	strcpy(r.threads[0].name, "T1");
	r.threads[0].created.n = 1;
	r.threads[0].created.pc[0] = (uintptr_t)&test_thread_leak + 1;
	r.count = 3;

	cJSON *j = report_to_json(&r, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(jstr(j, "kind"), "thread-leak");
	CU_ASSERT_EQUAL(jnum(j, "count"), 3);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "stacks")), 0);
	const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "threads"), 0);
	CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(t, "running")));
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t, "created")), 1);
	cJSON_Delete(j);

	char *s = report_text(&r, 77);
	CU_ASSERT(strncmp(s, "==================\nWARNING: pvcheck: thread leak (pid=77)\n"
			     "  Thread T1 (tid=4321, finished) created by main thread at:\n    #0 test_thread_leak ",
			  strlen("==================\nWARNING: pvcheck: thread leak (pid=77)\n"
				 "  Thread T1 (tid=4321, finished) created by main thread at:\n    #0 test_thread_leak ")) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  And 2 more similar thread leaks.\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\nSUMMARY: pvcheck: thread leak "));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, " in test_thread_leak\n"));
	free(s);

	/* One leaked thread: no "And ... more" line, and a count of 1. */
	r.count = 1;
	s = report_text(&r, 77);
	CU_ASSERT_PTR_NULL(strstr(s, "more similar"));
	free(s);
	j = report_to_json(&r, 1);
	CU_ASSERT_EQUAL(jnum(j, "count"), 1);
	cJSON_Delete(j);
}

static void test_json_escaping(void)
{
	static const char nasty[] = "a\"b\\c\nd\x01" "e\t/";
	pv_report r;
	make_race(&r);
	strcpy(r.threads[0].name, nasty);
	strcpy(r.locs[0].name, nasty);
	strcpy(r.headline, nasty);
	strcpy(r.note, nasty);
	cJSON *j = report_to_json(&r, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(jstr(j, "headline"), nasty);
	CU_ASSERT_STRING_EQUAL(jstr(j, "note"), nasty);
	const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "threads"), 0);
	CU_ASSERT_STRING_EQUAL(jstr(t, "name"), nasty);
	const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "locations"), 0);
	CU_ASSERT_STRING_EQUAL(jstr(l, "name"), nasty);
	cJSON_Delete(j);
}

static char *report_text(const pv_report *r, int pid)
{
	pv_strbuf sb;
	pv_sb_init(&sb);
	pv_report_text(r, pid, &sb);
	char *s = strdup(sb.buf ? sb.buf : "");
	pv_sb_free(&sb);
	return s;
}

static void test_text(void)
{
	pv_report r;
	char want[256];
	make_race(&r);
	char *s = report_text(&r, 1234);

	const char *head = "==================\nWARNING: pvcheck: data race (pid=1234)\n";
	CU_ASSERT(strncmp(s, head, strlen(head)) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  Write of size 4 at 0x7b0400001234 by thread T1:\n    #0 racy_writer /"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  Previous read of size 4 at 0x7b0400001234 by main thread:\n    #0 racy_reader /"));
	snprintf(want, sizeof want, "test_report.c:%d:", writer_line);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "    #1 make_race "));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  Location is heap block of size 40 at 0x7b0400001230 allocated by thread T1:\n    #0 alloc_site "));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  Thread T1 'worker' (running) created by main thread at:\n    #0 spawn_site "));
	snprintf(want, sizeof want, "\nSUMMARY: pvcheck: data race /");
	CU_ASSERT_PTR_NOT_NULL(strstr(s, want));
	snprintf(want, sizeof want, "/test_report.c:%d:", writer_line);
	const char *sum = strstr(s, "SUMMARY:");
	CU_ASSERT(sum && strstr(sum, want) && strstr(sum, " in racy_writer\n==================\n"));
	CU_ASSERT(ends_with(s, "\n==================\n"));
	free(s);

	/* Unknown frames, empty stacks, other locations. */
	memset(&r, 0, sizeof r);
	r.kind = PV_REPORT_DEADLOCK;
	r.nstacks = 2;
	r.stacks[0].stack.n = 1;
	r.stacks[0].stack.pc[0] = 0x10;
	strcpy(r.stacks[0].title, "Blocked here");
	r.stacks[1].tid = 3;
	strcpy(r.stacks[1].access, "atomic write");
	r.stacks[1].size = 8;
	r.nlocs = 2;
	r.locs[0].kind = PV_LOC_STACK;
	r.locs[0].tid = 2;
	r.locs[1].kind = PV_LOC_GLOBAL;
	strcpy(r.locs[1].name, "counter");
	r.locs[1].size = 4;
	r.locs[1].start = (uintptr_t)&r; /* no module: printed without one */
	s = report_text(&r, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "WARNING: pvcheck: deadlock (pid=1)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "  Blocked here:\n    #0 <null> <null> (0x10)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "  Atomic write of size 8 by thread T3:\n    <empty stack>\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "  Location is stack of thread T2.\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "  Location is global 'counter' of size 4 at 0x"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\nSUMMARY: pvcheck: deadlock"));
	free(s);
}

int pv_test_counter_global;

static void test_text_global_module(void)
{
	pv_report r;
	char want[128];
	memset(&r, 0, sizeof r);
	r.nlocs = 1;
	r.locs[0].kind = PV_LOC_GLOBAL;
	strcpy(r.locs[0].name, "pv_test_counter_global");
	r.locs[0].size = 4;
	r.locs[0].start = (uintptr_t)&pv_test_counter_global;
	char *s = report_text(&r, 1);
	/* The object's offset in its module, like TSan's. */
	Dl_info di;
	CU_ASSERT_FATAL(dladdr(&pv_test_counter_global, &di) != 0);
	const char *exe = strrchr(di.dli_fname, '/');
	snprintf(want, sizeof want, " at %p (%s+0x%lx)\n", (void *)&pv_test_counter_global,
		 exe ? exe + 1 : di.dli_fname,
		 (unsigned long)((char *)&pv_test_counter_global - (char *)di.dli_fbase));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, want));
	free(s);
}

static int count_lines(int *valid)
{
	FILE *f = fopen(json_path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;
	*valid = 0;
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		n++;
		cJSON *j = cJSON_Parse(line);
		if (j && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "kind")))
			(*valid)++;
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return n;
}

static void test_emit_appends(void)
{
	pv_report r;
	int valid;
	make_race(&r);
	CU_ASSERT_STRING_EQUAL(pv_options()->json_path, json_path);
	CU_ASSERT_EQUAL(pv_options()->report_stderr, 0);
	int before = pv_report_count();
	int lines = count_lines(&valid);
	CU_ASSERT_EQUAL(lines, before);

	pv_report_emit(&r);
	CU_ASSERT_EQUAL(pv_report_count(), before + 1);
	CU_ASSERT_EQUAL(count_lines(&valid), lines + 1);
	pv_report_emit(&r);
	CU_ASSERT_EQUAL(pv_report_count(), before + 2);
	CU_ASSERT_EQUAL(count_lines(&valid), lines + 2);
	CU_ASSERT_EQUAL(valid, lines + 2);
}

static void *emitter(void *arg)
{
	pv_report *r = arg;
	for (int i = 0; i < 20; i++)
		pv_report_emit(r);
	return NULL;
}

static void test_emit_concurrent(void)
{
	static pv_report r;
	pthread_t t[3];
	int valid;
	make_race(&r);
	int before = pv_report_count(), lines = count_lines(&valid);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, emitter, &r), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL(pv_report_count(), before + 60);
	CU_ASSERT_EQUAL(count_lines(&valid), lines + 60);
	CU_ASSERT_EQUAL(valid, lines + 60);
}

static void test_fork_child_and_halt(void)
{
	pv_report r;
	int valid;
	make_race(&r);
	CU_ASSERT(pv_report_count() > 0);
	int lines = count_lines(&valid);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		pv_report_after_fork_child();
		if (pv_report_count() != 0)
			_exit(1);
		pv_report_emit(&r);
		if (pv_report_count() != 1)
			_exit(2);
		/* Options are parsed once: switch halting on by hand. */
		((pv_options_t *)pv_options())->halt_on_error = 1;
		((pv_options_t *)pv_options())->exitcode = 0;
		pv_report_emit(&r);
		_exit(3); /* not reached: emit exits with 66 */
	}
	int status = 0;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 66);
	CU_ASSERT_EQUAL(count_lines(&valid), lines + 2);
	CU_ASSERT_EQUAL(valid, lines + 2);
}

static int lock_line;

__attribute__((noinline)) static void lock_site(pv_stack *st)
{
	lock_line = __LINE__; pv_stack_unwind(st, 0);
}

/* The race of make_race, its write holding two locks (one for reading),
 * its read at a time whose locks are no longer known. */
static void make_race_with_locks(pv_report *r)
{
	make_race(r);
	r->nmutexes = 2;
	r->mutexes[0].addr = 0x5000;
	r->mutexes[0].kind = PV_LOC_GLOBAL;
	strcpy(r->mutexes[0].name, "queue_lock");
	r->mutexes[0].start = 0x5000;
	r->mutexes[0].tid = 1;
	lock_site(&r->mutexes[0].stack);
	r->mutexes[1].addr = 0x7b0400002010;
	r->mutexes[1].kind = PV_LOC_HEAP;
	r->mutexes[1].start = 0x7b0400002000;
	r->mutexes[1].size = 64;
	r->mutexes[1].tid = 2;
	lock_site(&r->mutexes[1].stack);
	r->mutexes[1].alloc_tid = 0;
	alloc_site(&r->mutexes[1].alloc);
	r->stacks[0].nmutexes = 2;
	r->stacks[0].mutexes[0] = (pv_report_held){ 0, 1 };
	r->stacks[0].mutexes[1] = (pv_report_held){ 1, 0 };
	r->stacks[1].nmutexes = -1;
}

static void test_text_mutexes(void)
{
	pv_report r;
	char want[256];
	make_race_with_locks(&r);
	char *s = report_text(&r, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  Write of size 4 at 0x7b0400001234 by thread T1 (mutexes: write M0, read M1):\n    #0 racy_writer /"));
	/* A set title gets the locks too. */
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  Previous read of size 4 at 0x7b0400001234 by main thread (mutexes: unknown):\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  Mutex M0 (0x5000) 'queue_lock', locked by thread T1 at:\n    #0 lock_site "));
	snprintf(want, sizeof want, "test_report.c:%d:", lock_line);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  Mutex M1 (0x7b0400002010) in a heap block of size 64 at 0x7b0400002000, locked by thread T2 at:\n    #0 lock_site "));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\n  The block was allocated by main thread at:\n    #0 alloc_site "));
	/* TSan's order: locations, then mutexes, then threads. */
	const char *loc = strstr(s, "Location is"), *mu = strstr(s, "Mutex M0"), *th = strstr(s, "Thread T1");
	CU_ASSERT(loc && mu && th && loc < mu && mu < th);
	free(s);

	/* No lock held: no suffix; more than listed: counted. */
	make_race(&r);
	s = report_text(&r, 1);
	CU_ASSERT_PTR_NULL(strstr(s, "(mutexes:"));
	CU_ASSERT_PTR_NULL(strstr(s, "  Mutex M"));
	free(s);
	make_race_with_locks(&r);
	r.stacks[0].more_mutexes = 3;
	s = report_text(&r, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, " by thread T1 (mutexes: write M0, read M1 and 3 more):\n"));
	free(s);
}

static void test_json_mutexes(void)
{
	pv_report r;
	make_race_with_locks(&r);
	cJSON *j = report_to_json(&r, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	const cJSON *stacks = cJSON_GetObjectItemCaseSensitive(j, "stacks");
	const cJSON *held = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(stacks, 0), "mutexes");
	CU_ASSERT_FATAL(cJSON_IsArray(held) && cJSON_GetArraySize(held) == 2);
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(held, 0), "id"), "M0");
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(held, 0), "addr"), "0x5000");
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(held, 0), "mode"), "write");
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(held, 1), "id"), "M1");
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(held, 1), "mode"), "read");
	CU_ASSERT(ends_with(jstr(cJSON_GetArrayItem(stacks, 0), "title"), " (mutexes: write M0, read M1)"));
	/* Not known any more: null, not an empty list. */
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(stacks, 1), "mutexes")));

	const cJSON *mus = cJSON_GetObjectItemCaseSensitive(j, "mutexes");
	CU_ASSERT_FATAL(cJSON_IsArray(mus) && cJSON_GetArraySize(mus) == 2);
	const cJSON *m0 = cJSON_GetArrayItem(mus, 0), *m1 = cJSON_GetArrayItem(mus, 1);
	CU_ASSERT_STRING_EQUAL(jstr(m0, "id"), "M0");
	CU_ASSERT_STRING_EQUAL(jstr(m0, "kind"), "global");
	CU_ASSERT_STRING_EQUAL(jstr(m0, "name"), "queue_lock");
	CU_ASSERT_EQUAL(jnum(m0, "thread"), 1);
	const cJSON *frames = cJSON_GetObjectItemCaseSensitive(m0, "frames");
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(frames, 0), "function"), "lock_site");
	CU_ASSERT_STRING_EQUAL(jstr(m1, "kind"), "heap");
	CU_ASSERT_STRING_EQUAL(jstr(m1, "name"), "");
	CU_ASSERT_STRING_EQUAL(jstr(m1, "addr"), "0x7b0400002010");
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m1, "frames"), 0), "function"), "lock_site");
	const cJSON *alloc = cJSON_GetObjectItemCaseSensitive(m1, "allocated");
	CU_ASSERT_EQUAL(jnum(alloc, "thread"), 0);
	CU_ASSERT_STRING_EQUAL(jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(alloc, "frames"), 0), "function"), "alloc_site");
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(m0, "allocated"));
	/* A lock with no known locking stack. */
	make_race_with_locks(&r);
	r.mutexes[0].tid = -1;
	r.mutexes[0].stack.n = 0;
	char *t = report_text(&r, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\n  Mutex M0 (0x5000) 'queue_lock'.\n"));
	free(t);
	cJSON_Delete(j);

	/* Other kinds of report: no "mutexes" on their stacks, an empty table. */
	make_race(&r);
	r.kind = PV_REPORT_DEADLOCK;
	j = report_to_json(&r, 1);
	stacks = cJSON_GetObjectItemCaseSensitive(j, "stacks");
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(stacks, 0), "mutexes"));
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "mutexes")), 0);
	cJSON_Delete(j);
	/* A race whose accesses held nothing: empty lists. */
	make_race(&r);
	j = report_to_json(&r, 1);
	stacks = cJSON_GetObjectItemCaseSensitive(j, "stacks");
	held = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(stacks, 1), "mutexes");
	CU_ASSERT(cJSON_IsArray(held) && cJSON_GetArraySize(held) == 0);
	cJSON_Delete(j);
}

const char *pv_suite_name = "report";
const pv_test pv_tests[] = {
	{ "json shape of a race", test_json_shape },
	{ "json of other kinds", test_json_other_kinds },
	{ "thread leak: json and text", test_thread_leak },
	{ "json escaping round-trips", test_json_escaping },
	{ "text in TSan's shape", test_text },
	{ "text names a global's module", test_text_global_module },
	{ "text: locks held at each access", test_text_mutexes },
	{ "json: locks held at each access", test_json_mutexes },
	{ "emit appends one line", test_emit_appends },
	{ "emit from threads", test_emit_concurrent },
	{ "fork child count and halt_on_error", test_fork_child_and_halt },
	{ NULL, NULL },
};
