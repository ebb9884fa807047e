/*
 * Threads share one address space: main and a second thread both bump the
 * same global counter, with no lock.  Both see the same address, both change
 * the same memory, and the unsynchronised ++ is a data race.
 * Compare with processes.c, where fork() gives the child its own copy.
 *
 * usage: threads [iterations]     (default 100000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile long counter;	/* volatile: keep one load+store per ++ (not a fix) */
static long iterations;
static pthread_barrier_t start;	/* both threads begin bumping together */

static void bump(const char *who)
{
	printf("%-6s: &counter = %p\n", who, (void *)&counter);
	pthread_barrier_wait(&start);
	for (long i = 0; i < iterations; i++)
		counter++;	/* the data race: both threads, same memory */
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
	pthread_create(&tid, NULL, second_thread, NULL);	/* like fork() ... */
	bump("main");
	pthread_join(tid, NULL);				/* ... and wait() */

	/* One counter, bumped by both: it should hold both threads' work. */
	printf("counter after join = %ld (expected %ld = 2 x %ld)\n",
	       counter, 2 * iterations, iterations);
	if (counter != 2 * iterations) {
		printf("lost updates: %ld\n", 2 * iterations - counter);
		return 1;
	}
	return 0;
}
