/*
 * Every thread has a stack of its own.  main and two threads each put a
 * local variable on their stack and print its address, the stack the
 * thread was given (pthread_getattr_np) and the mapping of the address
 * space it lies in (/proc/self/maps).  main's stack is the process's
 * initial stack, "[stack]"; each other thread's was mapped for it by
 * pthread_create, somewhere else in the same address space.  The same
 * variable name, `local`, is three different objects.
 *
 * Separate is not private: one address space holds all three stacks, so a
 * pointer to a local reaches it from any thread (stack/escaped-local is
 * what goes wrong when the owner returns).  Here each thread reads the
 * others' locals through pointers, after a barrier that orders the writes.
 *
 * usage: demo [threads]     (default 2)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 8

struct stack_info {
	const char *who;
	uintptr_t local;		/* the address of its local variable */
	uintptr_t lo, hi;		/* the stack it was given */
	int *seen;			/* its local, for the others to read */
	char mapping[128];		/* the line of /proc/self/maps holding local */
};

static struct stack_info info[MAX_THREADS + 1];
static int nthreads;
static pthread_barrier_t written, read_done;
static int wrong_reads;

/* The /proc/self/maps range and name holding addr. */
static void find_mapping(uintptr_t addr, char *out, size_t len)
{
	snprintf(out, len, "(not found)");
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2 || addr < lo || addr >= hi)
			continue;
		line[strcspn(line, "\n")] = 0;
		const char *name = strrchr(line, ' ');
		name = name && name[1] ? name + 1 : "(anonymous)";
		snprintf(out, len, "%lx-%lx %s (%lu KiB)", lo, hi, name, (hi - lo) / 1024);
		break;
	}
	fclose(f);
}

static void describe(struct stack_info *s, int *local)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;
	s->local = (uintptr_t)local;
	s->seen = local;
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		pthread_attr_getstack(&attr, &addr, &size);
		s->lo = (uintptr_t)addr;
		s->hi = (uintptr_t)addr + size;
		pthread_attr_destroy(&attr);
	}
	find_mapping(s->local, s->mapping, sizeof s->mapping);
}

/* Every thread, main included: a local, its stack, then the others' locals. */
static void take_part(int id)
{
	int local = 1000 + id;		/* same name everywhere, a different object each */
	describe(&info[id], &local);
	pthread_barrier_wait(&written);
	for (int j = 0; j <= nthreads; j++)
		if (*info[j].seen != 1000 + j)	/* another thread's stack, read in place */
			__atomic_add_fetch(&wrong_reads, 1, __ATOMIC_RELAXED);
	pthread_barrier_wait(&read_done);	/* keep local alive until all have read it */
}

static void *thread_main(void *arg)
{
	take_part((int)(intptr_t)arg);
	return NULL;
}

static double gib(uintptr_t a, uintptr_t b)
{
	return (double)(a > b ? a - b : b - a) / (1024.0 * 1024.0 * 1024.0);
}

int main(int argc, char **argv)
{
	nthreads = argc > 1 ? atoi(argv[1]) : 2;
	if (nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "usage: %s [threads 1..%d]\n", argv[0], MAX_THREADS);
		return 2;
	}
	static char names[MAX_THREADS + 1][16];
	pthread_t th[MAX_THREADS];
	pthread_barrier_init(&written, NULL, (unsigned)nthreads + 1);
	pthread_barrier_init(&read_done, NULL, (unsigned)nthreads + 1);
	info[0].who = "main";
	for (int i = 1; i <= nthreads; i++) {
		snprintf(names[i], sizeof names[i], "thread %d", i);
		info[i].who = names[i];
		pthread_create(&th[i - 1], NULL, thread_main, (void *)(intptr_t)i);
	}
	take_part(0);
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);

	int bad = wrong_reads;
	printf("%-9s %-14s %-10s %-11s %s\n", "thread", "&local", "stack KiB", "from main",
	       "mapping of &local");
	for (int i = 0; i <= nthreads; i++) {
		struct stack_info *s = &info[i];
		char from[32] = "-";
		if (i)
			snprintf(from, sizeof from, "%.1f GiB", gib(s->local, info[0].local));
		printf("%-9s %#-14lx %-10lu %-11s %s\n", s->who, (unsigned long)s->local,
		       (unsigned long)((s->hi - s->lo) / 1024), from, s->mapping);
		if (s->local < s->lo || s->local >= s->hi) {
			printf("  %s's local is outside the stack it was given\n", s->who);
			bad++;
		}
		for (int j = 0; j < i; j++)
			if (s->lo < info[j].hi && info[j].lo < s->hi) {
				printf("  %s's stack overlaps %s's\n", s->who, info[j].who);
				bad++;
			}
	}
	printf("stacks: %d, one per thread, none overlapping%s\n", nthreads + 1,
	       bad ? ": NOT SO" : "");
	printf("every thread read every other thread's local in place: %s\n",
	       wrong_reads ? "some reads were wrong" : "all values right");
	return bad ? 1 : 0;
}
