/*
 * Worker pool, fixed with channels, as in Go: a feeder thread sends the job
 * numbers into a jobs channel and closes it; the workers receive from it
 * until it is closed (fan-out), and send each result into a results channel;
 * main receives the results and adds them up (fan-in).  A closer thread
 * waits for all workers and then closes the results channel, which ends
 * main's loop.  No variable is shared: every value is handed over by a
 * channel, and a send happens before the receive that gets the value.
 *
 * usage: fixed_channel [workers] [jobs]     (default 4 2000)
 */
#include <pthread.h>
#include <pvchan.h>
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

static int njobs, nworkers;
static pv_chan *jobs;		/* job numbers: feeder -> workers */
static pv_chan *results;	/* results: workers -> main */
static pthread_t workers[MAX_WORKERS];
static long done_by[MAX_WORKERS];	/* set by the closer after joining each worker */

static void *feeder(void *arg)
{
	(void)arg;
	for (int n = 0; n < njobs; n++)
		pv_chan_send(jobs, &n);
	pv_chan_close(jobs);	/* no more jobs: workers' receives end */
	return NULL;
}

static void *worker(void *arg)
{
	long done = 0;
	int n;

	(void)arg;
	while (pv_chan_recv(jobs, &n) == PV_CHAN_OK) {	/* each job reaches one worker */
		long r = job(n);
		pv_chan_send(results, &r);
		done++;
	}
	return (void *)(intptr_t)done;
}

/* Go's "wg.Wait(); close(results)": results closes once every worker is done. */
static void *closer(void *arg)
{
	(void)arg;
	for (int w = 0; w < nworkers; w++) {
		void *done;
		pthread_join(workers[w], &done);
		done_by[w] = (long)(intptr_t)done;
	}
	pv_chan_close(results);
	return NULL;
}

int main(int argc, char **argv)
{
	nworkers = argc > 1 ? atoi(argv[1]) : 4;
	njobs = argc > 2 ? atoi(argv[2]) : 2000;
	if (nworkers < 1 || nworkers > MAX_WORKERS || njobs < 1) {
		fprintf(stderr, "usage: %s [workers 1..%d] [jobs]\n", argv[0], MAX_WORKERS);
		return 2;
	}

	long expected = 0;
	for (int n = 0; n < njobs; n++)
		expected += job(n);

	jobs = pv_chan_make(sizeof(int), 16);
	results = pv_chan_make(sizeof(long), 16);
	if (!jobs || !results) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}

	pthread_t feed, close_when_done;
	pthread_create(&feed, NULL, feeder, NULL);
	for (int w = 0; w < nworkers; w++)
		pthread_create(&workers[w], NULL, worker, NULL);
	pthread_create(&close_when_done, NULL, closer, NULL);

	long total = 0, r;
	while (pv_chan_recv(results, &r) == PV_CHAN_OK)	/* until the closer closes it */
		total += r;

	pthread_join(feed, NULL);
	pthread_join(close_when_done, NULL);	/* after this, done_by[] is complete */
	long jobs_done = 0;
	for (int w = 0; w < nworkers; w++) {
		printf("worker %d did %ld jobs\n", w, done_by[w]);
		jobs_done += done_by[w];
	}
	pv_chan_free(jobs);
	pv_chan_free(results);

	printf("jobs done: %ld of %d\n", jobs_done, njobs);
	printf("total:     %ld (expected %ld)\n", total, expected);
	return jobs_done == njobs && total == expected ? 0 : 1;
}
