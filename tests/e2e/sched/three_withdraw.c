/* An atomicity violation that needs three threads: the balance covers two
 * withdrawals, and each client checks it and debits it in two critical
 * sections. The account goes negative only when all three check before
 * the second debit. No data race: every access is locked. */
#include <pthread.h>
#include <stdio.h>

#define CLIENTS 3

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = 2;

static void *client(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	int enough = balance >= 1;
	pthread_mutex_unlock(&lock);
	if (enough) {
		pthread_mutex_lock(&lock);
		balance -= 1;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[CLIENTS];
	for (int i = 0; i < CLIENTS; i++)
		pthread_create(&t[i], NULL, client, NULL);
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(t[i], NULL);
	printf("balance = %d\n", balance);
	return balance < 0;
}
