/*
 * The bounded queue, fixed with two counting semaphores and a mutex:
 * free_slots counts empty slots (starts at CAP), items counts filled ones
 * (starts at 0).  The producer takes a free slot and gives an item; the
 * consumer takes an item and gives a slot back, so neither can run past
 * the other.  The mutex keeps the buffer and indices consistent; with one
 * producer and one consumer it is not strictly needed, with more it is.
 *
 * usage: fixed_semaphore [items]     (default 20000)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

#define CAP 8

static struct queue {
	long buf[CAP];
	unsigned head, tail;		/* guarded by lock */
	pthread_mutex_t lock;
	sem_t free_slots;		/* how many slots may be written */
	sem_t items;			/* how many slots may be read */
} q = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void put(long v)
{
	sem_wait(&q.free_slots);	/* blocks while the queue is full */
	pthread_mutex_lock(&q.lock);
	q.buf[q.tail] = v;
	q.tail = (q.tail + 1) % CAP;
	pthread_mutex_unlock(&q.lock);
	sem_post(&q.items);		/* one more item for the consumer */
}

static long get(void)
{
	sem_wait(&q.items);		/* blocks while the queue is empty */
	pthread_mutex_lock(&q.lock);
	long v = q.buf[q.head];
	q.head = (q.head + 1) % CAP;
	pthread_mutex_unlock(&q.lock);
	sem_post(&q.free_slots);	/* one more free slot for the producer */
	return v;
}

static long nitems;

static void *producer(void *arg)
{
	(void)arg;
	for (long i = 1; i <= nitems; i++)
		put(i);
	put(0);				/* end marker: items are 1..nitems */
	return NULL;
}

int main(int argc, char **argv)
{
	nitems = argc > 1 ? atol(argv[1]) : 20000;
	if (nitems < 1) {
		fprintf(stderr, "usage: %s [items]\n", argv[0]);
		return 2;
	}

	sem_init(&q.free_slots, 0, CAP);
	sem_init(&q.items, 0, 0);
	pthread_t p;
	pthread_create(&p, NULL, producer, NULL);

	/* The main thread is the consumer: items must arrive as 1, 2, 3, ... */
	long v, received = 0, sum = 0, out_of_order = 0, expect_next = 1;
	while ((v = get()) != 0) {
		received++;
		sum += v;
		if (v != expect_next)
			out_of_order++;
		expect_next = v + 1;
	}
	pthread_join(p, NULL);
	sem_destroy(&q.free_slots);
	sem_destroy(&q.items);

	long expected_sum = nitems * (nitems + 1) / 2;
	printf("produced %ld items 1..%ld (sum %ld)\n", nitems, nitems, expected_sum);
	printf("consumed %ld items (sum %ld), %ld out of sequence\n", received, sum, out_of_order);
	return received == nitems && sum == expected_sum && !out_of_order ? 0 : 1;
}
