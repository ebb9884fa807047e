/*
 * Loop variable, fixed with one argument slot per thread: main stores each
 * worker's index in ids[i] and passes &ids[i].  Nobody writes ids[i] after
 * pthread_create, and what main wrote before it happens before everything
 * the worker does.  The array must outlive the workers: it is in main's
 * frame, and main joins them before returning.
 *
 * usage: fixed_array [threads]     (default 4)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 16
#define SLICE 1000		/* numbers per worker */

static int nthreads;
static long partial[MAX_THREADS];	/* partial[k]: the sum of slice k */

static void *worker(void *arg)
{
	int id = *(int *)arg;	/* this worker's own slot, written before it started */

	long sum = 0;
	for (long x = (long)id * SLICE; x < (long)(id + 1) * SLICE; x++)
		sum += x;
	partial[id] = sum;	/* one worker per slot */
	return (void *)(intptr_t)id;
}

int main(int argc, char **argv)
{
	nthreads = argc > 1 ? atoi(argv[1]) : 4;
	if (nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "usage: %s [threads 1..%d]\n", argv[0], MAX_THREADS);
		return 2;
	}

	pthread_t tid[MAX_THREADS];
	int ids[MAX_THREADS];	/* one argument per worker, never changed after */
	for (int i = 0; i < nthreads; i++) {
		ids[i] = i;
		pthread_create(&tid[i], NULL, worker, &ids[i]);
	}

	int wrong = 0;
	for (int t = 0; t < nthreads; t++) {
		void *got;
		pthread_join(tid[t], &got);
		int id = (int)(intptr_t)got;
		printf("worker created when i=%d worked on slice %d%s\n", t, id,
		       id == t ? "" : "   <- wrong slice");
		wrong += id != t;
	}

	long n = (long)nthreads * SLICE, expected = n * (n - 1) / 2, total = 0;
	for (int t = 0; t < nthreads; t++)
		total += partial[t];
	printf("sum of 0..%ld: expected %ld, got %ld\n", n - 1, expected, total);
	return wrong || total != expected ? 1 : 0;
}
