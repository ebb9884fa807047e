#include "base.h"
#include "heap.h"

#define NBUCKETS (1u << 14)

typedef struct block {
	uintptr_t p;
	size_t size;
	int tid;
	pv_ctx ctx;
	uintptr_t pc;
	int free_tid;         /* freed blocks: who freed it, when */
	uint32_t free_slot;
	pv_epoch free_epoch;
	struct block *next;
} block;

/* Each bucket keeps the last block freed in it, for use-after-free reports:
 * no extra allocation or lock per free, and up to NBUCKETS recent ones. */
typedef struct {
	pv_lock lock;
	block *head;
	block *freed;
} bucket;

static bucket table[NBUCKETS];

static inline bucket *bucket_of(uintptr_t p)
{
	return &table[((uint64_t)p * 0x9e3779b97f4a7c15ull) >> (64 - 14)];
}

/* Records go back to a short list of the thread's own: a program that
 * allocates in a loop takes no allocator call of ours per block. */
#define SPARE_MAX 64
static __thread block *spare __attribute__((tls_model("initial-exec")));
static __thread int nspare __attribute__((tls_model("initial-exec")));

static block *record_new(void)
{
	block *b = spare;
	if (!b)
		return pv_alloc(sizeof *b);
	spare = b->next;
	nspare--;
	return b;
}

static void record_free(block *b)
{
	if (!b)
		return;
	if (nspare == SPARE_MAX) {
		pv_free(b);
		return;
	}
	b->next = spare;
	spare = b;
	nspare++;
}

void pv_heap_thread_end(void)
{
	while (spare) {
		block *b = spare;
		spare = b->next;
		pv_free(b);
	}
	nspare = 0;
}

void pv_heap_add(uintptr_t p, size_t size, int tid, pv_ctx ctx, uintptr_t pc)
{
	block *b = record_new();
	*b = (block){ p, size, tid, ctx, pc, -1, 0, 0, NULL };
	bucket *bk = bucket_of(p);
	block *stale = NULL;
	pv_lock_acquire(&bk->lock);
	b->next = bk->head;
	bk->head = b;
	if (bk->freed && bk->freed->p == p) { /* the address is a live block again */
		stale = bk->freed;
		bk->freed = NULL;
	}
	pv_lock_release(&bk->lock);
	record_free(stale);
}

size_t pv_heap_remove(uintptr_t p, int tid, uint32_t slot, pv_epoch epoch)
{
	bucket *bk = bucket_of(p);
	size_t size = 0;
	block *gone = NULL;
	pv_lock_acquire(&bk->lock);
	for (block **b = &bk->head; *b; b = &(*b)->next)
		if ((*b)->p == p) {
			gone = *b;
			*b = gone->next;
			size = gone->size;
			break;
		}
	if (gone) {
		gone->free_tid = tid;
		gone->free_slot = slot;
		gone->free_epoch = epoch;
		block *old = bk->freed;
		bk->freed = gone;
		gone = old;
	}
	pv_lock_release(&bk->lock);
	record_free(gone);
	return size;
}

size_t pv_heap_size(uintptr_t p)
{
	bucket *bk = bucket_of(p);
	size_t size = 0;
	pv_lock_acquire(&bk->lock);
	for (block *b = bk->head; b; b = b->next)
		if (b->p == p) {
			size = b->size;
			break;
		}
	pv_lock_release(&bk->lock);
	return size;
}

int pv_heap_find(uintptr_t addr, uintptr_t *start, size_t *size, int *tid,
		 pv_ctx *ctx, uintptr_t *pc)
{
	/* Reports are rare: a scan of every block is fine here. */
	for (unsigned i = 0; i < NBUCKETS; i++) {
		bucket *bk = &table[i];
		if (!__atomic_load_n(&bk->head, __ATOMIC_ACQUIRE))
			continue;
		int found = 0;
		pv_lock_acquire(&bk->lock);
		for (block *b = bk->head; b; b = b->next)
			if (addr >= b->p && addr < b->p + (b->size ? b->size : 1)) {
				*start = b->p;
				*size = b->size;
				*tid = b->tid;
				*ctx = b->ctx;
				*pc = b->pc;
				found = 1;
				break;
			}
		pv_lock_release(&bk->lock);
		if (found)
			return 0;
	}
	return -1;
}

int pv_heap_find_freed(uintptr_t addr, int free_tid, pv_heap_freed *out)
{
	/* Blocks freed at one address over time may overlap: the one starting
	 * nearest below addr is the most recent carving of that memory. */
	int found = 0;
	for (unsigned i = 0; i < NBUCKETS; i++) {
		bucket *bk = &table[i];
		if (!__atomic_load_n(&bk->freed, __ATOMIC_ACQUIRE))
			continue;
		pv_lock_acquire(&bk->lock);
		block *b = bk->freed;
		if (b && addr >= b->p && addr < b->p + (b->size ? b->size : 1) &&
		    b->free_tid == free_tid && (!found || b->p > out->start)) {
			*out = (pv_heap_freed){ b->p, b->size, b->tid, b->ctx, b->pc,
						b->free_slot, b->free_epoch };
			found = 1;
		}
		pv_lock_release(&bk->lock);
	}
	return found ? 0 : -1;
}

void pv_heap_fork_prepare(void)
{
	for (unsigned i = 0; i < NBUCKETS; i++)
		pv_lock_acquire(&table[i].lock);
}

void pv_heap_fork_parent(void)
{
	for (unsigned i = 0; i < NBUCKETS; i++)
		pv_lock_release(&table[i].lock);
}

void pv_heap_fork_child(void)
{
	for (unsigned i = 0; i < NBUCKETS; i++)
		pv_lock_reset(&table[i].lock);
}
