/*
 * Self-deadlock, fixed with a recursive mutex: a PTHREAD_MUTEX_RECURSIVE
 * mutex counts how many times its owner has locked it, and is released
 * only when the owner has unlocked it as many times.  The nested lock in
 * account_balance() now just bumps the count.  It works, but it hides
 * which code runs with the lock held; fixed_split.c is usually better.
 *
 * usage: fixed_recursive [deposits]     (default 3)
 */
#define _XOPEN_SOURCE 700	/* PTHREAD_MUTEX_RECURSIVE is in POSIX's XSI option */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct account {
	long balance;			/* guarded by lock */
	long limit;			/* read-only after start */
	pthread_mutex_t lock;		/* recursive, set up in main() */
};

static struct account acct = { .balance = 0, .limit = 1000 };	/* .lock: see main() */

/* Public: callers may or may not hold the lock. */
static long account_balance(struct account *a)
{
	pthread_mutex_lock(&a->lock);	/* nested when called from account_deposit: count 2 */
	long b = a->balance;
	pthread_mutex_unlock(&a->lock);	/* count back to 1: still held */
	return b;
}

/* Public: deposit unless it would go over the limit. */
static int account_deposit(struct account *a, long amount)
{
	int ok = 0;
	pthread_mutex_lock(&a->lock);			/* count 1 */
	if (account_balance(a) + amount <= a->limit) {	/* relocks: fine, it is recursive */
		a->balance += amount;
		ok = 1;
	}
	pthread_mutex_unlock(&a->lock);			/* count 0: released */
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

	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&acct.lock, &attr);
	pthread_mutexattr_destroy(&attr);

	pthread_t t;
	pthread_create(&t, NULL, client, NULL);
	pthread_join(t, NULL);

	long expected = deposits * 100;
	long balance = account_balance(&acct);
	printf("balance: %ld (expected %ld)\n", balance, expected);
	pthread_mutex_destroy(&acct.lock);
	return balance == expected ? 0 : 1;
}
