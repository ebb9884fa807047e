/*
 * A reusable barrier, fixed with a generation count: a waiter waits for the
 * round it arrived in to end (round changes), not for a count that the last
 * thread resets.  Waking late, after the reset or even after fast threads
 * have begun arriving for the next round, it still sees that its round is
 * over.  This is how pthread_barrier_t and most monitors do it.
 *
 * usage: fixed_condvar [threads] [rounds]     (default 4 200)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 16

static struct barrier {
	pthread_mutex_t lock;
	pthread_cond_t all_here;
	int n, arrived;
	unsigned long round;	/* rounds completed: what the waiters wait for */
} bar = { .lock = PTHREAD_MUTEX_INITIALIZER, .all_here = PTHREAD_COND_INITIALIZER };

static void barrier_wait(struct barrier *b)
{
	pthread_mutex_lock(&b->lock);
	unsigned long mine = b->round;
	if (++b->arrived == b->n) {
		b->arrived = 0;
		b->round++;		/* this round is over, whatever arrived says next */
		pthread_cond_broadcast(&b->all_here);
	} else {
		while (b->round == mine)
			pthread_cond_wait(&b->all_here, &b->lock);
	}
	pthread_mutex_unlock(&b->lock);
}

static int nthreads, rounds;
static int done[2][MAX_THREADS];	/* done[r % 2][i]: the last round thread i finished */
static int late[MAX_THREADS];		/* rounds in which thread i saw someone behind */

static void *worker(void *arg)
{
	int me = (int)(long)arg;
	for (int r = 1; r <= rounds; r++) {
		done[r % 2][me] = r;		/* this round's work */
		barrier_wait(&bar);
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
	bar.n = nthreads;
	pthread_t t[MAX_THREADS];
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	int bad = 0;
	for (int i = 0; i < nthreads; i++)
		bad += late[i];
	printf("%d threads, %d rounds: %d times a thread passed the barrier before another finished\n",
	       nthreads, rounds, bad);
	return bad ? 1 : 0;
}
