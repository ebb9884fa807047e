/* Unit tests for lib/stack.c: unwinding, the depot, the symbolizer. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cunit_main.h"
#include "stack.h"

int pv_test_global_var[7];
static long file_static_var;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *exe_basename(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0)
		return "";
	path[n] = 0;
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

__attribute__((noinline)) static int unwind_here(pv_stack *st, int *line)
{
	*line = __LINE__; return pv_stack_unwind(st, 0);
}

static void test_unwind_names_caller(void)
{
	pv_stack st;
	pv_frame f;
	int line = 0;
	int n = unwind_here(&st, &line);
	CU_ASSERT_EQUAL(n, st.n);
	CU_ASSERT_FATAL(n >= 3); /* unwind_here, this test, CUnit, main... */
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(st.pc[0], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "unwind_here");
	CU_ASSERT(ends_with(f.file, "/test_stack.c"));
	CU_ASSERT_EQUAL(f.file[0], '/');
	CU_ASSERT_EQUAL(f.line, line);
	CU_ASSERT(f.column > 0);
	CU_ASSERT_EQUAL(f.pc, st.pc[0]);
	CU_ASSERT_STRING_EQUAL(f.module, exe_basename());
	Dl_info di;
	CU_ASSERT_FATAL(dladdr((void *)st.pc[0], &di) != 0);
	CU_ASSERT_EQUAL(f.module_offset, st.pc[0] - (uintptr_t)di.dli_fbase);

	/* The next frame is the caller of unwind_here: this test. */
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(st.pc[1], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "test_unwind_names_caller");
	CU_ASSERT(f.line > line);
}

static inline __attribute__((always_inline)) int inlined_unwind(pv_stack *st, int *line)
{
	*line = __LINE__; return pv_stack_unwind(st, 0);
}

static void test_inlined_frame(void)
{
	pv_stack st;
	pv_frame f;
	int line = 0;
	CU_ASSERT_FATAL(inlined_unwind(&st, &line) > 0);
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(st.pc[0], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "inlined_unwind");
	CU_ASSERT_EQUAL(f.line, line);
}

__attribute__((noinline)) static int unwind_from(pv_stack *st, uintptr_t from)
{
	return pv_stack_unwind(st, from);
}

static uintptr_t trim_ra;
static int trim_line;

/* Like a runtime entry point: frames above its caller are dropped. */
__attribute__((noinline)) static void entry(pv_stack *full, pv_stack *trimmed)
{
	trim_ra = (uintptr_t)__builtin_return_address(0);
	unwind_from(full, 0);
	unwind_from(trimmed, trim_ra);
}

