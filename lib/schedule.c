/* The controlled scheduler (schedule.h). One lock guards it all; a thread
 * waits for its turn on a futex word of its own, which whoever hands it the
 * turn sets. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "base.h"
#include "options.h"
#include "schedule.h"
#include "stack.h"

int pv_sched_active;

/* A runnable thread passed over this many steps runs next, whatever the
 * strategy: a spinning thread of high priority cannot starve the one it
 * waits for. A timed wait that others keep passing times out after as many. */
#define FAIR_STEPS 1000
/* How often a waiting thread looks whether the running one is stuck
 * somewhere the scheduler does not see (a futex of its own, a long loop). */
#define TICK_NS 50000000ull

enum { S_RUNNABLE, S_BLOCKED, S_OUTSIDE, S_DONE };

typedef struct pv_sched_thread {
	pv_thread *t;
	int tid;
	int state;
	int go;                 /* futex word: 1 once handed the turn */
	int nested;             /* inside the scheduler: its points are not the program's */
	int exit_wait;          /* waits for the others to be done (program end) */
	int timed_out;
	uintptr_t wait_obj;
	uint64_t deadline;      /* of a timed block, CLOCK_MONOTONIC ns; 0: none */
	uint64_t blocked_step;
	uint64_t last_ran;      /* the step it last got */
	uint64_t prio;
	uintptr_t obj;          /* what its next operation touches */
	struct pv_sched_thread *next;
} sthr;

typedef struct barrier {
	uintptr_t addr;
	unsigned count, arrived, round;
	struct barrier *next;
} barrier;

static struct {
	pv_lock lock;
	sthr *first, *last;     /* live threads, in creation order */
	sthr *running;          /* holds the turn; NULL: nobody (idle) */
	pv_sched_chooser ch;
	uint64_t step_time;
	int escapes;            /* threads that ran beside another: the schedule is not exact */
	void (*stuck)(void);
	int log_fd, trace, spurious, accesses;
	uint64_t slice_ns;
	int finished;
	int ncand;              /* capacity of the arrays below */
	sthr **cand;
	uint64_t *prio;
	uintptr_t *obj;
	barrier *barriers;
} S = { .log_fd = -1 };

static __thread sthr *me __attribute__((tls_model("initial-exec")));

/* ---- strategies ---- */

static uint64_t splitmix(uint64_t *s)
{
	return pv_mix64(*s += 0x9e3779b97f4a7c15ull);
}

uint64_t pv_sched_rand(pv_sched_chooser *c)
{
	return splitmix(&c->rng);
}

void pv_sched_chooser_init(pv_sched_chooser *c, int kind, uint64_t seed, int depth, int steps)
{
	pv_memset(c, 0, sizeof *c);
	c->kind = kind;
	c->rng = seed;
	c->depth = depth < 1 ? 1 : depth > 64 ? 64 : depth;
	/* PCT: d-1 change points, uniform among the first K steps. */
	for (int i = 0; kind == PV_SCHED_PCT && i < c->depth - 1; i++)
		c->change[i] = 1 + pv_sched_rand(c) % (uint64_t)(steps < 1 ? 1 : steps);
}

uint64_t pv_sched_new_priority(pv_sched_chooser *c)
{
	/* Above every priority a change point gives (1 .. d-1). */
	return (uint64_t)c->depth + (pv_sched_rand(c) >> 8);
}

static int highest(int n, const uint64_t *prio)
{
	int best = 0;
	for (int i = 1; i < n; i++)
		if (prio[i] > prio[best])
			best = i;
	return best;
}

int pv_sched_choose(pv_sched_chooser *c, int n, int cur, uint64_t *prio, const uintptr_t *obj)
{
	c->step++;
	if (n <= 0)
		return -1;
	switch (c->kind) {
	case PV_SCHED_PCT:
		for (int i = 0; cur >= 0 && i < c->depth - 1; i++)
			if (c->change[i] == c->step)
				prio[cur] = (uint64_t)(c->depth - 1 - i);
		return highest(n, prio);
	case PV_SCHED_POS: {
		/* The event with the highest priority runs; the events that
		 * touch what it touches get new ones (they race with it). */
		int best = highest(n, prio);
		for (int i = 0; i < n; i++)
			if (i == best || (obj[best] && obj[i] == obj[best]))
				prio[i] = pv_sched_new_priority(c);
		return best;
	}
	default:
		return (int)(pv_sched_rand(c) % (uint64_t)n);
	}
}

