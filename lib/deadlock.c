#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "base.h"
#include "deadlock.h"
#include "intercept.h"
#include "options.h"
#include "report.h"

static pv_site site_at(const pv_thread *t, uintptr_t pc)
{
	return (pv_site){ t->ctx, pc };
}

static void add_thread(pv_report *r, int tid)
{
	pv_thread *t = pv_thread_by_tid(tid);
	if (!t)
		return;
	for (int i = 0; i < r->nthreads; i++)
		if (r->threads[i].tid == tid)
			return;
	if (r->nthreads < PV_REPORT_MAX_THREADS)
		pv_thread_describe(t, &r->threads[r->nthreads++]);
}

static pv_report_stack *add_stack(pv_report *r, int tid, const char *access, uintptr_t addr,
				  pv_site s)
{
	if (r->nstacks == PV_REPORT_MAX_STACKS)
		return NULL;
	pv_report_stack *st = &r->stacks[r->nstacks++];
	st->tid = tid;
	snprintf(st->access, sizeof st->access, "%s", access);
	st->addr = addr;
	pv_ctx_expand(s.ctx, s.pc, &st->stack);
	add_thread(r, tid);
	return st;
}

static void add_lock(pv_report *r, uintptr_t m)
{
	for (int i = 0; i < r->nlocs; i++)
		if (r->locs[i].start == m)
			return;
	if (r->nlocs == 4)
		return;
	pv_report_location *l = &r->locs[r->nlocs++];
	l->kind = PV_LOC_SYNC;
	l->start = m;
	l->tid = -1;
	snprintf(l->name, sizeof l->name, "mutex");
}

static pv_report *new_report(pv_report_kind kind, const char *headline)
{
	pv_report *r = pv_alloc(sizeof *r);
	r->kind = kind;
	snprintf(r->headline, sizeof r->headline, "%s", headline);
	return r;
}

static void emit(pv_report *r)
{
	pv_report_emit(r);
	pv_free(r);
}

/* The program can never go on: say so, and end it. */
static void __attribute__((noreturn)) end_deadlocked(pv_report *r)
{
	emit(r);
	pv_dprintf(2, "pvcheck: the program is deadlocked; ending it with status %d\n",
		   PV_DEADLOCK_STATUS);
	_exit(PV_DEADLOCK_STATUS);
}

static const char *wait_name(pv_wait_kind k)
{
	switch (k) {
	case PV_WAIT_MUTEX: return "mutex";
	case PV_WAIT_RDLOCK: return "rwlock (read)";
	case PV_WAIT_WRLOCK: return "rwlock (write)";
	case PV_WAIT_JOIN: return "join";
	case PV_WAIT_COND: return "condition variable";
	case PV_WAIT_SEM: return "semaphore";
	case PV_WAIT_BARRIER: return "barrier";
	default: return "nothing";
	}
}

static void __attribute__((noreturn)) report_deadlock(const pv_wg_deadlock *d)
{
	pv_report *r = new_report(PV_REPORT_DEADLOCK,
				  d->ncycle ? "deadlock: threads wait for each other"
					    : "deadlock: every thread is blocked");
	for (int i = 0; i < d->n; i++) {
		const pv_wg_waiter *w = &d->w[i];
		pv_report_stack *st = add_stack(r, w->tid, "wait", w->object, w->site);
		if (!st)
			break;
		int n = snprintf(st->title, sizeof st->title, "Thread T%d waits for %s",
				 w->tid, wait_name(w->kind));
		if (w->kind == PV_WAIT_JOIN)
			snprintf(st->title + n, sizeof st->title - n, " of thread T%d", (int)w->object);
		else if (w->nholders)
			snprintf(st->title + n, sizeof st->title - n, " %p held by thread T%d",
				 (void *)w->object, w->holders[0]);
		else
			snprintf(st->title + n, sizeof st->title - n, " %p", (void *)w->object);
		if (w->kind == PV_WAIT_MUTEX || w->kind == PV_WAIT_RDLOCK || w->kind == PV_WAIT_WRLOCK)
			add_lock(r, w->object);
	}
	snprintf(r->note, sizeof r->note, "%d thread(s) blocked%s", d->nblocked,
		 d->ncycle ? ", in a cycle of waits" : ", none can wake another");
	end_deadlocked(r);
}

