#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "access.h"
#include "base.h"
#include "fd.h"
#include "heap.h"
#include "race.h"
#include "report.h"
#include "session.h"
#include "shadow.h"
#include "stack.h"
#include "sync.h"
#include "xmap.h"

/* One report per pair of source locations in the whole session: pairs of
 * pcs this process saw are dropped without symbolizing; new pcs are
 * symbolized and their pair of file:line is looked up in a set every
 * process shares, so a race two processes both see (each with the other's
 * access as the previous one) is reported once. */
#define NSEEN 4096
#define NLINES 16384

typedef struct {
	uint64_t a, b;
} pair;

static pv_lock seen_lock;
static pair seen_pcs[NSEEN];
static uint64_t local_lines[NLINES];

static uint64_t line_key(uintptr_t pc)
{
	pv_frame f;
	if (pv_symbolize(pc, &f) || !f.line)
		return pc;
	uint64_t h = 1469598103934665603ull;
	for (const char *s = f.file; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ (uint64_t)f.line * 0x9e3779b97f4a7c15ull) | 1;
}

/* Insert the unordered pair into set; 1 if it was new. Under seen_lock. */
static int insert(pair *set, uint64_t x, uint64_t y)
{
	pair p = x < y ? (pair){ x, y } : (pair){ y, x };
	uint64_t h = (p.a * 31 + p.b) * 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < NSEEN; i++) {
		pair *s = &set[((h >> 52) + i) & (NSEEN - 1)];
		if (s->a == p.a && s->b == p.b)
			return 0;
		if (!s->a && !s->b) {
			*s = p;
			return 1;
		}
	}
	return 1; /* full: report rather than lose a race */
}

/* The session's set of line pairs (this process's own without a session). */
static uint64_t *line_set(void)
{
	static uint64_t *set;
	if (!set) {
		set = pv_session_active() ? pv_session_region(PV_REGION_RACE_LINES,
							       NLINES * sizeof *set) : NULL;
		if (!set)
			set = local_lines;
	}
	return set;
}

/* Insert the unordered pair of line keys, as one hash; 1 if it was new.
 * Lock-free: other processes insert too. */
static int insert_lines(uint64_t x, uint64_t y)
{
	uint64_t *set = line_set();
	uint64_t key = pv_mix64(pv_mix64(x < y ? x : y) ^ (x < y ? y : x)) | 1;
	for (unsigned i = 0; i < NLINES; i++) {
		uint64_t *s = &set[(key + i) & (NLINES - 1)];
		uint64_t k = __atomic_load_n(s, __ATOMIC_ACQUIRE);
		if (!k && __atomic_compare_exchange_n(s, &k, key, 0, __ATOMIC_ACQ_REL,
						      __ATOMIC_ACQUIRE))
			return 1;
		if (k == key)
			return 0;
	}
	return 1; /* full: report rather than lose a race */
}

static int first_report_of(uintptr_t pc, uintptr_t old_pc)
{
	pv_lock_acquire(&seen_lock);
	int fresh = insert(seen_pcs, pc, old_pc) && insert_lines(line_key(pc), line_key(old_pc));
	pv_lock_release(&seen_lock);
	return fresh;
}

/* Benign ranges: appended under benign_lock, read without it. A full
 * table moves to a larger one; old ones are kept, so a reader that loaded
 * the count first always finds that many entries behind the pointer. */
typedef struct {
	uintptr_t lo, hi;
} range;

static pv_lock benign_lock;
static range *benign_v;
static size_t benign_n, benign_cap;

void pv_race_benign(uintptr_t addr, size_t size)
{
	uintptr_t hi = size > UINTPTR_MAX - addr ? UINTPTR_MAX : addr + size;
	if (!size)
		return;
	pv_lock_acquire(&benign_lock);
	for (size_t i = 0; i < benign_n; i++)
		if (benign_v[i].lo == addr && benign_v[i].hi == hi) {
			pv_lock_release(&benign_lock);
			return;
		}
	if (benign_n == benign_cap) {
		size_t cap = benign_cap ? 2 * benign_cap : 64;
		range *v = pv_alloc(cap * sizeof *v);
		if (benign_n)
			pv_memcpy(v, benign_v, benign_n * sizeof *v);
		__atomic_store_n(&benign_v, v, __ATOMIC_RELEASE);
		benign_cap = cap;
	}
	benign_v[benign_n] = (range){ addr, hi };
	__atomic_store_n(&benign_n, benign_n + 1, __ATOMIC_RELEASE);
	pv_lock_release(&benign_lock);
}

