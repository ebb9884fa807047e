#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "access.h"
#include "base.h"
#include "race.h"
#include "schedule.h"
#include "shadow.h"
#include "site.h"

#define KIND_BITS (PV_CELL_MAKE(0xff, 1, 0, 0, 0) | PV_CELL_MERGED_BIT)

/* Which cell to give up when none is free, none is this access's own and
 * none is ordered before it with nothing more to tell: the one whose loss
 * hides the fewest races to come. Bytes this access does not cover are
 * kept best; then cells it is not ordered after (those it is stands for
 * against any later access, for the bytes it covers); an atomic cell
 * conflicts only with plain accesses, a read only with writes. */
static int evictee(const pv_thread *t, const uint64_t *seen, unsigned mask, uint64_t epoch,
		   uintptr_t gaddr)
{
	int best = -1, best_score = 0;
	for (int i = 0; i < PV_SHADOW_CELLS; i++) {
		uint64_t m = seen[i];
		if (PV_CELL_IS_FREED(m)) /* the freed mark stays for every later access */
			continue;
		uint32_t slot = PV_CELL_SLOT(m);
		int ordered = slot == t->slot || pv_vc_covers(&t->vc, slot, PV_CELL_EPOCH(m));
		int score = (PV_CELL_ATOMIC(m) ? 0 : 2) + (int)PV_CELL_WRITE(m) +
			    ((PV_CELL_MASK(m) & ~mask) ? 8 : ordered ? 0 : 4);
		if (best < 0 || score < best_score ||
		    (score == best_score && ((epoch ^ (gaddr >> 3)) & 1)))
			best = i, best_score = score;
	}
	return best;
}

/* A cell between two accesses: its site is being written. It overlaps no
 * access, and no store starts from it, so only its taker writes it. */
#define CELL_BUSY PV_CELL_MAKE(0, 0, 0, PV_FREED_SLOT, 0)

/* Replace cell c, seen holding old, and its site. Each store starts with a
 * compare-and-swap from what was seen: two threads that chose one cell at
 * once must not both take it, or the accesses of a counter++ in two threads
 * at once can each miss the other, and a cell's kind and site could come
 * from two accesses. With a new site, the cell is busy while it is written.
 * 0 when another thread changed the cell first. */
