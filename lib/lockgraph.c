#include "base.h"
#include "lockgraph.h"

/* ---- Held locks ---- */

static int held_index(const pv_held *h, uintptr_t addr)
{
	for (int i = h->n - 1; i >= 0; i--)
		if (h->v[i].addr == addr)
			return i;
	return -1;
}

void pv_held_push(pv_held *h, uintptr_t addr, pv_lock_mode mode, pv_site site)
{
	int i = held_index(h, addr);
	if (i >= 0) {
		h->v[i].depth++;
		return;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 8;
		h->v = pv_realloc(h->v, (size_t)h->cap * sizeof *h->v);
	}
	h->v[h->n++] = (pv_held_lock){ .addr = addr, .site = site, .mode = mode, .depth = 1 };
}

void pv_held_mark_robust(pv_held *h, uintptr_t addr)
{
	int i = held_index(h, addr);
	if (i >= 0)
		h->v[i].robust = 1;
}

int pv_held_pop(pv_held *h, uintptr_t addr, pv_lock_mode *mode)
{
	int i = held_index(h, addr);
	if (i < 0)
		return 0;
	if (mode)
		*mode = h->v[i].mode;
	if (--h->v[i].depth)
		return 1;
	/* Keep acquisition order: reports list held locks oldest first. */
	for (h->n--; i < h->n; i++)
		h->v[i] = h->v[i + 1];
	return 1;
}

const pv_held_lock *pv_held_find(const pv_held *h, uintptr_t addr)
{
	int i = held_index(h, addr);
	return i < 0 ? NULL : &h->v[i];
}

void pv_held_free(pv_held *h)
{
	pv_free(h->v);
	*h = (pv_held){ 0 };
}

/* ---- The graph ---- */

typedef struct node node;

typedef struct {
	node *to;
	pv_lg_edge e;
} edge;

struct node {
	uintptr_t addr;
	node *next;         /* hash chain */
	edge *out;
	int nout, capout;
	node **in;          /* the source of every edge into this node */
	int nin, capin;
	uint32_t seen[2];   /* search stamps, by the side the search wanted */
};

/* Nodes hash by 64-byte chunk, so forgetting a small range probes a few
 * buckets whatever the locks' alignment. */
#define CHUNK_SHIFT 6

static pv_lock glock;
static node **table;
static unsigned tbits;
static long nnodes, nedges, ndropped, ncycles;
/* Read without glock by pv_lg_forget's quick reject. */
static long nnodes_hint;
static uintptr_t lo_hint = UINTPTR_MAX, hi_hint;
static uint32_t stamp;

typedef struct {
	node *n;
	int shared;         /* the search reached n wanting its shared side */
	int parent;         /* queue index, -1 for the start */
	const edge *via;
} qent;
static qent *queue;
static size_t qcap;

/* Reported cycles, by a hash of their edge set; 0 marks a free slot. */
static uint64_t *reported;
static size_t nreported, capreported;


static size_t bucket_of_chunk(uintptr_t chunk)
{
	return (size_t)(((uint64_t)chunk * 0x9e3779b97f4a7c15ull) >> (64 - tbits));
}

static size_t bucket_of(uintptr_t addr)
{
	return bucket_of_chunk(addr >> CHUNK_SHIFT);
}

static node *find(uintptr_t addr)
{
	if (!table)
		return NULL;
	for (node *n = table[bucket_of(addr)]; n; n = n->next)
		if (n->addr == addr)
			return n;
	return NULL;
}

static void rehash(unsigned bits)
{
	node **old = table;
	size_t oldn = old ? (size_t)1 << tbits : 0;
	table = pv_alloc(((size_t)1 << bits) * sizeof *table);
	tbits = bits;
	for (size_t i = 0; i < oldn; i++)
		for (node *n = old[i], *next; n; n = next) {
			next = n->next;
			size_t b = bucket_of(n->addr);
			n->next = table[b];
			table[b] = n;
		}
	pv_free(old);
}

