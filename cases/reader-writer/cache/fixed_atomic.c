/*
 * The read-mostly table, fixed by copy-on-write: a published table is never
 * changed again.  The writer copies the current table, changes the copy
 * (computing the new square there, so nothing is lazy any more), and
 * publishes it by storing the pointer with release.  Readers load the
 * pointer with acquire and read a table that no one writes: no lock, and
 * readers never wait for the writer or for each other.  Old tables are
 * freed only after every thread is joined, when no reader can still hold
 * one (freeing them earlier safely needs RCU, hazard pointers or
 * reference counts).
 *
 * usage: fixed_atomic [reads]     (reads per reader, default 20000)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define NREADERS 3
#define NENTRIES 16
#define UPDATES 400

struct entry {
	long value;
	long square;		/* computed before the table is published */
};

struct table {
	struct entry e[NENTRIES];
};

static _Atomic(struct table *) current;	/* the published table, immutable */
static struct table *retired[UPDATES];	/* replaced tables: writer only, freed at the end */
static long refreshes;			/* writer only */

/*
 * Bookkeeping for the report.  Relaxed atomics: free of races themselves,
 * and they order nothing else, so they hide no race from the checkers.
 */
static atomic_int inside, most_inside;	/* readers in the table at the same time */

static void reader_in(void)
{
	int n = atomic_fetch_add_explicit(&inside, 1, memory_order_relaxed) + 1;
	int most = atomic_load_explicit(&most_inside, memory_order_relaxed);
	while (n > most && !atomic_compare_exchange_weak_explicit(&most_inside, &most, n,
				memory_order_relaxed, memory_order_relaxed))
		;
}

static void reader_out(void)
{
	atomic_fetch_sub_explicit(&inside, 1, memory_order_relaxed);
}

/* Stand-in for a computation worth caching (some 0.05 ms). */
static long slow_square(long v)
{
	volatile long s = 0;	/* volatile: keeps the compiler from turning the loops into v * v */
	for (int rep = 0; rep < 50; rep++) {
		s = 0;
		for (long i = 0; i < v; i++)
			s += v;
	}
	return s;
}

static long lookup_square(int k)
{
	/* Acquire pairs with the writer's release: the whole table is visible. */
	const struct table *t = atomic_load_explicit(&current, memory_order_acquire);
	reader_in();
	const struct entry *e = &t->e[k];
	long sq = e->square;
	int ok = sq == e->value * e->value;
	reader_out();
	return ok ? sq : -1;
}

static long nreads;
static long bad_reads[NREADERS];	/* bad_reads[i] written only by reader i */
static pthread_barrier_t start;		/* lets the readers begin together, so they overlap */
/*
 * The writer starts once every reader has been through the table once: the
 * first pass is readers only, so no write lock taken in between can order
 * one reader's accesses before another's, and the checkers see every run
 * the same way.
 */
static pthread_barrier_t first_pass;

static void *reader(void *arg)
{
	int i = (int)(long)arg;
	pthread_barrier_wait(&start);
	for (long r = 0; r < nreads; r++) {
		if (lookup_square((int)(r % NENTRIES)) < 0)
			bad_reads[i]++;
		if (r == NENTRIES - 1)
			pthread_barrier_wait(&first_pass);
	}
	return NULL;
}

static void *writer(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&first_pass);
	for (int u = 0; u < UPDATES; u++) {
		/* Relaxed: only this thread ever stores current. */
		struct table *old = atomic_load_explicit(&current, memory_order_relaxed);
		struct table *t = malloc(sizeof *t);
		*t = *old;				/* copy... */
		struct entry *e = &t->e[u % NENTRIES];
		e->value = 1000 + u;			/* ...change the copy... */
		e->square = slow_square(e->value);
		refreshes++;
		/* ...publish: release makes the writes above visible first. */
		atomic_store_explicit(&current, t, memory_order_release);
		retired[u] = old;	/* readers may still be reading it: do not free yet */
		sched_yield();		/* spread the updates over the readers' run */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	nreads = argc > 1 ? atol(argv[1]) : 20000;
	if (nreads < NENTRIES) {
		fprintf(stderr, "usage: %s [reads per reader >= %d]\n", argv[0], NENTRIES);
		return 2;
	}
	struct table *first = malloc(sizeof *first);
	for (int k = 0; k < NENTRIES; k++) {
		first->e[k].value = 1000 + k;
		first->e[k].square = slow_square(first->e[k].value);
		refreshes++;
	}
	atomic_store_explicit(&current, first, memory_order_relaxed);	/* before any thread */

	pthread_t w, rd[NREADERS];
	pthread_barrier_init(&start, NULL, NREADERS);
	pthread_barrier_init(&first_pass, NULL, NREADERS + 1);
	pthread_create(&w, NULL, writer, NULL);
	for (int i = 0; i < NREADERS; i++)
		pthread_create(&rd[i], NULL, reader, (void *)(long)i);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(rd[i], NULL);
	pthread_join(w, NULL);
	pthread_barrier_destroy(&start);
	pthread_barrier_destroy(&first_pass);

	/* Every thread is joined: no reader holds an old table any more. */
	for (int u = 0; u < UPDATES; u++)
		free(retired[u]);
	free(atomic_load_explicit(&current, memory_order_relaxed));

	long bad = 0;
	for (int i = 0; i < NREADERS; i++)
		bad += bad_reads[i];
	printf("%d readers x %ld reads, %d updates; readers inside at the same time: up to %d\n",
	       NREADERS, nreads, UPDATES, atomic_load(&most_inside));
	printf("squares computed: %ld, one per value, all by the writer\n", refreshes);
	printf("reads with a wrong square: %ld\n", bad);
	return bad == 0 ? 0 : 1;
}
