#include "base.h"
#include "sync.h"
#include "xmap.h"

/* Sync objects hang off a fixed hash of buckets, each with its own lock, so
 * unrelated mutexes and atomics never contend on a runtime lock. */
#define NBUCKETS (1u << 16)

typedef struct sync_obj {
	uintptr_t addr;
	struct sync_obj *next;
	pv_vc clock[2];
	const char *kind;   /* set by pthread interceptors; NULL for atomics */
} sync_obj;

typedef struct {
	pv_lock lock;
	sync_obj *head;
} bucket;

static bucket table[NBUCKETS];

/* How many objects live in each 4 KiB page (hashed, so a count may be
 * shared): lets pv_sync_forget skip pages with none, as on almost every free. */
#define NPAGECOUNTS (1u << 16)
static uint32_t page_counts[NPAGECOUNTS];

static inline uint32_t *page_count(uintptr_t addr)
{
	return &page_counts[((uint64_t)(addr >> 12) * 0x9e3779b97f4a7c15ull) >> (64 - 16)];
}

static inline bucket *bucket_of(uintptr_t addr)
{
	uint64_t h = (uint64_t)addr * 0x9e3779b97f4a7c15ull;
	return &table[h >> (64 - 16)];
}

static sync_obj *find(bucket *b, uintptr_t addr)
{
	for (sync_obj *o = b->head; o; o = o->next)
		if (o->addr == addr)
			return o;
	return NULL;
}

static sync_obj *find_or_create(bucket *b, uintptr_t addr)
{
	sync_obj *o = find(b, addr);
	if (o)
		return o;
	o = pv_alloc(sizeof *o);
	o->addr = addr;
	o->next = b->head;
	__atomic_fetch_add(page_count(addr), 1, __ATOMIC_RELAXED);
	__atomic_store_n(&b->head, o, __ATOMIC_RELEASE);
	return o;
}

/* Objects in memory shared with other processes keep their clocks in the session. */
static inline int shared_key(uintptr_t addr, pv_sync_clock which, pv_key *k)
{
	return PV_UNLIKELY(pv_xmap_any()) && pv_xmap_key(addr, (int)which, k);
}

void pv_sync_acquire(pv_thread *t, uintptr_t addr, pv_sync_clock which)
{
	pv_key k;
	if (PV_UNLIKELY(t->ignore_sync))
		return;
	if (shared_key(addr, which, &k)) {
		pv_session_acquire(&t->vc, k);
		return;
	}
	bucket *b = bucket_of(addr);
	if (!__atomic_load_n(&b->head, __ATOMIC_ACQUIRE))
		return;
	pv_lock_acquire(&b->lock);
	sync_obj *o = find(b, addr);
	if (o)
		pv_vc_join(&t->vc, &o->clock[which]);
	pv_lock_release(&b->lock);
}

void pv_sync_release(pv_thread *t, uintptr_t addr, pv_sync_clock which)
{
	pv_key k;
	if (PV_UNLIKELY(t->ignore_sync))
		return;
	if (shared_key(addr, which, &k)) {
		pv_session_release(k, &t->vc);
		pv_thread_tick(t);
		return;
	}
	bucket *b = bucket_of(addr);
	pv_lock_acquire(&b->lock);
	pv_vc_join(&find_or_create(b, addr)->clock[which], &t->vc);
	pv_lock_release(&b->lock);
	pv_thread_tick(t);
}

void pv_sync_release_clock(uintptr_t addr, const pv_vc *c)
{
	pv_key k;
	if (shared_key(addr, PV_CLOCK_MAIN, &k)) {
		pv_session_release(k, c);
		return;
	}
	bucket *b = bucket_of(addr);
	pv_lock_acquire(&b->lock);
	pv_vc_join(&find_or_create(b, addr)->clock[PV_CLOCK_MAIN], c);
	pv_lock_release(&b->lock);
}

void pv_sync_peek_clock(uintptr_t addr, pv_vc *into)
{
	pv_key k;
	if (shared_key(addr, PV_CLOCK_MAIN, &k)) {
		pv_session_acquire(into, k);
		return;
	}
	bucket *b = bucket_of(addr);
	if (!__atomic_load_n(&b->head, __ATOMIC_ACQUIRE))
		return;
	pv_lock_acquire(&b->lock);
	sync_obj *o = find(b, addr);
	if (o)
		pv_vc_join(into, &o->clock[PV_CLOCK_MAIN]);
	pv_lock_release(&b->lock);
}

