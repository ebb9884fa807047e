/*
 * What does a context switch cost, between two threads and between two
 * processes?  Two parties play ping-pong: A wakes B and sleeps until B wakes
 * it back.  With both pinned to one CPU, every hand-over is a real context
 * switch (one runs, the other waits for it to block), so a round trip is two
 * switches.  Done four ways:
 *
 *   threads   over a pair of pipes        (a syscall and a wake-up each way)
 *   threads   over two semaphores         (futex: no data copied)
 *   processes over a pair of pipes
 *   processes over two process-shared semaphores in MAP_SHARED memory
 *
 * usage: demo [round-trips]     (default 2000)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int rounds;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The kernel's count of context switches, voluntary (the task blocked) and
 * involuntary (it was preempted, e.g. by the task it just woke), of this
 * process's threads and of the children that were waited for. */
static long switches_so_far(void)
{
	struct rusage self, children;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	return self.ru_nvcsw + self.ru_nivcsw + children.ru_nvcsw + children.ru_nivcsw;
}

struct result {
	double ns;		/* per round trip */
	double switches;	/* context switches per round trip */
};

/* ---- the two ways to wake the other side ---- */

struct pipes {
	int ping[2];		/* A writes, B reads */
	int pong[2];		/* B writes, A reads */
};

static void pipe_pass(int wfd, int rfd)
{
	char c = 'x';
	if (write(wfd, &c, 1) != 1 || read(rfd, &c, 1) != 1) {
		perror("pipe ping-pong");
		exit(2);
	}
}

static void pipes_a(void *arg)
{
	struct pipes *p = arg;
	for (int i = 0; i < rounds; i++)
		pipe_pass(p->ping[1], p->pong[0]);
}

static void pipes_b(void *arg)
{
	struct pipes *p = arg;
	char c;
	for (int i = 0; i < rounds; i++) {
		if (read(p->ping[0], &c, 1) != 1 || write(p->pong[1], &c, 1) != 1) {
			perror("pipe ping-pong");
			exit(2);
		}
	}
}

struct sems {
	sem_t ping;		/* A posts, B waits */
	sem_t pong;		/* B posts, A waits */
};

static void sems_a(void *arg)
{
	struct sems *s = arg;
	for (int i = 0; i < rounds; i++) {
		sem_post(&s->ping);
		sem_wait(&s->pong);
	}
}

static void sems_b(void *arg)
{
	struct sems *s = arg;
	for (int i = 0; i < rounds; i++) {
		sem_wait(&s->ping);
		sem_post(&s->pong);
	}
}

/* ---- the two kinds of partner ---- */

struct game {
	void (*a)(void *);	/* A's side of the ping-pong */
	void (*b)(void *);	/* B's side */
	void *shared;		/* the pipes or the semaphores */
};

static void *b_thread(void *arg)
{
	struct game *g = arg;
	g->b(g->shared);
	return NULL;
}

static struct result with_thread(struct game g)
{
	pthread_t th;
	long s0 = switches_so_far();
	double t0 = now_ns();
	if (pthread_create(&th, NULL, b_thread, &g) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		exit(2);
	}
	g.a(g.shared);
	pthread_join(th, NULL);
	double t = now_ns() - t0;
	return (struct result){ t / rounds, (double)(switches_so_far() - s0) / rounds };
}

static struct result with_process(struct game g)
{
	fflush(stdout);
	long s0 = switches_so_far();
	double t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		g.b(g.shared);
		_exit(0);
	}
	g.a(g.shared);
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the child failed\n");
		exit(2);
	}
	double t = now_ns() - t0;
	return (struct result){ t / rounds, (double)(switches_so_far() - s0) / rounds };
}

static void new_pipes(struct pipes *p)
{
	if (pipe(p->ping) != 0 || pipe(p->pong) != 0) {
		perror("pipe");
		exit(2);
	}
}

static void close_pipes(struct pipes *p)
{
	close(p->ping[0]);
	close(p->ping[1]);
	close(p->pong[0]);
	close(p->pong[1]);
}

/* Stay on the CPU we are on; threads and children inherit the mask. */
static int pin_to_one_cpu(int *cpu)
{
	*cpu = sched_getcpu();
	if (*cpu < 0)
		*cpu = 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(*cpu, &set);
	return sched_setaffinity(0, sizeof set, &set);
}

static void print_row(const char *between, const char *by, struct result r)
{
	printf("%-10s %-11s %14.0f %10.0f %18.1f\n", between, by, r.ns, r.ns / 2, r.switches);
}

int main(int argc, char **argv)
{
	rounds = argc > 1 ? atoi(argv[1]) : 2000;
	if (rounds < 1) {
		fprintf(stderr, "usage: %s [round-trips]\n", argv[0]);
		return 2;
	}

	int cpu;
	if (pin_to_one_cpu(&cpu) == 0)
		printf("both parties pinned to CPU %d: every hand-over is a context switch\n", cpu);
	else
		printf("could not pin to one CPU: with two CPUs free the parties may not "
		       "switch at all (each spins up on its own CPU)\n");
	printf("%d round trips each, 2 switches per round trip\n\n", rounds);

	struct pipes p;
	new_pipes(&p);
	struct result thr_pipe = with_thread((struct game){ pipes_a, pipes_b, &p });
	close_pipes(&p);

	struct sems s;
	sem_init(&s.ping, 0, 0);
	sem_init(&s.pong, 0, 0);
	struct result thr_sem = with_thread((struct game){ sems_a, sems_b, &s });
	sem_destroy(&s.ping);
	sem_destroy(&s.pong);

	new_pipes(&p);
	struct result proc_pipe = with_process((struct game){ pipes_a, pipes_b, &p });
	close_pipes(&p);

	/* Both processes must see the same semaphores: map them shared. */
	struct sems *ps = mmap(NULL, sizeof *ps, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ps == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	sem_init(&ps->ping, 1, 0);
	sem_init(&ps->pong, 1, 0);
	struct result proc_sem = with_process((struct game){ sems_a, sems_b, ps });
	sem_destroy(&ps->ping);
	sem_destroy(&ps->pong);
	munmap(ps, sizeof *ps);

	printf("%-10s %-11s %14s %10s %18s\n", "between", "woken by", "ns/round trip",
	       "ns/switch", "switches/round trip");
	print_row("threads", "pipes", thr_pipe);
	print_row("threads", "semaphores", thr_sem);
	print_row("processes", "pipes", proc_pipe);
	print_row("processes", "semaphores", proc_sem);
	printf("\nprocess switch / thread switch: %.2f (pipes), %.2f (semaphores)\n",
	       proc_pipe.ns / thr_pipe.ns, proc_sem.ns / thr_sem.ns);
	return 0;
}