static node *find_or_create(uintptr_t addr)
{
	node *n = find(addr);
	if (n)
		return n;
	if (!table)
		rehash(8);
	else if ((size_t)nnodes >= (size_t)1 << tbits)
		rehash(tbits + 1);
	n = pv_alloc(sizeof *n);
	n->addr = addr;
	size_t b = bucket_of(addr);
	n->next = table[b];
	table[b] = n;
	nnodes++;
	__atomic_store_n(&nnodes_hint, nnodes, __ATOMIC_RELAXED);
	if (addr < lo_hint)
		__atomic_store_n(&lo_hint, addr, __ATOMIC_RELAXED);
	if (addr > hi_hint)
		__atomic_store_n(&hi_hint, addr, __ATOMIC_RELAXED);
	return n;
}

static void push_in(node *n, node *src)
{
	if (n->nin == n->capin) {
		n->capin = n->capin ? 2 * n->capin : 4;
		n->in = pv_realloc(n->in, (size_t)n->capin * sizeof *n->in);
	}
	n->in[n->nin++] = src;
}

static void remove_in(node *n, node *src)
{
	for (int i = 0; i < n->nin; i++)
		if (n->in[i] == src) {
			n->in[i] = n->in[--n->nin];
			return;
		}
}

static void remove_edges_to(node *src, node *dst)
{
	for (int i = 0; i < src->nout;)
		if (src->out[i].to == dst) {
			src->out[i] = src->out[--src->nout];
			nedges--;
		} else {
			i++;
		}
}

/* Unlink every edge touching n, then free it; n is already off its chain. */
static void drop_node(node *n)
{
	for (int i = 0; i < n->nout; i++)
		remove_in(n->out[i].to, n);
	nedges -= n->nout;
	for (int i = 0; i < n->nin; i++)
		remove_edges_to(n->in[i], n);
	pv_free(n->out);
	pv_free(n->in);
	pv_free(n);
	nnodes--;
	__atomic_store_n(&nnodes_hint, nnodes, __ATOMIC_RELAXED);
}

static void forget_in_bucket(size_t b, uintptr_t start, uintptr_t end)
{
	for (node **p = &table[b]; *p;) {
		node *n = *p;
		if (n->addr >= start && n->addr < end) {
			*p = n->next;
			drop_node(n);
		} else {
			p = &n->next;
		}
	}
}

void pv_lg_forget(uintptr_t addr, size_t size)
{
	if (!size || !__atomic_load_n(&nnodes_hint, __ATOMIC_RELAXED))
		return;
	uintptr_t end = addr + size < addr ? UINTPTR_MAX : addr + size;
	if (end <= __atomic_load_n(&lo_hint, __ATOMIC_RELAXED) ||
	    addr > __atomic_load_n(&hi_hint, __ATOMIC_RELAXED))
		return;
	pv_lock_acquire(&glock);
	if (table) {
		size_t nb = (size_t)1 << tbits;
		uintptr_t c0 = addr >> CHUNK_SHIFT, c1 = (end - 1) >> CHUNK_SHIFT;
		if (c1 - c0 < nb)
			for (uintptr_t c = c0;; c++) {
				forget_in_bucket(bucket_of_chunk(c), addr, end);
				if (c == c1)
					break;
			}
		else
			for (size_t b = 0; b < nb; b++)
				forget_in_bucket(b, addr, end);
	}
	pv_lock_release(&glock);
}

static uint64_t edge_hash(const pv_lg_edge *e)
{
	uint64_t h = pv_mix64(e->from);
	h = pv_mix64(h ^ e->to);
	h = pv_mix64(h ^ ((uint64_t)e->from_mode << 1 | (uint64_t)e->to_mode));
	h = pv_mix64(h ^ e->from_site.ctx ^ (uint64_t)e->to_site.ctx << 32);
	h = pv_mix64(h ^ e->from_site.pc);
	return pv_mix64(h ^ e->to_site.pc);
}

