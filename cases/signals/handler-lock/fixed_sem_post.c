/*
 * Async-signal-safety, fixed by handing the work to a thread: the handler
 * only calls sem_post, which POSIX lists as async-signal-safe, and a logger
 * thread waits on the semaphore and does the logging in normal context.
 * The handler may still interrupt the main thread inside log_msg: it no
 * longer needs anything that thread holds.
 *
 * usage: fixed_sem_post [milliseconds]     (default 150)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
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

static long ticks;		/* the logger's */
static sem_t tick;		/* posted by the handler, one per signal */
static atomic_int stopping;

static void on_alarm(int sig)
{
	(void)sig;
	sem_post(&tick);	/* async-signal-safe (POSIX lists it): all a handler does */
}

/* The handler's work, done by a thread that interrupts nobody. */
static void *logger(void *arg)
{
	(void)arg;
	for (;;) {
		while (sem_wait(&tick))		/* EINTR: the signal landed here */
			;
		if (atomic_load(&stopping))
			return NULL;
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
	sem_init(&tick, 0, 0);
	pthread_t lg;
	pthread_create(&lg, NULL, logger, NULL);
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
	atomic_store(&stopping, 1);
	sem_post(&tick);
	pthread_join(lg, NULL);
	sem_destroy(&tick);
	printf("%ld messages logged, %ld of them ticks\n", logged, ticks);
	for (int i = 0; i < RING; i++)
		free(ring[i]);
	return 0;
}
