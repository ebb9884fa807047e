#define _GNU_SOURCE
#include <sys/mman.h>
#include "base.h"
#include "session.h"
#include "shadow.h"

/* User space is below 2^47. It is cut into 4 MiB chunks; a chunk's shadow
 * (12 MiB of cells and sites) is mapped the first time the chunk is touched and is
 * backed by real pages only where written. */
#define ADDR_BITS PV_SHADOW_ADDR_BITS
#define CHUNK_SHIFT PV_SHADOW_CHUNK_SHIFT
#define CHUNK_SIZE (1ul << CHUNK_SHIFT)
#define NCHUNKS (1ul << (ADDR_BITS - CHUNK_SHIFT))
#define CHUNK_SHADOW PV_SHADOW_CHUNK_BYTES
#define PAGE 4096ul

pv_cell **pv_shadow_chunks;
static unsigned long nmapped;
/* By chunk: the shared object's chunk whose shadow it takes, looked up in
 * the session on first touch ((object << 32 | chunk) + 1), or 0. */
static uint64_t *pending;
/* Where accesses outside user space land: their history is meaningless. */
static pv_cell *scratch;

void pv_shadow_init(void)
{
	if (!pv_shadow_chunks)
		pv_shadow_chunks = pv_map(NCHUNKS * sizeof *pv_shadow_chunks);
}

static pv_cell *chunk_map(unsigned long i)
{
	pv_cell *c = pv_map(CHUNK_SHADOW);
	pv_cell *expect = NULL;
	if (__atomic_compare_exchange_n(&pv_shadow_chunks[i], &expect, c, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&nmapped, 1, __ATOMIC_RELAXED);
		return c;
	}
	pv_unmap(c, CHUNK_SHADOW);
	return expect;
}

static inline pv_cell *cell_in(pv_cell *chunk, uintptr_t addr)
{
	return chunk + ((addr & (CHUNK_SIZE - 1)) / PV_GRANULE) * PV_SHADOW_CELLS;
}

/* The session's shadow for chunk i, now that it is touched; NULL when
 * the session has none to give (then it is private). */
static pv_cell *chunk_shared(unsigned long i)
{
	uint64_t p = pending ? __atomic_load_n(&pending[i], __ATOMIC_ACQUIRE) : 0;
	if (!p)
		return NULL;
	pv_cell *c = pv_session_shadow((uint32_t)((p - 1) >> 32), (p - 1) & 0xffffffffu,
				       CHUNK_SHADOW);
	pv_cell *expect = NULL;
	if (!c || __atomic_compare_exchange_n(&pv_shadow_chunks[i], &expect, c, 0, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE))
		return c;
	return expect;
}

