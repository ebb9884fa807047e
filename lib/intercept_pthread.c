/* pthread interceptors: threads, mutexes, rwlocks, condition variables,
 * semaphores, barriers, once and spinlocks, turned into happens-before. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <linux/futex.h>
#include <semaphore.h>
#include <stdio.h>
#include "access.h"
#include <sys/syscall.h>
#include <unistd.h>
#include "deadlock.h"
#include "init.h"
#include "heap.h"
#include "intercept.h"
#include "schedule.h"
#include "session.h"
#include "xmap.h"
#include "stack.h"
#include "sync.h"
#include "thread.h"

#define A(p) ((uintptr_t)(p))

/* Locks taken inside the runtime (the symbolizer's) order nothing of the program's. */
static void acquire(const volatile void *obj, pv_sync_clock which)
{
	pv_thread *t = program_thread();
	if (t)
		pv_sync_acquire(t, A(obj), which);
}

static void release(const volatile void *obj, pv_sync_clock which)
{
	pv_thread *t = program_thread();
	if (t)
		pv_sync_release(t, A(obj), which);
}

/* The object's own memory, as ThreadSanitizer sees it: init and destroy
 * write its first byte, every other call reads it atomically. Uses never
 * race with each other, but a destroy, init, memset or free that nothing
 * orders after a use does. A statically initialised object is first seen
 * at its first use: no write. A lock reads before it acquires, and a barrier
 * wait again on its way out: what orders init before another thread's lock,
 * or a waiter's exit before destroy, must be something else. */
static void touch(const volatile void *obj, const char *noun, int is_write, uintptr_t pc)
{
	pv_thread *t = program_thread();
	if (!t)
		return;
	pv_sync_set_kind(A(obj), noun);
	pv_access(t, A(obj), 1, is_write, !is_write, pc);
}

/* The object is gone: its clocks, owners, lock order and waiters. */
static void forget(const volatile void *obj, size_t size)
{
	pv_sync_forget(A(obj), size);
	pv_dl_forget(A(obj), size);
}

/* A new object at this address owes nothing to an old one there. Its init
 * writes its memory. */
static void fresh(const volatile void *obj, size_t size, const char *noun, uintptr_t pc)
{
	forget(obj, size);
	touch(obj, noun, 1, pc);
}

/* A timeout's tv_nsec must be in [0, 1e9): glibc fails the call with
 * EINVAL (once it has to wait). Misuse; the call goes ahead as it would. */
static void check_timeout(const volatile void *obj, const char *noun, const char *call,
			  const struct timespec *ts, uintptr_t pc)
{
	pv_thread *t = program_thread();
	if (!t || !ts || (ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000))
		return;
	char head[96], note[128];
	pv_snprintf(head, sizeof head, "invalid timeout for %s", call);
	pv_snprintf(note, sizeof note,
		 "tv_nsec is %ld, not in [0, 1000000000): the wait fails with EINVAL", (long)ts->tv_nsec);
	pv_dl_misuse(t, head, A(obj), noun, pc, note);
}

/* Misuse checks before a destroy; EBUSY when it must not go ahead. */
static int destroying(const volatile void *obj, pv_dl_object kind, uintptr_t pc)
{
	pv_thread *t = program_thread();
	return t ? pv_dl_destroy(t, A(obj), kind, pc) : 0;
}

static int destroyed(const volatile void *obj, size_t size, pv_dl_object kind, int r)
{
	if (r == 0) {
		pv_sync_forget(A(obj), size);
		pv_dl_destroyed(A(obj), size, kind);
	}
	return r;
}

/* ---- under the controlled scheduler (schedule.h) ---- */

/* Another process may release what lives in shared memory: its waits stay
 * the kernel's, with the turn given up meanwhile. */
static int shared_object(const volatile void *obj)
{
	pv_key k;
	return pv_xmap_any() && pv_xmap_key(A(obj), 0, &k);
}

static int controlled(void)
{
	return PV_UNLIKELY(pv_sched_active) && program_thread() && pv_sched_controls();
}

/* Waiters of obj may go on (after an unlock, a post, a signal). */
static int woke(const volatile void *obj, int all, int r)
{
	if (PV_UNLIKELY(pv_sched_active))
		pv_sched_wake(A(obj), all);
	return r;
}

/* A lock that would wait waits in the scheduler: try it, block until the
 * next unlock, try again. A relock by its owner goes to the real call,
 * which fails or deadlocks at once, as it would anyway. */
#define CONTROLLED(obj, owned, try_call, call, deadline)                                 \
	({                                                                             \
		int c_;                                                                \
		if (PV_LIKELY(!controlled()) || (owned)) {                             \
			c_ = (call);                                                   \
		} else if (shared_object(obj)) {                                       \
			pv_sched_leave(pv_cur());                                      \
			c_ = (call);                                                   \
			pv_sched_enter(pv_cur());                                      \
		} else {                                                               \
			uint64_t d_ = (deadline);                                      \
			while ((c_ = (try_call)) == EBUSY &&                           \
			       pv_sched_block(pv_cur(), A(obj), d_) == PV_SCHED_WOKEN)  \
				;                                                      \
			c_ = c_ == EBUSY ? ETIMEDOUT : c_;                             \
		}                                                                      \
		c_;                                                                    \
	})

