/* libpvchan's hooks (chan_hooks.h): a channel misuse becomes an api-misuse
 * report, and a thread asleep in a channel operation is a blocked thread
 * for the deadlock watchdog. Happens-before needs nothing here: the library
 * calls __tsan_acquire/__tsan_release itself. */
#include <stdio.h>
#include "chan_hooks.h"
#include "deadlock.h"
#include "intercept.h"
#include "pvchan.h"
#include "schedule.h"
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

/* Whether this thread's current wait was announced (ignore may change),
 * and whether it waits in the scheduler. */
static __thread int announced, parked;

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
	/* A thread under control waits in the scheduler (pv_chan_park); any
	 * other sleeps on the library's futex: the kernel's wait. */
	parked = PV_UNLIKELY(pv_sched_active) && pv_sched_controls();
	if (PV_UNLIKELY(pv_sched_active) && !parked)
		pv_sched_leave(t);
}

void pv_chan_block_end(void)
{
	pv_thread *t = pv_cur();
	if (!announced || !t)
		return;
	announced = 0;
	if (PV_UNLIKELY(pv_sched_active) && !parked)
		pv_sched_enter(t);
	parked = 0;
	pv_dl_wait_end(t);
}

/* Under control, channel operations are scheduling points and their waits
 * are modelled: who wakes whom follows the schedule, not the kernel. */
void pv_chan_point(const void *chan, int dir)
{
	pv_thread *t = pv_cur();
	if (PV_UNLIKELY(pv_sched_active) && t && pv_sched_controls())
		pv_sched_point(t, dir == PV_CHAN_SEND ? "send" : dir == PV_CHAN_RECV ? "recv" : "select",
			       (uintptr_t)chan, program_pc(CALLER_PC));
}

int pv_chan_park(uint32_t *word, uint32_t seen)
{
	pv_thread *t = pv_cur();
	if (!parked || !t || !pv_sched_controls())
		return 0;
	if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == seen)
		pv_sched_block(t, (uintptr_t)word, 0);
	return 1;
}

void pv_chan_unpark(uint32_t *word)
{
	if (PV_UNLIKELY(pv_sched_active))
		pv_sched_wake((uintptr_t)word, 1);
}
