/*
 * Shared counter between processes, fixed by not sharing: each process
 * counts in its own private memory (a plain global, copied by fork()), and
 * the child sends its count to the parent through a pipe.  The parent adds
 * the two.  Nothing is written by both, so there is nothing to lock.
 *
 * usage: fixed_pipe [iterations]     (default 100000, per process)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static long counter;		/* private: each process has its own after fork() */
static long iterations;

static void bump(void)
{
	for (long i = 0; i < iterations; i++)
		counter++;	/* no other process can see this page */
}

int main(int argc, char **argv)
{
	iterations = argc > 1 ? atol(argv[1]) : 100000;
	if (iterations < 1) {
		fprintf(stderr, "usage: %s [iterations]\n", argv[0]);
		return 2;
	}

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
		bump();
		/* the message carries the result: a copy, not a shared location */
		ssize_t n = write(fds[1], &counter, sizeof counter);
		_exit(n == sizeof counter ? 0 : 2);
	}
	close(fds[1]);
	bump();

	long child_count = 0;
	ssize_t n = read(fds[0], &child_count, sizeof child_count);
	int status;
	waitpid(pid, &status, 0);
	if (n != sizeof child_count || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the child failed\n");
		return 2;
	}

	long expected = 2 * iterations, actual = counter + child_count;
	printf("parent counted %ld in its own memory, child counted %ld in its own and sent it\n",
	       counter, child_count);
	printf("expected total: %ld\n", expected);
	printf("actual total:   %ld\n", actual);
	return actual == expected ? 0 : 1;
}
