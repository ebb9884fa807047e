/* Shadow memory: for every 8-byte granule of application memory, two
 * cells remembering recent accesses to it. Shadow is a two-level table of
 * lazily mapped chunks, demand-paged by the kernel; resetting a range gives
 * its pages back. */
#ifndef PV_SHADOW_H
#define PV_SHADOW_H

#include <stddef.h>
#include <stdint.h>
#include "clock.h"

#define PV_GRANULE 8
#define PV_SHADOW_CELLS 2

/* A cell is one word: 0 = empty; else
 * mask(8) write(1) atomic(1) merged(1) slot(16) epoch(37).
 * mask: the bytes of the granule accessed; merged: the mask is the union of
 * several accesses of one thread, epoch, kind and site (a loop over bytes).
 * Each cell has a site (site.h) beside it, in a parallel array: the calling
 * context and pc of its access, 4 bytes, read only for reports. Two cells
 * and two sites are 24 bytes of shadow per 8 bytes of memory. */
typedef uint64_t pv_cell;

#define PV_CELL_MASK(m) ((unsigned)((m) & 0xff))
#define PV_CELL_WRITE(m) ((unsigned)(((m) >> 8) & 1))
#define PV_CELL_ATOMIC(m) ((unsigned)(((m) >> 9) & 1))
#define PV_CELL_MERGED(m) ((unsigned)(((m) >> 10) & 1))
#define PV_CELL_SLOT(m) ((uint32_t)(((m) >> 11) & 0xffff))
#define PV_CELL_EPOCH(m) ((m) >> 27)
#define PV_CELL_MAKE(mask, wr, at, slot, epoch) \
	((uint64_t)(mask) | ((uint64_t)(wr) << 8) | ((uint64_t)(at) << 9) | \
	 ((uint64_t)(slot) << 11) | ((uint64_t)(epoch) << 27))
#define PV_CELL_MERGED_BIT (1ull << 10)
/* The bytes [off, off+size) of a granule. */
#define PV_CELL_BYTES(off, size) ((((1u << (size)) - 1) << (off)) & 0xff)

/* What free leaves in a granule: a write of all of it by the slot no thread
 * ever has (PV_MAX_SLOTS), so no clock orders it and every later access
 * conflicts with it, even the freeing thread's. The epoch field holds the
 * freeing thread's tid + 1; its site is free's, as any cell's. */
#define PV_FREED_SLOT PV_MAX_SLOTS
#define PV_CELL_FREED(tid) \
	PV_CELL_MAKE(0xff, 1, 0, PV_FREED_SLOT, ((uint64_t)(tid) & 0xffffffffull) + 1)
#define PV_CELL_IS_FREED(m) (PV_CELL_SLOT(m) == PV_FREED_SLOT)
#define PV_CELL_FREED_TID(m) ((int)(PV_CELL_EPOCH(m) - 1))

#define PV_SHADOW_ADDR_BITS 47
#define PV_SHADOW_CHUNK_SHIFT 22
#define PV_SHADOW_CHUNK_GRANULES ((1ul << PV_SHADOW_CHUNK_SHIFT) / PV_GRANULE)
/* A chunk's shadow: its cells, then their sites. */
#define PV_SHADOW_CELL_BYTES (PV_SHADOW_CHUNK_GRANULES * PV_SHADOW_CELLS * sizeof(pv_cell))
#define PV_SHADOW_CHUNK_BYTES \
	(PV_SHADOW_CELL_BYTES + PV_SHADOW_CHUNK_GRANULES * PV_SHADOW_CELLS * sizeof(uint32_t))

/* The chunk table, read inline on every access; only shadow.c writes it. */
extern pv_cell **pv_shadow_chunks __attribute__((visibility("hidden")));
pv_cell *pv_shadow_cells_slow(uintptr_t addr);

/* The cells of the granule holding addr, or NULL when its chunk has no
 * shadow yet (or addr is outside user space). */
static inline pv_cell *pv_shadow_cells_mapped(uintptr_t addr)
{
	pv_cell *c = addr >> PV_SHADOW_ADDR_BITS ? 0 :
		__atomic_load_n(&pv_shadow_chunks[addr >> PV_SHADOW_CHUNK_SHIFT], __ATOMIC_ACQUIRE);
	return c ? c + ((addr & ((1ul << PV_SHADOW_CHUNK_SHIFT) - 1)) / PV_GRANULE) * PV_SHADOW_CELLS
		 : c;
}

/* The cells of the granule holding addr, mapping shadow on first use. */
static inline pv_cell *pv_shadow_cells(uintptr_t addr)
{
	pv_cell *c = addr >> PV_SHADOW_ADDR_BITS ? 0 :
		__atomic_load_n(&pv_shadow_chunks[addr >> PV_SHADOW_CHUNK_SHIFT], __ATOMIC_ACQUIRE);
	if (__builtin_expect(!c, 0))
		return pv_shadow_cells_slow(addr);
	return c + ((addr & ((1ul << PV_SHADOW_CHUNK_SHIFT) - 1)) / PV_GRANULE) * PV_SHADOW_CELLS;
}
/* The sites of the cells of the granule holding addr. */
static inline uint32_t *pv_shadow_sites(pv_cell *cells, uintptr_t addr)
{
	uintptr_t g = (addr & ((1ul << PV_SHADOW_CHUNK_SHIFT) - 1)) / PV_GRANULE;
	return (uint32_t *)((char *)cells + PV_SHADOW_CELL_BYTES -
			    g * PV_SHADOW_CELLS * (sizeof(pv_cell) - sizeof(uint32_t)));
}
/* The same, or NULL when the granule has never been shadowed. */
pv_cell *pv_shadow_peek(uintptr_t addr);
/* Forget every access to [addr, addr+size): the memory is new. */
void pv_shadow_reset(uintptr_t addr, size_t size);
/* The 4 MiB chunk at addr (aligned) takes its shadow from cells, which
 * other processes share; detach gives it private shadow again. */
void pv_shadow_attach(uintptr_t addr, pv_cell *cells);
void pv_shadow_detach(uintptr_t addr);
/* The same, the session's shadow of the object's chunk looked up when the
 * chunk is first touched (a huge mapping gets shadow only where used). */
void pv_shadow_attach_lazy(uintptr_t addr, uint32_t object, uint64_t chunk);
/* Bytes of shadow currently mapped (for benchmarks). */
size_t pv_shadow_mapped_bytes(void);
void pv_shadow_init(void);

#endif
