/*
 * Stop flag, fixed with a mutex: the flag and the reason are guarded by
 * stop_lock.  The worker takes the lock to look at the flag on every
 * iteration; main takes it to write the reason and set the flag.  The unlock
 * by main happens before the worker's next lock, so the worker sees both.
 * Correct and simple, and slower per check than an atomic load.
 *
 * usage: fixed_mutex [run_ms]     (default 20: how long main lets the worker spin)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static int stop;			/* guarded by stop_lock */
static const char *stop_reason;		/* guarded by stop_lock */

/* Written by the worker, read by main after pthread_join: ordered by the join. */
static const char *reason_seen;
static struct timespec stopped_at;

static double us_between(struct timespec a, struct timespec b)
{
	return (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
}

static void *worker(void *arg)
{
	long spins = 0;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&stop_lock);
		int stopping = stop;
		if (stopping)
			reason_seen = stop_reason;
		pthread_mutex_unlock(&stop_lock);
		if (stopping)
			break;
		spins++;
	}
	clock_gettime(CLOCK_MONOTONIC, &stopped_at);
	return (void *)spins;
}

int main(int argc, char **argv)
{
	int run_ms = argc > 1 ? atoi(argv[1]) : 20;
	if (run_ms < 0) {
		fprintf(stderr, "usage: %s [run_ms]\n", argv[0]);
		return 2;
	}

	pthread_t tid;
	pthread_create(&tid, NULL, worker, NULL);
	usleep(1000u * (unsigned)run_ms);	/* let it spin for a while */

	struct timespec set_at;
	clock_gettime(CLOCK_MONOTONIC, &set_at);
	pthread_mutex_lock(&stop_lock);
	stop_reason = "time is up";
	stop = 1;
	pthread_mutex_unlock(&stop_lock);

	void *spins;
	pthread_join(tid, &spins);
	printf("worker spun %ld times, stopped %.0f us after main set the flag\n",
	       (long)spins, us_between(set_at, stopped_at));
	printf("reason it read: %s\n", reason_seen ? reason_seen : "(none yet)");
	printf("flag under a mutex: no data race, the reason comes with it\n");
	return 0;
}