/* Record key as reported; returns 0 if it already was. */
static int first_report(uint64_t key)
{
	if (2 * (nreported + 1) > capreported) {
		uint64_t *old = reported;
		size_t oldcap = capreported;
		capreported = capreported ? 2 * capreported : 64;
		reported = pv_alloc(capreported * sizeof *reported);
		nreported = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				first_report(old[i]);
		pv_free(old);
	}
	size_t mask = capreported - 1;
	for (size_t i = key & mask;; i = (i + 1) & mask) {
		if (reported[i] == key)
			return 0;
		if (!reported[i]) {
			reported[i] = key;
			nreported++;
			return 1;
		}
	}
}

static void clear_stamps(void)
{
	for (size_t b = 0; b < (size_t)1 << tbits; b++)
		for (node *n = table[b]; n; n = n->next)
			n->seen[0] = n->seen[1] = 0;
}

/* A shared-side wait is not blocked by a shared-side holder. */
static int blocks(int wanted_shared, pv_lock_mode held)
{
	return !(wanted_shared && held == PV_LOCK_SHARED);
}

static int visited(const node *n, int shared)
{
	/* Reaching n wanting its exclusive side allows every way on. */
	return n->seen[0] == stamp || (shared && n->seen[1] == stamp);
}

static void enqueue(size_t *qn, node *n, int shared, int parent, const edge *via)
{
	n->seen[shared] = stamp;
	queue[(*qn)++] = (qent){ n, shared, parent, via };
}

/* Fill out with first followed by the path the search found, ending in
 * last; the cycle's key covers all its edges even when out keeps fewer. */
static uint64_t build_cycle(const pv_lg_edge *first, int qi, const edge *last, pv_lg_cycle *out)
{
	int depth = 0;
	for (int i = qi; queue[i].parent >= 0; i = queue[i].parent)
		depth++;
	out->len = depth + 2;
	out->n = out->len < PV_LG_CYCLE_MAX ? out->len : PV_LG_CYCLE_MAX;
	out->e[0] = *first;
	uint64_t sum = edge_hash(first) + edge_hash(&last->e);
	if (depth + 1 < PV_LG_CYCLE_MAX)
		out->e[depth + 1] = last->e;
	for (int i = qi, k = depth; queue[i].parent >= 0; i = queue[i].parent, k--) {
		sum += edge_hash(&queue[i].via->e);
		if (k < PV_LG_CYCLE_MAX)
			out->e[k] = queue[i].via->e;
	}
	uint64_t key = pv_mix64(sum + (uint64_t)out->len);
	return key ? key : 1;
}

/* Breadth-first from the new edge's wanted lock back to its held lock, so
 * the shortest cycle is the one reported. Returns the cycle's key, 0 when
 * the new edge closes none. */
static uint64_t search(const pv_lg_edge *first, node *held, node *wanted, pv_lg_cycle *out)
{
	if ((size_t)(2 * nnodes + 1) > qcap) {
		qcap = (size_t)(4 * nnodes + 16);
		queue = pv_realloc(queue, qcap * sizeof *queue);
	}
	if (++stamp == 0) {
		clear_stamps();
		stamp = 1;
	}
	size_t qn = 0;
	enqueue(&qn, wanted, first->to_mode == PV_LOCK_SHARED, -1, NULL);
	for (size_t qi = 0; qi < qn; qi++) {
		qent cur = queue[qi];
		for (int i = 0; i < cur.n->nout; i++) {
			const edge *e = &cur.n->out[i];
			if (!blocks(cur.shared, e->e.from_mode))
				continue;
			int shared = e->e.to_mode == PV_LOCK_SHARED;
			if (e->to == held) {
				/* Cycles through held that avoid the new edge are old news. */
				if (blocks(shared, first->from_mode))
					return build_cycle(first, (int)qi, e, out);
				continue;
			}
			if (!visited(e->to, shared))
				enqueue(&qn, e->to, shared, (int)qi, e);
		}
	}
	return 0;
}

