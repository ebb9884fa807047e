/* Who waits for whom, to catch a real deadlock and report it instead of
 * hanging. Threads announce their blocking waits and lock ownership; a
 * watchdog asks, now and then, whether every live thread has been blocked
 * with no progress for a while. A cycle of lock waits (or joins) is certain
 * at once and can be asked for when a wait begins.
 *
 * Only data and algorithms: the caller intercepts, times, reports. One
 * process-wide state behind one runtime lock. */
#ifndef PV_WAITGRAPH_H
#define PV_WAITGRAPH_H

#include <stddef.h>
#include <stdint.h>
#include "lockgraph.h" /* pv_site, pv_lock_mode */

typedef enum {
	PV_WAIT_NONE,
	PV_WAIT_MUTEX,    /* object: the mutex or spinlock; waits for its holder */
	PV_WAIT_RDLOCK,   /* object: the rwlock; waits for its writer */
	PV_WAIT_WRLOCK,   /* object: the rwlock; waits for its writer and readers */
	PV_WAIT_JOIN,     /* object: the target thread's tid; waits for it */
	PV_WAIT_COND,     /* object: the condvar; these three wait for anyone */
	PV_WAIT_SEM,
	PV_WAIT_BARRIER,
	PV_WAIT_CHAN_SEND,   /* object: the channel (libpvchan); these wait for anyone too */
	PV_WAIT_CHAN_RECV,
	PV_WAIT_CHAN_SELECT, /* object: the select's first channel */
	PV_WAIT_LOCK,     /* object: a lock of the program's own (annotate.c); waits as for a mutex */
} pv_wait_kind;

#define PV_WG_MAX_WAITERS 32
#define PV_WG_MAX_HOLDERS 4

/* One blocked thread. */
typedef struct {
	int tid;
	pv_wait_kind kind;
	uintptr_t object;
	pv_site site;            /* where it waits */
	int nholders;            /* what it waits for: lock holders in its way, */
	int holders[PV_WG_MAX_HOLDERS]; /* or the join target; none for anyone */
} pv_wg_waiter;

/* A deadlock. w[0..ncycle) is a wait-for cycle when ncycle > 0: each waits
 * for the next, the last for w[0]. The other blocked threads follow, in the
 * order they came alive, as many as fit. */
typedef struct {
	int nblocked;            /* blocked threads in all (>= n) */
	int ncycle;
	int n;
	pv_wg_waiter w[PV_WG_MAX_WAITERS];
} pv_wg_deadlock;

/* Thread lifecycle. Every thread that runs user code must be alive, or a
 * process with it running could look deadlocked. */
void pv_wg_thread_alive(int tid);
void pv_wg_thread_gone(int tid);
/* How many threads are alive. */
int pv_wg_live(void);
/* How many live threads other than tid are not blocked in a wait (a thread
 * in read or sleep counts as not blocked). *epoch changes with every wait,
 * ownership or lifecycle change: equal epochs mean nothing happened. */
int pv_wg_unblocked(int tid, uint64_t *epoch);

/* Cancellation: tid's cancel state and type, and a cancel sent to it. A
 * thread that will act on its pending cancel where it waits (anywhere
 * when asynchronous; in a join, condition or semaphore wait, which are
 * cancellation points, when deferred) is not blocked for good. */
void pv_wg_cancel_mode(int tid, int disabled, int async);
void pv_wg_cancel_sent(int tid);

/* tid is about to block (without timeout) on object. With cycle non-NULL,
 * returns 1 and fills it if the wait closes a certain wait-for cycle
 * through tid (lock waits and joins only): a real deadlock, now. The
 * caller must not announce waits that cannot block: a recursive mutex it
 * already holds, trylocks, timed waits. A non-recursive relock of a lock
 * tid holds is the cycle tid -> tid. */
int pv_wg_wait_begin(int tid, pv_wait_kind kind, uintptr_t object, pv_site site,
		     pv_wg_deadlock *cycle);
/* tid's wait returned (successfully or not). */
void pv_wg_wait_end(int tid);

/* Lock ownership: after a lock succeeds (trylock included), before an
 * unlock, and around a condition wait (its mutex is released while it
 * waits). Recursive holds count; an rwlock has one writer or many readers.
 * A lock held by a thread that is gone stays held: its waiters wait forever. */
void pv_wg_owner_acquire(int tid, uintptr_t lock, pv_lock_mode mode);
void pv_wg_owner_release(int tid, uintptr_t lock);
/* Who holds lock now: up to max tids (the writer first), and how many
 * hold it in all. */
int pv_wg_holders(uintptr_t lock, int *tids, int max);
/* Locks held by threads other than tid: up to max of them with a holder
 * each, and how many there are in all (fork: the child inherits them). */
int pv_wg_held_by_others(int tid, uintptr_t *locks, int *holders, int max);
/* The locks in [addr, addr+size) are gone (destroy, free, munmap). */
void pv_wg_forget(uintptr_t addr, size_t size);

/* The same certain-cycle test as pv_wg_wait_begin, for tid as it stands. */
int pv_wg_find_cycle(int tid, pv_wg_deadlock *out);

/* The watchdog's question, with its clock's now and a threshold, both in
 * ms. Returns 1 and fills out when every live thread has been blocked,
 * with no wait, ownership or lifecycle change, since a call at least
 * threshold_ms ago (the first call that sees such a state starts the
 * clock). A stall is returned once, and not at all when
 * pv_wg_wait_begin already returned its cycle. */
int pv_wg_check(uint64_t now_ms, uint64_t threshold_ms, pv_wg_deadlock *out);
/* The same, when something outside the threads may end some waits (a
 * signal handler, a timer): a thread whose wait of that kind endable()
 * says may end is not blocked for good, so neither is the process. */
int pv_wg_check_with(uint64_t now_ms, uint64_t threshold_ms, int (*endable)(pv_wait_kind),
		     pv_wg_deadlock *out);

/* Forget everything (tests). */
void pv_wg_reset(void);

/* fork: hold the lock across fork; the child keeps only the forking thread
 * (not waiting) and the ownership of locks, which stay locked in its
 * memory even when their holders did not come along. */
void pv_wg_fork_prepare(void);
void pv_wg_fork_parent(void);
void pv_wg_fork_child(int tid);

#endif
