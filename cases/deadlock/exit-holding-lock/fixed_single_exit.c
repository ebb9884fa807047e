/*
 * Thread exits holding a lock, fixed with a single exit: every path out of
 * the locked region goes through one label that unlocks (the goto-cleanup
 * style of C).  The error path sets its result and jumps there instead of
 * returning, so the mutex is released however the function ends.
 *
 * usage: fixed_single_exit [items]     (default 5; item 3 is the bad one)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_ITEMS 16
#define BAD_ITEM  3		/* the item that takes the error path */

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static int items[MAX_ITEMS];	/* written before the worker starts, then only read */
static int nitems;		/* likewise */
static int processed;		/* guarded by queue_lock */
static int failed;		/* guarded by queue_lock */

static int process(int item)
{
	return item == BAD_ITEM ? -1 : 0;	/* -1: this item is bad */
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&queue_lock);
	for (int i = 0; i < nitems; i++) {
		if (process(items[i]) != 0) {
			failed = items[i];
			printf("worker: item %d failed, giving up\n", items[i]);
			goto out;		/* leave through the one exit that unlocks */
		}
		processed++;
	}
out:
	pthread_mutex_unlock(&queue_lock);	/* reached on every path */
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5;
	if (n < 1 || n > MAX_ITEMS) {
		fprintf(stderr, "usage: %s [items 1..%d]\n", argv[0], MAX_ITEMS);
		return 2;
	}
	for (int i = 0; i < n; i++)
		items[i] = i + 1;
	nitems = n;

	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	printf("main: worker finished, reading the results...\n");

	pthread_mutex_lock(&queue_lock);
	int done = processed, bad = failed;
	pthread_mutex_unlock(&queue_lock);

	printf("processed %d of %d items, failed item: %d\n", done, n, bad);
	int expected = n >= BAD_ITEM ? BAD_ITEM - 1 : n;
	return done == expected ? 0 : 1;
}
