#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "base.h"
#include "deadlock.h"
#include "heap.h"
#include "intercept.h"
#include "options.h"
#include "process.h"
#include "report.h"
#include "xmap.h"

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
	pv_snprintf(st->access, sizeof st->access, "%s", access);
	st->addr = addr;
	pv_ctx_expand(s.ctx, s.pc, &st->stack);
	add_thread(r, tid);
	return st;
}

static void add_sync(pv_report *r, uintptr_t m, const char *kind)
{
	for (int i = 0; i < r->nlocs; i++)
		if (r->locs[i].start == m)
			return;
	if (r->nlocs == PV_REPORT_MAX_LOCS)
		return;
	pv_report_location *l = &r->locs[r->nlocs++];
	l->kind = PV_LOC_SYNC;
	l->start = m;
	l->tid = -1;
	/* Named by emit, once the report is known not to be a duplicate. */
	pv_snprintf(l->name, sizeof l->name, "%s", kind);
}

/* Name the lock as the program does: a global, or a heap block with the
 * stack that allocated it. l->name holds its kind until then. */
static void name_sync(pv_report_location *l)
{
	uintptr_t m = l->start;
	char kind[32];
	pv_snprintf(kind, sizeof kind, "%s", l->name);
	char global[96];
	uintptr_t start, pc;
	size_t size;
	int tid;
	pv_ctx ctx;
	if (!pv_symbolize_data(m, global, sizeof global, &start, &size)) {
		if (m == start)
			pv_snprintf(l->name, sizeof l->name, "%.24s '%.96s'", kind, global);
		else
			pv_snprintf(l->name, sizeof l->name, "%.24s in '%.72s' (+%lu)", kind, global,
				 (unsigned long)(m - start));
	} else if (!pv_heap_find(m, &start, &size, &tid, &ctx, &pc)) {
		pv_snprintf(l->name, sizeof l->name, "%s in a heap block of size %zu", kind, size);
		l->tid = tid;
		pv_ctx_expand(ctx, pc, &l->stack);
	} else {
		pv_snprintf(l->name, sizeof l->name, "%s", kind);
	}
}

static void add_lock(pv_report *r, uintptr_t m)
{
	add_sync(r, m, "mutex");
}

static pv_report *new_report(pv_report_kind kind, const char *headline)
{
	pv_report *r = pv_alloc(sizeof *r);
	r->kind = kind;
	pv_snprintf(r->headline, sizeof r->headline, "%s", headline);
	return r;
}

/* One report per kind, headline and stacks (the first frames of each, as
 * races are told apart by their pcs): a misuse in a loop is told once and
 * its repeats are only counted. */
#define NSEEN 4096
#define KEY_FRAMES 4
static pv_lock seen_lock;
static uint64_t seen[NSEEN];
static int nseen;

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

static uint64_t report_key(const pv_report *r)
{
	uint64_t h = mix(0xcbf29ce484222325ull, (uint64_t)r->kind);
	for (const char *c = r->headline; *c; c++)
		h = mix(h, (unsigned char)*c);
	for (int i = 0; i < r->nstacks && i < PV_REPORT_MAX_STACKS; i++) {
		const pv_stack *st = &r->stacks[i].stack;
		h = mix(h, 0x5157ull + (uint64_t)i);
		for (int f = 0; f < st->n && f < KEY_FRAMES; f++)
			h = mix(h, st->pc[f]);
	}
	return h | 1;
}

/* 1 the first time r's key is seen (or when the set is full). Under
 * seen_lock. */
static int first_of_its_kind(const pv_report *r)
{
	uint64_t k = report_key(r);
	int fresh = 1;
	for (unsigned i = 0; i < NSEEN; i++) {
		uint64_t *s = &seen[(k + i * 0x9e3779b9u) & (NSEEN - 1)];
		if (*s == k) {
			fresh = 0;
			break;
		}
		if (!*s) {
			if (nseen < NSEEN / 2) {
				*s = k;
				nseen++;
			}
			break;
		}
	}
	return fresh;
}

/* A duplicate waits until the first is written: its caller may end the
 * process next (a deadlock, a channel's panic). */
static void emit(pv_report *r)
{
	pv_lock_acquire(&seen_lock);
	if (first_of_its_kind(r)) {
		for (int i = 0; i < r->nlocs; i++)
			if (r->locs[i].kind == PV_LOC_SYNC)
				name_sync(&r->locs[i]);
		pv_report_emit(r);
	} else {
		pv_report_duplicate();
	}
	pv_lock_release(&seen_lock);
	pv_free(r);
}

/* What the program printed and its stdio still buffers is its own: shown,
 * unless a deadlocked thread holds the stream (it would wait for ever). */
static void flush_program_output(void)
{
	FILE *streams[] = { stdout, stderr };
	for (int i = 0; i < 2; i++)
		if (!ftrylockfile(streams[i])) {
			fflush_unlocked(streams[i]);
			funlockfile(streams[i]);
		}
}

/* The program can never go on: say so, and end it. */
static void __attribute__((noreturn)) end_deadlocked(pv_report *r)
{
	flush_program_output();
	emit(r);
	pv_report_summary();
	pv_dprintf(2, "pvcheck: the program is deadlocked; ending it with status %d\n",
		   PV_DEADLOCK_STATUS);
	pv_process_exit(PV_DEADLOCK_STATUS);
}

static const char *wait_name(pv_wait_kind k)
{
	switch (k) {
	case PV_WAIT_MUTEX: return "mutex";
	case PV_WAIT_LOCK: return "mutex";
	case PV_WAIT_RDLOCK: return "rwlock (read)";
	case PV_WAIT_WRLOCK: return "rwlock (write)";
	case PV_WAIT_JOIN: return "join";
	case PV_WAIT_COND: return "condition variable";
	case PV_WAIT_SEM: return "semaphore";
	case PV_WAIT_BARRIER: return "barrier";
	case PV_WAIT_CHAN_SEND: return "channel send";
	case PV_WAIT_CHAN_RECV: return "channel receive";
	case PV_WAIT_CHAN_SELECT: return "channel select";
	default: return "nothing";
	}
}