static inline int cell_store(pv_cell *c, uint32_t *site, uint64_t old, uint64_t meta, uint32_t id)
{
	if (__atomic_load_n(site, __ATOMIC_RELAXED) == id) {
		/* The thread's own access at the same site, grown or renewed (a
		 * loop over bytes): a plain store. Another thread that took the
		 * cell meanwhile either stores after it, or has left its site
		 * beside this kind: the cell is then given up. */
		if (old && PV_CELL_SLOT(old) == PV_CELL_SLOT(meta) && old != CELL_BUSY) {
			__atomic_store_n(c, meta, __ATOMIC_RELEASE);
			if (PV_UNLIKELY(__atomic_load_n(site, __ATOMIC_ACQUIRE) != id))
				__atomic_compare_exchange_n(c, &meta, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
			return 1;
		}
		return __atomic_compare_exchange_n(c, &old, meta, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	}
	if (!__atomic_compare_exchange_n(c, &old, CELL_BUSY, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	__atomic_store_n(site, id, __ATOMIC_RELAXED);
	__atomic_store_n(c, meta, __ATOMIC_RELEASE);
	return 1;
}

/* A cell, once its taker has written it: it holds the access that may race
 * with this one. The taker may be slow (a page fault on its site's first
 * touch, preemption): spin a little, then give the processor away; give up
 * only after long (a handler that interrupted the taker itself). */
static inline uint64_t busy_wait(const pv_cell *c)
{
	uint64_t m = __atomic_load_n(c, __ATOMIC_ACQUIRE);
	for (int spins = 0; PV_UNLIKELY(m == CELL_BUSY) && spins < 20000; spins++) {
		if (spins < 128) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		} else {
			syscall(SYS_sched_yield);
		}
		m = __atomic_load_n(c, __ATOMIC_ACQUIRE);
	}
	return m;
}

/* The site stored with meta m: the two are read apart, so check that the
 * cell did not change meanwhile. */
static int site_of(const pv_cell *c, const uint32_t *site, uint64_t m, uint64_t *ctx)
{
	uint32_t id = __atomic_load_n(site, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(c, __ATOMIC_ACQUIRE) != m)
		return 0;
	*ctx = pv_site_ctx(id);
	return 1;
}

/* The rest of the check, out of line: compare with every cell, report
 * races, remember the access. */
static __attribute__((noinline)) void
access_slow(pv_thread *t, uintptr_t addr, unsigned mask, int kind, uintptr_t pc)
{
	const int is_write = kind & 1, is_atomic = kind >> 1;
	pv_cell *cells = pv_shadow_cells(addr);
	const uint32_t slot = t->slot;
	const pv_epoch epoch = pv_thread_epoch(t);
	uint64_t want = PV_CELL_MAKE(mask, is_write, is_atomic, slot, epoch);
	const uintptr_t gaddr = addr & ~(uintptr_t)(PV_GRANULE - 1);
	uint32_t *sites = pv_shadow_sites(cells, addr);
	const uint32_t id = pv_site_intern(pv_access_ctx(t, pc));
	uint64_t seen[PV_SHADOW_CELLS];
	int tries = 0;
	if (PV_UNLIKELY(pv_sched_active) && !is_atomic)
		pv_sched_access(t, addr, is_write, pc);
again:;
	int store = -1, own = -1, merge = -1, subsumed = -1;
	for (int i = 0; i < PV_SHADOW_CELLS; i++) {
		uint64_t m = seen[i] = busy_wait(&cells[i]);
		if (m == 0) {
			if (store < 0)
				store = i;
			continue;
		}
		unsigned mmask = PV_CELL_MASK(m);
		/* The old access tells nothing the new one won't: it may go. */
		int weaker = !(mmask & ~mask) && (is_write || !PV_CELL_WRITE(m)) &&
			     (!is_atomic || PV_CELL_ATOMIC(m));
		if (PV_CELL_SLOT(m) == slot) {
			int alike = PV_CELL_EPOCH(m) == epoch && PV_CELL_ATOMIC(m) == (unsigned)is_atomic &&
				    PV_CELL_WRITE(m) == (unsigned)is_write;
			if (alike && !(mask & ~mmask))
				return; /* already remembered */
			if (weaker && own < 0)
				own = i;
			/* More bytes of one loop: one cell for them all. */
			else if (alike && merge < 0 && __atomic_load_n(&sites[i], __ATOMIC_RELAXED) == id)
				merge = i;
			continue;
		}
		if (!(mask & mmask) || (!is_write && !PV_CELL_WRITE(m)) || (is_atomic && PV_CELL_ATOMIC(m)))
			continue;
		if (pv_vc_covers(&t->vc, PV_CELL_SLOT(m), PV_CELL_EPOCH(m))) {
			if (weaker && subsumed < 0)
				subsumed = i;
			continue;
		}
		uint64_t mctx;
		if (!site_of(&cells[i], &sites[i], m, &mctx))
			continue; /* overwritten while we looked: a newer access */
		pv_race_found(t, addr, __builtin_popcount(mask), is_write, is_atomic, pc, gaddr, m, mctx);
	}
	if (own >= 0)
		store = own;
	else if (merge >= 0) {
		store = merge;
		want |= seen[merge] | PV_CELL_MERGED_BIT;
	} else if (store < 0 && subsumed >= 0) {
		store = subsumed;
	} else if (store < 0) {
		store = evictee(t, seen, mask, epoch, gaddr);
		/* More threads read the granule at once than it has cells: each
		 * read would push out another's and every core would write the
		 * line. One in eight takes a cell; the loop that reads again soon
		 * has its read remembered still. (A read this one is ordered
		 * after tells nothing more: it goes at once.) */
		if (store >= 0 && !is_write && !PV_CELL_WRITE(seen[store]) &&
		    PV_CELL_SLOT(seen[store]) != slot &&
		    !pv_vc_covers(&t->vc, PV_CELL_SLOT(seen[store]), PV_CELL_EPOCH(seen[store])) &&
		    (++t->read_evictions & 7))
			return;
	}
	if (store >= 0 && !cell_store(&cells[store], &sites[store], seen[store], want, id) &&
	    ++tries < 4)
		goto again;
}

/* Inlined into every entry point: the common case costs no call. It is
 * that this thread already did this access, or one of its kind that covers
 * it, or a write of the same bytes where it now reads, in this epoch;
 * everything since was checked against that cell. (A read of part of what
 * the thread wrote is checked: it may race with a write the thread's own
 * came after, which makes a report of its own.) */
static inline __attribute__((always_inline)) void
access_granule(pv_thread *t, uintptr_t addr, unsigned mask, int is_write, int is_atomic,
	       uintptr_t pc)
{
	/* Nothing but the check itself here, and a tail call: no registers to
	 * save on the way. Shadow not mapped yet is the slow path's. */
	pv_cell *cells = pv_shadow_cells_mapped(addr);
	if (PV_LIKELY(cells)) {
		const uint64_t want = PV_CELL_MAKE(mask, is_write, is_atomic, t->slot, pv_thread_epoch(t));
		const uint64_t write_bit = PV_CELL_MAKE(0, 1, 0, 0, 0);
		for (int i = 0; i < PV_SHADOW_CELLS; i++) {
			uint64_t m = __atomic_load_n(&cells[i], __ATOMIC_RELAXED);
			uint64_t d = m ^ want;
			if ((!(d & ~(KIND_BITS & ~write_bit)) && !(want & ~m & 0xff)) ||
			    (d == write_bit && (m & write_bit)))
				return;
		}
	}
	access_slow(t, addr, mask, is_write | is_atomic << 1, pc);
}

/* Accesses the thread does not check now (inside the runtime, or left out
 * by the program's annotations): one load when none is. */
static inline __attribute__((always_inline)) int skipped(const pv_thread *t, int is_write)
{
	return PV_UNLIKELY(t->ignore_any) && pv_thread_ignores(t, is_write);
}

void pv_access(pv_thread *t, uintptr_t addr, unsigned size, int is_write,
	       int is_atomic, uintptr_t pc)
{
	if (skipped(t, is_write))
		return;
	access_granule(t, addr, PV_CELL_BYTES(addr & (PV_GRANULE - 1), size), is_write, is_atomic, pc);
}

/* [addr, addr+size): one check per granule it touches. */
static inline __attribute__((always_inline)) void
access_span(pv_thread *t, uintptr_t addr, size_t size, int is_write, uintptr_t pc)
{
	while (size) {
		unsigned off = addr & (PV_GRANULE - 1);
		size_t n = PV_GRANULE - off < size ? PV_GRANULE - off : size;
		access_granule(t, addr, PV_CELL_BYTES(off, n), is_write, 0, pc);
		addr += n;
		size -= n;
	}
}

/* An access across granules: out of the entry points' way. */
static __attribute__((noinline)) void access_straddling(pv_thread *t, uintptr_t addr, size_t size,
							 int is_write, uintptr_t pc)
{
	access_span(t, addr, size, is_write, pc);
}

void pv_access_range(pv_thread *t, uintptr_t addr, size_t size, int is_write,
		     uintptr_t pc)
{
	if (skipped(t, is_write))
		return;
	access_span(t, addr, size, is_write, pc);
}

void pv_access_ctx_stack(uint64_t ctx, pv_stack *st)
{
	if (ctx & PV_CTX_ABS) {
		st->n = 1;
		st->pc[0] = (uintptr_t)(ctx & ~PV_CTX_ABS);
		return;
	}
	pv_ctx c = (pv_ctx)ctx;
	int32_t d = (int32_t)(ctx >> 32);
	pv_ctx_expand(c, pv_ctx_func(c) + (intptr_t)d, st);
}

/* Entry points of instrumented code. */

#define PC ((uintptr_t)__builtin_return_address(0))

static inline __attribute__((always_inline)) void
access_at(uintptr_t a, unsigned size, int is_write, uintptr_t pc)
{
	pv_thread *t = pv_cur();
	if (PV_UNLIKELY(!t) || skipped(t, is_write))
		return;
	unsigned off = a & (PV_GRANULE - 1);
	if (PV_LIKELY(off + size <= PV_GRANULE))
		access_granule(t, a, PV_CELL_BYTES(off, size), is_write, 0, pc);
	else
		access_straddling(t, a, size, is_write, pc);
}

#define ACCESS_ENTRIES(N)                                                                    \
	void __tsan_read##N(void *a) { access_at((uintptr_t)a, N, 0, PC); }                  \
	void __tsan_write##N(void *a) { access_at((uintptr_t)a, N, 1, PC); }                 \
	void __tsan_unaligned_read##N(void *a) { access_at((uintptr_t)a, N, 0, PC); }        \
	void __tsan_unaligned_write##N(void *a) { access_at((uintptr_t)a, N, 1, PC); }       \
	void __tsan_volatile_read##N(void *a) { access_at((uintptr_t)a, N, 0, PC); }         \
	void __tsan_volatile_write##N(void *a) { access_at((uintptr_t)a, N, 1, PC); }        \
	void __tsan_unaligned_volatile_read##N(void *a) { access_at((uintptr_t)a, N, 0, PC); } \
	void __tsan_unaligned_volatile_write##N(void *a) { access_at((uintptr_t)a, N, 1, PC); } \
	void __tsan_read##N##_pc(void *a, void *pc) { access_at((uintptr_t)a, N, 0, (uintptr_t)pc); } \
	void __tsan_write##N##_pc(void *a, void *pc) { access_at((uintptr_t)a, N, 1, (uintptr_t)pc); }

ACCESS_ENTRIES(1)
ACCESS_ENTRIES(2)
ACCESS_ENTRIES(4)
ACCESS_ENTRIES(8)
ACCESS_ENTRIES(16)

void __tsan_read_range(void *a, unsigned long size)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_access_range(t, (uintptr_t)a, size, 0, PC);
}

void __tsan_write_range(void *a, unsigned long size)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_access_range(t, (uintptr_t)a, size, 1, PC);
}

void __tsan_read_range_pc(void *a, unsigned long size, void *pc)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_access_range(t, (uintptr_t)a, size, 0, (uintptr_t)pc);
}

