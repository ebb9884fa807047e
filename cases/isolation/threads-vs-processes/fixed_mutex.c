/*
 * Threads share one address space, so shared data needs a lock: main and a
 * second thread bump the same global counter, each ++ under one mutex.
 *
 * usage: fixed_mutex [iterations]     (default 100000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long counter;		/* guarded by counter_lock */
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long iterations;
static pthread_barrier_t start;	/* both threads begin bumping together */

static void bump(const char *who)
{
	printf("%-6s: &counter = %p\n", who, (void *)&counter);
	pthread_barrier_wait(&start);
	for (long i = 0; i < iterations; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++;	/* one thread at a time */
		pthread_mutex_unlock(&counter_lock);
	}
}

static void *second_thread(void *arg)
{
	(void)arg;
	bump("thread");
	return NULL;
}

int main(int argc, char **argv)
{
	iterations = argc > 1 ? atol(argv[1]) : 100000;
	if (iterations < 1) {
		fprintf(stderr, "usage: %s [iterations]\n", argv[0]);
		return 2;
	}

	pthread_t tid;
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&tid, NULL, second_thread, NULL);
	bump("main");
	pthread_join(tid, NULL);

	printf("counter after join = %ld (expected %ld = 2 x %ld)\n",
	       counter, 2 * iterations, iterations);
	return counter == 2 * iterations ? 0 : 1;
}
