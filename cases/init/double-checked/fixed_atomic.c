/*
 * Double-checked initialisation done right with atomics: the pointer is
 * atomic, the fast path loads it with acquire, and the creator stores it
 * with release after filling the object.  A thread whose acquire load sees
 * the pointer also sees every field written before the release store.
 *
 * usage: fixed_atomic [threads]     (default 4)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 64

struct config {
	int port;
	int workers;
	char name[16];
};

static _Atomic(struct config *) instance;
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int creations;			/* guarded by init_lock */

static struct config *get_config(void)
{
	/* Fast path: acquire pairs with the release store below. */
	struct config *c = atomic_load_explicit(&instance, memory_order_acquire);
	if (c == NULL) {
		pthread_mutex_lock(&init_lock);
		/* Relaxed is enough here: the lock orders us after any earlier creator. */
		c = atomic_load_explicit(&instance, memory_order_relaxed);
		if (c == NULL) {
			c = malloc(sizeof *c);
			c->port = 8080;
			c->workers = 4;
			strcpy(c->name, "main");
			creations++;
			/* Release: the fields above become visible before the pointer does. */
			atomic_store_explicit(&instance, c, memory_order_release);
		}
		pthread_mutex_unlock(&init_lock);
	}
	return c;
}

static pthread_barrier_t start;	/* lets all threads ask at once, so they overlap */
static int good[MAX_THREADS];	/* good[i] written only by thread i */

static void *worker(void *arg)
{
	int i = (int)(long)arg;
	pthread_barrier_wait(&start);
	const struct config *c = get_config();
	good[i] = c->port == 8080 && c->workers == 4 && strcmp(c->name, "main") == 0;
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4;
	if (nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "usage: %s [threads 1..%d]\n", argv[0], MAX_THREADS);
		return 2;
	}

	pthread_t tid[MAX_THREADS];
	pthread_barrier_init(&start, NULL, nthreads);
	for (int i = 0; i < nthreads; i++)
		pthread_create(&tid[i], NULL, worker, (void *)(long)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);

	int ngood = 0;
	for (int i = 0; i < nthreads; i++)
		ngood += good[i];
	struct config *c = get_config();
	printf("config created %d time(s) by %d threads\n", creations, nthreads);
	printf("%d of %d threads saw a complete config (port=%d workers=%d name=%s)\n",
	       ngood, nthreads, c->port, c->workers, c->name);
	int ok = creations == 1 && ngood == nthreads;
	free(c);
	return ok ? 0 : 1;
}