/* Out of line: the timed calls declare abstime non-null, a program may still pass NULL. */
static __attribute__((noinline)) uint64_t deadline_of(clockid_t clock, const struct timespec *abstime)
{
	return abstime && abstime->tv_nsec >= 0 && abstime->tv_nsec < 1000000000
		       ? pv_sched_deadline(clock, abstime) : 1;
}

static int owns_mutex(const pthread_mutex_t *m)
{
	pv_thread *t = pv_cur();
	return t && m->__data.__owner == t->os_tid;
}

static int owns_rwlock(const pthread_rwlock_t *l)
{
	pv_thread *t = pv_cur();
	return t && (int)l->__data.__cur_writer == t->os_tid;
}

#define MUTEX_LOCK(m, deadline, call) \
	CONTROLLED(m, owns_mutex(m), REAL(pthread_mutex_trylock)(m), call, deadline)

/* ---- threads ---- */

/* On the creator's stack: it waits until the new thread has taken its copy. */
typedef struct {
	void *(*fn)(void *);
	void *arg;
	pv_thread *t;
	int started;          /* futex word: 1 once the thread is registered */
} start_args;

/* A thread ends after its TLS destructors (C++ thread_local, pthread keys'),
 * whose accesses are its own: as ThreadSanitizer does, a key of the
 * runtime's puts the end off to the last round of destructors. Without the
 * key (none left), a thread ends when its function returns. */
static pthread_key_t end_key;
static int end_key_made;
static __thread int end_deferred;   /* this thread's end waits for the key */
static __thread uintptr_t exit_pc;  /* where it called pthread_exit, or 0 */

static void thread_end(pv_thread *t)
{
	if (pv_cur() == t) {
		pv_dl_thread_exit(t, exit_pc);
		pv_thread_finish(t);
		pv_sched_thread_end(t);
		pv_heap_thread_end();
	}
}

/* The key's destructor: set again until the last round, then the end. */
static void end_round(void *v)
{
	uintptr_t left = (uintptr_t)v;
	if (left > 1 && pthread_setspecific(end_key, (void *)(left - 1)) == 0)
		return;
	pv_thread *t = pv_cur();
	if (t)
		thread_end(t);
}

void pv_thread_end_init(void)
{
	end_key_made = pthread_key_create(&end_key, end_round) == 0;
}

static void defer_end(void)
{
	end_deferred = end_key_made &&
		pthread_setspecific(end_key, (void *)(uintptr_t)PTHREAD_DESTRUCTOR_ITERATIONS) == 0;
}

/* The thread was cancelled: its function never returns, yet the thread
 * ends (after pthread_exit, which ends it itself, it is no longer current). */
static void thread_unwound(void *p)
{
	if (!end_deferred)
		thread_end(p);
}

static long futex(int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* The new thread runs user code next: let its creator go on. After the
 * store, s may be gone (the creator may have returned). */
static void started(start_args *s)
{
	__atomic_store_n(&s->started, 1, __ATOMIC_RELEASE);
	futex(&s->started, FUTEX_WAKE_PRIVATE, 1);
}

/* As ThreadSanitizer's pthread_create: back only once the thread runs, so
 * that a thread created just before exit is seen. The thread takes no lock
 * of the program's before it says so: no deadlock with a creator that
 * holds some. */
static void wait_started(start_args *s)
{
	while (!__atomic_load_n(&s->started, __ATOMIC_ACQUIRE))
		futex(&s->started, FUTEX_WAIT_PRIVATE, 0);
}

static void *thread_start(void *p)
{
	start_args s = *(start_args *)p;
	pv_thread_start(s.t, pthread_self());
	pv_dl_thread_start(s.t);
	defer_end();
	started(p);
	pv_sched_thread_begin(s.t);
	void *ret;
	pthread_cleanup_push(thread_unwound, s.t);
	ret = s.fn(s.arg);
	pthread_cleanup_pop(0);
	if (!end_deferred)
		thread_end(s.t);
	return ret;
}

static int created_detached(const pthread_attr_t *attr)
{
	int d = PTHREAD_CREATE_JOINABLE;
	return attr && !pthread_attr_getdetachstate(attr, &d) && d == PTHREAD_CREATE_DETACHED;
}

PV_INTERCEPTOR int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	pv_thread *parent = pv_cur();
	if (!parent)
		return REAL(pthread_create)(th, attr, fn, arg);
	SCHED_POINT("create", 0);
	parent->ignore++;
	pv_stack st;
	pv_stack_unwind(&st, CALLER_PC);
	pv_ctx_trim(parent->ctx, &st);
	pv_thread *t = pv_thread_create(parent, pv_stack_intern(&st), created_detached(attr));
	start_args s = { fn, arg, t, 0 };
	pv_sched_thread_new(t);
	int r = REAL(pthread_create)(th, attr, thread_start, &s);
	if (r) {
		pv_sched_thread_drop(t);
		pv_thread_abandon(t);
	} else {
		/* Set here too: the parent may join before the child runs. */
		pv_thread_set_pthread(t, *th);
		wait_started(&s);
	}
	parent->ignore--;
	return r;
}

