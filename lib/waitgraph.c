#include "base.h"
#include "waitgraph.h"

typedef struct thr {
	int tid;
	struct thr *hnext;          /* hash chain */
	struct thr *prev, *next;    /* all threads, in the order they came */
	pv_wait_kind kind;          /* PV_WAIT_NONE: not blocked */
	uintptr_t object;
	pv_site site;
	uint32_t gen;               /* search marks, valid when gen matches */
	int onpath;
	uint32_t listed;            /* already in the deadlock being filled */
	unsigned char cancel_disabled, cancel_async, cancel_pending;
} thr;

typedef struct {
	int tid;
	uint32_t depth;
} reader;

/* Ownership of a lock that someone holds; dropped when nobody does. */
typedef struct lk {
	uintptr_t addr;
	struct lk *next;
	int writer;                 /* -1: none */
	uint32_t wdepth;
	int nreaders, capreaders;
	reader *readers;
} lk;

#define TBUCKETS 4096
#define LBUCKETS 4096
#define CHUNK_SHIFT 6           /* locks hash by 64-byte chunk, for forget */

static pv_lock glock;
static thr *threads[TBUCKETS];
static thr *first, *last;
static int nthreads;
static lk *locks[LBUCKETS];
static long nlocks_hint;        /* read without glock by pv_wg_forget */

/* Progress: every change bumps epoch; a stall is a run of checks that all
 * see every thread blocked at the same epoch. */
static uint64_t epoch;
static int stalled;
static uint64_t stall_epoch, stall_since;
static int reported;
static uint64_t reported_epoch;

static uint32_t gen, listed_stamp;
typedef struct {
	thr *t;
	int i;                      /* next wait-for target to try */
} frame;
static frame *path;
static size_t pathcap;

/* ---- Threads ---- */

static thr **tslot(int tid)
{
	thr **p = &threads[(unsigned)tid % TBUCKETS];
	while (*p && (*p)->tid != tid)
		p = &(*p)->hnext;
	return p;
}

static thr *find_thr(int tid)
{
	return *tslot(tid);
}

static thr *get_thr(int tid)
{
	thr **p = tslot(tid);
	if (*p)
		return *p;
	thr *t = pv_alloc(sizeof *t);
	t->tid = tid;
	t->prev = last;
	if (last)
		last->next = t;
	else
		first = t;
	last = t;
	nthreads++;
	*p = t;
	return t;
}

static void drop_thr(thr *t)
{
	*tslot(t->tid) = t->hnext;
	if (t->prev)
		t->prev->next = t->next;
	else
		first = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		last = t->prev;
	nthreads--;
	pv_free(t);
}

/* ---- Locks ---- */

static size_t lbucket(uintptr_t addr)
{
	return (size_t)((((uint64_t)addr >> CHUNK_SHIFT) * 0x9e3779b97f4a7c15ull) >> 52) % LBUCKETS;
}

static lk **lslot(uintptr_t addr)
{
	lk **p = &locks[lbucket(addr)];
	while (*p && (*p)->addr != addr)
		p = &(*p)->next;
	return p;
}

/* Ownership records come and go with every lock and unlock: keep a few
 * freed ones instead of going to the allocator each time. Under glock. */
#define MAX_SPARE 64
static lk *spare;
static int nspare;

static lk *find_lk(uintptr_t addr)
{
	return *lslot(addr);
}

static lk *get_lk(uintptr_t addr)
{
	lk **p = lslot(addr);
	if (*p)
		return *p;
	lk *l = spare;
	if (l) {
		spare = l->next;
		nspare--;
		l->next = NULL;
	} else {
		l = pv_alloc(sizeof *l);
	}
	l->addr = addr;
	l->writer = -1;
	*p = l;
	__atomic_store_n(&nlocks_hint, nlocks_hint + 1, __ATOMIC_RELAXED);
	return l;
}

static void free_lk(lk *l)
{
	__atomic_store_n(&nlocks_hint, nlocks_hint - 1, __ATOMIC_RELAXED);
	if (nspare < MAX_SPARE) {
		/* Kept with its reader array: the next lock taken reuses both. */
		l->wdepth = 0;
		l->nreaders = 0;
		l->next = spare;
		spare = l;
		nspare++;
		return;
	}
	pv_free(l->readers);
	pv_free(l);
}

static int reader_index(const lk *l, int tid)
{
	for (int i = 0; i < l->nreaders; i++)
		if (l->readers[i].tid == tid)
			return i;
	return -1;
}

