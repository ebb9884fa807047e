/*
 * The bounded queue, fixed with a mutex and two condition variables: every
 * access to the queue is under the mutex, a full queue makes the producer
 * sleep on not_full, an empty one makes the consumer sleep on not_empty,
 * and each side wakes the other after changing count.
 *
 * usage: fixed_condvar [items]     (default 20000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CAP 8

static struct queue {
	long buf[CAP];
	unsigned head, tail;
	int count;
	int done;
	pthread_mutex_t lock;		/* guards everything above */
	pthread_cond_t not_full;	/* signalled when count drops below CAP */
	pthread_cond_t not_empty;	/* signalled when count rises above 0, or done */
} q = { .lock = PTHREAD_MUTEX_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER,
	.not_empty = PTHREAD_COND_INITIALIZER };

static void put(long v)
{
	pthread_mutex_lock(&q.lock);
	while (q.count == CAP)			/* while, not if: re-check after every wakeup */
		pthread_cond_wait(&q.not_full, &q.lock);
	q.buf[q.tail] = v;
	q.tail = (q.tail + 1) % CAP;
	q.count++;
	pthread_cond_signal(&q.not_empty);
	pthread_mutex_unlock(&q.lock);
}

static void finish(void)
{
	pthread_mutex_lock(&q.lock);
	q.done = 1;
	pthread_cond_signal(&q.not_empty);	/* the consumer may be asleep on an empty queue */
	pthread_mutex_unlock(&q.lock);
}

/* Returns 0 when the producer is done and the queue is empty. */
static int get(long *v)
{
	pthread_mutex_lock(&q.lock);
	while (q.count == 0 && !q.done)
		pthread_cond_wait(&q.not_empty, &q.lock);
	int got = q.count > 0;
	if (got) {
		*v = q.buf[q.head];
		q.head = (q.head + 1) % CAP;
		q.count--;
		pthread_cond_signal(&q.not_full);
	}
	pthread_mutex_unlock(&q.lock);
	return got;
}

static long nitems;

static void *producer(void *arg)
{
	(void)arg;
	for (long i = 1; i <= nitems; i++)
		put(i);
	finish();
	return NULL;
}

int main(int argc, char **argv)
{
	nitems = argc > 1 ? atol(argv[1]) : 20000;
	if (nitems < 1) {
		fprintf(stderr, "usage: %s [items]\n", argv[0]);
		return 2;
	}

	pthread_t p;
	pthread_create(&p, NULL, producer, NULL);

	/* The main thread is the consumer: items must arrive as 1, 2, 3, ... */
	long v, received = 0, sum = 0, out_of_order = 0, expect_next = 1;
	while (get(&v)) {
		received++;
		sum += v;
		if (v != expect_next)
			out_of_order++;
		expect_next = v + 1;
	}
	pthread_join(p, NULL);

	long expected_sum = nitems * (nitems + 1) / 2;
	printf("produced %ld items 1..%ld (sum %ld)\n", nitems, nitems, expected_sum);
	printf("consumed %ld items (sum %ld), %ld out of sequence\n", received, sum, out_of_order);
	return received == nitems && sum == expected_sum && !out_of_order ? 0 : 1;
}