static void report_lock_order(const pv_lg_cycle *c)
{
	pv_report *r = new_report(PV_REPORT_LOCK_ORDER, "lock-order-inversion (potential deadlock)");
	for (int i = 0; i < c->n && r->nstacks + 2 <= PV_REPORT_MAX_STACKS; i++) {
		const pv_lg_edge *e = &c->e[i];
		pv_report_stack *st = add_stack(r, e->tid, "lock", e->to, e->to_site);
		snprintf(st->title, sizeof st->title, "Mutex %p acquired here while holding mutex %p in thread T%d",
			 (void *)e->to, (void *)e->from, e->tid);
		st = add_stack(r, e->tid, "lock", e->from, e->from_site);
		snprintf(st->title, sizeof st->title, "Mutex %p previously acquired by the same thread here",
			 (void *)e->from);
		add_lock(r, e->from);
		add_lock(r, e->to);
	}
	int n = snprintf(r->note, sizeof r->note, "Cycle of %d locks:", c->len);
	for (int i = 0; i < c->n && n < (int)sizeof r->note; i++)
		n += snprintf(r->note + n, sizeof r->note - n, " %p ->", (void *)c->e[i].from);
	if (c->n && n < (int)sizeof r->note)
		snprintf(r->note + n, sizeof r->note - n, " %p", (void *)c->e[0].from);
	emit(r);
}

static void report_misuse(pv_thread *t, const char *headline, uintptr_t m, uintptr_t pc,
			  const pv_held_lock *earlier)
{
	pv_report *r = new_report(PV_REPORT_API_MISUSE, headline);
	pv_report_stack *st = &r->stacks[r->nstacks++];
	st->tid = t->tid;
	snprintf(st->access, sizeof st->access, "call");
	st->addr = m;
	if (pc) {
		pv_stack_unwind(&st->stack, pc);
		pv_ctx_trim(t->ctx, &st->stack);
	}
	add_thread(r, t->tid);
	if (earlier) {
		pv_report_stack *e = add_stack(r, t->tid, "lock", m, earlier->site);
		snprintf(e->title, sizeof e->title, "Mutex %p acquired here by thread T%d", (void *)m, t->tid);
	}
	add_lock(r, m);
	emit(r);
}

/* ---- the watchdog: all threads blocked for good ---- */

static int watchdog_started;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *watchdog(void *arg)
{
	uint64_t threshold = (uint64_t)pv_options()->deadlock_ms;
	struct timespec tick = { 0, (long)(threshold < 400 ? threshold : 400) * 250000 };
	for (;;) {
		nanosleep(&tick, NULL);
		pv_wg_deadlock d;
		if (pv_wg_check(now_ms(), threshold, &d))
			report_deadlock(&d);
	}
	return arg;
}

