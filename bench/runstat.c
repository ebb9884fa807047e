/*
 * runstat: run a program and say what it cost, from the kernel's account
 * of the child (wait4), so the figures include everything the child and the
 * processes it waited for used, and nothing of the bench's own shell.
 *
 * usage: runstat FILE PROG [ARGS...]
 *
 * PROG's standard streams are runstat's.  Writes one line to FILE:
 *   "cpu SECONDS rss_kib KIB wall SECONDS status N"
 * where cpu is user + system time, rss_kib the peak resident set
 * (ru_maxrss) and status the exit status (128 + signal if killed).
 * Exits with PROG's status, or 127 if it could not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE PROG [ARGS...]\n", argv[0]);
		return 2;
	}
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		fprintf(stderr, "runstat: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	double start = now();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		fclose(out);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "runstat: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
			return 127;
		}
	double wall = now() - start;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(out, "cpu %.6f rss_kib %ld wall %.6f status %d\n",
		seconds(ru.ru_utime) + seconds(ru.ru_stime), ru.ru_maxrss, wall, code);
	fclose(out);
	return code;
}
