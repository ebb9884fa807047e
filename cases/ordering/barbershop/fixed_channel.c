/*
 * The sleeping barber, fixed with channels: the waiting room is a channel
 * with one slot per chair.  A customer who cannot put himself in at once
 * (try_send) leaves; the barber sleeps in his receive while the room is
 * empty; after the haircut he sends on the customer's own done channel, and
 * only then does the customer leave.  Closing the room shuts the shop.
 *
 * usage: fixed_channel [customers] [chairs]     (default 40 3)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_CHAIRS 16

struct customer {
	int id;
	int haircut;		/* written by the barber, read after done */
	pv_chan *done;		/* the barber sends when he has finished with him */
};

static pv_chan *room;			/* the waiting room: capacity = chairs */
static atomic_int served, balked;
static pthread_barrier_t open_shop;	/* the customers come in ten waves, from the opening */
static pv_chan **done;			/* one per customer, freed by main */

static void cut_hair(struct customer *c)
{
	for (volatile int i = 0; i < 2000; i++)
		;
	c->haircut = 1;
}

static void *barber(void *arg)
{
	struct customer *c;

	(void)arg;
	while (pv_chan_recv(room, &c) == PV_CHAN_OK) {	/* asleep while the room is empty */
		atomic_fetch_add(&served, 1);
		cut_hair(c);
		pv_chan_send(c->done, NULL);
	}
	return NULL;				/* closed and empty: the shop is shut */
}

static void *customer(void *arg)
{
	int id = (int)(long)arg;
	pthread_barrier_wait(&open_shop);
	usleep(id % 10 * 300);
	struct customer c = { .id = id, .done = done[id] };	/* he stays until done */
	struct customer *me = &c;
	if (pv_chan_try_send(room, &me) == PV_CHAN_WOULDBLOCK) {	/* every chair taken */
		atomic_fetch_add(&balked, 1);
		return NULL;
	}
	pv_chan_recv(c.done, NULL);		/* leave only with the haircut */
	if (!c.haircut)
		abort();
	return NULL;
}

int main(int argc, char **argv)
{
	int ncustomers = argc > 1 ? atoi(argv[1]) : 40;
	int chairs = argc > 2 ? atoi(argv[2]) : 3;
	if (ncustomers < 1 || ncustomers > 1000 || chairs < 1 || chairs > MAX_CHAIRS) {
		fprintf(stderr, "usage: %s [customers 1..1000] [chairs 1..%d]\n", argv[0], MAX_CHAIRS);
		return 2;
	}
	pthread_barrier_init(&open_shop, NULL, (unsigned)ncustomers);
	room = pv_chan_make(sizeof(struct customer *), (size_t)chairs);
	done = calloc((size_t)ncustomers, sizeof *done);
	pthread_t b, *t = calloc((size_t)ncustomers, sizeof *t);
	if (!room || !done || !t)
		return 2;
	for (int i = 0; i < ncustomers; i++)
		if (!(done[i] = pv_chan_make(1, 1)))
			return 2;
	pthread_create(&b, NULL, barber, NULL);
	for (int i = 0; i < ncustomers; i++)
		pthread_create(&t[i], NULL, customer, (void *)(long)i);
	for (int i = 0; i < ncustomers; i++)
		pthread_join(t[i], NULL);
	pv_chan_close(room);
	pthread_join(b, NULL);
	pthread_barrier_destroy(&open_shop);
	pv_chan_free(room);
	for (int i = 0; i < ncustomers; i++)
		pv_chan_free(done[i]);

	printf("%d customers, %d chairs: %d served, %d left for lack of a chair\n",
	       ncustomers, chairs, atomic_load(&served), atomic_load(&balked));
	free(done);
	free(t);
	return atomic_load(&served) + atomic_load(&balked) == ncustomers ? 0 : 1;
}