static void test_from_pc_trims(void)
{
	pv_stack full, trimmed;
	pv_frame f;
	trim_line = __LINE__; entry(&full, &trimmed);

	CU_ASSERT_FATAL(full.n >= 4);
	CU_ASSERT_EQUAL(full.pc[2], trim_ra);
	CU_ASSERT_EQUAL_FATAL(trimmed.n, full.n - 2);
	CU_ASSERT_EQUAL(trimmed.pc[0], trim_ra);
	CU_ASSERT_EQUAL(memcmp(trimmed.pc, full.pc + 2, trimmed.n * sizeof(uintptr_t)), 0);

	CU_ASSERT_EQUAL_FATAL(pv_symbolize(trimmed.pc[0], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "test_from_pc_trims");
	CU_ASSERT_EQUAL(f.line, trim_line);
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(full.pc[0], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "unwind_from");
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(full.pc[1], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "entry");
}

static void test_from_pc_missing_keeps_all(void)
{
	pv_stack full, st;
	pv_frame f;
	unwind_from(&full, 0);
	unwind_from(&st, 1); /* no return address is 1 */
	CU_ASSERT_EQUAL(st.n, full.n);
	CU_ASSERT_FATAL(st.n > 0);
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(st.pc[0], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "unwind_from");
}

__attribute__((noinline)) static int recurse(pv_stack *st, int depth)
{
	int n = depth ? recurse(st, depth - 1) : pv_stack_unwind(st, 0);
	__asm__ volatile("" ::: "memory"); /* no tail call */
	return n;
}

static void test_deep_stack_capped(void)
{
	pv_stack st;
	CU_ASSERT_EQUAL(recurse(&st, 3 * PV_STACK_MAX), PV_STACK_MAX);
	CU_ASSERT_EQUAL(st.n, PV_STACK_MAX);
}

static void test_intern_lookup(void)
{
	pv_stack a, b, out;
	int line;
	unwind_here(&a, &line);
	memcpy(&b, &a, sizeof a);
	pv_stack_id ia = pv_stack_intern(&a);
	CU_ASSERT_NOT_EQUAL(ia, 0);
	CU_ASSERT_EQUAL(pv_stack_intern(&b), ia);

	b.pc[b.n - 1] ^= 0x10;
	pv_stack_id ib = pv_stack_intern(&b);
	CU_ASSERT_NOT_EQUAL(ib, 0);
	CU_ASSERT_NOT_EQUAL(ib, ia);
	b.n--;
	pv_stack_id ic = pv_stack_intern(&b);
	CU_ASSERT(ic != 0 && ic != ia && ic != ib);

	pv_stack_lookup(ia, &out);
	CU_ASSERT_EQUAL_FATAL(out.n, a.n);
	CU_ASSERT_EQUAL(memcmp(out.pc, a.pc, a.n * sizeof(uintptr_t)), 0);
	pv_stack_lookup(ic, &out);
	CU_ASSERT_EQUAL_FATAL(out.n, b.n);
	CU_ASSERT_EQUAL(memcmp(out.pc, b.pc, b.n * sizeof(uintptr_t)), 0);

	pv_stack empty = { .n = 0 };
	pv_stack_id ie = pv_stack_intern(&empty);
	CU_ASSERT(ie != 0 && ie != ia);
	CU_ASSERT_EQUAL(pv_stack_intern(&empty), ie);
	out.n = 5;
	pv_stack_lookup(ie, &out);
	CU_ASSERT_EQUAL(out.n, 0);
	out.n = 5;
	pv_stack_lookup(0, &out);
	CU_ASSERT_EQUAL(out.n, 0);
}

/* Enough stacks to need more than one second-level id table. */
#define MANY 70000

static void make_stack(pv_stack *st, unsigned i)
{
	st->n = 1 + i % 5;
	for (int k = 0; k < st->n; k++)
		st->pc[k] = 0x100000 + i * 16 + k;
}

static void test_intern_many(void)
{
	static pv_stack_id ids[MANY];
	pv_stack st, out;
	int bad = 0;
	for (unsigned i = 0; i < MANY; i++) {
		make_stack(&st, i);
		ids[i] = pv_stack_intern(&st);
	}
	for (unsigned i = 0; i < MANY; i++) {
		make_stack(&st, i);
		pv_stack_lookup(ids[i], &out);
		if (!ids[i] || pv_stack_intern(&st) != ids[i] || out.n != st.n ||
		    memcmp(out.pc, st.pc, st.n * sizeof(uintptr_t)))
			bad++;
		if (i && ids[i] == ids[i - 1])
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static pv_stack_id thread_ids[2][1000];

static void *intern_worker(void *arg)
{
	pv_stack_id *ids = arg;
	pv_stack st;
	for (unsigned i = 0; i < 1000; i++) {
		make_stack(&st, 500000 + i);
		ids[i] = pv_stack_intern(&st);
	}
	return NULL;
}

static void test_intern_concurrent(void)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, intern_worker, thread_ids[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL(memcmp(thread_ids[0], thread_ids[1], sizeof thread_ids[0]), 0);
	CU_ASSERT_NOT_EQUAL(thread_ids[0][0], 0);
	CU_ASSERT_NOT_EQUAL(thread_ids[0][0], thread_ids[0][1]);
}

static void test_symbolize_data(void)
{
	char name[64];
	uintptr_t start = 0;
	size_t size = 0;
	CU_ASSERT_EQUAL_FATAL(pv_symbolize_data((uintptr_t)&pv_test_global_var[3], name,
						sizeof name, &start, &size), 0);
	CU_ASSERT_STRING_EQUAL(name, "pv_test_global_var");
	CU_ASSERT_EQUAL(start, (uintptr_t)pv_test_global_var);
	CU_ASSERT_EQUAL(size, 28);

	CU_ASSERT_EQUAL_FATAL(pv_symbolize_data((uintptr_t)&file_static_var + 7, name,
						sizeof name, &start, &size), 0);
	CU_ASSERT_STRING_EQUAL(name, "file_static_var");
	CU_ASSERT_EQUAL(size, sizeof(long));

	/* A function is not data, and a stack variable is in no module. */
	int local;
	CU_ASSERT_NOT_EQUAL(pv_symbolize_data((uintptr_t)test_symbolize_data + 1, name,
					      sizeof name, &start, &size), 0);
	CU_ASSERT_NOT_EQUAL(pv_symbolize_data((uintptr_t)&local, name, sizeof name,
					      &start, &size), 0);

	/* Truncated to the caller's buffer, still terminated. */
	char small[5];
	CU_ASSERT_EQUAL(pv_symbolize_data((uintptr_t)pv_test_global_var, small, sizeof small,
					  &start, &size), 0);
	CU_ASSERT_STRING_EQUAL(small, "pv_t");
}

static void test_symbolize_unknown_and_libc(void)
{
	pv_frame f;
	CU_ASSERT_NOT_EQUAL(pv_symbolize(0, &f), 0);
	CU_ASSERT_NOT_EQUAL(pv_symbolize(16, &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "");
	CU_ASSERT_STRING_EQUAL(f.module, "");

	/* A libc function: at least its module and dynamic symbol. */
	CU_ASSERT_EQUAL_FATAL(pv_symbolize((uintptr_t)getpid + 1, &f), 0);
	CU_ASSERT(strncmp(f.module, "libc", 4) == 0);
	CU_ASSERT(strstr(f.function, "getpid") != NULL);
}

static void test_reset_and_fork(void)
{
	pv_stack st;
	pv_frame f;
	int line;
	unwind_here(&st, &line);
	pv_symbolize_reset();
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(st.pc[0], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "unwind_here");

	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		pv_stack_after_fork_child();
		pv_stack_id id = pv_stack_intern(&st);
		pv_stack out;
		pv_stack_lookup(id, &out);
		int ok = pv_symbolize(out.pc[0], &f) == 0 &&
			strcmp(f.function, "unwind_here") == 0 && f.line == line;
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_symbolize_after_dlopen(void)
{
	pv_stack st;
	pv_frame f;
	int line;
	/* Build the symbolizer's view first, so the library is new to it. */
	unwind_here(&st, &line);
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(st.pc[0], &f), 0);

	void *h = dlopen("libinih.so.1", RTLD_NOW | RTLD_LOCAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	void *fn = dlsym(h, "ini_parse");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fn);
	CU_ASSERT_EQUAL_FATAL(pv_symbolize((uintptr_t)fn + 1, &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "ini_parse");
	CU_ASSERT(strncmp(f.module, "libinih.so", 10) == 0);
	/* Modules seen before are still known. */
	CU_ASSERT_EQUAL(pv_symbolize(st.pc[0], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "unwind_here");
	dlclose(h);
}

const char *pv_suite_name = "stack";
const pv_test pv_tests[] = {
	{ "unwind names caller, file, line", test_unwind_names_caller },
	{ "inlined frame names inlined function", test_inlined_frame },
	{ "from_pc drops runtime frames", test_from_pc_trims },
	{ "from_pc not found keeps all", test_from_pc_missing_keeps_all },
	{ "deep stack capped at PV_STACK_MAX", test_deep_stack_capped },
	{ "intern and lookup", test_intern_lookup },
	{ "intern many stacks", test_intern_many },
	{ "intern from two threads", test_intern_concurrent },
	{ "symbolize data", test_symbolize_data },
	{ "symbolize unknown and libc", test_symbolize_unknown_and_libc },
	{ "reset and fork", test_reset_and_fork },
	{ "symbolize after dlopen", test_symbolize_after_dlopen },
	{ NULL, NULL },
};
