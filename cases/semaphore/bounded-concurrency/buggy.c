/*
 * Bounded concurrency with a plain counter: the database accepts at most
 * `slots` connections, so at most that many workers may hold one at a time.
 * acquire() waits while in_use >= slots and then increments in_use.  The
 * check and the increment are two steps on a plain int: while a slot is
 * free, several waiting workers can see in_use < slots and pass before any
 * of them increments, so more than `slots` workers get in.  The counter
 * itself is a data race too: lost decrements leak slots, and a worker that
 * finds none free for 200 ms gives up, as a pool's acquire timeout would.
 *
 * usage: buggy [workers] [slots] [rounds]     (default 6 2 3)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 32
#define GIVE_UP_MS 200		/* the acquire timeout */

static int slots;		/* the limit */
static int rounds;		/* connections each worker opens, one after another */
static int in_use;		/* slots handed out: the bug, a plain shared counter */
static pthread_barrier_t start;	/* lets all workers begin together, so they contend */

/* The database's own count of open connections: atomics, only to measure. */
static atomic_int open_now, open_max;
static atomic_int gave_up;	/* workers whose acquire timed out */

static long ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* 0 with a slot taken, -1 if none came free within GIVE_UP_MS. */
static int acquire(void)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (in_use >= slots) {	/* check (racy read)... */
		if (ms_since(&t0) > GIVE_UP_MS)
			return -1;
		sched_yield();
	}
	sched_yield();		/* widens the window between the check and the act */
	in_use++;		/* ...then act: others may have passed the check too */
	return 0;
}

static void release(void)
{
	in_use--;		/* racy read-modify-write */
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
		if (acquire() != 0) {
			atomic_fetch_add(&gave_up, 1);	/* drops the rest of its work */
			break;
		}
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
	printf("workers that gave up waiting for a slot: %d\n", atomic_load(&gave_up));
	return max <= slots && in_use == 0 && atomic_load(&gave_up) == 0 ? 0 : 1;
}
