/*
 * Processes race too, once they share memory: the counter lives in an
 * anonymous MAP_SHARED mapping made before fork(), so parent and child see
 * the same physical page, and both do counter++ on it with no lock.
 *
 * usage: buggy [iterations]     (default 100000, per process)
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lives in the shared mapping: both processes see this one copy. */
struct shared {
	atomic_int arrived;		/* start line: both loops begin together */
	volatile long counter;		/* no lock: the bug (volatile only keeps one load and one store per ++) */
};

/* Spin, not sleep, until both processes are here: then both loops run at once. */
static void start_together(atomic_int *arrived)
{
	atomic_fetch_add(arrived, 1);
	while (atomic_load(arrived) < 2)
		continue;	/* a yield here would let one loop finish before the other starts */
}

static long iterations;

static void bump(struct shared *sh)
{
	start_together(&sh->arrived);	/* orders what comes before it, not the ++ after */
	for (long i = 0; i < iterations; i++)
		sh->counter++;	/* the race: load, add, store, in two processes */
}

int main(int argc, char **argv)
{
	iterations = argc > 1 ? atol(argv[1]) : 100000;
	if (iterations < 1) {
		fprintf(stderr, "usage: %s [iterations]\n", argv[0]);
		return 2;
	}

	/* MAP_SHARED: fork() shares this page instead of copying it. */
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	fflush(stdout);		/* so the child does not print the parent's buffer again */

	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		bump(sh);
		_exit(0);
	}
	bump(sh);

	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the child failed\n");
		return 2;
	}

	/* waitpid() orders all the child's increments before this read */
	long expected = 2 * iterations, actual = sh->counter;
	printf("parent and child each did counter++ %ld times on one MAP_SHARED page\n",
	       iterations);
	printf("expected total: %ld\n", expected);
	printf("actual total:   %ld\n", actual);
	if (actual != expected) {
		printf("lost updates:   %ld (%.1f%%)\n", expected - actual,
		       100.0 * (expected - actual) / expected);
		return 1;
	}
	printf("no updates lost this time (the race is still there)\n");
	munmap(sh, sizeof *sh);
	return 0;
}
