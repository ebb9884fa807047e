#include <sys/mman.h>
#include "access.h"
#include "base.h"
#include "race.h"
#include "schedule.h"
#include "shadow.h"

static const unsigned sizelog_of[9] = { 0, 0, 1, 0, 2, 0, 0, 0, 3 };

static inline int overlap(unsigned off1, unsigned size1, unsigned off2, unsigned size2)
{
	return off1 < off2 + size2 && off2 < off1 + size1;
}

/* Replace a cell's (meta, ctx) if it still holds (m, x): one 16-byte
 * compare-and-swap, so that no reader ever pairs one access's kind with
 * another's context. */
static inline int cell_cas(pv_cell *c, uint64_t m, uint64_t x, uint64_t new_m, uint64_t new_x)
{
#if defined(__x86_64__)
	unsigned char ok;
	__asm__ __volatile__("lock cmpxchg16b %1\n\tsete %0"
			     : "=q"(ok), "+m"(*c), "+a"(m), "+d"(x)
			     : "b"(new_m), "c"(new_x)
			     : "memory", "cc");
	return ok;
#else
	unsigned __int128 expect = (unsigned __int128)x << 64 | m;
	return __atomic_compare_exchange_n((unsigned __int128 *)c, &expect,
					   (unsigned __int128)new_x << 64 | new_m, 0,
					   __ATOMIC_RELAXED, __ATOMIC_RELAXED);
#endif
}

/* The context stored with meta m in c: the two are read apart, so check
 * that meta did not change meanwhile (cells are written whole). */
static int ctx_of(pv_cell *c, uint64_t m, uint64_t *ctx)
{
	*ctx = __atomic_load_n(&c->ctx, __ATOMIC_ACQUIRE);
	return __atomic_load_n(&c->meta, __ATOMIC_RELAXED) == m;
}

/* With every cell taken by a byte access that continues a run of bytes
 * (the byte before it, by the same thread, epoch, kind and context): merge
 * two cells of 1 or 2 bytes of such a run, side by side and aligned, into
 * one, so that a loop over bytes keeps all eight instead of pushing its
 * first ones out. The freed cell, or -1. Only then: merging costs two
 * locked swaps, and a compressor's scattered byte and odd-offset accesses
 * overflow the cells all the time (the bench's pzip and unaligned). */
static int compact(pv_cell *cells, const uint64_t *seen, const uint64_t *seen_ctx)
{
	const uint64_t low = 0x1f; /* offset and size */
	for (int i = 0; i < PV_SHADOW_CELLS; i++) {
		uint64_t a = seen[i];
		unsigned sizelog = PV_CELL_SIZELOG(a), size = 1u << sizelog;
		if (!a || PV_CELL_IS_FREED(a) || size > 2 || PV_CELL_OFF(a) % (2 * size))
			continue;
		for (int j = 0; j < PV_SHADOW_CELLS; j++) {
			uint64_t b = seen[j];
			if (j == i || (b & ~low) != (a & ~low) || PV_CELL_SIZELOG(b) != sizelog ||
			    PV_CELL_OFF(b) != PV_CELL_OFF(a) + size || seen_ctx[j] != seen_ctx[i])
				continue;
			uint64_t wide = (a & ~low) | PV_CELL_OFF(a) | (uint64_t)(sizelog + 1) << 3;
			if (!cell_cas(&cells[i], a, seen_ctx[i], wide, seen_ctx[i]))
				return -1;
			/* Cell i covers j's access now. */
			return cell_cas(&cells[j], b, seen_ctx[j], 0, 0) ? j : -1;
		}
	}
	return -1;
}

/* With no cell free: give up one this access is ordered after (an earlier
 * epoch of this thread, or another's this thread has synchronised with)
 * before one that may still race with others. */
