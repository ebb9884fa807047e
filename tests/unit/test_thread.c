/* Unit tests for lib/thread.c: the history of locks held, by epoch. */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include "cunit_main.h"
#include "base.h"
#include "thread.h"

static pv_thread *new_thread(void)
{
	pv_thread *t = pv_alloc(sizeof *t);
	pv_vc_set(&t->vc, 0, 1);
	return t;
}

static pv_site site(uintptr_t pc)
{
	return (pv_site){ 0, pc };
}

static void lock(pv_thread *t, uintptr_t m, pv_lock_mode mode)
{
	pv_held_push(&t->held, m, mode, site(m + 1));
	pv_thread_held_changed(t);
}

static void unlock(pv_thread *t, uintptr_t m)
{
	pv_lock_mode mode;
	pv_held_pop(&t->held, m, &mode);
	pv_thread_held_changed(t);
}

static void test_never_locked(void)
{
	pv_thread *t = new_thread();
	pv_held_set h = { .n = 7 };
	CU_ASSERT_EQUAL(pv_thread_held_at(t, 1, &h), 0);
	CU_ASSERT_EQUAL(h.n, 0);
}

static void test_by_epoch(void)
{
	pv_thread *t = new_thread();
	pv_epoch before = pv_thread_epoch(t);
	lock(t, 0x1000, PV_LOCK_EXCL);
	pv_epoch one = pv_thread_epoch(t);
	CU_ASSERT(one > before); /* a lock advances the epoch */
	lock(t, 0x2000, PV_LOCK_SHARED);
	pv_epoch two = pv_thread_epoch(t);
	unlock(t, 0x1000);
	pv_epoch only_second = pv_thread_epoch(t);
	unlock(t, 0x2000);
	pv_epoch none = pv_thread_epoch(t);
	CU_ASSERT(before < one && one < two && two < only_second && only_second < none);

	pv_held_set h;
	CU_ASSERT_EQUAL(pv_thread_held_at(t, before, &h), 0);
	CU_ASSERT_EQUAL(h.n, 0);
	CU_ASSERT_EQUAL(pv_thread_held_at(t, one, &h), 0);
	CU_ASSERT_EQUAL(h.n, 1);
	CU_ASSERT_EQUAL(h.addr[0], 0x1000);
	CU_ASSERT_EQUAL(h.site[0].pc, 0x1001);
	CU_ASSERT_EQUAL(h.shared[0], 0);
	CU_ASSERT_EQUAL(pv_thread_held_at(t, two, &h), 0);
	CU_ASSERT_EQUAL(h.n, 2);
	CU_ASSERT_EQUAL(h.addr[1], 0x2000);
	CU_ASSERT_EQUAL(h.shared[1], 1);
	CU_ASSERT_EQUAL(pv_thread_held_at(t, only_second, &h), 0);
	CU_ASSERT_EQUAL(h.n, 1);
	CU_ASSERT_EQUAL(h.addr[0], 0x2000);
	CU_ASSERT_EQUAL(pv_thread_held_at(t, none, &h), 0);
	CU_ASSERT_EQUAL(h.n, 0);
	/* Epochs after the last change: the same set (the thread may be there). */
	pv_thread_tick(t);
	CU_ASSERT_EQUAL(pv_thread_held_at(t, pv_thread_epoch(t), &h), 0);
	CU_ASSERT_EQUAL(h.n, 0);

	pv_thread_held_now(t, &h);
	CU_ASSERT_EQUAL(h.n, 0);
	lock(t, 0x3000, PV_LOCK_EXCL);
	pv_thread_held_now(t, &h);
	CU_ASSERT_EQUAL(h.n, 1);
	CU_ASSERT_EQUAL(h.addr[0], 0x3000);
}

static void test_many_locks_counted(void)
{
	pv_thread *t = new_thread();
	for (uintptr_t i = 1; i <= PV_HELD_SET_MAX + 2; i++)
		lock(t, i * 0x100, PV_LOCK_EXCL);
	pv_held_set h;
	CU_ASSERT_EQUAL(pv_thread_held_at(t, pv_thread_epoch(t), &h), 0);
	CU_ASSERT_EQUAL(h.n, PV_HELD_SET_MAX + 2);
	for (int i = 0; i < PV_HELD_SET_MAX; i++)
		CU_ASSERT_EQUAL(h.addr[i], (uintptr_t)(i + 1) * 0x100);
}

