/*
 * Zero, even, odd, fixed with channels and no shared counter at all: the
 * zero thread sends each number to the thread that must print it, and
 * waits for its "printed" before the next zero.  The number travels with
 * the turn, so nobody reads a counter that someone else advances; closing
 * the channels tells the number threads that there is nothing more.
 *
 * usage: fixed_channel [n]     (default 2000)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <stdlib.h>

static int n;
static pv_chan *to_odd, *to_even;	/* the number to print, from the zero thread */
static pv_chan *printed_one;		/* "done, your turn", back to the zero thread */
static int *printed;		/* the output: 0, 1, 0, 2, ... */
static char *printer;		/* who printed each number: 'o' or 'e' */
static int pos;

static void *zero(void *arg)
{
	(void)arg;
	for (int k = 1; k <= n; k++) {
		printed[pos++] = 0;
		pv_chan_send(k % 2 ? to_odd : to_even, &k);	/* the number travels with the turn */
		pv_chan_recv(printed_one, NULL);
	}
	pv_chan_close(to_odd);		/* nothing more to print: the number threads end */
	pv_chan_close(to_even);
	return NULL;
}

static void *number(void *arg)
{
	char me = *(char *)arg;
	pv_chan *mine = me == 'o' ? to_odd : to_even;
	int k;
	while (pv_chan_recv(mine, &k) == PV_CHAN_OK) {
		printer[k] = me;
		printed[pos++] = k;
		pv_chan_send(printed_one, NULL);
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
	to_odd = pv_chan_make(sizeof(int), 0);
	to_even = pv_chan_make(sizeof(int), 0);
	printed_one = pv_chan_make(1, 0);
	if (!to_odd || !to_even || !printed_one) {
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
	pv_chan_free(to_odd);
	pv_chan_free(to_even);
	pv_chan_free(printed_one);
	free(printed);
	free(printer);
	return wrong_order || wrong_thread ? 1 : 0;
}
