/*
 * Publication through a relaxed flag: the producer fills a message, then sets
 * `ready` with memory_order_relaxed; the consumer waits for `ready`, then
 * reads the message.  A relaxed atomic is atomic, but orders nothing else:
 * the consumer may see ready == 1 and still read an old or half-written
 * message.  The payload accesses are a data race.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

struct message {
	int id;
	int count;
	int values[4];
};

static struct message msg;	/* the payload: plain memory */
static atomic_int ready;	/* the flag: 0 until msg is filled */
static int consumer_ok;		/* the consumer's verdict, read by main after the join */

static void *producer(void *arg)
{
	(void)arg;
	msg.id = 42;
	msg.count = 4;
	for (int i = 0; i < 4; i++)
		msg.values[i] = (i + 1) * 100;	/* racy write of the payload */
	/* relaxed: sets the flag, but gives no guarantee about msg */
	atomic_store_explicit(&ready, 1, memory_order_relaxed);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	while (atomic_load_explicit(&ready, memory_order_relaxed) == 0)
		sched_yield();	/* spin until the flag is up */

	int id = msg.id;	/* racy read: nothing orders it after the write */
	int count = msg.count;	/* racy read */
	int sum = 0;
	for (int i = 0; i < 4; i++)
		sum += msg.values[i];	/* racy read */

	printf("consumer saw: id=%d count=%d sum=%d (expected 42 4 1000)\n", id, count, sum);
	consumer_ok = id == 42 && count == 4 && sum == 1000;
	return NULL;
}

int main(void)
{
	pthread_t prod, cons;

	pthread_create(&cons, NULL, consumer, NULL);
	pthread_create(&prod, NULL, producer, NULL);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	if (!consumer_ok) {
		printf("the consumer read a stale message\n");
		return 1;
	}
	return 0;
}
