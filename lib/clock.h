/* Vector clocks over thread slots. A slot's entry is the last epoch of
 * that slot known to the clock's owner; epochs start at 1. */
#ifndef PV_CLOCK_H
#define PV_CLOCK_H

#include <stdint.h>

typedef uint64_t pv_epoch;
#define PV_EPOCH_BITS 41
#define PV_EPOCH_MAX ((1ull << PV_EPOCH_BITS) - 1)
/* Slots fit the 16 bits a shadow cell keeps of one. */
#define PV_MAX_SLOTS 65535
/* The slot of threads beyond the limit: never checked. */
#define PV_SLOT_UNCHECKED (PV_MAX_SLOTS - 1)

typedef struct {
	uint32_t n;   /* entries in use; slots >= n read as 0 */
	uint32_t cap;
	pv_epoch *e;
} pv_vc;

void pv_vc_init(pv_vc *c);
void pv_vc_free(pv_vc *c);
void pv_vc_clear(pv_vc *c);

static inline pv_epoch pv_vc_get(const pv_vc *c, uint32_t slot)
{
	return slot < c->n ? c->e[slot] : 0;
}
void pv_vc_set(pv_vc *c, uint32_t slot, pv_epoch e);
/* dst = max(dst, src) pointwise */
void pv_vc_join(pv_vc *dst, const pv_vc *src);
void pv_vc_copy(pv_vc *dst, const pv_vc *src);
/* a <= b pointwise: everything a knows, b knows. */
int pv_vc_leq(const pv_vc *a, const pv_vc *b);
/* Did the event (slot, epoch) happen before the owner of c's present? */
static inline int pv_vc_covers(const pv_vc *c, uint32_t slot, pv_epoch e)
{
	return pv_vc_get(c, slot) >= e;
}

#endif
