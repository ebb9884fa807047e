/*
 * Lost update: several threads do counter++ on one shared counter with no
 * synchronisation.  counter++ is three steps (load, add 1, store), and another
 * thread can store in between, so increments get lost.
 *
 * usage: buggy [threads] [iterations]     (default 4 100000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 64

/*
 * Shared by all workers, no lock: the bug.  volatile only stops the compiler
 * from keeping the counter in a register for the whole loop (it may, because
 * a data race is undefined behaviour); it does not make ++ atomic.
 */
static volatile long counter;
static long iterations;		/* written before the threads start, then only read */
static pthread_barrier_t start;	/* lets all workers begin together, so they overlap */

static void *worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < iterations; i++)
		counter++;	/* the data race: load, add, store */
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4;
	iterations = argc > 2 ? atol(argv[2]) : 100000;
	if (nthreads < 1 || nthreads > MAX_THREADS || iterations < 1) {
		fprintf(stderr, "usage: %s [threads 1..%d] [iterations]\n", argv[0], MAX_THREADS);
		return 2;
	}

	pthread_t tid[MAX_THREADS];
	pthread_barrier_init(&start, NULL, nthreads);
	for (int t = 0; t < nthreads; t++)
		pthread_create(&tid[t], NULL, worker, NULL);
	for (int t = 0; t < nthreads; t++)
		pthread_join(tid[t], NULL);
	pthread_barrier_destroy(&start);

	/* Joining orders every worker before this read, so reading here is fine. */
	long expected = nthreads * iterations;
	printf("threads=%d iterations=%ld\n", nthreads, iterations);
	printf("expected total: %ld\n", expected);
	printf("actual total:   %ld\n", counter);
	if (counter != expected) {
		printf("lost updates:   %ld (%.1f%%)\n", expected - counter,
		       100.0 * (expected - counter) / expected);
		return 1;
	}
	printf("no updates lost this time (the race is still there)\n");
	return 0;
}
