/*
 * Send on a closed channel, fixed with a wait group: the channel has one
 * owner who closes it, once, after every send is done. Producers only send,
 * and say "done" to a small wait group (Go's sync.WaitGroup); a closer
 * thread waits for the group to reach zero and then closes. Close is a
 * message from the senders to the receivers, so only the side that knows
 * all sending is over may send it.
 *
 * usage: fixed_waitgroup [producers] [results each]     (default 3 4)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_PRODUCERS 8

/* A wait group: a count of unfinished tasks, and a way to wait for zero. */
typedef struct {
	pthread_mutex_t lock;
	pthread_cond_t zero;
	int count;
} waitgroup;

static void wg_add(waitgroup *wg, int n)
{
	pthread_mutex_lock(&wg->lock);
	wg->count += n;
	pthread_mutex_unlock(&wg->lock);
}

static void wg_done(waitgroup *wg)
{
	pthread_mutex_lock(&wg->lock);
	if (--wg->count == 0)
		pthread_cond_broadcast(&wg->zero);
	pthread_mutex_unlock(&wg->lock);
}

static void wg_wait(waitgroup *wg)
{
	pthread_mutex_lock(&wg->lock);
	while (wg->count > 0)
		pthread_cond_wait(&wg->zero, &wg->lock);
	pthread_mutex_unlock(&wg->lock);
}

static pv_chan *results;
static int per_producer;
static pthread_barrier_t start;
static waitgroup sending = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };

static void *producer(void *arg)
{
	int id = (int)(intptr_t)arg;

	pthread_barrier_wait(&start);
	for (int i = 0; i < per_producer; i++) {
		if (id > 0)
			usleep(10000);
		int r = 100 * id + i;
		pv_chan_send(results, &r);
	}
	wg_done(&sending); /* only report: closing is not this thread's job */
	return NULL;
}

/* The owner: closes once, after the last send of every producer. */
static void *closer(void *arg)
{
	wg_wait(&sending);
	pv_chan_close(results);
	return arg;
}

int main(int argc, char **argv)
{
	int nproducers = argc > 1 ? atoi(argv[1]) : 3;
	per_producer = argc > 2 ? atoi(argv[2]) : 4;
	if (nproducers < 1 || nproducers > MAX_PRODUCERS || per_producer < 0) {
		fprintf(stderr, "usage: %s [producers 1..%d] [results each]\n", argv[0],
			MAX_PRODUCERS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	results = pv_chan_make(sizeof(int), 4);
	pthread_barrier_init(&start, NULL, (unsigned)nproducers);
	wg_add(&sending, nproducers); /* before any producer can be done */
	pthread_t tid[MAX_PRODUCERS], tc;
	for (int i = 0; i < nproducers; i++)
		pthread_create(&tid[i], NULL, producer, (void *)(intptr_t)i);
	pthread_create(&tc, NULL, closer, NULL);

	int got = 0, r;
	while (pv_chan_recv(results, &r) == PV_CHAN_OK)
		got++;
	printf("collected %d of %d results before the channel was closed\n", got,
	       nproducers * per_producer);

	for (int i = 0; i < nproducers; i++)
		pthread_join(tid[i], NULL);
	pthread_join(tc, NULL);
	pthread_barrier_destroy(&start);
	pv_chan_free(results);
	return got == nproducers * per_producer ? 0 : 1;
}
