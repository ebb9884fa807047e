/*
 * Load, then store: every access to the counter is atomic, so there is no
 * data race, and yet increments are lost.  Each thread reads the counter
 * with atomic_load, works out the new value, and writes it with atomic_store.
 * Between the two, other threads can store their increments, and this
 * thread's store then overwrites them with a value computed from a stale
 * read.  Two atomic steps do not make one atomic step.
 *
 * usage: buggy [threads] [iterations]     (default 4 50000)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 64

static atomic_long counter;
static long iterations;
static pthread_barrier_t start;	/* lets all workers begin together, so they overlap */

/* Private work between reading and writing (validating, logging...): in real
 * code the two steps are rarely adjacent, and this widens the window. */
static uint64_t work(uint64_t x)
{
	for (int k = 0; k < 50; k++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	return x;
}

static void *worker(void *arg)
{
	uint64_t receipt = (uintptr_t)arg;

	pthread_barrier_wait(&start);
	for (long i = 0; i < iterations; i++) {
		long seen = atomic_load(&counter);	/* atomic */
		receipt = work(receipt + (uint64_t)seen);
		atomic_store(&counter, seen + 1);	/* atomic, but seen may be stale by now */
	}
	return (void *)(uintptr_t)receipt;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4;
	iterations = argc > 2 ? atol(argv[2]) : 50000;
	if (nthreads < 1 || nthreads > MAX_THREADS || iterations < 1) {
		fprintf(stderr, "usage: %s [threads 1..%d] [iterations]\n", argv[0], MAX_THREADS);
		return 2;
	}

	pthread_t tid[MAX_THREADS];
	pthread_barrier_init(&start, NULL, nthreads);
	for (int t = 0; t < nthreads; t++)
		pthread_create(&tid[t], NULL, worker, (void *)(intptr_t)t);
	for (int t = 0; t < nthreads; t++)
		pthread_join(tid[t], NULL);
	pthread_barrier_destroy(&start);

	long expected = nthreads * iterations, actual = atomic_load(&counter);
	printf("threads=%d iterations=%ld, every access atomic\n", nthreads, iterations);
	printf("expected total: %ld\n", expected);
	printf("actual total:   %ld\n", actual);
	if (actual != expected) {
		printf("lost updates:   %ld (%.1f%%)\n", expected - actual,
		       100.0 * (expected - actual) / expected);
		return 1;
	}
	printf("no updates lost this time (the load-then-store is still there)\n");
	return 0;
}
