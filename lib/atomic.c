/* __tsan_atomic*: perform the operation for real, record it as an atomic
 * access, and carry happens-before by memory order. Relaxed operations
 * order nothing by themselves, but fences can make them: a release fence
 * lends its clock to later relaxed stores, an acquire fence takes the
 * clocks that earlier relaxed loads saw. */
#include "access.h"
#include "base.h"
#include "schedule.h"
#include "sync.h"

enum { MO_RELAXED, MO_CONSUME, MO_ACQUIRE, MO_RELEASE, MO_ACQ_REL, MO_SEQ_CST };

static inline int acquires(int mo)
{
	return mo == MO_CONSUME || mo == MO_ACQUIRE || mo == MO_ACQ_REL || mo == MO_SEQ_CST;
}

static inline int releases(int mo)
{
	return mo == MO_RELEASE || mo == MO_ACQ_REL || mo == MO_SEQ_CST;
}

static inline pv_thread *enter(void)
{
	pv_thread *t = pv_cur();
	/* Under AnnotateIgnoreSync, as in ThreadSanitizer, an atomic is only the operation. */
	return t && !t->ignore && !t->ignore_sync ? t : NULL;
}

static void record(pv_thread *t, uintptr_t a, unsigned size, int is_write, uintptr_t pc)
{
	for (unsigned done = 0; done < size; done += 8)
		pv_access(t, a + done, size < 8 ? size : 8, is_write, 1, pc);
}

/* Before a store or the write half of a read-modify-write. The access is
 * recorded before the release, so that the release covers it: a thread
 * that acquires this store may free the memory it lives in. */
static void before_write(pv_thread *t, uintptr_t a, unsigned size, int mo, uintptr_t pc)
{
	record(t, a, size, 1, pc);
	if (releases(mo))
		pv_sync_release(t, a, PV_CLOCK_MAIN);
	else if (t->has_fence_rel)
		pv_sync_release_clock(a, &t->fence_rel);
}

/* After a load or the read half of a read-modify-write. */
static void after_read(pv_thread *t, uintptr_t a, int mo)
{
	if (acquires(mo))
		pv_sync_acquire(t, a, PV_CLOCK_MAIN);
	else
		pv_sync_peek_clock(a, &t->fence_acq);
}

/* 128-bit operations are not lock-free on every x86-64; a striped lock
 * makes them atomic with respect to each other. */
static pv_lock wide_locks[64];
static pv_lock *wide_lock(const volatile void *a)
{
	return &wide_locks[((uintptr_t)a >> 4) & 63];
}

#define PC ((uintptr_t)__builtin_return_address(0))

/* A scheduling point before every atomic operation (w: 0 load, 1 store, 2
 * read-modify-write), when the scheduler is on. */
#define SCHED(a, w)                                             \
	do {                                                    \
		if (PV_UNLIKELY(pv_sched_active))               \
			pv_sched_atomic((uintptr_t)(a), w, PC); \
	} while (0)

