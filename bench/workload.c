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
 * and four more, run only when named:
 *
 *   unaligned  4- and 8-byte loads and stores at every byte offset of
 *            thread-private buffers, hashed into a table, as a compressor
 *            reads its window and flushes its bit buffer
 *   pool     a thread pool: the main thread queues tasks it allocates (a
 *            task and its payload), each worker allocates scratch memory,
 *            frees all three; ~600k malloc/free per unit of scale, workers
 *            waiting on a condvar when the queue is empty, and one more
 *            thread waiting on a condvar for the whole phase
 *   mallocwait  the malloc phase while one more thread waits on a condvar
 *            (600k malloc/free at 4 threads, scale 3)
 *   live     N threads alive at once (default 2000, set by live=N), each
 *            doing a little work, all waiting at one barrier before any ends
 *
 * usage: workload [threads] [scale] [PHASE[=N],...]
 *     (default 4 1 private,mutex,atomic,malloc,threads,fork,pipe)
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
#include <string.h>
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
#define UNALIGNED_BYTES (256 * 1024)	/* per thread */
#define UNALIGNED_PASSES 32		/* per unit of scale */
#define HASH_BITS 15
#define POOL_TASKS 200000		/* per unit of scale; three blocks each */
#define POOL_QUEUE 64			/* queued tasks at most */
#define LIVE_THREADS 2000		/* default of live=N */
#define LIVE_STACK (256 * 1024)

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

/* --- unaligned: loads and stores at any byte offset ------------------- */

static uint32_t load32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);	/* one unaligned load, as compressors read */
	return v;
}

static uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static void store64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof v);
}

static uint64_t unaligned_sum[MAX_THREADS];

static void *unaligned_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	unsigned char *in = malloc(UNALIGNED_BYTES);
	unsigned char *out = malloc(UNALIGNED_BYTES + 8);
	uint32_t *head = calloc(1u << HASH_BITS, sizeof *head);
	if (!in || !out || !head)
		abort();
	uint32_t x = 12345;		/* the same bytes in every thread */
	for (int i = 0; i < UNALIGNED_BYTES; i++) {
		x = x * 1103515245u + 12345u;
		in[i] = (unsigned char)((x >> 16) % 16 + 'a');	/* few symbols: matches */
	}
	uint64_t sum = 0;
	for (int pass = 0; pass < UNALIGNED_PASSES * scale; pass++) {
		size_t pos = 0;		/* the bit buffer's flush point */
		for (size_t i = 0; i + 8 <= UNALIGNED_BYTES; i++) {
			uint32_t h = (load32(in + i) * 2654435761u) >> (32 - HASH_BITS);
			uint32_t prev = head[h];
			head[h] = (uint32_t)i;
			/* compare 8 bytes at the candidate and here, at any offsets */
			uint64_t diff = load64(in + prev) ^ load64(in + i);
			sum += diff ? (uint64_t)__builtin_ctzll(diff) / 8 : 8;
			if ((i & 3) == 0) {	/* flush a few bytes, at any offset */
				store64(out + pos, sum ^ diff);
				pos += 1 + (h & 3);
				if (pos + 8 > UNALIGNED_BYTES)
					pos = 0;
			}
		}
		sum += load64(out + (pass % 7));
	}
	unaligned_sum[t] = sum;
	free(head);
	free(out);
	free(in);
	return NULL;
}

static void check_unaligned(void)
{
	for (int t = 1; t < nthreads; t++)
		if (unaligned_sum[t] != unaligned_sum[0]) {
			fprintf(stderr, "unaligned: thread %d sum differs\n", t);
			failures++;
		}
}

/* --- pool: tasks allocated by the producer, freed by the workers ------- */

struct task {
	struct task *next;
	unsigned char *payload;
	size_t size;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t nonempty, room, finished;
	struct task *head, *tail;
	int queued, closed, done;
	long sum;			/* of every payload, under lock */
} pool = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
	PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, 0, 0
};

