/*
 * Read-lock upgrade: intern() looks a name up under the read lock of a
 * pthread_rwlock and, when the name is missing, asks for the write lock to
 * add it, still holding the read lock.  A write lock is granted only when
 * no thread holds a read lock, and this thread holds one: it waits for
 * itself, for ever.  POSIX rwlocks have no upgrade.
 *
 * usage: buggy [threads]     (default 2)
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
	pthread_rwlock_rdlock(&tab.lock);		/* most names are already there */
	int id = find_locked(name);
	if (id < 0) {
		pthread_rwlock_wrlock(&tab.lock);	/* the bug: "upgrade" while holding the read lock */
		id = tab.n++;
		tab.names[id] = name;
		pthread_rwlock_unlock(&tab.lock);
	}
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
		fflush(stdout);			/* show how far it got before it stuck */
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
			if (strcmp(tab.names[ids[t][w]], words[w]) != 0 || ids[t][w] != ids[0][w])
				mismatches++;
	printf("%d names interned (expected %d), %d wrong ids\n", tab.n, NDISTINCT, mismatches);
	return tab.n == NDISTINCT && mismatches == 0 ? 0 : 1;
}
