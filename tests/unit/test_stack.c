/* Unit tests for lib/stack.c: unwinding, the depot, the symbolizer. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cJSON.h>
#include "cunit_main.h"
#include "base.h"
#include "report.h"
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
	pv_frame f, fs[PV_INLINE_MAX];
	int line = 0, call;
	call = __LINE__; CU_ASSERT_FATAL(inlined_unwind(&st, &line) > 0);
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(st.pc[0], &f), 0);
	CU_ASSERT_STRING_EQUAL(f.function, "inlined_unwind");
	CU_ASSERT_EQUAL(f.line, line);

	/* Expanded: the inlined function at the pc's line, then the function
	 * it was inlined into, at the call's line. */
	CU_ASSERT_EQUAL_FATAL(pv_symbolize_inline(st.pc[0], fs, PV_INLINE_MAX), 2);
	CU_ASSERT_STRING_EQUAL(fs[0].function, "inlined_unwind");
	CU_ASSERT_EQUAL(fs[0].line, line);
	CU_ASSERT_STRING_EQUAL(fs[0].file, f.file);
	CU_ASSERT_EQUAL(fs[0].column, f.column);
	CU_ASSERT_STRING_EQUAL(fs[1].function, "test_inlined_frame");
	CU_ASSERT_EQUAL(fs[1].line, call);
	CU_ASSERT_STRING_EQUAL(fs[1].file, f.file);
	CU_ASSERT(fs[1].column > 0);
	CU_ASSERT_EQUAL(fs[1].pc, st.pc[0]);
	CU_ASSERT_STRING_EQUAL(fs[1].module, f.module);
	CU_ASSERT_EQUAL(fs[1].module_offset, f.module_offset);
}

/* Two levels of inlining, the innermost from another source file (as from
 * a header): chain_inner is defined at the end of this file. */
static inline __attribute__((always_inline)) int chain_inner(pv_stack *st, int *line);

static inline __attribute__((always_inline)) int chain_middle(pv_stack *st, int *line, int *call)
{
	*call = __LINE__; return chain_inner(st, line);
}

static int chain_line, chain_middle_call, chain_outer_call;

/* Not inlined: the function holding the chain. The tests symbolize its
 * caller's pc too, which is so in this program: a pc in a library with no
 * debug information (CUnit) can make libdw load its debuginfod client (and
 * libcurl), after which the dlopen test's library may be misattributed. */
__attribute__((noinline)) static int chain_outer(pv_stack *st)
{
	int n;
	chain_outer_call = __LINE__; n = chain_middle(st, &chain_line, &chain_middle_call);
	__asm__ volatile("" ::: "memory"); /* no tail call */
	return n;
}

static void chain_check(const pv_frame *f, int n, uintptr_t pc)
{
	CU_ASSERT_STRING_EQUAL(f[0].function, "chain_inner");
	CU_ASSERT(ends_with(f[0].file, "/inline_helper.h"));
	CU_ASSERT_EQUAL(f[0].file[0], '/');
	CU_ASSERT_EQUAL(f[0].line, chain_line);
	if (n > 1) {
		CU_ASSERT_STRING_EQUAL(f[1].function, "chain_middle");
		CU_ASSERT(ends_with(f[1].file, "/test_stack.c"));
		CU_ASSERT_EQUAL(f[1].file[0], '/');
		CU_ASSERT_EQUAL(f[1].line, chain_middle_call);
		CU_ASSERT(f[1].column > 0);
	}
	if (n > 2) {
		CU_ASSERT_STRING_EQUAL(f[2].function, "chain_outer");
		CU_ASSERT(ends_with(f[2].file, "/test_stack.c"));
		CU_ASSERT_EQUAL(f[2].line, chain_outer_call);
		CU_ASSERT(f[2].column > 0);
	}
	for (int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(f[i].pc, pc);
		CU_ASSERT_STRING_EQUAL(f[i].module, exe_basename());
		CU_ASSERT_EQUAL(f[i].module_offset, f[0].module_offset);
	}
}

static pv_stack chain_stack;

static void test_inline_chain(void)
{
	pv_frame f[PV_INLINE_MAX], one;
	pv_stack *st = &chain_stack;
	int call;
	call = __LINE__; CU_ASSERT_FATAL(chain_outer(st) > 0);
	uintptr_t pc = st->pc[0];

	CU_ASSERT_EQUAL_FATAL(pv_symbolize_inline(pc, f, PV_INLINE_MAX), 3);
	chain_check(f, 3, pc);

	/* pv_symbolize is frame 0. */
	CU_ASSERT_EQUAL_FATAL(pv_symbolize(pc, &one), 0);
	chain_check(&one, 1, pc);
	CU_ASSERT_EQUAL(one.column, f[0].column);

	/* Fewer frames than the chain: the innermost ones. */
	memset(f, 0x55, sizeof f);
	CU_ASSERT_EQUAL_FATAL(pv_symbolize_inline(pc, f, 2), 2);
	chain_check(f, 2, pc);
	CU_ASSERT_EQUAL(f[2].line, 0x55555555); /* untouched */
	CU_ASSERT_EQUAL_FATAL(pv_symbolize_inline(pc, f, 1), 1);
	chain_check(f, 1, pc);
	CU_ASSERT_EQUAL(pv_symbolize_inline(pc, f, 0), 0);

	/* The next pc, in this test, is not inlined: one frame. */
	CU_ASSERT_FATAL(st->n > 1);
	CU_ASSERT_EQUAL(pv_symbolize_inline(st->pc[1], f, PV_INLINE_MAX), 1);
	CU_ASSERT_EQUAL(f[0].pc, st->pc[1]);
	CU_ASSERT_STRING_EQUAL(f[0].function, "test_inline_chain");
	CU_ASSERT_EQUAL(f[0].line, call);
}