void __tsan_write_range_pc(void *a, unsigned long size, void *pc)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_access_range(t, (uintptr_t)a, size, 1, (uintptr_t)pc);
}

/* C++ virtual-table pointers; C never emits these but a mixed program may. */
void __tsan_vptr_read(void **vptr_p)
{
	access_at((uintptr_t)vptr_p, 8, 0, PC);
}

void __tsan_vptr_update(void **vptr_p, void *new_val)
{
	if (*vptr_p != new_val)
		access_at((uintptr_t)vptr_p, 8, 1, PC);
}

/* free: a write of the whole block, as ThreadSanitizer's, that leaves a
 * freed mark (shadow.h) so that any later access is a use after free. Only
 * granules with history can race, so only they are checked and marked; so
 * are the first PV_FREE_MARK bytes, where uses after free mostly land.
 * Writing every granule of a big block would map its whole shadow just to
 * let it go, so chunks never shadowed are skipped whole, and shadow pages
 * the kernel holds none of (never written, or given back by a reset) too. */
#define PV_FREE_MARK 256
#define SHADOW_PAGE 4096ul
/* Below this much left to visit, asking the kernel costs more than looking. */
#define RESIDENCY_MIN (64 * 1024ul)

static int has_history(const pv_cell *c)
{
	for (int i = 0; i < PV_SHADOW_CELLS; i++)
		if (__atomic_load_n(&c[i], __ATOMIC_RELAXED))
			return 1;
	return 0;
}