static int evictee(const pv_thread *t, const uint64_t *seen, pv_epoch epoch, uintptr_t addr)
{
	for (int i = 0; i < PV_SHADOW_CELLS; i++) {
		uint32_t slot = PV_CELL_SLOT(seen[i]);
		if (slot == t->slot ? PV_CELL_EPOCH(seen[i]) != epoch :
				      pv_vc_covers(&t->vc, slot, PV_CELL_EPOCH(seen[i])))
			return i;
	}
	return (int)((epoch ^ (addr >> 3)) & (PV_SHADOW_CELLS - 1));
}

/* The rest of the check, out of line: compare with every cell, report
 * races, remember the access. */
static __attribute__((noinline)) void
access_slow(pv_thread *t, pv_cell *cells, uintptr_t addr, unsigned size, int is_write,
	    int is_atomic, uintptr_t pc, uint64_t want)
{
	const uint32_t slot = t->slot;
	const pv_epoch epoch = pv_thread_epoch(t);
	const unsigned off = addr & (PV_GRANULE - 1);
	const unsigned sizelog = sizelog_of[size];
	uint64_t seen[PV_SHADOW_CELLS], seen_ctx[PV_SHADOW_CELLS];
	int tries = 0, rereads = 0;
	if (PV_UNLIKELY(pv_sched_active) && !is_atomic) pv_sched_access(t, addr, is_write, pc);
again:;
	int store = -1, subsumed = -1, run = 0;
	const uint64_t ctx = pv_access_ctx(t, pc);
	for (int i = 0; i < PV_SHADOW_CELLS; i++) {
		uint64_t m = seen[i] = __atomic_load_n(&cells[i].meta, __ATOMIC_ACQUIRE);
		seen_ctx[i] = __atomic_load_n(&cells[i].ctx, __ATOMIC_RELAXED);
		if (m == 0) {
			if (store < 0)
				store = i;
			continue;
		}
		unsigned moff = PV_CELL_OFF(m), msize = 1u << PV_CELL_SIZELOG(m);
		int same_range = moff == off && PV_CELL_SIZELOG(m) == sizelog;
		/* The old access tells nothing the new one won't: it may go. */
		int weaker = same_range && (is_write || !PV_CELL_WRITE(m)) &&
			     (!is_atomic || PV_CELL_ATOMIC(m));
		if (PV_CELL_SLOT(m) == slot) {
			int alike = PV_CELL_EPOCH(m) == epoch && PV_CELL_ATOMIC(m) == (unsigned)is_atomic;
			if (alike && PV_CELL_WRITE(m) == (unsigned)is_write && moff <= off &&
			    off + size <= moff + msize)
				return; /* already remembered, maybe in a merged cell */
			/* The byte before this one, by the same loop: a run of bytes. */
			run |= alike && PV_CELL_WRITE(m) == (unsigned)is_write && moff + msize == off &&
			       seen_ctx[i] == ctx;
			if (weaker)
				store = i;
			continue;
		}
		if (!overlap(off, size, moff, msize) || (!is_write && !PV_CELL_WRITE(m)) ||
		    (is_atomic && PV_CELL_ATOMIC(m)))
			continue;
		if (pv_vc_covers(&t->vc, PV_CELL_SLOT(m), PV_CELL_EPOCH(m))) {
			if (weaker && subsumed < 0)
				subsumed = i;
			continue;
		}
		uint64_t mctx;
		if (!ctx_of(&cells[i], m, &mctx)) {
			/* Overwritten while we looked: look at its new access. */
			if (++rereads < 8)
				i--;
			continue;
		}
		pv_race_found(t, addr, size, is_write, is_atomic, pc,
			      addr & ~(uintptr_t)(PV_GRANULE - 1), m, mctx);
	}
	if (store < 0 && subsumed < 0 && size == 1 && run && (store = compact(cells, seen, seen_ctx)) >= 0)
		seen[store] = seen_ctx[store] = 0;
	if (store < 0)
		store = subsumed >= 0 ? subsumed : evictee(t, seen, epoch, addr);
	if (PV_CELL_IS_FREED(seen[store])) /* the freed mark stays for every later access */
		store = (store + 1) & (PV_SHADOW_CELLS - 1);
	/* Two threads that both found a cell free must not both take it, or
	 * one access is forgotten and a race between them goes unseen. */
	if (!cell_cas(&cells[store], seen[store], seen_ctx[store], want, ctx) && ++tries < 8)
		goto again;
}

