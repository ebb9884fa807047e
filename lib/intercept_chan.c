/* libpvchan's hooks (chan_hooks.h): a channel misuse becomes an api-misuse
 * report, and a thread asleep in a channel operation is a blocked thread
 * for the deadlock watchdog. Happens-before needs nothing here: the library
 * calls __tsan_acquire/__tsan_release itself. */
#include <stdio.h>
#include "chan_hooks.h"
#include "deadlock.h"
#include "intercept.h"
#include "pvchan.h"
#include "report.h"
#include "thread.h"

/* Programs that use no channel do not link the library. */
#pragma weak pv_chan__caller_pc

/* Where the program called the library; the hook's own caller is inside it. */
static uintptr_t program_pc(uintptr_t fallback)
{
	const void *pc = pv_chan__caller_pc ? pv_chan__caller_pc() : NULL;
	return pc ? (uintptr_t)pc : fallback;
}

void pv_chan_misuse(const char *what, const void *chan)
{
	pv_thread *t = pv_cur();
	if (!t)
		return;
	uintptr_t pc = program_pc(CALLER_PC);
	t->ignore++;
	pv_report *r = pv_alloc(sizeof *r);
	r->kind = PV_REPORT_API_MISUSE;
	snprintf(r->headline, sizeof r->headline, "%s", what);
	pv_report_stack *st = &r->stacks[r->nstacks++];
	st->tid = t->tid;
	snprintf(st->access, sizeof st->access, "call");
	st->addr = (uintptr_t)chan;
	pv_stack_unwind(&st->stack, pc);
	pv_ctx_trim(t->ctx, &st->stack);
	pv_thread_describe(t, &r->threads[r->nthreads++]);
	if (chan) {
		pv_report_location *l = &r->locs[r->nlocs++];
		l->kind = PV_LOC_SYNC;
		l->start = (uintptr_t)chan;
		l->tid = -1;
		snprintf(l->name, sizeof l->name, "channel");
	}
	snprintf(r->note, sizeof r->note, "pvchan aborts the program, as Go panics");
	pv_report_emit(r);
	pv_free(r);
	t->ignore--;
}

/* Whether this thread's current wait was announced (ignore may change). */
static __thread int announced;

void pv_chan_block_begin(const void *chan, int dir)
{
	pv_thread *t = pv_cur();
	if (!t || t->ignore)
		return;
	pv_wait_kind k = dir == PV_CHAN_SEND   ? PV_WAIT_CHAN_SEND
			 : dir == PV_CHAN_RECV ? PV_WAIT_CHAN_RECV
					       : PV_WAIT_CHAN_SELECT;
	pv_dl_wait_begin(t, k, (uintptr_t)chan, program_pc(CALLER_PC));
	announced = 1;
}

void pv_chan_block_end(void)
{
	pv_thread *t = pv_cur();
	if (!announced || !t)
		return;
	announced = 0;
	pv_dl_wait_end(t);
}
