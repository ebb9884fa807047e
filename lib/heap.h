/* Live heap blocks, so a report can say which block an address is in and
 * where it was allocated. */
#ifndef PV_HEAP_H
#define PV_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include "calltree.h"

void pv_heap_add(uintptr_t p, size_t size, int tid, pv_ctx ctx, uintptr_t pc);
/* Remove p; returns its size, or 0 when p is not a known block. */
size_t pv_heap_remove(uintptr_t p);
/* The size of the block that starts at p; 0 when p starts no known block. */
size_t pv_heap_size(uintptr_t p);
/* The block containing addr: 0 and its description when found. */
int pv_heap_find(uintptr_t addr, uintptr_t *start, size_t *size, int *tid,
		 pv_ctx *ctx, uintptr_t *pc);

void pv_heap_fork_prepare(void);
void pv_heap_fork_parent(void);
void pv_heap_fork_child(void);

#endif
