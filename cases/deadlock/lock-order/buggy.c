/*
 * Lock-order deadlock: transfer(from, to) locks from's mutex, then to's.
 * Thread 1 moves money A -> B (locks A, then B); thread 2 moves B -> A
 * (locks B, then A).  If each takes its first lock before the other takes
 * its second, both wait for ever.
 *
 * To keep the run deterministic the threads run one after the other (start
 * T1, join it, start T2), so this run never blocks; the opposite orders are
 * still in the code, and a lock-order checker sees "held A while taking B"
 * and "held B while taking A" and reports the cycle.  Pass "overlap" as the
 * second argument to run the threads at the same time and watch it hang.
 *
 * usage: buggy [transfers] [overlap]     (default 1000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct account {
	int id;
	long balance;			/* guarded by lock */
	pthread_mutex_t lock;
};

static struct account acct_a = { 1, 1000, PTHREAD_MUTEX_INITIALIZER };
static struct account acct_b = { 2, 1000, PTHREAD_MUTEX_INITIALIZER };
static long transfers;

static void transfer(struct account *from, struct account *to, long amount)
{
	pthread_mutex_lock(&from->lock);	/* first lock: the source */
	pthread_mutex_lock(&to->lock);		/* second lock: the bug, the order depends on the direction */
	from->balance -= amount;
	to->balance += amount;
	pthread_mutex_unlock(&to->lock);
	pthread_mutex_unlock(&from->lock);
}

static void *a_to_b(void *arg)
{
	(void)arg;
	for (long i = 0; i < transfers; i++)
		transfer(&acct_a, &acct_b, 1);	/* locks A, then B */
	return NULL;
}

static void *b_to_a(void *arg)
{
	(void)arg;
	for (long i = 0; i < transfers; i++)
		transfer(&acct_b, &acct_a, 1);	/* locks B, then A */
	return NULL;
}

int main(int argc, char **argv)
{
	transfers = argc > 1 ? atol(argv[1]) : 1000;
	int overlap = argc > 2 && !strcmp(argv[2], "overlap");
	if (transfers < 1) {
		fprintf(stderr, "usage: %s [transfers] [overlap]\n", argv[0]);
		return 2;
	}

	pthread_t t1, t2;
	if (overlap) {
		/* Both at once: sooner or later each holds one lock and waits for the other. */
		pthread_create(&t1, NULL, a_to_b, NULL);
		pthread_create(&t2, NULL, b_to_a, NULL);
		pthread_join(t1, NULL);
		pthread_join(t2, NULL);
	} else {
		/* One after the other: no real deadlock, the lock orders are still opposite. */
		pthread_create(&t1, NULL, a_to_b, NULL);
		pthread_join(t1, NULL);
		pthread_create(&t2, NULL, b_to_a, NULL);
		pthread_join(t2, NULL);
	}

	long total = acct_a.balance + acct_b.balance;
	printf("%ld transfers A->B (lock A then B), %ld transfers B->A (lock B then A), %s\n",
	       transfers, transfers, overlap ? "overlapping" : "one thread after the other");
	printf("balances: A=%ld B=%ld total=%ld (expected 2000)\n",
	       acct_a.balance, acct_b.balance, total);
	if (!overlap)
		printf("no deadlock this run, only because the threads never overlapped\n");
	return total == 2000 ? 0 : 1;
}