/* ---- Who waits for whom ---- */

static int is_lock_wait(pv_wait_kind k)
{
	return k == PV_WAIT_MUTEX || k == PV_WAIT_RDLOCK || k == PV_WAIT_WRLOCK || k == PV_WAIT_LOCK;
}

/* t will leave its wait, cancelled. */
static int leaves(const thr *t)
{
	if (!t->cancel_pending || t->cancel_disabled)
		return 0;
	return t->cancel_async || t->kind == PV_WAIT_JOIN || t->kind == PV_WAIT_COND ||
	       t->kind == PV_WAIT_SEM;
}

/* Blocked, and not about to leave its wait. */
static int stuck(const thr *t)
{
	return t->kind != PV_WAIT_NONE && !leaves(t);
}

/* The i-th thread t certainly waits for, -1 past the last. A reader does
 * not wait for other readers; a writer waits for every holder. */
static int target(const thr *t, int i)
{
	if (t->kind == PV_WAIT_JOIN)
		return i == 0 ? (int)t->object : -1;
	if (!is_lock_wait(t->kind))
		return -1;
	const lk *l = find_lk(t->object);
	if (!l)
		return -1;
	if (l->writer >= 0 && i-- == 0)
		return l->writer;
	if (t->kind == PV_WAIT_RDLOCK || i >= l->nreaders)
		return -1;
	return l->readers[i].tid;
}

/* Depth-first over wait-for edges from root. With any, a way back to any
 * thread on the path is a cycle (marks then persist across roots, so a
 * whole check is one pass); without, only a way back to root counts.
 * Returns the cycle's length; it is path[*start ..]. */
static int find_cycle_from(thr *root, int any, int *start)
{
	if (pathcap < (size_t)nthreads + 1) {
		pathcap = 2 * (size_t)nthreads + 16;
		path = pv_realloc(path, pathcap * sizeof *path);
	}
	size_t sp = 0;
	root->gen = gen;
	root->onpath = 1;
	path[sp++] = (frame){ root, 0 };
	while (sp) {
		frame *f = &path[sp - 1];
		int tid = target(f->t, f->i++);
		if (tid < 0) {
			f->t->onpath = 0;
			sp--;
			continue;
		}
		thr *n = find_thr(tid);
		if (!n || !stuck(n))
			continue;
		if (n->gen == gen) {
			if (n->onpath && (any || n == root)) {
				size_t k = sp - 1;
				while (path[k].t != n)
					k--;
				*start = (int)k;
				return (int)(sp - k);
			}
			continue;
		}
		n->gen = gen;
		n->onpath = 1;
		path[sp++] = (frame){ n, 0 };
	}
	return 0;
}

static void describe(const thr *t, pv_wg_waiter *w)
{
	*w = (pv_wg_waiter){ .tid = t->tid, .kind = t->kind, .object = t->object, .site = t->site };
	for (int tid; w->nholders < PV_WG_MAX_HOLDERS && (tid = target(t, w->nholders)) >= 0;)
		w->holders[w->nholders++] = tid;
}

/* The cycle at path[start..start+len) first, then every other blocked
 * thread. */
static void fill(pv_wg_deadlock *out, int start, int len)
{
	out->nblocked = out->ncycle = out->n = 0;
	listed_stamp++;
	for (int i = 0; i < len && out->n < PV_WG_MAX_WAITERS; i++) {
		thr *t = path[start + i].t;
		t->listed = listed_stamp;
		describe(t, &out->w[out->n++]);
	}
	out->ncycle = out->n;
	for (thr *t = first; t; t = t->next) {
		if (!stuck(t))
			continue;
		out->nblocked++;
		if (t->listed != listed_stamp && out->n < PV_WG_MAX_WAITERS)
			describe(t, &out->w[out->n++]);
	}
}

static int cycle_through(thr *t, pv_wg_deadlock *out)
{
	if ((!is_lock_wait(t->kind) && t->kind != PV_WAIT_JOIN) || leaves(t))
		return 0;
	int start, len;
	gen++;
	if (!(len = find_cycle_from(t, 0, &start)))
		return 0;
	fill(out, start, len);
	reported = 1;
	reported_epoch = epoch;
	return 1;
}

/* ---- The API ---- */

void pv_wg_thread_alive(int tid)
{
	pv_lock_acquire(&glock);
	get_thr(tid);
	epoch++;
	pv_lock_release(&glock);
}

