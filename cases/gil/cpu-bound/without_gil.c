/*
 * The same CPU-bound slices as with_gil.c, without a global lock: each thread
 * owns its state (its objects, its own count of slices), and nothing is
 * shared until the threads are joined.  With nothing to wait for, T threads
 * run on up to T CPUs at once: the work finishes up to min(T, CPUs)x sooner.
 *
 * usage: without_gil [threads] [slices]     (default 4 2000: slices in all)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SLICE_STEPS 20000	/* the "bytecodes" run per turn with the GIL */
#define MAX_THREADS 64

/* Per-thread state: only its own thread touches it until the join.  Aligned
 * to a cache line each, so that the threads do not slow each other down by
 * writing to the same line (see cases/false-sharing/counters). */
struct thread_state {
	_Alignas(64) unsigned long objects;
	long slices_run;
};
static struct thread_state state[MAX_THREADS];

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

static void *worker_thread(void *arg)
{
	struct job *job = arg;
	struct thread_state *my = &state[job->id];
	for (long s = 0; s < job->slices; s++) {
		unsigned long x = my->objects;	/* no lock: nobody else touches it */
		for (int i = 0; i < SLICE_STEPS; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		my->objects = x;
		my->slices_run++;
	}
	return NULL;
}

/* Runs all the slices on n threads; returns the wall time in ms. */
static double run(int n, long total, double *busy)
{
	pthread_t th[MAX_THREADS];
	struct job jobs[MAX_THREADS];
	for (int i = 0; i < n; i++)
		state[i] = (struct thread_state){ .objects = (unsigned long)i + 1 };
	double cpu0 = cpu_ms(), t0 = now_ms();
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct job){ i, total / n };
		if (pthread_create(&th[i], NULL, worker_thread, &jobs[i]) != 0) {
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
	long done = 0;
	for (int i = 0; i < n; i++)	/* after the join: the threads are done with it */
		done += state[i].slices_run;

	printf("no GIL: %ld slices of %d steps, CPUs: %ld\n", per_thread * n, SLICE_STEPS,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("1 thread:   %7.1f ms   CPUs busy on average: %.2f\n", t1, busy1);
	printf("%d threads:  %7.1f ms   CPUs busy on average: %.2f\n", n, tn, busyn);
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("speed-up:   %.2fx (at most %ld: min(threads, CPUs))\n", t1 / tn,
	       n < ncpus ? (long)n : ncpus);
	if (ncpus == 1)
		printf("this machine has 1 CPU: the speed-up cannot show here\n");
	else if (t1 / tn < 1.2)
		printf("warning: little speed-up this run; are the CPUs busy with other work?\n");

	/* Every slice was counted once, by the thread that ran it. */
	if (done != per_thread * n) {
		printf("slices run: %ld, expected %ld\n", done, per_thread * n);
		return 1;
	}
	return 0;
}
