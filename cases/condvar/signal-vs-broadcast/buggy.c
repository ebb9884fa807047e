/*
 * Signal instead of broadcast: one producer and two consumers share a
 * one-slot buffer and a single condition variable, `changed`.  Consumers
 * wait on it for "the slot is full", the producer for "the slot is empty".
 * pthread_cond_signal wakes one waiter, of either kind: when a consumer
 * takes an item and signals "empty", the signal can wake the other
 * consumer, which finds the slot empty and waits again, while the
 * producer, the only thread that could go on, sleeps.  Then every thread
 * waits and nobody is left to signal.
 *
 * Without a checker the program hangs: stop it with Ctrl-C.
 *
 * usage: buggy [items]     (default 6)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NCONSUMERS 2
#define STOP (-1)		/* one per consumer after the last item */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;	/* both kinds wait here */
static int slot, full;		/* the one-slot buffer, guarded by lock */
static int idle;		/* consumers waiting for an item, guarded by lock */
static int items;
static int taken[NCONSUMERS];	/* written by consumer i, read by main after the join */
static long sums[NCONSUMERS];

static void *producer(void *arg)
{
	(void)arg;
	/* The whole batch in one critical section; cond_wait lets go while it waits. */
	pthread_mutex_lock(&lock);
	for (int i = 1; i <= items + NCONSUMERS; i++) {
		while (full) {
			printf("producer: slot full, waiting\n");
			pthread_cond_wait(&changed, &lock);
		}
		slot = i <= items ? i : STOP;
		full = 1;
		printf("producer: put %d\n", slot);
		pthread_cond_signal(&changed);	/* meant for a consumer */
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *consumer(void *arg)
{
	int id = (int)(long)arg, count = 0;
	long sum = 0;

	for (;;) {
		pthread_mutex_lock(&lock);
		for (int woken = 0; !full; woken = 1) {
			printf("consumer %d: %s\n", id,
			       woken ? "woken, slot still empty, waiting again" : "slot empty, waiting");
			idle++;
			pthread_cond_wait(&changed, &lock);
			idle--;
		}
		int item = slot;
		full = 0;
		pthread_cond_signal(&changed);	/* meant for the producer: it may wake a consumer */
		pthread_mutex_unlock(&lock);
		if (item == STOP)
			break;
		printf("consumer %d: took %d\n", id, item);
		count++;
		sum += item;
	}
	taken[id] = count;
	sums[id] = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	items = argc > 1 ? atoi(argv[1]) : 6;
	if (items < 1) {
		fprintf(stderr, "usage: %s [items]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);	/* show each line even if the run is killed */

	pthread_t cons[NCONSUMERS], prod;
	for (long i = 0; i < NCONSUMERS; i++)
		pthread_create(&cons[i], NULL, consumer, (void *)i);
	/* Start the producer once both consumers wait, as in a long-running service. */
	pthread_mutex_lock(&lock);
	while (idle < NCONSUMERS) {
		pthread_mutex_unlock(&lock);
		usleep(1000);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	pthread_create(&prod, NULL, producer, NULL);

	pthread_join(prod, NULL);
	int count = 0;
	long sum = 0;
	for (int i = 0; i < NCONSUMERS; i++) {
		pthread_join(cons[i], NULL);
		count += taken[i];
		sum += sums[i];
	}
	long expected = (long)items * (items + 1) / 2;
	printf("consumed %d items, sum %ld (expected %d, %ld)\n", count, sum, items, expected);
	return count == items && sum == expected ? 0 : 1;
}
