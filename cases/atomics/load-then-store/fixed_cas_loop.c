/*
 * Load, then store, fixed with a compare-and-swap loop: the thread computes
 * the new value from what it read, then stores it only if the counter still
 * holds what it read (atomic_compare_exchange_weak).  If another thread got
 * in between, the CAS fails, hands back the current value, and the thread
 * computes again.  This is how any read-modify-write that has no ready-made
 * atomic operation is done (a maximum, a saturating add, a linked-list push).
 *
 * usage: fixed_cas_loop [threads] [iterations]     (default 4 50000)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 64

static atomic_long counter;
static atomic_long retries;	/* failed CAS attempts: interference detected */
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
		long seen = atomic_load(&counter);
		for (;;) {
			receipt = work(receipt + (uint64_t)seen);
			if (atomic_compare_exchange_weak(&counter, &seen, seen + 1))
				break;	/* nobody stored since we read seen */
			atomic_fetch_add_explicit(&retries, 1, memory_order_relaxed);
			/* seen now holds the current value: compute again */
		}
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
	printf("threads=%d iterations=%ld, compare-and-swap loop\n", nthreads, iterations);
	printf("expected total: %ld\n", expected);
	printf("actual total:   %ld\n", actual);
	if (actual != expected) {
		printf("lost updates:   %ld\n", expected - actual);
		return 1;
	}
	printf("no updates lost; %ld CAS attempts failed and were retried\n",
	       atomic_load(&retries));
	return 0;
}
