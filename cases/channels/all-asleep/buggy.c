/*
 * All threads asleep: a pool of workers takes jobs from a channel until the
 * channel is closed ("for n := range jobs" in Go), but the producer, main,
 * forgets to close it. After the last job every worker waits for one more
 * that nobody will send, and main waits for the workers to finish: no thread
 * can wake another. Go stops such a program with "fatal error: all
 * goroutines are asleep - deadlock!"; in C it just hangs.
 *
 * usage: buggy [workers] [jobs]     (default 4 1000)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_WORKERS 16

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
	/* Ends only when jobs is closed and drained. */
	while (pv_chan_recv(jobs, &n) == PV_CHAN_OK)
		sum += work(n);
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
	/* The bug: no pv_chan_close(jobs), so no worker's loop can end. */

	printf("sent %d jobs to %d workers; waiting for them to finish\n", njobs, nworkers);
	fflush(stdout); /* a deadlocked run is killed: say it first */
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
