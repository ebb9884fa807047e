/*
 * Print in order, fixed with two semaphores, both starting at 0: first()
 * posts first_done when it has printed, second() waits for it, prints and
 * posts second_done, third() waits for that.  A post happens before the wait
 * it lets through, so each thread sees what the one before it printed, and a
 * post made before the waiter arrives is remembered (the count).
 *
 * usage: fixed_semaphore [rounds]     (default 200)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out[4];		/* what the round printed, in order */
static int pos;
static sem_t first_done, second_done;	/* both start at 0 */

static void print(char c)
{
	out[pos++] = c;
}

static void *first(void *arg)
{
	(void)arg;
	print('1');
	sem_post(&first_done);
	return NULL;
}

static void *second(void *arg)
{
	(void)arg;
	sem_wait(&first_done);
	print('2');
	sem_post(&second_done);
	return NULL;
}

static void *third(void *arg)
{
	(void)arg;
	sem_wait(&second_done);
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
	sem_init(&first_done, 0, 0);
	sem_init(&second_done, 0, 0);
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
	sem_destroy(&first_done);
	sem_destroy(&second_done);
	return wrong ? 1 : 0;
}
