/*
 * One-time initialisation with pthread_once: the library runs create_config()
 * exactly once, and every pthread_once() call returns only after it has
 * finished, with its writes visible (POSIX guarantees the ordering).  No
 * hand-made fast path, nothing to get wrong.
 *
 * usage: fixed_once [threads]     (default 4)
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

static struct config *instance;		/* written once, inside create_config */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int creations;

static void create_config(void)
{
	struct config *c = malloc(sizeof *c);
	c->port = 8080;
	c->workers = 4;
	strcpy(c->name, "main");
	creations++;
	instance = c;
}

static struct config *get_config(void)
{
	pthread_once(&once, create_config);	/* after this, instance is set and visible */
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
	struct config *c = get_config();
	printf("config created %d time(s) by %d threads\n", creations, nthreads);
	printf("%d of %d threads saw a complete config (port=%d workers=%d name=%s)\n",
	       ngood, nthreads, c->port, c->workers, c->name);
	int ok = creations == 1 && ngood == nthreads;
	free(c);
	return ok ? 0 : 1;
}
