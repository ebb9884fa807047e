/* Shadow memory: for every 8-byte granule of application memory, a few
 * cells remembering recent accesses to it. Shadow is a two-level table of
 * lazily mapped chunks, demand-paged by the kernel; resetting a range gives
 * its pages back. */
#ifndef PV_SHADOW_H
#define PV_SHADOW_H

#include <stddef.h>
#include <stdint.h>

#define PV_GRANULE 8
#define PV_SHADOW_CELLS 4

/* meta: 0 = empty; else offset(3) sizelog(2) write(1) atomic(1) slot(16) epoch(41).
 * ctx: the access's calling context (see calltree.h) and pc, packed by access.
 * A cell is written whole, by one 16-byte compare-and-swap (access.c). */
typedef struct {
	uint64_t meta;
	uint64_t ctx;
} __attribute__((aligned(16))) pv_cell;

#define PV_CELL_OFF(m) ((unsigned)((m) & 7))
#define PV_CELL_SIZELOG(m) ((unsigned)(((m) >> 3) & 3))
#define PV_CELL_WRITE(m) ((unsigned)(((m) >> 5) & 1))
#define PV_CELL_ATOMIC(m) ((unsigned)(((m) >> 6) & 1))
#define PV_CELL_SLOT(m) ((uint32_t)(((m) >> 7) & 0xffff))
#define PV_CELL_EPOCH(m) ((m) >> 23)
#define PV_CELL_MAKE(off, sizelog, wr, at, slot, epoch) \
	((uint64_t)(off) | ((uint64_t)(sizelog) << 3) | ((uint64_t)(wr) << 5) | \
	 ((uint64_t)(at) << 6) | ((uint64_t)(slot) << 7) | ((uint64_t)(epoch) << 23))
#define PV_MAX_SLOTS 65535

#define PV_SHADOW_ADDR_BITS 47
#define PV_SHADOW_CHUNK_SHIFT 22

/* The chunk table, read inline on every access; only shadow.c writes it. */
extern pv_cell **pv_shadow_chunks;
pv_cell *pv_shadow_cells_slow(uintptr_t addr);

/* The cells of the granule holding addr, mapping shadow on first use. */
static inline pv_cell *pv_shadow_cells(uintptr_t addr)
{
	pv_cell *c = addr >> PV_SHADOW_ADDR_BITS ? 0 :
		__atomic_load_n(&pv_shadow_chunks[addr >> PV_SHADOW_CHUNK_SHIFT], __ATOMIC_ACQUIRE);
	if (__builtin_expect(!c, 0))
		return pv_shadow_cells_slow(addr);
	return c + ((addr & ((1ul << PV_SHADOW_CHUNK_SHIFT) - 1)) / PV_GRANULE) * PV_SHADOW_CELLS;
}
/* The same, or NULL when the granule has never been shadowed. */
pv_cell *pv_shadow_peek(uintptr_t addr);
/* Forget every access to [addr, addr+size): the memory is new. */
void pv_shadow_reset(uintptr_t addr, size_t size);
/* The 4 MiB chunk at addr (aligned) takes its shadow from cells, which
 * other processes share; detach gives it private shadow again. */
void pv_shadow_attach(uintptr_t addr, pv_cell *cells);
void pv_shadow_detach(uintptr_t addr);
/* Bytes of shadow currently mapped (for benchmarks). */
size_t pv_shadow_mapped_bytes(void);
void pv_shadow_init(void);

#endif