/* ---- cancellation ---- */

/* This thread's cancel state and type, as the program set them. */
static __thread unsigned char cancel_disabled, cancel_async;

PV_INTERCEPTOR int pthread_cancel(pthread_t th)
{
	pv_thread *t = pv_thread_by_pthread(th);
	if (t && program_thread()) {
		pv_dl_cancel_sent(t);
		pv_sched_cancel(t);
	}
	return REAL(pthread_cancel)(th);
}

static void cancel_mode_changed(void)
{
	pv_thread *t = program_thread();
	if (t)
		pv_dl_cancel_mode(t, cancel_disabled, cancel_async);
}

PV_INTERCEPTOR int pthread_setcancelstate(int state, int *old)
{
	int r = REAL(pthread_setcancelstate)(state, old);
	if (r == 0) {
		cancel_disabled = state == PTHREAD_CANCEL_DISABLE;
		cancel_mode_changed();
	}
	return r;
}

PV_INTERCEPTOR int pthread_setcanceltype(int type, int *old)
{
	int r = REAL(pthread_setcanceltype)(type, old);
	if (r == 0) {
		cancel_async = type == PTHREAD_CANCEL_ASYNCHRONOUS;
		cancel_mode_changed();
	}
	return r;
}

/* Asynchronous cancellation strikes anywhere: keep it out of the runtime's
 * bookkeeping, which holds the runtime's locks, and let it in only for the
 * real call. Returns the state to give back to cancel_let, -1 for none. */
static int cancel_hold(void)
{
	int old = -1;
	if (PV_UNLIKELY(cancel_async && !cancel_disabled))
		REAL(pthread_setcancelstate)(PTHREAD_CANCEL_DISABLE, &old);
	return old;
}

static void cancel_let(int old)
{
	if (PV_UNLIKELY(old >= 0))
		REAL(pthread_setcancelstate)(old, NULL);
}

/* Cancelled in a wait (a cancellation point): it leaves the wait. */
static void wait_unwound(void *t)
{
	if (t)
		pv_dl_wait_end(t);
}

static void joined(pv_thread *t)
{
	pv_thread *self = pv_cur();
	if (self && t)
		pv_thread_join(self, t);
}

/* Joining a joined or detached thread is undefined: report it and fail. */
static int join_misuse(pthread_t th, uintptr_t pc)
{
	pv_thread *self = program_thread();
	if (!self)
		return 0;
	return pv_dl_join_misuse(self, pv_thread_last_by_pthread(th), pc);
}

PV_INTERCEPTOR int pthread_join(pthread_t th, void **ret)
{
	int e = join_misuse(th, CALLER_PC);
	if (e)
		return e;
	pv_thread *t = pv_thread_by_pthread(th);
	pv_thread *self = pv_cur();
	int watched = self && t && !self->ignore;
	if (watched && PV_UNLIKELY(pv_sched_active))
		pv_sched_point(self, "join", A(t), CALLER_PC);
	if (watched)
		pv_dl_wait_begin(self, PV_WAIT_JOIN, (uintptr_t)t->tid, CALLER_PC);
	int r;
	pthread_cleanup_push(wait_unwound, watched ? self : NULL);
	if (watched && controlled())
		while (!pv_sched_thread_done(t)) {
			pv_sched_block(self, A(t), 0);
			pthread_testcancel();
		}
	r = REAL(pthread_join)(th, ret);
	pthread_cleanup_pop(0);
	if (watched)
		pv_dl_wait_end(self);
	if (r == 0)
		joined(t);
	return r;
}

PV_INTERCEPTOR int pthread_tryjoin_np(pthread_t th, void **ret)
{
	int e = join_misuse(th, CALLER_PC);
	if (e)
		return e;
	pv_thread *t = pv_thread_by_pthread(th);
	int r = REAL(pthread_tryjoin_np)(th, ret);
	if (r == 0)
		joined(t);
	return r;
}

PV_INTERCEPTOR int pthread_timedjoin_np(pthread_t th, void **ret, const struct timespec *abstime)
{
	int e = join_misuse(th, CALLER_PC);
	if (e)
		return e;
	pv_thread *t = pv_thread_by_pthread(th);
	int r = REAL(pthread_timedjoin_np)(th, ret, abstime);
	if (r == 0)
		joined(t);
	return r;
}

PV_INTERCEPTOR int pthread_clockjoin_np(pthread_t th, void **ret, clockid_t clock,
					const struct timespec *abstime)
{
	int e = join_misuse(th, CALLER_PC);
	if (e)
		return e;
	pv_thread *t = pv_thread_by_pthread(th);
	int r = REAL(pthread_clockjoin_np)(th, ret, clock, abstime);
	if (r == 0)
		joined(t);
	return r;
}

