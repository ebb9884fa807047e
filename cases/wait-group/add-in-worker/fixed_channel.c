/*
 * Wait group, replaced by a channel: each worker stores its partial sum and
 * then sends its id on a "done" channel; main receives exactly one message
 * per worker it started before it reads partial[].  main counts what it
 * started, so nothing has to register, and a worker that starts late only
 * makes main's receive wait longer.  A send happens before the receive that
 * gets it, so each worker's write is ordered before main's read.
 *
 * usage: fixed_channel [workers] [items]     (default 4 100000)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_WORKERS 16

static pv_chan *done;		/* carries the id of each worker that has finished */
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
	pv_chan_send(done, &id);	/* publishes partial[id] to the receiver */
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

	/* One slot per worker: a worker can report and exit without waiting for main. */
	done = pv_chan_make(sizeof(int), (size_t)nworkers);
	if (!done) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	pthread_t tid[MAX_WORKERS];
	for (int w = 0; w < nworkers; w++)
		pthread_create(&tid[w], NULL, worker, (void *)(intptr_t)w);

	printf("finished:");
	for (int w = 0; w < nworkers; w++) {	/* exactly one message per worker started */
		int id;
		pv_chan_recv(done, &id);
		printf(" worker %d", id);
	}
	long total = 0;
	printf("\nafter %d done messages: partial sums", nworkers);
	for (int w = 0; w < nworkers; w++) {
		printf(" %ld", partial[w]);
		total += partial[w];
	}
	long expected = items * (items + 1) / 2;
	printf("\ntotal: %ld (expected %ld)\n", total, expected);

	for (int w = 0; w < nworkers; w++)
		pthread_join(tid[w], NULL);
	pv_chan_free(done);
	return total == expected ? 0 : 1;
}
