/*
 * Publication, fixed with a channel: instead of raising a flag, the producer
 * fills the message and then sends a "ready" signal on a channel; the
 * consumer receives it and then reads the message.  A send happens before
 * the receive that gets it, so everything the producer wrote before its
 * send is visible to the consumer after its receive.  The consumer sleeps
 * in the receive instead of spinning.
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>

struct message {
	int id;
	int count;
	int values[4];
};

static struct message msg;	/* the payload: plain memory, handed over by the channel */
static pv_chan *ready;		/* carries one signal: "msg is filled" */
static int consumer_ok;		/* the consumer's verdict, read by main after the join */

static void *producer(void *arg)
{
	(void)arg;
	msg.id = 42;
	msg.count = 4;
	for (int i = 0; i < 4; i++)
		msg.values[i] = (i + 1) * 100;
	int filled = 1;
	pv_chan_send(ready, &filled);	/* the writes above happen before the receive */
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	pv_chan_recv(ready, NULL);	/* sleeps until the producer has sent */

	int id = msg.id;	/* ordered after the producer's writes */
	int count = msg.count;
	int sum = 0;
	for (int i = 0; i < 4; i++)
		sum += msg.values[i];

	printf("consumer saw: id=%d count=%d sum=%d (expected 42 4 1000)\n", id, count, sum);
	consumer_ok = id == 42 && count == 4 && sum == 1000;
	return NULL;
}

int main(void)
{
	pthread_t prod, cons;

	ready = pv_chan_make(sizeof(int), 1);	/* room for the signal: the producer need not wait */
	if (!ready) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	pthread_create(&cons, NULL, consumer, NULL);
	pthread_create(&prod, NULL, producer, NULL);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	pv_chan_free(ready);
	if (!consumer_ok) {
		printf("the consumer read a stale message\n");
		return 1;
	}
	return 0;
}