void pv_wg_thread_gone(int tid)
{
	pv_lock_acquire(&glock);
	thr *t = find_thr(tid);
	if (t)
		drop_thr(t);
	epoch++;
	pv_lock_release(&glock);
}

void pv_wg_cancel_mode(int tid, int disabled, int async)
{
	pv_lock_acquire(&glock);
	thr *t = find_thr(tid);
	if (t) {
		t->cancel_disabled = disabled != 0;
		t->cancel_async = async != 0;
	}
	epoch++;
	pv_lock_release(&glock);
}

void pv_wg_cancel_sent(int tid)
{
	pv_lock_acquire(&glock);
	thr *t = find_thr(tid);
	if (t)
		t->cancel_pending = 1;
	epoch++;
	pv_lock_release(&glock);
}

int pv_wg_live(void)
{
	pv_lock_acquire(&glock);
	int n = nthreads;
	pv_lock_release(&glock);
	return n;
}

int pv_wg_unblocked(int tid, uint64_t *ep)
{
	int n = 0;
	pv_lock_acquire(&glock);
	for (thr *t = first; t; t = t->next)
		n += t->tid != tid && t->kind == PV_WAIT_NONE;
	*ep = epoch;
	pv_lock_release(&glock);
	return n;
}

int pv_wg_wait_begin(int tid, pv_wait_kind kind, uintptr_t object, pv_site site,
		     pv_wg_deadlock *cycle)
{
	pv_lock_acquire(&glock);
	thr *t = get_thr(tid);
	t->kind = kind;
	t->object = object;
	t->site = site;
	epoch++;
	int r = cycle ? cycle_through(t, cycle) : 0;
	pv_lock_release(&glock);
	return r;
}

void pv_wg_wait_end(int tid)
{
	pv_lock_acquire(&glock);
	thr *t = find_thr(tid);
	if (t)
		t->kind = PV_WAIT_NONE;
	epoch++;
	pv_lock_release(&glock);
}

int pv_wg_find_cycle(int tid, pv_wg_deadlock *out)
{
	pv_lock_acquire(&glock);
	thr *t = find_thr(tid);
	int r = t ? cycle_through(t, out) : 0;
	pv_lock_release(&glock);
	return r;
}

void pv_wg_owner_acquire(int tid, uintptr_t lock, pv_lock_mode mode)
{
	pv_lock_acquire(&glock);
	lk *l = get_lk(lock);
	if (mode == PV_LOCK_EXCL) {
		if (l->writer == tid) {
			l->wdepth++;
		} else {
			l->writer = tid;
			l->wdepth = 1;
		}
	} else {
		int i = reader_index(l, tid);
		if (i >= 0) {
			l->readers[i].depth++;
		} else {
			if (l->nreaders == l->capreaders) {
				l->capreaders = l->capreaders ? 2 * l->capreaders : 4;
				l->readers = pv_realloc(l->readers,
							(size_t)l->capreaders * sizeof *l->readers);
			}
			l->readers[l->nreaders++] = (reader){ tid, 1 };
		}
	}
	epoch++;
	pv_lock_release(&glock);
}

void pv_wg_owner_release(int tid, uintptr_t lock)
{
	pv_lock_acquire(&glock);
	lk **p = lslot(lock), *l = *p;
	if (l) {
		int i;
		if (l->writer == tid) {
			if (!--l->wdepth)
				l->writer = -1;
		} else if ((i = reader_index(l, tid)) >= 0) {
			if (!--l->readers[i].depth)
				l->readers[i] = l->readers[--l->nreaders];
		} else {
			/* Unlocked by a thread that does not own it: the lock
			 * is free now whatever we believed. */
			l->writer = -1;
		}
		if (l->writer < 0 && !l->nreaders) {
			*p = l->next;
			free_lk(l);
		}
	}
	epoch++;
	pv_lock_release(&glock);
}

int pv_wg_holders(uintptr_t lock, int *tids, int max)
{
	int n = 0;
	pv_lock_acquire(&glock);
	lk *l = find_lk(lock);
	if (l) {
		if (l->writer >= 0 && n < max)
			tids[n] = l->writer;
		n += l->writer >= 0;
		for (int i = 0; i < l->nreaders; i++, n++)
			if (n < max)
				tids[n] = l->readers[i].tid;
	}
	pv_lock_release(&glock);
	return n;
}

