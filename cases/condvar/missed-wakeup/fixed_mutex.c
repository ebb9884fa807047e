/*
 * Missed wakeup, fixed: the producer changes the predicate under the same
 * mutex the consumer holds while it checks and waits.  pthread_cond_wait
 * releases the mutex and starts waiting as one atomic step, so the
 * producer can only get the mutex before the consumer's check (which then
 * sees ready == 1 and does not wait) or after the consumer is really
 * waiting (and the signal wakes it).  The gap in between is closed.
 *
 * This is buggy.c with the fix and nothing else changed: the scaffolding
 * still opens the gap, and the producer now waits through it for the mutex.
 *
 * usage: fixed_mutex
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static int ready;		/* guarded by lock */
static int result;		/* guarded by lock */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

/*
 * Scaffolding that makes the bad interleaving certain: the producer acts
 * only after the consumer's check, and the consumer waits only after the
 * producer has signalled, or after GAP_MS if the producer cannot signal
 * (it waits for the mutex the consumer holds).  Relaxed atomics order
 * nothing but themselves, so they hide no race from the checkers (see
 * publication/relaxed-flag).
 */
#define GAP_MS 500
static atomic_int checked, signalled;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

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
	fflush(stdout);			/* show it even if the program is killed later */
	atomic_store_explicit(&signalled, 1, memory_order_relaxed);
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
		/* the gap between the check and the wait */
		for (double end = now_ms() + GAP_MS; now_ms() < end &&
		     !atomic_load_explicit(&signalled, memory_order_relaxed);)
			sched_yield();
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
