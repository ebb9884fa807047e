/*
 * Lost update, fixed by not sharing the counter at all: each worker counts
 * in a local variable of its own and, when it is done, sends its count over
 * a channel; main receives one count per worker and adds them up.  Nothing
 * is written by two threads, and the send happens before the receive that
 * gets the value.
 *
 * usage: fixed_channel [threads] [iterations]     (default 4 100000)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 64

static long iterations;
static pv_chan *counts;		/* one long per worker: its private count */
static pthread_barrier_t start;	/* lets all workers begin together, so they overlap */

static void *worker(void *arg)
{
	long mine = 0;		/* private: on this thread's stack, no one else sees it */

	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < iterations; i++)
		mine++;
	pv_chan_send(counts, &mine);	/* hand the result over, by value */
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

	counts = pv_chan_make(sizeof(long), 0);	/* unbuffered: each send meets main's receive */
	if (!counts) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	pthread_t tid[MAX_THREADS];
	pthread_barrier_init(&start, NULL, nthreads);
	for (int t = 0; t < nthreads; t++)
		pthread_create(&tid[t], NULL, worker, NULL);

	long counter = 0;
	for (int t = 0; t < nthreads; t++) {	/* exactly one count per worker */
		long c;
		pv_chan_recv(counts, &c);
		counter += c;
	}
	for (int t = 0; t < nthreads; t++)
		pthread_join(tid[t], NULL);
	pthread_barrier_destroy(&start);
	pv_chan_free(counts);

	long expected = nthreads * iterations;
	printf("threads=%d iterations=%ld\n", nthreads, iterations);
	printf("expected total: %ld\n", expected);
	printf("actual total:   %ld\n", counter);
	return counter == expected ? 0 : 1;
}
