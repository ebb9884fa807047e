#include <CUnit/CUnit.h>
#include "lockgraph.h"
#include "cunit_main.h"

static pv_site site(unsigned ctx, uintptr_t pc)
{
	return (pv_site){ .ctx = ctx, .pc = pc };
}

/* Thread tid, holding the locks in held[0..n) (each acquired at ctx 100+i),
 * blocks on want at ctx 200. Returns what pv_lg_before_lock returns. */
static int take(int tid, const uintptr_t *held, int n, uintptr_t want, pv_lg_cycle *c)
{
	pv_held h = { 0 };
	for (int i = 0; i < n; i++)
		pv_held_push(&h, held[i], PV_LOCK_EXCL, site(100 + i, held[i] + 1));
	int r = pv_lg_before_lock(&h, tid, want, PV_LOCK_EXCL, site(200, want + 2), c);
	pv_held_free(&h);
	return r;
}

/* One edge with explicit modes and sites. */
static int edge(int tid, uintptr_t from, pv_lock_mode fm, uintptr_t to, pv_lock_mode tm,
		pv_lg_cycle *c)
{
	pv_lg_edge e = {
		.from = from, .to = to, .from_mode = fm, .to_mode = tm, .tid = tid,
		.from_site = site(tid * 10 + 1, from), .to_site = site(tid * 10 + 2, to),
	};
	return pv_lg_add_edge(&e, c);
}

static void check_ring(const pv_lg_cycle *c)
{
	for (int i = 0; i < c->n; i++)
		CU_ASSERT_EQUAL(c->e[i].to, c->e[(i + 1) % c->n].from);
}

static void test_two_lock_inversion(void)
{
	pv_lg_reset();
	pv_lg_cycle c = { 0 };
	uintptr_t A = 0x10000, B = 0x20000;
	CU_ASSERT_EQUAL(take(1, &A, 1, B, &c), 0);
	CU_ASSERT_EQUAL(take(2, &B, 1, A, &c), 1);
	CU_ASSERT_EQUAL(c.len, 2);
	CU_ASSERT_EQUAL(c.n, 2);
	/* e[0] is the edge that closed the cycle: T2's B -> A. */
	CU_ASSERT_EQUAL(c.e[0].tid, 2);
	CU_ASSERT_EQUAL(c.e[0].from, B);
	CU_ASSERT_EQUAL(c.e[0].to, A);
	CU_ASSERT_EQUAL(c.e[0].from_site.ctx, 100);
	CU_ASSERT_EQUAL(c.e[0].from_site.pc, B + 1);
	CU_ASSERT_EQUAL(c.e[0].to_site.ctx, 200);
	CU_ASSERT_EQUAL(c.e[0].to_site.pc, A + 2);
	CU_ASSERT_EQUAL(c.e[1].tid, 1);
	CU_ASSERT_EQUAL(c.e[1].from, A);
	CU_ASSERT_EQUAL(c.e[1].to, B);
	CU_ASSERT_EQUAL(c.e[1].from_site.pc, A + 1);
	CU_ASSERT_EQUAL(c.e[1].to_site.pc, B + 2);
	check_ring(&c);
}

static void test_consistent_order_no_cycle(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	uintptr_t L[3] = { 0x1000, 0x2000, 0x3000 };
	for (int tid = 1; tid <= 4; tid++) {
		CU_ASSERT_EQUAL(take(tid, L, 1, L[1], &c), 0);
		CU_ASSERT_EQUAL(take(tid, L, 2, L[2], &c), 0);
		CU_ASSERT_EQUAL(take(tid, L + 1, 1, L[2], &c), 0);
	}
	pv_lg_stats s;
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.locks, 3);
	CU_ASSERT_EQUAL(s.edges, 3); /* A->B, A->C, B->C, each once */
	CU_ASSERT_EQUAL(s.cycles, 0);
}

