/*
 * A thread pool with channels: tasks are sent on a jobs channel that the
 * workers range over, so shutdown is one close (the workers drain what is
 * buffered, then their receive says closed and they leave).  Each task has
 * a result channel of capacity 1; waiting with a timeout is a select on the
 * result and on a timer channel that a timer thread closes; cancellation is
 * a flag the task checks as it runs.
 *
 * usage: fixed_channel [workers] [tasks]     (default 4 20)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_WORKERS 16
#define MAX_TASKS 64

struct task {
	long n;			/* input */
	atomic_int cancelled;	/* asked to stop: the task checks it as it runs */
	pv_chan *result;	/* capacity 1: the worker sends the result */
};

static pv_chan *jobs;		/* struct task *, buffered */
static int nworkers;
static pthread_t workers[MAX_WORKERS];

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
	struct task *t;

	(void)arg;
	while (pv_chan_recv(jobs, &t) == PV_CHAN_OK) {	/* closed and drained: leave */
		long r = run_task(t);
		pv_chan_send(t->result, &r);
	}
	return NULL;
}

static void pool_start(int n)
{
	jobs = pv_chan_make(sizeof(struct task *), MAX_TASKS);
	if (!jobs)
		abort();
	nworkers = n;
	for (int i = 0; i < n; i++)
		pthread_create(&workers[i], NULL, worker, NULL);
}

static void submit(struct task *t, long n)
{
	t->n = n;
	atomic_init(&t->cancelled, 0);
	if (!(t->result = pv_chan_make(sizeof(long), 1)))
		abort();
	pv_chan_send(jobs, &t);
}

struct timer {
	pv_chan *fired;
	int ms;
};

static void *timer_thread(void *arg)
{
	struct timer *tm = arg;
	usleep((useconds_t)tm->ms * 1000);
	pv_chan_close(tm->fired);	/* every receiver sees it */
	return NULL;
}

/* Wait for t's result at most ms milliseconds (ms < 0: for ever); 0 and
 * the result in *r when it came, -1 on timeout. */
static int wait_result(struct task *t, int ms, long *r)
{
	if (ms < 0)
		return pv_chan_recv(t->result, r) == PV_CHAN_OK ? 0 : -1;
	struct timer tm = { .fired = pv_chan_make(1, 0), .ms = ms };
	pthread_t th;
	if (!tm.fired || pthread_create(&th, NULL, timer_thread, &tm))
		abort();
	pv_chan_case arms[] = {
		{ .chan = t->result, .dir = PV_CHAN_RECV, .elem = r },
		{ .chan = tm.fired, .dir = PV_CHAN_RECV },
	};
	int got = pv_chan_select(arms, 2, 1);
	pthread_join(th, NULL);
	pv_chan_free(tm.fired);
	return got == 0 ? 0 : -1;
}

static void cancel(struct task *t)
{
	atomic_store(&t->cancelled, 1);
}

/* Finish what is queued, then stop the workers and join them. */
static void pool_shutdown(void)
{
	pv_chan_close(jobs);
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	pv_chan_free(jobs);
}

int main(int argc, char **argv)
{
	int nw = argc > 1 ? atoi(argv[1]) : 4;
	int ntasks = argc > 2 ? atoi(argv[2]) : 20;
	if (nw < 1 || nw > MAX_WORKERS || ntasks < 2 || ntasks > MAX_TASKS) {
		fprintf(stderr, "usage: %s [workers 1..%d] [tasks 2..%d]\n", argv[0], MAX_WORKERS, MAX_TASKS);
		return 2;
	}
	static struct task tasks[MAX_TASKS];
	long result[MAX_TASKS];
	pool_start(nw);
	submit(&tasks[0], 4000000000L);		/* far too slow: will be cancelled */
	for (int i = 1; i < ntasks; i++)
		submit(&tasks[i], 1000L * i);

	int slow = wait_result(&tasks[0], 20, &result[0]);
	if (slow) {
		cancel(&tasks[0]);
		wait_result(&tasks[0], -1, &result[0]);	/* it stops at its next check */
	}
	int bad = 0;
	for (int i = 1; i < ntasks; i++) {
		wait_result(&tasks[i], -1, &result[i]);
		long n = tasks[i].n;
		bad += result[i] != n * (n + 1) / 2;
	}
	printf("slow task: %s\n", slow && result[0] == -1 ? "timed out after 20 ms, cancelled"
							: "finished (unexpected)");
	printf("%d other tasks: %d wrong results\n", ntasks - 1, bad);
	fflush(stdout);
	pool_shutdown();
	printf("pool shut down\n");
	for (int i = 0; i < ntasks; i++)
		pv_chan_free(tasks[i].result);
	return bad || result[0] != -1 ? 1 : 0;
}
