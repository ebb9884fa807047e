/*
 * Processes do not share memory: after fork() the parent and the child each
 * bump "the same" global counter, at the same virtual address, but each
 * changes its own copy (copy-on-write).  No lock is needed and there is no
 * race.  The child reports its result through a pipe, because that is the
 * only way the parent can learn it.
 *
 * usage: processes [iterations]     (default 100000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long counter;	/* one per process after fork(); volatile as in threads.c */
static long iterations;

struct child_report {
	void *address;		/* where the child's counter lives */
	long value;		/* what it holds when the child is done */
};

static void bump(void)
{
	for (long i = 0; i < iterations; i++)
		counter++;	/* each process writes its own page */
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
		/* child: bump our copy and send the result home */
		close(fds[0]);
		bump();
		struct child_report r = { (void *)&counter, counter };
		ssize_t n = write(fds[1], &r, sizeof r);
		_exit(n == sizeof r ? 0 : 2);
	}

	/* parent: bump our own copy at the same time */
	close(fds[1]);
	bump();

	struct child_report r;
	ssize_t n = read(fds[0], &r, sizeof r);
	int status;
	waitpid(pid, &status, 0);
	if (n != sizeof r || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the child failed\n");
		return 2;
	}

	printf("parent: &counter = %p, counter = %ld\n", (void *)&counter, counter);
	printf("child:  &counter = %p, counter = %ld\n", r.address, r.value);
	printf("same address, separate memory: each holds only its own %ld increments\n",
	       iterations);
	/* If memory were shared we would see 2 x iterations (or a lost update). */
	if (counter != iterations || r.value != iterations) {
		printf("unexpected: the processes saw each other's increments\n");
		return 1;
	}
	return 0;
}