static void test_five_philosophers(void)
{
	pv_lg_reset();
	pv_lg_cycle c = { 0 };
	uintptr_t fork[5];
	for (int i = 0; i < 5; i++)
		fork[i] = 0x5000 + 0x40 * (uintptr_t)i;
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(take(i + 1, &fork[i], 1, fork[i + 1], &c), 0);
	CU_ASSERT_EQUAL(take(5, &fork[4], 1, fork[0], &c), 1);
	CU_ASSERT_EQUAL(c.len, 5);
	CU_ASSERT_EQUAL(c.n, 5);
	/* The closing edge first, then the ring in order. */
	for (int i = 0; i < 5; i++) {
		int p = (4 + i) % 5;
		CU_ASSERT_EQUAL(c.e[i].from, fork[p]);
		CU_ASSERT_EQUAL(c.e[i].to, fork[(p + 1) % 5]);
		CU_ASSERT_EQUAL(c.e[i].tid, p + 1);
	}
	check_ring(&c);
}

static void test_long_ring_is_truncated(void)
{
	pv_lg_reset();
	pv_lg_cycle c = { 0 };
	enum { N = 20 };
	for (int i = 0; i < N - 1; i++)
		CU_ASSERT_EQUAL(edge(1, 0x100000 + 0x100 * (uintptr_t)i, PV_LOCK_EXCL,
				     0x100000 + 0x100 * (uintptr_t)(i + 1), PV_LOCK_EXCL, &c), 0);
	CU_ASSERT_EQUAL(edge(2, 0x100000 + 0x100 * (N - 1), PV_LOCK_EXCL, 0x100000,
			     PV_LOCK_EXCL, &c), 1);
	CU_ASSERT_EQUAL(c.len, N);
	CU_ASSERT_EQUAL(c.n, PV_LG_CYCLE_MAX);
	for (int i = 0; i + 1 < c.n; i++)
		CU_ASSERT_EQUAL(c.e[i].to, c.e[i + 1].from);
}

static void test_shortest_cycle_reported(void)
{
	pv_lg_reset();
	pv_lg_cycle c = { 0 };
	/* A->B->C->D and A->D; D->A closes both A-B-C-D and A-D. */
	CU_ASSERT_EQUAL(edge(1, 0xa00, PV_LOCK_EXCL, 0xb00, PV_LOCK_EXCL, &c), 0);
	CU_ASSERT_EQUAL(edge(1, 0xb00, PV_LOCK_EXCL, 0xc00, PV_LOCK_EXCL, &c), 0);
	CU_ASSERT_EQUAL(edge(1, 0xc00, PV_LOCK_EXCL, 0xd00, PV_LOCK_EXCL, &c), 0);
	CU_ASSERT_EQUAL(edge(1, 0xa00, PV_LOCK_EXCL, 0xd00, PV_LOCK_EXCL, &c), 0);
	CU_ASSERT_EQUAL(edge(2, 0xd00, PV_LOCK_EXCL, 0xa00, PV_LOCK_EXCL, &c), 1);
	CU_ASSERT_EQUAL(c.len, 2);
	check_ring(&c);
}

static void test_trylock_adds_no_edge(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	uintptr_t A = 0x1000, B = 0x2000, C = 0x3000;
	/* T1 holds A, trylocks B: no call, but B is held afterwards. */
	pv_held h = { 0 };
	pv_held_push(&h, A, PV_LOCK_EXCL, site(1, 1));
	pv_held_push(&h, B, PV_LOCK_EXCL, site(1, 2));
	CU_ASSERT_EQUAL(pv_held_count(&h), 2);
	/* T2: B then A, blocking. No A->B edge exists, so no cycle. */
	CU_ASSERT_EQUAL(take(2, &B, 1, A, &c), 0);
	/* T1, still holding the trylocked B, blocks on C: B->C and A->C. */
	CU_ASSERT_EQUAL(pv_lg_before_lock(&h, 1, C, PV_LOCK_EXCL, site(1, 3), &c), 0);
	/* T3: C then B, blocking, closes B->C->B. */
	CU_ASSERT_EQUAL(take(3, &C, 1, B, &c), 1);
	CU_ASSERT_EQUAL(c.len, 2);
	CU_ASSERT_EQUAL(c.e[1].from, B);
	CU_ASSERT_EQUAL(c.e[1].to, C);
	CU_ASSERT_EQUAL(c.e[1].tid, 1);
	pv_held_free(&h);
}

