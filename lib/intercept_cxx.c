/* C++ runtime support: function-local statics. Their initialisation is
 * guarded by __cxa_guard_acquire/release in libstdc++, which is not
 * instrumented, so the guard's release and the fast path's acquire load
 * would meet no clock; the release is told here, on the guard's address
 * (the same sync object the inline acquire load of the guard reads). */
#define _GNU_SOURCE
#include <stdint.h>
#include "intercept.h"
#include "sync.h"

/* The Itanium C++ ABI's guard functions; a guard is 64 bits. */
int __cxa_guard_acquire(int64_t *guard);
void __cxa_guard_release(int64_t *guard);
void __cxa_guard_abort(int64_t *guard);

/* 1: the caller initialises; 0: initialised already (perhaps just now by
 * the thread we waited for), so its initialisation happens before us. */
/* libstdc++'s guard word: bit 0 once initialised, bit 8 while a thread
 * initialises. Under control that thread is waited for in the scheduler. */
#define GUARD_DONE 1
#define GUARD_PENDING 0x100

PV_INTERCEPTOR int __cxa_guard_acquire(int64_t *guard)
{
	SCHED_POINT("static init", guard);
	while (PV_UNLIKELY(pv_sched_active) && program_thread() && pv_sched_controls() &&
	       (__atomic_load_n((int *)guard, __ATOMIC_ACQUIRE) & (GUARD_DONE | GUARD_PENDING)) ==
		       GUARD_PENDING)
		pv_sched_block(pv_cur(), (uintptr_t)guard, 0);
	int first = REAL(__cxa_guard_acquire)(guard);
	pv_thread *t = program_thread();
	if (!first && t)
		pv_sync_acquire(t, (uintptr_t)guard, PV_CLOCK_MAIN);
	return first;
}

PV_INTERCEPTOR void __cxa_guard_release(int64_t *guard)
{
	pv_thread *t = program_thread();
	if (t)
		pv_sync_release(t, (uintptr_t)guard, PV_CLOCK_MAIN);
	REAL(__cxa_guard_release)(guard);
	if (PV_UNLIKELY(pv_sched_active))
		pv_sched_wake((uintptr_t)guard, 1);
}

/* The initialiser threw: nothing was published, the next caller retries. */
PV_INTERCEPTOR void __cxa_guard_abort(int64_t *guard)
{
	REAL(__cxa_guard_abort)(guard);
	if (PV_UNLIKELY(pv_sched_active))
		pv_sched_wake((uintptr_t)guard, 1);
}
