/*
 * Stop flag: a worker spins in while (!stop) and main sets stop = 1 when it
 * wants the worker to finish, after writing down why (stop_reason).  With a
 * plain int the compiler may read the flag once and spin for ever, or drop
 * the loop altogether: nothing in the loop can change the flag, as far as one
 * thread can tell, and a data race is undefined behaviour.  Here the flag is
 * volatile, which forces a load on every iteration, so the program does stop.
 * It is still a data race: volatile makes nothing atomic and orders nothing
 * between threads, not even the reason written just before the flag.
 *
 * usage: buggy [run_ms]     (default 20: how long main lets the worker spin)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;		/* the bug: shared with no synchronisation */
static const char *stop_reason;		/* written by main just before stop */

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
	while (!stop)		/* a load of stop every time, thanks to volatile */
		spins++;
	clock_gettime(CLOCK_MONOTONIC, &stopped_at);
	reason_seen = stop_reason;	/* nothing says main's write is visible yet */
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
	stop = 1;		/* races with the worker's reads of stop */

	void *spins;
	pthread_join(tid, &spins);
	printf("worker spun %ld times, stopped %.0f us after main set the flag\n",
	       (long)spins, us_between(set_at, stopped_at));
	printf("reason it read: %s\n", reason_seen ? reason_seen : "(none yet)");
	printf("it stopped, thanks to volatile, but the flag and the reason are data races\n");
	return 0;
}