/* Which shadow pages are resident, asked of the kernel a window at a time. */
typedef struct {
	uintptr_t base, end; /* pages [base, end) are in vec */
	unsigned char vec[256];
} residency;

static int resident(residency *r, const pv_cell *c, uintptr_t chunk_shadow_end)
{
	uintptr_t page = (uintptr_t)c & ~(SHADOW_PAGE - 1);
	if (page < r->base || page >= r->end) {
		uintptr_t len = sizeof r->vec * SHADOW_PAGE;
		if (len > chunk_shadow_end - page)
			len = chunk_shadow_end - page;
		if (mincore((void *)page, len, r->vec))
			return 1; /* cannot tell: look */
		r->base = page;
		r->end = page + len;
	}
	return r->vec[(page - r->base) / SHADOW_PAGE] & 1;
}

/* The granule's accesses were checked against the free: only the mark is
 * left, so that neither the fast path nor "own previous access" can meet
 * an old cell of the freeing thread instead of it. (An access racing with
 * the free itself may lose its cell; the mark is what matters then.) */
static inline void mark_freed(pv_cell *c, uint32_t *site, int history, uint64_t meta, uint32_t id)
{
	/* Plain stores: a free marks many granules, and an access racing with
	 * the free itself is a use after free whatever its cell says. Empty
	 * while its site changes, so no reader pairs the mark with an old site. */
	if (history)
		__atomic_store_n(&c[0], 0, __ATOMIC_RELAXED);
	if (__atomic_load_n(&site[0], __ATOMIC_RELAXED) != id)
		__atomic_store_n(&site[0], id, __ATOMIC_RELAXED);
	__atomic_store_n(&c[0], meta, __ATOMIC_RELEASE);
	for (int i = 1; history && i < PV_SHADOW_CELLS; i++)
		__atomic_store_n(&c[i], 0, __ATOMIC_RELAXED);
}

