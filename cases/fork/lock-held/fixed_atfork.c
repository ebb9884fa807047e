/*
 * fork() while another thread holds a mutex, fixed with pthread_atfork():
 * a "prepare" handler runs in the forking thread just before fork() and
 * takes log_lock, waiting for whoever holds it; handlers after fork()
 * release it, in the parent and in the child.  The child's copy of the lock
 * is then unlocked and owned by nobody, whatever the other threads were
 * doing.  Libraries with internal locks (glibc's malloc, for one) do this.
 *
 * The worker still holds the lock when main calls fork(); this time fork()
 * waits for it.  (The worker cannot hold it until after the fork as in
 * buggy.c: the fork now waits for the worker.)
 *
 * usage: fixed_atfork [deadline_s]     (default 3)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;	/* one line at a time */
static sem_t lock_held, fork_done;

/* fork() runs these: the lock is held by the forking thread across the fork */
static void before_fork(void)
{
	pthread_mutex_lock(&log_lock);
}

static void after_fork(void)
{
	pthread_mutex_unlock(&log_lock);	/* in the parent, and in the child's copy */
}

static void log_line(const char *who, const char *what)
{
	pthread_mutex_lock(&log_lock);	/* in the child: free, after_fork() released it */
	printf("[%d] %-7s %s\n", (int)getpid(), who, what);
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&log_lock);
	sem_post(&lock_held);
	usleep(20000);			/* a slow line: main calls fork() meanwhile */
	printf("[%d] worker  wrote a line; main's fork() waited for it\n", (int)getpid());
	fflush(stdout);
	pthread_mutex_unlock(&log_lock);
	sem_wait(&fork_done);		/* still running at the fork, as in buggy.c */
	log_line("worker", "goes on after the fork");
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
	pthread_atfork(before_fork, after_fork, after_fork);

	pthread_t w;
	pthread_create(&w, NULL, worker, NULL);
	sem_wait(&lock_held);		/* the worker holds log_lock now */
	fflush(stdout);			/* so the child does not print the parent's buffer again */

	pid_t pid = fork();		/* before_fork() waits here until the worker unlocks */
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		log_line("child", "running the job");
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