static void __attribute__((noreturn)) report_deadlock(const pv_wg_deadlock *d)
{
	int chans = 0; /* Go's wording when channels are involved */
	for (int i = 0; i < d->n; i++)
		chans |= d->w[i].kind >= PV_WAIT_CHAN_SEND && d->w[i].kind <= PV_WAIT_CHAN_SELECT;
	pv_report *r = new_report(PV_REPORT_DEADLOCK,
				  d->ncycle ? "deadlock: threads wait for each other"
				  : chans   ? "deadlock: all threads are asleep"
					    : "deadlock: every thread is blocked");
	for (int i = 0; i < d->n; i++) {
		const pv_wg_waiter *w = &d->w[i];
		pv_report_stack *st = add_stack(r, w->tid, "wait", w->object, w->site);
		if (!st)
			break;
		int n = pv_snprintf(st->title, sizeof st->title, "Thread T%d waits for %s",
				 w->tid, wait_name(w->kind));
		if (w->kind == PV_WAIT_JOIN)
			pv_snprintf(st->title + n, sizeof st->title - n, " of thread T%d", (int)w->object);
		else if (w->nholders) {
			const pv_thread *h = pv_thread_by_tid(w->holders[0]);
			pv_snprintf(st->title + n, sizeof st->title - n, " %p held by thread T%d%s",
				 (void *)w->object, w->holders[0],
				 !h || h->state == PV_THREAD_FINISHED ? ", which no longer runs" : "");
		}
		else
			pv_snprintf(st->title + n, sizeof st->title - n, " %p", (void *)w->object);
		if (w->kind == PV_WAIT_MUTEX || w->kind == PV_WAIT_RDLOCK || w->kind == PV_WAIT_WRLOCK ||
		    w->kind == PV_WAIT_LOCK)
			add_lock(r, w->object);
	}
	pv_snprintf(r->note, sizeof r->note, "%d thread(s) blocked%s", d->nblocked,
		 d->ncycle ? ", in a cycle of waits" : ", none can wake another");
	end_deadlocked(r);
}

static void report_lock_order(const pv_lg_cycle *c)
{
	pv_report *r = new_report(PV_REPORT_LOCK_ORDER, "lock-order-inversion (potential deadlock)");
	for (int i = 0; i < c->n && r->nstacks + 2 <= PV_REPORT_MAX_STACKS; i++) {
		const pv_lg_edge *e = &c->e[i];
		pv_report_stack *st = add_stack(r, e->tid, "lock", e->to, e->to_site);
		pv_snprintf(st->title, sizeof st->title, "Mutex %p acquired here while holding mutex %p in thread T%d",
			 (void *)e->to, (void *)e->from, e->tid);
		st = add_stack(r, e->tid, "lock", e->from, e->from_site);
		pv_snprintf(st->title, sizeof st->title, "Mutex %p previously acquired by the same thread here",
			 (void *)e->from);
		add_lock(r, e->from);
		add_lock(r, e->to);
	}
	int n = pv_snprintf(r->note, sizeof r->note, "Cycle of %d locks:", c->len);
	for (int i = 0; i < c->n && n < (int)sizeof r->note; i++)
		n += pv_snprintf(r->note + n, sizeof r->note - n, " %p ->", (void *)c->e[i].from);
	if (c->n && n < (int)sizeof r->note)
		pv_snprintf(r->note + n, sizeof r->note - n, " %p", (void *)c->e[0].from);
	emit(r);
}

/* An api-misuse report with the call's stack (none when pc is 0); the
 * caller adds the rest. */
static pv_report *misuse(pv_thread *t, const char *headline, uintptr_t obj, uintptr_t pc)
{
	pv_report *r = new_report(PV_REPORT_API_MISUSE, headline);
	if (pc) {
		pv_report_stack *st = &r->stacks[r->nstacks++];
		st->tid = t->tid;
		pv_snprintf(st->access, sizeof st->access, "call");
		st->addr = obj;
		pv_stack_unwind(&st->stack, pc);
		pv_ctx_trim(t->ctx, &st->stack);
	}
	add_thread(r, t->tid);
	return r;
}

void pv_dl_misuse(pv_thread *t, const char *headline, uintptr_t obj, const char *kind,
		  uintptr_t pc, const char *note)
{
	t->ignore++;
	pv_report *r = misuse(t, headline, obj, pc);
	if (obj)
		add_sync(r, obj, kind);
	pv_snprintf(r->note, sizeof r->note, "%s", note ? note : "");
	emit(r);
	t->ignore--;
}

void pv_dl_signal_unsafe(pv_thread *t, const char *call, uintptr_t pc)
{
	if (PV_LIKELY(!t->in_handler) || t->ignore)
		return;
	char note[160];
	pv_snprintf(note, sizeof note, "%s is not async-signal-safe: the handler may have "
		    "interrupted its thread inside it, holding its locks", call);
	pv_dl_misuse(t, PV_REPORT_SIGNAL_UNSAFE, 0, NULL, pc, note);
}

static void report_misuse(pv_thread *t, const char *headline, uintptr_t m, uintptr_t pc,
			  const pv_held_lock *earlier)
{
	pv_report *r = misuse(t, headline, m, pc);
	if (earlier) {
		pv_report_stack *e = add_stack(r, t->tid, "lock", m, earlier->site);
		pv_snprintf(e->title, sizeof e->title, "Mutex %p acquired here by thread T%d", (void *)m, t->tid);
	}
	add_lock(r, m);
	emit(r);
}

/* ---- objects whose state makes a call wrong: destroyed locks, and
 * condition variables with waiters (and the mutex they wait with) ---- */

/* A thread inside a condition wait; woken once a signal or broadcast has
 * picked it: from then on it waits for the mutex, not the condition. */
typedef struct waiter {
	int tid;
	int woken;
	uintptr_t mutex;     /* the mutex it waits with */
	pv_site site;        /* where it waits */
	struct waiter *next; /* newest first */
} waiter;