void pv_access_free(pv_thread *t, uintptr_t addr, size_t size, uintptr_t pc, int mark)
{
	uintptr_t end = addr + size < addr ? UINTPTR_MAX : addr + size;
	uintptr_t a = addr;
	if (a & (PV_GRANULE - 1)) {
		size_t head = PV_GRANULE - (a & (PV_GRANULE - 1));
		head = head < size ? head : size;
		pv_access_range(t, a, head, 1, pc);
		a += head;
	}
	uintptr_t mark_end = addr + (size < PV_FREE_MARK ? size : PV_FREE_MARK);
	const uintptr_t chunk = (uintptr_t)1 << PV_SHADOW_CHUNK_SHIFT;
	residency r;
	const uint64_t meta = PV_CELL_FREED(t->tid);
	const uint32_t id = pv_site_intern(pv_access_ctx(t, pc));
	while (a < end) {
		uintptr_t chunk_end = (a | (chunk - 1)) + 1;
		pv_cell *c = a < mark_end ? pv_shadow_cells(a) : pv_shadow_peek(a);
		if (!c) {
			a = chunk_end;
			continue;
		}
		uintptr_t shadow_end = (uintptr_t)c - (a & (chunk - 1)) / PV_GRANULE * PV_SHADOW_CELLS *
			sizeof(pv_cell) + PV_SHADOW_CELL_BYTES;
		r.base = r.end = 0;
		while (a < chunk_end && a < end) {
			if (a >= mark_end && !((uintptr_t)c & (SHADOW_PAGE - 1)) &&
			    end - a >= RESIDENCY_MIN && !resident(&r, c, shadow_end)) {
				size_t skip = SHADOW_PAGE / (PV_SHADOW_CELLS * sizeof(pv_cell));
				a += skip * PV_GRANULE;
				c += skip * PV_SHADOW_CELLS;
				continue;
			}
			/* The last granule may be partial: its rest is the
			 * block's slack, which no one else owns, so it is
			 * marked whole. */
			int history = has_history(c);
			if (history)
				access_granule(t, a, end - a >= PV_GRANULE ? 0xff : PV_CELL_BYTES(0, end - a),
					       1, 0, pc);
			if (mark && (history || a < mark_end))
				mark_freed(c, pv_shadow_sites(c, a), history, meta, id);
			a += PV_GRANULE;
			c += PV_SHADOW_CELLS;
		}
	}
}
