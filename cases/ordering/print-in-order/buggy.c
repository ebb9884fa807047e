/*
 * Print in order (LeetCode 1114): three threads call first(), second() and
 * third(), started in any order; "first" must come before "second", and
 * "second" before "third".  Here the order is a plain int that the later
 * threads spin on: the spinning works on x86 (volatile keeps the loads in
 * the loop), but it is a data race on `stage` and on the output the threads
 * hand over, so nothing guarantees that the third thread sees what the
 * second wrote.  Each round starts the threads in reverse order.
 *
 * usage: buggy [rounds]     (default 200)
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[4];		/* what the round printed, in order */
static int pos;
static volatile int stage;	/* the bug: a plain int as the signal */

static void print(char c)
{
	out[pos++] = c;
}

static void *first(void *arg)
{
	(void)arg;
	print('1');
	stage = 1;
	return NULL;
}

static void *second(void *arg)
{
	(void)arg;
	while (stage != 1)
		sched_yield();
	print('2');
	stage = 2;
	return NULL;
}

static void *third(void *arg)
{
	(void)arg;
	while (stage != 2)
		sched_yield();
	print('3');
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	if (rounds < 1) {
		fprintf(stderr, "usage: %s [rounds]\n", argv[0]);
		return 2;
	}
	void *(*fn[3])(void *) = { third, second, first };	/* started in reverse */
	int wrong = 0;
	for (int r = 0; r < rounds; r++) {
		pos = 0;
		stage = 0;
		memset(out, 0, sizeof out);
		pthread_t t[3];
		for (int i = 0; i < 3; i++)
			pthread_create(&t[i], NULL, fn[i], NULL);
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
		if (strcmp(out, "123")) {
			if (!wrong)
				printf("round %d printed \"%s\"\n", r, out);
			wrong++;
		}
	}
	printf("%d rounds, %d printed out of order\n", rounds, wrong);
	return wrong ? 1 : 0;
}