static void test_overwritten_is_unknown(void)
{
	pv_thread *t = new_thread();
	lock(t, 0x1000, PV_LOCK_EXCL);
	pv_epoch old = pv_thread_epoch(t);
	unlock(t, 0x1000);
	for (int i = 0; i < PV_HELD_HISTORY; i++)
		lock(t, 0x2000, PV_LOCK_EXCL), unlock(t, 0x2000);
	pv_held_set h;
	CU_ASSERT_EQUAL(pv_thread_held_at(t, old, &h), -1);
	CU_ASSERT_EQUAL(pv_thread_held_at(t, 0, &h), -1);
	/* The recent past is still known. */
	CU_ASSERT_EQUAL(pv_thread_held_at(t, pv_thread_epoch(t) - 1, &h), 0);
	CU_ASSERT_EQUAL(h.n, 1);
	CU_ASSERT_EQUAL(h.addr[0], 0x2000);
}

/* One thread changes its held set while another looks epochs up: every
 * answer is right or "unknown", never another epoch's set. */
static pv_thread *churner;
static pv_epoch churn_base;
static volatile int churn_stop;

/* Until the looker has seen enough: a fixed count may end before it starts. */
static void *churn(void *arg)
{
	while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE))
		lock(churner, 0x1000, PV_LOCK_EXCL), unlock(churner, 0x1000);
	return arg;
}

static void test_concurrent_lookup(void)
{
	churner = new_thread();
	churn_base = pv_thread_epoch(churner);
	pthread_t th;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, churn, NULL) == 0);
	long wrong = 0, known = 0, unknown = 0;
	uint64_t r = 88172645463325252ull;
	for (long tries = 0; known < 20000 && tries < 50000000; tries++) {
		pv_epoch now = __atomic_load_n(&churner->vc.e[0], __ATOMIC_ACQUIRE);
		if (now <= churn_base)
			continue;
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		pv_epoch back = r % 600; /* unsigned: never past the first epoch */
		if (back >= now - churn_base)
			continue;
		pv_epoch e = now - back;
		pv_held_set h;
		if (pv_thread_held_at(churner, e, &h)) {
			unknown++;
			continue;
		}
		known++;
		/* Locked in epochs base+1, base+3, ...; not in base+2, base+4, ... */
		int want = (e - churn_base) % 2;
		wrong += h.n != want || (want && h.addr[0] != 0x1000);
	}
	__atomic_store_n(&churn_stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT(known > 0);
	(void)unknown;
}

/* Threads are found by pthread_t: the live one, the newest when a value
 * is reused after a join, and none once joined. */
static void test_by_pthread(void)
{
	pv_thread *main_t = pv_thread_init_main();
	pv_thread *a = pv_thread_create(main_t, 0, 0), *b = pv_thread_create(main_t, 0, 0);
	pthread_t pa = (pthread_t)0x7000a000, pb = (pthread_t)0x7000b000;
	pv_thread_set_pthread(a, pa);
	pv_thread_set_pthread(b, pb);
	pv_thread_set_pthread(a, pa); /* the thread says so too */
	CU_ASSERT_PTR_EQUAL(pv_thread_by_pthread(pa), a);
	CU_ASSERT_PTR_EQUAL(pv_thread_by_pthread(pb), b);
	CU_ASSERT_PTR_NULL(pv_thread_by_pthread((pthread_t)0x7000c000));
	/* Many threads, none of them these: still found. */
	for (int i = 0; i < 3000; i++)
		pv_thread_set_pthread(pv_thread_create(main_t, 0, 0), (pthread_t)(0x10000000ul + 64ul * i));
	CU_ASSERT_PTR_EQUAL(pv_thread_by_pthread(pa), a);
	pv_thread_finish(a);
	pv_thread_join(main_t, a);
	CU_ASSERT_PTR_NULL(pv_thread_by_pthread(pa));
	CU_ASSERT_PTR_EQUAL(pv_thread_last_by_pthread(pa), a);
	pv_thread *c = pv_thread_create(main_t, 0, 0);
	pv_thread_set_pthread(c, pa); /* glibc reuses a joined thread's descriptor */
	CU_ASSERT_PTR_EQUAL(pv_thread_by_pthread(pa), c);
	CU_ASSERT_PTR_EQUAL(pv_thread_last_by_pthread(pa), c);
}

const char *pv_suite_name = "thread";
const pv_test pv_tests[] = {
	{ "a thread that never locked held nothing", test_never_locked },
	{ "held sets by epoch", test_by_epoch },
	{ "more locks than kept are counted", test_many_locks_counted },
	{ "an overwritten epoch is unknown", test_overwritten_is_unknown },
	{ "lookups while the owner locks", test_concurrent_lookup },
	{ "threads by pthread_t", test_by_pthread },
	{ NULL, NULL },
};
