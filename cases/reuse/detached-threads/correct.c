/*
 * Stack reuse, a correct program: main starts many short-lived detached
 * threads.  Each works on arrays in its own stack frame.  When a detached
 * thread ends, glibc keeps its stack and gives it to a thread created later,
 * so a new thread's locals often sit at the same addresses as a dead
 * thread's.
 *
 * Nothing orders one worker's stack accesses before another's: main limits
 * how many run at once with a *relaxed* counter (no happens-before), and only
 * waits for them all at the very end.  That is correct, because a thread's
 * locals die with it; but a checker that did not forget the old stack's
 * accesses when a new thread starts on it would report phantom races.
 *
 * usage: correct [threads]     (default 300)
 */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 2000
#define MAX_LIVE 4		/* at most this many workers at a time */
#define NLOCAL 256		/* ints in each worker's local array */

static atomic_int live;			/* running workers; relaxed: no ordering */
static sem_t finished;			/* posted by each worker as it ends */
static uintptr_t frame_addr[MAX_THREADS];	/* where each worker's array was */
static int worker_ok[MAX_THREADS];		/* each worker's own check */

/* Not inlined, so the array really lives in memory on the worker's stack. */
__attribute__((noinline)) static void fill(int *a, int n, int seed)
{
	for (int i = 0; i < n; i++)
		a[i] = seed + i;	/* writes to this thread's stack */
}

__attribute__((noinline)) static long sum(const int *a, int n)
{
	long s = 0;
	for (int i = 0; i < n; i++)
		s += a[i];		/* reads from this thread's stack */
	return s;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	int local[NLOCAL];		/* on this thread's stack, maybe a reused one */

	fill(local, NLOCAL, id);
	long expected = (long)NLOCAL * id + (long)NLOCAL * (NLOCAL - 1) / 2;
	worker_ok[id] = sum(local, NLOCAL) == expected;	/* own slot: no sharing */
	frame_addr[id] = (uintptr_t)local;

	atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
	sem_post(&finished);
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 300;
	if (nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "usage: %s [threads 1..%d]\n", argv[0], MAX_THREADS);
		return 2;
	}

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);	/* small stacks: cheap to cache */
	sem_init(&finished, 0, 0);

	for (int t = 0; t < nthreads; t++) {
		/* Throttle without synchronising: spin while too many are running. */
		while (atomic_load_explicit(&live, memory_order_relaxed) >= MAX_LIVE)
			sched_yield();
		atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
		pthread_t tid;
		if (pthread_create(&tid, &attr, worker, (void *)(intptr_t)t) != 0) {
			fprintf(stderr, "pthread_create failed at thread %d\n", t);
			return 2;
		}
	}

	/* The only waiting: once per worker, after all have been started. */
	for (int t = 0; t < nthreads; t++)
		sem_wait(&finished);

	/* Count the distinct stack frames the workers' arrays lived in. */
	int distinct = 0, failed = 0;
	for (int t = 0; t < nthreads; t++) {
		int seen = 0;
		for (int u = 0; u < t && !seen; u++)
			seen = frame_addr[u] == frame_addr[t];
		distinct += !seen;
		failed += !worker_ok[t];
	}
	printf("%d detached threads ran their arrays at %d distinct stack addresses\n",
	       nthreads, distinct);
	printf("so %d threads reused a dead thread's stack; %d workers saw wrong values\n",
	       nthreads - distinct, failed);

	pthread_attr_destroy(&attr);
	sem_destroy(&finished);
	return failed ? 1 : 0;
}
