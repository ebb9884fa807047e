/*
 * Torn invariant, fixed with one atomic word: both balances are packed into
 * one 64-bit value (a in the high half, b in the low half), and a move
 * replaces the whole word with a compare-and-swap.  There is no moment at
 * which one balance has changed and the other has not: the auditor's single
 * atomic load sees the pair before a move or after it.
 *
 * usage: fixed_atomic [moves]     (default 100000; the auditor makes as many audits)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The invariant: a + b == 2000.  Both balances live in one atomic word. */
static uint64_t pack(long a, long b)
{
	return (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
}

static long high(uint64_t v) { return (int32_t)(uint32_t)(v >> 32); }
static long low(uint64_t v) { return (int32_t)(uint32_t)v; }

static _Atomic uint64_t balances;	/* pack(a, b); set in main */
static long moves;
static pthread_barrier_t start;	/* lets both threads begin together, so they overlap */

/* A little private work (a log entry, a fee...): the steps of real updates are
 * rarely adjacent, and this keeps the mover between them most of the time. */
static uint64_t bookkeeping(uint64_t x)
{
	for (int k = 0; k < 100; k++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	return x;
}

static void *mover(void *arg)
{
	uint64_t receipt = 1;

	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < moves; i++) {
		long amount = i % 2 ? -100 : 100;	/* back and forth */
		uint64_t old = atomic_load(&balances), new;
		do {	/* compute the whole new pair privately, then publish it in one step */
			new = pack(high(old) - amount, low(old) + amount);
			receipt = bookkeeping(receipt + (uint64_t)i);
		} while (!atomic_compare_exchange_weak(&balances, &old, new));
	}
	return (void *)(uintptr_t)receipt;
}

struct audit {
	long broken;		/* audits that saw a + b != 2000 */
	long first_a, first_b;	/* the first such pair */
};

static void *auditor(void *arg)
{
	struct audit *au = arg;
	uint64_t receipt = 2;

	pthread_barrier_wait(&start);
	for (long i = 0; i < moves; i++) {
		uint64_t v = atomic_load(&balances);	/* both at once */
		long sa = high(v), sb = low(v);
		if (sa + sb != 2000 && au->broken++ == 0) {
			au->first_a = sa;
			au->first_b = sb;
		}
		receipt = bookkeeping(receipt + (uint64_t)i);	/* audits are spread out too */
	}
	return (void *)(uintptr_t)receipt;
}

int main(int argc, char **argv)
{
	moves = argc > 1 ? atol(argv[1]) : 100000;
	if (moves < 1) {
		fprintf(stderr, "usage: %s [moves]\n", argv[0]);
		return 2;
	}

	atomic_store(&balances, pack(1000, 1000));
	pthread_t mt, at;
	struct audit au = { 0, 0, 0 };
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&mt, NULL, mover, NULL);
	pthread_create(&at, NULL, auditor, &au);
	pthread_join(mt, NULL);
	pthread_join(at, NULL);
	pthread_barrier_destroy(&start);

	printf("%ld moves, %ld audits: the total was not 2000 in %ld audits\n",
	       moves, moves, au.broken);
	if (au.broken)
		printf("the first: a=%ld b=%ld, total %ld\n",
		       au.first_a, au.first_b, au.first_a + au.first_b);
	uint64_t v = atomic_load(&balances);
	printf("after the join: a=%ld b=%ld, total %ld\n", high(v), low(v), high(v) + low(v));
	return au.broken ? 1 : 0;
}
