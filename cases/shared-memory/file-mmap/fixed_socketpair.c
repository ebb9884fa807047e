/*
 * A table computed into a MAP_SHARED file, fixed with a message: when the
 * child has written the whole table it sends one byte over a socketpair.
 * The parent blocks in read() until that byte arrives, and only then reads
 * the table.  The byte cannot arrive before it was sent, and it was sent
 * after the last write: the parent's reads are ordered after all of them.
 *
 * usage: fixed_socketpair [primes]     (default 10000)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
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
	if (n < 1 || n > MAX_PRIMES) {
		fprintf(stderr, "usage: %s [primes 1..%d]\n", argv[0], MAX_PRIMES);
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
	int sv[2];		/* a connected pair of sockets: one end for each process */
	if (t == MAP_FAILED || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		perror("mmap/socketpair");
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
		close(sv[0]);
		compute(t, n);
		/* sent after the last write to the table: "it is all there" */
		_exit(write(sv[1], "d", 1) == 1 ? 0 : 2);
	}

	close(sv[1]);
	char done;
	if (read(sv[0], &done, 1) != 1) {	/* blocks until the child's byte arrives */
		fprintf(stderr, "the child died before finishing\n");
		waitpid(pid, NULL, 0);
		unlink(path);
		return 2;
	}
	long count = t->count;		/* ordered after compute(): it is complete */
	long filled = 0;
	while (filled < n && t->prime[filled] != 0)
		filled++;
	long last = t->prime[n - 1];

	waitpid(pid, NULL, 0);
	munmap(t, sizeof *t);
	unlink(path);		/* the file was only a meeting place */

	printf("file %s: the child computes %ld primes, the parent reads after its message\n",
	       path, n);
	printf("parent saw: count = %ld, %ld entries filled, prime #%ld = %ld\n",
	       count, filled, n, last);
	return count == n && filled == n ? 0 : 1;
}
