/*
 * A bounded ring-buffer queue shared by one producer and one consumer with
 * no synchronisation at all.  Both threads update count (the producer adds
 * 1, the consumer takes 1 away), so updates to it get lost, and then the
 * consumer reads slots that were never filled, or the producer overwrites
 * slots that were never read.  The consumer checks what it received.
 *
 * usage: buggy [items]     (default 20000)
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#define CAP 8

/*
 * Shared, unguarded: the bug.  volatile only stops the compiler from
 * hoisting the loads out of the wait loops; it makes nothing atomic.
 */
static struct queue {
	long buf[CAP];
	unsigned head;		/* next slot to read: consumer only */
	unsigned tail;		/* next slot to write: producer only */
	volatile int count;	/* items in the queue: both threads, the race */
	volatile int done;	/* the producer has put its last item */
} q;

static void put(long v)
{
	while (q.count == CAP)		/* full: wait for the consumer */
		sched_yield();
	q.buf[q.tail] = v;
	q.tail = (q.tail + 1) % CAP;
	q.count++;			/* load, add, store: races with count-- */
}

/* Returns 0 when the producer is done and the queue is empty. */
static int get(long *v)
{
	while (q.count == 0) {		/* empty: wait for the producer */
		if (q.done)
			return 0;
		sched_yield();
	}
	*v = q.buf[q.head];
	q.head = (q.head + 1) % CAP;
	q.count--;			/* load, subtract, store: races with count++ */
	return 1;
}

static long nitems;

static void *producer(void *arg)
{
	(void)arg;
	for (long i = 1; i <= nitems; i++)
		put(i);
	q.done = 1;
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
	if (received != nitems || sum != expected_sum || out_of_order) {
		printf("items lost or duplicated: the queue's count went wrong\n");
		return 1;
	}
	return 0;
}
