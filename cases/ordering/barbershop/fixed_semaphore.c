/*
 * The sleeping barber, fixed with a second semaphore per customer: the
 * barber posts `done` after the haircut, and the customer waits for it
 * before he leaves and frees his record.  Called, then done: the two
 * halves of the Little Book's rendezvous between barber and customer.
 *
 * usage: fixed_semaphore [customers] [chairs]     (default 40 3)
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
	sem_t done;		/* the barber has finished with him */
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
	c->haircut = 1;
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
		sem_post(&c->done);	/* the last the barber does with c */
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
	sem_init(&c->done, 0, 0);
	pthread_mutex_lock(&shop.lock);
	if (shop.waiting == shop.chairs) {	/* no free chair: leave */
		shop.balked++;
		pthread_mutex_unlock(&shop.lock);
		sem_destroy(&c->called);
		sem_destroy(&c->done);
		free(c);
		return NULL;
	}
	shop.room[(shop.head + shop.waiting++) % shop.chairs] = c;
	pthread_mutex_unlock(&shop.lock);
	sem_post(&shop.customer_ready);
	sem_wait(&c->called);
	sem_wait(&c->done);	/* leave only with the haircut */
	if (!c->haircut)
		abort();
	sem_destroy(&c->called);
	sem_destroy(&c->done);
	free(c);
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
