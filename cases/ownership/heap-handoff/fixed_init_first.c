/*
 * Heap hand-off, fixed by finishing the job before starting the worker.
 * Everything main does before pthread_create happens before everything the
 * new thread does, so the worker sees a complete job; after the hand-off main
 * does not touch the job until the join.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NVALUES 8

struct job {
	int nvalues;
	int values[NVALUES];
	int scale;
	long result;		/* written by the worker, read by main after the join */
};

static void *worker(void *arg)
{
	struct job *job = arg;
	long sum = 0;
	for (int i = 0; i < job->nvalues; i++)
		sum += job->values[i];
	int scale = job->scale;	/* ordered after main's write by pthread_create */
	job->result = sum * scale;
	return NULL;
}

int main(void)
{
	struct job *job = calloc(1, sizeof *job);
	if (!job)
		return 2;
	job->nvalues = NVALUES;
	for (int i = 0; i < NVALUES; i++)
		job->values[i] = i + 1;
	job->scale = 10;	/* the whole job is ready before anyone else sees it */

	pthread_t tid;
	pthread_create(&tid, NULL, worker, job);	/* hand-off: the worker owns the job now */
	pthread_join(tid, NULL);			/* and gives it back here */

	printf("worker computed %ld (expected 360 = 36 x 10)\n", job->result);
	int ok = job->result == 360;
	free(job);
	return ok ? 0 : 1;
}
