/*
 * POSIX shared memory between two programs, fixed with a process-shared
 * mutex stored in the shared record itself.  The parent initialises it with
 * PTHREAD_PROCESS_SHARED before the child exists; the exec'd child finds it
 * already there, in the object it maps by name, and locks the same mutex.
 *
 * usage: fixed_psmutex [requests]                 (default 100000, per process)
 *        fixed_psmutex --child PARENT_PID REQUESTS (what the child exec's)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define REQUEST_BYTES 100

/* The record in the shared memory object. */
struct stats {
	atomic_int arrived;		/* start line: both loops begin together */
	pthread_mutex_t lock;		/* PTHREAD_PROCESS_SHARED, guards the two counts */
	long requests;
	long bytes;			/* always REQUEST_BYTES * requests, under the lock */
};

static void shm_name(char *buf, size_t len, long parent_pid)
{
	/* one object per run: the parent's pid makes the name unique */
	snprintf(buf, len, "/pvcheck-shm-open-%ld", parent_pid);
}

/* Spin, not sleep, until both processes are here: then both loops run at once. */
static void start_together(atomic_int *arrived)
{
	atomic_fetch_add(arrived, 1);
	while (atomic_load(arrived) < 2)
		continue;
}

static void serve(struct stats *st, long requests)
{
	start_together(&st->arrived);
	for (long i = 0; i < requests; i++) {
		pthread_mutex_lock(&st->lock);	/* excludes the other process too */
		st->requests++;
		st->bytes += REQUEST_BYTES;
		pthread_mutex_unlock(&st->lock);
	}
}

static struct stats *map_stats(int fd)
{
	void *p = mmap(NULL, sizeof(struct stats), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);		/* the mapping keeps the object open */
	return p == MAP_FAILED ? NULL : p;
}

/* The exec'd child: a new program image with nothing inherited but the name. */
static int child_main(long parent_pid, long requests)
{
	char name[64];
	shm_name(name, sizeof name, parent_pid);
	int fd = shm_open(name, O_RDWR, 0);
	struct stats *st = fd >= 0 ? map_stats(fd) : NULL;
	if (!st) {
		perror("child: shm_open/mmap");
		return 2;
	}
	serve(st, requests);
	munmap(st, sizeof *st);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--child"))
		return child_main(atol(argv[2]), atol(argv[3]));

	long requests = argc > 1 ? atol(argv[1]) : 100000;
	if (requests < 1) {
		fprintf(stderr, "usage: %s [requests]\n", argv[0]);
		return 2;
	}

	char name[64];
	shm_name(name, sizeof name, (long)getpid());
	int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, sizeof(struct stats)) != 0) {
		perror("shm_open/ftruncate");
		return 2;
	}
	struct stats *st = map_stats(fd);	/* a fresh object reads as zeros */
	if (!st) {
		perror("mmap");
		shm_unlink(name);
		return 2;
	}
	/* before fork: the child must never see the mutex half-initialised */
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&st->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	printf("shared memory object %s, %zu bytes\n", name, sizeof *st);
	fflush(stdout);		/* so the child does not print the parent's buffer again */

	char ppid[32], nreq[32];	/* the child's arguments, made before fork() */
	snprintf(ppid, sizeof ppid, "%ld", (long)getpid());
	snprintf(nreq, sizeof nreq, "%ld", requests);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "--child", ppid, nreq, (char *)NULL);
		perror("exec");
		atomic_fetch_add(&st->arrived, 1);	/* do not leave the parent at the start line */
		_exit(127);
	}
	if (pid > 0)
		serve(st, requests);

	int status = 0;
	if (pid > 0)
		waitpid(pid, &status, 0);
	shm_unlink(name);	/* the name goes now; the memory when the last mapping does */
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the child failed\n");
		return 2;
	}

	/* waitpid() orders all the child's updates before these reads */
	long want = 2 * requests;
	printf("parent and exec'd child each served %ld requests of %d bytes\n",
	       requests, REQUEST_BYTES);
	printf("requests: %ld (expected %ld)\n", st->requests, want);
	printf("bytes:    %ld (expected %ld)\n", st->bytes, want * REQUEST_BYTES);
	int ok = st->requests == want && st->bytes == want * REQUEST_BYTES;
	pthread_mutex_destroy(&st->lock);
	munmap(st, sizeof *st);
	return ok ? 0 : 1;
}
