/*
 * Check-then-act, fixed by giving the balance one owner: a bank thread is
 * the only code that touches it.  Clients send withdraw requests over one
 * channel and get the answer over their own reply channel.  The bank
 * handles one request at a time, so each check and its debit run back to
 * back with nothing in between: no lock, because nothing is shared.
 *
 * usage: fixed_channel [clients] [amount]     (default 4 30; the balance starts at 100)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_CLIENTS 16
#define OPENING_BALANCE 100

struct request {
	long amount;
	pv_chan *reply;		/* where the bank sends the answer (an int) */
};

static pv_chan *requests;	/* clients -> bank */
static pthread_barrier_t start;	/* lets all clients begin together, so they contend */

/* The owner: the balance is a local variable of this thread. */
static void *bank(void *arg)
{
	long *closing = arg;
	long balance = OPENING_BALANCE;
	struct request rq;
	while (pv_chan_recv(requests, &rq) == PV_CHAN_OK) {
		int ok = balance >= rq.amount;	/* check... */
		if (ok)
			balance -= rq.amount;	/* ...and act, before the next request */
		pv_chan_send(rq.reply, &ok);
	}
	*closing = balance;	/* the requests channel is closed: no more clients */
	return NULL;
}

static long amount;
static int approved[MAX_CLIENTS];	/* approved[i] written only by client i */

static void *client(void *arg)
{
	int i = (int)(long)arg;
	struct request rq = { amount, pv_chan_make(sizeof(int), 1) };
	pthread_barrier_wait(&start);
	pv_chan_send(requests, &rq);
	pv_chan_recv(rq.reply, &approved[i]);
	pv_chan_free(rq.reply);
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

	long closing = 0;
	pthread_t owner, tid[MAX_CLIENTS];
	requests = pv_chan_make(sizeof(struct request), 0);
	pthread_barrier_init(&start, NULL, nclients);
	pthread_create(&owner, NULL, bank, &closing);
	for (int i = 0; i < nclients; i++)
		pthread_create(&tid[i], NULL, client, (void *)(long)i);
	for (int i = 0; i < nclients; i++)
		pthread_join(tid[i], NULL);
	pv_chan_close(requests);	/* every client has its answer: let the bank finish */
	pthread_join(owner, NULL);
	pthread_barrier_destroy(&start);
	pv_chan_free(requests);

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
	printf("closing balance: %ld (kept by the bank thread alone)\n", closing);
	return closing >= 0 && napproved == at_most &&
	       closing == OPENING_BALANCE - napproved * amount ? 0 : 1;
}
