/* pthread interceptors: threads, mutexes, rwlocks, condition variables,
 * semaphores, barriers, once and spinlocks, turned into happens-before. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include "init.h"
#include "intercept.h"
#include "stack.h"
#include "sync.h"
#include "thread.h"

#define A(p) ((uintptr_t)(p))

/* Locks taken inside the runtime (the symbolizer's) order nothing of the program's. */
static void acquire(const volatile void *obj, pv_sync_clock which)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
		pv_sync_acquire(t, A(obj), which);
}

static void release(const volatile void *obj, pv_sync_clock which)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
		pv_sync_release(t, A(obj), which);
}

/* A new object at this address owes nothing to an old one there. */
static void fresh(const volatile void *obj, size_t size)
{
	pv_sync_forget(A(obj), size);
}

/* ---- threads ---- */

typedef struct {
	void *(*fn)(void *);
	void *arg;
	pv_thread *t;
} start_args;

static void *thread_start(void *p)
{
	start_args s = *(start_args *)p;
	pv_free(p);
	pv_thread_start(s.t, pthread_self());
	void *ret = s.fn(s.arg);
	pv_thread_finish(s.t);
	return ret;
}

int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	pv_thread *parent = pv_cur();
	if (!parent)
		return REAL(pthread_create)(th, attr, fn, arg);
	parent->ignore++;
	pv_stack st;
	pv_stack_unwind(&st, CALLER_PC);
	pv_ctx_trim(parent->ctx, &st);
	pv_thread *t = pv_thread_create(parent, pv_stack_intern(&st));
	start_args *s = pv_alloc(sizeof *s);
	*s = (start_args){ fn, arg, t };
	int r = REAL(pthread_create)(th, attr, thread_start, s);
	if (r) {
		pv_free(s);
		pv_thread_abandon(t);
	} else {
		/* Set here too: the parent may join before the child runs. */
		t->pthread = *th;
	}
	parent->ignore--;
	return r;
}

static void joined(pv_thread *t)
{
	pv_thread *self = pv_cur();
	if (self && t)
		pv_thread_join(self, t);
}

int pthread_join(pthread_t th, void **ret)
{
	pv_thread *t = pv_thread_by_pthread(th);
	int r = REAL(pthread_join)(th, ret);
	if (r == 0)
		joined(t);
	return r;
}

int pthread_tryjoin_np(pthread_t th, void **ret)
{
	pv_thread *t = pv_thread_by_pthread(th);
	int r = REAL(pthread_tryjoin_np)(th, ret);
	if (r == 0)
		joined(t);
	return r;
}

int pthread_timedjoin_np(pthread_t th, void **ret, const struct timespec *abstime)
{
	pv_thread *t = pv_thread_by_pthread(th);
	int r = REAL(pthread_timedjoin_np)(th, ret, abstime);
	if (r == 0)
		joined(t);
	return r;
}

int pthread_detach(pthread_t th)
{
	pv_thread *t = pv_thread_by_pthread(th);
	int r = REAL(pthread_detach)(th);
	if (r == 0 && t)
		pv_thread_detach(t);
	return r;
}

void pthread_exit(void *ret)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_thread_finish(t);
	REAL(pthread_exit)(ret);
	__builtin_unreachable();
}

int pthread_setname_np(pthread_t th, const char *name)
{
	int r = REAL(pthread_setname_np)(th, name);
	pv_thread *t = pv_thread_by_pthread(th);
	if (t)
		pv_thread_set_name(t, name);
	return r;
}

/* ---- mutexes ---- */

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
	fresh(m, sizeof *m);
	return REAL(pthread_mutex_init)(m, a);
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	fresh(m, sizeof *m);
	return REAL(pthread_mutex_destroy)(m);
}

static int locked(const volatile void *m, int r)
{
	if (r == 0 || r == EOWNERDEAD)
		acquire(m, PV_CLOCK_MAIN);
	return r;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	return locked(m, REAL(pthread_mutex_lock)(m));
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	return locked(m, REAL(pthread_mutex_trylock)(m));
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abstime)
{
	return locked(m, REAL(pthread_mutex_timedlock)(m, abstime));
}

int pthread_mutex_clocklock(pthread_mutex_t *m, clockid_t clk, const struct timespec *abstime)
{
	return locked(m, REAL(pthread_mutex_clocklock)(m, clk, abstime));
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	release(m, PV_CLOCK_MAIN);
	return REAL(pthread_mutex_unlock)(m);
}

/* ---- spinlocks ---- */

int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
	fresh(s, sizeof *s);
	return REAL(pthread_spin_init)(s, pshared);
}

int pthread_spin_destroy(pthread_spinlock_t *s)
{
	fresh(s, sizeof *s);
	return REAL(pthread_spin_destroy)(s);
}

int pthread_spin_lock(pthread_spinlock_t *s)
{
	return locked(s, REAL(pthread_spin_lock)(s));
}

int pthread_spin_trylock(pthread_spinlock_t *s)
{
	return locked(s, REAL(pthread_spin_trylock)(s));
}

int pthread_spin_unlock(pthread_spinlock_t *s)
{
	release(s, PV_CLOCK_MAIN);
	return REAL(pthread_spin_unlock)(s);
}

/* ---- rwlocks ---- */

/* rwlocks this thread holds for writing: pthread_rwlock_unlock does not say
 * which side it releases. Readers release into the read clock, which only
 * writers acquire. */
#define MAX_WRITE_HELD 32
static __thread const void *write_held[MAX_WRITE_HELD];
static __thread int nwrite_held;

