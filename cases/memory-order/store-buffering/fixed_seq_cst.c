/*
 * Store buffering, fixed with memory_order_seq_cst: the two stores and the
 * two loads take part in one total order that every thread agrees on, and
 * each thread's store comes before its load in it, so whichever load comes
 * first in that order, the other load follows both stores: at least one
 * thread reads 1.  On x86 the compiler makes each seq_cst store an xchg,
 * which waits for the store buffer to drain before the load can run.
 *
 * usage: fixed_seq_cst [trials]     (default 100000)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static long trials;
static atomic_int *x, *y;		/* a fresh pair per trial: nothing to reset */
static unsigned char *r0, *r1;		/* r0 written by thread 0 only, r1 by thread 1 */
static atomic_long arrived[2];		/* a two-thread barrier per trial */

/* Up to a few hundred nanoseconds of random delay: the two threads leave the barrier a
 * cache miss apart, and a random head start lets the other catch up. */
static void jitter(unsigned *seed)
{
	*seed = *seed * 1103515245 + 12345;
	for (volatile unsigned n = (*seed >> 16) % 128; n; n--)
		;
}

/* Start trial i together with the other thread, so their steps overlap. */
static void meet(int me, long i)
{
	atomic_store_explicit(&arrived[me], i + 1, memory_order_release);
	for (int spins = 0; atomic_load_explicit(&arrived[1 - me], memory_order_acquire) < i + 1; spins++)
		if (spins > 100)
			sched_yield();	/* the other thread is not running: let it */
}

static void *thread0(void *arg)
{
	unsigned seed = 1;

	(void)arg;
	for (long i = 0; i < trials; i++) {
		meet(0, i);
		jitter(&seed);
		atomic_store_explicit(&x[i], 1, memory_order_seq_cst);
		r0[i] = atomic_load_explicit(&y[i], memory_order_seq_cst);
	}
	return NULL;
}

static void *thread1(void *arg)
{
	unsigned seed = 2;

	(void)arg;
	for (long i = 0; i < trials; i++) {
		meet(1, i);
		jitter(&seed);
		atomic_store_explicit(&y[i], 1, memory_order_seq_cst);
		r1[i] = atomic_load_explicit(&x[i], memory_order_seq_cst);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	trials = argc > 1 ? atol(argv[1]) : 100000;
	if (trials < 1 || trials > 10000000) {
		fprintf(stderr, "usage: %s [trials 1..10000000]\n", argv[0]);
		return 2;
	}
	x = calloc(trials, sizeof *x);
	y = calloc(trials, sizeof *y);
	r0 = calloc(trials, 1);
	r1 = calloc(trials, 1);
	if (!x || !y || !r0 || !r1) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	pthread_t t0, t1;
	pthread_create(&t0, NULL, thread0, NULL);
	pthread_create(&t1, NULL, thread1, NULL);
	pthread_join(t0, NULL);
	pthread_join(t1, NULL);

	long seen[2][2] = { { 0 } };
	for (long i = 0; i < trials; i++)
		seen[r0[i]][r1[i]]++;
	printf("%ld trials of  x = 1; r0 = y  ||  y = 1; r1 = x  (seq_cst)\n", trials);
	printf("r0=1 r1=1: %7ld\nr0=0 r1=1: %7ld\nr0=1 r1=0: %7ld\n", seen[1][1], seen[0][1], seen[1][0]);
	printf("r0=0 r1=0: %7ld   <- neither saw the other's store\n", seen[0][0]);
	free(x);
	free(y);
	free(r0);
	free(r1);
	return seen[0][0] ? 1 : 0;
}
