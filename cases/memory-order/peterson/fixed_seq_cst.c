/*
 * Peterson's lock, fixed with seq_cst: the flag and turn stores and the
 * loads of the wait loop are sequentially consistent, so they take part in
 * one total order and the proof's "whoever stored turn last waits" holds.
 * The exit store is a release: it is all the next owner's acquiring loads
 * need to see the critical section.  On x86 the seq_cst stores are xchg,
 * which drains the store buffer before the loads run.
 *
 * usage: fixed_seq_cst [entries]     (default 20000)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_int flag[2];	/* "I want to enter" */
static atomic_int turn;		/* who waits if both want to */
static long counter;		/* plain: the lock is meant to protect it */
static atomic_int inside;	/* the measuring instrument: threads in the critical section */
static atomic_int both_inside;	/* times a thread entered and found the other there */

static void lock(int me)
{
	int other = 1 - me;
	atomic_store_explicit(&flag[me], 1, memory_order_seq_cst);
	atomic_store_explicit(&turn, other, memory_order_seq_cst);
	for (int spins = 0; atomic_load_explicit(&flag[other], memory_order_seq_cst) &&
			    atomic_load_explicit(&turn, memory_order_seq_cst) == other; spins++)
		if (spins > 100)
			sched_yield();	/* the other thread may not be running: let it */
}

static void unlock(int me)
{
	atomic_store_explicit(&flag[me], 0, memory_order_release);
}

static long entries;
static pthread_barrier_t start;	/* both threads begin together, so they contend */

/* Some work outside the lock, of random length, so that the two threads
 * often arrive at lock() together with both flags down. */
static void outside(unsigned *seed)
{
	*seed = *seed * 1103515245 + 12345;
	for (volatile unsigned n = (*seed >> 16) % 64; n; n--)
		;
}

static void *worker(void *arg)
{
	int me = (int)(long)arg;
	unsigned seed = (unsigned)me + 1;
	pthread_barrier_wait(&start);
	for (long i = 0; i < entries; i++) {
		outside(&seed);
		lock(me);
		if (atomic_fetch_add_explicit(&inside, 1, memory_order_relaxed))
			atomic_fetch_add_explicit(&both_inside, 1, memory_order_relaxed);
		counter++;	/* the critical section */
		atomic_fetch_sub_explicit(&inside, 1, memory_order_relaxed);
		unlock(me);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	entries = argc > 1 ? atol(argv[1]) : 20000;
	if (entries < 1) {
		fprintf(stderr, "usage: %s [entries]\n", argv[0]);
		return 2;
	}
	pthread_t t[2];
	pthread_barrier_init(&start, NULL, 2);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("2 threads x %ld entries: counter = %ld (expected %ld)\n", entries, counter, 2 * entries);
	printf("entries that found the other thread inside: %d\n", atomic_load(&both_inside));
	return counter == 2 * entries && !atomic_load(&both_inside) ? 0 : 1;
}
