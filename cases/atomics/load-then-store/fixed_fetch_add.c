/*
 * Load, then store, fixed with atomic_fetch_add: the read, the +1 and the
 * write are one indivisible read-modify-write (LOCK XADD on x86), so no other
 * thread can store between them.  The private work no longer sits between
 * reading and writing: it uses the value fetch_add returns.
 *
 * usage: fixed_fetch_add [threads] [iterations]     (default 4 50000)
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
		long seen = atomic_fetch_add(&counter, 1);	/* read and write in one step */
		receipt = work(receipt + (uint64_t)seen);
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
	printf("threads=%d iterations=%ld, atomic_fetch_add\n", nthreads, iterations);
	printf("expected total: %ld\n", expected);
	printf("actual total:   %ld\n", actual);
	if (actual != expected) {
		printf("lost updates:   %ld\n", expected - actual);
		return 1;
	}
	printf("no updates lost\n");
	return 0;
}
