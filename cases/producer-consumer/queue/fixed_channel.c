/*
 * The bounded queue replaced by a buffered channel of capacity 8: the
 * channel does the locking and the waiting (a send blocks while it is
 * full, a receive while it is empty), and closing it tells the consumer
 * that no more items will come.  Nothing is shared but the channel.
 *
 * usage: fixed_channel [items]     (default 20000)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <stdlib.h>

#define CAP 8

static pv_chan *queue;
static long nitems;

static void *producer(void *arg)
{
	(void)arg;
	for (long i = 1; i <= nitems; i++)
		pv_chan_send(queue, &i);	/* blocks while CAP items wait */
	pv_chan_close(queue);			/* the consumer drains what is left, then stops */
	return NULL;
}

int main(int argc, char **argv)
{
	nitems = argc > 1 ? atol(argv[1]) : 20000;
	if (nitems < 1) {
		fprintf(stderr, "usage: %s [items]\n", argv[0]);
		return 2;
	}

	queue = pv_chan_make(sizeof(long), CAP);
	pthread_t p;
	pthread_create(&p, NULL, producer, NULL);

	/* The main thread is the consumer: items must arrive as 1, 2, 3, ... */
	long v, received = 0, sum = 0, out_of_order = 0, expect_next = 1;
	while (pv_chan_recv(queue, &v) == PV_CHAN_OK) {
		received++;
		sum += v;
		if (v != expect_next)
			out_of_order++;
		expect_next = v + 1;
	}
	pthread_join(p, NULL);
	pv_chan_free(queue);

	long expected_sum = nitems * (nitems + 1) / 2;
	printf("produced %ld items 1..%ld (sum %ld)\n", nitems, nitems, expected_sum);
	printf("consumed %ld items (sum %ld), %ld out of sequence\n", received, sum, out_of_order);
	return received == nitems && sum == expected_sum && !out_of_order ? 0 : 1;
}