PV_INTERCEPTOR int pthread_detach(pthread_t th)
{
	pv_thread *t = pv_thread_by_pthread(th);
	int r = REAL(pthread_detach)(th);
	if (r == 0 && t)
		pv_thread_detach(t);
	return r;
}

PV_INTERCEPTOR void pthread_exit(void *ret)
{
	pv_thread *t = pv_cur();
	if (t) {
		exit_pc = CALLER_PC;
		if (!end_deferred)
			thread_end(t);
	}
	REAL(pthread_exit)(ret);
	__builtin_unreachable();
}

PV_INTERCEPTOR int pthread_setname_np(pthread_t th, const char *name)
{
	int r = REAL(pthread_setname_np)(th, name);
	pv_thread *t = pv_thread_by_pthread(th);
	if (t)
		pv_thread_set_name(t, name);
	return r;
}

/* ---- mutexes ---- */

PV_INTERCEPTOR int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
	fresh(m, sizeof *m, "mutex", CALLER_PC);
	return REAL(pthread_mutex_init)(m, a);
}

PV_INTERCEPTOR int pthread_mutex_destroy(pthread_mutex_t *m)
{
	destroying(m, PV_DL_MUTEX, CALLER_PC);
	touch(m, "mutex", 1, CALLER_PC);
	return destroyed(m, sizeof *m, PV_DL_MUTEX, REAL(pthread_mutex_destroy)(m));
}

/* What relocking a mutex the thread holds does, by glibc's mutex kind.
 * A mutex glibc sees unlocked is held by nobody, whatever the thread's
 * list says: its memory was reused for a new mutex without init (a
 * function's local mutex left locked, the function called again). */
static pv_relock relock_of(const pthread_mutex_t *m)
{
	pv_thread *t = program_thread();
	if (t && !__atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED))
		pv_dl_unlocked(t, A(m));
	switch (m->__data.__kind & 3) {
	case PTHREAD_MUTEX_RECURSIVE: return PV_RELOCK_RECURSIVE;
	case PTHREAD_MUTEX_ERRORCHECK: return PV_RELOCK_FAILS;
	default: return PV_RELOCK_DEADLOCKS;
	}
}

/* Wraps every lock acquisition: deadlock bookkeeping around the real call,
 * then the acquire of the lock's clock. */
#define LOCK(obj, noun, mode, kind, relock, blocking, call)                                      \
	({                                                                                 \
		pv_thread *t_ = pv_cur();                                                  \
		int on_ = t_ && !t_->ignore;                                               \
		uintptr_t pc_ = CALLER_PC;                                                 \
		if (PV_UNLIKELY(pv_sched_active) && on_)                                   \
			pv_sched_point(t_, (mode) == PV_LOCK_SHARED ? "rdlock" : "lock", A(obj), pc_); \
		int held_ = cancel_hold();                                                 \
		if (on_)                                                                   \
			pv_dl_before_lock(t_, A(obj), mode, kind, relock, blocking, pc_);  \
		cancel_let(held_);                                                         \
		int r_ = (call);                                                           \
		held_ = cancel_hold();                                                     \
		int got_ = r_ == 0 || r_ == EOWNERDEAD;                                    \
		if (on_)                                                                   \
			pv_dl_after_lock(t_, A(obj), mode, blocking, got_, pc_);           \
		if (got_) {                                                                \
			touch(obj, noun, 0, pc_);                                          \
			acquire(obj, PV_CLOCK_MAIN);                                       \
		}                                                                          \
		cancel_let(held_);                                                         \
		r_;                                                                        \
	})

/* Before every release: the deadlock side, then the clock's release into
 * the side the thread held. */
static void unlocking(const volatile void *obj, const char *noun, uintptr_t pc)
{
	pv_thread *t = program_thread();
	if (!t)
		return;
	touch(obj, noun, 0, pc);
	int mode = pv_dl_before_unlock(t, A(obj), pc);
	pv_sync_release(t, A(obj), mode == PV_LOCK_SHARED ? PV_CLOCK_READ : PV_CLOCK_MAIN);
}

/* glibc's flag in a mutex's kind for PTHREAD_MUTEX_ROBUST. */
#define GLIBC_MUTEX_ROBUST 16

/* After a lock: a robust mutex held is marked so, since a thread may end
 * holding one (its next owner gets EOWNERDEAD). */
static int locked_robust(pthread_mutex_t *m, int r)
{
	pv_thread *t = program_thread();
	if (t && (r == 0 || r == EOWNERDEAD) && (m->__data.__kind & GLIBC_MUTEX_ROBUST))
		pv_dl_held_robust(t, A(m));
	return r;
}

PV_INTERCEPTOR int pthread_mutex_lock(pthread_mutex_t *m)
{
	return locked_robust(m, LOCK(m, "mutex", PV_LOCK_EXCL, PV_WAIT_MUTEX, relock_of(m), 1,
				     MUTEX_LOCK(m, 0, REAL(pthread_mutex_lock)(m))));
}

