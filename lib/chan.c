/* libpvchan: Go-like channels (include/pvchan.h).
 *
 * Linked, uninstrumented, with either checker's runtime. It uses no pthread
 * mutex or condition variable: both checkers would see happens-before in
 * them that Go does not promise, and hide races. Instead each channel has a
 * small futex lock of its own, invisible to the checkers, and the memory
 * model is told to them with __tsan_release/__tsan_acquire on keys (distinct
 * addresses) that carry exactly the promised edges:
 *
 *   buffered, capacity C: send number s writes slot s%C; it acquires
 *     freed[s%C] (released by receive s-C) and releases filled[s%C], which
 *     receive s acquires before releasing freed[s%C];
 *   unbuffered: a rendezvous has one side asleep in the channel's queue. The
 *     sleeper releases its own key_in before it sleeps, the side that finds
 *     it acquires key_in and releases key_out, which the sleeper acquires
 *     when it wakes: each side's past is in the other's future;
 *   close releases close_key; a receive that sees the channel closed
 *     acquires it.
 *
 * Waiting follows Go's sudog idea: a waiting thread has one parker (a futex
 * word) and one queue node per arm, so a select waits on all its channels
 * at once. A rendezvous on an unbuffered channel claims the sleeper (a CAS
 * on its parker's state, so only one arm of a select ever fires) and
 * completes its operation for it. On a buffered channel, and on close,
 * sleepers are only woken and retry: every buffered operation is done by
 * its own thread, under the lock, which keeps the slot edges exact. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "pvchan.h"
#include "chan_hooks.h"

/* Both runtimes export these (LLVM's tsan_interface.h, pvcheck's init.c). */
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);

typedef struct parker parker;
typedef struct node node;

/* One waiting thread, for the length of one blocking call. */
struct parker {
	uint32_t seq;           /* futex word: bumped by every wake; CLAIM_DONE once
				 * its claimer is done with it (its last write) */
	int state;              /* 0 waiting; 1 claimed: fired/result are set; 2 awake */
	int fired;
	int result;
	uint64_t key_in;        /* unbuffered: released by the sleeper */
	uint64_t key_out;       /* unbuffered: released by its partner */
};

/* One arm of a waiting thread, in one channel's queue. */
struct node {
	node *prev, *next;
	parker *p;
	void *elem;
	int arm;
	int queued;
};

typedef struct {
	node *head, *tail;
} queue;

struct pv_chan {
	uint32_t lock;          /* 0 free, 1 held, 2 held with sleepers */
	int closed;
	size_t elem_size;
	size_t cap;
	size_t head, count;     /* the ring of buffered elements */
	unsigned char *buf;
	uint64_t *keys;         /* filled[i] = keys[2i], freed[i] = keys[2i+1] */
	queue recvq, sendq;
	uint64_t close_key;
};

/* ---- small tools ---- */

