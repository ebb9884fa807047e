/* A lost update with no data race: each increment is an atomic load and an
 * atomic store, not one atomic step. Two threads that load the same value
 * both store it plus one. Only some interleavings lose an update. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define THREADS 2
#define ROUNDS 5

static atomic_int counter;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		int v = atomic_load(&counter);
		atomic_store(&counter, v + 1);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	int c = atomic_load(&counter);
	printf("counter = %d (expected %d)\n", c, THREADS * ROUNDS);
	return c == THREADS * ROUNDS ? 0 : 1;
}
