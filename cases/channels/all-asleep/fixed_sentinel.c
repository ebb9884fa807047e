/*
 * All threads asleep, fixed with sentinels: after the real jobs the
 * producer sends one STOP value per worker ("poison pill"). Each worker
 * stops at the first STOP it takes and takes no more, so every worker gets
 * exactly one. It works without close, but only because the producer knows
 * how many workers there are; closing the channel needs no count.
 *
 * usage: fixed_sentinel [workers] [jobs]     (default 4 1000)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_WORKERS 16
#define STOP (-1)

static pv_chan *jobs;

static long work(int n)
{
	return (long)n * n % 1000;
}

static void *worker(void *arg)
{
	long sum = 0;
	int n;

	(void)arg;
	for (;;) {
		pv_chan_recv(jobs, &n);
		if (n == STOP)
			break;
		sum += work(n);
	}
	return (void *)(intptr_t)sum;
}

int main(int argc, char **argv)
{
	int nworkers = argc > 1 ? atoi(argv[1]) : 4;
	int njobs = argc > 2 ? atoi(argv[2]) : 1000;
	if (nworkers < 1 || nworkers > MAX_WORKERS || njobs < 0) {
		fprintf(stderr, "usage: %s [workers 1..%d] [jobs]\n", argv[0], MAX_WORKERS);
		return 2;
	}

	jobs = pv_chan_make(sizeof(int), 8);
	pthread_t tid[MAX_WORKERS];
	for (int i = 0; i < nworkers; i++)
		pthread_create(&tid[i], NULL, worker, NULL);

	for (int n = 0; n < njobs; n++)
		pv_chan_send(jobs, &n);
	/* One STOP per worker: a worker that took one takes nothing more. */
	int stop = STOP;
	for (int i = 0; i < nworkers; i++)
		pv_chan_send(jobs, &stop);

	printf("sent %d jobs and %d STOPs to %d workers; waiting for them to finish\n",
	       njobs, nworkers, nworkers);
	fflush(stdout);
	long total = 0;
	for (int i = 0; i < nworkers; i++) {
		void *r;
		pthread_join(tid[i], &r);
		total += (long)(intptr_t)r;
	}

	long expected = 0;
	for (int n = 0; n < njobs; n++)
		expected += work(n);
	printf("total %ld (expected %ld)\n", total, expected);
	pv_chan_free(jobs);
	return total == expected ? 0 : 1;
}
