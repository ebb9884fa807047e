/* The memory-access check: is this access ordered after every conflicting
 * access remembered in shadow? Called from the __tsan_read/write entry
 * points, the atomics and the memory interceptors. */
#ifndef PV_ACCESS_H
#define PV_ACCESS_H

#include <stddef.h>
#include <stdint.h>
#include "thread.h"

/* An access of size 1, 2, 4 or 8 bytes that stays within one 8-byte granule. */
void pv_access(pv_thread *t, uintptr_t addr, unsigned size, int is_write,
	       int is_atomic, uintptr_t pc);
/* Any range: split into aligned pieces. */
void pv_access_range(pv_thread *t, uintptr_t addr, size_t size, int is_write,
		     uintptr_t pc);

/* free(): a write of [addr, addr+size) that visits only shadowed granules,
 * then (mark) leaves them marked freed (shadow.h) for any later access. */
void pv_access_free(pv_thread *t, uintptr_t addr, size_t size, uintptr_t pc, int mark);

/* Shadow cells keep the access's context in 8 bytes: the calling-context
 * node and the pc's distance from its function's entry, or, with no
 * context, the absolute pc. */
#define PV_CTX_ABS (1ull << 63)
static inline uint64_t pv_access_ctx(const pv_thread *t, uintptr_t pc)
{
	int64_t d = (int64_t)(pc - t->ctx_func);
	if (t->ctx && d == (int32_t)d)
		return (uint64_t)t->ctx | ((uint64_t)(uint32_t)(int32_t)d << 32);
	return PV_CTX_ABS | pc;
}

/* The stack an access's context stands for. */
void pv_access_ctx_stack(uint64_t ctx, pv_stack *st);

#endif
