/*
 * Escaped local: start_job() fills a job in its own stack frame, starts a
 * worker with a pointer to it and returns.  The frame is gone, but the worker
 * still has the pointer.  main's next call, other_work(), gets the same stack
 * memory for its own local table; the worker then reads other_work's numbers
 * as its job, and its write "job->done = 1" lands in other_work's table.
 *
 * usage: buggy [delay_us]     (default 2000: how late the worker starts)
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
		sum += job->values[i];	/* reads whatever is at that address now */
	job->done = 1;		/* writes into whoever's frame is there now */
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

/* The bug: the job is a local, and this function returns while the worker runs. */
__attribute__((noinline)) static void start_job(void)
{
	struct job job;

	for (int i = 0; i < NVAL; i++)
		job.values[i] = i + 1;
	job.done = 0;
	pthread_create(&worker_tid, NULL, worker, &job);
	job_at = (uintptr_t)&job;
}				/* job dies here; the worker still points at it */

/* Unrelated work with a local table, then waits for the worker. */
__attribute__((noinline)) static long other_work(void)
{
	long table[NTABLE];

	fill(table, NTABLE, 100);
	table_at = (uintptr_t)table;
	pthread_join(worker_tid, &worker_ret);	/* the worker runs while table is live */
	return sum(table, NTABLE);
}

int main(int argc, char **argv)
{
	delay_us = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;

	start_job();
	long table_sum = other_work();
	long worker_sum = (long)(intptr_t)worker_ret;

	uintptr_t table_end = table_at + sizeof(long[NTABLE]);
	printf("start_job's job at %#lx, other_work's table at %#lx..%#lx%s\n",
	       (unsigned long)job_at, (unsigned long)table_at, (unsigned long)table_end,
	       job_at >= table_at && job_at < table_end ? ": the same stack memory" : "");
	printf("worker's sum of the job: %ld (expected 1+...+%d = %d)\n",
	       worker_sum, NVAL, NVAL * (NVAL + 1) / 2);
	printf("other_work's table sum:  %ld (expected %d x 100 = %d)\n",
	       table_sum, NTABLE, NTABLE * 100);
	return worker_sum == NVAL * (NVAL + 1) / 2 && table_sum == NTABLE * 100 ? 0 : 1;
}
