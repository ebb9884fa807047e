/*
 * Contention scaling: how fast can threads count together?  Three counters,
 * each run for a fixed time with 1, 2, 4 and 8 threads:
 *
 *   mutex       counter++ under one pthread mutex
 *   atomic      atomic_fetch_add on one shared counter
 *   per-thread  a private counter per thread, each in its own cache line,
 *               summed once at the end
 *
 * It prints increments per microsecond for each, and checks that each
 * shared counter equals the sum of what the threads counted.
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

#define MAX_THREADS 8

enum kind { MUTEX, ATOMIC, PER_THREAD, KINDS };
static const char *const kind_name[KINDS] = { "mutex", "atomic", "per-thread" };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long locked_counter;		/* under lock */
static atomic_long atomic_counter;
static struct {
	_Alignas(64) long n;		/* one cache line each: no false sharing */
} mine[MAX_THREADS];
static atomic_int stop;
static pthread_barrier_t start;

struct job {
	enum kind kind;
	int id;
	long done;			/* increments this thread made */
};

static void *count(void *arg)
{
	struct job *j = arg;
	long n = 0;
	pthread_barrier_wait(&start);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (int i = 0; i < 64; i++) {	/* check the clock's flag every 64 */
			switch (j->kind) {
			case MUTEX:
				pthread_mutex_lock(&lock);
				locked_counter++;
				pthread_mutex_unlock(&lock);
				break;
			case ATOMIC:
				atomic_fetch_add_explicit(&atomic_counter, 1, memory_order_relaxed);
				break;
			default:
				mine[j->id].n++;
			}
		}
		n += 64;
	}
	j->done = n;
	return NULL;
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Increments per microsecond of kind with n threads for ms milliseconds;
 * *ok is cleared if the counter disagrees with the threads' own counts. */
static double run(enum kind kind, int n, int ms, int *ok)
{
	struct job jobs[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	locked_counter = 0;
	atomic_store(&atomic_counter, 0);
	for (int i = 0; i < n; i++)
		mine[i].n = 0;
	atomic_store(&stop, 0);
	pthread_barrier_init(&start, NULL, (unsigned)n + 1);
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct job){ .kind = kind, .id = i };
		pthread_create(&t[i], NULL, count, &jobs[i]);
	}
	pthread_barrier_wait(&start);
	double t0 = now_us();
	usleep((useconds_t)ms * 1000);
	atomic_store(&stop, 1);
	long sum = 0, total = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		sum += jobs[i].done;
		total += mine[i].n;
	}
	double us = now_us() - t0;
	pthread_barrier_destroy(&start);
	if (kind == MUTEX)
		total = locked_counter;
	else if (kind == ATOMIC)
		total = atomic_load(&atomic_counter);
	if (total != sum)
		*ok = 0;
	return total / us;
}

int main(int argc, char **argv)
{
	int ms = argc > 1 ? atoi(argv[1]) : 40;
	if (ms < 1 || ms > 10000) {
		fprintf(stderr, "usage: %s [milliseconds per run 1..10000]\n", argv[0]);
		return 2;
	}
	cpu_set_t cpus;
	sched_getaffinity(0, sizeof cpus, &cpus);
	printf("CPUs: %d; each run lasts %d ms; increments per microsecond (all threads together)\n\n",
	       CPU_COUNT(&cpus), ms);
	printf("threads %12s %12s %12s\n", kind_name[0], kind_name[1], kind_name[2]);
	int ok = 1;
	for (int n = 1; n <= MAX_THREADS; n *= 2) {
		printf("%7d", n);
		for (enum kind k = 0; k < KINDS; k++)
			printf(" %12.1f", run(k, n, ms, &ok));
		printf("\n");
	}
	if (!ok)
		printf("a shared counter lost increments\n");
	return ok ? 0 : 1;
}
