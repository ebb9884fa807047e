/*
 * Worker pool, fixed with an atomic job index and private sums: each worker
 * takes the next job number with atomic_fetch_add, which hands every number
 * to exactly one worker, and adds its results into a sum of its own.  main
 * adds the per-worker sums after joining them, so the total needs no
 * synchronisation at all: nothing is shared while the workers run except the
 * job index.
 *
 * usage: fixed_atomic [workers] [jobs]     (default 4 2000)
 */
#include <pthread.h>
#include <stdatomic.h>
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
static atomic_int next;		/* the next job to take */

struct share {			/* one per worker: written only by its worker */
	long done;
	long sum;
};
static pthread_barrier_t start;	/* lets all workers begin together, so they overlap */

static void *worker(void *arg)
{
	struct share *mine = arg;
	long done = 0, sum = 0;

	pthread_barrier_wait(&start);
	for (;;) {
		int n = atomic_fetch_add(&next, 1);	/* every n goes to one worker */
		if (n >= njobs)
			break;
		sum += job(n);	/* private: no one else sees it */
		done++;
	}
	mine->done = done;
	mine->sum = sum;	/* published to main by pthread_join */
	return NULL;
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
	struct share shares[MAX_WORKERS];
	pthread_barrier_init(&start, NULL, nworkers);
	for (int w = 0; w < nworkers; w++)
		pthread_create(&tid[w], NULL, worker, &shares[w]);
	long jobs_done = 0, total = 0;
	for (int w = 0; w < nworkers; w++) {
		pthread_join(tid[w], NULL);	/* after this, shares[w] is complete */
		printf("worker %d did %ld jobs, sum %ld\n", w, shares[w].done, shares[w].sum);
		jobs_done += shares[w].done;
		total += shares[w].sum;	/* fan-in, in one thread */
	}
	pthread_barrier_destroy(&start);

	printf("jobs done: %ld of %d\n", jobs_done, njobs);
	printf("total:     %ld (expected %ld)\n", total, expected);
	return jobs_done == njobs && total == expected ? 0 : 1;
}
