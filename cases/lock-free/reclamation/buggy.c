/*
 * Memory reclamation in a lock-free stack: when may a popped node be freed?
 * pop() loads top (A), then reads A->next.  Between the two, another thread
 * can pop A and free it: the first thread then reads freed memory.  Its CAS
 * will fail (top is no longer A) and it will retry, but the read has
 * happened, and with a reused block it may even succeed (ABA).  A tag on top
 * does not help: the problem is the read, not the CAS.  A pause hook makes
 * the interleaving certain: thread 1's first pop stops after loading top,
 * until thread 2 has popped and freed that node.
 *
 * usage: buggy     (no arguments)
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct node {
	_Atomic(struct node *) next;
	int value;
};

static _Atomic(struct node *) top;

static void push(int value)
{
	struct node *n = malloc(sizeof *n);
	if (!n)
		abort();
	n->value = value;
	struct node *old = atomic_load(&top);
	do
		atomic_store_explicit(&n->next, old, memory_order_relaxed);
	while (!atomic_compare_exchange_weak(&top, &old, n));
}

static sem_t loaded, go_on;
static atomic_int pause_next_pop;

/* The pause: tell thread 2 that top is loaded and wait until it has done
 * its work, as if preempted for that long.  At most 200 ms, so that a fix
 * under which thread 2 cannot go on meanwhile (a lock) only waits. */
static void preempted_here(void)
{
	struct timespec until;
	sem_post(&loaded);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 200 * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (sem_timedwait(&go_on, &until) && errno == EINTR)
		;
}

/* Returns the popped node; the caller frees it when done with it. */
static struct node *pop(void)
{
	struct node *old = atomic_load(&top), *next;
	do {
		if (!old)
			return NULL;
		if (atomic_exchange(&pause_next_pop, 0))
			preempted_here();
		next = atomic_load_explicit(&old->next, memory_order_relaxed);	/* old may be freed */
	} while (!atomic_compare_exchange_weak(&top, &old, next));
	return old;
}

static int got1, got2;

static void *thread1(void *arg)
{
	(void)arg;
	atomic_store(&pause_next_pop, 1);
	struct node *n = pop();
	got1 = n->value;
	free(n);
	return NULL;
}

static void *thread2(void *arg)
{
	(void)arg;
	sem_wait(&loaded);		/* thread 1 has loaded top = A */
	struct node *n = pop();		/* A */
	got2 = n->value;
	free(n);			/* the bug: thread 1 still holds a pointer to A */
	sem_post(&go_on);
	return NULL;
}

int main(void)
{
	for (int v = 4; v >= 1; v--)	/* the stack: 1 2 3 4, 1 on top */
		push(v);
	sem_init(&loaded, 0, 0);
	sem_init(&go_on, 0, 0);
	pthread_t t1, t2;
	pthread_create(&t1, NULL, thread1, NULL);
	pthread_create(&t2, NULL, thread2, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);

	int left = 0, sum = 0;
	for (struct node *n; (n = pop()); free(n))
		left++, sum += n->value;
	printf("thread 1 popped %d, thread 2 popped %d, %d left (sum %d)\n", got1, got2, left, sum);
	sem_destroy(&loaded);
	sem_destroy(&go_on);
	return got1 + got2 + sum == 10 && left == 2 ? 0 : 1;
}
