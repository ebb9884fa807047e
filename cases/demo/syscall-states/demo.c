/*
 * Does a system call put a thread in the waiting state?  Only a call that
 * has to wait.  Threads make system calls in a loop: some that never wait
 * (getppid, a read of an empty non-blocking pipe, a write to /dev/null) and
 * some that do (a read of an empty pipe, nanosleep).  main samples each
 * thread's state in /proc/self/task/TID/stat every millisecond, and at the
 * end reads how many times each gave the CPU up of its own accord
 * (voluntary_ctxt_switches in /proc/self/task/TID/status).
 *
 * usage: demo [samples]     (default 200, one per millisecond)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { GETPPID, READ_NONBLOCK, WRITE_NULL, READ_BLOCK, NANOSLEEP, NKINDS };

static const char *const names[NKINDS] = {
	"getppid()", "read(), O_NONBLOCK, empty", "write() to /dev/null",
	"read() of an empty pipe", "nanosleep(1 ms)",
};

struct worker {
	int kind;
	atomic_int tid;
	atomic_long calls;
	long counts[256];		/* state letters seen by main */
};

static struct worker workers[NKINDS];
static atomic_int stop;
static int nonblock_fd, block_fd, null_fd;

static void *work(void *arg)
{
	struct worker *w = arg;
	char c = 0;
	struct timespec ms = { 0, 1000000 };
	atomic_store(&w->tid, (int)syscall(SYS_gettid));
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		switch (w->kind) {
		case GETPPID:
			syscall(SYS_getppid);		/* a real system call each time */
			break;
		case READ_NONBLOCK:
			if (read(nonblock_fd, &c, 1) >= 0 || errno != EAGAIN)
				return NULL;		/* the pipe should stay empty */
			break;
		case WRITE_NULL:
			if (write(null_fd, "x", 1) != 1)
				return NULL;
			break;
		case READ_BLOCK:
			if (read(block_fd, &c, 1) != 1)	/* waits until main writes, at the end */
				return NULL;
			break;
		case NANOSLEEP:
			nanosleep(&ms, NULL);
			break;
		}
		atomic_fetch_add_explicit(&w->calls, 1, memory_order_relaxed);
	}
	return NULL;
}

/* The state letter in /proc/self/task/TID/stat: after "(comm) ". */
static char state_of(int tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static long voluntary_switches(int tid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
	FILE *f = fopen(path, "r");
	long v = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	int samples = argc > 1 ? atoi(argv[1]) : 200;
	if (samples < 10 || samples > 100000) {
		fprintf(stderr, "usage: %s [samples 10..100000]\n", argv[0]);
		return 2;
	}
	int nb[2], bl[2];
	if (pipe2(nb, O_NONBLOCK) || pipe(bl) || (null_fd = open("/dev/null", O_WRONLY)) < 0) {
		perror("pipe/open");
		return 2;
	}
	nonblock_fd = nb[0];
	block_fd = bl[0];

	pthread_t th[NKINDS];
	for (int k = 0; k < NKINDS; k++) {
		workers[k].kind = k;
		pthread_create(&th[k], NULL, work, &workers[k]);
	}
	for (int k = 0; k < NKINDS; k++)
		while (!atomic_load(&workers[k].tid))
			sched_yield();
	struct timespec ms = { 0, 1000000 };
	nanosleep(&ms, NULL);			/* let the blocking ones block */
	for (int s = 0; s < samples; s++) {
		for (int k = 0; k < NKINDS; k++)
			workers[k].counts[(unsigned char)state_of(atomic_load(&workers[k].tid))]++;
		nanosleep(&ms, NULL);
	}
	long vol[NKINDS];
	for (int k = 0; k < NKINDS; k++)
		vol[k] = voluntary_switches(atomic_load(&workers[k].tid));
	atomic_store(&stop, 1);
	if (write(bl[1], "x", 1) != 1)		/* the blocked reader's one byte */
		perror("write");
	for (int k = 0; k < NKINDS; k++)
		pthread_join(th[k], NULL);

	printf("%d samples of each thread's state, one per ms (R = running or runnable,\n"
	       "S = sleeping in a wait); voluntary = times it gave up the CPU to wait\n\n", samples);
	printf("%-27s %12s %6s %6s %6s %10s %12s\n", "system call in a loop", "calls", "R", "S",
	       "other", "voluntary", "calls/volunt.");
	int bad = 0;
	for (int k = 0; k < NKINDS; k++) {
		struct worker *w = &workers[k];
		long r = w->counts['R'], sl = w->counts['S'];
		long other = samples - r - sl;
		char ratio[32] = "-";
		if (vol[k] > 0)
			snprintf(ratio, sizeof ratio, "%.0f", (double)atomic_load(&w->calls) / (double)vol[k]);
		printf("%-27s %12ld %6ld %6ld %6ld %10ld %12s\n", names[k], atomic_load(&w->calls), r, sl,
		       other, vol[k], ratio);
		bad |= w->counts['?'] > 0;
	}
	if (bad)
		printf("some states could not be read from /proc\n");
	return bad;
}
