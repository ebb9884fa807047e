/*
 * "We cannot influence the scheduler" is half true: we do not choose which
 * thread runs at each moment, but we set the rules it chooses by.  Measured
 * here, thread by thread:
 *   1. affinity: a thread pinned to one CPU runs there and nowhere else;
 *   2. nice: two spinners pinned to the same CPU, at nice 0 and nice 19,
 *      share it by their weights, not half and half;
 *   3. real-time: a SCHED_FIFO thread, when the system permits one, runs
 *      before every normal thread on its CPU.
 * CPU time comes from each thread's own CPU clock.
 *
 * usage: demo [ms]     (default 200: how long each contest runs)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int run_ms;
static pthread_barrier_t start;
static double deadline;		/* set by one spinner between the two barrier waits */

static double clock_ms(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* The CPUs this process may use, lowest and highest. */
static int allowed_cpus(int *lo, int *hi)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set))
		return 0;
	int n = 0;
	*lo = *hi = -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			if (*lo < 0)
				*lo = c;
			*hi = c;
			n++;
		}
	return n;
}

struct spinner {
	int cpu;		/* pinned there; -1: anywhere */
	int nice;		/* its own nice value (Linux: per thread) */
	int fifo;		/* 1: try SCHED_FIFO priority 1 */
	int fifo_err;		/* what pthread_setschedparam said */
	int nice_err;
	long samples, on_cpu;	/* sched_getcpu() while spinning */
	unsigned cpus_seen;	/* bit per CPU seen, below 32 */
	double cpu_ms;		/* its CPU time */
};

static void *spin(void *arg)
{
	struct spinner *s = arg;
	if (s->cpu >= 0)
		pin_self(s->cpu);
	if (s->nice && setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), s->nice))
		s->nice_err = errno;
	if (s->fifo) {
		struct sched_param p = { .sched_priority = 1 };
		s->fifo_err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &p);
	}
	clockid_t own;
	pthread_getcpuclockid(pthread_self(), &own);
	double t0 = clock_ms(own);
	/* One deadline for all: a thread kept off the CPU loses that time. */
	if (pthread_barrier_wait(&start) == PTHREAD_BARRIER_SERIAL_THREAD)
		deadline = clock_ms(CLOCK_MONOTONIC) + run_ms;
	pthread_barrier_wait(&start);
	while (clock_ms(CLOCK_MONOTONIC) < deadline) {
		int c = sched_getcpu();
		s->samples++;
		s->on_cpu += c == s->cpu;
		if (c >= 0 && c < 32)
			s->cpus_seen |= 1u << c;
	}
	s->cpu_ms = clock_ms(own) - t0;
	return NULL;
}

/* Run n spinners at once; returns 0 when all could be started. */
static int contest(struct spinner *s, int n)
{
	pthread_t th[4];
	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (int i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, spin, &s[i]))
			return -1;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	return 0;
}

static void cpus_text(unsigned bits, char *out, size_t len)
{
	size_t k = 0;
	out[0] = 0;
	for (int c = 0; c < 32 && k + 4 < len; c++)
		if (bits & (1u << c))
			k += (size_t)snprintf(out + k, len - k, "%s%d", k ? "," : "", c);
}

static void share_row(const char *what, const struct spinner *a, const struct spinner *b)
{
	double total = a->cpu_ms + b->cpu_ms;
	printf("%-28s %7.1f ms %5.1f%%   %7.1f ms %5.1f%%\n", what, a->cpu_ms,
	       total > 0 ? 100 * a->cpu_ms / total : 0, b->cpu_ms,
	       total > 0 ? 100 * b->cpu_ms / total : 0);
}

int main(int argc, char **argv)
{
	run_ms = argc > 1 ? atoi(argv[1]) : 200;
	if (run_ms < 10 || run_ms > 10000) {
		fprintf(stderr, "usage: %s [ms 10..10000]\n", argv[0]);
		return 2;
	}
	int lo, hi, ncpus = allowed_cpus(&lo, &hi);
	if (ncpus < 1) {
		perror("sched_getaffinity");
		return 2;
	}
	int bad = 0;
	char seen[128];

	/* 1. affinity */
	struct spinner aff[2] = { { .cpu = hi }, { .cpu = -1 } };
	contest(aff, 2);
	printf("CPUs this process may use: %d (%d..%d); each contest runs %d ms\n\n", ncpus, lo, hi,
	       run_ms);
	cpus_text(aff[0].cpus_seen, seen, sizeof seen);
	printf("pinned to CPU %d:  on it in %ld of %ld samples (CPUs seen: %s)\n", hi,
	       aff[0].on_cpu, aff[0].samples, seen);
	cpus_text(aff[1].cpus_seen, seen, sizeof seen);
	printf("not pinned:       CPUs seen: %s\n\n", seen);
	if (aff[0].on_cpu != aff[0].samples) {
		printf("the pinned thread ran on another CPU: affinity was not applied\n");
		bad = 1;
	}

	/* 2. nice, two spinners on one CPU */
	printf("two spinners on CPU %d           first            second\n", lo);
	struct spinner same[2] = { { .cpu = lo }, { .cpu = lo } };
	contest(same, 2);
	share_row("both nice 0", &same[0], &same[1]);
	struct spinner nice[2] = { { .cpu = lo }, { .cpu = lo, .nice = 19 } };
	contest(nice, 2);
	share_row("nice 0 vs nice 19", &nice[0], &nice[1]);
	if (nice[1].nice_err)
		printf("  (setpriority(19) failed: %s)\n", strerror(nice[1].nice_err));
	/* CFS weights: nice 0 is 1024, nice 19 is 15 */
	printf("  CFS weights 1024 : 15 predict %.1f%% : %.1f%%\n", 100.0 * 1024 / 1039,
	       100.0 * 15 / 1039);
	struct spinner up[2] = { { .cpu = lo }, { .cpu = lo, .nice = -5 } };
	contest(up, 2);
	if (up[1].nice_err)
		printf("nice -5 (a higher priority): refused, %s: raising needs CAP_SYS_NICE"
		       " or RLIMIT_NICE\n", strerror(up[1].nice_err));
	else {
		share_row("nice 0 vs nice -5", &up[0], &up[1]);
		printf("  CFS weights 1024 : 3121 predict %.1f%% : %.1f%%\n", 100.0 * 1024 / 4145,
		       100.0 * 3121 / 4145);
	}

	/* 3. real-time */
	struct spinner rt[2] = { { .cpu = lo }, { .cpu = lo, .fifo = 1 } };
	contest(rt, 2);
	if (rt[1].fifo_err)
		printf("SCHED_FIFO: refused, %s: it needs CAP_SYS_NICE or RLIMIT_RTPRIO, and"
		       " a real-time budget\n            for the cgroup\n", strerror(rt[1].fifo_err));
	else
		share_row("normal vs SCHED_FIFO 1", &rt[0], &rt[1]);

	if (nice[0].cpu_ms < 2 * nice[1].cpu_ms)
		printf("warning: nice 19 got nearly as much CPU as nice 0; was the CPU shared at all?\n");
	return bad;
}
