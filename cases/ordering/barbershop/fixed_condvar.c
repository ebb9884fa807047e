/*
 * The sleeping barber, fixed with a mutex and two condition variables: the
 * barber sleeps on customer_ready while the room is empty, a customer in
 * the room sleeps on haircut_done until his own haircut is set.  Both wait
 * in while loops on state under the mutex, and the customer frees his
 * record only after he has seen the barber finish with it.
 *
 * usage: fixed_condvar [customers] [chairs]     (default 40 3)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_CHAIRS 16

struct customer {
	int id;
	int haircut;		/* set by the barber when he is done: guarded by shop.lock */
};

static struct shop {
	pthread_mutex_t lock;	/* guards the waiting room and the counts */
	struct customer *room[MAX_CHAIRS];
	int head, waiting, chairs;
	int closing;
	int served, balked;
	pthread_barrier_t open;	/* the customers come in ten waves, from the opening */
	pthread_cond_t customer_ready;	/* the barber sleeps on it */
	pthread_cond_t haircut_done;	/* the customers in the room sleep on it */
} shop = { .lock = PTHREAD_MUTEX_INITIALIZER, .customer_ready = PTHREAD_COND_INITIALIZER,
	    .haircut_done = PTHREAD_COND_INITIALIZER };

static void cut_hair(struct customer *c)
{
	for (volatile int i = 0; i < 2000; i++)
		;
	pthread_mutex_lock(&shop.lock);
	c->haircut = 1;
	pthread_cond_broadcast(&shop.haircut_done);	/* several customers wait on it */
	pthread_mutex_unlock(&shop.lock);
}

static void *barber(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&shop.lock);
		while (!shop.waiting && !shop.closing)
			pthread_cond_wait(&shop.customer_ready, &shop.lock);
		if (!shop.waiting) {
			pthread_mutex_unlock(&shop.lock);
			return NULL;
		}
		struct customer *c = shop.room[shop.head];
		shop.head = (shop.head + 1) % shop.chairs;
		shop.waiting--;
		shop.served++;
		pthread_mutex_unlock(&shop.lock);
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
	pthread_mutex_lock(&shop.lock);
	if (shop.waiting == shop.chairs) {	/* no free chair: leave */
		shop.balked++;
		pthread_mutex_unlock(&shop.lock);
		free(c);
		return NULL;
	}
	shop.room[(shop.head + shop.waiting++) % shop.chairs] = c;
	pthread_cond_signal(&shop.customer_ready);
	while (!c->haircut)	/* leave only with the haircut */
		pthread_cond_wait(&shop.haircut_done, &shop.lock);
	pthread_mutex_unlock(&shop.lock);
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
	pthread_cond_signal(&shop.customer_ready);
	pthread_mutex_unlock(&shop.lock);
	pthread_join(b, NULL);
	pthread_barrier_destroy(&shop.open);

	printf("%d customers, %d chairs: %d served, %d left for lack of a chair\n",
	       ncustomers, shop.chairs, shop.served, shop.balked);
	free(t);
	return shop.served + shop.balked == ncustomers ? 0 : 1;
}
