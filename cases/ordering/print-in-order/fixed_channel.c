/*
 * Print in order, fixed with channels: first() sends a token on first_done
 * when it has printed, second() receives it, prints and sends on
 * second_done, third() receives that.  The send happens before the receive
 * that gets the token, so each thread sees what the one before it printed.
 * With capacity 1 the sender does not wait for its receiver.
 *
 * usage: fixed_channel [rounds]     (default 200)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[4];		/* what the round printed, in order */
static int pos;
static pv_chan *first_done, *second_done;	/* a token each, capacity 1 */

static void print(char c)
{
	out[pos++] = c;
}

static void *first(void *arg)
{
	(void)arg;
	print('1');
	pv_chan_send(first_done, NULL);
	return NULL;
}

static void *second(void *arg)
{
	(void)arg;
	pv_chan_recv(first_done, NULL);
	print('2');
	pv_chan_send(second_done, NULL);
	return NULL;
}

static void *third(void *arg)
{
	(void)arg;
	pv_chan_recv(second_done, NULL);
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
	first_done = pv_chan_make(1, 1);
	second_done = pv_chan_make(1, 1);
	if (!first_done || !second_done) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	for (int r = 0; r < rounds; r++) {
		pos = 0;
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
	pv_chan_free(first_done);
	pv_chan_free(second_done);
	return wrong ? 1 : 0;
}
