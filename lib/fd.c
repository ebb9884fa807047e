#include "fd.h"
#include "base.h"
#include "shadow.h"

/* Two levels, blocks made on first use: a process with few descriptors
 * pays for one block. */
#define L2 1024
#define L1 (PV_FD_MAX / L2)

typedef struct {
	uint64_t granule; /* never written: its address is the descriptor's shadow */
	int32_t tid;
	pv_ctx ctx;
	uintptr_t pc;     /* creation; 0 when not known */
	uint32_t chan;
	pv_key send, recv;
} entry;

static entry *blocks[L1];

static entry *get(int fd, int make)
{
	if (fd < 0 || fd >= PV_FD_MAX)
		return NULL;
	entry **slot = &blocks[fd / L2];
	entry *b = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (!b && make) {
		entry *fresh = pv_map(L2 * sizeof *fresh);
		/* The mapping may reuse addresses with a history of their own. */
		pv_shadow_reset((uintptr_t)fresh, L2 * sizeof *fresh);
		if (__atomic_compare_exchange_n(slot, &b, fresh, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			b = fresh;
		else
			pv_unmap(fresh, L2 * sizeof *fresh);
	}
	return b ? &b[fd % L2] : NULL;
}

uintptr_t pv_fd_addr(int fd)
{
	entry *e = get(fd, 1);
	return e ? (uintptr_t)&e->granule : 0;
}

void pv_fd_created(int fd, int tid, pv_ctx ctx, uintptr_t pc)
{
	entry *e = get(fd, 1);
	if (!e)
		return;
	__atomic_store_n(&e->chan, PV_FD_CHAN_UNKNOWN, __ATOMIC_RELEASE);
	e->tid = tid;
	e->ctx = ctx;
	__atomic_store_n(&e->pc, pc, __ATOMIC_RELEASE);
}

void pv_fd_forget(int fd)
{
	entry *e = get(fd, 0);
	if (!e)
		return;
	__atomic_store_n(&e->chan, PV_FD_CHAN_UNKNOWN, __ATOMIC_RELEASE);
	__atomic_store_n(&e->pc, 0, __ATOMIC_RELEASE);
}

int pv_fd_chan(int fd, pv_key *send, pv_key *recv)
{
	entry *e = get(fd, 0);
	if (!e)
		return PV_FD_CHAN_UNKNOWN;
	int state = (int)__atomic_load_n(&e->chan, __ATOMIC_ACQUIRE);
	if (state == PV_FD_CHAN_KEYS) {
		*send = e->send;
		*recv = e->recv;
	}
	return state;
}

void pv_fd_set_chan(int fd, int state, pv_key send, pv_key recv)
{
	entry *e = get(fd, 1);
	if (!e)
		return;
	e->send = send;
	e->recv = recv;
	__atomic_store_n(&e->chan, (uint32_t)state, __ATOMIC_RELEASE);
}

int pv_fd_find(uintptr_t addr, int *fd, int *tid, pv_ctx *ctx, uintptr_t *pc)
{
	for (int i = 0; i < L1; i++) {
		entry *b = __atomic_load_n(&blocks[i], __ATOMIC_ACQUIRE);
		if (!b || addr < (uintptr_t)b || addr >= (uintptr_t)(b + L2))
			continue;
		entry *e = &b[(addr - (uintptr_t)b) / sizeof *e];
		if (addr - (uintptr_t)&e->granule >= sizeof e->granule)
			return 0;
		*fd = i * L2 + (int)(e - b);
		*pc = __atomic_load_n(&e->pc, __ATOMIC_ACQUIRE);
		*tid = *pc ? e->tid : -1;
		*ctx = *pc ? e->ctx : 0;
		return 1;
	}
	return 0;
}

void pv_fd_each_block(void (*fn)(uintptr_t start, size_t size))
{
	for (int i = 0; i < L1; i++) {
		entry *b = __atomic_load_n(&blocks[i], __ATOMIC_ACQUIRE);
		if (b)
			fn((uintptr_t)b, L2 * sizeof *b);
	}
}