static long futex(uint32_t *word, int op, uint32_t val)
{
	return syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#else
#define CPU_RELAX() __asm__ __volatile__("" ::: "memory")
#endif

static void lock(pv_chan *c)
{
	for (int spin = 0; spin < 64; spin++) {
		uint32_t z = 0;
		if (__atomic_compare_exchange_n(&c->lock, &z, 1, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		CPU_RELAX();
	}
	while (__atomic_exchange_n(&c->lock, 2, __ATOMIC_ACQUIRE) != 0)
		futex(&c->lock, FUTEX_WAIT, 2);
}

static void unlock(pv_chan *c)
{
	if (__atomic_exchange_n(&c->lock, 0, __ATOMIC_RELEASE) == 2)
		futex(&c->lock, FUTEX_WAKE, 1);
}

/* Not memcpy: both checkers intercept it and would see the channel's own
 * copies as the program's accesses, some made by the other thread. The
 * library is built so that this loop stays a loop. */
static void copy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (!d)
		return;
	if (!s) { /* a send of NULL sends the zero value */
		while (n--)
			*d++ = 0;
		return;
	}
	for (; n >= sizeof(uint64_t); n -= sizeof(uint64_t)) {
		uint64_t w;
		__builtin_memcpy(&w, s, sizeof w);
		__builtin_memcpy(d, &w, sizeof w);
		d += sizeof w;
		s += sizeof w;
	}
	while (n--)
		*d++ = *s++;
}

/* A cheap per-thread xorshift; select's choice need not be strong. */
static __thread uint64_t rng;

static size_t random_below(size_t n)
{
	if (!rng) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		rng = ((uint64_t)(uintptr_t)&rng * 0x9E3779B97F4A7C15ull) ^
		      ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec;
		rng |= 1;
	}
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (size_t)(((rng * 0x2545F4914F6CDD1Dull) >> 32) % n);
}

/* Where the program called us, for the runtime's reports. */
static __thread const void *caller;
#define ENTER() (caller = __builtin_return_address(0))

const void *pv_chan__caller_pc(void)
{
	return caller;
}

static void __attribute__((noreturn)) misuse(const char *what, const void *c)
{
	if (pv_chan_misuse)
		pv_chan_misuse(what, c);
	/* One write, so that two threads' messages do not interleave. */
	char line[128] = "pvchan: ";
	size_t n = 8, len = strlen(what);
	if (len > sizeof line - n - 1)
		len = sizeof line - n - 1;
	copy(line + n, what, len);
	n += len;
	line[n++] = '\n';
	ssize_t r = write(2, line, n);
	(void)r;
	abort();
}

/* ---- queues and parkers ---- */

static void enqueue(queue *q, node *n)
{
	n->next = NULL;
	n->prev = q->tail;
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	n->queued = 1;
}

static void dequeue(queue *q, node *n)
{
	if (!n->queued)
		return;
	if (n->prev)
		n->prev->next = n->next;
	else
		q->head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		q->tail = n->prev;
	n->prev = n->next = NULL;
	n->queued = 0;
}

#define CLAIM_DONE 0x80000000u

static void park(uint32_t *word, uint32_t seen)
{
	if (!pv_chan_park || !pv_chan_park(word, seen))
		futex(word, FUTEX_WAIT, seen);
}

/* The sleeper this thread claimed in its rendezvous: woken only once this
 * thread is done with every channel, which its partner may then free. */
static __thread parker *claimed_sleeper;

static void wake_claimed(void)
{
	parker *p = claimed_sleeper;
	if (!p)
		return;
	claimed_sleeper = NULL;
	__atomic_or_fetch(&p->seq, CLAIM_DONE, __ATOMIC_RELEASE); /* then p may be gone */
	futex(&p->seq, FUTEX_WAKE, 1);
	if (pv_chan_unpark)
		pv_chan_unpark(&p->seq);
}

/* Under the lock of a channel whose queue holds one of p's nodes, so p is
 * still there. */
static void wake(parker *p)
{
	__atomic_add_fetch(&p->seq, 1, __ATOMIC_RELEASE);
	futex(&p->seq, FUTEX_WAKE, 1);
	if (pv_chan_unpark)
		pv_chan_unpark(&p->seq);
}

/* Something changed: every sleeper of q retries. */
static void wake_all(queue *q)
{
	while (q->head) {
		node *n = q->head;
		dequeue(q, n);
		wake(n->p);
	}
}

static int claimable(const queue *q)
{
	for (const node *n = q->head; n; n = n->next)
		if (__atomic_load_n(&n->p->state, __ATOMIC_ACQUIRE) == 0)
			return 1;
	return 0;
}

static void dequeue_parker(queue *q, const parker *p)
{
	for (node *n = q->head, *next; n; n = next) {
		next = n->next;
		if (n->p == p)
			dequeue(q, n);
	}
}

/* The first sleeper of q, a queue of c, that nobody else has claimed, now
 * ours. Its every node in c goes too: once woken, the sleeper does not
 * touch c again, which the program may free as soon as the rendezvous is
 * done. */
static node *claim(pv_chan *c, queue *q)
{
	for (node *n = q->head; n; n = n->next) {
		int zero = 0;
		if (__atomic_compare_exchange_n(&n->p->state, &zero, 1, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			dequeue_parker(&c->sendq, n->p);
			dequeue_parker(&c->recvq, n->p);
			return n;
		}
	}
	return NULL;
}

/* ---- channels ---- */

pv_chan *pv_chan_make(size_t elem_size, size_t capacity)
{
	ENTER();
	if (capacity && elem_size > (SIZE_MAX / 4) / capacity)
		return NULL;
	if (capacity > (SIZE_MAX / 4) / (2 * sizeof(uint64_t)))
		return NULL;
	size_t keys = 2 * capacity * sizeof(uint64_t);
	pv_chan *c = calloc(1, sizeof *c + keys + elem_size * capacity);
	if (!c)
		return NULL;
	c->elem_size = elem_size;
	c->cap = capacity;
	c->keys = (uint64_t *)(c + 1);
	c->buf = (unsigned char *)c->keys + keys;
	return c;
}

void pv_chan_free(pv_chan *c)
{
	ENTER();
	free(c);
}

size_t pv_chan_len(pv_chan *c)
{
	ENTER();
	if (!c)
		return 0;
	lock(c);
	size_t n = c->count;
	unlock(c);
	return n;
}

size_t pv_chan_cap(pv_chan *c)
{
	ENTER();
	return c ? c->cap : 0;
}

void pv_chan_close(pv_chan *c)
{
	ENTER();
	if (!c)
		misuse("close of nil channel", c);
	lock(c);
	if (c->closed) {
		unlock(c);
		misuse("close of closed channel", c);
	}
	c->closed = 1;
	__tsan_release(&c->close_key);
	wake_all(&c->recvq);
	wake_all(&c->sendq);
	unlock(c);
}

/* ---- one arm, under its channel's lock ---- */

static int ready(const pv_chan_case *a)
{
	const pv_chan *c = a->chan;
	if (!c)
		return 0;
	if (a->dir == PV_CHAN_SEND)
		return c->closed || (c->cap ? c->count < c->cap : claimable(&c->recvq));
	return c->count || c->closed || (!c->cap && claimable(&c->sendq));
}

static void *filled(pv_chan *c, size_t slot)
{
	return &c->keys[2 * slot];
}

static void *freed(pv_chan *c, size_t slot)
{
	return &c->keys[2 * slot + 1];
}

/* Finish a sleeping partner's operation on an unbuffered channel: its
 * element moves from src to dst, and each side learns the other's past. */
static void rendezvous(pv_chan *c, node *n, void *dst, const void *src)
{
	__tsan_acquire(&n->p->key_in);
	copy(dst, src, c->elem_size);
	n->p->result = PV_CHAN_OK;
	__tsan_release(&n->p->key_out);
	n->p->fired = n->arm;
	claimed_sleeper = n->p;
}

/* Do arm a of a select (the whole select's channels are locked, and are
 * unlocked first if it is fatal). Returns 0 when it cannot go on after all:
 * the sleeper it counted on was claimed through another channel. */
static int perform(pv_chan_case *a, pv_chan *const *locked, size_t nlocked)
{
	pv_chan *c = a->chan;
	if (a->dir == PV_CHAN_SEND) {
		if (c->closed) {
			for (size_t i = nlocked; i-- > 0;)
				unlock(locked[i]);
			misuse("send on closed channel", c);
		}
		if (c->cap) {
			size_t slot = (c->head + c->count) % c->cap;
			__tsan_acquire(freed(c, slot));
			copy(c->buf + slot * c->elem_size, a->elem, c->elem_size);
			__tsan_release(filled(c, slot));
			c->count++;
			wake_all(&c->recvq);
		} else {
			node *n = claim(c, &c->recvq);
			if (!n)
				return 0;
			rendezvous(c, n, n->elem, a->elem);
		}
		a->result = PV_CHAN_OK;
		return 1;
	}
	if (c->count) {
		size_t slot = c->head;
		__tsan_acquire(filled(c, slot));
		copy(a->elem, c->buf + slot * c->elem_size, c->elem_size);
		__tsan_release(freed(c, slot));
		c->head = (c->head + 1) % c->cap;
		c->count--;
		wake_all(&c->sendq);
		a->result = PV_CHAN_OK;
	} else if (c->closed) {
		__tsan_acquire(&c->close_key);
		a->result = PV_CHAN_CLOSED;
	} else {
		node *n = claim(c, &c->sendq);
		if (!n)
			return 0;
		rendezvous(c, n, a->elem, n->elem);
		a->result = PV_CHAN_OK;
	}
	return 1;
}

/* ---- select, and everything else through it ---- */

#define SMALL 8

/* Every channel of a select but skip (NULL: all of them). */
static void lock_all(pv_chan *const *cs, size_t n, const pv_chan *skip)
{
	for (size_t i = 0; i < n; i++)
		if (cs[i] != skip)
			lock(cs[i]);
}

static void unlock_all(pv_chan *const *cs, size_t n, const pv_chan *skip)
{
	for (size_t i = n; i-- > 0;)
		if (cs[i] != skip)
			unlock(cs[i]);
}

/* One ready arm performed, chosen uniformly among the ready ones, or -1. */
static int try_arms(pv_chan_case *arms, size_t n, size_t *idx, pv_chan *const *cs, size_t ncs)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (ready(&arms[i]))
			idx[k++] = i;
	while (k) {
		size_t j = random_below(k);
		if (perform(&arms[idx[j]], cs, ncs))
			return (int)idx[j];
		idx[j] = idx[--k];
	}
	return -1;
}

static int do_select(pv_chan_case *arms, size_t n, int block, int hook_dir)
{
	pv_chan *cs_small[SMALL];
	node nodes_small[SMALL];
	size_t idx_small[SMALL];
	pv_chan **cs = cs_small;
	node *nodes = nodes_small;
	size_t *idx = idx_small;
	if (n > SMALL) {
		cs = malloc(n * sizeof *cs);
		nodes = malloc(n * sizeof *nodes);
		idx = malloc(n * sizeof *idx);
		if (!cs || !nodes || !idx)
			misuse("out of memory in select", NULL);
	}

	/* Locks are taken in address order, each channel once. */
	size_t ncs = 0;
	int unbuffered = 0;
	for (size_t i = 0; i < n; i++) {
		pv_chan *c = arms[i].chan;
		if (!c)
			continue;
		unbuffered |= c->cap == 0;
		size_t j = ncs;
		while (j > 0 && (uintptr_t)cs[j - 1] > (uintptr_t)c)
			j--;
		if (j > 0 && cs[j - 1] == c)
			continue;
		for (size_t k = ncs; k > j; k--)
			cs[k] = cs[k - 1];
		cs[j] = c;
		ncs++;
	}
	const void *hook_chan = NULL;
	for (size_t i = 0; i < n && !hook_chan; i++)
		hook_chan = arms[i].chan;
	if (pv_chan_point)
		pv_chan_point(hook_chan, hook_dir);

	parker *p = NULL;
	pv_chan *gone = NULL; /* the channel that claimed us: not ours to lock again */
	int fired;
	lock_all(cs, ncs, NULL);
	for (;;) {
		fired = try_arms(arms, n, idx, cs, ncs);
		if (fired >= 0 || !block)
			break;
		if (!p && !(p = calloc(1, sizeof *p))) {
			unlock_all(cs, ncs, NULL);
			misuse("out of memory in a channel wait", hook_chan);
		}
		p->state = 0;
		for (size_t i = 0; i < n; i++) {
			pv_chan *c = arms[i].chan;
			if (!c)
				continue;
			nodes[i] = (node){ .p = p, .elem = arms[i].elem, .arm = (int)i };
			enqueue(arms[i].dir == PV_CHAN_SEND ? &c->sendq : &c->recvq, &nodes[i]);
		}
		uint32_t seq = p->seq;
		if (unbuffered)
			__tsan_release(&p->key_in);
		unlock_all(cs, ncs, NULL);

		if (pv_chan_block_begin)
			pv_chan_block_begin(hook_chan, hook_dir);
		while (__atomic_load_n(&p->seq, __ATOMIC_ACQUIRE) == seq)
			park(&p->seq, seq);
		if (pv_chan_block_end)
			pv_chan_block_end();

		/* Awake: no one may claim us from now on (state 2). Claimed
		 * before that, the claimer took our nodes out of its channel,
		 * which may be gone by now; only the others are left to clean. */
		int zero = 0;
		int claimed = !__atomic_compare_exchange_n(&p->state, &zero, 2, 0, __ATOMIC_ACQ_REL,
							    __ATOMIC_ACQUIRE);
		/* (Woken by another channel meanwhile, the claimer may still be
		 * at the rendezvous: it says when it is done.) */
		for (uint32_t now; claimed && !((now = __atomic_load_n(&p->seq, __ATOMIC_ACQUIRE)) &
						CLAIM_DONE);)
			park(&p->seq, now);
		gone = claimed ? arms[p->fired].chan : NULL;
		lock_all(cs, ncs, gone);
		for (size_t i = 0; i < n; i++)
			if (arms[i].chan && arms[i].chan != gone)
				dequeue(arms[i].dir == PV_CHAN_SEND ? &arms[i].chan->sendq
								    : &arms[i].chan->recvq, &nodes[i]);
		if (claimed) {
			__tsan_acquire(&p->key_out);
			fired = p->fired;
			arms[fired].result = p->result;
			break;
		}
	}
	unlock_all(cs, ncs, gone);
	wake_claimed();
	free(p);
	if (n > SMALL) {
		free(cs);
		free(nodes);
		free(idx);
	}
	return fired;
}

int pv_chan_select(pv_chan_case *arms, size_t n, int block)
{
	ENTER();
	return do_select(arms, n, block, PV_CHAN_HOOK_SELECT);
}

static int one(pv_chan *c, pv_chan_dir dir, void *elem, int block)
{
	pv_chan_case a = { .chan = c, .dir = dir, .elem = elem };
	if (do_select(&a, 1, block, dir) < 0)
		return PV_CHAN_WOULDBLOCK;
	return a.result;
}

int pv_chan_send(pv_chan *c, const void *elem)
{
	ENTER();
	return one(c, PV_CHAN_SEND, (void *)elem, 1);
}

int pv_chan_recv(pv_chan *c, void *elem)
{
	ENTER();
	return one(c, PV_CHAN_RECV, elem, 1);
}

int pv_chan_try_send(pv_chan *c, const void *elem)
{
	ENTER();
	return one(c, PV_CHAN_SEND, (void *)elem, 0);
}

int pv_chan_try_recv(pv_chan *c, void *elem)
{
	ENTER();
	return one(c, PV_CHAN_RECV, elem, 0);
}
