/*
 * Missed wakeup, avoided with a channel: the result itself is the message.
 * A channel keeps what was sent until it is received, so there is no
 * separate flag to check and no signal to lose: if the producer sends
 * first, the value waits in the buffer; if the consumer receives first,
 * it sleeps until the value arrives.  Here the consumer is late on purpose.
 *
 * usage: fixed_channel
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <unistd.h>

static pv_chan *results;	/* capacity 1: the producer never waits */

static void *producer(void *arg)
{
	(void)arg;
	int result = 42;
	pv_chan_send(results, &result);	/* kept in the channel until received */
	printf("producer: result sent\n");
	fflush(stdout);
	return NULL;
}

static void *consumer(void *arg)
{
	int *got = arg;
	printf("consumer: going to receive\n");
	fflush(stdout);
	usleep(100 * 1000);		/* arrives late: the value waits for it */
	pv_chan_recv(results, got);
	printf("consumer: got result %d\n", *got);
	return NULL;
}

int main(void)
{
	int result = 0;
	pthread_t c, p;
	results = pv_chan_make(sizeof(int), 1);
	pthread_create(&c, NULL, consumer, &result);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	pv_chan_free(results);
	printf("done: result %d\n", result);
	return result == 42 ? 0 : 1;
}
