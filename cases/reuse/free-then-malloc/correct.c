/*
 * Memory reuse, a correct program: thread A writes a heap block and frees it;
 * main then allocates a block of the same size, which the allocator usually
 * places at the very same address, and thread B writes it.
 *
 * A and B never synchronise with each other.  Main learns that A is done
 * through a *relaxed* atomic flag on purpose: it carries no happens-before,
 * so the only thing that separates A's accesses from B's is the free and the
 * malloc.  That is enough: memory that has been freed belongs to nobody, and
 * the next malloc gives out a fresh object.  A checker that remembered the
 * block's old accesses would report a race that does not exist.
 *
 * usage: correct [rounds]     (default 4)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* 4 KiB: too big for glibc's per-thread cache, so a block freed by A goes
 * straight back to the arena main allocates from, and comes back to main. */
#define NINTS 1024

static atomic_int a_done;	/* relaxed only: deliberately no ordering */
static int b_ok;		/* B's verdict, read by main after the join */

static void *thread_a(void *arg)
{
	int *block = arg;
	for (int i = 0; i < NINTS; i++)
		block[i] = -i;		/* A's accesses to the old block */
	free(block);			/* end of the old block's life */
	atomic_store_explicit(&a_done, 1, memory_order_relaxed);
	return NULL;
}

static void *thread_b(void *arg)
{
	int *block = arg;
	for (int i = 0; i < NINTS; i++)
		block[i] = i;		/* B's accesses to the new block, maybe same memory */
	long sum = 0;
	for (int i = 0; i < NINTS; i++)
		sum += block[i];
	b_ok = sum == (long)NINTS * (NINTS - 1) / 2;
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 4;
	if (rounds < 1) {
		fprintf(stderr, "usage: %s [rounds]\n", argv[0]);
		return 2;
	}

	int reused = 0, failed = 0;
	for (int r = 0; r < rounds; r++) {
		pthread_t a, b;
		atomic_store_explicit(&a_done, 0, memory_order_relaxed);

		int *old_block = malloc(NINTS * sizeof(int));
		if (!old_block)
			return 2;
		uintptr_t old_addr = (uintptr_t)old_block;	/* only the number, never used again */
		pthread_create(&a, NULL, thread_a, old_block);	/* A owns the block now */

		/* Wait until A has freed it, without creating any ordering. */
		while (!atomic_load_explicit(&a_done, memory_order_relaxed))
			sched_yield();

		int *new_block = malloc(NINTS * sizeof(int));
		if (!new_block)
			return 2;
		int same = (uintptr_t)new_block == old_addr;
		reused += same;
		pthread_create(&b, NULL, thread_b, new_block);	/* B owns the new block */

		pthread_join(b, NULL);
		pthread_join(a, NULL);	/* only now is A ordered before main */
		failed += !b_ok;
		printf("round %d: A's block %#lx, B's block %#lx: %s\n", r + 1,
		       (unsigned long)old_addr, (unsigned long)(uintptr_t)new_block,
		       same ? "same memory, reused" : "different memory");
		free(new_block);
	}
	printf("%d of %d rounds reused A's freed block for B\n", reused, rounds);
	return failed ? 1 : 0;
}
