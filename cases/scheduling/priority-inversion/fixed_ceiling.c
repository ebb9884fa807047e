/*
 * Priority inversion, fixed with a priority ceiling: the mutex is
 * PTHREAD_PRIO_PROTECT with ceiling HIGH, the highest priority of any
 * thread that locks it, so whoever holds it runs at that priority from the
 * moment it locks.  low cannot be preempted by medium inside its critical
 * section, and high waits at most one critical section.
 *
 * usage: fixed_ceiling [medium's ms]     (default 60)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { LOW = 10, MEDIUM = 20, HIGH = 30, MAIN = 40 };	/* SCHED_FIFO priorities */
#define CRITICAL_MS 10		/* low's time in the critical section */

static pthread_mutex_t m;
static sem_t low_has_lock;
static int medium_ms;
static double high_waited_ms;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void compute_for(double ms)	/* CPU-bound: never blocks */
{
	for (double end = now_ms() + ms; now_ms() < end;)
		;
}

static void init_lock(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_PROTECT);
	pthread_mutexattr_setprioceiling(&a, HIGH);	/* the highest priority that locks it */
	pthread_mutex_init(&m, &a);
	pthread_mutexattr_destroy(&a);
}

static void *low(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	sem_post(&low_has_lock);
	compute_for(CRITICAL_MS);
	pthread_mutex_unlock(&m);
	return NULL;
}

static void *high(void *arg)
{
	(void)arg;
	double t0 = now_ms();
	pthread_mutex_lock(&m);		/* low holds it: wait */
	high_waited_ms = now_ms() - t0;
	pthread_mutex_unlock(&m);
	return NULL;
}

static void *medium(void *arg)
{
	(void)arg;
	compute_for(medium_ms);		/* outranks low: low cannot run meanwhile */
	return NULL;
}

/* A SCHED_FIFO thread at prio on the CPUs in cpus; 0 or an errno. */
static int start(pthread_t *t, void *(*fn)(void *), int prio, cpu_set_t *cpus)
{
	pthread_attr_t a;
	struct sched_param sp = { .sched_priority = prio };
	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_FIFO);
	pthread_attr_setschedparam(&a, &sp);
	pthread_attr_setaffinity_np(&a, sizeof *cpus, cpus);
	int rc = pthread_create(t, &a, fn, NULL);
	pthread_attr_destroy(&a);
	return rc;
}

int main(int argc, char **argv)
{
	medium_ms = argc > 1 ? atoi(argv[1]) : 60;
	if (medium_ms < 1 || medium_ms > 500) {
		fprintf(stderr, "usage: %s [medium's ms 1..500]\n", argv[0]);
		return 2;
	}
	cpu_set_t one;			/* one CPU: who runs is the scheduler's choice alone */
	sched_getaffinity(0, sizeof one, &one);
	int first = 0;
	while (!CPU_ISSET(first, &one))
		first++;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	struct sched_param sp = { .sched_priority = MAIN };
	int rc = sched_setaffinity(0, sizeof one, &one);
	if (!rc)
		rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (rc) {
		printf("cannot use SCHED_FIFO here (%s): real-time priorities need root,\n"
		       "CAP_SYS_NICE or an RLIMIT_RTPRIO; under normal time sharing the low thread\n"
		       "still gets CPU time and the inversion only stretches, it is not shown\n",
		       strerror(rc > 0 ? rc : errno));
		return 0;
	}
	init_lock();
	sem_init(&low_has_lock, 0, 0);
	pthread_t tl, th, tm;
	start(&tl, low, LOW, &one);
	sem_wait(&low_has_lock);	/* low holds the mutex */
	start(&th, high, HIGH, &one);	/* runs at once, and blocks on the mutex */
	start(&tm, medium, MEDIUM, &one);
	pthread_join(th, NULL);
	pthread_join(tm, NULL);
	pthread_join(tl, NULL);
	sem_destroy(&low_has_lock);
	pthread_mutex_destroy(&m);

	printf("low holds the mutex for %d ms; medium computes for %d ms\n", CRITICAL_MS, medium_ms);
	printf("high waited %.1f ms for the mutex\n", high_waited_ms);
	/* Bounded inversion is one critical section; waiting for half of
	 * medium's work as well means high waited for medium.  (The margin
	 * absorbs another real-time program on the same CPU.) */
	if (high_waited_ms > CRITICAL_MS + medium_ms / 2.0) {
		printf("priority inversion: high waited for medium, which needs no lock\n");
		return 1;
	}
	return 0;
}