static void test_inline_plain_and_unknown(void)
{
	pv_stack st;
	pv_frame f[4];
	int line = 0;
	unwind_here(&st, &line);
	memset(f, 0x55, sizeof f);
	CU_ASSERT_EQUAL_FATAL(pv_symbolize_inline(st.pc[0], f, 4), 1);
	CU_ASSERT_STRING_EQUAL(f[0].function, "unwind_here");
	CU_ASSERT_EQUAL(f[0].line, line);
	CU_ASSERT_EQUAL(f[1].line, 0x55555555);

	/* An unknown pc is still one frame, with only its pc. */
	CU_ASSERT_EQUAL_FATAL(pv_symbolize_inline(16, f, 4), 1);
	CU_ASSERT_EQUAL(f[0].pc, 16);
	CU_ASSERT_STRING_EQUAL(f[0].function, "");
	CU_ASSERT_STRING_EQUAL(f[0].module, "");
	CU_ASSERT_EQUAL(pv_symbolize_inline(0, f, 4), 1);
	CU_ASSERT_EQUAL(f[0].pc, 0);

	/* A libc function, no DWARF: its symbol, one frame. */
	CU_ASSERT_EQUAL_FATAL(pv_symbolize_inline((uintptr_t)getpid + 1, f, 4), 1);
	CU_ASSERT(strstr(f[0].function, "getpid") != NULL);
}

/* Reports number a pc's inline frames on, in text and JSON alike. */
static void test_report_expands_inline(void)
{
	pv_stack chain;
	int call;
	call = __LINE__; chain_outer(&chain);
	CU_ASSERT_FATAL(chain.n >= 2);
	pv_report *r = calloc(1, sizeof *r);
	r->kind = PV_REPORT_RACE;
	strcpy(r->headline, "data race");
	r->nstacks = 1;
	r->stacks[0].tid = 1;
	strcpy(r->stacks[0].access, "write");
	r->stacks[0].size = 4;
	r->stacks[0].stack = chain;
	r->stacks[0].stack.n = 2;

	pv_strbuf sb;
	char want[256];
	pv_sb_init(&sb);
	pv_report_text(r, 1, &sb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sb.buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, ":\n    #0 chain_inner /"));
	snprintf(want, sizeof want, "/test_stack.c:%d:", chain_middle_call);
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, "\n    #1 chain_middle /"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, "\n    #2 chain_outer /"));
	snprintf(want, sizeof want, "/test_stack.c:%d:", chain_outer_call);
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, "\n    #3 test_report_expands_inline /"));
	snprintf(want, sizeof want, "/test_stack.c:%d:", call);
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, want));
	CU_ASSERT_PTR_NULL(strstr(sb.buf, "\n    #4 "));
	/* The summary names the innermost frame, as TSan's does. */
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, "inline_helper.h"));
	CU_ASSERT_PTR_NOT_NULL(strstr(sb.buf, " in chain_inner\n"));
	pv_sb_free(&sb);

	pv_sb_init(&sb);
	pv_report_json(r, 1, &sb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sb.buf);
	cJSON *j = cJSON_Parse(sb.buf);
	pv_sb_free(&sb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	cJSON *frames = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "stacks"), 0), "frames");
	CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(frames), 4);
	static const char *const names[] = { "chain_inner", "chain_middle", "chain_outer",
					     "test_report_expands_inline" };
	const int lines[] = { chain_line, chain_middle_call, chain_outer_call, call };
	for (int i = 0; i < 4; i++) {
		cJSON *fr = cJSON_GetArrayItem(frames, i);
		char pc[32];
		snprintf(pc, sizeof pc, "0x%lx", (unsigned long)chain.pc[i < 3 ? 0 : 1]);
		CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(fr, "function")), names[i]);
		CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(fr, "line")->valueint, lines[i]);
		CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(fr, "pc")), pc);
	}
	cJSON_Delete(j);
	free(r);
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
	{ "inline chain: frames, lines, call sites", test_inline_chain },
	{ "inline expansion of plain and unknown pcs", test_inline_plain_and_unknown },
	{ "reports expand inline frames", test_report_expands_inline },
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

/* Last in this file, as it changes the file name DWARF records from here
 * on: an inline function as if from a header. */
#line 1 "inline_helper.h"
static inline __attribute__((always_inline)) int chain_inner(pv_stack *st, int *line)
{
	*line = __LINE__; return pv_stack_unwind(st, 0);
}
