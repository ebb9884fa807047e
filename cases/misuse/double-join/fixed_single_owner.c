/*
 * Double join, fixed by giving the join a single owner: the error path only
 * leaves the submit loop, and the shutdown code at the end of main, which
 * every path reaches, is the one place that stops and joins the flusher.
 * The thread is joined exactly once because there is exactly one join.
 *
 * usage: fixed_single_owner [records] [bad record]     (default 8 5; 0: no bad record)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORDS 64

static pthread_t flusher;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int queue[MAX_RECORDS];	/* records waiting to be written, guarded by lock */
static int head, tail;		/* guarded by lock */
static int stopping;		/* guarded by lock */
static int flushed;		/* written by the flusher, read by main after the join */

static void *flush_loop(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (head == tail && !stopping)
			pthread_cond_wait(&changed, &lock);
		if (head == tail)
			break;	/* stopping, and everything is written */
		int record = queue[head++];
		pthread_mutex_unlock(&lock);
		printf("flusher: wrote record %d\n", record);	/* the slow part, unlocked */
		flushed++;
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void submit(int record)
{
	pthread_mutex_lock(&lock);
	queue[tail++] = record;
	pthread_cond_signal(&changed);
	pthread_mutex_unlock(&lock);
}

/* Let the flusher write what is queued, then wait for it to end. */
static void stop_flusher(void)
{
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&changed);
	pthread_mutex_unlock(&lock);

	int e = pthread_join(flusher, NULL);	/* reached once: from the shutdown below */
	if (e)
		printf("stop_flusher: pthread_join: %s\n", strerror(e));
	else
		printf("stop_flusher: flusher joined, %d records written\n", flushed);
}

int main(int argc, char **argv)
{
	int records = argc > 1 ? atoi(argv[1]) : 8;
	int bad = argc > 2 ? atoi(argv[2]) : 5;
	if (records < 0 || records > MAX_RECORDS) {
		fprintf(stderr, "usage: %s [records 0..%d] [bad record]\n", argv[0], MAX_RECORDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	pthread_create(&flusher, NULL, flush_loop, NULL);
	int submitted = 0;
	for (int r = 1; r <= records; r++) {
		if (r == bad) {
			printf("main: record %d is bad, stopping early\n", r);
			break;	/* error path: only leaves the loop; shutdown below joins */
		}
		submit(r);
		submitted++;
	}

	stop_flusher();		/* the one place that joins, on every path */
	printf("main: submitted %d, written %d\n", submitted, flushed);
	return flushed == submitted ? 0 : 1;
}