PV_INTERCEPTOR int pthread_mutex_trylock(pthread_mutex_t *m)
{
	return locked_robust(m, LOCK(m, "mutex", PV_LOCK_EXCL, PV_WAIT_MUTEX, relock_of(m), 0,
				     REAL(pthread_mutex_trylock)(m)));
}

PV_INTERCEPTOR int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	check_timeout(m, "mutex", "pthread_mutex_timedlock", abstime, CALLER_PC);
	return locked_robust(m, LOCK(m, "mutex", PV_LOCK_EXCL, PV_WAIT_MUTEX, relock_of(m), 0,
				     MUTEX_LOCK(m, deadline_of(CLOCK_REALTIME, abstime),
						REAL(pthread_mutex_timedlock)(m, abstime))));
}

PV_INTERCEPTOR int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clk, const struct timespec *abstime)
{
	check_timeout(m, "mutex", "pthread_mutex_clocklock", abstime, CALLER_PC);
	return locked_robust(m, LOCK(m, "mutex", PV_LOCK_EXCL, PV_WAIT_MUTEX, relock_of(m), 0,
				     MUTEX_LOCK(m, deadline_of(clk, abstime), REAL(pthread_mutex_clocklock)(m, clk, abstime))));
}

PV_INTERCEPTOR int pthread_mutex_unlock(pthread_mutex_t *m)
{
	SCHED_POINT("unlock", m);
	unlocking(m, "mutex", CALLER_PC);
	return woke(m, 1, REAL(pthread_mutex_unlock)(m));
}

/* ---- spinlocks ---- */

PV_INTERCEPTOR int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
	fresh(s, sizeof *s, "spinlock", CALLER_PC);
	return REAL(pthread_spin_init)(s, pshared);
}

PV_INTERCEPTOR int pthread_spin_destroy(pthread_spinlock_t *s)
{
	destroying(s, PV_DL_SPIN, CALLER_PC);
	touch(s, "spinlock", 1, CALLER_PC);
	return destroyed(s, sizeof *s, PV_DL_SPIN, REAL(pthread_spin_destroy)(s));
}

PV_INTERCEPTOR int pthread_spin_lock(pthread_spinlock_t *s)
{
	return LOCK(s, "spinlock", PV_LOCK_EXCL, PV_WAIT_MUTEX, PV_RELOCK_DEADLOCKS, 1,
		    CONTROLLED(s, 0, REAL(pthread_spin_trylock)(s), REAL(pthread_spin_lock)(s), 0));
}

PV_INTERCEPTOR int pthread_spin_trylock(pthread_spinlock_t *s)
{
	return LOCK(s, "spinlock", PV_LOCK_EXCL, PV_WAIT_MUTEX, PV_RELOCK_DEADLOCKS, 0,
		    REAL(pthread_spin_trylock)(s));
}

PV_INTERCEPTOR int pthread_spin_unlock(pthread_spinlock_t *s)
{
	SCHED_POINT("unlock", s);
	unlocking(s, "spinlock", CALLER_PC);
	return woke(s, 1, REAL(pthread_spin_unlock)(s));
}

/* ---- rwlocks ---- */

/* Readers release into the read clock, which only writers acquire. */
#define RDLOCK(l, blocking, call) LOCK(l, "rwlock", PV_LOCK_SHARED, PV_WAIT_RDLOCK, PV_RELOCK_DEADLOCKS, blocking, call)
#define WRLOCK(l, blocking, call)                                                          \
	({                                                                                 \
		int w_ = LOCK(l, "rwlock", PV_LOCK_EXCL, PV_WAIT_WRLOCK, PV_RELOCK_DEADLOCKS, blocking, call); \
		if (w_ == 0)                                                               \
			acquire(l, PV_CLOCK_READ);                                         \
		w_;                                                                        \
	})

PV_INTERCEPTOR int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
	fresh(l, sizeof *l, "rwlock", CALLER_PC);
	return REAL(pthread_rwlock_init)(l, a);
}

PV_INTERCEPTOR int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
	destroying(l, PV_DL_RWLOCK, CALLER_PC);
	touch(l, "rwlock", 1, CALLER_PC);
	return destroyed(l, sizeof *l, PV_DL_RWLOCK, REAL(pthread_rwlock_destroy)(l));
}

PV_INTERCEPTOR int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	return RDLOCK(l, 1, CONTROLLED(l, owns_rwlock(l), REAL(pthread_rwlock_tryrdlock)(l),
				       REAL(pthread_rwlock_rdlock)(l), 0));
}

PV_INTERCEPTOR int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	return RDLOCK(l, 0, REAL(pthread_rwlock_tryrdlock)(l));
}