void pv_sync_rmw(pv_thread *t, uintptr_t addr, const pv_sync_order *o, void (*op)(void *), void *arg)
{
	pv_key k;
	if (shared_key(addr, PV_CLOCK_MAIN, &k)) {
		if (o->rel)
			pv_sync_release(t, addr, PV_CLOCK_MAIN);
		else if (o->lend)
			pv_sync_release_clock(addr, o->lend);
		op(arg);
		if (o->acq)
			pv_sync_acquire(t, addr, PV_CLOCK_MAIN);
		else if (o->peek)
			pv_sync_peek_clock(addr, o->peek);
		return;
	}
	bucket *b = bucket_of(addr);
	pv_lock_acquire(&b->lock);
	sync_obj *s = o->rel || o->lend ? find_or_create(b, addr) : find(b, addr);
	if (o->rel)
		pv_vc_join(&s->clock[PV_CLOCK_MAIN], &t->vc);
	else if (o->lend)
		pv_vc_join(&s->clock[PV_CLOCK_MAIN], o->lend);
	op(arg);
	if (s && o->acq)
		pv_vc_join(&t->vc, &s->clock[PV_CLOCK_MAIN]);
	else if (s && o->peek)
		pv_vc_join(o->peek, &s->clock[PV_CLOCK_MAIN]);
	pv_lock_release(&b->lock);
	if (o->rel)
		pv_thread_tick(t);
}

/* Objects forgotten so far: a thread's memory of the kinds it set is good
 * while this stays the same. */
static uint64_t forgotten;

/* The kinds this thread set last: a lock's every use names it again. */
#define KIND_CACHE 8
static __thread struct {
	uintptr_t addr;
	const char *kind;
	uint64_t gen;
} kind_cache[KIND_CACHE];

void pv_sync_set_kind(uintptr_t addr, const char *kind)
{
	unsigned i = (unsigned)(addr >> 3) % KIND_CACHE;
	uint64_t gen = __atomic_load_n(&forgotten, __ATOMIC_ACQUIRE);
	if (kind_cache[i].addr == addr && kind_cache[i].kind == kind && kind_cache[i].gen == gen)
		return;
	kind_cache[i].addr = addr;
	kind_cache[i].kind = kind;
	kind_cache[i].gen = gen;
	bucket *b = bucket_of(addr);
	pv_lock_acquire(&b->lock);
	find_or_create(b, addr)->kind = kind;
	pv_lock_release(&b->lock);
}

const char *pv_sync_kind(uintptr_t addr)
{
	bucket *b = bucket_of(addr);
	if (!__atomic_load_n(&b->head, __ATOMIC_ACQUIRE))
		return NULL;
	pv_lock_acquire(&b->lock);
	sync_obj *o = find(b, addr);
	const char *k = o ? o->kind : NULL;
	pv_lock_release(&b->lock);
	return k;
}

static void forget_in(bucket *b, uintptr_t lo, uintptr_t hi)
{
	if (!__atomic_load_n(&b->head, __ATOMIC_ACQUIRE))
		return;
	pv_lock_acquire(&b->lock);
	for (sync_obj **p = &b->head; *p;) {
		sync_obj *o = *p;
		if (o->addr >= lo && o->addr < hi) {
			*p = o->next;
			pv_vc_free(&o->clock[0]);
			pv_vc_free(&o->clock[1]);
			__atomic_fetch_sub(page_count(o->addr), 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&forgotten, 1, __ATOMIC_RELEASE);
			pv_free(o);
		} else {
			p = &o->next;
		}
	}
	pv_lock_release(&b->lock);
}

void pv_sync_forget(uintptr_t addr, size_t size)
{
	uintptr_t end = size > UINTPTR_MAX - addr ? UINTPTR_MAX : addr + size;
	for (uintptr_t page = addr & ~(uintptr_t)4095; page < end; page += 4096) {
		if (!__atomic_load_n(page_count(page), __ATOMIC_RELAXED))
			continue;
		uintptr_t lo = page > addr ? page : addr;
		uintptr_t hi = end - page > 4096 ? page + 4096 : end;
		/* Every address: an atomic may be a single byte. */
		for (uintptr_t a = lo; a < hi; a++)
			forget_in(bucket_of(a), lo, hi);
	}
}

void pv_sync_fork_prepare(void)
{
	for (unsigned i = 0; i < NBUCKETS; i++)
		pv_lock_acquire(&table[i].lock);
}

void pv_sync_fork_parent(void)
{
	for (unsigned i = 0; i < NBUCKETS; i++)
		pv_lock_release(&table[i].lock);
}

void pv_sync_fork_child(void)
{
	for (unsigned i = 0; i < NBUCKETS; i++)
		pv_lock_reset(&table[i].lock);
}
