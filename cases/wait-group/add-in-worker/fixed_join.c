/*
 * Wait group, replaced by pthread_join: main owns every worker's handle, so
 * it can simply join them all before it reads partial[].  A join returns
 * only after the thread has finished, and everything the thread did happens
 * before the join returns.  There is nothing to register, so nothing can
 * register too late.
 *
 * usage: fixed_join [workers] [items]     (default 4 100000)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_WORKERS 16

static int nworkers;
static long items;
static long partial[MAX_WORKERS];	/* partial[id] is written by worker id only */

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;

	usleep(1000);		/* start-up work (open a file, allocate...): harmless now */
	long sum = 0;
	for (long i = id * items / nworkers; i < (id + 1) * items / nworkers; i++)
		sum += i + 1;
	partial[id] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	nworkers = argc > 1 ? atoi(argv[1]) : 4;
	items = argc > 2 ? atol(argv[2]) : 100000;
	if (nworkers < 1 || nworkers > MAX_WORKERS || items < 1) {
		fprintf(stderr, "usage: %s [workers 1..%d] [items]\n", argv[0], MAX_WORKERS);
		return 2;
	}

	pthread_t tid[MAX_WORKERS];
	for (int w = 0; w < nworkers; w++)
		pthread_create(&tid[w], NULL, worker, (void *)(intptr_t)w);
	for (int w = 0; w < nworkers; w++)
		pthread_join(tid[w], NULL);	/* the wait: every worker has finished */

	long total = 0;
	printf("after pthread_join: partial sums");
	for (int w = 0; w < nworkers; w++) {
		printf(" %ld", partial[w]);
		total += partial[w];
	}
	long expected = items * (items + 1) / 2;
	printf("\ntotal: %ld (expected %ld)\n", total, expected);
	return total == expected ? 0 : 1;
}