PV_INTERCEPTOR int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t)
{
	check_timeout(l, "rwlock", "pthread_rwlock_timedrdlock", t, CALLER_PC);
	return RDLOCK(l, 0, CONTROLLED(l, owns_rwlock(l), REAL(pthread_rwlock_tryrdlock)(l),
				       REAL(pthread_rwlock_timedrdlock)(l, t), deadline_of(CLOCK_REALTIME, t)));
}

PV_INTERCEPTOR int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c, const struct timespec *t)
{
	check_timeout(l, "rwlock", "pthread_rwlock_clockrdlock", t, CALLER_PC);
	return RDLOCK(l, 0, CONTROLLED(l, owns_rwlock(l), REAL(pthread_rwlock_tryrdlock)(l),
				       REAL(pthread_rwlock_clockrdlock)(l, c, t), deadline_of(c, t)));
}

PV_INTERCEPTOR int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	return WRLOCK(l, 1, CONTROLLED(l, owns_rwlock(l), REAL(pthread_rwlock_trywrlock)(l),
				       REAL(pthread_rwlock_wrlock)(l), 0));
}

PV_INTERCEPTOR int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	return WRLOCK(l, 0, REAL(pthread_rwlock_trywrlock)(l));
}

PV_INTERCEPTOR int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t)
{
	check_timeout(l, "rwlock", "pthread_rwlock_timedwrlock", t, CALLER_PC);
	return WRLOCK(l, 0, CONTROLLED(l, owns_rwlock(l), REAL(pthread_rwlock_trywrlock)(l),
				       REAL(pthread_rwlock_timedwrlock)(l, t), deadline_of(CLOCK_REALTIME, t)));
}

PV_INTERCEPTOR int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c, const struct timespec *t)
{
	check_timeout(l, "rwlock", "pthread_rwlock_clockwrlock", t, CALLER_PC);
	return WRLOCK(l, 0, CONTROLLED(l, owns_rwlock(l), REAL(pthread_rwlock_trywrlock)(l),
				       REAL(pthread_rwlock_clockwrlock)(l, c, t), deadline_of(c, t)));
}

PV_INTERCEPTOR int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	SCHED_POINT("unlock", l);
	unlocking(l, "rwlock", CALLER_PC);
	return woke(l, 1, REAL(pthread_rwlock_unlock)(l));
}

/* ---- condition variables ---- */

PV_INTERCEPTOR int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
	fresh(c, sizeof *c, "condition variable", CALLER_PC);
	return REAL_V(pthread_cond_init, "GLIBC_2.3.2")(c, a);
}

PV_INTERCEPTOR int pthread_cond_destroy(pthread_cond_t *c)
{
	int busy = destroying(c, PV_DL_COND, CALLER_PC);
	touch(c, "condition variable", 1, CALLER_PC);
	if (busy)
		return busy;
	return destroyed(c, sizeof *c, PV_DL_COND, REAL_V(pthread_cond_destroy, "GLIBC_2.3.2")(c));
}

PV_INTERCEPTOR int pthread_cond_signal(pthread_cond_t *c)
{
	/* The wake-up a waiter is ordered after comes first: the call still
	 * reads the condition on its way out, and a waiter that frees it once
	 * woken races with that, unless the mutex orders them. */
	SCHED_POINT("signal", c);
	release(c, PV_CLOCK_MAIN);
	touch(c, "condition variable", 0, CALLER_PC);
	pv_dl_cond_wake(A(c), 0);
	return woke(c, 0, REAL_V(pthread_cond_signal, "GLIBC_2.3.2")(c));
}

PV_INTERCEPTOR int pthread_cond_broadcast(pthread_cond_t *c)
{
	SCHED_POINT("broadcast", c);
	release(c, PV_CLOCK_MAIN); /* as signal */
	touch(c, "condition variable", 0, CALLER_PC);
	pv_dl_cond_wake(A(c), 1);
	return woke(c, 1, REAL_V(pthread_cond_broadcast, "GLIBC_2.3.2")(c));
}

/* The wait unlocks and relocks the mutex; the signal's clock comes along. */
static int woken(pthread_cond_t *c, pthread_mutex_t *m, int r)
{
	acquire(m, PV_CLOCK_MAIN);
	acquire(c, PV_CLOCK_MAIN);
	return r;
}

/* Cancelled in the wait: the thread retook the mutex and leaves the wait
 * (it runs its cleanup handlers, with the mutex, next). */
typedef struct {
	pv_thread *t;
	pthread_cond_t *c;
	pthread_mutex_t *m;
	int timed;
} cond_waiting;

static void cond_unwound(void *p)
{
	cond_waiting *w = p;
	if (w->t)
		pv_dl_cond_wait_end(w->t, A(w->c), A(w->m), w->timed);
	woken(w->c, w->m, 0);
}

/* Under control a condition wait is the scheduler's: the mutex is
 * unlocked, the thread blocks until a signal picks it (or, with
 * sched_spurious, returns without one, as POSIX allows), then locks the
 * mutex again. Process-shared ones stay the kernel's. */
