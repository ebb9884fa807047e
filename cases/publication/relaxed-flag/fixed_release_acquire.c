/*
 * Publication, fixed with release/acquire: the producer fills the message,
 * then sets `ready` with a release store; the consumer waits with acquire
 * loads.  When the acquire load reads the value the release store wrote,
 * everything the producer did before the store happens before everything
 * the consumer does after the load: the message is complete when read.
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
		msg.values[i] = (i + 1) * 100;
	/* release: the writes above cannot move below this store */
	atomic_store_explicit(&ready, 1, memory_order_release);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	/* acquire: the reads below cannot move above this load */
	while (atomic_load_explicit(&ready, memory_order_acquire) == 0)
		sched_yield();

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
