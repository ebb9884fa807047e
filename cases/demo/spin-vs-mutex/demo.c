/*
 * Spinlock vs futex-based mutex under oversubscription: more threads than
 * CPUs.  All threads are pinned to one CPU, so only one runs at a time, and
 * each takes a lock, works a little inside, unlocks, works a little
 * outside, for a fixed time.  Three locks:
 *
 *   spin        test-and-test-and-set: spin until the lock looks free, then
 *               try to take it with an atomic exchange
 *   spin+yield  the same, but sched_yield() after 100 failed looks
 *   mutex       pthread_mutex_t: a waiter sleeps in the kernel (futex)
 *
 * It prints critical sections per millisecond and the longest wait for the
 * lock, and checks the counter the lock protects.
 *
 * usage: demo [milliseconds per run]     (default 40)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 4

enum kind { SPIN, SPIN_YIELD, MUTEX, KINDS };
static const char *const kind_name[KINDS] = { "spin", "spin+yield", "mutex" };

static atomic_int spin;			/* 0 free, 1 taken */
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static long counter;			/* what the lock protects */
static atomic_int stop;
static pthread_barrier_t start;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void lock(enum kind k)
{
	if (k == MUTEX) {
		pthread_mutex_lock(&mutex);
		return;
	}
	for (int looks = 0;; looks++) {
		if (!atomic_load_explicit(&spin, memory_order_relaxed) &&
		    !atomic_exchange_explicit(&spin, 1, memory_order_acquire))
			return;
		if (k == SPIN_YIELD && looks > 100) {
			sched_yield();	/* the holder may be preempted: let it run */
			looks = 0;
		} else {
			__builtin_ia32_pause();
		}
	}
}

static void unlock(enum kind k)
{
	if (k == MUTEX)
		pthread_mutex_unlock(&mutex);
	else
		atomic_store_explicit(&spin, 0, memory_order_release);
}

static void work(int n)
{
	for (volatile int i = 0; i < n; i++)
		;
}

struct job {
	enum kind kind;
	long done;		/* critical sections this thread ran */
	double max_wait_us;	/* its longest wait for the lock */
};

static void *worker(void *arg)
{
	struct job *j = arg;
	pthread_barrier_wait(&start);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		double t0 = now_us();
		lock(j->kind);
		double waited = now_us() - t0;
		counter++;
		work(200);		/* inside: preemption here stops everybody */
		unlock(j->kind);
		if (waited > j->max_wait_us)
			j->max_wait_us = waited;
		j->done++;
		work(200);		/* outside */
	}
	return NULL;
}

/* Critical sections per ms of kind with n threads on the CPUs in cpus. */
static double run(enum kind kind, int n, int ms, cpu_set_t *cpus, double *max_wait, int *ok)
{
	struct job jobs[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof *cpus, cpus);
	counter = 0;
	atomic_store(&stop, 0);
	pthread_barrier_init(&start, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct job){ .kind = kind };
		pthread_create(&t[i], &attr, worker, &jobs[i]);
	}
	pthread_attr_destroy(&attr);
	pthread_barrier_wait(&start);
	double t0 = now_us();
	usleep((useconds_t)ms * 1000);
	atomic_store(&stop, 1);
	long sum = 0;
	*max_wait = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		sum += jobs[i].done;
		if (jobs[i].max_wait_us > *max_wait)
			*max_wait = jobs[i].max_wait_us;
	}
	double elapsed_ms = (now_us() - t0) / 1e3;
	pthread_barrier_destroy(&start);
	if (counter != sum)
		*ok = 0;
	return sum / elapsed_ms;
}

int main(int argc, char **argv)
{
	int ms = argc > 1 ? atoi(argv[1]) : 40;
	if (ms < 1 || ms > 10000) {
		fprintf(stderr, "usage: %s [milliseconds per run 1..10000]\n", argv[0]);
		return 2;
	}
	cpu_set_t all, one;
	sched_getaffinity(0, sizeof all, &all);
	int first = 0;
	while (!CPU_ISSET(first, &all))
		first++;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	printf("every thread pinned to CPU %d; %d ms per run\n", first, ms);
	printf("critical sections per ms (longest wait for the lock, ms)\n\n");
	printf("threads %20s %20s %20s\n", kind_name[0], kind_name[1], kind_name[2]);
	int ok = 1;
	for (int n = 1; n <= MAX_THREADS; n *= 2) {
		printf("%7d", n);
		for (enum kind k = 0; k < KINDS; k++) {
			double max_wait;
			double rate = run(k, n, ms, &one, &max_wait, &ok);
			printf(" %11.0f (%6.2f)", rate, max_wait / 1e3);
		}
		printf("\n");
	}
	if (!ok)
		printf("the counter lost increments: a lock let two threads in\n");
	return ok ? 0 : 1;
}
