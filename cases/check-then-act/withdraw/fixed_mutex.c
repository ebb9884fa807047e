/*
 * Check-then-act, fixed with one critical section: the check and the debit
 * happen under a single lock, so no other client can withdraw between them.
 * The invariant "balance >= 0" holds whenever the lock is free.
 *
 * usage: fixed_mutex [clients] [amount]     (default 4 30; the balance starts at 100)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_CLIENTS 16
#define OPENING_BALANCE 100

static long balance = OPENING_BALANCE;	/* guarded by lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;		/* lets all clients begin together, so they contend */

static int withdraw(long amount)
{
	int ok = 0;
	pthread_mutex_lock(&lock);
	if (balance >= amount) {	/* check and act in one critical section */
		balance -= amount;
		ok = 1;
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

static long amount;
static int approved[MAX_CLIENTS];	/* approved[i] written only by client i */

static void *client(void *arg)
{
	int i = (int)(long)arg;
	pthread_barrier_wait(&start);
	approved[i] = withdraw(amount);
	return NULL;
}

int main(int argc, char **argv)
{
	int nclients = argc > 1 ? atoi(argv[1]) : 4;
	amount = argc > 2 ? atol(argv[2]) : 30;
	if (nclients < 1 || nclients > MAX_CLIENTS || amount < 1) {
		fprintf(stderr, "usage: %s [clients 1..%d] [amount]\n", argv[0], MAX_CLIENTS);
		return 2;
	}

	pthread_t tid[MAX_CLIENTS];
	pthread_barrier_init(&start, NULL, nclients);
	for (int i = 0; i < nclients; i++)
		pthread_create(&tid[i], NULL, client, (void *)(long)i);
	for (int i = 0; i < nclients; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);

	int napproved = 0;
	for (int i = 0; i < nclients; i++) {
		printf("client %d: withdraw %ld -> %s\n", i, amount,
		       approved[i] ? "approved" : "refused");
		napproved += approved[i];
	}
	long at_most = OPENING_BALANCE / amount;
	if (at_most > nclients)
		at_most = nclients;
	printf("opening balance %d, approved %d of %d withdrawals (at most %ld fit)\n",
	       OPENING_BALANCE, napproved, nclients, at_most);
	printf("closing balance: %ld\n", balance);
	return balance >= 0 && napproved == at_most &&
	       balance == OPENING_BALANCE - napproved * amount ? 0 : 1;
}