static void test_same_cycle_reported_once(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	uintptr_t A = 0x1000, B = 0x2000;
	CU_ASSERT_EQUAL(take(1, &A, 1, B, &c), 0);
	CU_ASSERT_EQUAL(take(2, &B, 1, A, &c), 1);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(take(1, &A, 1, B, &c), 0);
		CU_ASSERT_EQUAL(take(2, &B, 1, A, &c), 0);
		CU_ASSERT_EQUAL(take(3, &B, 1, A, &c), 0);
	}
	/* The same code on locks destroyed and made again at the same
	 * addresses is still the same cycle. */
	pv_lg_forget(A, 40);
	pv_lg_forget(B, 40);
	CU_ASSERT_EQUAL(take(1, &A, 1, B, &c), 0);
	CU_ASSERT_EQUAL(take(2, &B, 1, A, &c), 0);
	pv_lg_stats s;
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.cycles, 1);
}

static void test_recursion_adds_no_edge(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	uintptr_t L[2] = { 0x1000, 0x2000 };
	CU_ASSERT_EQUAL(take(1, L, 2, L[0], &c), 0); /* holds A, B; relocks A */
	CU_ASSERT_EQUAL(take(1, L, 1, L[0], &c), 0);
	pv_lg_stats s;
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.edges, 0);
	CU_ASSERT_EQUAL(s.locks, 0);
	/* A direct self-edge is refused too. */
	CU_ASSERT_EQUAL(edge(1, 0x1000, PV_LOCK_EXCL, 0x1000, PV_LOCK_EXCL, &c), 0);
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.edges, 0);
}

static void test_forget_range(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	/* Two mutexes in one heap block, a third elsewhere. */
	uintptr_t blk = 0x700000, A = blk, B = blk + 40, C = 0x900000;
	CU_ASSERT_EQUAL(take(1, &A, 1, C, &c), 0);
	CU_ASSERT_EQUAL(take(1, &C, 1, B, &c), 0);
	pv_lg_stats s;
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.locks, 3);
	CU_ASSERT_EQUAL(s.edges, 2);
	pv_lg_forget(blk + 80, 4096); /* nothing there */
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.locks, 3);
	pv_lg_forget(blk, 80); /* free(blk): A and B go */
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.locks, 1);
	CU_ASSERT_EQUAL(s.edges, 0);
	/* New locks at the old addresses: B->A would have closed A->C->B->A. */
	CU_ASSERT_EQUAL(take(2, &B, 1, A, &c), 0);
	/* but a fresh inversion on them is still seen */
	CU_ASSERT_EQUAL(take(3, &A, 1, B, &c), 1);
	CU_ASSERT_EQUAL(c.len, 2);
}

static void test_forget_large_range(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	for (uintptr_t i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(edge(1, 0x10000 + 64 * i, PV_LOCK_EXCL, 0x90000000, PV_LOCK_EXCL, &c), 0);
	pv_lg_stats s;
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.locks, 101);
	CU_ASSERT_EQUAL(s.edges, 100);
	/* munmap of a big region: scans buckets instead of chunks. */
	pv_lg_forget(0, 0x80000000);
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.locks, 1);
	CU_ASSERT_EQUAL(s.edges, 0);
	pv_lg_forget(0x90000000, 1);
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.locks, 0);
	CU_ASSERT_EQUAL(edge(2, 0x90000000, PV_LOCK_EXCL, 0x10000, PV_LOCK_EXCL, &c), 0);
}