static void *pool_worker(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&pool.lock);
		while (!pool.head && !pool.closed)
			pthread_cond_wait(&pool.nonempty, &pool.lock);
		struct task *k = pool.head;
		if (k) {
			pool.head = k->next;
			if (!pool.head)
				pool.tail = NULL;
			pool.queued--;
			pthread_cond_signal(&pool.room);
		}
		pthread_mutex_unlock(&pool.lock);
		if (!k)
			return NULL;
		long *scratch = malloc(k->size * sizeof *scratch);	/* per-task memory */
		if (!scratch)
			abort();
		long s = 0;
		for (size_t i = 0; i < k->size; i++) {
			scratch[i] = k->payload[i];
			s += scratch[i];
		}
		free(scratch);
		free(k->payload);
		free(k);
		pthread_mutex_lock(&pool.lock);
		pool.sum += s;
		pthread_mutex_unlock(&pool.lock);
	}
}

/* A thread that waits on a condition variable while the pool works, as a
 * program's supervisor or signal thread does. */
static void *pool_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pool.lock);
	while (!pool.done)
		pthread_cond_wait(&pool.finished, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
	return NULL;
}

static double run_pool(void)
{
	pthread_t tid[MAX_THREADS], waiter;
	double start = now();
	pthread_create(&waiter, NULL, pool_waiter, NULL);
	for (int t = 0; t < nthreads; t++)
		pthread_create(&tid[t], NULL, pool_worker, NULL);
	long expect = 0;
	for (long i = 0; i < (long)POOL_TASKS * scale; i++) {
		struct task *k = malloc(sizeof *k);
		if (!k)
			abort();
		k->next = NULL;
		k->size = 8 + (size_t)(i * 29 % 57);	/* 8..64 bytes */
		k->payload = malloc(k->size);
		if (!k->payload)
			abort();
		for (size_t j = 0; j < k->size; j++) {
			k->payload[j] = (unsigned char)(i + j);
			expect += k->payload[j];
		}
		pthread_mutex_lock(&pool.lock);
		while (pool.queued >= POOL_QUEUE)
			pthread_cond_wait(&pool.room, &pool.lock);
		if (pool.tail)
			pool.tail->next = k;
		else
			pool.head = k;
		pool.tail = k;
		pool.queued++;
		pthread_cond_signal(&pool.nonempty);
		pthread_mutex_unlock(&pool.lock);
	}
	pthread_mutex_lock(&pool.lock);
	pool.closed = 1;
	pthread_cond_broadcast(&pool.nonempty);
	pthread_mutex_unlock(&pool.lock);
	for (int t = 0; t < nthreads; t++)
		pthread_join(tid[t], NULL);
	pthread_mutex_lock(&pool.lock);
	pool.done = 1;
	pthread_cond_signal(&pool.finished);
	long sum = pool.sum;
	pthread_mutex_unlock(&pool.lock);
	pthread_join(waiter, NULL);
	double secs = now() - start;
	if (sum != expect) {
		fprintf(stderr, "pool: sum %ld, expected %ld\n", sum, expect);
		failures++;
	}
	return secs;
}

/* --- mallocwait: malloc churn while a thread waits on a condvar ------ */

static double run_malloc_waiting(void)
{
	pthread_t waiter;
	pthread_create(&waiter, NULL, pool_waiter, NULL);
	double secs = run_phase(malloc_worker);
	pthread_mutex_lock(&pool.lock);
	pool.done = 1;
	pthread_cond_signal(&pool.finished);
	pthread_mutex_unlock(&pool.lock);
	pthread_join(waiter, NULL);
	pool.done = 0;		/* the waiter is gone: the pool phase may still run */
	return secs;
}

/* --- live: many threads alive at once ---------------------------------- */

static pthread_barrier_t live_barrier;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static long live_sum;

