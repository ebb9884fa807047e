/*
 * Join cycle, fixed by giving the threads one owner: main creates both
 * workers and is the only thread that joins them.  A worker just sums its
 * half and returns it; main, which waits for both anyway, combines the
 * halves and reports each share.  The join graph is a tree rooted at main
 * (every thread joined by the thread that created it), and a tree has no
 * cycle.
 *
 * usage: fixed_single_owner [n]     (default 1000000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct half {
	int id;
	long from, to;		/* sums from..to */
	long sum;		/* written by its worker, read by main after the join */
};

static struct half halves[2];

static void *worker(void *arg)
{
	struct half *h = arg;
	long s = 0;
	for (long i = h->from; i <= h->to; i++)
		s += i;
	h->sum = s;
	return &h->sum;		/* handed to main's join */
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
	for (int i = 0; i < 2; i++)
		pthread_create(&tid[i], NULL, worker, &halves[i]);

	/* The single owner joins everything it started, and combines the results. */
	long part[2];
	for (int i = 0; i < 2; i++) {
		void *ret;
		pthread_join(tid[i], &ret);
		part[i] = *(long *)ret;
	}
	long total = part[0] + part[1];

	long expected = n * (n + 1) / 2;
	for (int i = 0; i < 2; i++)
		printf("worker %d: %ld of %ld (%.1f%%)\n", i, part[i], total, 100.0 * part[i] / total);
	printf("total %ld (expected %ld)\n", total, expected);
	return total == expected ? 0 : 1;
}
