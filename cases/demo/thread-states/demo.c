/*
 * The three states of a thread, as the Linux kernel shows them.
 *
 *   executing: on a CPU right now                        (state R)
 *   runnable:  ready to run, waiting for a CPU           (also state R)
 *   waiting:   blocked until something happens           (state S)
 *
 * The program starts:
 *   - one spinner alone on its CPU (it runs all the time),
 *   - a crowd of spinners, more than their CPU can run at once, so most of
 *     the time each of them is runnable but waiting for the CPU,
 *   - one thread blocked in pthread_cond_wait, and one blocked in read() on an
 *     empty pipe.
 * After a short while it reads every thread's state from
 * /proc/self/task/<tid>/stat, its context switches from .../status and its
 * time on the CPU and in the run queue from .../schedstat, and prints a table.
 *
 * usage: demo [crowd] [window-ms]     (default 3 60)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_CROWD 16

struct thread_info {
	const char *role;
	pthread_t th;
	_Atomic pid_t tid;	/* the kernel's id, set by the thread itself */
};

static atomic_bool stop;	/* tells the spinners to finish */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int released;		/* guarded by lock: the condition the waiter waits for */
static int pipefd[2];

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void *spinner(void *arg)
{
	struct thread_info *me = arg;
	atomic_store(&me->tid, gettid_());
	unsigned long x = 1;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		x = x * 6364136223846793005ul + 1;	/* busy: never blocks */
	return (void *)(x & 1);
}

static void *cond_waiter(void *arg)
{
	struct thread_info *me = arg;
	atomic_store(&me->tid, gettid_());
	pthread_mutex_lock(&lock);
	while (!released)
		pthread_cond_wait(&cond, &lock);	/* sleeps in the kernel (futex) */
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void *pipe_reader(void *arg)
{
	struct thread_info *me = arg;
	atomic_store(&me->tid, gettid_());
	char c;
	if (read(pipefd[0], &c, 1) != 1)	/* sleeps until a byte arrives */
		perror("read");
	return NULL;
}

/* The contents of /proc/self/task/<tid>/<file>, or "" if it cannot be read. */
static void read_proc(pid_t tid, const char *file, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/%s", (int)tid, file);
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static long status_field(const char *status, const char *name)
{
	const char *p = strstr(status, name);
	return p ? atol(p + strlen(name) + 1) : -1;
}

static void print_row(const char *role, pid_t tid)
{
	char stat[1024], status[4096], sched[128];
	read_proc(tid, "stat", stat, sizeof stat);
	read_proc(tid, "status", status, sizeof status);
	read_proc(tid, "schedstat", sched, sizeof sched);

	/* stat: "tid (name) S ...": the state follows the last ')';
	 * field 39, the CPU it last ran on, is 36 fields after it. */
	char state = '?';
	int cpu = -1;
	const char *p = strrchr(stat, ')');
	if (p) {
		state = p[2];
		p += 2;
		for (int field = 3; field < 39 && p; field++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (p)
			cpu = atoi(p);
	}
	/* schedstat: ns on the CPU, ns runnable but waiting in the run queue */
	unsigned long long run_ns = 0, wait_ns = 0;
	int have_sched = sscanf(sched, "%llu %llu", &run_ns, &wait_ns) == 2;

	printf("%-22s %7d   %c   %3d", role, (int)tid, state, cpu);
	if (have_sched)
		printf(" %9.1f %9.1f", run_ns / 1e6, wait_ns / 1e6);
	else
		printf(" %9s %9s", "-", "-");
	printf(" %9ld %9ld\n", status_field(status, "voluntary_ctxt_switches:"),
	       status_field(status, "nonvoluntary_ctxt_switches:"));
}

static void start(struct thread_info *t, const char *role, void *(*fn)(void *),
		  const cpu_set_t *cpus)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	if (cpus)
		pthread_attr_setaffinity_np(&attr, sizeof *cpus, cpus);
	t->role = role;
	atomic_store(&t->tid, 0);
	if (pthread_create(&t->th, &attr, fn, t) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		exit(2);
	}
	pthread_attr_destroy(&attr);
}

int main(int argc, char **argv)
{
	int ncrowd = argc > 1 ? atoi(argv[1]) : 3;
	int window_ms = argc > 2 ? atoi(argv[2]) : 60;
	if (ncrowd < 2 || ncrowd > MAX_CROWD || window_ms < 1) {
		fprintf(stderr, "usage: %s [crowd 2..%d] [window-ms]\n", argv[0], MAX_CROWD);
		return 2;
	}
	if (pipe(pipefd) != 0) {
		perror("pipe");
		return 2;
	}

	/* The crowd (and main) share the first CPU we may use; the solo spinner
	 * gets the last one to itself.  With one CPU, everybody shares it. */
	cpu_set_t all, first_cpu, last_cpu;
	sched_getaffinity(0, sizeof all, &all);
	int ncpus = CPU_COUNT(&all), first = -1, last = -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all)) {
			if (first < 0)
				first = c;
			last = c;
		}
	CPU_ZERO(&first_cpu);
	CPU_SET(first, &first_cpu);
	CPU_ZERO(&last_cpu);
	CPU_SET(last, &last_cpu);
	sched_setaffinity(0, sizeof first_cpu, &first_cpu);

	/* The sleepers first, so that they block before the CPUs get busy. */
	struct thread_info solo, crowd[MAX_CROWD], waiter, reader;
	start(&waiter, "in pthread_cond_wait", cond_waiter, &all);
	start(&reader, "in read() of a pipe", pipe_reader, &all);
	start(&solo, "spinner, CPU to itself", spinner, &last_cpu);
	for (int i = 0; i < ncrowd; i++)
		start(&crowd[i], "spinner in a crowd", spinner, &first_cpu);

	printf("CPUs: %d; the solo spinner runs on CPU %d, %d crowd spinners and main share CPU %d\n",
	       ncpus, last, ncrowd, first);
	if (ncpus == 1)
		printf("(one CPU: the solo spinner is in the crowd too, and waits like the others)\n");

	struct timespec window = { window_ms / 1000, (window_ms % 1000) * 1000000L };
	nanosleep(&window, NULL);	/* let them run, queue and block for a while */

	/* Every thread stored its tid right away; wait in case one has not yet. */
	struct thread_info *all_threads[MAX_CROWD + 3];
	int nall = 0;
	all_threads[nall++] = &solo;
	for (int i = 0; i < ncrowd; i++)
		all_threads[nall++] = &crowd[i];
	all_threads[nall++] = &waiter;
	all_threads[nall++] = &reader;
	for (int i = 0; i < nall; i++)
		while (atomic_load(&all_threads[i]->tid) == 0)
			sched_yield();

	printf("\n%-22s %7s %5s %5s %9s %9s %9s %9s\n", "thread", "tid", "state", "CPU",
	       "run ms", "queue ms", "volunt.", "involunt.");
	print_row("main (reading /proc)", gettid_());
	for (int i = 0; i < nall; i++)
		print_row(all_threads[i]->role, atomic_load(&all_threads[i]->tid));
	printf("\nR = running or runnable (the kernel does not tell them apart: the queue\n"
	       "time does), S = sleeping until an event; run/queue ms from schedstat,\n"
	       "context switches from status (involuntary = preempted while runnable)\n");

	/* Let everybody finish: stop the spinners, wake the two sleepers. */
	atomic_store(&stop, 1);
	pthread_mutex_lock(&lock);
	released = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	if (write(pipefd[1], "x", 1) != 1)
		perror("write");
	for (int i = 0; i < nall; i++)
		pthread_join(all_threads[i]->th, NULL);
	return 0;
}
