/*
 * `if` instead of `while` around pthread_cond_wait: workers wait for jobs,
 * and the dispatcher queues one job and wakes every sleeping worker with a
 * broadcast.  The woken workers get the mutex back one at a time; the
 * first takes the job, and the others, which do not re-check the queue
 * after waking, take a "job" from the empty queue: a slot nobody filled.
 * Everything is under the mutex: no data race, just a wrong result.
 *
 * usage: buggy [workers]     (default 3; one job per worker)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_WORKERS 16

static struct queue {
	int jobs[MAX_WORKERS];	/* job ids are 1, 2, ...; a slot never filled holds 0 */
	int head, tail, count;
	int asleep;		/* workers waiting for a job (pacing, see add_job) */
	int finished;		/* workers that have taken their job */
	pthread_mutex_t lock;	/* guards everything above */
	pthread_cond_t not_empty;
	pthread_cond_t idle;	/* a worker went to sleep or finished */
} q = { .lock = PTHREAD_MUTEX_INITIALIZER,
	.not_empty = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER };

static int take_job(void)
{
	pthread_mutex_lock(&q.lock);
	if (q.count == 0) {			/* the bug: if, not while */
		q.asleep++;
		pthread_cond_signal(&q.idle);
		pthread_cond_wait(&q.not_empty, &q.lock);
		/* Woken, but another worker may have taken the job first. */
	}
	int job = q.jobs[q.head];		/* with count == 0: a slot nobody filled */
	q.head = (q.head + 1) % MAX_WORKERS;
	q.count--;
	q.finished++;
	pthread_cond_signal(&q.idle);
	pthread_mutex_unlock(&q.lock);
	return job;
}

static void add_job(int job, int nworkers)
{
	pthread_mutex_lock(&q.lock);
	/*
	 * Pacing, only to make the case certain: queue the job once every
	 * worker is either asleep or finished, so a broadcast wakes all the
	 * sleepers for this one job.
	 */
	while (q.asleep + q.finished < nworkers)
		pthread_cond_wait(&q.idle, &q.lock);
	q.jobs[q.tail] = job;
	q.tail = (q.tail + 1) % MAX_WORKERS;
	q.count++;
	q.asleep = 0;				/* the broadcast wakes every one of them */
	pthread_cond_broadcast(&q.not_empty);
	pthread_mutex_unlock(&q.lock);
}

static int taken[MAX_WORKERS];	/* taken[i] written only by worker i */

static void *worker(void *arg)
{
	int i = (int)(long)arg;
	taken[i] = take_job();		/* each worker handles one job */
	return NULL;
}

int main(int argc, char **argv)
{
	int nworkers = argc > 1 ? atoi(argv[1]) : 3;
	if (nworkers < 2 || nworkers > MAX_WORKERS) {
		fprintf(stderr, "usage: %s [workers 2..%d]\n", argv[0], MAX_WORKERS);
		return 2;
	}

	pthread_t tid[MAX_WORKERS];
	for (int i = 0; i < nworkers; i++)
		pthread_create(&tid[i], NULL, worker, (void *)(long)i);
	for (int job = 1; job <= nworkers; job++)
		add_job(job, nworkers);
	for (int i = 0; i < nworkers; i++)
		pthread_join(tid[i], NULL);

	int done[MAX_WORKERS + 1] = { 0 }, bogus = 0, twice = 0;
	for (int i = 0; i < nworkers; i++) {
		printf("worker %d: took job %d%s\n", i, taken[i],
		       taken[i] == 0 ? " (nothing: the queue was empty)" : "");
		if (taken[i] == 0)
			bogus++;
		else if (done[taken[i]]++)
			twice++;
	}
	int missed = 0;
	for (int job = 1; job <= nworkers; job++)
		missed += !done[job];
	printf("%d jobs queued: %d taken from an empty queue, %d never taken, %d taken twice\n",
	       nworkers, bogus, missed, twice);
	return bogus || missed || twice ? 1 : 0;
}
