/* libpvchan's hooks (chan_hooks.h): a channel misuse becomes an api-misuse
 * report, and a thread asleep in a channel operation is a blocked thread
 * for the deadlock watchdog. Happens-before needs nothing here: the library
 * calls __tsan_acquire/__tsan_release itself. */
#include <stdio.h>
#include "chan_hooks.h"
#include "deadlock.h"
#include "intercept.h"
#include "pvchan.h"
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
	if (t)
		pv_dl_misuse(t, what, (uintptr_t)chan, "channel", program_pc(CALLER_PC),
			     "pvchan aborts the program, as Go panics");
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
	/* The library sleeps on a futex of its own: the kernel's wait. */
	if (PV_UNLIKELY(pv_sched_active))
		pv_sched_leave(t);
}

void pv_chan_block_end(void)
{
	pv_thread *t = pv_cur();
	if (!announced || !t)
		return;
	announced = 0;
	if (PV_UNLIKELY(pv_sched_active))
		pv_sched_enter(t);
	pv_dl_wait_end(t);
}
