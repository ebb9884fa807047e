/*
 * Stop flag, fixed with an atomic_bool: main writes the reason, then stores
 * true with memory_order_release; the worker loads the flag with
 * memory_order_acquire.  An atomic load cannot be hoisted out of the loop,
 * and the load that reads true synchronises with the store: everything main
 * wrote before the store (the reason) is visible to the worker after the load.
 *
 * usage: fixed_atomic [run_ms]     (default 20: how long main lets the worker spin)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static atomic_bool stop;		/* release by main, acquire by the worker */
static const char *stop_reason;		/* written by main before stop, read after */

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
	while (!atomic_load_explicit(&stop, memory_order_acquire))
		spins++;
	clock_gettime(CLOCK_MONOTONIC, &stopped_at);
	reason_seen = stop_reason;	/* visible: written before the release store */
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
	stop_reason = "time is up";
	atomic_store_explicit(&stop, true, memory_order_release);	/* publishes the reason */

	void *spins;
	pthread_join(tid, &spins);
	printf("worker spun %ld times, stopped %.0f us after main set the flag\n",
	       (long)spins, us_between(set_at, stopped_at));
	printf("reason it read: %s\n", reason_seen ? reason_seen : "(none yet)");
	printf("atomic flag: no data race, and the reason is ordered before it\n");
	return 0;
}
