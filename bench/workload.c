/*
 * A race-free workload for timing a race checker.  Each phase stresses a
 * different part of a happens-before checker:
 *
 *   private  plain reads and writes to thread-private arrays (the access path)
 *   mutex    a shared counter under one mutex (lock/unlock clock transfers)
 *   atomic   acquire/release atomics on shared words (atomic clock joins)
 *   malloc   malloc/free churn (heap bookkeeping, shadow reset on reuse)
 *   threads  thread create/join churn (thread slots, clocks, stack reset)
 *   fork     fork/waitpid churn, each child bumping a counter in MAP_SHARED
 *            memory under a process-shared mutex (the session, shared shadow)
 *   pipe     a byte written to a pipe and read back, many times
 *            (read/write interception and their happens-before)
 *
 * usage: workload [threads] [scale]     (default 4 1)
 *
 * Prints one line per phase, "phase NAME SECONDS", then "total SECONDS" and
 * "maxrss_kib N" (peak resident memory, which includes a checker's shadow).
 * Exits 1 if a phase's own check fails: the workload must stay race-free,
 * and a wrong sum would mean the checker broke the program.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

#define MAX_THREADS 64
#define PRIVATE_INTS (64 * 1024)	/* 256 KiB per thread */
#define PRIVATE_PASSES 64
#define MUTEX_ITERS 50000
#define ATOMIC_ITERS 50000
#define MALLOC_ITERS 50000
#define MALLOC_LIVE 16			/* blocks each thread keeps alive */
#define CHURN_THREADS 200		/* threads created per unit of scale */
#define FORKS 20			/* children per unit of scale */
#define PIPE_ROUNDS 20000		/* bytes written and read back per unit of scale */

static int nthreads;
static int scale;
static int failures;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run fn in nthreads threads, each with its index; return the wall time. */
static double run_phase(void *(*fn)(void *))
{
	pthread_t tid[MAX_THREADS];
	double start = now();
	for (int t = 0; t < nthreads; t++)
		pthread_create(&tid[t], NULL, fn, (void *)(intptr_t)t);
	for (int t = 0; t < nthreads; t++)
		pthread_join(tid[t], NULL);
	return now() - start;
}

/* --- private: plain accesses, no sharing ------------------------------- */

static unsigned private_sum[MAX_THREADS];	/* one slot per thread */

static void *private_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	unsigned *a = malloc(PRIVATE_INTS * sizeof *a);
	if (!a)
		abort();
	for (int i = 0; i < PRIVATE_INTS; i++)
		a[i] = i;
	for (int pass = 0; pass < PRIVATE_PASSES * scale; pass++)
		for (int i = 0; i < PRIVATE_INTS; i++)
			a[i] = a[i] * 3 + pass;	/* read and write, cannot be folded */
	unsigned sum = 0;
	for (int i = 0; i < PRIVATE_INTS; i++)
		sum += a[i];
	private_sum[t] = sum;
	free(a);
	return NULL;
}

static void check_private(void)
{
	/* Every thread did the same work on its own copy. */
	for (int t = 1; t < nthreads; t++)
		if (private_sum[t] != private_sum[0]) {
			fprintf(stderr, "private: thread %d sum differs\n", t);
			failures++;
		}
}

/* --- mutex: one shared counter under one lock --------------------------- */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *mutex_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < MUTEX_ITERS * scale; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++;
		pthread_mutex_unlock(&counter_lock);
	}
	return NULL;
}

static void check_mutex(void)
{
	if (counter != (long)nthreads * MUTEX_ITERS * scale) {
		fprintf(stderr, "mutex: counter %ld\n", counter);
		failures++;
	}
}

/* --- atomic: release increments, acquire loads --------------------------- */

static atomic_long ticket;
static long atomic_seen[MAX_THREADS];

static void *atomic_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	long seen = 0;
	for (int i = 0; i < ATOMIC_ITERS * scale; i++) {
		atomic_fetch_add_explicit(&ticket, 1, memory_order_release);
		seen += atomic_load_explicit(&ticket, memory_order_acquire) > 0;
	}
	atomic_seen[t] = seen;
	return NULL;
}

static void check_atomic(void)
{
	long total = (long)nthreads * ATOMIC_ITERS * scale;
	if (atomic_load(&ticket) != total) {
		fprintf(stderr, "atomic: ticket %ld\n", atomic_load(&ticket));
		failures++;
	}
	for (int t = 0; t < nthreads; t++)
		if (atomic_seen[t] != ATOMIC_ITERS * scale) {
			fprintf(stderr, "atomic: thread %d saw %ld\n", t, atomic_seen[t]);
			failures++;
		}
}

/* --- malloc: allocate, touch, free, in a small ring ------------------- */

static long malloc_touched[MAX_THREADS];