static int benign(uintptr_t lo, uintptr_t hi)
{
	size_t n = __atomic_load_n(&benign_n, __ATOMIC_ACQUIRE);
	const range *v = __atomic_load_n(&benign_v, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < n; i++)
		if (v[i].lo < hi && lo < v[i].hi)
			return 1;
	return 0;
}

static const char *access_name(int is_write, int is_atomic)
{
	if (is_atomic)
		return is_write ? "atomic write" : "atomic read";
	return is_write ? "write" : "read";
}

static void add_thread(pv_report *r, const pv_thread *t)
{
	if (!t)
		return;
	for (int i = 0; i < r->nthreads; i++)
		if (r->threads[i].tid == t->tid)
			return;
	if (r->nthreads < PV_REPORT_MAX_THREADS)
		pv_thread_describe(t, &r->threads[r->nthreads++]);
}

static void describe_location(pv_report *r, uintptr_t addr)
{
	pv_report_location *l = &r->locs[0];
	uintptr_t start, pc;
	size_t size;
	int tid;
	pv_ctx ctx;
	int fd;
	if (pv_fd_find(addr, &fd, &tid, &ctx, &pc)) {
		l->kind = PV_LOC_FD;
		l->fd = fd;
		l->start = addr;
		l->size = 8;
		l->tid = tid;
		pv_snprintf(l->name, sizeof l->name, "file descriptor %d", fd);
		if (pc)
			pv_ctx_expand(ctx, pc, &l->stack);
	} else if (!pv_heap_find(addr, &start, &size, &tid, &ctx, &pc)) {
		l->kind = PV_LOC_HEAP;
		l->start = start;
		l->size = size;
		l->tid = tid;
		pv_ctx_expand(ctx, pc, &l->stack);
	} else if (!pv_symbolize_data(addr, l->name, sizeof l->name, &start, &size)) {
		l->kind = PV_LOC_GLOBAL;
		l->start = start;
		l->size = size;
		l->tid = -1;
	} else if (pv_xmap_any() &&
		   pv_xmap_describe(addr, l->name, sizeof l->name, &start, &size, &l->offset)) {
		l->kind = PV_LOC_SHARED;
		l->start = start;
		l->size = size;
		l->tid = -1;
	} else {
		pv_thread *owner = pv_thread_by_stack_addr(addr);
		if (!owner)
			return;
		l->kind = PV_LOC_STACK;
		l->start = addr;
		l->tid = owner->tid;
		add_thread(r, owner);
	}
	r->nlocs = 1;
}

/* ---- Locks held at each access ---- */

/* The report's M<id> for lock addr, added (named as the program names it,
 * with where thread tid locked it) when new; -1 when the table is full. */
static int mutex_id(pv_report *r, uintptr_t addr, int tid, pv_site site)
{
	for (int i = 0; i < r->nmutexes; i++)
		if (r->mutexes[i].addr == addr)
			return i;
	if (r->nmutexes == PV_REPORT_MAX_MUTEXES)
		return -1;
	pv_report_mutex *m = &r->mutexes[r->nmutexes];
	uintptr_t pc;
	pv_ctx ctx;
	m->addr = addr;
	if (!pv_symbolize_data(addr, m->name, sizeof m->name, &m->start, &m->size)) {
		m->kind = PV_LOC_GLOBAL;
	} else if (!pv_heap_find(addr, &m->start, &m->size, &m->alloc_tid, &ctx, &pc)) {
		m->kind = PV_LOC_HEAP;
		pv_ctx_expand(ctx, pc, &m->alloc);
	}
	m->tid = tid;
	pv_ctx_expand(site.ctx, site.pc, &m->stack);
	return r->nmutexes++;
}