typedef struct obj {
	uintptr_t addr;
	struct obj *next;
	int destroyed;      /* a lock destroyed and not initialised again */
	int waiters;        /* a condvar's current waiters */
	waiter *wl;         /* ... each of them */
} obj;

/* Objects hang off the bucket of their page, so that forgetting a block
 * visits the buckets of its pages, not of its words. */
#define OBUCKETS 1024
#define OBUCKET(addr) (((addr) >> 12) % OBUCKETS)
static pv_lock olock;
static obj *objs[OBUCKETS];
static long nobjs;          /* read without olock by forget */
/* Every object ever tracked lies in [lo_hint, hi_hint]: a free elsewhere
 * (the common case: locks are globals, blocks are heap) takes no lock. */
static uintptr_t lo_hint = UINTPTR_MAX, hi_hint;

static void widen_hints(uintptr_t addr)
{
	uintptr_t lo = __atomic_load_n(&lo_hint, __ATOMIC_RELAXED);
	while (addr < lo && !__atomic_compare_exchange_n(&lo_hint, &lo, addr, 1, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		;
	uintptr_t hi = __atomic_load_n(&hi_hint, __ATOMIC_RELAXED);
	while (addr > hi && !__atomic_compare_exchange_n(&hi_hint, &hi, addr, 1, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		;
}

static int outside_hints(uintptr_t addr, size_t size)
{
	return addr > __atomic_load_n(&hi_hint, __ATOMIC_RELAXED) ||
	       (size <= UINTPTR_MAX - addr && addr + size <= __atomic_load_n(&lo_hint, __ATOMIC_RELAXED));
}

static obj **oslot(uintptr_t addr)
{
	obj **p = &objs[OBUCKET(addr)];
	while (*p && (*p)->addr != addr)
		p = &(*p)->next;
	return p;
}

static obj *oget(uintptr_t addr)
{
	obj **p = oslot(addr);
	if (!*p) {
		*p = pv_alloc(sizeof **p);
		(*p)->addr = addr;
		widen_hints(addr);
		__atomic_store_n(&nobjs, nobjs + 1, __ATOMIC_RELAXED);
	}
	return *p;
}

static void ofree(obj *o)
{
	while (o->wl) {
		waiter *w = o->wl;
		o->wl = w->next;
		pv_free(w);
	}
	pv_free(o);
}

static void odrop_if_idle(uintptr_t addr)
{
	obj **p = oslot(addr), *o = *p;
	if (o && !o->destroyed && !o->waiters) {
		*p = o->next;
		ofree(o);
		__atomic_store_n(&nobjs, nobjs - 1, __ATOMIC_RELAXED);
	}
}

/* The buckets an object in [addr, addr+size) can hang off, one after the
 * other: those of its pages, or all when there are more pages than
 * buckets. */
static size_t first_bucket(uintptr_t addr, size_t size, size_t *n)
{
	size_t pages = (size >> 12) + 2;
	*n = pages < OBUCKETS ? pages : OBUCKETS;
	return pages < OBUCKETS ? OBUCKET(addr) : 0;
}

static void oforget(uintptr_t addr, size_t size)
{
	if (!__atomic_load_n(&nobjs, __ATOMIC_RELAXED) || outside_hints(addr, size))
		return;
	size_t n, b0 = first_bucket(addr, size, &n);
	pv_lock_acquire(&olock);
	for (size_t i = 0; i < n && nobjs; i++)
		for (obj **p = &objs[(b0 + i) % OBUCKETS]; *p;) {
			obj *o = *p;
			if (o->addr >= addr && o->addr - addr < size) {
				*p = o->next;
				ofree(o);
				nobjs--;
			} else {
				p = &o->next;
			}
		}
	pv_lock_release(&olock);
}

static int is_destroyed(uintptr_t addr)
{
	if (!__atomic_load_n(&nobjs, __ATOMIC_RELAXED))
		return 0;
	pv_lock_acquire(&olock);
	obj *o = *oslot(addr);
	int d = o && o->destroyed;
	pv_lock_release(&olock);
	return d;
}

static const char *lock_noun(pv_dl_object kind)
{
	return kind == PV_DL_RWLOCK ? "rwlock" : kind == PV_DL_SPIN ? "spinlock" : "mutex";
}

int pv_dl_destroy(pv_thread *t, uintptr_t addr, pv_dl_object kind, uintptr_t pc)
{
	if (!pv_options()->detect_deadlocks)
		return 0;
	int busy = 0;
	t->ignore++;
	if (kind == PV_DL_COND) {
		/* Only a thread still blocked on the condition counts: woken
		 * waiters are re-acquiring the mutex, which POSIX allows. */
		pv_lock_acquire(&olock);
		obj *o = *oslot(addr);
		int waiters = 0;
		for (waiter *w = o ? o->wl : NULL; w; w = w->next)
			waiters += !w->woken;
		pv_lock_release(&olock);
		if (waiters) {
			pv_report *r = misuse(t, "destroy of a condition variable with waiters", addr, pc);
			pv_snprintf(r->note, sizeof r->note,
				 "%d thread(s) wait on it; the destroy returns EBUSY", waiters);
			emit(r);
			busy = EBUSY;
		}
	} else {
		int holders[PV_WG_MAX_HOLDERS];
		char head[64];
		if (is_destroyed(addr)) {
			pv_snprintf(head, sizeof head, "destroy of a destroyed %s", lock_noun(kind));
			report_misuse(t, head, addr, pc, NULL);
		} else if (pv_wg_holders(addr, holders, PV_WG_MAX_HOLDERS)) {
			pv_snprintf(head, sizeof head, "destroy of a locked %s", lock_noun(kind));
			pv_report *r = misuse(t, head, addr, pc);
			add_thread(r, holders[0]);
			add_lock(r, addr);
			pv_snprintf(r->note, sizeof r->note, "thread T%d holds it%s", holders[0],
				 holders[0] == t->tid ? " (the destroying thread)" : "");
			emit(r);
		}
	}
	t->ignore--;
	return busy;
}

void pv_dl_destroyed(uintptr_t addr, size_t size, pv_dl_object kind)
{
	pv_dl_forget(addr, size);
	if (kind != PV_DL_COND && pv_options()->detect_deadlocks) {
		pv_lock_acquire(&olock);
		oget(addr)->destroyed = 1;
		pv_lock_release(&olock);
	}
}

/* ---- barriers: their count, and how many threads wait in the round ---- */

typedef struct bar {
	uintptr_t addr;
	unsigned count, arrived;
	struct bar *next;
} bar;

static pv_lock blk;
static bar *bars[OBUCKETS];
static long nbars; /* read without blk by forget */

static bar **bslot(uintptr_t addr)
{
	bar **p = &bars[OBUCKET(addr)];
	while (*p && (*p)->addr != addr)
		p = &(*p)->next;
	return p;
}

static void bforget(uintptr_t addr, size_t size)
{
	if (!__atomic_load_n(&nbars, __ATOMIC_RELAXED))
		return;
	size_t n, b0 = first_bucket(addr, size, &n);
	pv_lock_acquire(&blk);
	for (size_t i = 0; i < n && nbars; i++)
		for (bar **p = &bars[(b0 + i) % OBUCKETS]; *p;) {
			bar *o = *p;
			if (o->addr >= addr && o->addr - addr < size) {
				*p = o->next;
				pv_free(o);
				nbars--;
			} else {
				p = &o->next;
			}
		}
	pv_lock_release(&blk);
}

void pv_dl_barrier_init(pv_thread *t, uintptr_t b, unsigned count, uintptr_t pc)
{
	if (!pv_options()->detect_deadlocks || !__atomic_load_n(&nbars, __ATOMIC_RELAXED))
		return;
	pv_lock_acquire(&blk);
	bar *o = *bslot(b);
	unsigned arrived = o ? o->arrived : 0, old = o ? o->count : 0;
	pv_lock_release(&blk);
	if (!arrived)
		return;
	t->ignore++;
	char head[96];
	pv_snprintf(head, sizeof head, "barrier initialised again %swhile threads wait in it",
		 count != old ? "with a different count " : "");
	pv_report *r = misuse(t, head, b, pc);
	add_sync(r, b, "barrier");
	pv_snprintf(r->note, sizeof r->note,
		 "%u thread(s) wait in it for %u to arrive; the new count is %u, and their round is lost",
		 arrived, old, count);
	emit(r);
	t->ignore--;
}

void pv_dl_barrier_ready(uintptr_t b, unsigned count)
{
	if (!pv_options()->detect_deadlocks || !count)
		return;
	pv_lock_acquire(&blk);
	bar **p = bslot(b);
	if (!*p) {
		*p = pv_alloc(sizeof **p);
		(*p)->addr = b;
		__atomic_store_n(&nbars, nbars + 1, __ATOMIC_RELAXED);
	}
	(*p)->count = count;
	(*p)->arrived = 0;
	pv_lock_release(&blk);
}

void pv_dl_barrier_arrive(uintptr_t b)
{
	if (!__atomic_load_n(&nbars, __ATOMIC_RELAXED))
		return;
	pv_lock_acquire(&blk);
	bar *o = *bslot(b);
	if (o && ++o->arrived >= o->count)
		o->arrived = 0; /* the last arrival releases the round */
	pv_lock_release(&blk);
}

int pv_dl_join_misuse(pv_thread *self, pv_thread *target, uintptr_t pc)
{
	if (!pv_options()->detect_deadlocks || !target || (!target->joined && !target->detached))
		return 0;
	self->ignore++;
	pv_report *r = misuse(self, target->joined ? "join of a thread already joined"
						   : "join of a detached thread", 0, pc);
	add_thread(r, target->tid);
	pv_snprintf(r->note, sizeof r->note, "thread T%d is %s; the join returns %s without waiting",
		 target->tid, target->joined ? "joined already" : "detached",
		 target->joined ? "ESRCH" : "EINVAL");
	emit(r);
	self->ignore--;
	return target->joined ? ESRCH : EINVAL;
}

/* ---- fork in a multithreaded program ---- */

/* Where the last fork was called, and in a child the locks that other
 * threads held then: nobody will ever unlock them. */
#define MAX_INHERITED 8
static pv_site fork_site;
static int fork_tid;
static int ninherited;
static uintptr_t inherited[MAX_INHERITED];
static int inherited_holder[MAX_INHERITED];

void pv_dl_fork_site(pv_thread *t, uintptr_t pc)
{
	t->ignore++;
	fork_site = site_at(t, pc);
	fork_tid = t->tid;
	t->ignore--;
}

/* A thread records that it holds a lock only after the real lock
 * returned, and that it no longer does before the real unlock: a fork in
 * between leaves the child a lock held in its memory that the ownership
 * records do not show. So a child also asks the lock itself: a mutex or
 * spinlock whose lock word is set, that no thread of the child has tried
 * to take since the fork (tries are recorded before the real lock), was
 * held at fork by a thread that did not come along (unlocks count as
 * tries: a lock the forking thread held is not one). */
#define MAX_TOUCHED 1024
static int forked;               /* this process is a fork child */
static pv_lock fork_lock;        /* inherited[] and touched[] in the child */
static uintptr_t touched[MAX_TOUCHED];
static int ntouched;

/* Record that the child tries m; 1 if it had not before (0 when full, so
 * nothing is ever claimed held at fork by mistake). Under fork_lock. */
static int first_touch(uintptr_t m)
{
	unsigned h = (unsigned)((m >> 3) * 0x9e3779b1u) % MAX_TOUCHED;
	for (int i = 0; i < MAX_TOUCHED; i++) {
		uintptr_t *s = &touched[(h + (unsigned)i) % MAX_TOUCHED];
		if (*s == m)
			return 0;
		if (!*s) {
			if (ntouched == MAX_TOUCHED - 1)
				return 0;
			*s = m;
			ntouched++;
			return 1;
		}
	}
	return 0;
}

static void fork_touch(uintptr_t m)
{
	pv_lock_acquire(&fork_lock);
	first_touch(m);
	pv_lock_release(&fork_lock);
}

/* Was m held at fork by a thread that is not in this child? holder: its
 * tid, or -1 when only the lock word tells. Each lock is told once. */
static int held_at_fork(uintptr_t m, pv_wait_kind kind, int *holder)
{
	pv_key k;
	int held = 0;
	pv_lock_acquire(&fork_lock);
	int first = first_touch(m);
	for (int i = 0; i < ninherited && !held; i++) {
		if (inherited[i] != m)
			continue;
		held = 1;
		*holder = inherited_holder[i];
		inherited[i] = inherited[--ninherited];
		inherited_holder[i] = inherited_holder[ninherited];
	}
	pv_lock_release(&fork_lock);
	int holders[1];
	if (held || !first || kind != PV_WAIT_MUTEX || pv_wg_holders(m, holders, 1))
		return held;
	/* Another process may hold what lives in shared memory. */
	if (pv_xmap_any() && pv_xmap_key(m, 0, &k))
		return 0;
	/* glibc's mutex and spinlock both begin with an int, 0 when free. */
	*holder = -1;
	return __atomic_load_n((const int *)m, __ATOMIC_RELAXED) != 0;
}

/* In the child: is m one of the locks it inherited held? Reported once. */
static void check_inherited(pv_thread *t, uintptr_t m, pv_wait_kind kind, uintptr_t pc)
{
	int holder;
	if (!held_at_fork(m, kind, &holder))
		return;
	char who[32] = "another thread";
	if (holder >= 0)
		pv_snprintf(who, sizeof who, "thread T%d", holder);
	pv_report *r = misuse(t, "lock of a mutex that another thread held at fork", m, pc);
	pv_report_stack *st = add_stack(r, fork_tid, "fork", m, fork_site);
	if (st)
		pv_snprintf(st->title, sizeof st->title, "The process forked here while %s held mutex %p",
			 who, (void *)m);
	add_lock(r, m);
	pv_snprintf(r->note, sizeof r->note, "%s did not come along into the child: nobody will unlock it",
		 holder >= 0 ? who : "the thread that held it");
	r->note[0] = r->note[0] == 't' ? 'T' : r->note[0];
	emit(r);
}

/* ---- wake-ups from outside the program's threads ---- */

uint64_t pv_dl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

enum { DISP_UNKNOWN, DISP_DEFAULT, DISP_IGNORE, DISP_HANDLER };
#define NSIGS 65
#define MAX_TIMERS 64
/* A signal timer is waited for a little past its expiry: its handler has
 * to run and its wake-up to be seen. */
#define DELIVERY_MS 200

typedef struct {
	uintptr_t id;
	int used, sig, periodic;
	uint64_t expiry;
} wake_timer;

static pv_lock wake_lock;
static unsigned char disp[NSIGS];
static int nhandlers;               /* signals with a handler of the program's */
static wake_timer timers[MAX_TIMERS];
static int callbacks;               /* SIGEV_THREAD functions running now */

void pv_dl_signal_handler(int sig, void (*handler)(int))
{
	if (sig <= 0 || sig >= NSIGS)
		return;
	int d = handler == SIG_DFL ? DISP_DEFAULT : handler == SIG_IGN ? DISP_IGNORE : DISP_HANDLER;
	pv_lock_acquire(&wake_lock);
	nhandlers += (d == DISP_HANDLER) - (disp[sig] == DISP_HANDLER);
	disp[sig] = (unsigned char)d;
	pv_lock_release(&wake_lock);
}

void pv_dl_timer(uintptr_t id, int sig, uint64_t expiry_ms, int periodic)
{
	pv_lock_acquire(&wake_lock);
	wake_timer *free_slot = NULL, *w = NULL;
	for (int i = 0; i < MAX_TIMERS && !w; i++)
		if (timers[i].used && timers[i].id == id)
			w = &timers[i];
		else if (!timers[i].used && !free_slot)
			free_slot = &timers[i];
	if (!w && expiry_ms)
		w = free_slot;
	if (w) {
		*w = (wake_timer){ id, expiry_ms != 0, sig, periodic, expiry_ms };
	}
	pv_lock_release(&wake_lock);
}

void pv_dl_timer_callback(int delta)
{
	__atomic_add_fetch(&callbacks, delta, __ATOMIC_RELAXED);
}

/* Would sig, raised now, end the process (its default action, unless the
 * program chose otherwise; the runtime's own handlers re-raise it)? */
static int kills(int sig)
{
	int d = disp[sig];
	if (d == DISP_UNKNOWN) {
		struct sigaction old;
		d = REAL(sigaction)(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN ? DISP_IGNORE
											: DISP_DEFAULT;
	}
	if (d != DISP_DEFAULT)
		return 0;
	return sig != SIGCHLD && sig != SIGURG && sig != SIGWINCH && sig != SIGCONT &&
	       sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU;
}

/* What may end waits, as the watchdog looks: */
static int wake_all;        /* a pending signal will end the process */
static int wake_handler;    /* a handler may run: it can sem_post, and sem_wait ends with EINTR */
static int wake_thread;     /* a timer's function may run on a thread: it can do anything */

static void look_for_wakeups(uint64_t now)
{
	pv_lock_acquire(&wake_lock);
	wake_all = 0;
	wake_handler = nhandlers > 0;
	wake_thread = __atomic_load_n(&callbacks, __ATOMIC_RELAXED) > 0;
	for (int i = 0; i < MAX_TIMERS; i++) {
		const wake_timer *w = &timers[i];
		if (!w->used)
			continue;
		if (!w->sig)
			wake_thread = 1;
		else if ((w->periodic || now < w->expiry + DELIVERY_MS) && w->sig < NSIGS)
			wake_all |= kills(w->sig);
	}
	pv_lock_release(&wake_lock);
}

/* sem_post is async-signal-safe; a condition variable, a barrier or a
 * channel takes a thread; nothing but their holders ends lock waits. */
static int endable(pv_wait_kind k)
{
	if (wake_all)
		return 1;
	switch (k) {
	case PV_WAIT_SEM: return wake_handler || wake_thread;
	case PV_WAIT_COND:
	case PV_WAIT_BARRIER:
	case PV_WAIT_CHAN_SEND:
	case PV_WAIT_CHAN_RECV:
	case PV_WAIT_CHAN_SELECT: return wake_thread;
	default: return 0;
	}
}

/* ---- the watchdog: all threads blocked for good ---- */

static int watchdog_started;

static void *watchdog(void *arg)
{
	uint64_t threshold = (uint64_t)pv_options()->deadlock_ms;
	struct timespec tick = { 0, (long)(threshold < 400 ? threshold : 400) * 250000 };
	for (;;) {
		nanosleep(&tick, NULL);
		/* Every program thread is gone (main ended with pthread_exit): the
		 * process must be free to end. */
		if (!pv_wg_live()) {
			__atomic_store_n(&watchdog_started, 0, __ATOMIC_RELEASE);
			return arg;
		}
		pv_wg_deadlock d;
		uint64_t now = pv_dl_now_ms();
		look_for_wakeups(now);
		if (pv_wg_check_with(now, threshold, endable, &d))
			report_deadlock(&d);
	}
	return arg;
}

void pv_dl_stuck(void)
{
	pv_wg_deadlock d;
	uint64_t now = pv_dl_now_ms();
	look_for_wakeups(now);
	if (pv_wg_check_with(now, 0, endable, &d))
		report_deadlock(&d);
	if (wake_all || wake_handler || wake_thread)
		return;
	/* The wait graph does not know every wait the scheduler models (a
	 * once routine's, a static's initialisation): still, none can end. */
	pv_report *r = new_report(PV_REPORT_DEADLOCK, "deadlock: every thread is blocked");
	pv_snprintf(r->note, sizeof r->note, "no thread can run: each waits for another");
	end_deadlocked(r);
}

static void start_watchdog(void)
{
	if (__atomic_exchange_n(&watchdog_started, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_t th;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	/* The real create: the watchdog is the runtime's, not a program thread.
	 * It takes no signal: the program's handlers run on its own threads. */
	sigset_t all, was;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &was);
	if (REAL(pthread_create)(&th, &a, watchdog, NULL))
		__atomic_store_n(&watchdog_started, 0, __ATOMIC_RELEASE);
	pthread_sigmask(SIG_SETMASK, &was, NULL);
	pthread_attr_destroy(&a);
}

static void wait_begin(pv_thread *t, pv_wait_kind kind, uintptr_t object, pv_site s)
{
	pv_wg_deadlock d;
	pv_key k;
	/* Another process may release what lives in shared memory: this
	 * process alone cannot tell that the wait is for good. */
	if (kind != PV_WAIT_JOIN && pv_xmap_any() && pv_xmap_key(object, 0, &k))
		return;
	start_watchdog();
	if (pv_wg_wait_begin(t->tid, kind, object, s, &d))
		report_deadlock(&d);
}

/* ---- the interceptors' side ---- */

/* A lock the thread's list says it holds, but whose ownership was
 * forgotten since: the object was destroyed, initialised again or freed,
 * so the lock held is gone and the one at that address is new. (A thread
 * in a condition wait has handed its mutex back too, but makes no call.) */
static int others_unlock; /* some thread unlocked a mutex another held */

static int stale(const pv_thread *t, uintptr_t m)
{
	int holders[PV_WG_MAX_HOLDERS];
	int n = pv_wg_holders(m, holders, PV_WG_MAX_HOLDERS);
	for (int i = 0; i < n && i < PV_WG_MAX_HOLDERS; i++)
		if (holders[i] == t->tid)
			return 0;
	return n < PV_WG_MAX_HOLDERS; /* more holders than listed: cannot tell */
}

static void drop_held(pv_thread *t, uintptr_t m)
{
	pv_lock_mode mode;
	while (pv_held_pop(&t->held, m, &mode))
		;
}

/* The thread's entry for m, after dropping it if it is stale. */
static const pv_held_lock *held_now(pv_thread *t, uintptr_t m)
{
	const pv_held_lock *h = pv_held_find(&t->held, m);
	if (h && pv_options()->detect_deadlocks && stale(t, m)) {
		drop_held(t, m);
		h = NULL;
	}
	return h;
}

void pv_dl_unlocked(pv_thread *t, uintptr_t m)
{
	if (!pv_held_find(&t->held, m))
		return;
	drop_held(t, m);
	if (pv_options()->detect_deadlocks)
		pv_wg_owner_release(t->tid, m);
}

/* At exit: drop every stale entry, and the locks that lived in the
 * thread's own stack, which are gone with its frames. */
static void drop_stale(pv_thread *t)
{
	for (int i = 0; i < pv_held_count(&t->held);) {
		uintptr_t m = t->held.v[i].addr;
		if ((m >= t->stk_lo && m < t->stk_hi) || stale(t, m))
			drop_held(t, m); /* entries after i moved: look at i again */
		else
			i++;
	}
}

void pv_dl_before_lock(pv_thread *t, uintptr_t m, pv_lock_mode mode, pv_wait_kind kind,
		       pv_relock relock, int blocking, uintptr_t pc)
{
	if (!pv_options()->detect_deadlocks)
		return;
	t->ignore++;
	if (is_destroyed(m))
		report_misuse(t, "lock of a destroyed lock", m, pc, NULL);
	const pv_held_lock *h = held_now(t, m);
	if (forked && !h)
		check_inherited(t, m, kind, pc);
	else if (forked)
		fork_touch(m);
	int rw = kind == PV_WAIT_RDLOCK || kind == PV_WAIT_WRLOCK;
	/* An rwlock's relock depends on both sides: more read locks are fine;
	 * glibc refuses its writer any second lock (EDEADLK); a reader asking
	 * to write waits for itself. */
	if (h && rw)
		relock = mode == PV_LOCK_SHARED ? (h->mode == PV_LOCK_SHARED ? PV_RELOCK_RECURSIVE
									 : PV_RELOCK_FAILS)
						: (h->mode == PV_LOCK_EXCL ? PV_RELOCK_FAILS
									 : PV_RELOCK_DEADLOCKS);
	/* Once a thread has unlocked a mutex another holds, a holder's relock
	 * may be ended by another thread's unlock: it is not a deadlock for
	 * certain (the misuse was reported). */
	int relock_waits = h && !rw && relock == PV_RELOCK_DEADLOCKS &&
			   __atomic_load_n(&others_unlock, __ATOMIC_RELAXED);
	if (h && relock != PV_RELOCK_RECURSIVE && blocking && !relock_waits) {
		if (relock == PV_RELOCK_FAILS) {
			report_misuse(t, rw ? "second lock of an rwlock by its writer (it fails with EDEADLK)"
					    : "double lock of a mutex", m, pc, h);
		} else {
			int upgrade = rw && h->mode == PV_LOCK_SHARED;
			pv_report *r = new_report(PV_REPORT_DEADLOCK,
						  upgrade ? "deadlock: a reader of an rwlock asks to write it"
							  : "deadlock: a thread locks a mutex it already holds");
			pv_report_stack *st = &r->stacks[r->nstacks++];
			st->tid = t->tid;
			pv_snprintf(st->access, sizeof st->access, "lock");
			st->addr = m;
			pv_snprintf(st->title, sizeof st->title,
				 upgrade ? "Thread T%d asks for the write lock of rwlock %p here"
					 : "Thread T%d locks mutex %p again here",
				 t->tid, (void *)m);
			pv_stack_unwind(&st->stack, pc);
			pv_ctx_trim(t->ctx, &st->stack);
			add_thread(r, t->tid);
			pv_report_stack *e = add_stack(r, t->tid, "lock", m, h->site);
			if (upgrade)
				pv_snprintf(e->title, sizeof e->title, "It took the read lock here and holds it");
			else
				pv_snprintf(e->title, sizeof e->title, "Mutex %p first acquired here", (void *)m);
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
		int fresh = !pv_held_find(&t->held, m);
		if (checks && fresh)
			pv_wg_owner_acquire(t->tid, m, mode);
		pv_held_push(&t->held, m, mode, site_at(t, pc));
		if (fresh)
			pv_thread_held_changed(t);
	}
}

void pv_dl_held_robust(pv_thread *t, uintptr_t m)
{
	pv_held_mark_robust(&t->held, m);
}

int pv_dl_before_unlock(pv_thread *t, uintptr_t m, uintptr_t pc)
{
	pv_lock_mode mode = PV_LOCK_EXCL;
	int checks = pv_options()->detect_deadlocks;
	if (forked && checks)
		fork_touch(m);
	if (!pv_held_pop(&t->held, m, &mode)) {
		if (!checks)
			return -1;
		t->ignore++;
		int holders[1];
		if (pv_wg_holders(m, holders, 1)) {
			pv_report *r = misuse(t, "unlock of a mutex held by another thread", m, pc);
			add_thread(r, holders[0]);
			add_lock(r, m);
			pv_snprintf(r->note, sizeof r->note, "thread T%d holds it", holders[0]);
			emit(r);
			/* glibc unlocks it all the same: its holder holds it no more
			 * (the holder's list learns so when it next uses it). */
			pv_wg_owner_release(holders[0], m);
			__atomic_store_n(&others_unlock, 1, __ATOMIC_RELAXED);
		} else {
			report_misuse(t, "unlock of a mutex that is not locked", m, pc, NULL);
		}
		t->ignore--;
		return -1;
	}
	if (!pv_held_find(&t->held, m)) {
		if (checks)
			pv_wg_owner_release(t->tid, m);
		pv_thread_held_changed(t);
	}
	return (int)mode;
}

/* While a thread is blocked on a condvar, every waiter must use the same
 * mutex (POSIX leaves any other use undefined); woken waiters no longer
 * bind it. */
static void cond_waiter_add(pv_thread *t, uintptr_t cond, uintptr_t m, uintptr_t pc)
{
	pv_lock_acquire(&olock);
	obj *o = oget(cond);
	uintptr_t other = 0;
	int other_tid = -1;
	pv_site other_site = { 0, 0 };
	for (waiter *w = o->wl; w && !other; w = w->next)
		if (!w->woken && w->mutex != m) {
			other = w->mutex;
			other_tid = w->tid;
			other_site = w->site;
		}
	o->waiters++;
	waiter *w = pv_alloc(sizeof *w);
	*w = (waiter){ t->tid, 0, m, site_at(t, pc), o->wl };
	o->wl = w;
	pv_lock_release(&olock);
	if (!other)
		return;
	pv_report *r = misuse(t, "condition variable waited on with two different mutexes", cond, pc);
	pv_snprintf(r->stacks[0].title, sizeof r->stacks[0].title,
		 "Thread T%d waits on condition %p with mutex %p here", t->tid, (void *)cond, (void *)m);
	pv_report_stack *st = add_stack(r, other_tid, "wait", cond, other_site);
	if (st)
		pv_snprintf(st->title, sizeof st->title,
			 "Thread T%d waits on it with mutex %p here", other_tid, (void *)other);
	add_lock(r, m);
	add_lock(r, other);
	emit(r);
}

static void cond_waiter_remove(uintptr_t cond, int tid)
{
	pv_lock_acquire(&olock);
	obj *o = *oslot(cond);
	/* No record: the condvar was initialised again or freed during the
	 * wait, and its waiters now are other threads. */
	for (waiter **p = o ? &o->wl : NULL; p && *p; p = &(*p)->next)
		if ((*p)->tid == tid) {
			waiter *w = *p;
			*p = w->next;
			pv_free(w);
			if (!--o->waiters)
				odrop_if_idle(cond);
			break;
		}
	pv_lock_release(&olock);
}

void pv_dl_cond_wake(uintptr_t cond, int all)
{
	if (!pv_options()->detect_deadlocks || !__atomic_load_n(&nobjs, __ATOMIC_RELAXED))
		return;
	pv_lock_acquire(&olock);
	obj *o = *oslot(cond);
	waiter *oldest = NULL;
	for (waiter *w = o ? o->wl : NULL; w; w = w->next)
		if (!w->woken) {
			if (all)
				w->woken = 1;
			oldest = w;
		}
	if (oldest)
		oldest->woken = 1;
	pv_lock_release(&olock);
}

void pv_dl_cond_wait_begin(pv_thread *t, uintptr_t cond, uintptr_t m, int timed, uintptr_t pc)
{
	if (!pv_options()->detect_deadlocks)
		return;
	t->ignore++;
	if (!pv_held_find(&t->held, m))
		report_misuse(t, "condition wait without holding its mutex", m, pc, NULL);
	cond_waiter_add(t, cond, m, pc);
	t->ignore--;
	pv_wg_owner_release(t->tid, m);
	if (!timed) {
		t->ignore++;
		wait_begin(t, PV_WAIT_COND, cond, site_at(t, pc));
		t->ignore--;
	}
}

void pv_dl_cond_wait_end(pv_thread *t, uintptr_t cond, uintptr_t m, int timed)
{
	if (!pv_options()->detect_deadlocks)
		return;
	cond_waiter_remove(cond, t->tid);
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

void pv_dl_cancel_mode(pv_thread *t, int disabled, int async)
{
	if (pv_options()->detect_deadlocks)
		pv_wg_cancel_mode(t->tid, disabled, async);
}

void pv_dl_cancel_sent(pv_thread *target)
{
	if (pv_options()->detect_deadlocks)
		pv_wg_cancel_sent(target->tid);
}

void pv_dl_thread_start(pv_thread *t)
{
	pv_wg_thread_alive(t->tid);
}

/* pc: where pthread_exit was called, or 0 when the thread function returned. */
void pv_dl_thread_exit(pv_thread *t, uintptr_t pc)
{
	if (pv_options()->detect_deadlocks && pv_held_count(&t->held))
		drop_stale(t);
	/* A robust mutex is made to be left so: its next owner is told. */
	const pv_held_lock *h = NULL;
	for (int i = 0; pv_options()->detect_deadlocks && !h && i < pv_held_count(&t->held); i++)
		if (!t->held.v[i].robust)
			h = &t->held.v[i];
	if (h) {
		t->ignore++;
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
	oforget(addr, size);
	bforget(addr, size);
}

void pv_dl_fork_prepare(void)
{
	pv_lock_acquire(&olock);
	pv_lock_acquire(&blk);
	pv_lg_fork_prepare();
	pv_wg_fork_prepare();
}

void pv_dl_fork_parent(void)
{
	pv_wg_fork_parent();
	pv_lg_fork_parent();
	pv_lock_release(&blk);
	pv_lock_release(&olock);
}

void pv_dl_fork_child(pv_thread *self)
{
	pv_lock_reset(&olock);
	/* The child's reports are its own: it tells what it does again. */
	pv_lock_reset(&seen_lock);
	memset(seen, 0, sizeof seen);
	nseen = 0;
	pv_lock_reset(&blk);
	pv_wg_fork_child(self->tid);
	ninherited = pv_wg_held_by_others(self->tid, inherited, inherited_holder, MAX_INHERITED);
	if (ninherited > MAX_INHERITED)
		ninherited = MAX_INHERITED;
	pv_lock_reset(&fork_lock);
	memset(touched, 0, sizeof touched);
	ntouched = 0;
	forked = 1;
	pv_lg_fork_child();
	watchdog_started = 0; /* it did not come along */
	/* Timers are not inherited; handlers are. */
	pv_lock_reset(&wake_lock);
	memset(timers, 0, sizeof timers);
	callbacks = 0;
}

/* ---- the end: other threads run on for a moment, then leaks ---- */

/* As ThreadSanitizer's atexit_sleep_ms: threads still running at exit
 * (often created just before it) get a moment to do their work, and their
 * races are seen. The wait ends early once no other thread can run: all
 * finished, or all blocked in waits that nobody is left to end, with no
 * change for QUIET_MS (a thread just woken may not have said so yet). A
 * thread in read or sleep may run again: it gets the whole grace. */
#define QUIET_MS 10

static void exit_grace(const pv_thread *self)
{
	uint64_t start = pv_dl_now_ms(), deadline = start + (uint64_t)pv_options()->atexit_sleep_ms;
	uint64_t seen = 0, quiet_since = 0;
	int quiet = 0;
	for (uint64_t now = start; pv_thread_running(self) && now < deadline; now = pv_dl_now_ms()) {
		uint64_t epoch;
		int running = pv_wg_unblocked(self ? self->tid : -1, &epoch);
		if (running || !quiet || epoch != seen)
			quiet_since = now;
		else if (now - quiet_since >= QUIET_MS)
			return;
		quiet = !running;
		seen = epoch;
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
}

/* One report per creation site of joinable threads that finished and were
 * never joined, naming the first and counting the others, as TSan does. */
static void report_leaks(void)
{
	int n = pv_thread_leaked(NULL, 0);
	if (!n)
		return;
	pv_thread **v = pv_alloc((size_t)n * sizeof *v);
	int now = pv_thread_leaked(v, n);
	if (now < n)
		n = now;
	pv_report *r = pv_alloc(sizeof *r);
	for (int i = 0; i < n; i++) {
		if (!v[i])
			continue;
		pv_memset(r, 0, sizeof *r);
		r->kind = PV_REPORT_THREAD_LEAK;
		pv_snprintf(r->headline, sizeof r->headline, "thread leak");
		pv_thread_describe(v[i], &r->threads[0]);
		r->nthreads = 1;
		r->count = 1;
		for (int j = i + 1; j < n; j++)
			if (v[j] && v[j]->created == v[i]->created) {
				r->count++;
				v[j] = NULL;
			}
		pv_report_emit(r);
	}
	pv_free(r);
	pv_free(v);
}

void pv_dl_program_end(void)
{
	static int done;
	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return;
	pv_thread *t = pv_cur();
	if (t)
		t->ignore++;
	exit_grace(t);
	if (pv_options()->report_thread_leaks)
		report_leaks();
	if (t)
		t->ignore--;
}
