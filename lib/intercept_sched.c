/* Calls that matter to the controlled scheduler alone: sleeps (blocks that
 * only time ends, so that a sleeping thread lets the others run), yields
 * (scheduling points), and waits on descriptors (the thread gives up its
 * turn while the kernel makes it wait). With the scheduler off each is the
 * real call after one test. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>
#include "intercept.h"
#include "schedule.h"

/* ---- waits in the kernel ---- */

/* Ready now, or never waits (O_NONBLOCK): keep the turn, so the schedule
 * stays the same. */
static int keeps_turn(int fd, short events)
{
	if (fd == PV_SCHED_NOWAIT)
		return 1;
	if (fd < 0)
		return 0;
	struct pollfd p = { fd, events, 0 };
	int flags = REAL(fcntl)(fd, F_GETFL);
	return (flags >= 0 && (flags & O_NONBLOCK)) || REAL(poll)(&p, 1, 0) != 0;
}

int pv_sched_syscall_begin(int fd, short events)
{
	pv_thread *t = program_thread();
	if (!t || !pv_sched_controls())
		return 0;
	int e = errno;
	int keep = keeps_turn(fd, events);
	if (!keep)
		pv_sched_leave(t);
	errno = e;
	return !keep;
}

void pv_sched_syscall_end(void)
{
	pv_thread *t = pv_cur();
	int e = errno;
	if (t)
		pv_sched_enter(t);
	errno = e;
}

/* A wait of timeout_ms (poll's convention: < 0 forever, 0 not at all). */
#define WAITS(timeout_ms, probe, call)                                                  \
	({                                                                             \
		__typeof__(call) w_;                                                   \
		if (PV_LIKELY(!pv_sched_active) || (timeout_ms) == 0 || !program_thread() || \
		    !pv_sched_controls() || (w_ = (probe)) != 0) {                     \
			w_ = (call);                                                   \
		} else {                                                               \
			pv_sched_leave(pv_cur());                                      \
			w_ = (call);                                                   \
			int e_ = errno;                                                \
			pv_sched_enter(pv_cur());                                      \
			errno = e_;                                                    \
		}                                                                      \
		w_;                                                                    \
	})

PV_INTERCEPTOR int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	return WAITS(timeout, REAL(poll)(fds, n, 0), REAL(poll)(fds, n, timeout));
}

PV_INTERCEPTOR int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	static const struct timespec zero;
	int ms = !ts ? -1 : ts->tv_sec || ts->tv_nsec ? 1 : 0;
	return WAITS(ms, REAL(ppoll)(fds, n, &zero, mask), REAL(ppoll)(fds, n, ts, mask));
}

PV_INTERCEPTOR int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	return WAITS(timeout, REAL(epoll_wait)(epfd, ev, max, 0), REAL(epoll_wait)(epfd, ev, max, timeout));
}

/* select changes its sets: a probe works on copies, kept when it finds something. */
static int select_probe(int n, fd_set *r, fd_set *w, fd_set *x)
{
	fd_set cr, cw, cx;
	struct timeval zero = { 0, 0 };
	if (r)
		cr = *r;
	if (w)
		cw = *w;
	if (x)
		cx = *x;
	int got = REAL(select)(n, r ? &cr : NULL, w ? &cw : NULL, x ? &cx : NULL, &zero);
	if (got > 0) {
		if (r)
			*r = cr;
		if (w)
			*w = cw;
		if (x)
			*x = cx;
	}
	return got;
}

PV_INTERCEPTOR int select(int n, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
	int ms = !tv ? -1 : tv->tv_sec || tv->tv_usec ? 1 : 0;
	return WAITS(ms, select_probe(n, r, w, x), REAL(select)(n, r, w, x, tv));
}

/* ---- sleeps and yields ---- */

/* A sleep under control: time passes for real, but the others run first. */
static int slept(uint64_t ns)
{
	pv_thread *t = program_thread();
	if (!t || !pv_sched_controls())
		return 0;
	pv_sched_point(t, "sleep", 0, CALLER_PC);
	pv_sched_sleep(t, ns);
	pthread_testcancel(); /* a cancellation point, and a cancel ends the sleep */
	return 1;
}

static uint64_t ns_of(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

static int valid(const struct timespec *ts)
{
	return ts && ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

PV_INTERCEPTOR unsigned sleep(unsigned s)
{
	if (PV_UNLIKELY(pv_sched_active) && slept((uint64_t)s * 1000000000ull))
		return 0;
	return REAL(sleep)(s);
}

PV_INTERCEPTOR int usleep(useconds_t us)
{
	if (PV_UNLIKELY(pv_sched_active) && slept((uint64_t)us * 1000ull))
		return 0;
	return REAL(usleep)(us);
}

PV_INTERCEPTOR int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (PV_UNLIKELY(pv_sched_active) && valid(req) && slept(ns_of(req))) {
		if (rem)
			*rem = (struct timespec){ 0, 0 };
		return 0;
	}
	return REAL(nanosleep)(req, rem);
}

PV_INTERCEPTOR int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req,
				   struct timespec *rem)
{
	if (PV_UNLIKELY(pv_sched_active) && valid(req)) {
		uint64_t ns = ns_of(req);
		if (flags & TIMER_ABSTIME) {
			uint64_t now = pv_sched_now_ns(), d = pv_sched_deadline(clock, req);
			ns = d > now ? d - now : 0;
		}
		if (slept(ns)) {
			if (rem && !(flags & TIMER_ABSTIME))
				*rem = (struct timespec){ 0, 0 };
			return 0;
		}
	}
	return REAL(clock_nanosleep)(clock, flags, req, rem);
}

PV_INTERCEPTOR int sched_yield(void)
{
	SCHED_POINT("yield", 0);
	return REAL(sched_yield)();
}
