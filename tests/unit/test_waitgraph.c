#include <CUnit/CUnit.h>
#include "waitgraph.h"
#include "cunit_main.h"

#define THRESHOLD 1000

static pv_site site(unsigned ctx, uintptr_t pc)
{
	return (pv_site){ .ctx = ctx, .pc = pc };
}

static void alive(int n)
{
	pv_wg_reset();
	for (int tid = 0; tid < n; tid++)
		pv_wg_thread_alive(tid);
}

/* Announce a wait without asking for the immediate cycle test. */
static void wait_on(int tid, pv_wait_kind k, uintptr_t obj)
{
	pv_wg_wait_begin(tid, k, obj, site(50 + tid, obj + 1), NULL);
}

static const pv_wg_waiter *waiter(const pv_wg_deadlock *d, int tid)
{
	for (int i = 0; i < d->n; i++)
		if (d->w[i].tid == tid)
			return &d->w[i];
	return NULL;
}

/* w[0..ncycle) is a cycle: each one's first holder is the next one. */
static void check_cycle(const pv_wg_deadlock *d)
{
	for (int i = 0; i < d->ncycle; i++)
		CU_ASSERT_EQUAL(d->w[i].holders[0], d->w[(i + 1) % d->ncycle].tid);
}

static void test_lock_cycle_after_threshold(void)
{
	alive(3);
	pv_wg_deadlock d = { 0 };
	uintptr_t A = 0x1000, B = 0x2000;
	pv_wg_owner_acquire(1, A, PV_LOCK_EXCL);
	pv_wg_owner_acquire(2, B, PV_LOCK_EXCL);
	wait_on(0, PV_WAIT_JOIN, 1);
	wait_on(1, PV_WAIT_MUTEX, B);
	wait_on(2, PV_WAIT_MUTEX, A);
	CU_ASSERT_EQUAL(pv_wg_check(10000, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(10999, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(11000, THRESHOLD, &d), 1);
	CU_ASSERT_EQUAL(d.nblocked, 3);
	CU_ASSERT_EQUAL(d.n, 3);
	CU_ASSERT_EQUAL(d.ncycle, 2);
	check_cycle(&d);
	const pv_wg_waiter *w1 = waiter(&d, 1), *w2 = waiter(&d, 2), *w0 = waiter(&d, 0);
	CU_ASSERT_FATAL(w0 && w1 && w2);
	CU_ASSERT_TRUE(w1 < &d.w[2] && w2 < &d.w[2]); /* the cycle comes first */
	CU_ASSERT_EQUAL(w1->kind, PV_WAIT_MUTEX);
	CU_ASSERT_EQUAL(w1->object, B);
	CU_ASSERT_EQUAL(w1->nholders, 1);
	CU_ASSERT_EQUAL(w1->holders[0], 2);
	CU_ASSERT_EQUAL(w1->site.ctx, 51);
	CU_ASSERT_EQUAL(w1->site.pc, B + 1);
	CU_ASSERT_EQUAL(w2->object, A);
	CU_ASSERT_EQUAL(w2->holders[0], 1);
	CU_ASSERT_EQUAL(w0->kind, PV_WAIT_JOIN);
	CU_ASSERT_EQUAL(w0->nholders, 1);
	CU_ASSERT_EQUAL(w0->holders[0], 1);
	/* Reported once. */
	CU_ASSERT_EQUAL(pv_wg_check(20000, THRESHOLD, &d), 0);
}

static void test_one_thread_running(void)
{
	alive(3);
	pv_wg_deadlock d;
	pv_wg_owner_acquire(1, 0x1000, PV_LOCK_EXCL);
	pv_wg_owner_acquire(2, 0x2000, PV_LOCK_EXCL);
	wait_on(1, PV_WAIT_MUTEX, 0x2000);
	wait_on(2, PV_WAIT_MUTEX, 0x1000);
	/* Thread 0 runs (or sleeps where we cannot see). */
	for (uint64_t now = 0; now <= 10 * THRESHOLD; now += 100)
		CU_ASSERT_EQUAL(pv_wg_check(now, THRESHOLD, &d), 0);
	/* Everyone waiting on condvars but one: no deadlock either. */
	alive(3);
	wait_on(1, PV_WAIT_COND, 0x3000);
	wait_on(2, PV_WAIT_SEM, 0x4000);
	for (uint64_t now = 0; now <= 10 * THRESHOLD; now += 100)
		CU_ASSERT_EQUAL(pv_wg_check(now, THRESHOLD, &d), 0);
	/* No threads at all. */
	pv_wg_reset();
	CU_ASSERT_EQUAL(pv_wg_check(0, 0, &d), 0);
}

static void test_condvar_waiter_no_cycle(void)
{
	alive(3);
	pv_wg_deadlock d = { 0 };
	uintptr_t M = 0x1000, C = 0x2000;
	/* T1 waits on C, its mutex M released; T0 took M and waits on a
	 * semaphore; T2 wants M. Nobody is left to signal C or post. */
	pv_wg_owner_acquire(1, M, PV_LOCK_EXCL);
	pv_wg_owner_release(1, M);
	wait_on(1, PV_WAIT_COND, C);
	pv_wg_owner_acquire(0, M, PV_LOCK_EXCL);
	wait_on(2, PV_WAIT_MUTEX, M);
	wait_on(0, PV_WAIT_SEM, 0x3000);
	CU_ASSERT_EQUAL(pv_wg_check(0, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(THRESHOLD, THRESHOLD, &d), 1);
	CU_ASSERT_EQUAL(d.ncycle, 0);
	CU_ASSERT_EQUAL(d.nblocked, 3);
	const pv_wg_waiter *w1 = waiter(&d, 1), *w2 = waiter(&d, 2);
	CU_ASSERT_FATAL(w1 && w2);
	CU_ASSERT_EQUAL(w1->kind, PV_WAIT_COND);
	CU_ASSERT_EQUAL(w1->object, C);
	CU_ASSERT_EQUAL(w1->nholders, 0);
	CU_ASSERT_EQUAL(w2->nholders, 1);
	CU_ASSERT_EQUAL(w2->holders[0], 0);
	/* In arrival order when there is no cycle. */
	CU_ASSERT_EQUAL(d.w[0].tid, 0);
	CU_ASSERT_EQUAL(d.w[1].tid, 1);
	CU_ASSERT_EQUAL(d.w[2].tid, 2);
}

static void test_progress_resets_timer(void)
{
	alive(2);
	pv_wg_deadlock d;
	wait_on(0, PV_WAIT_BARRIER, 0x1000);
	wait_on(1, PV_WAIT_SEM, 0x2000);
	CU_ASSERT_EQUAL(pv_wg_check(0, THRESHOLD, &d), 0);
	/* T1's semaphore wait returns, and it waits again. */
	pv_wg_wait_end(1);
	wait_on(1, PV_WAIT_SEM, 0x2000);
	CU_ASSERT_EQUAL(pv_wg_check(THRESHOLD, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(2 * THRESHOLD - 1, THRESHOLD, &d), 0);
	/* An ownership change is progress too. */
	pv_wg_owner_acquire(0, 0x3000, PV_LOCK_EXCL);
	CU_ASSERT_EQUAL(pv_wg_check(2 * THRESHOLD, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(3 * THRESHOLD - 1, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(3 * THRESHOLD, THRESHOLD, &d), 1);
	CU_ASSERT_EQUAL(d.nblocked, 2);
	/* A check that sees someone running forgets the stall. */
	pv_wg_wait_end(0);
	CU_ASSERT_EQUAL(pv_wg_check(4 * THRESHOLD, THRESHOLD, &d), 0);
	wait_on(0, PV_WAIT_BARRIER, 0x1000);
	CU_ASSERT_EQUAL(pv_wg_check(5 * THRESHOLD, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(6 * THRESHOLD, THRESHOLD, &d), 1);
}

static void test_join_cycle(void)
{
	alive(3);
	pv_wg_deadlock d = { 0 };
	CU_ASSERT_EQUAL(pv_wg_wait_begin(1, PV_WAIT_JOIN, 2, site(1, 1), &d), 0);
	CU_ASSERT_EQUAL(pv_wg_wait_begin(2, PV_WAIT_JOIN, 1, site(2, 2), &d), 1);
	CU_ASSERT_EQUAL(d.ncycle, 2);
	CU_ASSERT_EQUAL(d.w[0].tid, 2);
	CU_ASSERT_EQUAL(d.w[0].holders[0], 1);
	CU_ASSERT_EQUAL(d.w[1].tid, 1);
	check_cycle(&d);
	/* Already reported: the watchdog stays quiet about the same state. */
	wait_on(0, PV_WAIT_JOIN, 1);
	CU_ASSERT_EQUAL(pv_wg_check(0, 0, &d), 1); /* T0's wait is news */
	CU_ASSERT_EQUAL(d.ncycle, 2);
	CU_ASSERT_EQUAL(d.nblocked, 3);

	alive(2);
	CU_ASSERT_EQUAL(pv_wg_wait_begin(0, PV_WAIT_JOIN, 1, site(1, 1), &d), 0);
	CU_ASSERT_EQUAL(pv_wg_wait_begin(1, PV_WAIT_JOIN, 0, site(1, 1), &d), 1);
	CU_ASSERT_EQUAL(pv_wg_check(0, 0, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(THRESHOLD, 0, &d), 0);
}

static void test_immediate_mutex_cycle(void)
{
	alive(4);
	pv_wg_deadlock d = { 0 };
	uintptr_t A = 0x1000, B = 0x2000, C = 0x3000;
	pv_wg_owner_acquire(1, A, PV_LOCK_EXCL);
	pv_wg_owner_acquire(2, B, PV_LOCK_EXCL);
	pv_wg_owner_acquire(3, C, PV_LOCK_EXCL);
	/* T0 keeps running: the cycle is certain anyway. */
	CU_ASSERT_EQUAL(pv_wg_wait_begin(1, PV_WAIT_MUTEX, B, site(1, 11), &d), 0);
	CU_ASSERT_EQUAL(pv_wg_wait_begin(2, PV_WAIT_MUTEX, C, site(2, 22), &d), 0);
	CU_ASSERT_EQUAL(pv_wg_find_cycle(1, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_wait_begin(3, PV_WAIT_MUTEX, A, site(3, 33), &d), 1);
	CU_ASSERT_EQUAL(d.ncycle, 3);
	CU_ASSERT_EQUAL(d.w[0].tid, 3); /* the thread that closed it first */
	CU_ASSERT_EQUAL(d.w[0].object, A);
	CU_ASSERT_EQUAL(d.w[0].site.pc, 33);
	CU_ASSERT_EQUAL(d.w[1].tid, 1);
	CU_ASSERT_EQUAL(d.w[1].object, B);
	CU_ASSERT_EQUAL(d.w[2].tid, 2);
	CU_ASSERT_EQUAL(d.w[2].object, C);
	check_cycle(&d);
	CU_ASSERT_EQUAL(pv_wg_find_cycle(1, &d), 1);
	CU_ASSERT_EQUAL(d.w[0].tid, 1);
	/* T1 gives up (a timed lock would): the cycle is gone. */
	pv_wg_wait_end(1);
	CU_ASSERT_EQUAL(pv_wg_find_cycle(3, &d), 0);

	/* A waiter on a lock held by a thread that runs: no cycle. */
	alive(3);
	pv_wg_owner_acquire(1, A, PV_LOCK_EXCL);
	CU_ASSERT_EQUAL(pv_wg_wait_begin(2, PV_WAIT_MUTEX, A, site(0, 0), &d), 0);
	/* A relock of a non-recursive mutex one holds: T -> T. */
	CU_ASSERT_EQUAL(pv_wg_wait_begin(1, PV_WAIT_MUTEX, A, site(0, 0), &d), 1);
	CU_ASSERT_EQUAL(d.ncycle, 1);
	CU_ASSERT_EQUAL(d.w[0].tid, 1);
	CU_ASSERT_EQUAL(d.w[0].holders[0], 1);
	CU_ASSERT_EQUAL(d.nblocked, 2);
}

static void test_rwlock_waits(void)
{
	alive(4);
	pv_wg_deadlock d = { 0 };
	uintptr_t R = 0x1000, M = 0x2000;
	pv_wg_owner_acquire(1, R, PV_LOCK_SHARED);
	pv_wg_owner_acquire(2, R, PV_LOCK_SHARED);
	pv_wg_owner_acquire(3, M, PV_LOCK_EXCL);
	CU_ASSERT_EQUAL(pv_wg_wait_begin(2, PV_WAIT_MUTEX, M, site(0, 0), &d), 0);
	/* A reader waits for no reader. */
	CU_ASSERT_EQUAL(pv_wg_wait_begin(3, PV_WAIT_RDLOCK, R, site(0, 0), &d), 0);
	pv_wg_wait_end(3);
	/* A writer waits for every reader, T2 among them. */
	CU_ASSERT_EQUAL(pv_wg_wait_begin(3, PV_WAIT_WRLOCK, R, site(0, 0), &d), 1);
	CU_ASSERT_EQUAL(d.ncycle, 2);
	CU_ASSERT_EQUAL(d.w[0].tid, 3);
	CU_ASSERT_EQUAL(d.w[0].nholders, 2);
	CU_ASSERT_EQUAL(d.w[1].tid, 2);
	CU_ASSERT_EQUAL(d.w[1].holders[0], 3);
	/* Readers release one by one; recursion counts. */
	pv_wg_wait_end(3);
	pv_wg_owner_acquire(1, R, PV_LOCK_SHARED);
	pv_wg_owner_release(2, R);
	pv_wg_owner_release(1, R);
	CU_ASSERT_EQUAL(pv_wg_wait_begin(3, PV_WAIT_WRLOCK, R, site(0, 0), &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(0, 0, &d), 0); /* T0 runs */
	wait_on(0, PV_WAIT_COND, 0x9000);
	CU_ASSERT_EQUAL(pv_wg_check(0, 0, &d), 0); /* T1 runs */
	wait_on(1, PV_WAIT_COND, 0x9000);
	CU_ASSERT_EQUAL(pv_wg_check(0, 0, &d), 1);
	const pv_wg_waiter *w3 = waiter(&d, 3);
	CU_ASSERT_FATAL(w3 != NULL);
	CU_ASSERT_EQUAL(w3->nholders, 1);
	CU_ASSERT_EQUAL(w3->holders[0], 1);
}

static void test_owner_bookkeeping(void)
{
	alive(3);
	pv_wg_deadlock d = { 0 };
	uintptr_t A = 0x1000;
	/* Recursive hold: free only after the last release. */
	pv_wg_owner_acquire(1, A, PV_LOCK_EXCL);
	pv_wg_owner_acquire(1, A, PV_LOCK_EXCL);
	pv_wg_owner_release(1, A);
	wait_on(2, PV_WAIT_MUTEX, A);
	wait_on(0, PV_WAIT_JOIN, 2);
	wait_on(1, PV_WAIT_JOIN, 0);
	CU_ASSERT_EQUAL(pv_wg_find_cycle(2, &d), 1);
	pv_wg_wait_end(1);
	pv_wg_owner_release(1, A);
	CU_ASSERT_EQUAL(pv_wg_find_cycle(2, &d), 0);
	/* An unlock by a non-owner frees the lock as the real one did. */
	pv_wg_owner_acquire(1, A, PV_LOCK_EXCL);
	pv_wg_owner_release(0, A);
	wait_on(1, PV_WAIT_MUTEX, A);
	CU_ASSERT_EQUAL(pv_wg_find_cycle(1, &d), 0);
	/* A destroyed or freed lock has no holder. */
	pv_wg_wait_end(1);
	pv_wg_owner_acquire(1, A, PV_LOCK_EXCL);
	pv_wg_forget(A - 8, 48);
	CU_ASSERT_EQUAL(pv_wg_wait_begin(1, PV_WAIT_MUTEX, A, site(0, 0), &d), 0);
	/* A lock held by a thread that is gone stays held. */
	pv_wg_wait_end(1);
	pv_wg_owner_acquire(1, A, PV_LOCK_EXCL);
	pv_wg_thread_gone(1);
	wait_on(2, PV_WAIT_MUTEX, A);
	wait_on(0, PV_WAIT_JOIN, 2);
	CU_ASSERT_EQUAL(pv_wg_check(0, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(THRESHOLD, THRESHOLD, &d), 1);
	CU_ASSERT_EQUAL(d.nblocked, 2);
	CU_ASSERT_EQUAL(d.ncycle, 0);
	const pv_wg_waiter *w2 = waiter(&d, 2);
	CU_ASSERT_FATAL(w2 != NULL);
	CU_ASSERT_EQUAL(w2->holders[0], 1);
}

static void test_fork_child_reset(void)
{
	alive(4);
	pv_wg_deadlock d = { 0 };
	uintptr_t A = 0x1000;
	pv_wg_owner_acquire(2, A, PV_LOCK_EXCL);
	wait_on(1, PV_WAIT_MUTEX, A);
	wait_on(0, PV_WAIT_JOIN, 1);
	wait_on(3, PV_WAIT_COND, 0x2000);
	pv_wg_fork_prepare();
	pv_wg_fork_child(3);
	/* Only T3 is left, running: not a deadlock however long. */
	CU_ASSERT_EQUAL(pv_wg_check(0, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(5 * THRESHOLD, THRESHOLD, &d), 0);
	/* A, locked by T2 in the parent, stays locked in the child. */
	CU_ASSERT_EQUAL(pv_wg_wait_begin(3, PV_WAIT_MUTEX, A, site(3, 3), &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(6 * THRESHOLD, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(7 * THRESHOLD, THRESHOLD, &d), 1);
	CU_ASSERT_EQUAL(d.nblocked, 1);
	CU_ASSERT_EQUAL(d.n, 1);
	CU_ASSERT_EQUAL(d.w[0].tid, 3);
	CU_ASSERT_EQUAL(d.w[0].holders[0], 2);
	/* The lock is usable after fork: a parent-side call does not hang. */
	pv_wg_thread_alive(7);
	pv_wg_fork_prepare();
	pv_wg_fork_parent();
	CU_ASSERT_EQUAL(pv_wg_check(8 * THRESHOLD, THRESHOLD, &d), 0);
}

/* The exit grace's question: who else could still run, and did anything change. */
static void test_unblocked(void)
{
	uint64_t e1, e2, e3;
	alive(3);
	CU_ASSERT_EQUAL(pv_wg_unblocked(0, &e1), 2);
	CU_ASSERT_EQUAL(pv_wg_unblocked(-1, &e1), 3);
	wait_on(1, PV_WAIT_COND, 0x100);
	CU_ASSERT_EQUAL(pv_wg_unblocked(0, &e1), 1);
	wait_on(2, PV_WAIT_MUTEX, 0x200);
	CU_ASSERT_EQUAL(pv_wg_unblocked(0, &e2), 0);
	CU_ASSERT(e2 != e1);
	CU_ASSERT_EQUAL(pv_wg_unblocked(0, &e3), 0);
	CU_ASSERT_EQUAL(e3, e2); /* nothing happened */
	pv_wg_wait_end(2);
	CU_ASSERT_EQUAL(pv_wg_unblocked(0, &e3), 1);
	pv_wg_thread_gone(2);
	CU_ASSERT_EQUAL(pv_wg_unblocked(0, &e3), 0);
	pv_wg_thread_gone(1);
	CU_ASSERT_EQUAL(pv_wg_unblocked(0, &e3), 0);
	CU_ASSERT_EQUAL(pv_wg_unblocked(-1, &e3), 1);
}

static void test_many_threads(void)
{
	enum { N = 3000 };
	alive(N);
	pv_wg_deadlock d = { 0 };
	/* A ring of N threads, each holding its lock and wanting the next. */
	for (int t = 0; t < N; t++)
		pv_wg_owner_acquire(t, 0x100000 + 64 * (uintptr_t)t, PV_LOCK_EXCL);
	for (int t = 0; t + 1 < N; t++)
		CU_ASSERT_EQUAL(pv_wg_wait_begin(t, PV_WAIT_MUTEX, 0x100000 + 64 * (uintptr_t)(t + 1),
						 site(0, 0), &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(0, 0, &d), 0); /* T(N-1) runs */
	CU_ASSERT_EQUAL(pv_wg_wait_begin(N - 1, PV_WAIT_MUTEX, 0x100000, site(0, 0), &d), 1);
	CU_ASSERT_EQUAL(d.ncycle, PV_WG_MAX_WAITERS);
	CU_ASSERT_EQUAL(d.nblocked, N);
	CU_ASSERT_EQUAL(d.w[0].tid, N - 1);
	CU_ASSERT_EQUAL(d.w[1].tid, 0);
	for (int t = 0; t < N; t++)
		pv_wg_thread_gone(t);
	CU_ASSERT_EQUAL(pv_wg_check(0, 0, &d), 0);
}

static int sem_endable(pv_wait_kind k)
{
	return k == PV_WAIT_SEM;
}

/* A wait something outside the threads may end (a handler's sem_post):
 * the process is not stuck while one such waits; the others still are. */
static void test_endable_waits(void)
{
	alive(2);
	pv_wg_deadlock d = { 0 };
	wait_on(0, PV_WAIT_SEM, 0x1000);
	wait_on(1, PV_WAIT_COND, 0x2000);
	CU_ASSERT_EQUAL(pv_wg_check_with(0, THRESHOLD, sem_endable, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check_with(5 * THRESHOLD, THRESHOLD, sem_endable, &d), 0);
	/* Without the wake-up, the stall starts counting now. */
	CU_ASSERT_EQUAL(pv_wg_check_with(6 * THRESHOLD, THRESHOLD, NULL, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check_with(7 * THRESHOLD, THRESHOLD, NULL, &d), 1);
	CU_ASSERT_EQUAL(d.nblocked, 2);
	pv_wg_wait_end(0);
	wait_on(0, PV_WAIT_COND, 0x2000);
	CU_ASSERT_EQUAL(pv_wg_check_with(8 * THRESHOLD, THRESHOLD, sem_endable, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check_with(9 * THRESHOLD, THRESHOLD, sem_endable, &d), 1);
}

/* A thread with a pending cancel it will act on is not blocked for good:
 * asynchronous, anywhere; deferred, only at cancellation points. */
static void test_cancel_pending(void)
{
	alive(2);
	pv_wg_deadlock d = { 0 };
	uintptr_t A = 0x1000;
	pv_wg_owner_acquire(0, A, PV_LOCK_EXCL);
	pv_wg_wait_begin(1, PV_WAIT_MUTEX, A, site(1, 1), NULL);
	pv_wg_cancel_mode(1, 0, 1);
	pv_wg_cancel_sent(1);
	/* main joins T1, which holds nothing and will be cancelled: no cycle */
	CU_ASSERT_EQUAL(pv_wg_wait_begin(0, PV_WAIT_JOIN, 1, site(0, 0), &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(0, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(5 * THRESHOLD, THRESHOLD, &d), 0);
	/* Deferred: a lock wait is no cancellation point; the cycle is certain. */
	pv_wg_cancel_mode(1, 0, 0);
	CU_ASSERT_EQUAL(pv_wg_find_cycle(0, &d), 1);
	CU_ASSERT_EQUAL(d.ncycle, 2);
	/* Disabled: not even a condition wait ends. */
	alive(1);
	pv_wg_cancel_mode(0, 1, 0);
	pv_wg_cancel_sent(0);
	wait_on(0, PV_WAIT_COND, 0x2000);
	CU_ASSERT_EQUAL(pv_wg_check(0, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(THRESHOLD, THRESHOLD, &d), 1);
	pv_wg_cancel_mode(0, 0, 0);
	CU_ASSERT_EQUAL(pv_wg_check(2 * THRESHOLD, THRESHOLD, &d), 0);
	CU_ASSERT_EQUAL(pv_wg_check(9 * THRESHOLD, THRESHOLD, &d), 0);
}

const char *pv_suite_name = "waitgraph";
const pv_test pv_tests[] = {
	{ "lock cycle: deadlock after the threshold, not before", test_lock_cycle_after_threshold },
	{ "a thread not blocked: never a deadlock", test_one_thread_running },
	{ "condvar waiter, all blocked: deadlock without cycle", test_condvar_waiter_no_cycle },
	{ "progress resets the timer", test_progress_resets_timer },
	{ "join cycle", test_join_cycle },
	{ "mutex cycle found at wait begin", test_immediate_mutex_cycle },
	{ "rwlock: readers and writers", test_rwlock_waits },
	{ "ownership: recursion, foreign unlock, forget, gone", test_owner_bookkeeping },
	{ "fork child keeps the forking thread", test_fork_child_reset },
	{ "unblocked threads and the epoch", test_unblocked },
	{ "thousands of threads", test_many_threads },
	{ "waits a wake-up may end are not for good", test_endable_waits },
	{ "a pending cancel ends a wait", test_cancel_pending },
	{ NULL, NULL },
};
