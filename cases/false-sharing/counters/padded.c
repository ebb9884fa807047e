/*
 * False sharing, fixed by padding: the same per-thread counters as
 * adjacent.c, but each one alone in its own 64-byte cache line (alignas(64)
 * pads the rest of the line).  A core now writes a line that no other core
 * wants, keeps it in its own cache, and the threads no longer slow each other
 * down.
 *
 * The program times the increments on one thread alone, then on all threads
 * at once (each on its own counter), and prints the slowdown.
 *
 * usage: padded [threads] [increments]     (default 2 5000000, per thread)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_THREADS 8
#define CACHE_LINE 64

/* One counter per thread, each aligned to (and so filling) a cache line.
 * volatile keeps one load and one store per increment, as a counter that
 * someone may read at any time would have; each is written by one thread. */
struct padded_counter {
	_Alignas(CACHE_LINE) volatile long n;
};
static struct padded_counter counts[MAX_THREADS];

static long increments;
static pthread_barrier_t start;
static double began[MAX_THREADS], ended[MAX_THREADS];	/* read after the join */
static cpu_set_t cpus;		/* the CPUs we may use */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *count(void *arg)
{
	long me = (long)arg;
	volatile long *mine = &counts[me].n;
	pthread_barrier_wait(&start);	/* all threads count at the same time */
	began[me] = now_ms();
	for (long i = 0; i < increments; i++)
		(*mine)++;
	ended[me] = now_ms();
	return NULL;
}

/* n threads, each incrementing its own counter; returns the time from the
 * first start to the last end. */
static double run(int n)
{
	pthread_t th[MAX_THREADS];
	pthread_barrier_init(&start, NULL, n);
	int cpu = -1;
	for (long i = 0; i < n; i++) {
		/* Thread i on the next CPU: threads on one CPU would take turns,
		 * and could not fight over the line. */
		do
			cpu = (cpu + 1) % CPU_SETSIZE;
		while (!CPU_ISSET(cpu, &cpus));
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof one, &one);
		counts[i].n = 0;
		if (pthread_create(&th[i], &attr, count, (void *)i) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(2);
		}
		pthread_attr_destroy(&attr);
	}
	double first = 0, last = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (i == 0 || began[i] < first)
			first = began[i];
		if (i == 0 || ended[i] > last)
			last = ended[i];
	}
	pthread_barrier_destroy(&start);
	return last - first;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2;
	increments = argc > 2 ? atol(argv[2]) : 5000000;
	if (n < 2 || n > MAX_THREADS || increments < 1) {
		fprintf(stderr, "usage: %s [threads 2..%d] [increments]\n", argv[0], MAX_THREADS);
		return 2;
	}

	uintptr_t a0 = (uintptr_t)&counts[0].n, a1 = (uintptr_t)&counts[1].n;
	printf("padded counters: &counts[0] = %p, &counts[1] = %p: %lu bytes apart, %s cache line\n",
	       (void *)a0, (void *)a1, (unsigned long)(a1 - a0),
	       a0 / CACHE_LINE == a1 / CACHE_LINE ? "same" : "different");
	sched_getaffinity(0, sizeof cpus, &cpus);
	printf("%ld increments per thread, CPUs: %d, one thread on each\n\n", increments,
	       CPU_COUNT(&cpus));
	if (CPU_COUNT(&cpus) == 1)
		printf("(one CPU: the threads take turns, so they cannot slow each other down)\n");

	double alone = run(1);
	double together = run(n);
	printf("1 thread alone:       %7.1f ms  (%5.2f ns per increment)\n", alone,
	       1e6 * alone / increments);
	printf("%d threads together:   %7.1f ms  (%5.2f ns per increment, per thread)\n", n,
	       together, 1e6 * together / increments);
	printf("slowdown: %.1fx (1.0x when nothing is shared)\n", together / alone);
	if (together / alone > 2)
		printf("warning: a big slowdown this run; are the CPUs busy with other work?\n");

	/* Each thread wrote only its own counter: none can be short. */
	for (int i = 0; i < n; i++)
		if (counts[i].n != increments) {
			printf("counter %d: %ld, expected %ld\n", i, counts[i].n, increments);
			return 1;
		}
	return 0;
}