static void append_edge(node *f, node *t, const pv_lg_edge *e)
{
	if (f->nout == f->capout) {
		f->capout = f->capout ? 2 * f->capout : 4;
		if (f->capout > PV_LG_MAX_OUT)
			f->capout = PV_LG_MAX_OUT;
		f->out = pv_realloc(f->out, (size_t)f->capout * sizeof *f->out);
	}
	f->out[f->nout++] = (edge){ t, *e };
	push_in(t, f);
	nedges++;
}

static int add_edge_locked(const pv_lg_edge *e, pv_lg_cycle *out)
{
	if (e->from == e->to)
		return 0;
	node *f = find(e->from);
	if (f) {
		for (int i = 0; i < f->nout; i++) {
			const pv_lg_edge *o = &f->out[i].e;
			if (o->to == e->to && o->from_mode == e->from_mode && o->to_mode == e->to_mode)
				return 0;
		}
		if (f->nout >= PV_LG_MAX_OUT) {
			ndropped++;
			return 0;
		}
	}
	node *t = find(e->to);
	/* The search only reads; out is filled before anything moves. */
	uint64_t key = f && t ? search(e, f, t, out) : 0;
	if (!f)
		f = find_or_create(e->from);
	if (!t)
		t = find_or_create(e->to);
	append_edge(f, t, e);
	if (!key || !first_report(key))
		return 0;
	ncycles++;
	return 1;
}

int pv_lg_add_edge(const pv_lg_edge *e, pv_lg_cycle *out)
{
	pv_lock_acquire(&glock);
	int r = add_edge_locked(e, out);
	pv_lock_release(&glock);
	return r;
}

int pv_lg_before_lock(const pv_held *h, int tid, uintptr_t addr, pv_lock_mode mode,
		      pv_site site, pv_lg_cycle *out)
{
	/* Nothing held: no edge. Already held: a recursive acquisition waits
	 * for nobody, so it orders nothing. */
	if (!h->n || held_index(h, addr) >= 0)
		return 0;
	int found = 0;
	pv_lock_acquire(&glock);
	for (int i = 0; i < h->n && !found; i++) {
		const pv_held_lock *hl = &h->v[i];
		pv_lg_edge e = {
			.from = hl->addr, .to = addr,
			.from_mode = hl->mode, .to_mode = mode,
			.tid = tid, .from_site = hl->site, .to_site = site,
		};
		found = add_edge_locked(&e, out);
	}
	pv_lock_release(&glock);
	return found;
}

void pv_lg_get_stats(pv_lg_stats *s)
{
	pv_lock_acquire(&glock);
	*s = (pv_lg_stats){ nnodes, nedges, ndropped, ncycles };
	pv_lock_release(&glock);
}

void pv_lg_reset(void)
{
	pv_lock_acquire(&glock);
	if (table) {
		for (size_t b = 0; b < (size_t)1 << tbits; b++)
			for (node *n = table[b], *next; n; n = next) {
				next = n->next;
				pv_free(n->out);
				pv_free(n->in);
				pv_free(n);
			}
		pv_free(table);
	}
	table = NULL;
	tbits = 0;
	nnodes = nedges = ndropped = ncycles = 0;
	__atomic_store_n(&nnodes_hint, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&lo_hint, UINTPTR_MAX, __ATOMIC_RELAXED);
	__atomic_store_n(&hi_hint, 0, __ATOMIC_RELAXED);
	pv_free(reported);
	reported = NULL;
	nreported = capreported = 0;
	pv_lock_release(&glock);
}

void pv_lg_fork_prepare(void)
{
	pv_lock_acquire(&glock);
}

void pv_lg_fork_parent(void)
{
	pv_lock_release(&glock);
}

/* The graph describes the program's code, which the child shares: keep it. */
void pv_lg_fork_child(void)
{
	pv_lock_reset(&glock);
}
