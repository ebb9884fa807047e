/* A race found by the access check: dedup, describe and report it. */
#ifndef PV_RACE_H
#define PV_RACE_H

#include <stddef.h>
#include <stdint.h>
#include "thread.h"

/* The current access (addr, size, write, atomic, pc) conflicts with the
 * shadow cell (old_meta, old_ctx) of granule base gaddr. */
void pv_race_found(pv_thread *t, uintptr_t addr, unsigned size, int is_write,
		   int is_atomic, uintptr_t pc, uintptr_t gaddr,
		   uint64_t old_meta, uint64_t old_ctx);

/* Races on [addr, addr+size) are benign (AnnotateBenignRaceSized): never
 * reported, for the rest of the run. Looked up only when a race is found. */
void pv_race_benign(uintptr_t addr, size_t size);

#endif
