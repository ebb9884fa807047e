/*
 * Concurrency vs parallelism, measured.  The same CPU-bound work is split
 * over N threads and run twice:
 *
 *   one core:  every thread pinned to the same CPU.  The threads are all in
 *              progress at once (the scheduler interleaves them), but only one
 *              runs at any instant: concurrency, and no speed-up.
 *   all cores: the threads may run on every CPU we have, really at the same
 *              time: parallelism, and up to (CPUs)x faster.
 *
 * For each thread the program also prints when it finished: on one core they
 * all finish near the end, because they were interleaved, not run one after
 * another.  CPU time over wall time says how many CPUs were busy at once.
 *
 * usage: demo [threads] [work]     (default 4 40000000: steps in all)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_THREADS 64

struct worker {
	pthread_t th;
	long steps;
	unsigned long result;	/* written by the worker, read after the join */
	double finished_ms;	/* since the start of its run */
};

static double t_start;
static cpu_set_t run_on;	/* the CPUs the workers may use in this run */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time used by all threads of the process so far, in ms. */
static double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* Pure CPU work: a pseudo-random walk that the compiler cannot skip. */
static unsigned long crunch(unsigned long x, long steps)
{
	for (long i = 0; i < steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	w->result = crunch((unsigned long)w->steps | 1, w->steps);
	w->finished_ms = now_ms() - t_start;
	return NULL;
}

/* Runs the work on n threads allowed on the CPUs in run_on; returns the
 * wall time in ms, and in *busy how many CPUs were busy on average. */
static double run(struct worker *w, int n, long total, double *busy)
{
	double cpu0 = cpu_ms();
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	int pinned = pthread_attr_setaffinity_np(&attr, sizeof run_on, &run_on) == 0;
	t_start = now_ms();
	for (int i = 0; i < n; i++) {
		w[i].steps = total / n;
		if (pthread_create(&w[i].th, pinned ? &attr : NULL, work, &w[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(2);
		}
	}
	for (int i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
	pthread_attr_destroy(&attr);
	double wall = now_ms() - t_start;
	*busy = (cpu_ms() - cpu0) / wall;
	return wall;
}

static void print_finish_times(const struct worker *w, int n)
{
	printf("    threads finished at (ms):");
	for (int i = 0; i < n; i++)
		printf(" %.1f", w[i].finished_ms);
	printf("\n");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	long total = argc > 2 ? atol(argv[2]) : 40000000;
	if (n < 1 || n > MAX_THREADS || total < n) {
		fprintf(stderr, "usage: %s [threads 1..%d] [work]\n", argv[0], MAX_THREADS);
		return 2;
	}

	cpu_set_t all;
	if (sched_getaffinity(0, sizeof all, &all) != 0) {
		perror("sched_getaffinity");
		return 2;
	}
	int ncpus = CPU_COUNT(&all);
	printf("CPUs this process may use: %d\n", ncpus);
	printf("work: %ld steps split over %d threads\n\n", total, n);

	struct worker one[MAX_THREADS], many[MAX_THREADS];

	/* Concurrency: the first CPU we may use, for every thread. */
	int first = 0;
	while (!CPU_ISSET(first, &all))
		first++;
	CPU_ZERO(&run_on);
	CPU_SET(first, &run_on);
	double busy_one, busy_all;
	double t_one = run(one, n, total, &busy_one);
	printf("one core  (CPU %d):     %7.1f ms   CPUs busy on average: %.2f\n", first, t_one,
	       busy_one);
	print_finish_times(one, n);

	/* Parallelism: every CPU we may use. */
	run_on = all;
	double t_all = run(many, n, total, &busy_all);
	printf("all cores (%d CPUs):    %7.1f ms   CPUs busy on average: %.2f\n", ncpus, t_all,
	       busy_all);
	print_finish_times(many, n);

	int expect = ncpus < n ? ncpus : n;
	printf("\nspeed-up from parallelism: %.2fx (at most %d: min(threads, CPUs))\n",
	       t_one / t_all, expect);
	if (ncpus == 1)
		printf("this machine has 1 CPU: the speed-up cannot show here\n");
	else if (t_one / t_all < 1.2)
		printf("warning: little speed-up this run; are the CPUs busy with other work?\n");

	/* Both runs did the same work, so they must agree. */
	for (int i = 0; i < n; i++)
		if (one[i].result != many[i].result) {
			printf("results differ for thread %d\n", i);
			return 1;
		}
	return 0;
}
