/*
 * Missed wakeup, fixed with the flag set outside the mutex: the producer
 * stores an atomic flag, then locks the mutex, signals and unlocks.  The
 * consumer holds the mutex from its check of the flag until
 * pthread_cond_wait releases it, so the producer's lock, which comes after
 * its store, either comes before the check (which then sees the flag) or
 * after the consumer is waiting (and the signal wakes it).  Locking "just
 * for the signal" is enough when the change of the predicate is ordered
 * before that lock; with a plain int the flag would still be a data race.
 *
 * This is buggy.c with the fix and nothing else changed.
 *
 * usage: fixed_atomic_flag
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int ready;	/* the predicate, an atomic: no data race on it */
static int result;		/* published by the release store of ready */
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
	atomic_store(&ready, 1);	/* set outside the mutex, but before... */
	pthread_mutex_lock(&lock);	/* ...this lock, which waits until the consumer waits */
	pthread_cond_signal(&cond);
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
	while (!atomic_load(&ready)) {
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
