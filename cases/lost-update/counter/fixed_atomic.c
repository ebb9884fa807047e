/*
 * Lost update, fixed with an atomic: atomic_fetch_add does the load, add and
 * store as one indivisible read-modify-write (LOCK XADD on x86).
 *
 * usage: fixed_atomic [threads] [iterations]     (default 4 100000)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 64

static atomic_long counter;
static long iterations;
static pthread_barrier_t start;	/* lets all workers begin together, so they overlap */

static void *worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < iterations; i++)
		atomic_fetch_add(&counter, 1);	/* one indivisible step, seq_cst */
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

	long expected = nthreads * iterations;
	long actual = atomic_load(&counter);
	printf("threads=%d iterations=%ld\n", nthreads, iterations);
	printf("expected total: %ld\n", expected);
	printf("actual total:   %ld\n", actual);
	return actual == expected ? 0 : 1;
}
