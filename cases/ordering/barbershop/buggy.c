/*
 * The sleeping barber (The Little Book of Semaphores, 5.2): a barber, a
 * waiting room of a few chairs, customers who leave when every chair is
 * taken.  The barber sleeps until a customer wakes him, takes the next one
 * from the waiting room and cuts his hair.  Here a customer leaves as soon as
 * the barber calls him to the chair, not when the haircut is done: he frees
 * his record while the barber is still writing the haircut into it.
 *
 * usage: buggy [customers] [chairs]     (default 40 3)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_CHAIRS 16

struct customer {
	int id;
	sem_t called;		/* the barber took him from the waiting room */
	int haircut;		/* written by the barber when he is done */
};

static struct shop {
	pthread_mutex_t lock;	/* guards the waiting room and the counts */
	struct customer *room[MAX_CHAIRS];
	int head, waiting, chairs;
	int closing;
	int served, balked;
	pthread_barrier_t open;	/* the customers come in ten waves, from the opening */
	sem_t customer_ready;	/* counts customers in the room: the barber sleeps on it */
} shop = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void cut_hair(struct customer *c)
{
	for (volatile int i = 0; i < 2000; i++)
		;
	c->haircut = 1;		/* the customer may be gone: his record freed */
}

static void *barber(void *arg)
{
	(void)arg;
	for (;;) {
		sem_wait(&shop.customer_ready);
		pthread_mutex_lock(&shop.lock);
		if (!shop.waiting && shop.closing) {
			pthread_mutex_unlock(&shop.lock);
			return NULL;
		}
		struct customer *c = shop.room[shop.head];
		shop.head = (shop.head + 1) % shop.chairs;
		shop.waiting--;
		shop.served++;
		pthread_mutex_unlock(&shop.lock);
		sem_post(&c->called);
		cut_hair(c);
	}
}

static void *customer(void *arg)
{
	int id = (int)(long)arg;
	pthread_barrier_wait(&shop.open);
	usleep(id % 10 * 300);
	struct customer *c = malloc(sizeof *c);
	if (!c)
		abort();
	c->id = id;
	c->haircut = 0;
	sem_init(&c->called, 0, 0);
	pthread_mutex_lock(&shop.lock);
	if (shop.waiting == shop.chairs) {	/* no free chair: leave */
		shop.balked++;
		pthread_mutex_unlock(&shop.lock);
		sem_destroy(&c->called);
		free(c);
		return NULL;
	}
	shop.room[(shop.head + shop.waiting++) % shop.chairs] = c;
	pthread_mutex_unlock(&shop.lock);
	sem_post(&shop.customer_ready);
	sem_wait(&c->called);
	sem_destroy(&c->called);
	free(c);		/* the bug: called to the chair is not done */
	return NULL;
}

int main(int argc, char **argv)
{
	int ncustomers = argc > 1 ? atoi(argv[1]) : 40;
	shop.chairs = argc > 2 ? atoi(argv[2]) : 3;
	if (ncustomers < 1 || ncustomers > 1000 || shop.chairs < 1 || shop.chairs > MAX_CHAIRS) {
		fprintf(stderr, "usage: %s [customers 1..1000] [chairs 1..%d]\n", argv[0], MAX_CHAIRS);
		return 2;
	}
	sem_init(&shop.customer_ready, 0, 0);
	pthread_barrier_init(&shop.open, NULL, (unsigned)ncustomers);
	pthread_t b, *t = calloc((size_t)ncustomers, sizeof *t);
	if (!t)
		return 2;
	pthread_create(&b, NULL, barber, NULL);
	for (int i = 0; i < ncustomers; i++)
		pthread_create(&t[i], NULL, customer, (void *)(long)i);
	for (int i = 0; i < ncustomers; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_lock(&shop.lock);
	shop.closing = 1;
	pthread_mutex_unlock(&shop.lock);
	sem_post(&shop.customer_ready);
	pthread_join(b, NULL);
	sem_destroy(&shop.customer_ready);
	pthread_barrier_destroy(&shop.open);

	printf("%d customers, %d chairs: %d served, %d left for lack of a chair\n",
	       ncustomers, shop.chairs, shop.served, shop.balked);
	free(t);
	return shop.served + shop.balked == ncustomers ? 0 : 1;
}
