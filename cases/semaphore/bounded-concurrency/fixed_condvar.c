/*
 * Bounded concurrency, fixed with a mutex and a condition variable: the
 * check and the increment of in_use happen under one mutex, so no other
 * worker can pass the check in between, and a worker that finds no slot
 * sleeps on the condition variable until a release signals it.
 *
 * usage: fixed_condvar [workers] [slots] [rounds]     (default 6 2 3)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_WORKERS 32

static int slots;		/* the limit */
static int rounds;		/* connections each worker opens, one after another */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_freed = PTHREAD_COND_INITIALIZER;
static int in_use;		/* slots handed out, guarded by lock */
static pthread_barrier_t start;	/* lets all workers begin together, so they contend */

/* The database's own count of open connections: atomics, only to measure. */
static atomic_int open_now, open_max;

static void acquire(void)
{
	pthread_mutex_lock(&lock);
	while (in_use >= slots)	/* a loop: another worker may take the slot first */
		pthread_cond_wait(&slot_freed, &lock);
	in_use++;		/* still under the lock that made the check */
	pthread_mutex_unlock(&lock);
}

static void release(void)
{
	pthread_mutex_lock(&lock);
	in_use--;
	pthread_cond_signal(&slot_freed);	/* one slot freed: one waiter can use it */
	pthread_mutex_unlock(&lock);
}

static void query(int id)
{
	int now = atomic_fetch_add(&open_now, 1) + 1;
	int max = atomic_load(&open_max);
	while (now > max && !atomic_compare_exchange_weak(&open_max, &max, now))
		;		/* keep the highest count seen */
	usleep(1000 + 250 * (id % 4));	/* the query: holds the connection 1-2 ms */
	atomic_fetch_sub(&open_now, 1);
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;

	pthread_barrier_wait(&start);
	for (int r = 0; r < rounds; r++) {
		acquire();
		query(id);
		release();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nworkers = argc > 1 ? atoi(argv[1]) : 6;
	slots = argc > 2 ? atoi(argv[2]) : 2;
	rounds = argc > 3 ? atoi(argv[3]) : 3;
	if (nworkers < 1 || nworkers > MAX_WORKERS || slots < 1 || rounds < 1) {
		fprintf(stderr, "usage: %s [workers 1..%d] [slots] [rounds]\n", argv[0], MAX_WORKERS);
		return 2;
	}

	pthread_t tid[MAX_WORKERS];
	pthread_barrier_init(&start, NULL, (unsigned)nworkers);
	for (int w = 0; w < nworkers; w++)
		pthread_create(&tid[w], NULL, worker, (void *)(intptr_t)w);
	for (int w = 0; w < nworkers; w++)
		pthread_join(tid[w], NULL);
	pthread_barrier_destroy(&start);

	int max = atomic_load(&open_max);
	printf("workers=%d slots=%d rounds=%d\n", nworkers, slots, rounds);
	printf("most connections open at once: %d (limit %d)\n", max, slots);
	printf("free slots at the end: %d (expected %d)\n", slots - in_use, slots);
	return max <= slots && in_use == 0 ? 0 : 1;
}
