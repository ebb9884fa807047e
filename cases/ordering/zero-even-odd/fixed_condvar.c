/*
 * Zero, even, odd, fixed with a mutex and one condition variable: `turn`
 * says who prints next, and all the state (turn, next, done, the output)
 * changes under the mutex.  Each thread waits in a while loop for its turn;
 * the thread that passes the turn broadcasts, because the three threads wait
 * on one condition variable for three different turns.
 *
 * usage: fixed_condvar [n]     (default 2000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int n;
static int next = 1;		/* the next number to print */
static int done;		/* set by the zero thread when all n are printed */
static char turn = 'z';		/* whose turn: 'z', 'o' or 'e' */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;	/* guards everything here */
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

/* Wait, holding lock on return, until it is me's turn or all is printed. */
static void wait_turn(char me)
{
	pthread_mutex_lock(&lock);
	while (turn != me && !done)
		pthread_cond_wait(&changed, &lock);
}

/* Give the turn to who and wake everyone: three threads wait on one
 * condition variable, for three different turns. */
static void pass_turn(char who)
{
	turn = who;
	pthread_cond_broadcast(&changed);
	pthread_mutex_unlock(&lock);
}
static int *printed;		/* the output: 0, 1, 0, 2, ... */
static char *printer;		/* who printed each number: 'o' or 'e' */
static int pos;

static void *zero(void *arg)
{
	(void)arg;
	for (int i = 0; i < n; i++) {
		wait_turn('z');
		printed[pos++] = 0;
		pass_turn(next % 2 ? 'o' : 'e');
	}
	wait_turn('z');
	done = 1;
	pass_turn(0);
	return NULL;
}

static void *number(void *arg)
{
	char me = *(char *)arg;
	for (;;) {
		wait_turn(me);
		if (done) {
			pthread_mutex_unlock(&lock);
			break;
		}
		printer[next] = me;
		printed[pos++] = next;
		next++;
		pass_turn('z');
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
	free(printed);
	free(printer);
	return wrong_order || wrong_thread ? 1 : 0;
}
