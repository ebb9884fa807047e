/*
 * Publication, fixed with a mutex and a condition variable: the flag and the
 * message are both guarded by one mutex.  The producer's unlock happens
 * before the consumer's next lock, so a consumer that sees ready == 1 under
 * the lock also sees the whole message.  The condition variable lets the
 * consumer sleep instead of spinning.
 */
#include <pthread.h>
#include <stdio.h>

struct message {
	int id;
	int count;
	int values[4];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct message msg;	/* guarded by lock */
static int ready;		/* guarded by lock */
static int consumer_ok;		/* the consumer's verdict, read by main after the join */

static void *producer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	msg.id = 42;
	msg.count = 4;
	for (int i = 0; i < 4; i++)
		msg.values[i] = (i + 1) * 100;
	ready = 1;
	pthread_cond_signal(&changed);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!ready)	/* a loop: wakeups can be spurious */
		pthread_cond_wait(&changed, &lock);
	int id = msg.id;
	int count = msg.count;
	int sum = 0;
	for (int i = 0; i < 4; i++)
		sum += msg.values[i];
	pthread_mutex_unlock(&lock);

	printf("consumer saw: id=%d count=%d sum=%d (expected 42 4 1000)\n", id, count, sum);
	consumer_ok = id == 42 && count == 4 && sum == 1000;
	return NULL;
}

int main(void)
{
	pthread_t prod, cons;

	pthread_create(&cons, NULL, consumer, NULL);
	pthread_create(&prod, NULL, producer, NULL);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	if (!consumer_ok) {
		printf("the consumer read a stale message\n");
		return 1;
	}
	return 0;
}
