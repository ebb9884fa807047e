/*
 * Crash isolation: a thread that crashes takes its whole process with it,
 * every other thread included; a child process that crashes leaves its
 * parent running.  The parent forks a child with two threads: a worker that
 * needs 2 s for its job and a thread that writes through a null pointer.
 * The threads report through a pipe; the parent prints what arrived, how
 * the child ended, and checks both facts.  It exits 0 when they hold: the
 * crash is the lesson, not a failure of this program.
 *
 * usage: crash
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int report_fd;		/* the child's end of the pipe to the parent */
static sem_t worker_started;

static void say(const char *line)
{
	/* one write per line: nothing buffered can be lost in the crash */
	if (write(report_fd, line, strlen(line)) < 0)
		_exit(2);
}

static void *worker(void *arg)
{
	(void)arg;
	say("worker: started a 2 s job\n");
	sem_post(&worker_started);
	for (int i = 0; i < 200; i++)
		usleep(10000);		/* the job; it never gets to finish */
	say("worker: finished\n");
	return NULL;
}

static void *crasher(void *arg)
{
	(void)arg;
	sem_wait(&worker_started);	/* crash only once the worker is busy */
	say("crasher: writing through a null pointer\n");
	int *volatile p = NULL;		/* volatile: the compiler cannot see it is NULL */
	*p = 42;			/* SIGSEGV: the kernel kills the whole process */
	say("crasher: still alive\n");
	return NULL;
}

static void child(void)
{
	sem_init(&worker_started, 0, 0);
	pthread_t w, c;
	pthread_create(&w, NULL, worker, NULL);
	pthread_create(&c, NULL, crasher, NULL);
	pthread_join(c, NULL);
	say("main: the crasher was joined\n");
	pthread_join(w, NULL);
	say("main: exiting normally\n");
	_exit(0);
}

int main(void)
{
	int fds[2];
	if (pipe(fds) != 0) {
		perror("pipe");
		return 2;
	}
	fflush(stdout);		/* so the child does not print the parent's buffer again */
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		child();
	}
	close(fds[1]);

	/* Read until end of file: it comes when no process holds the write end,
	 * that is, when every thread of the child is gone. */
	char got[1024];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof got - 1 && (n = read(fds[0], got + len, sizeof got - 1 - len)) > 0)
		len += (size_t)n;
	got[len] = 0;
	int status;
	waitpid(pid, &status, 0);

	int worker_ran = strstr(got, "worker: started") != NULL;
	int worker_done = strstr(got, "worker: finished") != NULL;
	int main_went_on = strstr(got, "main: ") != NULL;

	printf("parent %d: child %d reported:\n", (int)getpid(), (int)pid);
	for (char *line = strtok(got, "\n"); line; line = strtok(NULL, "\n"))
		printf("  child | %s\n", line);
	if (WIFSIGNALED(status))
		printf("parent: the child was killed by signal %d (%s)\n",
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		printf("parent: the child exited with status %d before its threads were done\n"
		       "        (a SIGSEGV handler, e.g. a sanitizer's, reported the crash and exited)\n",
		       WEXITSTATUS(status));
	printf("(a) one thread crashed: the worker %s, the child's main thread %s\n",
	       worker_done ? "FINISHED" : "died mid-job", main_went_on ? "WENT ON" : "died too");
	printf("(b) the parent is still running, and reports all this\n");

	/* the whole child died with its crashing thread, and only the child */
	int ok = worker_ran && !worker_done && !main_went_on;
	return ok ? 0 : 1;
}
