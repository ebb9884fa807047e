/*
 * Print in order, fixed with a mutex and a condition variable: `stage`
 * counts the threads that have printed, and each thread waits, in a while
 * loop, until stage is its number.  The thread that moves stage on
 * broadcasts: with two waiters for different stages, a signal could wake
 * the wrong one, which would go back to sleep with the other never woken.
 *
 * usage: fixed_condvar [rounds]     (default 200)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[4];		/* what the round printed, in order */
static int pos;
static int stage;		/* how many have printed; guarded by lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

/* Wait until it is this thread's turn, print, and pass the turn on. */
static void in_turn(int my_stage, char c)
{
	pthread_mutex_lock(&lock);
	while (stage != my_stage)
		pthread_cond_wait(&changed, &lock);
	out[pos++] = c;
	stage++;
	pthread_cond_broadcast(&changed);	/* two threads may wait, for different stages */
	pthread_mutex_unlock(&lock);
}

static void *first(void *arg)
{
	(void)arg;
	in_turn(0, '1');
	return NULL;
}

static void *second(void *arg)
{
	(void)arg;
	in_turn(1, '2');
	return NULL;
}

static void *third(void *arg)
{
	(void)arg;
	in_turn(2, '3');
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