/* ---- time and futexes ---- */

uint64_t pv_sched_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t pv_sched_deadline(int clock, const struct timespec *abstime)
{
	struct timespec now;
	clock_gettime(clock, &now);
	int64_t left = ((int64_t)abstime->tv_sec - now.tv_sec) * 1000000000ll +
		       (abstime->tv_nsec - now.tv_nsec);
	return pv_sched_now_ns() + (left > 0 ? (uint64_t)left : 0) + 1;
}

static void sleep_until(uint64_t deadline)
{
	uint64_t now = pv_sched_now_ns();
	if (deadline <= now)
		return;
	struct timespec ts = { (time_t)(deadline / 1000000000ull), (long)(deadline % 1000000000ull) };
	while (syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void futex_wake(int *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* ---- the turn ---- */

/* Under the lock. */
static void give(sthr *n)
{
	S.running = n;
	if (n) {
		n->last_ran = S.ch.step;
		__atomic_store_n(&n->go, 1, __ATOMIC_RELEASE);
		futex_wake(&n->go);
	}
}

static int grow_candidates(int n)
{
	if (n <= S.ncand)
		return 0;
	int cap = S.ncand ? S.ncand * 2 : 64;
	while (cap < n)
		cap *= 2;
	S.cand = pv_realloc(S.cand, (size_t)cap * sizeof *S.cand);
	S.prio = pv_realloc(S.prio, (size_t)cap * sizeof *S.prio);
	S.obj = pv_realloc(S.obj, (size_t)cap * sizeof *S.obj);
	S.ncand = cap;
	return 0;
}

static int count_threads(void)
{
	int n = 0;
	for (sthr *s = S.first; s; s = s->next)
		n++;
	return n;
}

/* Timed waits that others passed over for long enough time out. */
static void time_out_overdue(void)
{
	for (sthr *s = S.first; s; s = s->next)
		if (s->state == S_BLOCKED && s->deadline && S.ch.step - s->blocked_step > FAIR_STEPS) {
			s->state = S_RUNNABLE;
			s->timed_out = 1;
		}
}

/* The next thread to run, among the runnable ones; cur is the one at the
 * point (it is runnable), or NULL. NULL when none can run. Under the lock. */
static sthr *pick(sthr *cur)
{
	time_out_overdue();
	grow_candidates(count_threads());
	int n = 0, curi = -1;
	sthr *starved = NULL;
	for (sthr *s = S.first; s; s = s->next) {
		if (s->state != S_RUNNABLE)
			continue;
		if (s == cur)
			curi = n;
		if (S.ch.step - s->last_ran > FAIR_STEPS && (!starved || s->last_ran < starved->last_ran))
			starved = s;
		S.cand[n] = s;
		S.prio[n] = s->prio;
		S.obj[n] = s->obj;
		n++;
	}
	if (!n) {
		S.ch.step++;
		return NULL;
	}
	int i = pv_sched_choose(&S.ch, n, curi, S.prio, S.obj);
	for (int j = 0; j < n; j++)
		S.cand[j]->prio = S.prio[j];
	sthr *next = starved ? starved : S.cand[i];
	next->last_ran = S.ch.step;
	return next;
}

static void write_summary(void);

/* m can no longer run (blocked, outside, done): hand the turn on, or leave
 * it to whoever comes first, or call it stuck. Under the lock; may drop it
 * to call the stuck handler. */
static void hand_off(sthr *m)
{
	sthr *n = pick(NULL);
	if (n) {
		give(n);
		return;
	}
	sthr *timed = NULL;
	int outside = 0;
	for (sthr *s = S.first; s; s = s->next) {
		if (s->state == S_BLOCKED && s->exit_wait) {
			s->state = S_RUNNABLE;
			give(s);
			return;
		}
		outside |= s->state == S_OUTSIDE;
		if (s->state == S_BLOCKED && s->deadline && (!timed || s->deadline < timed->deadline))
			timed = s;
	}
	give(NULL);
	if (outside) /* it may come back first: each timed waiter keeps its own time */
		return;
	if (timed) {
		timed->state = S_RUNNABLE;
		timed->timed_out = 1;
		give(timed);
		return;
	}
	if (!S.stuck)
		return;
	/* No thread can ever run: the handler reports and ends the process,
	 * or returns when something outside may wake one (a signal handler,
	 * a timer's thread); the turn waits for it. */
	pv_lock_release(&S.lock);
	write_summary();
	S.stuck();
	pv_lock_acquire(&S.lock);
}

/* m is runnable again: it waits to be picked (or runs at once when nobody
 * has the turn). Under the lock, which is dropped while it waits. */
static void wait_turn(sthr *m);

static void rejoin(sthr *m)
{
	m->state = S_RUNNABLE;
	if (!S.running)
		give(m);
	pv_lock_release(&S.lock);
	wait_turn(m);
	pv_lock_acquire(&S.lock);
}

/* A thread waiting looks now and then at the one running: one that has
 * taken no step for a slice is blocked or busy where the scheduler does not
 * see; the next runs beside it (the schedule is no longer exact). A timed
 * waiter whose deadline passed while nobody had the turn takes it. */
static void tick(sthr *m)
{
	uint64_t now = pv_sched_now_ns();
	sthr *r = S.running;
	if (!r) {
		if (m->state == S_BLOCKED && m->deadline && now >= m->deadline) {
			m->state = S_RUNNABLE;
			m->timed_out = 1;
			give(m);
		} else if (m->state == S_RUNNABLE) {
			give(pick(NULL));
		}
		return;
	}
	if (r == m || __atomic_load_n(&r->go, __ATOMIC_ACQUIRE) || now - S.step_time < S.slice_ns)
		return;
	int others = 0;
	for (sthr *s = S.first; s; s = s->next)
		others |= s != r && s->state == S_RUNNABLE;
	if (!others)
		return;
	r->state = S_OUTSIDE;
	S.escapes++;
	S.step_time = now;
	give(pick(NULL));
}

static void wait_turn(sthr *m)
{
	while (!__atomic_exchange_n(&m->go, 0, __ATOMIC_ACQUIRE)) {
		uint64_t wait = TICK_NS;
		if (m->state == S_BLOCKED && m->deadline) {
			uint64_t now = pv_sched_now_ns();
			uint64_t left = m->deadline > now ? m->deadline - now : 0;
			wait = left < wait ? left + 1 : wait;
		}
		struct timespec ts = { (time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull) };
		long r = syscall(SYS_futex, &m->go, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		if (r && errno == ETIMEDOUT) {
			pv_lock_acquire(&S.lock);
			tick(m);
			pv_lock_release(&S.lock);
		}
	}
}

/* ---- the timeline ---- */

#define CACHE 512

typedef struct {
	uintptr_t key;
	char text[200];
} named;

static named pcs[CACHE], objs[CACHE];

static named *cached(named *tab, uintptr_t key, int *fresh)
{
	named *e = &tab[(pv_mix64(key) >> 7) % CACHE];
	*fresh = e->key != key;
	e->key = key;
	return e;
}

/* "func","file","line" of pc, as JSON members. */
static const char *where(uintptr_t pc)
{
	int fresh;
	named *e = cached(pcs, pc, &fresh);
	if (fresh) {
		pv_frame f;
		pv_memset(&f, 0, sizeof f);
		pv_symbolize(pc, &f);
		pv_strbuf sb;
		pv_sb_init(&sb);
		pv_sb_puts(&sb, "\"func\":");
		pv_sb_json_string(&sb, f.function);
		pv_sb_puts(&sb, ",\"file\":");
		pv_sb_json_string(&sb, f.file);
		pv_sb_printf(&sb, ",\"line\":%d", f.line);
		pv_snprintf(e->text, sizeof e->text, "%s", sb.len < sizeof e->text ? sb.buf : "\"func\":\"\"");
		pv_sb_free(&sb);
	}
	return e->text;
}

/* The object's name: a global's, with an offset inside it; else "". */
static const char *object_name(uintptr_t obj)
{
	int fresh;
	named *e = cached(objs, obj, &fresh);
	if (fresh) {
		char name[160];
		uintptr_t start;
		size_t size;
		e->text[0] = 0;
		if (!pv_symbolize_data(obj, name, sizeof name, &start, &size)) {
			if (obj == start)
				pv_snprintf(e->text, sizeof e->text, "%s", name);
			else
				pv_snprintf(e->text, sizeof e->text, "%s+%lu", name, (unsigned long)(obj - start));
		}
	}
	return e->text;
}

static void log_event(sthr *m, const char *op, uintptr_t obj, uintptr_t pc)
{
	if (!S.trace || S.log_fd < 0)
		return;
	m->t->ignore++;
	pv_strbuf sb;
	pv_sb_init(&sb);
	pv_sb_printf(&sb, "{\"pid\":%d,\"step\":%llu,\"tid\":%d,\"op\":\"%s\",\"obj\":\"%#lx\",\"name\":",
		     (int)getpid(), (unsigned long long)S.ch.step, m->tid, op, (unsigned long)obj);
	if (!strcmp(op, "join") && obj) {
		char tname[16];
		pv_snprintf(tname, sizeof tname, "T%d", ((pv_thread *)obj)->tid);
		pv_sb_json_string(&sb, tname);
	} else {
		pv_sb_json_string(&sb, obj ? object_name(obj) : "");
	}
	pv_sb_printf(&sb, ",%s}\n", pc ? where(pc) : "\"func\":\"\",\"file\":\"\",\"line\":0");
	pv_write_all(S.log_fd, sb.buf, sb.len);
	pv_sb_free(&sb);
	m->t->ignore--;
}

static void write_summary(void)
{
	if (S.log_fd < 0 || __atomic_exchange_n(&S.finished, 1, __ATOMIC_ACQ_REL))
		return;
	pv_thread *t = pv_cur();
	if (t)
		t->ignore++;
	char line[256];
	int n = pv_snprintf(line, sizeof line,
			    "{\"summary\":true,\"pid\":%d,\"steps\":%llu,\"escapes\":%d}\n", (int)getpid(),
			    (unsigned long long)S.ch.step, S.escapes);
	pv_write_all(S.log_fd, line, (size_t)n);
	if (t)
		t->ignore--;
}

void pv_sched_finish(void)
{
	if (pv_sched_active)
		write_summary();
}

/* ---- the interface ---- */

static sthr *new_thread(pv_thread *t)
{
	sthr *s = pv_alloc(sizeof *s);
	s->t = t;
	s->tid = t->tid;
	s->state = S_RUNNABLE;
	s->prio = pv_sched_new_priority(&S.ch);
	s->last_ran = S.ch.step;
	if (S.last)
		S.last->next = s;
	else
		S.first = s;
	S.last = s;
	t->sched = s;
	return s;
}

void pv_sched_init(pv_thread *main, void (*stuck)(void))
{
	const pv_options_t *o = pv_options();
	if (!o->sched)
		return;
	pv_sched_chooser_init(&S.ch, o->sched, o->sched_seed, o->sched_depth, o->sched_steps);
	S.stuck = stuck;
	S.spurious = o->sched_spurious;
	S.accesses = o->sched_accesses;
	S.slice_ns = (uint64_t)o->sched_slice_ms * 1000000ull;
	if (o->sched_log[0]) {
		S.log_fd = pv_open(o->sched_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		S.trace = o->sched_trace;
	}
	me = new_thread(main);
	S.running = me;
	S.step_time = pv_sched_now_ns();
	__atomic_store_n(&pv_sched_active, 1, __ATOMIC_RELEASE);
}

int pv_sched_controls(void)
{
	sthr *m = me;
	return pv_sched_active && m && !m->nested && m->state != S_DONE && !m->t->ignore;
}

void pv_sched_point(pv_thread *t, const char *op, uintptr_t obj, uintptr_t pc)
{
	sthr *m = me;
	if (!m || m->nested || m->state == S_DONE || t->ignore)
		return;
	m->nested++;
	pv_lock_acquire(&S.lock);
	if (S.running != m)
		rejoin(m);
	m->obj = obj;
	sthr *n = pick(m);
	S.step_time = pv_sched_now_ns();
	if (n != m) {
		give(n);
		pv_lock_release(&S.lock);
		wait_turn(m);
	} else {
		pv_lock_release(&S.lock);
	}
	m->nested--;
	log_event(m, op, obj, pc);
}

void pv_sched_access(pv_thread *t, uintptr_t addr, int is_write, uintptr_t pc)
{
	if (S.accesses)
		pv_sched_point(t, is_write ? "write" : "read", addr & ~(uintptr_t)7, pc);
}

void pv_sched_atomic(uintptr_t addr, int is_write, uintptr_t pc)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_sched_point(t, is_write > 1 ? "atomic rmw" : is_write ? "atomic store" : "atomic load",
			       addr, pc);
}

pv_sched_wait pv_sched_block(pv_thread *t, uintptr_t obj, uint64_t deadline_ns)
{
	sthr *m = me;
	(void)t;
	if (!m || m->nested || m->state == S_DONE)
		return PV_SCHED_WOKEN;
	m->nested++;
	pv_lock_acquire(&S.lock);
	if (S.running != m)
		rejoin(m);
	m->state = S_BLOCKED;
	m->wait_obj = obj;
	m->deadline = deadline_ns;
	m->timed_out = 0;
	m->blocked_step = S.ch.step;
	hand_off(m);
	pv_lock_release(&S.lock);
	wait_turn(m);
	m->nested--;
	m->deadline = 0;
	if (m->timed_out) {
		m->timed_out = 0;
		sleep_until(deadline_ns);
		return PV_SCHED_TIMEDOUT;
	}
	log_event(m, "wake", obj, 0);
	return PV_SCHED_WOKEN;
}

/* Under the lock: make s runnable again; a thread is needed to run when
 * nobody has the turn. */
static void unblock(sthr *s)
{
	s->state = S_RUNNABLE;
	s->timed_out = 0;
	if (S.ch.kind == PV_SCHED_POS)
		s->prio = pv_sched_new_priority(&S.ch);
}

static int wake_locked(uintptr_t obj, int all)
{
	int n = 0;
	for (sthr *s = S.first; s; s = s->next)
		n += s->state == S_BLOCKED && s->wait_obj == obj && !s->exit_wait;
	if (!n)
		return 0;
	/* One waiter: which is the scheduler's choice, as POSIX leaves it. */
	int pickone = all ? -1 : (int)(pv_sched_rand(&S.ch) % (uint64_t)n);
	int i = 0;
	for (sthr *s = S.first; s; s = s->next)
		if (s->state == S_BLOCKED && s->wait_obj == obj && !s->exit_wait && (all || i++ == pickone))
			unblock(s);
	if (!S.running)
		give(pick(NULL));
	return n;
}

void pv_sched_wake(uintptr_t obj, int all)
{
	sthr *m = me;
	if (!pv_sched_active || (m && m->nested))
		return;
	pv_lock_acquire(&S.lock);
	wake_locked(obj, all);
	pv_lock_release(&S.lock);
}

void pv_sched_cancel(pv_thread *target)
{
	sthr *s = target->sched;
	if (!pv_sched_active || !s || (me && me->nested))
		return;
	pv_lock_acquire(&S.lock);
	if (s->state == S_BLOCKED && !s->exit_wait) {
		unblock(s);
		if (!S.running)
			give(pick(NULL));
	}
	pv_lock_release(&S.lock);
}

void pv_sched_sleep(pv_thread *t, uint64_t ns)
{
	sthr *m = me;
	if (!m)
		return;
	/* Nothing else waits on the thread's own record. */
	pv_sched_block(t, (uintptr_t)m, pv_sched_now_ns() + (ns ? ns : 1));
}

void pv_sched_leave(pv_thread *t)
{
	sthr *m = me;
	(void)t;
	if (!m || m->nested || m->state == S_DONE)
		return;
	m->nested++;
	pv_lock_acquire(&S.lock);
	int had = S.running == m;
	m->state = S_OUTSIDE;
	if (had)
		hand_off(m);
	pv_lock_release(&S.lock);
	m->nested--;
}

void pv_sched_enter(pv_thread *t)
{
	sthr *m = me;
	(void)t;
	if (!m || m->nested || m->state != S_OUTSIDE)
		return;
	m->nested++;
	pv_lock_acquire(&S.lock);
	rejoin(m);
	pv_lock_release(&S.lock);
	m->nested--;
}

void pv_sched_thread_new(pv_thread *child)
{
	if (!pv_sched_active || !me)
		return;
	pv_lock_acquire(&S.lock);
	new_thread(child);
	pv_lock_release(&S.lock);
}

void pv_sched_thread_begin(pv_thread *t)
{
	sthr *m = t->sched;
	if (!m)
		return;
	me = m;
	m->nested++;
	wait_turn(m);
	m->nested--;
	log_event(m, "start", 0, 0);
}

static void unlink_thread(sthr *m)
{
	for (sthr **p = &S.first, *prev = NULL; *p; prev = *p, p = &(*p)->next)
		if (*p == m) {
			*p = m->next;
			if (S.last == m)
				S.last = prev;
			return;
		}
}

void pv_sched_thread_drop(pv_thread *child)
{
	sthr *s = child->sched;
	if (!s)
		return;
	pv_lock_acquire(&S.lock);
	s->state = S_DONE;
	unlink_thread(s);
	pv_lock_release(&S.lock);
}

int pv_sched_thread_done(const pv_thread *t)
{
	const sthr *s = t->sched;
	return !s || __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == S_DONE;
}

void pv_sched_thread_end(pv_thread *t)
{
	sthr *m = me;
	if (!m || m->t != t || m->state == S_DONE)
		return;
	log_event(m, "exit", 0, 0);
	m->nested++;
	pv_lock_acquire(&S.lock);
	if (S.running != m)
		rejoin(m);
	__atomic_store_n(&m->state, S_DONE, __ATOMIC_RELEASE);
	unlink_thread(m);
	for (sthr *s = S.first; s; s = s->next)
		if (s->state == S_BLOCKED && s->wait_obj == (uintptr_t)t)
			unblock(s);
	hand_off(m);
	pv_lock_release(&S.lock);
	m->nested--;
}

void pv_sched_program_end(pv_thread *t)
{
	sthr *m = me;
	if (!m || m->t != t || m->nested || m->state == S_DONE)
		return;
	m->nested++;
	pv_lock_acquire(&S.lock);
	if (S.running != m)
		rejoin(m);
	int others = 0;
	for (sthr *s = S.first; s; s = s->next)
		others |= s != m && s->state == S_RUNNABLE;
	if (others) {
		m->state = S_BLOCKED;
		m->wait_obj = 0;
		m->exit_wait = 1;
		hand_off(m);
		pv_lock_release(&S.lock);
		wait_turn(m);
		m->exit_wait = 0;
	} else {
		pv_lock_release(&S.lock);
	}
	m->nested--;
}

int pv_sched_spurious(pv_thread *t)
{
	(void)t;
	if (!S.spurious || !pv_sched_controls())
		return 0;
	pv_lock_acquire(&S.lock);
	int r = pv_sched_rand(&S.ch) % 2 == 0;
	pv_lock_release(&S.lock);
	return r;
}

static barrier *find_barrier(uintptr_t b)
{
	for (barrier *x = S.barriers; x; x = x->next)
		if (x->addr == b)
			return x;
	return NULL;
}

void pv_sched_barrier_init(uintptr_t b, unsigned count)
{
	if (!pv_sched_active)
		return;
	pv_lock_acquire(&S.lock);
	barrier *x = find_barrier(b);
	if (!x) {
		x = pv_alloc(sizeof *x);
		x->addr = b;
		x->next = S.barriers;
		S.barriers = x;
	}
	x->count = count;
	x->arrived = 0;
	pv_lock_release(&S.lock);
}

int pv_sched_barrier_wait(pv_thread *t, uintptr_t b)
{
	pv_lock_acquire(&S.lock);
	barrier *x = find_barrier(b);
	if (!x || !x->count) {
		pv_lock_release(&S.lock);
		return -1;
	}
	if (++x->arrived >= x->count) {
		x->arrived = 0;
		x->round++;
		wake_locked(b, 1);
		pv_lock_release(&S.lock);
		return 1;
	}
	unsigned round = x->round;
	pv_lock_release(&S.lock);
	for (;;) {
		pv_sched_block(t, b, 0);
		pv_lock_acquire(&S.lock);
		int done = x->round != round;
		pv_lock_release(&S.lock);
		if (done)
			return 0;
	}
}

void pv_sched_fork_child(pv_thread *self)
{
	if (!pv_sched_active)
		return;
	pv_lock_reset(&S.lock);
	sthr *m = self->sched;
	if (!m)
		return;
	m->next = NULL;
	m->state = S_RUNNABLE;
	m->go = 0;
	m->nested = 0;
	S.first = S.last = m;
	S.running = m;
	me = m;
	S.finished = 0;
	S.ch.rng = pv_mix64(S.ch.rng ^ 0x5bd1e9955bd1e995ull);
	S.step_time = pv_sched_now_ns();
	for (barrier *x = S.barriers; x; x = x->next)
		x->arrived = 0;
}
