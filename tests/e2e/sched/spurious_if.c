/* One consumer, one producer, and an if around the wait: without spurious
 * wake-ups every schedule is right (the only wake-up comes after ready is
 * set); POSIX lets the wait return without a signal, and then it is not. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready, early;

static void *consumer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	if (!ready) /* the bug: while */
		pthread_cond_wait(&cond, &lock);
	early = !ready;
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t c;
	pthread_create(&c, NULL, consumer, NULL);
	pthread_mutex_lock(&lock);
	ready = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(c, NULL);
	if (early)
		printf("the consumer went on before ready was set\n");
	return early;
}
