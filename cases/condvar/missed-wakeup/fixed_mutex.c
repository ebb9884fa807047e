/*
 * Missed wakeup, fixed: the producer changes the predicate under the same
 * mutex the consumer holds while it checks and waits.  pthread_cond_wait
 * releases the mutex and starts waiting as one atomic step, so the
 * producer can only get the mutex before the consumer's check (which then
 * sees ready == 1 and does not wait) or after the consumer is really
 * waiting (and the signal wakes it).  The gap in between is closed.
 *
 * usage: fixed_mutex
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static int ready;		/* guarded by lock */
static int result;		/* guarded by lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

/* Scaffolding as in buggy.c: the producer acts only after the consumer's check. */
static atomic_int checked;

static void *producer(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&checked, memory_order_relaxed))
		sched_yield();
	pthread_mutex_lock(&lock);	/* waits until the consumer is really waiting */
	result = 42;
	ready = 1;
	pthread_cond_signal(&cond);	/* the waiter is registered: it cannot miss this */
	pthread_mutex_unlock(&lock);
	printf("producer: result set, ready = 1, signalled\n");
	fflush(stdout);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!ready) {
		printf("consumer: not ready, going to wait\n");
		fflush(stdout);
		atomic_store_explicit(&checked, 1, memory_order_relaxed);
		usleep(100 * 1000);	/* a gap between the check and the wait: nobody can use it now */
		pthread_cond_wait(&cond, &lock);
	}
	printf("consumer: got result %d\n", result);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t c, p;
	pthread_create(&c, NULL, consumer, NULL);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	printf("done: result %d\n", result);
	return result == 42 ? 0 : 1;
}
