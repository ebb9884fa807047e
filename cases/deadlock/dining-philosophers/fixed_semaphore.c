/*
 * Dining philosophers, fixed with a doorman: a counting semaphore lets at
 * most four of the five philosophers sit at the table at a time.  With
 * four diners and five forks, at least one diner can always get both
 * forks (pigeonhole), so the circular wait cannot form.  The philosophers
 * eat concurrently here.
 *
 * The forks are still taken left then right, so the lock-order graph still
 * has the ring 0 -> 1 -> 2 -> 3 -> 4 -> 0.  A lock-order checker knows
 * nothing about the semaphore and reports the cycle: a false alarm.
 *
 * usage: fixed_semaphore [meals]     (meals per philosopher, default 100)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

#define N 5

static pthread_mutex_t fork_lock[N] = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
};
static long meals_eaten[N];	/* meals_eaten[i] written only by philosopher i */
static long meals;
static sem_t seats;		/* N - 1 seats at the table */
static pthread_barrier_t start;	/* lets all philosophers arrive together, so they contend */

static void *philosopher(void *arg)
{
	int i = (int)(long)arg;
	int left = i, right = (i + 1) % N;

	pthread_barrier_wait(&start);
	for (long m = 0; m < meals; m++) {
		sem_wait(&seats);			/* at most N-1 philosophers past here */
		pthread_mutex_lock(&fork_lock[left]);	/* still left first... */
		pthread_mutex_lock(&fork_lock[right]);	/* ...then right: the ring a checker sees */
		meals_eaten[i]++;			/* eat */
		pthread_mutex_unlock(&fork_lock[right]);
		pthread_mutex_unlock(&fork_lock[left]);
		sem_post(&seats);			/* leave the table */
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
	sem_init(&seats, 0, N - 1);
	pthread_barrier_init(&start, NULL, N);
	for (long i = 0; i < N; i++)
		pthread_create(&t[i], NULL, philosopher, (void *)i);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start);
	sem_destroy(&seats);

	long total = 0;
	for (int i = 0; i < N; i++) {
		printf("philosopher %d took fork %d then fork %d, ate %ld meals\n",
		       i, i, (i + 1) % N, meals_eaten[i]);
		total += meals_eaten[i];
	}
	printf("total meals: %ld (expected %ld), at most %d at the table at once\n",
	       total, N * meals, N - 1);
	return total == N * meals ? 0 : 1;
}