static void test_rwlock_modes(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	uintptr_t L = 0x1000, M = 0x2000;
	/* T1: rdlock L, lock M. T2: lock M, rdlock L. The readers share L. */
	CU_ASSERT_EQUAL(edge(1, L, PV_LOCK_SHARED, M, PV_LOCK_EXCL, &c), 0);
	CU_ASSERT_EQUAL(edge(2, M, PV_LOCK_EXCL, L, PV_LOCK_SHARED, &c), 0);
	/* Read both ways round two rwlocks: no one waits. */
	uintptr_t P = 0x3000, Q = 0x4000;
	CU_ASSERT_EQUAL(edge(1, P, PV_LOCK_SHARED, Q, PV_LOCK_SHARED, &c), 0);
	CU_ASSERT_EQUAL(edge(2, Q, PV_LOCK_SHARED, P, PV_LOCK_SHARED, &c), 0);
	/* Read-held, write-wanted across two rwlocks: a deadlock. */
	uintptr_t A = 0x5000, B = 0x6000;
	CU_ASSERT_EQUAL(edge(1, A, PV_LOCK_SHARED, B, PV_LOCK_EXCL, &c), 0);
	CU_ASSERT_EQUAL(edge(2, B, PV_LOCK_SHARED, A, PV_LOCK_EXCL, &c), 1);
	CU_ASSERT_EQUAL(c.len, 2);
	CU_ASSERT_EQUAL(c.e[0].from_mode, PV_LOCK_SHARED);
	CU_ASSERT_EQUAL(c.e[0].to_mode, PV_LOCK_EXCL);
	/* Write-held, read-wanted: a deadlock too. */
	uintptr_t X = 0x7000, Y = 0x8000;
	CU_ASSERT_EQUAL(edge(1, X, PV_LOCK_EXCL, Y, PV_LOCK_SHARED, &c), 0);
	CU_ASSERT_EQUAL(edge(2, Y, PV_LOCK_EXCL, X, PV_LOCK_SHARED, &c), 1);
	/* L again, now taken for writing by T3 under M: M->L(w) with L(r)->M
	 * is a real cycle; the earlier read-only path did not count. */
	CU_ASSERT_EQUAL(edge(3, M, PV_LOCK_EXCL, L, PV_LOCK_EXCL, &c), 1);
	CU_ASSERT_EQUAL(c.e[0].from, M);
	CU_ASSERT_EQUAL(c.e[1].from, L);
	CU_ASSERT_EQUAL(c.e[1].from_mode, PV_LOCK_SHARED);
}

/* A read-wanted arrival at a read-held lock must not let the search go on
 * through that lock, even over longer paths. */
static void test_rwlock_modes_on_a_path(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	uintptr_t A = 0x1000, R = 0x2000, B = 0x3000;
	CU_ASSERT_EQUAL(edge(1, A, PV_LOCK_EXCL, R, PV_LOCK_SHARED, &c), 0);
	CU_ASSERT_EQUAL(edge(2, R, PV_LOCK_SHARED, B, PV_LOCK_EXCL, &c), 0);
	CU_ASSERT_EQUAL(edge(3, B, PV_LOCK_EXCL, A, PV_LOCK_EXCL, &c), 0);
	/* Another way into R, for writing: now B->A->R(w)->B is a cycle. */
	uintptr_t D = 0x4000;
	CU_ASSERT_EQUAL(edge(4, A, PV_LOCK_EXCL, D, PV_LOCK_EXCL, &c), 0);
	CU_ASSERT_EQUAL(edge(4, D, PV_LOCK_EXCL, R, PV_LOCK_EXCL, &c), 1);
	CU_ASSERT_EQUAL(c.len, 4);
	check_ring(&c);
}