int pv_wg_held_by_others(int tid, uintptr_t *out, int *holders, int max)
{
	int n = 0;
	pv_lock_acquire(&glock);
	for (size_t b = 0; b < LBUCKETS && nlocks_hint; b++)
		for (lk *l = locks[b]; l; l = l->next) {
			int who = l->writer >= 0 && l->writer != tid ? l->writer : -1;
			for (int i = 0; who < 0 && i < l->nreaders; i++)
				if (l->readers[i].tid != tid)
					who = l->readers[i].tid;
			if (who < 0)
				continue;
			if (n < max) {
				out[n] = l->addr;
				holders[n] = who;
			}
			n++;
		}
	pv_lock_release(&glock);
	return n;
}

static int forget_in_bucket(size_t b, uintptr_t start, uintptr_t end)
{
	int n = 0;
	for (lk **p = &locks[b]; *p;) {
		lk *l = *p;
		if (l->addr >= start && l->addr < end) {
			*p = l->next;
			free_lk(l);
			n++;
		} else {
			p = &l->next;
		}
	}
	return n;
}

void pv_wg_forget(uintptr_t addr, size_t size)
{
	if (!size || !__atomic_load_n(&nlocks_hint, __ATOMIC_RELAXED))
		return;
	uintptr_t end = addr + size < addr ? UINTPTR_MAX : addr + size;
	int n = 0;
	pv_lock_acquire(&glock);
	uintptr_t c0 = addr >> CHUNK_SHIFT, c1 = (end - 1) >> CHUNK_SHIFT;
	if (c1 - c0 < LBUCKETS)
		for (uintptr_t c = c0;; c++) {
			n += forget_in_bucket(lbucket(c << CHUNK_SHIFT), addr, end);
			if (c == c1)
				break;
		}
	else
		for (size_t b = 0; b < LBUCKETS; b++)
			n += forget_in_bucket(b, addr, end);
	if (n)
		epoch++;
	pv_lock_release(&glock);
}

static int all_blocked(int (*endable)(pv_wait_kind))
{
	if (!first)
		return 0;
	for (thr *t = first; t; t = t->next)
		if (!stuck(t) || (endable && endable(t->kind)))
			return 0;
	return 1;
}

int pv_wg_check(uint64_t now_ms, uint64_t threshold_ms, pv_wg_deadlock *out)
{
	return pv_wg_check_with(now_ms, threshold_ms, NULL, out);
}

int pv_wg_check_with(uint64_t now_ms, uint64_t threshold_ms, int (*endable)(pv_wait_kind),
		     pv_wg_deadlock *out)
{
	int r = 0;
	pv_lock_acquire(&glock);
	if (!all_blocked(endable)) {
		stalled = 0;
		goto done;
	}
	if (!stalled || stall_epoch != epoch) {
		stalled = 1;
		stall_epoch = epoch;
		stall_since = now_ms;
	}
	if ((reported && reported_epoch == epoch) || now_ms - stall_since < threshold_ms ||
	    now_ms < stall_since)
		goto done;
	/* Everyone is stuck: name a cycle among them if there is one. */
	int start = 0, len = 0;
	gen++;
	for (thr *t = first; t && !len; t = t->next)
		if (t->gen != gen)
			len = find_cycle_from(t, 1, &start);
	fill(out, start, len);
	reported = 1;
	reported_epoch = epoch;
	r = 1;
done:
	pv_lock_release(&glock);
	return r;
}

static void clear_locks(void)
{
	for (size_t b = 0; b < LBUCKETS; b++)
		while (locks[b]) {
			lk *l = locks[b];
			locks[b] = l->next;
			free_lk(l);
		}
}

static void clear_threads_but(int keep)
{
	for (thr *t = first, *next; t; t = next) {
		next = t->next;
		if (t->tid != keep)
			drop_thr(t);
	}
}

void pv_wg_reset(void)
{
	pv_lock_acquire(&glock);
	clear_threads_but(-1);
	clear_locks();
	stalled = reported = 0;
	epoch++;
	pv_lock_release(&glock);
}

void pv_wg_fork_prepare(void)
{
	pv_lock_acquire(&glock);
}

void pv_wg_fork_parent(void)
{
	pv_lock_release(&glock);
}

void pv_wg_fork_child(int tid)
{
	pv_lock_reset(&glock);
	clear_threads_but(tid);
	get_thr(tid)->kind = PV_WAIT_NONE;
	stalled = reported = 0;
	epoch++;
}
