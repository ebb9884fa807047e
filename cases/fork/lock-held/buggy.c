/*
 * fork() in a multithreaded program while another thread holds a mutex.
 * The child gets a copy of all memory, the locked mutex included, but only
 * one thread: the one that called fork().  The thread that owns the lock
 * does not exist in the child, so nobody there will ever unlock it, and the
 * child blocks for ever the first time it logs a line.
 *
 * Here a worker thread takes the log lock and holds it until main has forked,
 * which makes the bad timing certain; in real programs it is merely likely.
 * The parent waits for the child at most DEADLINE seconds, then kills it.
 *
 * usage: buggy [deadline_s]     (default 3)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;	/* one line at a time */
static sem_t lock_held, fork_done;

static void log_line(const char *who, const char *what)
{
	pthread_mutex_lock(&log_lock);	/* in the child: waits for an owner that is gone */
	printf("[%d] %-7s %s\n", (int)getpid(), who, what);
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
}

/* Hold log_lock until main has forked, or for HOLD_MS at most: a fork that
 * waits for the lock (as one with pthread_atfork handlers does) gets it then. */
#define HOLD_MS 500

static void *worker(void *arg)
{
	(void)arg;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (until.tv_nsec + HOLD_MS * 1000000L) / 1000000000L;
	until.tv_nsec = (until.tv_nsec + HOLD_MS * 1000000L) % 1000000000L;
	pthread_mutex_lock(&log_lock);
	sem_post(&lock_held);
	int forked = sem_timedwait(&fork_done, &until) == 0;	/* hold the lock across main's fork() */
	printf("[%d] worker  wrote a line\n", (int)getpid());
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
	if (!forked)
		sem_wait(&fork_done);	/* the fork waited for the lock: be alive at it all the same */
	return NULL;
}

/* Wait for the child, but not for ever: a child stuck on a lock never exits. */
static int wait_child(pid_t pid, int deadline_s, int *status)
{
	for (int ms = 0; ms < deadline_s * 1000; ms += 10) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return 0;
}

int main(int argc, char **argv)
{
	int deadline_s = argc > 1 ? atoi(argv[1]) : 3;
	if (deadline_s < 1) {
		fprintf(stderr, "usage: %s [deadline_s]\n", argv[0]);
		return 2;
	}
	sem_init(&lock_held, 0, 0);
	sem_init(&fork_done, 0, 0);

	pthread_t w;
	pthread_create(&w, NULL, worker, NULL);
	sem_wait(&lock_held);		/* the worker holds log_lock now */
	fflush(stdout);			/* so the child does not print the parent's buffer again */

	pid_t pid = fork();		/* the bug: fork while another thread holds a lock */
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		log_line("child", "running the job");	/* blocks: log_lock is locked for ever */
		_exit(0);
	}

	sem_post(&fork_done);
	pthread_join(w, NULL);
	log_line("parent", "forked the child; waiting for it");

	int status;
	if (!wait_child(pid, deadline_s, &status)) {
		printf("parent: the child was still stuck after %d s; killed it\n", deadline_s);
		printf("        it waits for log_lock, locked by a thread that does not exist in it\n");
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("parent: the child did its job and exited 0\n");
		return 0;
	}
	if (WIFEXITED(status))
		printf("parent: the child exited with status %d without doing its job"
		       " (a checker ends a deadlocked program this way)\n", WEXITSTATUS(status));
	else
		printf("parent: the child was killed by signal %d\n", WTERMSIG(status));
	return 1;
}
