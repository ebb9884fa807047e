/*
 * A thread pool with shutdown, cancellation and timed waits.  Tasks go into
 * a queue under a mutex; workers wait on a condition variable for tasks.
 * submit() returns a task handle; wait_result() waits for it with a
 * timeout, and cancel() asks a running task to stop (the task checks its
 * flag).  main submits 20 tasks, one of them far too slow: it waits for
 * that one 20 ms, cancels it, collects the rest, and shuts the pool down.
 * The bug is in shutdown: the workers' wait does not look at the shutdown
 * flag, so the broadcast wakes them, they see an empty queue, and they go
 * back to sleep for good; pool_shutdown's joins never return.
 *
 * usage: buggy [workers] [tasks]     (default 4 20)
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_WORKERS 16
#define MAX_TASKS 64

struct task {
	long n, result;		/* input; output, valid once done */
	int done;		/* guarded by pool.lock */
	atomic_int cancelled;	/* asked to stop: the task checks it as it runs */
	struct task *next;
};

static struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work;	/* a task was queued, or shutdown began */
	pthread_cond_t done;	/* a task finished */
	struct task *head, *tail;
	int shutting_down;
	int nworkers;
	pthread_t workers[MAX_WORKERS];
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER };

/* The work: n steps of a sum, giving up when asked to. */
static long run_task(struct task *t)
{
	long sum = 0;
	for (long i = 1; i <= t->n; i++) {
		if (i % 1024 == 0 && atomic_load_explicit(&t->cancelled, memory_order_relaxed))
			return -1;
		sum += i;
	}
	return sum;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&pool.lock);
		while (!pool.head)			/* the bug: shutdown is not part of the condition */
			pthread_cond_wait(&pool.work, &pool.lock);
		struct task *t = pool.head;
		if (!(pool.head = t->next))
			pool.tail = NULL;
		pthread_mutex_unlock(&pool.lock);

		long r = run_task(t);
		pthread_mutex_lock(&pool.lock);
		t->result = r;
		t->done = 1;
		pthread_cond_broadcast(&pool.done);	/* several callers may wait, each for its own */
		pthread_mutex_unlock(&pool.lock);
	}
	return NULL;
}

static void pool_start(int n)
{
	pthread_condattr_t ca;		/* timed waits on the monotonic clock */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pool.done, &ca);
	pthread_condattr_destroy(&ca);
	pool.nworkers = n;
	for (int i = 0; i < n; i++)
		pthread_create(&pool.workers[i], NULL, worker, NULL);
}

static void submit(struct task *t, long n)
{
	t->n = n;
	t->done = 0;
	t->next = NULL;
	atomic_init(&t->cancelled, 0);
	pthread_mutex_lock(&pool.lock);
	if (pool.tail)
		pool.tail->next = t;
	else
		pool.head = t;
	pool.tail = t;
	pthread_cond_signal(&pool.work);
	pthread_mutex_unlock(&pool.lock);
}

/* Wait for t at most ms milliseconds (ms < 0: for ever); 0 when done. */
static int wait_result(struct task *t, int ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += ms % 1000 * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	int rc = 0;
	pthread_mutex_lock(&pool.lock);
	while (!t->done && rc != ETIMEDOUT)
		rc = ms < 0 ? pthread_cond_wait(&pool.done, &pool.lock)
			    : pthread_cond_timedwait(&pool.done, &pool.lock, &until);
	int done = t->done;
	pthread_mutex_unlock(&pool.lock);
	return done ? 0 : ETIMEDOUT;
}

static void cancel(struct task *t)
{
	atomic_store(&t->cancelled, 1);
}

/* Finish what is queued, then stop the workers and join them. */
static void pool_shutdown(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.shutting_down = 1;
	pthread_cond_broadcast(&pool.work);
	pthread_mutex_unlock(&pool.lock);
	for (int i = 0; i < pool.nworkers; i++)
		pthread_join(pool.workers[i], NULL);
	pthread_cond_destroy(&pool.done);
}

int main(int argc, char **argv)
{
	int nworkers = argc > 1 ? atoi(argv[1]) : 4;
	int ntasks = argc > 2 ? atoi(argv[2]) : 20;
	if (nworkers < 1 || nworkers > MAX_WORKERS || ntasks < 2 || ntasks > MAX_TASKS) {
		fprintf(stderr, "usage: %s [workers 1..%d] [tasks 2..%d]\n", argv[0], MAX_WORKERS, MAX_TASKS);
		return 2;
	}
	static struct task tasks[MAX_TASKS];
	pool_start(nworkers);
	submit(&tasks[0], 4000000000L);		/* far too slow: will be cancelled */
	for (int i = 1; i < ntasks; i++)
		submit(&tasks[i], 1000L * i);

	int slow = wait_result(&tasks[0], 20);
	if (slow == ETIMEDOUT) {
		cancel(&tasks[0]);
		wait_result(&tasks[0], -1);	/* it stops at its next check */
	}
	int bad = 0;
	for (int i = 1; i < ntasks; i++) {
		wait_result(&tasks[i], -1);
		long n = tasks[i].n;
		bad += tasks[i].result != n * (n + 1) / 2;
	}
	printf("slow task: %s\n", slow == ETIMEDOUT && tasks[0].result == -1 ? "timed out after 20 ms, cancelled"
										  : "finished (unexpected)");
	printf("%d other tasks: %d wrong results\n", ntasks - 1, bad);
	fflush(stdout);
	pool_shutdown();
	printf("pool shut down\n");
	return bad || tasks[0].result != -1 ? 1 : 0;
}
