/*
 * Join cycle: two workers each sum half of 1..n.  Each needs the other's
 * half to report its share of the total, and pthread_join hands back a
 * thread's return value, so each worker joins the other.  That also looks
 * tidy (every thread is joined exactly once, by its peer, so main joins
 * no one and just waits for the two reports), but a join waits until its
 * target has finished, and each target is itself waiting in a join: a
 * wait-for cycle of two threads, and neither ever finishes.
 *
 * usage: buggy [n]     (default 1000000)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

struct half {
	int id;
	long from, to;		/* sums from..to */
	long sum;		/* this half: written by its worker, read by whoever joins it */
	long total;		/* both halves: written by its worker after the join */
	pthread_t peer;		/* set by main before the start barrier */
};

static struct half halves[2];
static pthread_barrier_t start;	/* the workers start once both peer ids are set */
static sem_t reported;		/* one post per worker that has its total */

static void *worker(void *arg)
{
	struct half *h = arg;
	pthread_barrier_wait(&start);
	long s = 0;
	for (long i = h->from; i <= h->to; i++)
		s += i;
	h->sum = s;
	printf("worker %d: my half is %ld; joining worker %d for the other half\n",
	       h->id, h->sum, 1 - h->id);
	fflush(stdout);			/* show how far it got before it stuck */

	void *ret;
	pthread_join(h->peer, &ret);	/* the bug: the peer is joining this thread */
	h->total = h->sum + *(long *)ret;
	sem_post(&reported);
	return &h->sum;			/* what the peer's join hands back */
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	if (n < 2) {
		fprintf(stderr, "usage: %s [n >= 2]\n", argv[0]);
		return 2;
	}

	halves[0] = (struct half){ .id = 0, .from = 1, .to = n / 2 };
	halves[1] = (struct half){ .id = 1, .from = n / 2 + 1, .to = n };
	pthread_t tid[2];
	sem_init(&reported, 0, 0);
	pthread_barrier_init(&start, NULL, 3);
	for (int i = 0; i < 2; i++)
		pthread_create(&tid[i], NULL, worker, &halves[i]);
	halves[0].peer = tid[1];
	halves[1].peer = tid[0];
	pthread_barrier_wait(&start);

	/* The workers join each other; main only waits for their reports. */
	sem_wait(&reported);
	sem_wait(&reported);
	pthread_barrier_destroy(&start);
	sem_destroy(&reported);

	long expected = n * (n + 1) / 2;
	for (int i = 0; i < 2; i++)
		printf("worker %d: %ld of %ld (%.1f%%)\n", i, halves[i].sum, halves[i].total,
		       100.0 * halves[i].sum / halves[i].total);
	printf("total %ld (expected %ld)\n", halves[0].total, expected);
	return halves[0].total == expected && halves[1].total == expected ? 0 : 1;
}
