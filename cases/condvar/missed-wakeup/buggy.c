/*
 * Missed wakeup: the producer sets the flag and signals without taking the
 * mutex.  The consumer does hold the mutex while it checks the flag and
 * waits, but that only helps if the producer takes it too: here the
 * producer sets the flag and signals in the gap between the consumer's
 * check and its wait.  The signal finds no waiter and is lost, and the
 * consumer then waits for a signal that already came: for ever.
 *
 * usage: buggy
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static int ready;		/* the predicate: "result is set" */
static int result;
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
	result = 42;
	ready = 1;			/* the bug: changed without the mutex... */
	pthread_cond_signal(&cond);	/* ...so this can come before the consumer waits */
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
	pthread_join(c, NULL);	/* never returns: the wakeup was missed */
	printf("done: result %d\n", result);
	return result == 42 ? 0 : 1;
}
