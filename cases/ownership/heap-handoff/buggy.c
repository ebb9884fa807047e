/*
 * Heap hand-off: main allocates a job, starts a worker with a pointer to it,
 * and only then fills in the last field.  From the moment pthread_create
 * returns, the worker may be reading the job: main's late write races with
 * the worker's read of the same heap block.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NVALUES 8

struct job {
	int nvalues;
	int values[NVALUES];
	int scale;		/* the field main sets too late */
	long result;		/* written by the worker, read by main after the join */
};

static void *worker(void *arg)
{
	struct job *job = arg;
	long sum = 0;
	for (int i = 0; i < job->nvalues; i++)
		sum += job->values[i];
	int scale = job->scale;	/* racy read: main may be writing it right now */
	job->result = sum * scale;
	return NULL;
}

int main(void)
{
	struct job *job = calloc(1, sizeof *job);	/* every field starts at 0 */
	if (!job)
		return 2;
	job->nvalues = NVALUES;
	for (int i = 0; i < NVALUES; i++)
		job->values[i] = i + 1;			/* 1 + 2 + ... + 8 = 36 */

	pthread_t tid;
	pthread_create(&tid, NULL, worker, job);	/* the job is shared from here on */
	job->scale = 10;	/* racy write: too late, the worker already has the job */

	pthread_join(tid, NULL);
	printf("worker computed %ld (expected 360 = 36 x 10; 0 means it read scale before main set it)\n",
	       job->result);
	int ok = job->result == 360;
	free(job);
	return ok ? 0 : 1;
}
