/* Live heap blocks, so a report can say which block an address is in and
 * where it was allocated. */
#ifndef PV_HEAP_H
#define PV_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include "calltree.h"
#include "clock.h"

void pv_heap_add(uintptr_t p, size_t size, int tid, pv_ctx ctx, uintptr_t pc);
/* Remove p, freed by thread tid (slot, epoch); returns its size, or 0 when
 * p is not a known block. The freed block is remembered for a while. */
size_t pv_heap_remove(uintptr_t p, int tid, uint32_t slot, pv_epoch epoch);
/* The size of the block that starts at p; 0 when p starts no known block. */
size_t pv_heap_size(uintptr_t p);
/* The block containing addr: 0 and its description when found. */
int pv_heap_find(uintptr_t addr, uintptr_t *start, size_t *size, int *tid,
		 pv_ctx *ctx, uintptr_t *pc);

/* A block freed by free_tid that held addr, if still remembered (the most
 * recent few thousand frees): its allocation, and the free's slot and epoch. */
typedef struct {
	uintptr_t start;
	size_t size;
	int tid;
	pv_ctx ctx;
	uintptr_t pc;
	uint32_t free_slot;
	pv_epoch free_epoch;
} pv_heap_freed;
int pv_heap_find_freed(uintptr_t addr, int free_tid, pv_heap_freed *out);

void pv_heap_fork_prepare(void);
void pv_heap_fork_parent(void);
void pv_heap_fork_child(void);

/* The calling thread ends: the records it kept for reuse go back. */
void pv_heap_thread_end(void);

#endif
