/*
 * Memory reclamation, fixed with hazard pointers (Michael, 2004): before it
 * reads a node, a thread publishes its address in a hazard pointer and
 * checks that the node is still on top; a thread that pops a node retires
 * it instead of freeing it, and frees a retired node only when no hazard
 * pointer names it.  Thread 2 retires A while thread 1's hazard names it,
 * so A survives thread 1's read and is freed later.  (Epoch-based
 * reclamation and RCU wait instead until every thread has passed a quiet
 * point.)
 *
 * usage: fixed_hazard     (no arguments)
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

/* Hazard pointers: each thread publishes the node it is about to read,
 * and nobody frees a node that a hazard pointer names.  Slot 0 is main's
 * and thread 1's (never at once), slot 1 thread 2's. */
#define THREADS 2
static _Atomic(struct node *) hazard[THREADS];

/* Nodes popped but maybe still read by someone: freed by scan(). */
#define MAX_RETIRED 16
static struct node *retired[THREADS][MAX_RETIRED];
static int nretired[THREADS];

static struct node *pop(int me)
{
	struct node *old, *next;
	for (;;) {
		old = atomic_load(&top);
		if (!old)
			break;
		atomic_store(&hazard[me], old);		/* seq_cst: before the check below */
		if (atomic_load(&top) != old)		/* popped meanwhile: it may be freed */
			continue;
		/* Still on top after the hazard was visible: nobody frees it now. */
		if (atomic_exchange(&pause_next_pop, 0))
			preempted_here();
		next = atomic_load_explicit(&old->next, memory_order_relaxed);
		if (atomic_compare_exchange_strong(&top, &old, next))
			break;
	}
	atomic_store(&hazard[me], NULL);
	return old;
}

/* Free what no hazard pointer names; keep the rest for a later scan. */
static void scan(int me)
{
	int kept = 0;
	for (int i = 0; i < nretired[me]; i++) {
		struct node *n = retired[me][i];
		int hazardous = 0;
		for (int t = 0; t < THREADS; t++)
			hazardous |= atomic_load(&hazard[t]) == n;
		if (hazardous)
			retired[me][kept++] = n;
		else
			free(n);
	}
	nretired[me] = kept;
}

/* Instead of free: the node goes when nobody can be reading it. */
static void retire(int me, struct node *n)
{
	retired[me][nretired[me]++] = n;
	scan(me);
}

static int got1, got2;

static void *thread1(void *arg)
{
	(void)arg;
	atomic_store(&pause_next_pop, 1);
	struct node *n = pop(0);
	got1 = n->value;
	retire(0, n);
	return NULL;
}

static void *thread2(void *arg)
{
	(void)arg;
	sem_wait(&loaded);		/* thread 1 has loaded top = A */
	struct node *n = pop(1);	/* A */
	got2 = n->value;
	retire(1, n);			/* thread 1's hazard names A: kept for now */
	printf("thread 2 retired its node; %d of its retired nodes wait for a hazard to clear\n",
	       nretired[1]);
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
	for (struct node *n; (n = pop(0)); free(n))
		left++, sum += n->value;
	for (int t = 0; t < THREADS; t++)	/* the threads are gone: no hazards left */
		scan(t);
	printf("thread 1 popped %d, thread 2 popped %d, %d left (sum %d)\n", got1, got2, left, sum);
	sem_destroy(&loaded);
	sem_destroy(&go_on);
	return got1 + got2 + sum == 10 && left == 2 ? 0 : 1;
}
