/*
 * What does it cost to start (and finish) a thread, and a process?
 *
 *   thread:  pthread_create + pthread_join      (new stack, same address space)
 *   fork:    fork + waitpid                     (copy of the address space)
 *   fork, with 16 MiB of the parent touched     (more page tables to copy)
 *   spawn:   posix_spawn("/bin/true") + waitpid (new process running a new program)
 *
 * Each is done one at a time, N times; the program prints the mean cost in
 * microseconds and how many times dearer than a thread each one is.
 *
 * usage: demo [threads] [processes]     (default 200 50)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG_MIB 16

extern char **environ;

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void *nothing(void *arg)
{
	return arg;
}

static void start_thread(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, nothing, NULL) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		exit(2);
	}
	pthread_join(th, NULL);
}

static void start_fork(void)
{
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0)
		_exit(0);	/* the child does nothing: we time only its life */
	int status;
	waitpid(pid, &status, 0);
}

static void start_spawn(void)
{
	char *argv[] = { "true", NULL };
	pid_t pid;
	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0) {
		perror("posix_spawn /bin/true");
		exit(2);
	}
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "/bin/true failed\n");
		exit(2);
	}
}

/* Mean microseconds of one start; the first one is not counted, because it
 * pays one-time costs (the first thread stack, loading /bin/true from disk). */
static double mean_us(void (*start)(void), int n)
{
	start();
	double t0 = now_us();
	for (int i = 0; i < n; i++)
		start();
	return (now_us() - t0) / n;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 200;
	int nprocs = argc > 2 ? atoi(argv[2]) : 50;
	if (nthreads < 1 || nprocs < 1) {
		fprintf(stderr, "usage: %s [threads] [processes]\n", argv[0]);
		return 2;
	}
	fflush(stdout);		/* so no child inherits unwritten output */

	double thread = mean_us(start_thread, nthreads);
	double forked = mean_us(start_fork, nprocs);

	/* Give the parent a bigger address space: fork must copy its page tables. */
	size_t big = (size_t)BIG_MIB << 20;
	char *mem = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	long page = sysconf(_SC_PAGESIZE);
	for (size_t off = 0; off < big; off += page)
		mem[off] = 1;
	double forked_big = mean_us(start_fork, nprocs);
	munmap(mem, big);

	double spawned = mean_us(start_spawn, nprocs);

	printf("%-44s %6s %10s %8s\n", "", "count", "mean us", "x thread");
	printf("%-44s %6d %10.1f %8.1f\n", "pthread_create + pthread_join", nthreads,
	       thread, 1.0);
	printf("%-44s %6d %10.1f %8.1f\n", "fork + waitpid", nprocs, forked, forked / thread);
	printf("%-44s %6d %10.1f %8.1f\n", "fork + waitpid, parent with 16 MiB touched",
	       nprocs, forked_big, forked_big / thread);
	printf("%-44s %6d %10.1f %8.1f\n", "posix_spawn /bin/true + waitpid", nprocs,
	       spawned, spawned / thread);
	if (forked < thread)
		printf("warning: a fork looked cheaper than a thread this run (a noisy machine?)\n");
	return 0;
}
