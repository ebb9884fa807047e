/*
 * Send on a closed channel, fixed by "last one out closes": the producers
 * count down a shared atomic counter when they have sent everything, and
 * the one that brings it to zero closes the channel. Every other producer
 * had finished its sends before its decrement, so the close comes after
 * all of them. Still one close, by whoever is last, decided atomically.
 *
 * usage: fixed_last_out [producers] [results each]     (default 3 4)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_PRODUCERS 8

static pv_chan *results;
static int per_producer;
static pthread_barrier_t start;
static atomic_int still_sending;

static void *producer(void *arg)
{
	int id = (int)(intptr_t)arg;

	pthread_barrier_wait(&start);
	for (int i = 0; i < per_producer; i++) {
		if (id > 0)
			usleep(10000);
		int r = 100 * id + i;
		pv_chan_send(results, &r);
	}
	/* Only the last producer to get here sees 1. */
	if (atomic_fetch_sub(&still_sending, 1) == 1)
		pv_chan_close(results);
	return NULL;
}

int main(int argc, char **argv)
{
	int nproducers = argc > 1 ? atoi(argv[1]) : 3;
	per_producer = argc > 2 ? atoi(argv[2]) : 4;
	if (nproducers < 1 || nproducers > MAX_PRODUCERS || per_producer < 0) {
		fprintf(stderr, "usage: %s [producers 1..%d] [results each]\n", argv[0],
			MAX_PRODUCERS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	results = pv_chan_make(sizeof(int), 4);
	pthread_barrier_init(&start, NULL, (unsigned)nproducers);
	atomic_store(&still_sending, nproducers);
	pthread_t tid[MAX_PRODUCERS];
	for (int i = 0; i < nproducers; i++)
		pthread_create(&tid[i], NULL, producer, (void *)(intptr_t)i);

	int got = 0, r;
	while (pv_chan_recv(results, &r) == PV_CHAN_OK)
		got++;
	printf("collected %d of %d results before the channel was closed\n", got,
	       nproducers * per_producer);

	for (int i = 0; i < nproducers; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);
	pv_chan_free(results);
	return got == nproducers * per_producer ? 0 : 1;
}
