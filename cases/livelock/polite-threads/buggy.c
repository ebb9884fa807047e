/*
 * Livelock: two polite threads.  Each needs both of two locks.  Thread 0
 * takes lock a, thread 1 takes lock b, and each then only *tries* the
 * other: when it is taken, the polite thing is to let go, step back for a
 * moment and try again.  Both do exactly that at the same time, step back
 * for the same moment, and come back together: they are never blocked (no
 * deadlock) and never get anywhere.  The program gives up after a number of
 * attempts and exits 1 (as it does when the threads needed more than six
 * attempts per transfer).  Meeting the other thread (for at most 2 ms) when
 * it holds its first lock, and again when its try has failed, makes the
 * collision certain, as two identical threads started together tend to
 * collide.
 *
 * usage: buggy [transfers] [attempts]     (default 5 100)
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;
static int account_a = 1000, account_b = 1000;	/* guarded by a and b together */
static int transfers, max_attempts;

/* Wait, at most 2 ms, until the other thread has also come this far. */
static pthread_mutex_t meet_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t meet_cond = PTHREAD_COND_INITIALIZER;
static unsigned long arrivals;

static void meet(void)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 2000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&meet_lock);
	unsigned long pair = arrivals++ / 2;
	pthread_cond_broadcast(&meet_cond);
	while (arrivals / 2 == pair && arrivals % 2 &&
	       pthread_cond_timedwait(&meet_cond, &meet_lock, &until) != ETIMEDOUT)
		;
	if (arrivals / 2 == pair && arrivals % 2)
		arrivals++;		/* alone: do not leave the other waiting for us */
	pthread_mutex_unlock(&meet_lock);
}

static void back_off(int me)
{
	(void)me;
	usleep(1000);		/* the bug: both wait the same time, and retry together */
}

struct worker {
	int id, done, attempts;
};

/* Move 1 from first's account to second's; both locks are needed. */
static void *worker(void *arg)
{
	struct worker *w = arg;
	pthread_mutex_t *first = w->id ? &b : &a, *second = w->id ? &a : &b;
	while (w->done < transfers && w->attempts < max_attempts) {
		w->attempts++;
		pthread_mutex_lock(first);
		meet();
		if (pthread_mutex_trylock(second)) {	/* taken: let go and retry */
			meet();
			pthread_mutex_unlock(first);
			back_off(w->id);
			continue;
		}
		if (w->id)
			account_b--, account_a++;
		else
			account_a--, account_b++;
		w->done++;
		pthread_mutex_unlock(second);
		pthread_mutex_unlock(first);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	transfers = argc > 1 ? atoi(argv[1]) : 5;
	max_attempts = argc > 2 ? atoi(argv[2]) : 100;
	if (transfers < 1 || max_attempts < transfers) {
		fprintf(stderr, "usage: %s [transfers] [attempts >= transfers]\n", argv[0]);
		return 2;
	}
	struct worker w[2] = { { .id = 0 }, { .id = 1 } };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 2; i++)
		printf("thread %d: %d of %d transfers in %d attempts\n", i, w[i].done, transfers,
		       w[i].attempts);
	printf("accounts: a = %d, b = %d (total %d)\n", account_a, account_b, account_a + account_b);
	/* Progress, not just an end: more than 6 attempts per transfer is a
	 * livelock that a busy machine happened to break now and then. */
	int ok = account_a + account_b == 2000;
	for (int i = 0; i < 2; i++)
		ok &= w[i].done == transfers && w[i].attempts <= 6 * transfers;
	if (!ok)
		printf("livelock: both kept stepping back for each other\n");
	return ok ? 0 : 1;
}
