/*
 * Message passing, fixed with release/acquire: the writer's flag store is a
 * release, the reader's flag load an acquire.  A release store orders every
 * earlier access of its thread before it; an acquire load that reads it
 * orders every later access after it.  So a reader that sees the flag
 * happens after the data was written, reads it whole, and does not race.
 * On x86 both compile to plain movs: TSO already keeps store-store and
 * load-load order; the orders stop the compiler from swapping them.
 *
 * usage: fixed_release_acquire [trials]     (default 10000)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static long trials;
static int *data;			/* plain: the message, one per trial */
static atomic_int *flag;		/* "data[i] is ready" */
static int *got;			/* reader only: -1 no flag, else data seen */
static atomic_long arrived[2];		/* a two-thread barrier per trial */

/* Relaxed on purpose: the barrier only lines the threads up in time; if it
 * ordered memory, a reader that is a trial behind would get the data's order
 * from it instead of from the flag. */
static void meet(int me, long i)
{
	atomic_store_explicit(&arrived[me], i + 1, memory_order_relaxed);
	for (int spins = 0; atomic_load_explicit(&arrived[1 - me], memory_order_relaxed) < i + 1; spins++)
		if (spins > 100)
			sched_yield();	/* the other thread is not running: let it */
}

/* Up to a few hundred nanoseconds of random delay, so that the reader's
 * steps fall sometimes before, sometimes between, sometimes after the
 * writer's. */
static void jitter(unsigned *seed)
{
	*seed = *seed * 1103515245 + 12345;
	for (volatile unsigned n = (*seed >> 16) % 128; n; n--)
		;
}

static void *writer(void *arg)
{
	unsigned seed = 1;

	(void)arg;
	for (long i = 0; i < trials; i++) {
		meet(0, i);
		jitter(&seed);
		data[i] = (int)i + 1;
		atomic_store_explicit(&flag[i], 1, memory_order_release);
	}
	return NULL;
}

static void *reader(void *arg)
{
	unsigned seed = 2;

	(void)arg;
	for (long i = 0; i < trials; i++) {
		meet(1, i);
		jitter(&seed);
		if (atomic_load_explicit(&flag[i], memory_order_acquire))
			got[i] = data[i];	/* the acquire made the write visible */
		else
			got[i] = -1;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	trials = argc > 1 ? atol(argv[1]) : 10000;
	if (trials < 1 || trials > 10000000) {
		fprintf(stderr, "usage: %s [trials 1..10000000]\n", argv[0]);
		return 2;
	}
	data = calloc(trials, sizeof *data);
	flag = calloc(trials, sizeof *flag);
	got = calloc(trials, sizeof *got);
	if (!data || !flag || !got) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	pthread_t w, r;
	pthread_create(&w, NULL, writer, NULL);
	pthread_create(&r, NULL, reader, NULL);
	pthread_join(w, NULL);
	pthread_join(r, NULL);

	long none = 0, fresh = 0, stale = 0;
	for (long i = 0; i < trials; i++)
		if (got[i] < 0)
			none++;
		else if (got[i] == (int)i + 1)
			fresh++;
		else
			stale++;
	printf("%ld trials of  data = v; flag = 1  ||  if (flag) r = data\n", trials);
	printf("flag not yet seen:       %7ld\n", none);
	printf("flag seen, data fresh:   %7ld\n", fresh);
	printf("flag seen, data stale:   %7ld   <- the message arrived before its contents\n", stale);
	free(data);
	free(flag);
	free(got);
	return stale ? 1 : 0;
}
