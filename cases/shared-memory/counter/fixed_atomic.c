/*
 * Shared counter between processes, fixed with an atomic: atomic_fetch_add
 * is one indivisible read-modify-write on the shared page (LOCK XADD), and
 * the hardware does not care which process the two cores are running.
 *
 * usage: fixed_atomic [iterations]     (default 100000, per process)
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
	atomic_long counter;		/* lock-free, hence address-free: works between processes */
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
		atomic_fetch_add(&sh->counter, 1);	/* one step, seq_cst */
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
	long expected = 2 * iterations, actual = atomic_load(&sh->counter);
	printf("parent and child each did atomic_fetch_add %ld times on one MAP_SHARED page\n",
	       iterations);
	printf("expected total: %ld\n", expected);
	printf("actual total:   %ld\n", actual);
	munmap(sh, sizeof *sh);
	return actual == expected ? 0 : 1;
}
