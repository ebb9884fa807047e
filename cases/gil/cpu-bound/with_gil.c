/*
 * A global interpreter lock (GIL), as in CPython: a thread must hold one
 * process-wide mutex to run any "bytecode".  The work here is CPU-bound and
 * split over T threads; each thread runs it in slices, taking the GIL for
 * each slice and dropping it after, as an interpreter does every few
 * milliseconds.  Correct, and clean for a checker, but only one thread can
 * run at any moment: T threads take as long as one, or longer.
 *
 * usage: with_gil [threads] [slices]     (default 4 2000: slices in all)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SLICE_STEPS 20000	/* the "bytecodes" run per turn with the GIL */
#define MAX_THREADS 64

/* The interpreter's state, shared by every thread: the GIL guards it all. */
static pthread_mutex_t gil = PTHREAD_MUTEX_INITIALIZER;
static struct {
	long slices_run;		/* like the interpreter's own bookkeeping */
	unsigned long objects[MAX_THREADS];	/* each thread's "Python objects" */
} interp;

struct job {
	int id;
	long slices;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void *interpreter_thread(void *arg)
{
	struct job *job = arg;
	for (long s = 0; s < job->slices; s++) {
		pthread_mutex_lock(&gil);	/* no bytecode runs without the GIL */
		unsigned long x = interp.objects[job->id];
		for (int i = 0; i < SLICE_STEPS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		interp.objects[job->id] = x;
		interp.slices_run++;
		pthread_mutex_unlock(&gil);	/* let another thread have a turn */
	}
	return NULL;
}

/* Runs all the slices on n threads; returns the wall time in ms. */
static double run(int n, long total, double *busy)
{
	pthread_t th[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	interp.slices_run = 0;
	for (int i = 0; i < n; i++)
		interp.objects[i] = (unsigned long)i + 1;
	double cpu0 = cpu_ms(), t0 = now_ms();
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct job){ i, total / n };
		if (pthread_create(&th[i], NULL, interpreter_thread, &jobs[i]) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(2);
		}
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	double wall = now_ms() - t0;
	*busy = (cpu_ms() - cpu0) / wall;
	return wall;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	long total = argc > 2 ? atol(argv[2]) : 2000;
	if (n < 1 || n > MAX_THREADS || total < n) {
		fprintf(stderr, "usage: %s [threads 1..%d] [slices]\n", argv[0], MAX_THREADS);
		return 2;
	}
	long per_thread = total / n;

	double busy1, busyn;
	double t1 = run(1, total, &busy1);
	double tn = run(n, per_thread * n, &busyn);
	long done = interp.slices_run;

	printf("with a GIL: %ld slices of %d steps, CPUs: %ld\n", per_thread * n, SLICE_STEPS,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("1 thread:   %7.1f ms   CPUs busy on average: %.2f\n", t1, busy1);
	printf("%d threads:  %7.1f ms   CPUs busy on average: %.2f\n", n, tn, busyn);
	printf("speed-up:   %.2fx (only one thread holds the GIL at a time)\n", t1 / tn);
	if (t1 / tn > 1.5)
		printf("warning: the GIL allows no such speed-up: other work must have "
		       "slowed the 1-thread run\n");

	/* The GIL kept the shared bookkeeping exact. */
	if (done != per_thread * n) {
		printf("slices run: %ld, expected %ld\n", done, per_thread * n);
		return 1;
	}
	return 0;
}
