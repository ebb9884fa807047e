/*
 * Self-deadlock, fixed by splitting each operation in two: a public
 * function that takes the lock, and an internal *_locked() function that
 * does the work and expects its caller to hold the lock already.  Code
 * that holds the lock calls only *_locked() functions, so the mutex is
 * taken once per operation.
 *
 * usage: fixed_split [deposits]     (default 3)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct account {
	long balance;			/* guarded by lock */
	long limit;			/* read-only after start */
	pthread_mutex_t lock;		/* default type: not recursive */
};

static struct account acct = { 0, 1000, PTHREAD_MUTEX_INITIALIZER };

/* Internal: the caller must hold a->lock. */
static long account_balance_locked(const struct account *a)
{
	return a->balance;
}

/* Public: callers do not hold the lock. */
static long account_balance(struct account *a)
{
	pthread_mutex_lock(&a->lock);
	long b = account_balance_locked(a);
	pthread_mutex_unlock(&a->lock);
	return b;
}

/* Public: deposit unless it would go over the limit. */
static int account_deposit(struct account *a, long amount)
{
	int ok = 0;
	pthread_mutex_lock(&a->lock);
	if (account_balance_locked(a) + amount <= a->limit) {	/* lock already held: no relock */
		a->balance += amount;
		ok = 1;
	}
	pthread_mutex_unlock(&a->lock);
	return ok;
}

static long deposits;

static void *client(void *arg)
{
	(void)arg;
	for (long i = 0; i < deposits; i++) {
		printf("deposit %ld of 100...\n", i + 1);
		account_deposit(&acct, 100);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	deposits = argc > 1 ? atol(argv[1]) : 3;
	if (deposits < 1 || deposits > 10) {
		fprintf(stderr, "usage: %s [deposits 1..10]\n", argv[0]);
		return 2;
	}

	pthread_t t;
	pthread_create(&t, NULL, client, NULL);
	pthread_join(t, NULL);

	long expected = deposits * 100;
	long balance = account_balance(&acct);
	printf("balance: %ld (expected %ld)\n", balance, expected);
	return balance == expected ? 0 : 1;
}