/* The access of s by thread tid held h (known: else it is no longer known). */
static void describe_held(pv_report *r, pv_report_stack *s, int known, const pv_held_set *h,
			  int tid)
{
	if (!known) {
		s->nmutexes = -1;
		return;
	}
	for (int i = 0; i < h->n && i < PV_HELD_SET_MAX; i++) {
		int id = mutex_id(r, h->addr[i], tid, h->site[i]);
		if (id < 0 || s->nmutexes == PV_REPORT_STACK_MUTEXES)
			break;
		s->mutexes[s->nmutexes++] = (pv_report_held){ id, !h->shared[i] };
	}
	s->more_mutexes = h->n - s->nmutexes;
}

/* Memory that is a mutex, condition variable... says so (either access's
 * address may be the object's: a memset covers it, a lock reads its first byte). */
static void describe_sync(pv_report *r, uintptr_t a, uintptr_t b)
{
	const char *k = pv_sync_kind(a);
	uintptr_t at = a;
	if (!k && b != a)
		k = pv_sync_kind(at = b);
	if (!k || r->nlocs >= PV_REPORT_MAX_LOCS)
		return;
	pv_report_location *l = &r->locs[r->nlocs++];
	l->kind = PV_LOC_SYNC;
	l->start = at;
	l->tid = -1;
	pv_snprintf(l->name, sizeof l->name, "%s", k);
}

/* A use after free: the block, if still remembered, where it was
 * allocated, and that the previous write is its free. */
static void describe_freed(pv_report *r, const pv_heap_freed *fb, int free_tid)
{
	char who[32];
	if (free_tid == 0)
		pv_snprintf(who, sizeof who, "main thread");
	else
		pv_snprintf(who, sizeof who, "thread T%d", free_tid);
	if (!fb) {
		pv_snprintf(r->note, sizeof r->note,
			 "The memory was freed by %s (the previous write is the free).", who);
		return;
	}
	if (r->nlocs == PV_REPORT_MAX_LOCS)
		return;
	pv_report_location *l = &r->locs[r->nlocs++];
	l->kind = PV_LOC_HEAP;
	l->start = fb->start;
	l->size = fb->size;
	l->tid = fb->tid;
	pv_ctx_expand(fb->ctx, fb->pc, &l->stack);
	pv_snprintf(r->note, sizeof r->note,
		 "The heap block of size %zu at %p was freed by %s (the previous write is the free).",
		 fb->size, (void *)fb->start, who);
}

/* The bytes of the previous access: its cell's, or, for a cell that is
 * the union of a loop's accesses, the run of them this access meets. */
static unsigned old_bytes(uint64_t old_meta, uintptr_t addr, unsigned size, unsigned *off)
{
	unsigned mask = PV_CELL_MASK(old_meta);
	if (PV_CELL_MERGED(old_meta)) {
		unsigned cur = PV_CELL_BYTES(addr & (PV_GRANULE - 1), size);
		if (mask & cur)
			mask &= cur;
	}
	*off = (unsigned)__builtin_ctz(mask);
	unsigned run = mask >> *off;
	return (unsigned)__builtin_ctz(~run);
}

