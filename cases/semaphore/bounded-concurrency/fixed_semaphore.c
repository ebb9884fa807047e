/*
 * Bounded concurrency, fixed with a counting semaphore initialised to
 * `slots`: sem_wait() takes a slot, sleeping while none is free, and
 * sem_post() gives it back.  The semaphore checks and decrements its count
 * in one indivisible step, so no two workers can take the same last slot.
 *
 * usage: fixed_semaphore [workers] [slots] [rounds]     (default 6 2 3)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_WORKERS 32

static int slots;		/* the limit */
static int rounds;		/* connections each worker opens, one after another */
static sem_t free_slots;	/* counts the slots not in use */
static pthread_barrier_t start;	/* lets all workers begin together, so they contend */

/* The database's own count of open connections: atomics, only to measure. */
static atomic_int open_now, open_max;

static void acquire(void)
{
	sem_wait(&free_slots);	/* check and take in one step; sleeps at 0 */
}

static void release(void)
{
	sem_post(&free_slots);	/* may wake one sleeping acquire() */
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
	sem_init(&free_slots, 0, (unsigned)slots);
	pthread_barrier_init(&start, NULL, (unsigned)nworkers);
	for (int w = 0; w < nworkers; w++)
		pthread_create(&tid[w], NULL, worker, (void *)(intptr_t)w);
	for (int w = 0; w < nworkers; w++)
		pthread_join(tid[w], NULL);
	pthread_barrier_destroy(&start);

	int max = atomic_load(&open_max);
	printf("workers=%d slots=%d rounds=%d\n", nworkers, slots, rounds);
	printf("most connections open at once: %d (limit %d)\n", max, slots);
	int left;
	sem_getvalue(&free_slots, &left);
	sem_destroy(&free_slots);
	printf("free slots at the end: %d (expected %d)\n", left, slots);
	return max <= slots && left == slots ? 0 : 1;
}