pv_cell *pv_shadow_cells_slow(uintptr_t addr)
{
	if (addr >> ADDR_BITS) {
		if (!__atomic_load_n(&scratch, __ATOMIC_ACQUIRE)) {
			pv_cell *c = pv_map(CHUNK_SHADOW), *expect = NULL;
			if (!__atomic_compare_exchange_n(&scratch, &expect, c, 0, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				pv_unmap(c, CHUNK_SHADOW);
		}
		return cell_in(scratch, addr);
	}
	unsigned long i = addr >> CHUNK_SHIFT;
	pv_cell *c = __atomic_load_n(&pv_shadow_chunks[i], __ATOMIC_ACQUIRE);
	if (!c)
		c = chunk_shared(i);
	if (!c)
		c = chunk_map(i);
	return cell_in(c, addr);
}

pv_cell *pv_shadow_peek(uintptr_t addr)
{
	if (addr >> ADDR_BITS)
		return NULL;
	pv_cell *c = __atomic_load_n(&pv_shadow_chunks[addr >> CHUNK_SHIFT], __ATOMIC_ACQUIRE);
	return c ? cell_in(c, addr) : NULL;
}

/* Zero shadow bytes [lo, hi): whole pages go back to the kernel. */
static void clear_shadow(char *lo, char *hi)
{
	char *plo = (char *)(((uintptr_t)lo + PAGE - 1) & ~(PAGE - 1));
	char *phi = (char *)((uintptr_t)hi & ~(PAGE - 1));
	if (phi - plo >= (long)(16 * PAGE)) {
		pv_memset(lo, 0, (size_t)(plo - lo));
		madvise(plo, (size_t)(phi - plo), MADV_DONTNEED);
		pv_memset(phi, 0, (size_t)(hi - phi));
	} else {
		pv_memset(lo, 0, (size_t)(hi - lo));
	}
}

void pv_shadow_reset(uintptr_t addr, size_t size)
{
	if (!size || !pv_shadow_chunks)
		return;
	uintptr_t lo = addr & ~(uintptr_t)(PV_GRANULE - 1);
	uintptr_t end = addr + size;
	if (end < addr || end > (1ul << ADDR_BITS))
		end = 1ul << ADDR_BITS;
	while (lo < end) {
		uintptr_t chunk_end = (lo | (CHUNK_SIZE - 1)) + 1;
		uintptr_t hi = end < chunk_end ? end : chunk_end;
		pv_cell *c = __atomic_load_n(&pv_shadow_chunks[lo >> CHUNK_SHIFT], __ATOMIC_ACQUIRE);
		/* Shared shadow keeps the other processes' history. */
		if (c && !pv_session_contains(c)) {
			/* Granules touched by [lo, hi); a partial last one is cleared whole. */
			uintptr_t g0 = (lo & (CHUNK_SIZE - 1)) / PV_GRANULE;
			uintptr_t g1 = ((hi - 1) & (CHUNK_SIZE - 1)) / PV_GRANULE + 1;
			uint32_t *sites = (uint32_t *)((char *)c + PV_SHADOW_CELL_BYTES);
			clear_shadow((char *)(c + g0 * PV_SHADOW_CELLS),
				     (char *)(c + g1 * PV_SHADOW_CELLS));
			clear_shadow((char *)(sites + g0 * PV_SHADOW_CELLS),
				     (char *)(sites + g1 * PV_SHADOW_CELLS));
		}
		lo = hi;
	}
}

void pv_shadow_attach(uintptr_t addr, pv_cell *cells)
{
	pv_cell *old = __atomic_exchange_n(&pv_shadow_chunks[addr >> CHUNK_SHIFT], cells, __ATOMIC_ACQ_REL);
	if (old && !pv_session_contains(old)) {
		pv_unmap(old, CHUNK_SHADOW);
		__atomic_fetch_sub(&nmapped, 1, __ATOMIC_RELAXED);
	}
}

void pv_shadow_attach_lazy(uintptr_t addr, uint32_t object, uint64_t chunk)
{
	if (!pending) {
		uint64_t *p = pv_map(NCHUNKS * sizeof *pending), *expect = NULL;
		if (!__atomic_compare_exchange_n(&pending, &expect, p, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			pv_unmap(p, NCHUNKS * sizeof *pending);
	}
	unsigned long i = addr >> CHUNK_SHIFT;
	__atomic_store_n(&pending[i], ((uint64_t)object << 32 | (chunk & 0xffffffffu)) + 1,
			 __ATOMIC_RELEASE);
	pv_cell *old = __atomic_exchange_n(&pv_shadow_chunks[i], NULL, __ATOMIC_ACQ_REL);
	if (old && !pv_session_contains(old)) {
		pv_unmap(old, CHUNK_SHADOW);
		__atomic_fetch_sub(&nmapped, 1, __ATOMIC_RELAXED);
	}
}

void pv_shadow_detach(uintptr_t addr)
{
	unsigned long i = addr >> CHUNK_SHIFT;
	if (pending)
		__atomic_store_n(&pending[i], 0, __ATOMIC_RELEASE);
	pv_cell *old = __atomic_load_n(&pv_shadow_chunks[i], __ATOMIC_ACQUIRE);
	if (old && pv_session_contains(old))
		__atomic_store_n(&pv_shadow_chunks[i], NULL, __ATOMIC_RELEASE);
}

size_t pv_shadow_mapped_bytes(void)
{
	return __atomic_load_n(&nmapped, __ATOMIC_RELAXED) * CHUNK_SHADOW;
}
