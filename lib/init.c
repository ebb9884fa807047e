/* The runtime's start and end, and the entry points instrumented code calls
 * at start-up and function entry/exit (annotations: annotate.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "base.h"
#include "init.h"
#include "deadlock.h"
#include "options.h"
#include "report.h"
#include "session.h"
#include "shadow.h"
#include "thread.h"
#include "xmap.h"
#include "waitgraph.h"

static int ready;

/* Tells `pvcheck run` that a program carries this runtime (checker/elfcheck.h):
 * a section of its own survives strip. */
__attribute__((section(".pvcheck.runtime"), used))
static const char runtime_marker[] = "pvcheck runtime";

int pv_runtime_ready(void)
{
	return __atomic_load_n(&ready, __ATOMIC_ACQUIRE);
}

/* ---- the end: other threads run on for a moment, then leaks ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* As ThreadSanitizer's atexit_sleep_ms: threads still running at exit
 * (often created just before it) get a moment to do their work, and their
 * races are seen. The wait ends early once no other thread can run: all
 * finished, or all blocked in waits that nobody is left to end, with no
 * change for QUIET_MS (a thread just woken may not have said so yet). A
 * thread in read or sleep may run again: it gets the whole grace. */
#define QUIET_MS 10

static void exit_grace(const pv_thread *self)
{
	uint64_t start = now_ms(), deadline = start + (uint64_t)pv_options()->atexit_sleep_ms;
	uint64_t seen = 0, quiet_since = 0;
	int quiet = 0;
	for (uint64_t now = start; pv_thread_running(self) && now < deadline; now = now_ms()) {
		uint64_t epoch;
		int running = pv_wg_unblocked(self ? self->tid : -1, &epoch);
		if (running || !quiet || epoch != seen)
			quiet_since = now;
		else if (now - quiet_since >= QUIET_MS)
			return;
		quiet = !running;
		seen = epoch;
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
}

/* One report per creation site of joinable threads that finished and were
 * never joined, naming the first and counting the others, as TSan does. */
static void report_leaks(void)
{
	int n = pv_thread_leaked(NULL, 0);
	if (!n)
		return;
	pv_thread **v = pv_alloc((size_t)n * sizeof *v);
	int now = pv_thread_leaked(v, n);
	if (now < n)
		n = now;
	pv_report *r = pv_alloc(sizeof *r);
	for (int i = 0; i < n; i++) {
		if (!v[i])
			continue;
		pv_memset(r, 0, sizeof *r);
		r->kind = PV_REPORT_THREAD_LEAK;
		snprintf(r->headline, sizeof r->headline, "thread leak");
		pv_thread_describe(v[i], &r->threads[0]);
		r->nthreads = 1;
		r->count = 1;
		for (int j = i + 1; j < n; j++)
			if (v[j] && v[j]->created == v[i]->created) {
				r->count++;
				v[j] = NULL;
			}
		pv_report_emit(r);
	}
	pv_free(r);
	pv_free(v);
}

void pv_runtime_finish(void)
{
	static int done;
	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return;
	pv_thread *t = pv_cur();
	if (t)
		t->ignore++;
	exit_grace(t);
	if (pv_options()->report_thread_leaks)
		report_leaks();
	if (t)
		t->ignore--;
}

/* Like ThreadSanitizer: a program with findings exits with the options'
 * status. Registered first, so it runs after the program's own handlers. */
static void at_exit(void)
{
	const pv_options_t *o = pv_options();
	pv_runtime_finish();
	/* The slots and shared memory this process used go back to the session. */
	pv_thread_process_exit();
	pv_xmap_release();
	pv_runtime_exiting();
	pv_report_summary();
	if (pv_report_count() && o->exitcode) {
		fflush(NULL);
		_exit(o->exitcode);
	}
}

void pv_runtime_init(void)
{
	static pv_lock lock;
	if (pv_runtime_ready())
		return;
	pv_lock_acquire(&lock);
	if (!pv_runtime_ready()) {
		pv_options();
		pv_session_attach();
		/* Kept by a link with --gc-sections too. */
		__asm__ volatile("" : : "r"(runtime_marker));
		if (pv_session_first_image())
			pv_report_open_json();
		pv_shadow_init();
		pv_thread *t = pv_thread_init_main();
		/* Started by exec or posix_spawn: what came before happened before us. */
		uint32_t h = pv_session_started_with();
		if (h)
			pv_session_acquire(&t->vc, pv_key_handoff(h));
		pv_dl_thread_start(t);
		pv_process_init();
		pv_descriptors_init();
		atexit(at_exit);
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	pv_lock_release(&lock);
}

void pv_runtime_exiting(void)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_session_release(pv_key_exit(getpid()), &t->vc);
}

void __tsan_init(void)
{
	pv_runtime_init();
}

#define PC ((uintptr_t)__builtin_return_address(0))

void __tsan_func_entry(void *call_pc)
{
	pv_thread *t = pv_cur();
	if (PV_UNLIKELY(!t))
		return;
	t->ctx_func = PC;
	t->ctx = pv_ctx_child(t->ctx, (uintptr_t)call_pc, t->ctx_func);
}

void __tsan_func_exit(void)
{
	pv_thread *t = pv_cur();
	if (PV_UNLIKELY(!t) || !t->ctx)
		return;
	t->ctx = pv_ctx_parent(t->ctx);
	t->ctx_func = pv_ctx_func(t->ctx);
}
