/*
 * The read-mostly table with a lazily computed cache, fixed: a reader that
 * finds a stale entry gives up the read lock, takes the write lock, and
 * checks again before it refreshes (another reader may have refreshed the
 * entry while this one held no lock).  The common case, a fresh entry,
 * still runs under the shared read lock alongside other readers.
 *
 * usage: fixed_rwlock [reads]     (reads per reader, default 20000)
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
	long value;		/* written by the writer */
	long gen;		/* how many times value changed */
	long square;		/* the cache: value * value, computed the slow way */
	int fresh;		/* square matches value */
};

static struct entry table[NENTRIES];
static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;

/*
 * Bookkeeping for the report.  Relaxed atomics: free of races themselves,
 * and they order nothing else, so they hide no race from the checkers.
 */
static atomic_long refreshes, duplicate_refreshes;
static atomic_long last_refreshed_gen[NENTRIES];
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

static void refresh(struct entry *e)
{
	e->square = slow_square(e->value);	/* only ever under the write lock */
	e->fresh = 1;
	atomic_fetch_add_explicit(&refreshes, 1, memory_order_relaxed);
	if (atomic_exchange_explicit(&last_refreshed_gen[e - table], e->gen,
				     memory_order_relaxed) == e->gen)
		atomic_fetch_add_explicit(&duplicate_refreshes, 1, memory_order_relaxed);
}

static long lookup_square(int k)
{
	struct entry *e = &table[k];
	pthread_rwlock_rdlock(&lock);		/* shared with the other readers */
	if (!e->fresh) {
		/* Writing needs the write lock; a read lock cannot be upgraded in
		 * place (see deadlock/rwlock-upgrade), so drop it and retake. */
		pthread_rwlock_unlock(&lock);
		pthread_rwlock_wrlock(&lock);	/* alone now */
		if (!e->fresh)			/* re-check: someone may have refreshed it meanwhile */
			refresh(e);
	}
	reader_in();
	long sq = e->square;
	int ok = sq == e->value * e->value;
	reader_out();
	pthread_rwlock_unlock(&lock);
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
		struct entry *e = &table[u % NENTRIES];
		pthread_rwlock_wrlock(&lock);
		e->value = 1000 + u;
		e->gen++;
		e->fresh = 0;			/* the next reader recomputes square */
		pthread_rwlock_unlock(&lock);
		sched_yield();			/* spread the updates over the readers' run */
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
	for (int k = 0; k < NENTRIES; k++) {
		table[k].value = 1000 + k;	/* fresh == 0: computed on first use */
		last_refreshed_gen[k] = -1;
	}

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

	long bad = 0;
	for (int i = 0; i < NREADERS; i++)
		bad += bad_reads[i];
	printf("%d readers x %ld reads, %d updates; readers inside at the same time: up to %d\n",
	       NREADERS, nreads, UPDATES, atomic_load(&most_inside));
	printf("cache refreshes: %ld, of them %ld repeated work another reader had done\n",
	       atomic_load(&refreshes), atomic_load(&duplicate_refreshes));
	printf("reads with a wrong square: %ld\n", bad);
	return bad == 0 && atomic_load(&duplicate_refreshes) == 0 ? 0 : 1;
}
