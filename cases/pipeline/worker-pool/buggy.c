/*
 * Worker pool: fan-out/fan-in.  A pool of workers shares a list of jobs; each
 * worker takes the next job number from a shared counter, computes the job
 * and adds its result to a shared total.  Both shared variables are updated
 * with no synchronisation: next++ lets two workers take the same job, and
 * total += r loses results.
 *
 * usage: buggy [workers] [jobs]     (default 4 2000)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_WORKERS 16

/* Job n: the Collatz steps to reach 1 from each of 16 numbers, added up. */
static long job(int n)
{
	long steps = 0;
	for (uint64_t k = 0; k < 16; k++)
		for (uint64_t x = 1000000u + 16u * (uint64_t)n + k; x != 1; steps++)
			x = x % 2 ? 3 * x + 1 : x / 2;
	return steps;
}

static int njobs;
static volatile int next;	/* the next job to take: the bug, no synchronisation */
static volatile long total;	/* the sum of all results: the bug, no synchronisation */
static pthread_barrier_t start;	/* lets all workers begin together, so they overlap */

static void *worker(void *arg)
{
	long done = 0;

	(void)arg;
	pthread_barrier_wait(&start);
	for (;;) {
		int n = next++;	/* two workers can read the same n */
		if (n >= njobs)
			break;
		long r = job(n);
		total += r;	/* and results can be lost */
		done++;
	}
	return (void *)(intptr_t)done;
}

int main(int argc, char **argv)
{
	int nworkers = argc > 1 ? atoi(argv[1]) : 4;
	njobs = argc > 2 ? atoi(argv[2]) : 2000;
	if (nworkers < 1 || nworkers > MAX_WORKERS || njobs < 1) {
		fprintf(stderr, "usage: %s [workers 1..%d] [jobs]\n", argv[0], MAX_WORKERS);
		return 2;
	}

	long expected = 0;
	for (int n = 0; n < njobs; n++)
		expected += job(n);

	pthread_t tid[MAX_WORKERS];
	pthread_barrier_init(&start, NULL, nworkers);
	for (int w = 0; w < nworkers; w++)
		pthread_create(&tid[w], NULL, worker, NULL);
	long jobs_done = 0;
	for (int w = 0; w < nworkers; w++) {
		void *done;
		pthread_join(tid[w], &done);
		printf("worker %d did %ld jobs\n", w, (long)(intptr_t)done);
		jobs_done += (long)(intptr_t)done;
	}
	pthread_barrier_destroy(&start);

	printf("jobs done: %ld of %d%s\n", jobs_done, njobs,
	       jobs_done > njobs ? " (some were done twice)" : "");
	printf("total:     %ld (expected %ld)\n", total, expected);
	return jobs_done == njobs && total == expected ? 0 : 1;
}
