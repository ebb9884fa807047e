/*
 * Wait group with the add in the worker: each worker sums its share of
 * 1..items and stores the sum in partial[id].  main waits on a hand-rolled
 * wait group (a counter, a mutex and a condition variable, like Go's
 * sync.WaitGroup) and then adds up the partial sums.  Each worker calls
 * wg_add(1) itself, at its start: if main reaches wg_wait() before the
 * workers have registered, the count is still 0 and the wait returns at once.
 * main then reads partial[] while the workers are still writing it.
 *
 * usage: buggy [workers] [items]     (default 4 100000)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_WORKERS 16

/* A wait group: a count of unfinished tasks, and a way to wait for zero. */
typedef struct {
	pthread_mutex_t lock;
	pthread_cond_t zero;
	int count;		/* guarded by lock */
} waitgroup;

static void wg_add(waitgroup *wg, int n)
{
	pthread_mutex_lock(&wg->lock);
	wg->count += n;
	pthread_mutex_unlock(&wg->lock);
}

static void wg_done(waitgroup *wg)
{
	pthread_mutex_lock(&wg->lock);
	if (--wg->count == 0)
		pthread_cond_broadcast(&wg->zero);
	pthread_mutex_unlock(&wg->lock);
}

static void wg_wait(waitgroup *wg)
{
	pthread_mutex_lock(&wg->lock);
	while (wg->count > 0)
		pthread_cond_wait(&wg->zero, &wg->lock);
	pthread_mutex_unlock(&wg->lock);
}

static waitgroup wg = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
static int nworkers;
static long items;
static long partial[MAX_WORKERS];	/* partial[id] is written by worker id only */

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;

	usleep(1000);		/* start-up work (open a file, allocate...): widens the window */
	wg_add(&wg, 1);		/* the bug: too late if main is already in wg_wait() */
	long sum = 0;
	for (long i = id * items / nworkers; i < (id + 1) * items / nworkers; i++)
		sum += i + 1;
	partial[id] = sum;	/* racy write: main may be reading it right now */
	wg_done(&wg);
	return NULL;
}

int main(int argc, char **argv)
{
	nworkers = argc > 1 ? atoi(argv[1]) : 4;
	items = argc > 2 ? atol(argv[2]) : 100000;
	if (nworkers < 1 || nworkers > MAX_WORKERS || items < 1) {
		fprintf(stderr, "usage: %s [workers 1..%d] [items]\n", argv[0], MAX_WORKERS);
		return 2;
	}

	pthread_t tid[MAX_WORKERS];
	for (int w = 0; w < nworkers; w++)
		pthread_create(&tid[w], NULL, worker, (void *)(intptr_t)w);

	wg_wait(&wg);		/* count is 0 if no worker has registered yet */
	long total = 0;
	printf("after wg_wait: partial sums");
	for (int w = 0; w < nworkers; w++) {
		printf(" %ld", partial[w]);	/* racy read */
		total += partial[w];
	}
	long expected = items * (items + 1) / 2;
	printf("\ntotal: %ld (expected %ld)\n", total, expected);

	/* Only to release the threads: it comes too late to order the reads above. */
	for (int w = 0; w < nworkers; w++)
		pthread_join(tid[w], NULL);
	long late = 0;
	for (int w = 0; w < nworkers; w++)
		late += partial[w];
	if (total == expected) {
		printf("the workers happened to finish first (the race is still there)\n");
		return 0;
	}
	printf("after pthread_join: total %ld: the results came, after main had read them\n", late);
	return 1;
}
