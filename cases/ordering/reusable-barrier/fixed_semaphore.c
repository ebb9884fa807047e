/*
 * A reusable barrier, fixed with two turnstiles (The Little Book of
 * Semaphores, 3.7.7): the last to arrive opens the first turnstile n times,
 * and the last to leave it opens the second n times.  A fast thread that
 * comes round again is stopped at the first turnstile, which stays shut
 * until everybody has passed the second: one turnstile alone would let it
 * take a slow thread's pass.
 *
 * usage: fixed_semaphore [threads] [rounds]     (default 4 200)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 16

static struct barrier {
	sem_t mutex;		/* 1: guards count */
	sem_t turnstile;	/* 0: opened n times when all have arrived */
	sem_t turnstile2;	/* 0: opened n times when all have left */
	int n, count;
} bar;

static void barrier_wait(struct barrier *b)
{
	sem_wait(&b->mutex);
	if (++b->count == b->n)
		for (int i = 0; i < b->n; i++)
			sem_post(&b->turnstile);
	sem_post(&b->mutex);
	sem_wait(&b->turnstile);	/* phase 1: wait until all have arrived */

	sem_wait(&b->mutex);
	if (--b->count == 0)
		for (int i = 0; i < b->n; i++)
			sem_post(&b->turnstile2);
	sem_post(&b->mutex);
	sem_wait(&b->turnstile2);	/* phase 2: wait until all have left phase 1 */
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
	sem_init(&bar.mutex, 0, 1);
	sem_init(&bar.turnstile, 0, 0);
	sem_init(&bar.turnstile2, 0, 0);
	pthread_t t[MAX_THREADS];
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	sem_destroy(&bar.mutex);
	sem_destroy(&bar.turnstile);
	sem_destroy(&bar.turnstile2);
	int bad = 0;
	for (int i = 0; i < nthreads; i++)
		bad += late[i];
	printf("%d threads, %d rounds: %d times a thread passed the barrier before another finished\n",
	       nthreads, rounds, bad);
	return bad ? 1 : 0;
}
