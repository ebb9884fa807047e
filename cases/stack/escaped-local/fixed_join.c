/*
 * Escaped local, fixed by joining before returning: run_job() keeps the job
 * in its own frame, and waits for the worker before the frame can go away.
 * The worker may use the pointer for its whole life, because the job lives
 * at least that long.  other_work() reuses the same stack memory later, once
 * nobody points at it any more.
 *
 * usage: fixed_join [delay_us]     (default 2000: how late the worker starts)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NVAL 7
#define NTABLE 33		/* bigger than a job, so it covers the job's old place */

struct job {
	long done;		/* set by the worker when it has finished */
	long values[NVAL];	/* the numbers to add up: 1..7 */
};

static unsigned delay_us;
static pthread_t worker_tid;
static void *worker_ret;
static uintptr_t job_at, table_at;	/* where the two locals were, for the printout */

static void *worker(void *arg)
{
	struct job *job = arg;
	long sum = 0;

	usleep(delay_us);	/* stands for a thread that is scheduled late */
	for (int i = 0; i < NVAL; i++)
		sum += job->values[i];	/* run_job's frame is still there */
	job->done = 1;
	return (void *)(intptr_t)sum;
}

/* Not inlined, so the arrays really live in memory and every access is seen. */
__attribute__((noinline)) static void fill(long *a, int n, long v)
{
	for (int i = 0; i < n; i++)
		a[i] = v;
}

__attribute__((noinline)) static long sum(const long *a, int n)
{
	long s = 0;
	for (int i = 0; i < n; i++)
		s += a[i];
	return s;
}

/* The job is a local, so this function must not return before the worker ends. */
__attribute__((noinline)) static void run_job(void)
{
	struct job job;

	for (int i = 0; i < NVAL; i++)
		job.values[i] = i + 1;
	job.done = 0;
	pthread_create(&worker_tid, NULL, worker, &job);
	job_at = (uintptr_t)&job;
	pthread_join(worker_tid, &worker_ret);	/* the worker is done with job */
}				/* only now may job die */

/* Unrelated work with a local table. */
__attribute__((noinline)) static long other_work(void)
{
	long table[NTABLE];

	fill(table, NTABLE, 100);
	table_at = (uintptr_t)table;
	return sum(table, NTABLE);
}

int main(int argc, char **argv)
{
	delay_us = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;

	run_job();
	long table_sum = other_work();
	long worker_sum = (long)(intptr_t)worker_ret;

	uintptr_t table_end = table_at + sizeof(long[NTABLE]);
	printf("run_job's job at %#lx, other_work's table at %#lx..%#lx%s\n",
	       (unsigned long)job_at, (unsigned long)table_at, (unsigned long)table_end,
	       job_at >= table_at && job_at < table_end ?
	       ": the same stack memory, reused only after the worker was joined" : "");
	printf("worker's sum of the job: %ld (expected 1+...+%d = %d)\n",
	       worker_sum, NVAL, NVAL * (NVAL + 1) / 2);
	printf("other_work's table sum:  %ld (expected %d x 100 = %d)\n",
	       table_sum, NTABLE, NTABLE * 100);
	return worker_sum == NVAL * (NVAL + 1) / 2 && table_sum == NTABLE * 100 ? 0 : 1;
}