#define DEFINE_ATOMICS(N, T)                                                              \
	static inline T ld##N(const volatile T *a) { return __atomic_load_n(a, __ATOMIC_SEQ_CST); } \
	T __tsan_atomic##N##_load(const volatile T *a, int mo)                            \
	{                                                                                 \
		SCHED(a, 0);                                                              \
		T v = ld##N(a);                                                           \
		pv_thread *t = enter();                                                   \
		if (t) {                                                                  \
			record(t, (uintptr_t)a, sizeof(T), 0, PC);                        \
			after_read(t, (uintptr_t)a, mo);                                  \
		}                                                                         \
		return v;                                                                 \
	}                                                                                 \
	void __tsan_atomic##N##_store(volatile T *a, T v, int mo)                         \
	{                                                                                 \
		SCHED(a, 1);                                                              \
		pv_thread *t = enter();                                                   \
		if (t)                                                                    \
			before_write(t, (uintptr_t)a, sizeof(T), mo, PC);                 \
		__atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                 \
	}                                                                                 \
	DEFINE_RMW(N, T, exchange, __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST))           \
	DEFINE_RMW(N, T, fetch_add, __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST))           \
	DEFINE_RMW(N, T, fetch_sub, __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST))           \
	DEFINE_RMW(N, T, fetch_and, __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST))           \
	DEFINE_RMW(N, T, fetch_or, __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST))             \
	DEFINE_RMW(N, T, fetch_xor, __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST))           \
	DEFINE_RMW(N, T, fetch_nand, __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST))         \
	static inline int cas##N(volatile T *a, T *c, T v)                                \
	{                                                                                 \
		return __atomic_compare_exchange_n(a, c, v, 0, __ATOMIC_SEQ_CST,          \
						   __ATOMIC_SEQ_CST);                     \
	}                                                                                 \
	DEFINE_CAS(N, T)

/* The operation runs under the atomic's sync object lock, between its
 * release and its acquire (sync.h). */
#define DEFINE_RMW(N, T, name, op)                                                        \
	typedef struct {                                                                  \
		volatile T *a;                                                            \
		T v, old;                                                                 \
	} rmw_args_##N##_##name;                                                          \
	static void rmw_##N##_##name(void *p)                                             \
	{                                                                                 \
		rmw_args_##N##_##name *x = p;                                             \
		volatile T *a = x->a;                                                     \
		T v = x->v;                                                               \
		x->old = op;                                                              \
	}                                                                                 \
	T __tsan_atomic##N##_##name(volatile T *a, T v, int mo)                           \
	{                                                                                 \
		SCHED(a, 2);                                                              \
		pv_thread *t = enter();                                                   \
		if (!t)                                                                   \
			return op;                                                        \
		record(t, (uintptr_t)a, sizeof(T), 1, PC);                                \
		rmw_args_##N##_##name x = { a, v, 0 };                                    \
		pv_sync_rmw(t, (uintptr_t)a, &(pv_sync_order){ releases(mo), acquires(mo),       \
			    t->has_fence_rel ? &t->fence_rel : NULL, &t->fence_acq },             \
			    rmw_##N##_##name, &x);                                        \
		return x.old;                                                             \
	}

#define DEFINE_CAS(N, T)                                                                  \
	static int cas_impl##N(volatile T *a, T *c, T v, int mo, int fmo, uintptr_t pc)  \
	{                                                                                 \
		pv_thread *t = enter();                                                   \
		/* A write whether it succeeds or not (as ThreadSanitizer's),     \
		 * recorded before the release covers it. */                      \
		if (t)                                                                    \
			record(t, (uintptr_t)a, sizeof(T), 1, pc);                        \
		if (t && releases(mo))                                                    \
			pv_sync_release(t, (uintptr_t)a, PV_CLOCK_MAIN);                  \
		int ok = cas##N(a, c, v);                                                 \
		if (t) {                                                                  \
			if (ok && !releases(mo) && t->has_fence_rel)                      \
				pv_sync_release_clock((uintptr_t)a, &t->fence_rel);       \
			after_read(t, (uintptr_t)a, ok ? mo : fmo);                       \
		}                                                                         \
		return ok;                                                                \
	}                                                                                 \
	int __tsan_atomic##N##_compare_exchange_strong(volatile T *a, T *c, T v, int mo,  \
						      int fmo)                            \
	{                                                                                 \
		SCHED(a, 2);                                                              \
		return cas_impl##N(a, c, v, mo, fmo, PC);                                 \
	}                                                                                 \
	int __tsan_atomic##N##_compare_exchange_weak(volatile T *a, T *c, T v, int mo,    \
						    int fmo)                              \
	{                                                                                 \
		SCHED(a, 2);                                                              \
		return cas_impl##N(a, c, v, mo, fmo, PC);                                 \
	}                                                                                 \
	T __tsan_atomic##N##_compare_exchange_val(volatile T *a, T c, T v, int mo, int fmo) \
	{                                                                                 \
		SCHED(a, 2);                                                              \
		cas_impl##N(a, &c, v, mo, fmo, PC);                                       \
		return c;                                                                 \
	}

