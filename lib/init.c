/* The runtime's start and end, and the entry points instrumented code calls
 * at start-up and function entry/exit (annotations: annotate.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "base.h"
#include "init.h"
#include "deadlock.h"
#include "options.h"
#include "process.h"
#include "report.h"
#include "schedule.h"
#include "session.h"
#include "shadow.h"
#include "suppress.h"
#include "thread.h"

static int ready;

int pv_runtime_ready(void)
{
	return __atomic_load_n(&ready, __ATOMIC_ACQUIRE);
}

/* Like ThreadSanitizer: a program with findings exits with the options'
 * status. Registered first, so it runs after the program's own handlers. */
static void at_exit(void)
{
	const pv_options_t *o = pv_options();
	pv_sched_program_end(pv_cur());
	pv_dl_program_end();
	pv_sched_finish();
	pv_process_leave();
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
		pv_suppress_init();
		pv_session_attach();
		if (pv_session_first_image())
			pv_report_open_json();
		pv_shadow_init();
		pv_thread *t = pv_thread_init_main();
		/* Started by exec or posix_spawn: what came before happened before us. */
		uint32_t h = pv_session_started_with();
		if (h)
			pv_session_acquire(&t->vc, pv_key_handoff(h));
		pv_dl_thread_start(t);
		pv_sched_init(t, pv_dl_stuck);
		pv_process_init();
		pv_descriptors_init();
		pv_thread_end_init();
		atexit(at_exit);
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	pv_lock_release(&lock);
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
