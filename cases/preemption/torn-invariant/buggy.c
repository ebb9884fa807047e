/*
 * Torn invariant: a mover thread shifts money between two accounts, first
 * taking it out of one, then (after some bookkeeping) putting it into the
 * other.  The total should always be 2000.  An auditor thread reads both
 * balances and checks the total.  Nothing stops the auditor from reading
 * between the two steps of a move: the scheduler can switch threads between
 * any two instructions, and a thread on another core can read at any moment.
 * So it sees money that is in neither account.
 *
 * usage: buggy [moves]     (default 100000; the auditor makes as many audits)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * The invariant: a + b == 2000.  volatile only keeps every load and store in
 * the program as written; it does not make the pair change together.
 */
static volatile long a = 1000, b = 1000;
static long moves;
static pthread_barrier_t start;	/* lets both threads begin together, so they overlap */

/* A little private work (a log entry, a fee...): the steps of real updates are
 * rarely adjacent, and this keeps the mover between them most of the time. */
static uint64_t bookkeeping(uint64_t x)
{
	for (int k = 0; k < 100; k++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	return x;
}

static void *mover(void *arg)
{
	uint64_t receipt = 1;

	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < moves; i++) {
		long amount = i % 2 ? -100 : 100;	/* back and forth */
		a -= amount;	/* the invariant is broken from here ... */
		receipt = bookkeeping(receipt + (uint64_t)i);
		b += amount;	/* ... to here */
	}
	return (void *)(uintptr_t)receipt;
}

struct audit {
	long broken;		/* audits that saw a + b != 2000 */
	long first_a, first_b;	/* the first such pair */
};

static void *auditor(void *arg)
{
	struct audit *au = arg;
	uint64_t receipt = 2;

	pthread_barrier_wait(&start);
	for (long i = 0; i < moves; i++) {
		long sa = a, sb = b;	/* may fall between the mover's two steps */
		if (sa + sb != 2000 && au->broken++ == 0) {
			au->first_a = sa;
			au->first_b = sb;
		}
		receipt = bookkeeping(receipt + (uint64_t)i);	/* audits are spread out too */
	}
	return (void *)(uintptr_t)receipt;
}

int main(int argc, char **argv)
{
	moves = argc > 1 ? atol(argv[1]) : 100000;
	if (moves < 1) {
		fprintf(stderr, "usage: %s [moves]\n", argv[0]);
		return 2;
	}

	pthread_t mt, at;
	struct audit au = { 0, 0, 0 };
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&mt, NULL, mover, NULL);
	pthread_create(&at, NULL, auditor, &au);
	pthread_join(mt, NULL);
	pthread_join(at, NULL);
	pthread_barrier_destroy(&start);

	printf("%ld moves, %ld audits: the total was not 2000 in %ld audits\n",
	       moves, moves, au.broken);
	if (au.broken)
		printf("the first: a=%ld b=%ld, total %ld\n",
		       au.first_a, au.first_b, au.first_a + au.first_b);
	printf("after the join: a=%ld b=%ld, total %ld\n", a, b, a + b);
	return au.broken ? 1 : 0;
}
