#include "base.h"
#include "clock.h"

void pv_vc_init(pv_vc *c)
{
	c->n = c->cap = 0;
	c->e = NULL;
}

void pv_vc_free(pv_vc *c)
{
	pv_free(c->e);
	pv_vc_init(c);
}

void pv_vc_clear(pv_vc *c)
{
	c->n = 0;
}

/* Grow to n entries, zero-filling the new ones. */
static void vc_grow(pv_vc *c, uint32_t n)
{
	if (n <= c->n)
		return;
	if (n > c->cap) {
		uint32_t cap = c->cap ? c->cap : 8;
		while (cap < n)
			cap *= 2;
		c->e = pv_realloc(c->e, cap * sizeof *c->e);
		c->cap = cap;
	}
	pv_memset(c->e + c->n, 0, (n - c->n) * sizeof *c->e);
	c->n = n;
}

void pv_vc_set(pv_vc *c, uint32_t slot, pv_epoch e)
{
	vc_grow(c, slot + 1);
	c->e[slot] = e;
}

void pv_vc_join(pv_vc *dst, const pv_vc *src)
{
	vc_grow(dst, src->n);
	for (uint32_t i = 0; i < src->n; i++)
		if (src->e[i] > dst->e[i])
			dst->e[i] = src->e[i];
}

void pv_vc_copy(pv_vc *dst, const pv_vc *src)
{
	dst->n = 0;
	vc_grow(dst, src->n);
	pv_memcpy(dst->e, src->e, src->n * sizeof *src->e);
}

int pv_vc_leq(const pv_vc *a, const pv_vc *b)
{
	for (uint32_t i = 0; i < a->n; i++)
		if (a->e[i] > pv_vc_get(b, i))
			return 0;
	return 1;
}
