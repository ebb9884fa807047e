/* if_not_while.c made right: the condition is tested again after each wake-up. */
#include <pthread.h>
#include <stdio.h>

#define ITEMS 2

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER;
static int queued, woke_empty;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&lock);
		queued++;
		pthread_cond_signal(&nonempty);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (queued == 0)
		pthread_cond_wait(&nonempty, &lock);
	if (queued == 0)
		woke_empty++;
	else
		queued--;
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t p, c[ITEMS];
	for (int i = 0; i < ITEMS; i++)
		pthread_create(&c[i], NULL, consumer, NULL);
	pthread_create(&p, NULL, producer, NULL);
	for (int i = 0; i < ITEMS; i++)
		pthread_join(c[i], NULL);
	pthread_join(p, NULL);
	if (woke_empty) {
		printf("%d consumer(s) woke to an empty queue\n", woke_empty);
		return 1;
	}
	printf("every item consumed once\n");
	return 0;
}
