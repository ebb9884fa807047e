/* Signal handlers and timers: wake-ups that come from outside the
 * program's threads. The deadlock watchdog is told which exist, so that a
 * semaphore a handler posts, or a condition a timer's thread signals, is
 * not taken for a wait that nobody can end. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "deadlock.h"
#include "intercept.h"

/* ---- handlers ---- */

/* The program's own: not a library the runtime calls (the symbolizer's). */
static int programs(void)
{
	pv_thread *t = pv_cur();
	return !t || !t->ignore;
}

/* The program's handlers, each installed behind trampoline, which defers
 * a signal that lands while its thread holds a runtime lock (base.h). */
static struct sigaction handlers[NSIG];

static int is_function(const struct sigaction *act)
{
	return act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
}

/* A fault's handler runs on the instruction that faulted, not on top of an
 * arbitrary call: it is not an asynchronous signal's. */
static int synchronous(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP ||
	       sig == SIGSYS;
}

static void trampoline(int sig, siginfo_t *si, void *uc)
{
	if (pv_lock_defer_signal(sig))
		return;
	pv_thread *t = synchronous(sig) ? NULL : pv_cur();
	if (t)
		t->in_handler++;
	struct sigaction h = handlers[sig];
	/* SA_RESETHAND is the trampoline's to do: a deferred signal must still
	 * find it installed. */
	if (h.sa_flags & SA_RESETHAND) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigemptyset(&dfl.sa_mask);
		REAL(sigaction)(sig, &dfl, NULL);
		handlers[sig] = dfl;
	}
	if (h.sa_flags & SA_SIGINFO)
		h.sa_sigaction(sig, si, uc);
	else if (is_function(&h))
		h.sa_handler(sig);
	if (t)
		t->in_handler--;
}

static int install(int sig, const struct sigaction *act, struct sigaction *old)
{
	if (sig <= 0 || sig >= NSIG || !programs())
		return REAL(sigaction)(sig, act, old);
	struct sigaction mine, prev = handlers[sig];
	int wrap = act && is_function(act);
	if (wrap) {
		handlers[sig] = *act;
		mine = *act;
		mine.sa_flags = (mine.sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
		mine.sa_sigaction = trampoline;
	}
	int r = REAL(sigaction)(sig, wrap ? &mine : act, old);
	if (r) {
		handlers[sig] = prev;
		return r;
	}
	/* The program sees its own handler, not the trampoline. */
	if (old && old->sa_sigaction == trampoline)
		*old = prev;
	if (act)
		pv_dl_signal_handler(sig, act->sa_handler);
	return r;
}

PV_INTERCEPTOR int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return install(sig, act, old);
}

/* glibc's signal(): BSD semantics, the handler stays and calls restart. */
PV_INTERCEPTOR sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act = { .sa_handler = handler, .sa_flags = SA_RESTART }, old;
	sigemptyset(&act.sa_mask);
	sigaddset(&act.sa_mask, sig);
	if (install(sig, &act, &old))
		return SIG_ERR;
	return old.sa_handler;
}

/* ---- the process's real-time alarm (alarm, ualarm, ITIMER_REAL) ---- */

static uint64_t ms_of(const struct timeval *tv)
{
	return (uint64_t)tv->tv_sec * 1000 + (uint64_t)tv->tv_usec / 1000;
}

static void alarm_set(uint64_t in_ms, int periodic)
{
	/* An alarm due "now" is still pending: it counts from 1 ms. */
	pv_dl_timer(0, SIGALRM, in_ms || periodic ? pv_dl_now_ms() + in_ms + 1 : 0, periodic);
}

PV_INTERCEPTOR unsigned alarm(unsigned seconds)
{
	unsigned r = REAL(alarm)(seconds);
	if (seconds)
		alarm_set((uint64_t)seconds * 1000, 0);
	else
		pv_dl_timer(0, SIGALRM, 0, 0);
	return r;
}

PV_INTERCEPTOR useconds_t ualarm(useconds_t usecs, useconds_t interval)
{
	useconds_t r = REAL(ualarm)(usecs, interval);
	if (usecs)
		alarm_set(usecs / 1000, interval != 0);
	else
		pv_dl_timer(0, SIGALRM, 0, 0);
	return r;
}

PV_INTERCEPTOR int setitimer(__itimer_which_t which, const struct itimerval *v, struct itimerval *old)
{
	int r = REAL(setitimer)(which, v, old);
	/* Only real time runs while every thread sleeps; CPU-time timers
	 * (ITIMER_VIRTUAL, ITIMER_PROF) would never fire. */
	if (r == 0 && v && which == ITIMER_REAL) {
		if (v->it_value.tv_sec || v->it_value.tv_usec)
			alarm_set(ms_of(&v->it_value),
				  v->it_interval.tv_sec || v->it_interval.tv_usec);
		else
			pv_dl_timer(0, SIGALRM, 0, 0);
	}
	return r;
}

/* ---- POSIX timers ---- */

/* One per timer_create: what it notifies, and for SIGEV_THREAD the
 * program's function, called through tramp. Never freed: a function may
 * still run when its timer is deleted. */