static void *live_worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	int local[64];			/* a little work of its own */
	for (int i = 0; i < 64; i++)
		local[i] = t ^ i;
	long s = 0;
	for (int i = 0; i < 64; i++)
		s += local[i];
	pthread_mutex_lock(&live_lock);
	live_sum += s;
	pthread_mutex_unlock(&live_lock);
	pthread_barrier_wait(&live_barrier);	/* nobody ends before all started */
	return NULL;
}

static double run_live(int n)
{
	pthread_t *tid = malloc(n * sizeof *tid);
	pthread_attr_t attr;
	if (!tid)
		abort();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, LIVE_STACK);
	pthread_barrier_init(&live_barrier, NULL, n + 1);
	double start = now();
	int made = 0;
	for (; made < n; made++)
		if (pthread_create(&tid[made], &attr, live_worker, (void *)(intptr_t)made))
			break;
	if (made < n) {
		/* the barrier would never open: say so and stop */
		fprintf(stderr, "live: could only create %d of %d threads\n", made, n);
		exit(1);
	}
	pthread_barrier_wait(&live_barrier);
	for (int t = 0; t < n; t++)
		pthread_join(tid[t], NULL);
	double secs = now() - start;
	long expect = 0;
	for (int t = 0; t < n; t++)
		for (int i = 0; i < 64; i++)
			expect += t ^ i;
	if (live_sum != expect) {
		fprintf(stderr, "live: sum %ld, expected %ld\n", live_sum, expect);
		failures++;
	}
	pthread_barrier_destroy(&live_barrier);
	pthread_attr_destroy(&attr);
	free(tid);
	return secs;
}

/* --- main ------------------------------------------------------------- */

static int run(const char *name, int n)
{
	double secs;
	if (!strcmp(name, "private")) {
		secs = run_phase(private_worker);
		check_private();
	} else if (!strcmp(name, "mutex")) {
		secs = run_phase(mutex_worker);
		check_mutex();
	} else if (!strcmp(name, "atomic")) {
		secs = run_phase(atomic_worker);
		check_atomic();
	} else if (!strcmp(name, "malloc")) {
		secs = run_phase(malloc_worker);
		check_malloc();
	} else if (!strcmp(name, "threads"))
		secs = run_churn();
	else if (!strcmp(name, "fork"))
		secs = run_forks();
	else if (!strcmp(name, "pipe"))
		secs = run_pipes();
	else if (!strcmp(name, "unaligned")) {
		secs = run_phase(unaligned_worker);
		check_unaligned();
	} else if (!strcmp(name, "mallocwait")) {
		secs = run_malloc_waiting();
		check_malloc();
	} else if (!strcmp(name, "pool"))
		secs = run_pool();
	else if (!strcmp(name, "live"))
		secs = run_live(n > 0 ? n : LIVE_THREADS);
	else
		return -1;
	printf("phase %s %.6f\n", name, secs);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	nthreads = argc > 1 ? atoi(argv[1]) : 4;
	scale = argc > 2 ? atoi(argv[2]) : 1;
	const char *phases = argc > 3 ? argv[3] : "private,mutex,atomic,malloc,threads,fork,pipe";
	if (nthreads < 1 || nthreads > MAX_THREADS || scale < 1 || argc > 4) {
		fprintf(stderr, "usage: %s [threads 1..%d] [scale >= 1] [PHASE[=N],...]\n",
			argv[0], MAX_THREADS);
		return 2;
	}

	double start = now();
	char *list = strdup(phases);
	for (char *save, *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(p, '=');
		int n = 0;
		if (eq) {
			*eq = 0;
			n = atoi(eq + 1);
		}
		if (run(p, n)) {
			fprintf(stderr, "%s: no phase '%s'\n", argv[0], p);
			return 2;
		}
	}
	free(list);
	printf("total %.6f\n", now() - start);

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("maxrss_kib %ld\n", ru.ru_maxrss);
	if (failures)
		printf("FAILED: %d checks\n", failures);
	return failures ? 1 : 0;
}