static void start_watchdog(void)
{
	if (__atomic_exchange_n(&watchdog_started, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_t th;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	/* The real create: the watchdog is the runtime's, not a program thread. */
	if (REAL(pthread_create)(&th, &a, watchdog, NULL))
		__atomic_store_n(&watchdog_started, 0, __ATOMIC_RELEASE);
	pthread_attr_destroy(&a);
}

static void wait_begin(pv_thread *t, pv_wait_kind kind, uintptr_t object, pv_site s)
{
	pv_wg_deadlock d;
	start_watchdog();
	if (pv_wg_wait_begin(t->tid, kind, object, s, &d))
		report_deadlock(&d);
}

/* ---- the interceptors' side ---- */

void pv_dl_before_lock(pv_thread *t, uintptr_t m, pv_lock_mode mode, pv_wait_kind kind,
		       pv_relock relock, int blocking, uintptr_t pc)
{
	if (!pv_options()->detect_deadlocks)
		return;
	t->ignore++;
	const pv_held_lock *h = pv_held_find(&t->held, m);
	if (h && relock != PV_RELOCK_RECURSIVE && blocking) {
		if (relock == PV_RELOCK_FAILS) {
			report_misuse(t, "double lock of a mutex", m, pc, h);
		} else {
			pv_report *r = new_report(PV_REPORT_DEADLOCK,
						  "deadlock: a thread locks a mutex it already holds");
			pv_report_stack *st = &r->stacks[r->nstacks++];
			st->tid = t->tid;
			snprintf(st->access, sizeof st->access, "lock");
			st->addr = m;
			snprintf(st->title, sizeof st->title, "Thread T%d locks mutex %p again here",
				 t->tid, (void *)m);
			pv_stack_unwind(&st->stack, pc);
			pv_ctx_trim(t->ctx, &st->stack);
			add_thread(r, t->tid);
			pv_report_stack *e = add_stack(r, t->tid, "lock", m, h->site);
			snprintf(e->title, sizeof e->title, "Mutex %p first acquired here", (void *)m);
			add_lock(r, m);
			end_deadlocked(r);
		}
	}
	if (blocking && !h) {
		pv_lg_cycle c;
		if (pv_lg_before_lock(&t->held, t->tid, m, mode, site_at(t, pc), &c))
			report_lock_order(&c);
		wait_begin(t, kind, m, site_at(t, pc));
	}
	t->ignore--;
}

void pv_dl_after_lock(pv_thread *t, uintptr_t m, pv_lock_mode mode, int blocking,
		      int acquired, uintptr_t pc)
{
	/* Held locks are kept even with deadlock checks off: an rwlock's unlock
	 * needs to know which side it releases. */
	int checks = pv_options()->detect_deadlocks;
	if (checks && blocking)
		pv_wg_wait_end(t->tid);
	if (acquired) {
		/* A recursive relock is one ownership, however deep. */
		if (checks && !pv_held_find(&t->held, m))
			pv_wg_owner_acquire(t->tid, m, mode);
		pv_held_push(&t->held, m, mode, site_at(t, pc));
	}
}

int pv_dl_before_unlock(pv_thread *t, uintptr_t m, uintptr_t pc)
{
	pv_lock_mode mode = PV_LOCK_EXCL;
	int checks = pv_options()->detect_deadlocks;
	if (!pv_held_pop(&t->held, m, &mode)) {
		if (!checks)
			return -1;
		t->ignore++;
		report_misuse(t, "unlock of a mutex this thread does not hold", m, pc, NULL);
		t->ignore--;
		return -1;
	}
	if (checks && !pv_held_find(&t->held, m))
		pv_wg_owner_release(t->tid, m);
	return (int)mode;
}

void pv_dl_cond_wait_begin(pv_thread *t, uintptr_t cond, uintptr_t m, int timed, uintptr_t pc)
{
	if (!pv_options()->detect_deadlocks)
		return;
	if (!pv_held_find(&t->held, m)) {
		t->ignore++;
		report_misuse(t, "condition wait without holding its mutex", m, pc, NULL);
		t->ignore--;
	}
	pv_wg_owner_release(t->tid, m);
	if (!timed) {
		t->ignore++;
		wait_begin(t, PV_WAIT_COND, cond, site_at(t, pc));
		t->ignore--;
	}
}

void pv_dl_cond_wait_end(pv_thread *t, uintptr_t m, int timed)
{
	if (!pv_options()->detect_deadlocks)
		return;
	if (!timed)
		pv_wg_wait_end(t->tid);
	pv_wg_owner_acquire(t->tid, m, PV_LOCK_EXCL);
}

void pv_dl_wait_begin(pv_thread *t, pv_wait_kind kind, uintptr_t object, uintptr_t pc)
{
	if (!pv_options()->detect_deadlocks)
		return;
	t->ignore++;
	wait_begin(t, kind, object, site_at(t, pc));
	t->ignore--;
}

void pv_dl_wait_end(pv_thread *t)
{
	if (pv_options()->detect_deadlocks)
		pv_wg_wait_end(t->tid);
}

void pv_dl_thread_start(pv_thread *t)
{
	pv_wg_thread_alive(t->tid);
}

void pv_dl_thread_exit(pv_thread *t, uintptr_t pc)
{
	if (pv_options()->detect_deadlocks && pv_held_count(&t->held)) {
		t->ignore++;
		const pv_held_lock *h = &t->held.v[0];
		report_misuse(t, "thread exited while holding a mutex", h->addr, pc, h);
		t->ignore--;
	}
	pv_wg_thread_gone(t->tid);
	pv_held_free(&t->held);
}

void pv_dl_forget(uintptr_t addr, size_t size)
{
	pv_lg_forget(addr, size);
	pv_wg_forget(addr, size);
}

void pv_dl_fork_prepare(void)
{
	pv_lg_fork_prepare();
	pv_wg_fork_prepare();
}

void pv_dl_fork_parent(void)
{
	pv_wg_fork_parent();
	pv_lg_fork_parent();
}

void pv_dl_fork_child(pv_thread *self)
{
	pv_wg_fork_child(self->tid);
	pv_lg_fork_child();
	watchdog_started = 0; /* it did not come along */
}
