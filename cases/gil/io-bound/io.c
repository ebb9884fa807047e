/*
 * A global interpreter lock (GIL), both halves of the claim.  As in
 * gil/cpu-bound, a thread must hold one process-wide mutex to run any
 * "bytecode".  Two workloads run under it, first on one thread, then
 * split over several:
 *   I/O-bound: each request runs a little bytecode, then waits 2 ms for
 *     "the network" in a blocking call (nanosleep stands for recv);
 *   CPU-bound: slices of bytecode and nothing else.
 * "released" drops the GIL around the blocking call, as CPython's own
 * blocking calls do (Py_BEGIN_ALLOW_THREADS); "held" keeps it, as a C
 * extension that forgets to release it does.
 *
 * usage: io released|held [threads] [requests]     (default 4 25: per thread)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 64
#define REQUEST_STEPS 2000	/* bytecode per request */
#define SLICE_STEPS 20000	/* bytecode per CPU-bound slice */
#define WAIT_MS 2
#define SLICES_PER_REQUEST 20	/* the CPU-bound half: about as long as the I/O one */

static pthread_mutex_t gil = PTHREAD_MUTEX_INITIALIZER;
static unsigned long objects[MAX_THREADS];	/* the "Python objects": the GIL guards them */
static long done_requests, done_slices;		/* likewise */
static int release_for_io;

struct job {
	int id;
	long count;
	int io;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void bytecode(int id, int steps)	/* with the GIL held */
{
	unsigned long x = objects[id];
	for (int i = 0; i < steps; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	objects[id] = x;
}

static void blocking_call(void)
{
	struct timespec wait = { 0, WAIT_MS * 1000000L };
	if (release_for_io)
		pthread_mutex_unlock(&gil);	/* other threads run bytecode meanwhile */
	nanosleep(&wait, NULL);
	if (release_for_io)
		pthread_mutex_lock(&gil);
}

static void *interpreter_thread(void *arg)
{
	struct job *job = arg;
	for (long k = 0; k < job->count; k++) {
		pthread_mutex_lock(&gil);
		if (job->io) {
			bytecode(job->id, REQUEST_STEPS);
			blocking_call();
			done_requests++;
		} else {
			bytecode(job->id, SLICE_STEPS);
			done_slices++;
		}
		pthread_mutex_unlock(&gil);	/* a turn for another thread */
	}
	return NULL;
}

/* total units of work on n threads; the wall time in ms. */
static double run(int n, long total, int io)
{
	pthread_t th[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	for (int i = 0; i < n; i++)
		objects[i] = (unsigned long)i + 1;
	double t0 = now_ms();
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct job){ i, total / n, io };
		if (pthread_create(&th[i], NULL, interpreter_thread, &jobs[i])) {
			fprintf(stderr, "pthread_create failed\n");
			exit(2);
		}
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return now_ms() - t0;
}

static void half(const char *what, int threads, long total, int io)
{
	double one = run(1, total, io), many = run(threads, total, io);
	printf("%s\n", what);
	printf("  1 thread:   %7.1f ms\n", one);
	printf("  %d threads: %7.1f ms\n", threads, many);
	printf("  speed-up:   %5.2fx\n", one / many);
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "released") && strcmp(argv[1], "held"))) {
		fprintf(stderr, "usage: %s released|held [threads] [requests]\n", argv[0]);
		return 2;
	}
	release_for_io = !strcmp(argv[1], "released");
	int threads = argc > 2 ? atoi(argv[2]) : 4;
	long per_thread = argc > 3 ? atol(argv[3]) : 25;
	if (threads < 2 || threads > MAX_THREADS || per_thread < 1 || per_thread > 100000) {
		fprintf(stderr, "usage: %s released|held [threads 2..%d] [requests 1..100000]\n",
			argv[0], MAX_THREADS);
		return 2;
	}
	long total = threads * per_thread;
	printf("the GIL %s around the blocking call\n",
	       release_for_io ? "is released" : "stays held");
	char what[160];
	snprintf(what, sizeof what, "I/O-bound: %ld requests, each %d steps of bytecode and a %d ms wait",
		 total, REQUEST_STEPS, WAIT_MS);
	half(what, threads, total, 1);
	long slices = SLICES_PER_REQUEST * total;
	snprintf(what, sizeof what, "CPU-bound: %ld slices of %d steps", slices, SLICE_STEPS);
	half(what, threads, slices, 0);
	/* Both runs of each half did all their work. */
	if (done_requests != 2 * total || done_slices != 2 * slices) {
		printf("lost work: %ld of %ld requests and %ld of %ld slices done\n", done_requests,
		       2 * total, done_slices, 2 * slices);
		return 1;
	}
	return 0;
}
