/*
 * Lock-order deadlock, fixed with a global lock order: transfer() always
 * locks the account with the lower id first, whatever the direction of the
 * transfer.  Every thread then takes the locks in the same order, so no
 * thread can hold the second lock while waiting for the first: the wait-for
 * graph can have no cycle.  The two threads run at the same time here.
 *
 * usage: fixed_global_order [transfers]     (default 1000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct account {
	int id;				/* unique; defines the lock order */
	long balance;			/* guarded by lock */
	pthread_mutex_t lock;
};

static struct account acct_a = { 1, 1000, PTHREAD_MUTEX_INITIALIZER };
static struct account acct_b = { 2, 1000, PTHREAD_MUTEX_INITIALIZER };
static long transfers;
static pthread_barrier_t start;	/* lets both threads begin together, so they overlap */

static void transfer(struct account *from, struct account *to, long amount)
{
	/* Lower id first, always: A before B in both directions. */
	struct account *first = from->id < to->id ? from : to;
	struct account *second = from->id < to->id ? to : from;

	pthread_mutex_lock(&first->lock);
	pthread_mutex_lock(&second->lock);
	from->balance -= amount;
	to->balance += amount;
	pthread_mutex_unlock(&second->lock);
	pthread_mutex_unlock(&first->lock);
}

static void *a_to_b(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < transfers; i++)
		transfer(&acct_a, &acct_b, 1);	/* locks A, then B */
	return NULL;
}

static void *b_to_a(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < transfers; i++)
		transfer(&acct_b, &acct_a, 1);	/* also locks A, then B */
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
	printf("%ld transfers each way, concurrently, both locking A then B\n", transfers);
	printf("balances: A=%ld B=%ld total=%ld (expected 2000)\n",
	       acct_a.balance, acct_b.balance, total);
	return total == 2000 ? 0 : 1;
}