static int controlled_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, uint64_t deadline)
{
	pv_thread *t = pv_cur();
	int spurious = pv_sched_spurious(t);
	int r = REAL(pthread_mutex_unlock)(m);
	if (r)
		return r;
	woke(m, 1, 0);
	if (spurious)
		pv_sched_point(t, "spurious wakeup", A(c), 0);
	else if (pv_sched_block(t, A(c), deadline) == PV_SCHED_TIMEDOUT)
		r = ETIMEDOUT;
	while (REAL(pthread_mutex_trylock)(m) == EBUSY)
		pv_sched_block(t, A(m), 0);
	pthread_testcancel();
	return r;
}

#define COND_CALL(c, m, deadline, call)                                                    \
	(controlled() && !shared_object(c) && !shared_object(m)                            \
		 ? controlled_cond_wait(c, m, deadline)                                    \
		 : SCHED_SYSCALL(PV_UNLIKELY(pv_sched_active) ? -1 : PV_SCHED_NOWAIT, 0, call))

#define COND_WAIT(c, m, timed, call)                                                       \
	({                                                                                 \
		SCHED_POINT("wait", c);                                                    \
		pv_thread *volatile t_ = program_thread(); /* kept across setjmp */       \
		cond_waiting w_ = { t_, c, m, timed };                                     \
		int r_;                                                                    \
		if (t_)                                                                    \
			pv_dl_cond_wait_begin(t_, A(c), A(m), timed, CALLER_PC);           \
		touch(c, "condition variable", 0, CALLER_PC);                             \
		touch(m, "mutex", 0, CALLER_PC);                                           \
		release(m, PV_CLOCK_MAIN);                                                 \
		pthread_cleanup_push(cond_unwound, &w_);                                   \
		r_ = (call);                                                               \
		pthread_cleanup_pop(0);                                                    \
		if (t_)                                                                    \
			pv_dl_cond_wait_end(t_, A(c), A(m), timed);                        \
		woken(c, m, r_);                                                           \
	})

/* The clock of a condition's timed waits (pthread_condattr_setclock): glibc
 * keeps it in bit 1 of __wrefs. */
static clockid_t cond_clock(const pthread_cond_t *c)
{
	return (c->__data.__wrefs & 2) ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

PV_INTERCEPTOR int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	return COND_WAIT(c, m, 0, COND_CALL(c, m, 0, REAL_V(pthread_cond_wait, "GLIBC_2.3.2")(c, m)));
}

PV_INTERCEPTOR int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
	check_timeout(c, "condition variable", "pthread_cond_timedwait", t, CALLER_PC);
	return COND_WAIT(c, m, 1, COND_CALL(c, m, deadline_of(cond_clock(c), t),
					   REAL_V(pthread_cond_timedwait, "GLIBC_2.3.2")(c, m, t)));
}

PV_INTERCEPTOR int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
			   const struct timespec *t)
{
	check_timeout(c, "condition variable", "pthread_cond_clockwait", t, CALLER_PC);
	return COND_WAIT(c, m, 1, COND_CALL(c, m, deadline_of(clk, t), REAL(pthread_cond_clockwait)(c, m, clk, t)));
}

/* ---- semaphores ---- */

PV_INTERCEPTOR int sem_init(sem_t *s, int pshared, unsigned value)
{
	fresh(s, sizeof *s, "semaphore", CALLER_PC);
	return REAL(sem_init)(s, pshared, value);
}

PV_INTERCEPTOR int sem_destroy(sem_t *s)
{
	touch(s, "semaphore", 1, CALLER_PC);
	forget(s, sizeof *s);
	return REAL(sem_destroy)(s);
}

PV_INTERCEPTOR int sem_post(sem_t *s)
{
	SCHED_POINT("post", s);
	touch(s, "semaphore", 0, CALLER_PC);
	release(s, PV_CLOCK_MAIN);
	return woke(s, 1, REAL(sem_post)(s));
}

static int sem_got(sem_t *s, int r)
{
	if (r == 0)
		acquire(s, PV_CLOCK_MAIN);
	return r;
}

/* A wait that can block for good: watched for deadlock. */
#define WATCHED(kind, obj, call)                                                           \
	({                                                                                 \
		pv_thread *volatile t_ = program_thread(); /* kept across setjmp */       \
		int r_;                                                                    \
		if (t_)                                                                    \
			pv_dl_wait_begin(t_, kind, A(obj), CALLER_PC);                     \
		pthread_cleanup_push(wait_unwound, t_);                                    \
		r_ = (call);                                                               \
		pthread_cleanup_pop(0);                                                    \
		if (t_)                                                                    \
			pv_dl_wait_end(t_);                                                \
		r_;                                                                        \
	})

/* Under control: try, and block until the next post. */
static int controlled_sem_wait(sem_t *s, uint64_t deadline)
{
	for (;;) {
		int r = REAL(sem_trywait)(s);
		if (r == 0 || errno != EAGAIN)
			return r;
		if (pv_sched_block(pv_cur(), A(s), deadline) == PV_SCHED_TIMEDOUT) {
			errno = ETIMEDOUT;
			return -1;
		}
		pthread_testcancel();
	}
}