static int rd_locked(const void *l, int r)
{
	if (r == 0)
		acquire(l, PV_CLOCK_MAIN);
	return r;
}

static int wr_locked(const void *l, int r)
{
	if (r == 0) {
		acquire(l, PV_CLOCK_MAIN);
		acquire(l, PV_CLOCK_READ);
		if (nwrite_held < MAX_WRITE_HELD)
			write_held[nwrite_held++] = l;
	}
	return r;
}

int pthread_rwlock_init(pthread_rwlock_t *l, const pthread_rwlockattr_t *a)
{
	fresh(l, sizeof *l);
	return REAL(pthread_rwlock_init)(l, a);
}

int pthread_rwlock_destroy(pthread_rwlock_t *l)
{
	fresh(l, sizeof *l);
	return REAL(pthread_rwlock_destroy)(l);
}

int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
	return rd_locked(l, REAL(pthread_rwlock_rdlock)(l));
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
	return rd_locked(l, REAL(pthread_rwlock_tryrdlock)(l));
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t)
{
	return rd_locked(l, REAL(pthread_rwlock_timedrdlock)(l, t));
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t *l, clockid_t c, const struct timespec *t)
{
	return rd_locked(l, REAL(pthread_rwlock_clockrdlock)(l, c, t));
}

int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
	return wr_locked(l, REAL(pthread_rwlock_wrlock)(l));
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
	return wr_locked(l, REAL(pthread_rwlock_trywrlock)(l));
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t)
{
	return wr_locked(l, REAL(pthread_rwlock_timedwrlock)(l, t));
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t *l, clockid_t c, const struct timespec *t)
{
	return wr_locked(l, REAL(pthread_rwlock_clockwrlock)(l, c, t));
}

int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
	pv_sync_clock which = PV_CLOCK_READ;
	for (int i = nwrite_held - 1; i >= 0; i--)
		if (write_held[i] == l) {
			write_held[i] = write_held[--nwrite_held];
			which = PV_CLOCK_MAIN;
			break;
		}
	release(l, which);
	return REAL(pthread_rwlock_unlock)(l);
}

/* ---- condition variables ---- */

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *a)
{
	fresh(c, sizeof *c);
	return REAL_V(pthread_cond_init, "GLIBC_2.3.2")(c, a);
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	fresh(c, sizeof *c);
	return REAL_V(pthread_cond_destroy, "GLIBC_2.3.2")(c);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	release(c, PV_CLOCK_MAIN);
	return REAL_V(pthread_cond_signal, "GLIBC_2.3.2")(c);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	release(c, PV_CLOCK_MAIN);
	return REAL_V(pthread_cond_broadcast, "GLIBC_2.3.2")(c);
}

/* The wait unlocks and relocks the mutex; the signal's clock comes along. */
static int woken(pthread_cond_t *c, pthread_mutex_t *m, int r)
{
	acquire(m, PV_CLOCK_MAIN);
	acquire(c, PV_CLOCK_MAIN);
	return r;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	release(m, PV_CLOCK_MAIN);
	return woken(c, m, REAL_V(pthread_cond_wait, "GLIBC_2.3.2")(c, m));
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
	release(m, PV_CLOCK_MAIN);
	return woken(c, m, REAL_V(pthread_cond_timedwait, "GLIBC_2.3.2")(c, m, t));
}

int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk,
			   const struct timespec *t)
{
	release(m, PV_CLOCK_MAIN);
	return woken(c, m, REAL(pthread_cond_clockwait)(c, m, clk, t));
}

/* ---- semaphores ---- */

int sem_init(sem_t *s, int pshared, unsigned value)
{
	fresh(s, sizeof *s);
	return REAL(sem_init)(s, pshared, value);
}

int sem_destroy(sem_t *s)
{
	fresh(s, sizeof *s);
	return REAL(sem_destroy)(s);
}

int sem_post(sem_t *s)
{
	release(s, PV_CLOCK_MAIN);
	return REAL(sem_post)(s);
}

static int sem_got(sem_t *s, int r)
{
	if (r == 0)
		acquire(s, PV_CLOCK_MAIN);
	return r;
}

int sem_wait(sem_t *s)
{
	return sem_got(s, REAL(sem_wait)(s));
}

int sem_trywait(sem_t *s)
{
	return sem_got(s, REAL(sem_trywait)(s));
}

int sem_timedwait(sem_t *s, const struct timespec *t)
{
	return sem_got(s, REAL(sem_timedwait)(s, t));
}

int sem_clockwait(sem_t *s, clockid_t c, const struct timespec *t)
{
	return sem_got(s, REAL(sem_clockwait)(s, c, t));
}

/* ---- barriers ---- */

int pthread_barrier_init(pthread_barrier_t *b, const pthread_barrierattr_t *a, unsigned n)
{
	fresh(b, sizeof *b);
	return REAL(pthread_barrier_init)(b, a, n);
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
	fresh(b, sizeof *b);
	return REAL(pthread_barrier_destroy)(b);
}

/* Everything before any thread's arrival happens before every departure. */
int pthread_barrier_wait(pthread_barrier_t *b)
{
	release(b, PV_CLOCK_MAIN);
	int r = REAL(pthread_barrier_wait)(b);
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

int pthread_once(pthread_once_t *ctl, void (*routine)(void))
{
	void (*saved_routine)(void) = once_routine;
	pthread_once_t *saved_control = once_control;
	once_routine = routine;
	once_control = ctl;
	int r = REAL(pthread_once)(ctl, once_run);
	once_routine = saved_routine;
	once_control = saved_control;
	acquire(ctl, PV_CLOCK_MAIN);
	return r;
}
