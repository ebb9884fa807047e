/*
 * Async-signal-safety, fixed by doing almost nothing in the handler: it
 * only counts the tick in a lock-free atomic (C11 allows a handler lock-free
 * atomics besides volatile sig_atomic_t), and the main loop, in normal
 * context, logs the ticks it finds.  The handler takes no lock and allocates
 * nothing, so it cannot wait for the thread it interrupted.
 *
 * usage: fixed_atomic [milliseconds]     (default 150)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define RING 64

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *ring[RING];	/* the last messages: guarded by log_lock */
static long logged;

static void log_msg(const char *what, long n)
{
	char *copy = strdup(what);
	pthread_mutex_lock(&log_lock);
	char *line = malloc(64);
	if (copy && line)
		snprintf(line, 64, "%ld %s %ld", logged, copy, n);
	free(ring[logged % RING]);
	ring[logged % RING] = line;
	logged++;
	pthread_mutex_unlock(&log_lock);
	free(copy);
}

static atomic_long pending;	/* ticks the handler saw and nobody has logged yet */
static long ticks;

static void on_alarm(int sig)
{
	(void)sig;
	atomic_fetch_add(&pending, 1);	/* lock-free, so async-signal-safe: all a handler does */
}

/* The main loop's own check for ticks: logs them in normal context. */
static void log_ticks(void)
{
	for (long n = atomic_exchange(&pending, 0); n > 0; n--)
		log_msg("tick", ++ticks);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int ms = argc > 1 ? atoi(argv[1]) : 150;
	if (ms < 1) {
		fprintf(stderr, "usage: %s [milliseconds]\n", argv[0]);
		return 2;
	}
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &every_ms, NULL);

	long work = 0;
	for (double end = now_ms() + ms; now_ms() < end;) {
		log_msg("work", ++work);
		log_ticks();
	}

	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	log_ticks();
	printf("%ld messages logged, %ld of them ticks\n", logged, ticks);
	for (int i = 0; i < RING; i++)
		free(ring[i]);
	return 0;
}