static void *malloc_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	char *live[MALLOC_LIVE] = { 0 };
	long touched = 0;
	for (int i = 0; i < MALLOC_ITERS * scale; i++) {
		int slot = i % MALLOC_LIVE;
		free(live[slot]);			/* the oldest block goes */
		size_t size = 16 + (size_t)(i * 37 % 1009);	/* 16..1024 bytes */
		char *p = malloc(size);
		if (!p)
			abort();
		p[0] = (char)i;				/* touch both ends */
		p[size - 1] = (char)t;
		touched += p[0] == (char)i;
		live[slot] = p;
	}
	for (int s = 0; s < MALLOC_LIVE; s++)
		free(live[s]);
	malloc_touched[t] = touched;
	return NULL;
}

static void check_malloc(void)
{
	for (int t = 0; t < nthreads; t++)
		if (malloc_touched[t] != MALLOC_ITERS * scale) {
			fprintf(stderr, "malloc: thread %d touched %ld\n", t, malloc_touched[t]);
			failures++;
		}
}

/* --- threads: create and join many short threads ----------------------- */

static int churn_result[MAX_THREADS];

static void *churn_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	int local[64];			/* a little work on a (reused) stack */
	for (int i = 0; i < 64; i++)
		local[i] = t + i;
	int sum = 0;
	for (int i = 0; i < 64; i++)
		sum += local[i];
	churn_result[t] = sum;
	return NULL;
}

/* Batches of nthreads threads, joined before the next batch starts. */
static double run_churn(void)
{
	double start = now();
	int total = CHURN_THREADS * scale;
	for (int done = 0; done < total; done += nthreads) {
		pthread_t tid[MAX_THREADS];
		int n = total - done < nthreads ? total - done : nthreads;
		for (int t = 0; t < n; t++)
			pthread_create(&tid[t], NULL, churn_worker, (void *)(intptr_t)t);
		for (int t = 0; t < n; t++)
			pthread_join(tid[t], NULL);
		for (int t = 0; t < n; t++)
			if (churn_result[t] != 64 * t + 64 * 63 / 2) {
				fprintf(stderr, "threads: thread %d wrong\n", t);
				failures++;
			}
	}
	return now() - start;
}

/* --- fork: children that share a counter with the parent ------------- */

struct shared_counter {
	pthread_mutex_t lock;
	long value;
};

static double run_forks(void)
{
	struct shared_counter *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED) {
		perror("mmap");
		failures++;
		return 0;
	}
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&c->lock, &a);
	c->value = 0;
	fflush(stdout); /* or every child would print it again */
	double start = now();
	int total = FORKS * scale;
	for (int i = 0; i < total; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			pthread_mutex_lock(&c->lock);
			c->value++;
			pthread_mutex_unlock(&c->lock);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
	}
	double secs = now() - start;
	if (c->value != total) {
		fprintf(stderr, "fork: counter %ld, expected %d\n", c->value, total);
		failures++;
	}
	munmap(c, sizeof *c);
	return secs;
}

/* --- pipe: bytes through a pipe and back, in one thread ------------- */

/* One thread, so the figure is the cost of the calls and not of the
 * scheduler (a ping-pong between threads mostly measures wake-ups). */
static double run_pipes(void)
{
	int fds[2];
	if (pipe(fds)) {
		perror("pipe");
		failures++;
		return 0;
	}
	long got = 0;
	double start = now();
	for (int i = 0; i < PIPE_ROUNDS * scale; i++) {
		char b = (char)i, c = 0;
		if (write(fds[1], &b, 1) == 1 && read(fds[0], &c, 1) == 1 && c == b)
			got++;
	}
	double secs = now() - start;
	if (got != (long)PIPE_ROUNDS * scale) {
		fprintf(stderr, "pipe: %ld of %d bytes came back\n", got, PIPE_ROUNDS * scale);
		failures++;
	}
	close(fds[0]);
	close(fds[1]);
	return secs;
}

int main(int argc, char **argv)
{
	nthreads = argc > 1 ? atoi(argv[1]) : 4;
	scale = argc > 2 ? atoi(argv[2]) : 1;
	if (nthreads < 1 || nthreads > MAX_THREADS || scale < 1) {
		fprintf(stderr, "usage: %s [threads 1..%d] [scale >= 1]\n", argv[0], MAX_THREADS);
		return 2;
	}

	double start = now();
	printf("phase private %.6f\n", run_phase(private_worker));
	check_private();
	printf("phase mutex %.6f\n", run_phase(mutex_worker));
	check_mutex();
	printf("phase atomic %.6f\n", run_phase(atomic_worker));
	check_atomic();
	printf("phase malloc %.6f\n", run_phase(malloc_worker));
	check_malloc();
	printf("phase threads %.6f\n", run_churn());
	printf("phase fork %.6f\n", run_forks());
	printf("phase pipe %.6f\n", run_pipes());
	printf("total %.6f\n", now() - start);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("maxrss_kib %ld\n", ru.ru_maxrss);
	if (failures)
		printf("FAILED: %d checks\n", failures);
	return failures ? 1 : 0;
}
