/*
 * Dining philosophers: five philosophers sit round a table with one fork
 * between each pair.  Philosopher i takes fork i (left), then fork i+1
 * (right, modulo 5), eats, and puts both back.  If all five pick up their
 * left fork at the same moment, each waits for ever for the right one,
 * which its neighbour holds: a 5-cycle of waiting.
 *
 * To keep the run deterministic the philosophers eat in turn (each thread
 * runs to completion before the next starts), so this run never blocks.
 * The ring of "held fork i while taking fork i+1" is still observed, and a
 * lock-order checker closes the cycle 0 -> 1 -> 2 -> 3 -> 4 -> 0.
 *
 * usage: buggy [meals]     (meals per philosopher, default 100)
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

static void *philosopher(void *arg)
{
	int i = (int)(long)arg;
	int left = i, right = (i + 1) % N;

	for (long m = 0; m < meals; m++) {
		pthread_mutex_lock(&fork_lock[left]);	/* every philosopher: left first... */
		pthread_mutex_lock(&fork_lock[right]);	/* ...then right: the ring closes here */
		meals_eaten[i]++;			/* eat */
		pthread_mutex_unlock(&fork_lock[right]);
		pthread_mutex_unlock(&fork_lock[left]);
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

	/* In turn: philosopher i+1 sits down only after philosopher i has finished. */
	for (long i = 0; i < N; i++) {
		pthread_t t;
		pthread_create(&t, NULL, philosopher, (void *)i);
		pthread_join(t, NULL);
	}

	long total = 0;
	for (int i = 0; i < N; i++) {
		printf("philosopher %d took fork %d then fork %d, ate %ld meals\n",
		       i, i, (i + 1) % N, meals_eaten[i]);
		total += meals_eaten[i];
	}
	printf("total meals: %ld (expected %ld)\n", total, N * meals);
	printf("no deadlock this run, only because the philosophers ate one at a time\n");
	return total == N * meals ? 0 : 1;
}
