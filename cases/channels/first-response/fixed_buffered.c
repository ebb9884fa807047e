/*
 * First response wins, fixed with a buffer: the answers channel has one
 * slot per replica, so every replica's send completes at once whether or
 * not anybody will read it, and every replica ends.  The answers nobody
 * reads are dropped with the channel.  (Go's idiom: make(chan T, n).)
 *
 * usage: fixed_buffered [replicas]     (default 3)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_REPLICAS 16

static pv_chan *answers;	/* one slot per replica: no send ever waits */
static pv_chan *timeout;	/* closed by the timer thread when time is up */

static void *replica(void *arg)
{
	int id = (int)(long)arg;
	usleep(1000 + 2000 * id);		/* the query: replica 0 is the fastest */
	int answer = 42 * 100 + id;		/* the answer, and who gave it */
	pv_chan_send(answers, &answer);		/* into the buffer, wanted or not */
	return NULL;
}

static void *timer(void *arg)
{
	usleep(*(int *)arg * 1000);
	pv_chan_close(timeout);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	if (n < 1 || n > MAX_REPLICAS) {
		fprintf(stderr, "usage: %s [replicas 1..%d]\n", argv[0], MAX_REPLICAS);
		return 2;
	}
	answers = pv_chan_make(sizeof(int), (size_t)n);
	timeout = pv_chan_make(1, 0);
	if (!answers || !timeout) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	int limit_ms = 200;
	pthread_t tm, t[MAX_REPLICAS];
	pthread_create(&tm, NULL, timer, &limit_ms);
	for (long i = 0; i < n; i++)
		pthread_create(&t[i], NULL, replica, (void *)i);

	int answer = 0;
	pv_chan_case arms[] = {
		{ .chan = answers, .dir = PV_CHAN_RECV, .elem = &answer },
		{ .chan = timeout, .dir = PV_CHAN_RECV },
	};
	int got = pv_chan_select(arms, 2, 1);
	if (got == 0)
		printf("first answer: %d, from replica %d\n", answer / 100, answer % 100);
	else
		printf("no answer within %d ms\n", limit_ms);

	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_join(tm, NULL);
	pv_chan_free(answers);
	pv_chan_free(timeout);
	return got == 0 && answer / 100 == 42 ? 0 : 1;
}