/* Inlined into every entry point: the common case costs no call. It is
 * that this thread already did this access (or wrote where it now reads)
 * in this epoch; everything since was checked against that cell. */
static inline __attribute__((always_inline)) void
access_granule(pv_thread *t, uintptr_t addr, unsigned size, int is_write, int is_atomic,
	       uintptr_t pc)
{
	pv_cell *cells = pv_shadow_cells(addr);
	const uint64_t want = PV_CELL_MAKE(addr & (PV_GRANULE - 1), sizelog_of[size], is_write,
					   is_atomic, t->slot, pv_thread_epoch(t));
	const uint64_t write_bit = PV_CELL_MAKE(0, 0, 1, 0, 0, 0);
	for (int i = 0; i < PV_SHADOW_CELLS; i++) {
		uint64_t m = __atomic_load_n(&cells[i].meta, __ATOMIC_RELAXED);
		if ((m | write_bit) == (want | write_bit) && (m & write_bit) >= (want & write_bit))
			return;
	}
	access_slow(t, cells, addr, size, is_write, is_atomic, pc, want);
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
	access_granule(t, addr, size, is_write, is_atomic, pc);
}

void pv_access_range(pv_thread *t, uintptr_t addr, size_t size, int is_write,
		     uintptr_t pc)
{
	if (skipped(t, is_write))
		return;
	while (size) {
		unsigned piece = 8;
		while (piece > size || (addr & (piece - 1)))
			piece >>= 1;
		access_granule(t, addr, piece, is_write, 0, pc);
		addr += piece;
		size -= piece;
	}
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
	if (PV_LIKELY((a & (PV_GRANULE - 1)) + size <= PV_GRANULE))
		access_granule(t, a, size, is_write, 0, pc);
	else
		pv_access_range(t, a, size, is_write, pc);
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
#define CHUNK_SHADOW_BYTES \
	(((uintptr_t)1 << PV_SHADOW_CHUNK_SHIFT) / PV_GRANULE * PV_SHADOW_CELLS * sizeof(pv_cell))

static int has_history(const pv_cell *c)
{
	for (int i = 0; i < PV_SHADOW_CELLS; i++)
		if (__atomic_load_n(&c[i].meta, __ATOMIC_RELAXED))
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
static inline void mark_freed(pv_cell *c, int history, uint64_t meta, uint64_t ctx)
{
	/* Meta empty while ctx changes, then published: no reader pairs the
	 * mark with an old access's context. */
	if (history)
		__atomic_store_n(&c[0].meta, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&c[0].ctx, ctx, __ATOMIC_RELAXED);
	__atomic_store_n(&c[0].meta, meta, __ATOMIC_RELEASE);
	for (int i = 1; history && i < PV_SHADOW_CELLS; i++)
		__atomic_store_n(&c[i].meta, 0, __ATOMIC_RELAXED);
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
	const uint64_t ctx = pv_access_ctx(t, pc);
	while (a < end) {
		uintptr_t chunk_end = (a | (chunk - 1)) + 1;
		pv_cell *c = a < mark_end ? pv_shadow_cells(a) : pv_shadow_peek(a);
		if (!c) {
			a = chunk_end;
			continue;
		}
		uintptr_t shadow_end = (uintptr_t)c - (a & (chunk - 1)) / PV_GRANULE * PV_SHADOW_CELLS *
			sizeof(pv_cell) + CHUNK_SHADOW_BYTES;
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
			if (history && end - a >= PV_GRANULE)
				access_granule(t, a, PV_GRANULE, 1, 0, pc);
			else if (history)
				pv_access_range(t, a, end - a, 1, pc);
			if (mark && (history || a < mark_end))
				mark_freed(c, history, meta, ctx);
			a += PV_GRANULE;
			c += PV_SHADOW_CELLS;
		}
	}
}
