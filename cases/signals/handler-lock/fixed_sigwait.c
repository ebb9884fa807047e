/*
 * Async-signal-safety, fixed by not handling the signal asynchronously at
 * all: every thread blocks SIGALRM, and a thread of its own takes it with
 * sigwait().  The signal then arrives as a message to a thread that is not
 * interrupting anybody, and may lock and allocate like any code.
 * (signalfd is the same idea with a file descriptor.)
 *
 * usage: fixed_sigwait [milliseconds]     (default 150)
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

static long ticks;		/* the signal thread's */
static atomic_int stopping;

/* Signals as messages: this thread waits for SIGALRM with sigwait, and
 * when one comes it is an ordinary thread, free to lock and allocate. */
static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	for (;;) {
		int sig;
		if (sigwait(set, &sig))
			abort();
		if (sig == SIGUSR1 && atomic_load(&stopping))
			return NULL;
		if (sig == SIGALRM)
			log_msg("tick", ++ticks);
	}
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
	sigset_t set;			/* blocked in every thread: only sigwait takes them */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_t sigs;
	pthread_create(&sigs, NULL, signal_thread, &set);
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &every_ms, NULL);

	long work = 0;
	for (double end = now_ms() + ms; now_ms() < end;)
		log_msg("work", ++work);

	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	atomic_store(&stopping, 1);
	pthread_kill(sigs, SIGUSR1);
	pthread_join(sigs, NULL);
	printf("%ld messages logged, %ld of them ticks\n", logged, ticks);
	for (int i = 0; i < RING; i++)
		free(ring[i]);
	return 0;
}
