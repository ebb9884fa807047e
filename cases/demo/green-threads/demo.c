/*
 * The idea behind goroutines, in C: many small tasks, few OS threads.
 *
 *   thread per task: one pthread_create per task (what "go task()" would cost
 *                    if every goroutine were an OS thread), then join them all
 *   pool:            a few OS threads take the same tasks from a queue
 *                    (M tasks on N threads, as Go's scheduler puts goroutines
 *                    on a few threads)
 *
 * Both compute the same results; the program prints the time of each, how
 * many OS threads each created and how many were alive at once.
 *
 * usage: demo [tasks] [pool-threads]     (default 2000 4)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TASK_STEPS 1000		/* a task is about a microsecond of work */
#define MAX_POOL 64

static unsigned long *results;	/* results[i] is written by whoever runs task i */
static atomic_int alive, most_alive;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void run_task(int i)
{
	unsigned long x = (unsigned long)i + 1;
	for (int s = 0; s < TASK_STEPS; s++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	results[i] = x;
}

/* Counts OS threads alive at once, to compare the two ways. */
static void thread_begins(void)
{
	int now = atomic_fetch_add(&alive, 1) + 1;
	int most = atomic_load(&most_alive);
	while (now > most && !atomic_compare_exchange_weak(&most_alive, &most, now))
		;
}

static void thread_ends(void)
{
	atomic_fetch_sub(&alive, 1);
}

/* ---- one OS thread per task ---- */

static void *task_thread(void *arg)
{
	thread_begins();
	run_task((int)(long)arg);
	thread_ends();
	return NULL;
}

static double thread_per_task(int ntasks, int *created)
{
	pthread_t *th = malloc(ntasks * sizeof *th);
	if (!th) {
		perror("malloc");
		exit(2);
	}
	double t0 = now_ms();
	for (int i = 0; i < ntasks; i++)
		if (pthread_create(&th[i], NULL, task_thread, (void *)(long)i) != 0) {
			fprintf(stderr, "pthread_create failed after %d threads\n", i);
			exit(2);
		}
	for (int i = 0; i < ntasks; i++)
		pthread_join(th[i], NULL);
	double t = now_ms() - t0;
	free(th);
	*created = ntasks;
	return t;
}

/* ---- a pool of threads and a queue of task numbers ---- */

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	int *items;		/* guarded by lock, like head, tail and closed */
	int head, tail;
	bool closed;		/* no more tasks will come */
};

static struct queue q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, false };

static void push(int task)
{
	pthread_mutex_lock(&q.lock);
	q.items[q.tail++] = task;
	pthread_cond_signal(&q.nonempty);
	pthread_mutex_unlock(&q.lock);
}

static void close_queue(void)
{
	pthread_mutex_lock(&q.lock);
	q.closed = true;
	pthread_cond_broadcast(&q.nonempty);
	pthread_mutex_unlock(&q.lock);
}

/* The next task, or -1 when the queue is closed and empty. */
static int pop(void)
{
	pthread_mutex_lock(&q.lock);
	while (q.head == q.tail && !q.closed)
		pthread_cond_wait(&q.nonempty, &q.lock);
	int task = q.head < q.tail ? q.items[q.head++] : -1;
	pthread_mutex_unlock(&q.lock);
	return task;
}

static void *pool_worker(void *arg)
{
	(void)arg;
	thread_begins();
	for (int task; (task = pop()) >= 0;)
		run_task(task);
	thread_ends();
	return NULL;
}

static double pool(int ntasks, int nworkers, int *created)
{
	q.items = malloc(ntasks * sizeof *q.items);
	if (!q.items) {
		perror("malloc");
		exit(2);
	}
	pthread_t th[MAX_POOL];
	double t0 = now_ms();
	for (int i = 0; i < nworkers; i++)
		if (pthread_create(&th[i], NULL, pool_worker, NULL) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(2);
		}
	for (int i = 0; i < ntasks; i++)
		push(i);
	close_queue();
	for (int i = 0; i < nworkers; i++)
		pthread_join(th[i], NULL);
	double t = now_ms() - t0;
	free(q.items);
	*created = nworkers;
	return t;
}

int main(int argc, char **argv)
{
	int ntasks = argc > 1 ? atoi(argv[1]) : 2000;
	int nworkers = argc > 2 ? atoi(argv[2]) : 4;
	if (ntasks < 1 || nworkers < 1 || nworkers > MAX_POOL) {
		fprintf(stderr, "usage: %s [tasks] [pool-threads 1..%d]\n", argv[0], MAX_POOL);
		return 2;
	}
	results = calloc(ntasks, sizeof *results);
	unsigned long *first = calloc(ntasks, sizeof *first);
	if (!results || !first) {
		perror("calloc");
		return 2;
	}

	int created_per_task, created_pool;
	double t_per_task = thread_per_task(ntasks, &created_per_task);
	int alive_per_task = atomic_exchange(&most_alive, 0);
	for (int i = 0; i < ntasks; i++)
		first[i] = results[i];

	double t_pool = pool(ntasks, nworkers, &created_pool);
	int alive_pool = atomic_load(&most_alive);

	size_t stack;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_getstacksize(&attr, &stack);
	pthread_attr_destroy(&attr);

	printf("%d tasks of %d steps each; an OS thread reserves %zu KiB of stack\n\n",
	       ntasks, TASK_STEPS, stack / 1024);
	printf("%-20s %9s %9s %13s %14s\n", "", "ms", "us/task", "threads made", "alive at once");
	printf("%-20s %9.1f %9.2f %13d %14d\n", "thread per task", t_per_task,
	       1e3 * t_per_task / ntasks, created_per_task, alive_per_task);
	printf("%-20s %9.1f %9.2f %13d %14d\n", "pool + queue", t_pool, 1e3 * t_pool / ntasks,
	       created_pool, alive_pool);
	printf("\nthread per task / pool: %.1fx the time\n", t_per_task / t_pool);

	for (int i = 0; i < ntasks; i++)
		if (results[i] != first[i]) {
			printf("task %d: results differ (%lu, %lu)\n", i, first[i], results[i]);
			return 1;
		}
	free(results);
	free(first);
	return 0;
}
