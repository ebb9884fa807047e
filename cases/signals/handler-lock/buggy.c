/*
 * Async-signal-safety: a signal handler that logs.  The program logs
 * continuously through log_msg(), which takes a mutex, formats the message
 * into a malloc'd string and keeps the last ones in a ring.  A timer fires
 * SIGALRM every millisecond, and its handler logs too.  When the signal
 * arrives while the main thread is inside log_msg, the handler runs on top
 * of it, on the same thread, and locks the mutex that thread already holds:
 * it waits for itself, for ever.  malloc in a handler is the same bug one
 * level down (glibc's allocator has locks of its own).
 *
 * usage: buggy [milliseconds]     (default 150)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
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
	char *copy = strdup(what);		/* malloc: not async-signal-safe either */
	pthread_mutex_lock(&log_lock);		/* a handler here waits for its own thread */
	char *line = malloc(64);
	if (copy && line)
		snprintf(line, 64, "%ld %s %ld", logged, copy, n);
	free(ring[logged % RING]);
	ring[logged % RING] = line;
	logged++;
	pthread_mutex_unlock(&log_lock);
	free(copy);
}

static long ticks;

static void on_alarm(int sig)
{
	(void)sig;
	log_msg("tick", ++ticks);	/* the bug: locks and allocates in a handler */
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
	for (double end = now_ms() + ms; now_ms() < end;)
		log_msg("work", ++work);

	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("%ld messages logged, %ld of them from the handler\n", logged, ticks);
	for (int i = 0; i < RING; i++)
		free(ring[i]);
	return 0;
}
