/*
 * A file mapped MAP_SHARED is shared memory too: every process that maps it
 * sees the same page-cache pages.  The child computes a table of primes
 * straight into the mapped file; the parent "gives it a moment" with usleep()
 * and then reads the table.  Sleeping orders nothing: the parent's reads race
 * with the child's writes, and the parent reads a table that is not finished.
 *
 * usage: buggy [primes] [wait_us]     (default 10000 primes, wait 100 us)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PRIMES 20000

/* The file's layout: a header and the table. */
struct table {
	long count;			/* written by the child when the table is complete */
	long prime[MAX_PRIMES];
};

/* The child's job: the first n primes, by trial division. */
static void compute(struct table *t, long n)
{
	long found = 0;
	for (long c = 2; found < n; c++) {
		int is_prime = 1;
		for (long j = 0; j < found && t->prime[j] * t->prime[j] <= c; j++)
			if (c % t->prime[j] == 0) {
				is_prime = 0;
				break;
			}
		if (is_prime)
			t->prime[found++] = c;	/* the child's writes */
	}
	t->count = n;				/* "done" */
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	long wait_us = argc > 2 ? atol(argv[2]) : 100;
	if (n < 1 || n > MAX_PRIMES || wait_us < 0) {
		fprintf(stderr, "usage: %s [primes 1..%d] [wait_us]\n", argv[0], MAX_PRIMES);
		return 2;
	}

	char path[] = "/tmp/pvcheck-file-mmap-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, sizeof(struct table)) != 0) {
		perror("mkstemp/ftruncate");
		return 2;
	}
	/* MAP_SHARED: stores go to the file's pages, which every mapper sees */
	struct table *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (t == MAP_FAILED) {
		perror("mmap");
		unlink(path);
		return 2;
	}
	fflush(stdout);		/* so the child does not print the parent's buffer again */

	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		unlink(path);
		return 2;
	}
	if (pid == 0) {
		compute(t, n);
		_exit(0);
	}

	usleep(wait_us);		/* "long enough": a guess, not an order */
	long count = t->count;		/* the parent's reads race with compute() */
	long filled = 0;
	while (filled < n && t->prime[filled] != 0)
		filled++;
	long last = t->prime[n - 1];

	waitpid(pid, NULL, 0);
	munmap(t, sizeof *t);
	unlink(path);		/* the file was only a meeting place */

	printf("file %s: the child computes %ld primes, the parent reads after %ld us\n",
	       path, n, wait_us);
	printf("parent saw: count = %ld, %ld entries filled, prime #%ld = %ld\n",
	       count, filled, n, last);
	if (count != n || filled != n) {
		printf("the parent read a table the child had not finished\n");
		return 1;
	}
	printf("complete this time (the race is still there)\n");
	return 0;
}