typedef struct ptimer {
	timer_t id;
	int used;
	clockid_t clock;
	int sig;                /* 0: SIGEV_THREAD; -1: SIGEV_NONE */
	void (*fn)(union sigval);
	union sigval value;
	unsigned gen;           /* bumped by every timer_settime */
	int periodic;
} ptimer;

#define MAX_PTIMERS 256
static pv_lock ptimers_lock;
static ptimer *ptimers[MAX_PTIMERS];

static ptimer *find_ptimer(timer_t id)
{
	ptimer *p = NULL;
	pv_lock_acquire(&ptimers_lock);
	for (int i = 0; i < MAX_PTIMERS && !p; i++)
		if (ptimers[i] && ptimers[i]->used && ptimers[i]->id == id)
			p = ptimers[i];
	pv_lock_release(&ptimers_lock);
	return p;
}

/* A record for a new timer: an unused one again, or a new one (NULL when
 * the table is full: that timer is then not followed). */
static ptimer *new_ptimer(void)
{
	ptimer *p = NULL;
	pv_lock_acquire(&ptimers_lock);
	for (int i = 0; i < MAX_PTIMERS && !p; i++) {
		if (!ptimers[i])
			ptimers[i] = pv_alloc(sizeof *ptimers[i]);
		if (!ptimers[i]->used)
			p = ptimers[i];
	}
	if (p)
		*p = (ptimer){ .used = 1 };
	pv_lock_release(&ptimers_lock);
	return p;
}

/* The timer's function on its own thread: while it runs, anything may
 * happen; a one-shot timer not armed again is done once it returns. */
static void tramp(union sigval v)
{
	ptimer *p = v.sival_ptr;
	unsigned gen = __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE);
	pv_dl_timer_callback(1);
	p->fn(p->value);
	if (!p->periodic && __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) == gen)
		pv_dl_timer((uintptr_t)p, 0, 0, 0);
	pv_dl_timer_callback(-1);
}

PV_INTERCEPTOR int timer_create(clockid_t clk, struct sigevent *sev, timer_t *id)
{
	ptimer *p = new_ptimer();
	if (!p)
		return REAL(timer_create)(clk, sev, id);
	p->clock = clk;
	struct sigevent mine;
	struct sigevent *use = sev;
	if (!sev) {
		p->sig = SIGALRM;
	} else if (sev->sigev_notify == SIGEV_THREAD) {
		p->sig = 0;
		p->fn = sev->sigev_notify_function;
		p->value = sev->sigev_value;
		mine = *sev;
		mine.sigev_notify_function = tramp;
		mine.sigev_value.sival_ptr = p;
		use = &mine;
	} else {
		p->sig = sev->sigev_notify == SIGEV_NONE ? -1 : sev->sigev_signo;
	}
	int r = REAL(timer_create)(clk, use, id);
	if (r == 0)
		p->id = *id;
	else
		p->used = 0;
	return r;
}

/* Clocks that go on while every thread sleeps (not CPU-time clocks). */
static int runs_while_blocked(clockid_t c)
{
	return c == CLOCK_REALTIME || c == CLOCK_MONOTONIC || c == CLOCK_MONOTONIC_RAW ||
	       c == CLOCK_BOOTTIME || c == CLOCK_REALTIME_ALARM || c == CLOCK_BOOTTIME_ALARM ||
	       c == CLOCK_TAI;
}

static uint64_t expiry_of(const ptimer *p, int flags, const struct timespec *v)
{
	uint64_t in = (uint64_t)v->tv_sec * 1000 + (uint64_t)v->tv_nsec / 1000000;
	if (flags & TIMER_ABSTIME) {
		struct timespec now;
		clock_gettime(p->clock, &now);
		uint64_t at = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
		in = in > at ? in - at : 0;
	}
	return pv_dl_now_ms() + in + 1;
}

PV_INTERCEPTOR int timer_settime(timer_t id, int flags, const struct itimerspec *v, struct itimerspec *old)
{
	ptimer *p = find_ptimer(id);
	if (p)
		__atomic_add_fetch(&p->gen, 1, __ATOMIC_ACQ_REL);
	int r = REAL(timer_settime)(id, flags, v, old);
	if (r || !p || !v || p->sig < 0)
		return r;
	int armed = v->it_value.tv_sec || v->it_value.tv_nsec;
	p->periodic = v->it_interval.tv_sec || v->it_interval.tv_nsec;
	if (armed && runs_while_blocked(p->clock))
		pv_dl_timer((uintptr_t)p, p->sig, expiry_of(p, flags, &v->it_value), p->periodic);
	else
		pv_dl_timer((uintptr_t)p, p->sig, 0, 0);
	return r;
}

PV_INTERCEPTOR int timer_delete(timer_t id)
{
	ptimer *p = find_ptimer(id);
	int r = REAL(timer_delete)(id);
	if (r == 0 && p) {
		pv_dl_timer((uintptr_t)p, 0, 0, 0);
		p->used = 0;
	}
	return r;
}