DEFINE_ATOMICS(8, char)
DEFINE_ATOMICS(16, short)
DEFINE_ATOMICS(32, int)
DEFINE_ATOMICS(64, long)

/* 128 bits: the same shapes, each operation under its stripe's lock. */
typedef __int128 i128;
#define WIDE(a, expr)                                 \
	({                                            \
		pv_lock *l_ = wide_lock(a);           \
		pv_lock_acquire(l_);                  \
		i128 r_ = (expr);                     \
		pv_lock_release(l_);                  \
		r_;                                   \
	})
static inline i128 wide_swap(volatile i128 *a, i128 v) { i128 o = *a; *a = v; return o; }
static inline i128 wide_add(volatile i128 *a, i128 v) { i128 o = *a; *a = o + v; return o; }
static inline i128 wide_sub(volatile i128 *a, i128 v) { i128 o = *a; *a = o - v; return o; }
static inline i128 wide_and(volatile i128 *a, i128 v) { i128 o = *a; *a = o & v; return o; }
static inline i128 wide_or(volatile i128 *a, i128 v) { i128 o = *a; *a = o | v; return o; }
static inline i128 wide_xor(volatile i128 *a, i128 v) { i128 o = *a; *a = o ^ v; return o; }
static inline i128 wide_nand(volatile i128 *a, i128 v) { i128 o = *a; *a = ~(o & v); return o; }
static inline int wide_cas(volatile i128 *a, i128 *c, i128 v)
{
	if (*a == *c) {
		*a = v;
		return 1;
	}
	*c = *a;
	return 0;
}

i128 __tsan_atomic128_load(const volatile i128 *a, int mo)
{
	SCHED(a, 0);
	i128 v = WIDE(a, *a);
	pv_thread *t = enter();
	if (t) {
		record(t, (uintptr_t)a, 16, 0, PC);
		after_read(t, (uintptr_t)a, mo);
	}
	return v;
}

void __tsan_atomic128_store(volatile i128 *a, i128 v, int mo)
{
	SCHED(a, 1);
	pv_thread *t = enter();
	if (t)
		before_write(t, (uintptr_t)a, 16, mo, PC);
	WIDE(a, wide_swap((volatile i128 *)a, v));
}

DEFINE_RMW(128, i128, exchange, WIDE(a, wide_swap(a, v)))
DEFINE_RMW(128, i128, fetch_add, WIDE(a, wide_add(a, v)))
DEFINE_RMW(128, i128, fetch_sub, WIDE(a, wide_sub(a, v)))
DEFINE_RMW(128, i128, fetch_and, WIDE(a, wide_and(a, v)))
DEFINE_RMW(128, i128, fetch_or, WIDE(a, wide_or(a, v)))
DEFINE_RMW(128, i128, fetch_xor, WIDE(a, wide_xor(a, v)))
DEFINE_RMW(128, i128, fetch_nand, WIDE(a, wide_nand(a, v)))
static inline int cas128(volatile i128 *a, i128 *c, i128 v) { return (int)WIDE(a, wide_cas(a, c, v)); }
DEFINE_CAS(128, i128)

void __tsan_atomic_thread_fence(int mo)
{
	pv_thread *t = enter();
	if (t && acquires(mo))
		pv_vc_join(&t->vc, &t->fence_acq);
	if (t && releases(mo)) {
		pv_vc_copy(&t->fence_rel, &t->vc);
		t->has_fence_rel = 1;
		pv_thread_tick(t);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void __tsan_atomic_signal_fence(int mo __attribute__((unused)))
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}
