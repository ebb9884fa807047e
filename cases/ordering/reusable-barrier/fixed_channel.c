/*
 * A reusable barrier, fixed with channels and a coordinator: each worker
 * sends "arrived" and waits for its own "go"; the coordinator counts n
 * arrivals per round and then sends every worker its go.  The round is the
 * coordinator's loop counter, so nothing is reset behind a waiter's back.
 *
 * usage: fixed_channel [threads] [rounds]     (default 4 200)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 16

static pv_chan *arrive;			/* a worker's number: "I finished this round" */
static pv_chan *go[MAX_THREADS];	/* capacity 1: "everybody has" */

static void barrier_wait(int me)
{
	pv_chan_send(arrive, &me);
	pv_chan_recv(go[me], NULL);
}

/* The coordinator: a round ends when all n have arrived. */
static void *coordinator(void *arg)
{
	int n = *(int *)arg;
	int rounds = ((int *)arg)[1];
	for (int r = 0; r < rounds; r++) {
		int who;
		for (int i = 0; i < n; i++)
			pv_chan_recv(arrive, &who);
		for (int i = 0; i < n; i++)
			pv_chan_send(go[i], NULL);
	}
	return NULL;
}

static int nthreads, rounds;
static int done[2][MAX_THREADS];	/* done[r % 2][i]: the last round thread i finished */
static int late[MAX_THREADS];		/* rounds in which thread i saw someone behind */

static void *worker(void *arg)
{
	int me = (int)(long)arg;
	for (int r = 1; r <= rounds; r++) {
		done[r % 2][me] = r;		/* this round's work */
		barrier_wait(me);
		for (int j = 0; j < nthreads; j++)	/* everybody must have finished it */
			late[me] += done[r % 2][j] != r;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	nthreads = argc > 1 ? atoi(argv[1]) : 4;
	rounds = argc > 2 ? atoi(argv[2]) : 200;
	if (nthreads < 2 || nthreads > MAX_THREADS || rounds < 1) {
		fprintf(stderr, "usage: %s [threads 2..%d] [rounds]\n", argv[0], MAX_THREADS);
		return 2;
	}
	arrive = pv_chan_make(sizeof(int), 0);
	for (int i = 0; i < nthreads; i++)
		if (!arrive || !(go[i] = pv_chan_make(1, 1))) {
			fprintf(stderr, "out of memory\n");
			return 2;
		}
	int shape[2] = { nthreads, rounds };
	pthread_t c, t[MAX_THREADS];
	pthread_create(&c, NULL, coordinator, shape);
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	pthread_join(c, NULL);
	pv_chan_free(arrive);
	for (int i = 0; i < nthreads; i++)
		pv_chan_free(go[i]);
	int bad = 0;
	for (int i = 0; i < nthreads; i++)
		bad += late[i];
	printf("%d threads, %d rounds: %d times a thread passed the barrier before another finished\n",
	       nthreads, rounds, bad);
	return bad ? 1 : 0;
}
