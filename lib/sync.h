/* Per-synchronization-object state, keyed by the object's address: the
 * clocks that carry happens-before from a release to later acquires. */
#ifndef PV_SYNC_H
#define PV_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include "thread.h"

/* A sync object has two clocks: the main one (mutex, semaphore, condition,
 * atomic, once, thread-to-thread) and a read one (rwlock readers' releases,
 * which a writer must see but another reader need not). */
typedef enum { PV_CLOCK_MAIN, PV_CLOCK_READ } pv_sync_clock;

/* These two do nothing while t ignores synchronization (t->ignore_sync). */
/* t.vc |= sync(addr).which */
void pv_sync_acquire(pv_thread *t, uintptr_t addr, pv_sync_clock which);
/* sync(addr).which |= t.vc, then t's epoch advances. */
void pv_sync_release(pv_thread *t, uintptr_t addr, pv_sync_clock which);
/* sync(addr).main |= c (for fences: release a clock other than t's own). */
void pv_sync_release_clock(uintptr_t addr, const pv_vc *c);
/* into |= sync(addr).main, if addr has a sync object. */
void pv_sync_peek_clock(uintptr_t addr, pv_vc *into);
/* One atomic read-modify-write on addr by t, op(arg) run between its
 * release and its acquire under the object's lock, as ThreadSanitizer's:
 * the operations on one atomic are then ordered as their clocks meet, with
 * one lock for both. rel: t's clock is released (its epoch then advances),
 * else lend (a release fence's clock) if not NULL; acq: t acquires, else
 * peek takes the clock (for a later acquire fence) if not NULL. */
typedef struct {
	int rel, acq;
	const pv_vc *lend;
	pv_vc *peek;
} pv_sync_order;
void pv_sync_rmw(pv_thread *t, uintptr_t addr, const pv_sync_order *o, void (*op)(void *), void *arg);
/* What the program uses the object at addr as, for race reports on its
 * memory: "mutex", "condition variable"... (a string literal, kept). */
void pv_sync_set_kind(uintptr_t addr, const char *kind);
/* That name, or NULL when addr is no known object. */
const char *pv_sync_kind(uintptr_t addr);
/* The objects in [addr, addr+size) are gone (destroy, free, munmap). */
void pv_sync_forget(uintptr_t addr, size_t size);

void pv_sync_fork_prepare(void);
void pv_sync_fork_parent(void);
void pv_sync_fork_child(void);

#endif
