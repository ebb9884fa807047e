/*
 * Dining philosophers, fixed by resource ordering: number the forks and
 * always take the lower-numbered one first.  Philosophers 0..3 still take
 * left then right; philosopher 4, whose left fork is 4 and right fork is 0,
 * takes fork 0 first.  All lock edges now point from a lower fork to a
 * higher one, so the lock-order graph cannot have a cycle, and neither can
 * the wait-for graph.  The five philosophers eat concurrently here.
 *
 * usage: fixed_ordering [meals]     (meals per philosopher, default 100)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N 5

static pthread_mutex_t fork_lock[N] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
};
static long meals_eaten[N];	/* meals_eaten[i] written only by philosopher i */
static long meals;
static pthread_barrier_t start;	/* lets all philosophers sit down together, so they contend */

static void *philosopher(void *arg)
{
	int i = (int)(long)arg;
	int left = i, right = (i + 1) % N;
	int first = left < right ? left : right;	/* lower-numbered fork first */
	int second = left < right ? right : left;

	pthread_barrier_wait(&start);
	for (long m = 0; m < meals; m++) {
		pthread_mutex_lock(&fork_lock[first]);
		pthread_mutex_lock(&fork_lock[second]);
		meals_eaten[i]++;			/* eat */
		pthread_mutex_unlock(&fork_lock[second]);
		pthread_mutex_unlock(&fork_lock[first]);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	meals = argc > 1 ? atol(argv[1]) : 100;
	if (meals < 1) {
		fprintf(stderr, "usage: %s [meals]\n", argv[0]);
		return 2;
	}

	pthread_t t[N];
	pthread_barrier_init(&start, NULL, N);
	for (long i = 0; i < N; i++)
		pthread_create(&t[i], NULL, philosopher, (void *)i);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);

	long total = 0;
	for (int i = 0; i < N; i++) {
		int l = i, r = (i + 1) % N;
		printf("philosopher %d took fork %d then fork %d, ate %ld meals\n",
		       i, l < r ? l : r, l < r ? r : l, meals_eaten[i]);
		total += meals_eaten[i];
	}
	printf("total meals: %ld (expected %ld), all philosophers at the table at once\n",
	       total, N * meals);
	return total == N * meals ? 0 : 1;
}