void pv_race_found(pv_thread *t, uintptr_t addr, unsigned size, int is_write,
		   int is_atomic, uintptr_t pc, uintptr_t gaddr,
		   uint64_t old_meta, uint64_t old_ctx)
{
	unsigned old_off, old_size = old_bytes(old_meta, addr, size, &old_off);
	uintptr_t old_addr = gaddr + old_off;
	if (benign(addr, addr + size) || benign(old_addr, old_addr + old_size))
		return;
	t->ignore++;
	pv_stack old;
	pv_access_ctx_stack(old_ctx, &old);
	const int freed = PV_CELL_IS_FREED(old_meta);
	/* Before anything here can malloc: the symbolizer may be handed the
	 * freed block, which would then be forgotten. */
	pv_heap_freed fb;
	int freed_known = freed && !pv_heap_find_freed(addr, PV_CELL_FREED_TID(old_meta), &fb);
	/* A free's frame 0 is the interceptor, the same for every free: its
	 * caller tells one free from another. */
	uintptr_t old_pc = freed && old.n > 1 ? old.pc[1] : old.n ? old.pc[0] : 0;
	uintptr_t cur_pc = pc;
	if (t->ctx && t->ctx_func == pc) { /* so is the current access's, when it is free's */
		pv_stack in;
		pv_ctx_expand(t->ctx, 0, &in);
		if (in.n)
			cur_pc = in.pc[0];
	}
	if (!first_report_of(cur_pc, old_pc)) {
		t->ignore--;
		return;
	}
	pv_report *r = pv_alloc(sizeof *r);
	r->kind = PV_REPORT_RACE;
	pv_snprintf(r->headline, sizeof r->headline, freed ? "heap-use-after-free" : "data race");

	pv_report_stack *cur = &r->stacks[0];
	cur->tid = t->tid;
	pv_snprintf(cur->access, sizeof cur->access, "%s", access_name(is_write, is_atomic));
	cur->size = (int)size;
	cur->addr = addr;
	pv_stack_unwind(&cur->stack, pc);
	pv_ctx_trim(t->ctx, &cur->stack);

	pv_report_stack *prev = &r->stacks[1];
	int opid, otid;
	uint32_t oimage;
	int remote = !freed && !pv_session_slot_get_at(PV_CELL_SLOT(old_meta), PV_CELL_EPOCH(old_meta),
						       &opid, &otid, &oimage) && opid != getpid();
	pv_thread *other = remote ? NULL :
		freed_known ? pv_thread_by_slot_epoch(fb.free_slot, fb.free_epoch) :
		freed ? pv_thread_by_tid(PV_CELL_FREED_TID(old_meta)) :
		pv_thread_by_slot_epoch(PV_CELL_SLOT(old_meta), PV_CELL_EPOCH(old_meta));
	if (freed && other && other->tid != PV_CELL_FREED_TID(old_meta))
		other = NULL;
	prev->tid = remote ? otid : other ? other->tid : freed ? PV_CELL_FREED_TID(old_meta) : -1;
	prev->pid = remote ? opid : 0;
	pv_snprintf(prev->access, sizeof prev->access, "%s",
		 access_name(PV_CELL_WRITE(old_meta), PV_CELL_ATOMIC(old_meta)));
	prev->size = (int)old_size;
	prev->addr = old_addr;
	if (remote) {
		/* Another program's pcs mean nothing here until found in our own
		 * mappings of the same files. */
		int same_image = oimage == pv_session_image();
		for (int i = 0; !same_image && i < old.n; i++)
			if (pv_session_translate_pc(oimage, old.pc[i], &old.pc[i])) {
				old.n = 0;
				break;
			}
		char who[32];
		if (otid)
			pv_snprintf(who, sizeof who, "thread T%d", otid);
		else
			pv_snprintf(who, sizeof who, "main thread");
		pv_snprintf(prev->title, sizeof prev->title, "Previous %s of size %d at %p by %s of process %d%s",
			 prev->access, prev->size, (void *)prev->addr, who, opid,
			 same_image || old.n ? "" : " (another program: its stack is not known here)");
	} else if (prev->tid == 0)
		pv_snprintf(prev->title, sizeof prev->title, "Previous %s of size %d at %p by main thread",
			 prev->access, prev->size, (void *)prev->addr);
	else
		pv_snprintf(prev->title, sizeof prev->title, "Previous %s of size %d at %p by thread T%d",
			 prev->access, prev->size, (void *)prev->addr, prev->tid);
	prev->stack = old;
	r->nstacks = 2;

	pv_held_set held;
	pv_thread_held_now(t, &held);
	describe_held(r, cur, 1, &held, t->tid);
	pv_epoch old_epoch = freed_known ? fb.free_epoch : PV_CELL_EPOCH(old_meta);
	int known = other && (!freed || freed_known) && !pv_thread_held_at(other, old_epoch, &held);
	describe_held(r, prev, known, &held, prev->tid);

	add_thread(r, t);
	add_thread(r, other);
	/* A live block holding a freed mark was handed out during this report
	 * (the program's own malloc resets shadow): only the freed one is it. */
	if (freed)
		describe_freed(r, freed_known ? &fb : NULL, prev->tid);
	else
		describe_location(r, addr);
	describe_sync(r, addr, prev->addr);
	pv_report_emit(r);
	pv_free(r);
	t->ignore--;
}
