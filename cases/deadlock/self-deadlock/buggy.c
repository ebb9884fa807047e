/*
 * Self-deadlock: account_deposit() locks the account's mutex and, while
 * holding it, calls account_balance(), which locks the same mutex again.
 * The mutex is an ordinary (non-recursive) one, so the second lock waits
 * for the lock to be released by its owner, which is the waiting thread
 * itself: it waits for ever.  One thread is enough.
 *
 * usage: buggy [deposits]     (default 3)
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

/* Public: callers do not hold the lock. */
static long account_balance(struct account *a)
{
	pthread_mutex_lock(&a->lock);	/* second lock of a mutex this thread holds */
	long b = a->balance;
	pthread_mutex_unlock(&a->lock);
	return b;
}

/* Public: deposit unless it would go over the limit. */
static int account_deposit(struct account *a, long amount)
{
	int ok = 0;
	pthread_mutex_lock(&a->lock);			/* first lock */
	if (account_balance(a) + amount <= a->limit) {	/* the bug: relocks a->lock */
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
		fflush(stdout);			/* show how far it got before it stuck */
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
	printf("balance: %ld (expected %ld)\n", acct.balance, expected);
	return acct.balance == expected ? 0 : 1;
}