#define SEM_CALL(s, deadline, call)                                                        \
	(controlled() && !shared_object(s) ? controlled_sem_wait(s, deadline)              \
					   : SCHED_SYSCALL(PV_UNLIKELY(pv_sched_active) ? -1 : PV_SCHED_NOWAIT, 0, call))

PV_INTERCEPTOR int sem_wait(sem_t *s)
{
	SCHED_POINT("sem wait", s);
	touch(s, "semaphore", 0, CALLER_PC);
	return sem_got(s, WATCHED(PV_WAIT_SEM, s, SEM_CALL(s, 0, REAL(sem_wait)(s))));
}

PV_INTERCEPTOR int sem_trywait(sem_t *s)
{
	SCHED_POINT("sem trywait", s);
	touch(s, "semaphore", 0, CALLER_PC);
	return sem_got(s, REAL(sem_trywait)(s));
}

PV_INTERCEPTOR int sem_timedwait(sem_t *s, const struct timespec *t)
{
	check_timeout(s, "semaphore", "sem_timedwait", t, CALLER_PC);
	SCHED_POINT("sem wait", s);
	touch(s, "semaphore", 0, CALLER_PC);
	return sem_got(s, SEM_CALL(s, deadline_of(CLOCK_REALTIME, t), REAL(sem_timedwait)(s, t)));
}

PV_INTERCEPTOR int sem_clockwait(sem_t *s, clockid_t c, const struct timespec *t)
{
	check_timeout(s, "semaphore", "sem_clockwait", t, CALLER_PC);
	SCHED_POINT("sem wait", s);
	touch(s, "semaphore", 0, CALLER_PC);
	return sem_got(s, SEM_CALL(s, deadline_of(c, t), REAL(sem_clockwait)(s, c, t)));
}

/* ---- barriers ---- */

PV_INTERCEPTOR int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned n)
{
	pv_thread *t = program_thread();
	if (t)
		pv_dl_barrier_init(t, A(b), n, CALLER_PC);
	fresh(b, sizeof *b, "barrier", CALLER_PC);
	int r = REAL(pthread_barrier_init)(b, a, n);
	if (r == 0) {
		pv_dl_barrier_ready(A(b), n);
		if (PV_UNLIKELY(pv_sched_active) && !shared_object(b))
			pv_sched_barrier_init(A(b), n);
	}
	return r;
}

PV_INTERCEPTOR int pthread_barrier_destroy(pthread_barrier_t *b)
{
	touch(b, "barrier", 1, CALLER_PC);
	forget(b, sizeof *b);
	return REAL(pthread_barrier_destroy)(b);
}

/* Under control the scheduler's model of the barrier, if it knows it. */
static int barrier_call(pthread_barrier_t *b)
{
	int r = controlled() ? pv_sched_barrier_wait(pv_cur(), A(b)) : -1;
	if (r >= 0)
		return r ? PTHREAD_BARRIER_SERIAL_THREAD : 0;
	return SCHED_SYSCALL(PV_UNLIKELY(pv_sched_active) ? -1 : PV_SCHED_NOWAIT, 0,
			     REAL(pthread_barrier_wait)(b));
}

/* Everything before any thread's arrival happens before every departure. */
PV_INTERCEPTOR int pthread_barrier_wait(pthread_barrier_t *b)
{
	SCHED_POINT("barrier", b);
	touch(b, "barrier", 0, CALLER_PC);
	pv_dl_barrier_arrive(A(b));
	release(b, PV_CLOCK_MAIN);
	int r = WATCHED(PV_WAIT_BARRIER, b, barrier_call(b));
	touch(b, "barrier", 0, CALLER_PC);
	acquire(b, PV_CLOCK_MAIN);
	return r;
}

/* ---- once ---- */

/* The init routine runs on the calling thread inside the real
 * pthread_once, so which routine and control it is can travel in TLS. */
static __thread void (*once_routine)(void);
static __thread pthread_once_t *once_control;

static void once_run(void)
{
	pthread_once_t *ctl = once_control;
	once_routine();
	release(ctl, PV_CLOCK_MAIN);
}

PV_INTERCEPTOR int pthread_once(pthread_once_t *ctl, void (*routine)(void))
{
	void (*saved_routine)(void) = once_routine;
	pthread_once_t *saved_control = once_control;
	once_routine = routine;
	once_control = ctl;
	SCHED_POINT("once", ctl);
	/* glibc's once word: bit 0 while a thread runs the routine, 2 once done.
	 * Under control, another thread's run is waited for in the scheduler. */
	while (controlled() && (__atomic_load_n(ctl, __ATOMIC_ACQUIRE) & 3) == 1)
		pv_sched_block(pv_cur(), A(ctl), 0);
	int r = woke(ctl, 1, REAL(pthread_once)(ctl, once_run));
	once_routine = saved_routine;
	once_control = saved_control;
	acquire(ctl, PV_CLOCK_MAIN);
	return r;
}
