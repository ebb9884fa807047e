/*
 * Thread exits holding a lock: the worker locks the queue, and on an error
 * path (a bad item) it returns early, skipping the unlock.  The mutex stays
 * locked with no owner left to unlock it.  When the main thread later locks
 * the queue to read the results, it waits for ever.
 *
 * usage: buggy [items]     (default 5; item 3 is the bad one)
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
			return NULL;		/* the bug: returns with queue_lock held */
		}
		processed++;
	}
	pthread_mutex_unlock(&queue_lock);
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
	fflush(stdout);				/* show how far it got before it stuck */

	pthread_mutex_lock(&queue_lock);	/* never returns if the worker left it locked */
	int done = processed, bad = failed;
	pthread_mutex_unlock(&queue_lock);

	printf("processed %d of %d items, failed item: %d\n", done, n, bad);
	int expected = n >= BAD_ITEM ? BAD_ITEM - 1 : n;
	return done == expected ? 0 : 1;
}
