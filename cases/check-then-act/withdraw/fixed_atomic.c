/*
 * Check-then-act, fixed with a compare-and-swap loop: read the balance,
 * check it, and install the new balance only if nobody changed it since
 * the read.  If someone did, the CAS fails, hands back the current value,
 * and the check runs again on that.  No lock, and no debit is ever based
 * on a stale check.
 *
 * usage: fixed_atomic [clients] [amount]     (default 4 30; the balance starts at 100)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_CLIENTS 16
#define OPENING_BALANCE 100

static atomic_long balance = OPENING_BALANCE;
static atomic_long cas_retries;		/* how often the balance changed under a check */
static pthread_barrier_t start;		/* lets all clients begin together, so they contend */

static int withdraw(long amount)
{
	long seen = atomic_load(&balance);
	for (;;) {
		if (seen < amount)
			return 0;	/* checked against the current balance: really not enough */
		if (atomic_compare_exchange_weak(&balance, &seen, seen - amount))
			return 1;	/* nobody changed it between the check and the debit */
		/* Someone did (or the weak CAS failed spuriously): seen now holds
		 * the current balance, so check again. */
		atomic_fetch_add(&cas_retries, 1);
	}
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
	long closing = atomic_load(&balance);
	printf("opening balance %d, approved %d of %d withdrawals (at most %ld fit)\n",
	       OPENING_BALANCE, napproved, nclients, at_most);
	printf("closing balance: %ld (compare-and-swap retries: %ld)\n",
	       closing, atomic_load(&cas_retries));
	return closing >= 0 && napproved == at_most &&
	       closing == OPENING_BALANCE - napproved * amount ? 0 : 1;
}
