/*
 * Broken double-checked initialisation: get_config() tests a plain pointer
 * without the lock ("fast path"), and only takes the lock to create the
 * object.  The creator fills the object's fields and then stores the
 * pointer, with no ordering between those writes and the other threads'
 * unlocked reads: a data race on the pointer, and on every field read
 * through it.
 *
 * usage: buggy [threads]     (default 4)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 64

struct config {
	int port;
	int workers;
	char name[16];
};

static struct config *instance;		/* the bug: plain pointer, read without the lock */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int creations;			/* guarded by init_lock */

static struct config *get_config(void)
{
	if (instance == NULL) {				/* 1st check, no lock: races with the store below */
		pthread_mutex_lock(&init_lock);
		if (instance == NULL) {			/* 2nd check, under the lock */
			struct config *c = malloc(sizeof *c);
			c->port = 8080;
			c->workers = 4;
			strcpy(c->name, "main");
			creations++;
			instance = c;			/* publishes c, but orders nothing for unlocked readers */
		}
		pthread_mutex_unlock(&init_lock);
	}
	return instance;
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
	printf("config created %d time(s) by %d threads\n", creations, nthreads);
	printf("%d of %d threads saw a complete config (port=%d workers=%d name=%s)\n",
	       ngood, nthreads, instance->port, instance->workers, instance->name);
	int ok = creations == 1 && ngood == nthreads;
	free(instance);
	return ok ? 0 : 1;
}