static void test_held_bookkeeping(void)
{
	pv_held h = { 0 };
	pv_lock_mode m;
	for (uintptr_t a = 1; a <= 20; a++)
		pv_held_push(&h, a * 0x100, a == 3 ? PV_LOCK_SHARED : PV_LOCK_EXCL, site(7, a));
	CU_ASSERT_EQUAL(pv_held_count(&h), 20);
	CU_ASSERT_PTR_NOT_NULL(pv_held_find(&h, 0x300));
	/* Release out of order. */
	CU_ASSERT_EQUAL(pv_held_pop(&h, 0x300, &m), 1);
	CU_ASSERT_EQUAL(m, PV_LOCK_SHARED);
	CU_ASSERT_EQUAL(pv_held_pop(&h, 0x100, &m), 1);
	CU_ASSERT_EQUAL(m, PV_LOCK_EXCL);
	CU_ASSERT_EQUAL(pv_held_count(&h), 18);
	CU_ASSERT_PTR_NULL(pv_held_find(&h, 0x300));
	CU_ASSERT_PTR_NULL(pv_held_find(&h, 0x100));
	/* The rest stay in acquisition order with their sites. */
	CU_ASSERT_EQUAL(h.v[0].addr, 0x200);
	CU_ASSERT_EQUAL(h.v[1].addr, 0x400);
	CU_ASSERT_EQUAL(pv_held_find(&h, 0x400)->site.pc, 4);
	/* Unlock of a lock not held. */
	CU_ASSERT_EQUAL(pv_held_pop(&h, 0x300, &m), 0);
	CU_ASSERT_EQUAL(pv_held_pop(&h, 0x12345, NULL), 0);
	/* Recursion: held until the last release. */
	pv_held_push(&h, 0x200, PV_LOCK_EXCL, site(9, 9));
	CU_ASSERT_EQUAL(pv_held_count(&h), 18);
	CU_ASSERT_EQUAL(pv_held_find(&h, 0x200)->depth, 2);
	CU_ASSERT_EQUAL(pv_held_find(&h, 0x200)->site.pc, 2); /* outermost site kept */
	CU_ASSERT_EQUAL(pv_held_pop(&h, 0x200, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(pv_held_find(&h, 0x200));
	CU_ASSERT_EQUAL(pv_held_pop(&h, 0x200, NULL), 1);
	CU_ASSERT_PTR_NULL(pv_held_find(&h, 0x200));
	for (uintptr_t a = 4; a <= 20; a++)
		CU_ASSERT_EQUAL(pv_held_pop(&h, a * 0x100, NULL), 1);
	CU_ASSERT_EQUAL(pv_held_count(&h), 0);
	pv_held_free(&h);
	CU_ASSERT_PTR_NULL(h.v);
}

static void test_out_edges_bounded(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	for (uintptr_t i = 0; i < PV_LG_MAX_OUT + 10; i++)
		edge(1, 0x1000, PV_LOCK_EXCL, 0x100000 + 64 * i, PV_LOCK_EXCL, &c);
	pv_lg_stats s;
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.edges, PV_LG_MAX_OUT);
	CU_ASSERT_EQUAL(s.dropped, 10);
}

/* Thousands of locks in a long chain, then the edge that closes it. */
static void test_many_locks(void)
{
	pv_lg_reset();
	pv_lg_cycle c;
	enum { N = 5000 };
	int found = 0;
	for (uintptr_t i = 0; i + 1 < N; i++)
		found += edge(1, 0x1000000 + 48 * i, PV_LOCK_EXCL, 0x1000000 + 48 * (i + 1),
			      PV_LOCK_EXCL, &c);
	CU_ASSERT_EQUAL(found, 0);
	CU_ASSERT_EQUAL(edge(2, 0x1000000 + 48 * (N - 1), PV_LOCK_EXCL, 0x1000000,
			     PV_LOCK_EXCL, &c), 1);
	CU_ASSERT_EQUAL(c.len, N);
	pv_lg_stats s;
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.locks, N);
	pv_lg_forget(0x1000000, 48 * N);
	pv_lg_get_stats(&s);
	CU_ASSERT_EQUAL(s.locks, 0);
	CU_ASSERT_EQUAL(s.edges, 0);
}

const char *pv_suite_name = "lockgraph";
const pv_test pv_tests[] = {
	{ "two-lock inversion, both edges and sites", test_two_lock_inversion },
	{ "consistent order makes no cycle", test_consistent_order_no_cycle },
	{ "five philosophers close a 5-cycle in order", test_five_philosophers },
	{ "a long cycle is truncated, its length kept", test_long_ring_is_truncated },
	{ "the shortest cycle is reported", test_shortest_cycle_reported },
	{ "trylock adds no edge but counts as held", test_trylock_adds_no_edge },
	{ "a cycle is reported once", test_same_cycle_reported_once },
	{ "recursive acquisition adds no edge", test_recursion_adds_no_edge },
	{ "forget(range) drops locks and their edges", test_forget_range },
	{ "forget of a large range", test_forget_large_range },
	{ "rwlock read-read makes no cycle, read-write does", test_rwlock_modes },
	{ "rwlock modes along a path", test_rwlock_modes_on_a_path },
	{ "held locks: out-of-order release, recursion", test_held_bookkeeping },
	{ "out-edges per lock are bounded", test_out_edges_bounded },
	{ "thousands of locks", test_many_locks },
	{ NULL, NULL },
};
