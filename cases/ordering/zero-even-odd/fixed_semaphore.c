/*
 * Zero, even, odd, fixed by the order of two lines: a number thread
 * advances `next` before it posts the zero thread's semaphore.  Everything
 * a thread does before a post happens before the wait that the post lets
 * through, so the zero thread reads the new `next` and wakes the right one.
 *
 * usage: fixed_semaphore [n]     (default 2000)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

static int n;
static int next = 1;		/* the next number to print */
static int done;		/* set by the zero thread when all n are printed */
static sem_t zero_turn, odd_turn, even_turn;
static int *printed;		/* the output: 0, 1, 0, 2, ... */
static char *printer;		/* who printed each number: 'o' or 'e' */
static int pos;

static void *zero(void *arg)
{
	(void)arg;
	for (int i = 0; i < n; i++) {
		sem_wait(&zero_turn);
		printed[pos++] = 0;
		sem_post(next % 2 ? &odd_turn : &even_turn);
	}
	sem_wait(&zero_turn);
	done = 1;
	sem_post(&odd_turn);
	sem_post(&even_turn);
	return NULL;
}

static void *number(void *arg)
{
	char me = *(char *)arg;
	sem_t *my_turn = me == 'o' ? &odd_turn : &even_turn;
	for (;;) {
		sem_wait(my_turn);
		if (done)
			break;
		printer[next] = me;
		printed[pos++] = next;
		next++;			/* first the state... */
		sem_post(&zero_turn);	/* ...then the signal that publishes it */
	}
	return NULL;
}

int main(int argc, char **argv)
{
	n = argc > 1 ? atoi(argv[1]) : 2000;
	if (n < 1 || n > 1000000) {
		fprintf(stderr, "usage: %s [n 1..1000000]\n", argv[0]);
		return 2;
	}
	printed = calloc(2 * (size_t)n, sizeof *printed);
	printer = calloc((size_t)n + 1, 1);
	if (!printed || !printer) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	sem_init(&zero_turn, 0, 1);
	sem_init(&odd_turn, 0, 0);
	sem_init(&even_turn, 0, 0);
	pthread_t t[3];
	pthread_create(&t[0], NULL, number, "e");
	pthread_create(&t[1], NULL, number, "o");
	pthread_create(&t[2], NULL, zero, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);

	int wrong_order = 0, wrong_thread = 0;
	for (int i = 0; i < 2 * n; i++)
		wrong_order += printed[i] != (i % 2 ? i / 2 + 1 : 0);
	for (int k = 1; k <= n; k++)
		wrong_thread += printer[k] != (k % 2 ? 'o' : 'e');
	printf("n=%d: output begins", n);
	for (int i = 0; i < 12 && i < 2 * n; i++)
		printf(" %d", printed[i]);
	printf("\n%d numbers out of place, %d printed by the wrong thread\n", wrong_order, wrong_thread);
	sem_destroy(&zero_turn);
	sem_destroy(&odd_turn);
	sem_destroy(&even_turn);
	free(printed);
	free(printer);
	return wrong_order || wrong_thread ? 1 : 0;
}
