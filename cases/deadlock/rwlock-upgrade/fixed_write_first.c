/*
 * Read-lock upgrade, avoided by taking the write lock first: intern() may
 * have to add the name, so it takes the write lock for the whole
 * operation.  Simple and obviously correct; the price is that interning
 * a name that is already there no longer runs alongside other readers.
 * Pure look-ups (lookup(), used by main to check the result) still take
 * the read lock.
 *
 * usage: fixed_write_first [threads]     (default 2)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 8
#define MAX_NAMES 64

static struct symtab {
	const char *names[MAX_NAMES];	/* id = index */
	int n;
	pthread_rwlock_t lock;		/* guards names and n */
} tab = { .lock = PTHREAD_RWLOCK_INITIALIZER };

/* The caller holds tab.lock (read or write). */
static int find_locked(const char *name)
{
	for (int i = 0; i < tab.n; i++)
		if (strcmp(tab.names[i], name) == 0)
			return i;
	return -1;
}

/* Returns name's id, adding the name if it is new. */
static int intern(const char *name)
{
	pthread_rwlock_wrlock(&tab.lock);		/* may write: take the write lock up front */
	int id = find_locked(name);
	if (id < 0) {
		id = tab.n++;
		tab.names[id] = name;
	}
	pthread_rwlock_unlock(&tab.lock);
	return id;
}

/* Returns name's id, or -1; never writes, so the read lock is enough. */
static int lookup(const char *name)
{
	pthread_rwlock_rdlock(&tab.lock);
	int id = find_locked(name);
	pthread_rwlock_unlock(&tab.lock);
	return id;
}

static const char *words[] = { "alpha", "beta", "alpha", "gamma", "beta", "delta", "alpha", "gamma" };
#define NWORDS (int)(sizeof words / sizeof words[0])
#define NDISTINCT 4
static int ids[MAX_THREADS][NWORDS];	/* ids[t] written only by thread t */

static void *worker(void *arg)
{
	int t = (int)(long)arg;
	for (int i = 0; i < NWORDS; i++) {
		int w = (i + 3 * t) % NWORDS;	/* each thread starts at a different word */
		printf("thread %d: intern(\"%s\")...\n", t, words[w]);
		ids[t][w] = intern(words[w]);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 2;
	if (nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "usage: %s [threads 1..%d]\n", argv[0], MAX_THREADS);
		return 2;
	}

	pthread_t tid[MAX_THREADS];
	for (int t = 0; t < nthreads; t++)
		pthread_create(&tid[t], NULL, worker, (void *)(long)t);
	for (int t = 0; t < nthreads; t++)
		pthread_join(tid[t], NULL);

	/* Every thread must have got the same id for the same name. */
	int mismatches = 0;
	for (int t = 0; t < nthreads; t++)
		for (int w = 0; w < NWORDS; w++)
			if (ids[t][w] != lookup(words[w]))
				mismatches++;
	printf("%d names interned (expected %d), %d wrong ids\n", tab.n, NDISTINCT, mismatches);
	return tab.n == NDISTINCT && mismatches == 0 ? 0 : 1;
}
