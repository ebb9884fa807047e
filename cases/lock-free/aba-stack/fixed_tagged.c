/*
 * ABA in a lock-free stack, fixed with a tagged top: the top word holds the
 * top node's index and a tag that every successful push and pop
 * increments, and the CAS compares both.  After thread 2's pop, pop, push,
 * node A is on top again but the tag has moved on by three, so thread 1's
 * CAS fails, it reloads top and pops the real A.  (With pointers the same is
 * a pointer and a counter side by side, swapped with a double-width CAS,
 * cmpxchg16b on x86-64.)  The tag could wrap after 2^32 operations during
 * one pop: in practice never.
 *
 * usage: fixed_tagged     (no arguments)
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NODES 4

struct node {
	atomic_int next;		/* index of the node below, -1 at the bottom */
	char name;
};

static struct node pool[NODES];

/* top: the index of the top node (-1: empty) in the low 32 bits, and in the
 * high 32 a tag that every successful push and pop increments.  A CAS on
 * the whole word fails if anything happened since the load, even if the
 * same node is on top again. */
static _Atomic uint64_t top = UINT32_MAX;	/* empty, tag 0 */

static int index_of(uint64_t t) { return (int)(int32_t)(uint32_t)t; }
static uint64_t make_top(uint64_t old, int index)
{
	return ((old >> 32) + 1) << 32 | (uint32_t)index;
}
static struct node *node_at(int i) { return i < 0 ? NULL : &pool[i]; }

static void push(struct node *n)
{
	uint64_t old = atomic_load(&top);
	do
		atomic_store_explicit(&n->next, index_of(old), memory_order_relaxed);
	while (!atomic_compare_exchange_weak(&top, &old, make_top(old, (int)(n - pool))));
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
	uint64_t old = atomic_load(&top);
	int next;
	do {
		if (index_of(old) < 0)
			return NULL;
		next = atomic_load_explicit(&pool[index_of(old)].next, memory_order_relaxed);
		if (atomic_exchange(&pause_next_pop, 0))
			preempted_here();
	} while (!atomic_compare_exchange_weak(&top, &old, make_top(old, next)));	/* fails: the tag moved on */
	return &pool[index_of(old)];
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
	for (struct node *n = node_at(index_of(atomic_load(&top))); n && steps++ < NODES;
	     n = node_at(atomic_load(&n->next))) {
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
