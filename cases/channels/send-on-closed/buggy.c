/*
 * Send on a closed channel: three producers send their results into one
 * channel and main collects them until the channel is closed. Each producer
 * closes the channel when it has sent its own results, as if it were the
 * only one. The fast producer closes while the slow ones still have results
 * to send: main stops collecting early, and the next send on the closed
 * channel is fatal (Go panics: "send on closed channel"; pvchan aborts).
 *
 * usage: buggy [producers] [results each]     (default 3 4)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_PRODUCERS 8

static pv_chan *results;
static int per_producer;
static pthread_barrier_t start; /* lets the producers begin together */

static void *producer(void *arg)
{
	int id = (int)(intptr_t)arg;

	pthread_barrier_wait(&start);
	for (int i = 0; i < per_producer; i++) {
		if (id > 0)
			usleep(10000); /* the slow producers: their work takes a while */
		int r = 100 * id + i;
		pv_chan_send(results, &r);
	}
	pv_chan_close(results); /* the bug: the others may still be sending */
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
	setvbuf(stdout, NULL, _IOLBF, 0); /* the crash must not eat the output */

	results = pv_chan_make(sizeof(int), 4);
	pthread_barrier_init(&start, NULL, (unsigned)nproducers);
	pthread_t tid[MAX_PRODUCERS];
	for (int i = 0; i < nproducers; i++)
		pthread_create(&tid[i], NULL, producer, (void *)(intptr_t)i);

	/* Collect until the channel is closed and drained. */
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
