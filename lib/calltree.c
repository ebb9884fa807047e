#include "base.h"
#include "calltree.h"
#include "session.h"

/* Nodes live in one array indexed by pv_ctx; a lock-free open-addressing
 * index finds a node by (parent, call site, callee). Nodes are never freed:
 * a program has as many as it has distinct call paths. */
#define MAX_NODES (1u << 22)
#define INDEX_SIZE (1u << 23)

typedef struct {
	uintptr_t call_pc;
	uintptr_t func_pc;
	pv_ctx parent;
} node;

static node *nodes;
static pv_ctx *index_;
static uint32_t local_count;
static uint32_t *nnodes = &local_count; /* node 0 is the root: ids start at 1 */
static int ready;
static pv_lock init_lock;

/* One tree for all the processes of a session, so that a shadow cell's
 * context means the same in each of them. */
static void init(void)
{
	pv_lock_acquire(&init_lock);
	if (!__atomic_load_n(&ready, __ATOMIC_RELAXED)) {
		nodes = pv_session_region(PV_REGION_CALLTREE_NODES, MAX_NODES * sizeof *nodes);
		if (nodes) {
			index_ = pv_session_region(PV_REGION_CALLTREE_INDEX, INDEX_SIZE * sizeof *index_);
			nnodes = pv_session_region(PV_REGION_CALLTREE_COUNT, sizeof *nnodes);
		} else {
			nodes = pv_map(MAX_NODES * sizeof *nodes);
			index_ = pv_map(INDEX_SIZE * sizeof *index_);
		}
		uint32_t zero = 0;
		__atomic_compare_exchange_n(nnodes, &zero, 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	pv_lock_release(&init_lock);
}

static inline uint32_t hash(pv_ctx parent, uintptr_t call_pc, uintptr_t func_pc)
{
	uint64_t h = (uint64_t)parent * 0x9e3779b97f4a7c15ull;
	h ^= call_pc * 0xc2b2ae3d27d4eb4full;
	h ^= func_pc * 0x165667b19e3779f9ull;
	h ^= h >> 29;
	return (uint32_t)h & (INDEX_SIZE - 1);
}

static inline int same(pv_ctx id, pv_ctx parent, uintptr_t call_pc, uintptr_t func_pc)
{
	const node *n = &nodes[id];
	return n->parent == parent && n->call_pc == call_pc && n->func_pc == func_pc;
}

pv_ctx pv_ctx_child(pv_ctx parent, uintptr_t call_pc, uintptr_t func_pc)
{
	if (PV_UNLIKELY(!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)))
		init();
	pv_ctx mine = 0;
	for (uint32_t i = hash(parent, call_pc, func_pc);; i = (i + 1) & (INDEX_SIZE - 1)) {
		pv_ctx id = __atomic_load_n(&index_[i], __ATOMIC_ACQUIRE);
		if (id == 0) {
			if (!mine) {
				mine = __atomic_fetch_add(nnodes, 1, __ATOMIC_RELAXED);
				if (mine >= MAX_NODES)
					return parent;
				nodes[mine] = (node){ call_pc, func_pc, parent };
			}
			if (__atomic_compare_exchange_n(&index_[i], &id, mine, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return mine;
			/* Lost the slot: id is what won it; fall through to compare. */
		}
		if (same(id, parent, call_pc, func_pc))
			return id; /* a node we made and lost stays unused */
	}
}

pv_ctx pv_ctx_parent(pv_ctx c)
{
	return c ? nodes[c].parent : 0;
}

uintptr_t pv_ctx_func(pv_ctx c)
{
	return c ? nodes[c].func_pc : 0;
}

/* The outermost node's call site is in the code that started the thread
 * (libc, the runtime's trampoline), which is no part of the program's story. */
void pv_ctx_expand(pv_ctx c, uintptr_t pc, pv_stack *st)
{
	st->n = 0;
	if (pc)
		st->pc[st->n++] = pc;
	for (; c && nodes[c].parent && st->n < PV_STACK_MAX; c = nodes[c].parent)
		st->pc[st->n++] = nodes[c].call_pc;
}

void pv_ctx_trim(pv_ctx c, pv_stack *st)
{
	if (!c)
		return;
	while (nodes[c].parent)
		c = nodes[c].parent;
	for (int i = 0; i < st->n; i++)
		if (st->pc[i] == nodes[c].call_pc) {
			st->n = i;
			return;
		}
}
