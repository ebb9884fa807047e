/*
 * Check-then-act: withdraw() checks the balance under the lock, unlocks,
 * and takes the lock again to debit.  Every access to the balance is
 * locked, so there is no data race, but the check and the act are two
 * separate critical sections: another client can withdraw in between,
 * and both debits go through on a balance that covered only one.
 *
 * usage: buggy [clients] [amount]     (default 4 30; the balance starts at 100)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_CLIENTS 16
#define OPENING_BALANCE 100

static long balance = OPENING_BALANCE;	/* guarded by lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Stand-in for the slow step between the check and the act (a fraud check,
 * a call to another service): every client has checked before any debits,
 * so the bad interleaving happens on every run instead of now and then.
 */
static pthread_barrier_t slow_step;

static int withdraw(long amount)
{
	pthread_mutex_lock(&lock);
	int enough = balance >= amount;		/* check... */
	pthread_mutex_unlock(&lock);

	pthread_barrier_wait(&slow_step);	/* the window: the lock is free here */

	if (!enough)
		return 0;
	pthread_mutex_lock(&lock);
	balance -= amount;			/* ...then act, on a balance that may have changed */
	pthread_mutex_unlock(&lock);
	return 1;
}

static long amount;
static int approved[MAX_CLIENTS];	/* approved[i] written only by client i */

static void *client(void *arg)
{
	int i = (int)(long)arg;
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
	pthread_barrier_init(&slow_step, NULL, nclients);
	for (int i = 0; i < nclients; i++)
		pthread_create(&tid[i], NULL, client, (void *)(long)i);
	for (int i = 0; i < nclients; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&slow_step);

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
	if (balance < 0) {
		printf("overdrawn: every client saw enough money before anyone took it\n");
		return 1;
	}
	return balance == OPENING_BALANCE - napproved * amount ? 0 : 1;
}
