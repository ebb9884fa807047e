/*
 * Wait group, fixed by adding before the start: main calls wg_add(1) for a
 * worker before it creates the thread, so when main reaches wg_wait() the
 * count already covers every worker, however late the workers get going.
 * Each worker's wg_done() (an unlock) happens before the wg_wait() that sees
 * the count reach 0, so its write of partial[id] is ordered before main's
 * read.
 *
 * usage: fixed_add_before [workers] [items]     (default 4 100000)
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

	usleep(1000);		/* start-up work (open a file, allocate...): harmless now */
	long sum = 0;
	for (long i = id * items / nworkers; i < (id + 1) * items / nworkers; i++)
		sum += i + 1;
	partial[id] = sum;
	wg_done(&wg);		/* publishes partial[id] to whoever wg_wait()s */
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
	for (int w = 0; w < nworkers; w++) {
		wg_add(&wg, 1);	/* before the thread exists: wg_wait() cannot miss it */
		pthread_create(&tid[w], NULL, worker, (void *)(intptr_t)w);
	}

	wg_wait(&wg);		/* returns only after every worker's wg_done() */
	long total = 0;
	printf("after wg_wait: partial sums");
	for (int w = 0; w < nworkers; w++) {
		printf(" %ld", partial[w]);
		total += partial[w];
	}
	long expected = items * (items + 1) / 2;
	printf("\ntotal: %ld (expected %ld)\n", total, expected);

	for (int w = 0; w < nworkers; w++)
		pthread_join(tid[w], NULL);
	return total == expected ? 0 : 1;
}
