/*
 * Torn invariant, fixed with a sequence lock: the mover makes a sequence
 * counter odd before a move and even again after it; the auditor reads the
 * counter, the two balances and the counter again, and retries if it was odd
 * or has changed in between.  Readers never block the writer and never keep
 * a torn pair.  Every shared variable is an atomic, so there is no data race
 * in the C11 sense: the relaxed loads of the balances may see half a move,
 * and the counter tells the reader to throw such a pair away.
 *
 * usage: fixed_seqlock [moves]     (default 100000; the auditor makes as many audits)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The invariant: a + b == 2000, whenever seq is even and unchanged. */
static atomic_uint seq;			/* odd while a move is in progress; one writer */
static atomic_long a = 1000, b = 1000;	/* written only inside a move */
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
		unsigned s = atomic_load_explicit(&seq, memory_order_relaxed);
		atomic_store_explicit(&seq, s + 1, memory_order_relaxed);	/* odd: moving */
		atomic_thread_fence(memory_order_release);	/* seq is odd before a, b change */
		long na = atomic_load_explicit(&a, memory_order_relaxed) - amount;
		long nb = atomic_load_explicit(&b, memory_order_relaxed) + amount;
		atomic_store_explicit(&a, na, memory_order_relaxed);
		receipt = bookkeeping(receipt + (uint64_t)i);
		atomic_store_explicit(&b, nb, memory_order_relaxed);
		atomic_store_explicit(&seq, s + 2, memory_order_release);	/* even: done */
	}
	return (void *)(uintptr_t)receipt;
}

struct audit {
	long retries;		/* reads thrown away because a move overlapped them */
	long broken;		/* audits that saw a + b != 2000 */
	long first_a, first_b;	/* the first such pair */
};

static void *auditor(void *arg)
{
	struct audit *au = arg;
	uint64_t receipt = 2;

	pthread_barrier_wait(&start);
	for (long i = 0; i < moves; i++) {
		unsigned s1, s2;
		long sa, sb;
		for (;;) {
			s1 = atomic_load_explicit(&seq, memory_order_acquire);
			sa = atomic_load_explicit(&a, memory_order_relaxed);
			sb = atomic_load_explicit(&b, memory_order_relaxed);
			atomic_thread_fence(memory_order_acquire);	/* the loads above before the re-check */
			s2 = atomic_load_explicit(&seq, memory_order_relaxed);
			if (s1 == s2 && !(s1 & 1))
				break;	/* no move started or ended meanwhile */
			au->retries++;
		}
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

	pthread_t mt, at;
	struct audit au = { 0, 0, 0, 0 };
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
	printf("the auditor threw away %ld reads that overlapped a move\n", au.retries);
	long fa = atomic_load(&a), fb = atomic_load(&b);
	printf("after the join: a=%ld b=%ld, total %ld\n", fa, fb, fa + fb);
	return au.broken ? 1 : 0;
}
