/*
 * Heap hand-off, fixed with a mutex inside the job.  Main takes the lock
 * before it starts the worker and releases it only when the job is complete;
 * the worker takes the same lock before reading.  Because main already holds
 * the lock when the worker starts, the worker cannot get in before main's
 * late write is done.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NVALUES 8

struct job {
	pthread_mutex_t lock;	/* guards every field below */
	int nvalues;
	int values[NVALUES];
	int scale;
	long result;
};

static void *worker(void *arg)
{
	struct job *job = arg;
	pthread_mutex_lock(&job->lock);
	long sum = 0;
	for (int i = 0; i < job->nvalues; i++)
		sum += job->values[i];
	int scale = job->scale;	/* main's unlock happened before our lock */
	job->result = sum * scale;
	pthread_mutex_unlock(&job->lock);
	return NULL;
}

int main(void)
{
	struct job *job = calloc(1, sizeof *job);
	if (!job)
		return 2;
	pthread_mutex_init(&job->lock, NULL);
	job->nvalues = NVALUES;
	for (int i = 0; i < NVALUES; i++)
		job->values[i] = i + 1;

	pthread_t tid;
	pthread_mutex_lock(&job->lock);		/* before the worker exists */
	pthread_create(&tid, NULL, worker, job);
	job->scale = 10;	/* still late, but the worker is kept out by the lock */
	pthread_mutex_unlock(&job->lock);

	pthread_join(tid, NULL);
	printf("worker computed %ld (expected 360 = 36 x 10)\n", job->result);
	int ok = job->result == 360;
	pthread_mutex_destroy(&job->lock);
	free(job);
	return ok ? 0 : 1;
}
