/*
 * Lock-order deadlock, fixed with trylock and back-off: transfer() blocks
 * only on its first lock and only *tries* the second.  If the second is
 * busy it releases the first, waits a moment and starts again.  A thread
 * never waits while holding a lock, so "hold and wait" cannot happen and
 * neither can the deadlock, although the two directions still take the
 * locks in opposite orders.  The two threads run at the same time here.
 *
 * usage: fixed_trylock_backoff [transfers]     (default 1000)
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct account {
	int id;
	long balance;			/* guarded by lock */
	pthread_mutex_t lock;
};

static struct account acct_a = { 1, 1000, PTHREAD_MUTEX_INITIALIZER };
static struct account acct_b = { 2, 1000, PTHREAD_MUTEX_INITIALIZER };
static long transfers;
static atomic_long retries;		/* how often the second lock was busy */
static pthread_barrier_t start;	/* lets both threads begin together, so they overlap */

static void backoff(int attempt)
{
	/* Short, growing pause, so the two threads stop colliding (no livelock). */
	if (attempt < 4) {
		sched_yield();
	} else {
		struct timespec ts = { 0, 1000L * (attempt < 64 ? attempt : 64) };
		nanosleep(&ts, NULL);
	}
}

static void transfer(struct account *from, struct account *to, long amount)
{
	for (int attempt = 0;; attempt++) {
		pthread_mutex_lock(&from->lock);
		if (pthread_mutex_trylock(&to->lock) == 0)
			break;				/* got both */
		pthread_mutex_unlock(&from->lock);	/* busy: give the first back */
		atomic_fetch_add(&retries, 1);
		backoff(attempt);
	}
	from->balance -= amount;
	to->balance += amount;
	pthread_mutex_unlock(&to->lock);
	pthread_mutex_unlock(&from->lock);
}

static void *a_to_b(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < transfers; i++)
		transfer(&acct_a, &acct_b, 1);	/* locks A, tries B */
	return NULL;
}

static void *b_to_a(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < transfers; i++)
		transfer(&acct_b, &acct_a, 1);	/* locks B, tries A */
	return NULL;
}

int main(int argc, char **argv)
{
	transfers = argc > 1 ? atol(argv[1]) : 1000;
	if (transfers < 1) {
		fprintf(stderr, "usage: %s [transfers]\n", argv[0]);
		return 2;
	}

	pthread_t t1, t2;
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&t1, NULL, a_to_b, NULL);
	pthread_create(&t2, NULL, b_to_a, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	pthread_barrier_destroy(&start);

	long total = acct_a.balance + acct_b.balance;
	printf("%ld transfers each way, concurrently, second lock by trylock\n", transfers);
	printf("second lock busy %ld times (released the first and retried)\n",
	       atomic_load(&retries));
	printf("balances: A=%ld B=%ld total=%ld (expected 2000)\n",
	       acct_a.balance, acct_b.balance, total);
	return total == 2000 ? 0 : 1;
}
