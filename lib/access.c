#include "access.h"
#include "base.h"
#include "race.h"
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
again:;
	int store = -1, subsumed = -1;
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
			if (weaker && PV_CELL_EPOCH(m) == epoch && PV_CELL_WRITE(m) == (unsigned)is_write &&
			    PV_CELL_ATOMIC(m) == (unsigned)is_atomic)
				return; /* already remembered */
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
	if (store < 0)
		store = subsumed >= 0 ? subsumed : (int)((epoch ^ (addr >> 3)) & (PV_SHADOW_CELLS - 1));
	/* Two threads that both found a cell free must not both take it, or
	 * one access is forgotten and a race between them goes unseen. */
	if (!cell_cas(&cells[store], seen[store], seen_ctx[store], want, pv_access_ctx(t, pc)) &&
	    ++tries < 8)
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

void pv_access(pv_thread *t, uintptr_t addr, unsigned size, int is_write,
	       int is_atomic, uintptr_t pc)
{
	access_granule(t, addr, size, is_write, is_atomic, pc);
}

void pv_access_range(pv_thread *t, uintptr_t addr, size_t size, int is_write,
		     uintptr_t pc)
{
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
	if (PV_UNLIKELY(!t || t->ignore))
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
	if (t && !t->ignore)
		pv_access_range(t, (uintptr_t)a, size, 0, PC);
}

void __tsan_write_range(void *a, unsigned long size)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
		pv_access_range(t, (uintptr_t)a, size, 1, PC);
}

void __tsan_read_range_pc(void *a, unsigned long size, void *pc)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
		pv_access_range(t, (uintptr_t)a, size, 0, (uintptr_t)pc);
}

void __tsan_write_range_pc(void *a, unsigned long size, void *pc)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
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
