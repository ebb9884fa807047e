/*
 * ABA in a lock-free stack, fixed by giving up lock-freedom: push and pop
 * run under a mutex, so the read of top and next and the update of top are
 * one step that nobody can come between: thread 2 waits for the lock until
 * thread 1's pop is over (here until its pause ends).  Often the right
 * answer: a lock-free stack pays off only under heavy contention.
 *
 * usage: fixed_mutex     (no arguments)
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NODES 4

struct node {
	_Atomic(struct node *) next;	/* atomic: read by pop while a push may write it */
	char name;
};

static struct node pool[NODES];
static _Atomic(struct node *) top;	/* atomic only for the check at the end */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void push(struct node *n)
{
	pthread_mutex_lock(&lock);
	atomic_store_explicit(&n->next, atomic_load(&top), memory_order_relaxed);
	atomic_store(&top, n);
	pthread_mutex_unlock(&lock);
}

static sem_t read_done, go_on;		/* the pause: see pop */
static atomic_int pause_next_pop;

/* The pause: tell thread 2 that the read is done and wait until it has
 * done its work, as if preempted for that long.  At most 200 ms, so that a
 * fix under which thread 2 cannot go on meanwhile (a lock) only waits. */
static void preempted_here(void)
{
	struct timespec until;
	sem_post(&read_done);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 200 * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (sem_timedwait(&go_on, &until) && errno == EINTR)
		;
}

static struct node *pop(void)
{
	pthread_mutex_lock(&lock);
	struct node *old = atomic_load(&top);
	if (old) {
		struct node *next = atomic_load_explicit(&old->next, memory_order_relaxed);
		if (atomic_exchange(&pause_next_pop, 0))
			preempted_here();	/* thread 2 waits for the lock meanwhile */
		atomic_store(&top, next);
	}
	pthread_mutex_unlock(&lock);
	return old;
}

static struct node *taken1;

static void *thread1(void *arg)
{
	(void)arg;
	atomic_store(&pause_next_pop, 1);
	taken1 = pop();				/* expects A, and leaves B on top */
	return NULL;
}

static struct node *held;			/* what thread 2 keeps */

static void *thread2(void *arg)
{
	(void)arg;
	sem_wait(&read_done);			/* thread 1 has read top = A, next = B */
	struct node *a = pop();			/* A */
	held = pop();				/* B: thread 2 keeps it */
	push(a);				/* A again, with next = C: top is A */
	sem_post(&go_on);
	return NULL;
}

int main(void)
{
	for (int i = NODES - 1; i >= 0; i--) {	/* the stack: A B C D, A on top */
		pool[i].name = (char)('A' + i);
		push(&pool[i]);
	}
	sem_init(&read_done, 0, 0);
	sem_init(&go_on, 0, 0);
	pthread_t t1, t2;
	pthread_create(&t1, NULL, thread1, NULL);
	pthread_create(&t2, NULL, thread2, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);

	/* Every node must be in exactly one place: on the stack, or taken. */
	int where[NODES] = { 0 }, steps = 0, bad = 0;
	printf("thread 1 popped %c, thread 2 holds %c; the stack:", taken1->name, held->name);
	for (struct node *n = atomic_load(&top); n && steps++ < NODES; n = atomic_load(&n->next)) {
		printf(" %c", n->name);
		where[n - pool]++;
	}
	where[taken1 - pool]++;
	where[held - pool]++;
	for (int i = 0; i < NODES; i++)
		bad += where[i] != 1;
	printf("\n%s\n", bad ? "corrupt: a node is both on the stack and taken" : "consistent");
	sem_destroy(&read_done);
	sem_destroy(&go_on);
	return bad ? 1 : 0;
}
