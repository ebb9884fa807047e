/* Sites: the 8-byte context of an access (calling-context node and pc,
 * access.h) interned as a 4-byte id, so that a shadow cell's site costs
 * 4 bytes. One table for all the processes of a session, as the call tree:
 * a site means the same in each of them. Ids are never freed. */
#ifndef PV_SITE_H
#define PV_SITE_H

#include <stdint.h>

/* 0: no site (the table is full; the access's stack is then not known). */
uint32_t pv_site_intern_slow(uint64_t ctx);

/* Frequent sites are found in a small per-thread cache without a lookup. */
typedef struct {
	uint64_t ctx;
	uint32_t id;
} pv_site_entry;
#define PV_SITE_CACHE 64
extern __thread pv_site_entry pv_site_cache[PV_SITE_CACHE]
	__attribute__((tls_model("initial-exec")));

static inline uint32_t pv_site_intern(uint64_t ctx)
{
	pv_site_entry *e = &pv_site_cache[(ctx ^ (ctx >> 32) ^ (ctx >> 11)) & (PV_SITE_CACHE - 1)];
	if (__builtin_expect(e->ctx == ctx && e->id, 1))
		return e->id;
	uint32_t id = pv_site_intern_slow(ctx);
	e->ctx = ctx;
	e->id = id;
	return id;
}

/* The context of site id; 0 for none. */
uint64_t pv_site_ctx(uint32_t id);

#endif
