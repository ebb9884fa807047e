/* libpvchan: behaviour, and the happens-before it tells the checkers.
 *
 * __tsan_acquire/__tsan_release are recorded here instead of reaching a
 * runtime. Each channel operation of a test is labelled an "op"; a release
 * of a key followed by an acquire of the same key is an edge between their
 * ops. Ops are on no thread at all as far as the check goes (no program
 * order), so each recorded edge must follow from the edges the memory
 * model promises, and each promised edge must be recorded directly. */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "chan_hooks.h"
#include "cunit_main.h"
#include "pvchan.h"

/* ---- recording stubs and hooks ---- */

#define MAX_EVENTS 4096
#define MAX_OPS 48

typedef struct {
	int op;
	int release;
	void *key;
} event;

static event events[MAX_EVENTS];
static int nevents;
static __thread int cur_op = -1;

static void record(void *key, int release)
{
	int i = __atomic_fetch_add(&nevents, 1, __ATOMIC_SEQ_CST);
	if (i < MAX_EVENTS)
		events[i] = (event){ cur_op, release, key };
}

void __tsan_acquire(void *addr)
{
	record(addr, 0);
}

void __tsan_release(void *addr)
{
	record(addr, 1);
}

static int parked;              /* block_begin calls */
static int unparked;
static int last_dir = -1;
static const void *last_chan;
static const void *last_caller;
static char misuse_what[64];

void pv_chan_block_begin(const void *chan, int dir)
{
	last_chan = chan;
	last_dir = dir;
	last_caller = pv_chan__caller_pc();
	__atomic_add_fetch(&parked, 1, __ATOMIC_SEQ_CST);
}

void pv_chan_block_end(void)
{
	__atomic_add_fetch(&unparked, 1, __ATOMIC_SEQ_CST);
}

void pv_chan_misuse(const char *what, const void *chan)
{
	snprintf(misuse_what, sizeof misuse_what, "%s", what);
	fprintf(stderr, "hook: %s %s\n", what, chan ? "chan" : "nil");
}

static void wait_parked(int n)
{
	while (__atomic_load_n(&parked, __ATOMIC_SEQ_CST) < n)
		sched_yield();
}

/* ---- ops and the edge check ---- */

static int nops;
static const char *opname[MAX_OPS];
static char promised[MAX_OPS][MAX_OPS];

static void reset_ops(void)
{
	nops = 0;
	nevents = 0;
	memset(promised, 0, sizeof promised);
}

static int op(const char *name)
{
	opname[nops] = name;
	return nops++;
}

static void promise(int from, int to)
{
	promised[from][to] = 1;
}

/* The edges recorded since reset_ops, checked against the promised ones. */
static void check_edges(void)
{
	static char rec[MAX_OPS][MAX_OPS], hb[MAX_OPS][MAX_OPS];
	memset(rec, 0, sizeof rec);
	CU_ASSERT_FATAL(nevents <= MAX_EVENTS);
	for (int i = 0; i < nevents; i++) {
		CU_ASSERT(events[i].op >= 0);
		if (events[i].release || events[i].op < 0)
			continue;
		for (int j = 0; j < i; j++)
			if (events[j].release && events[j].key == events[i].key &&
			    events[j].op >= 0 && events[j].op != events[i].op)
				rec[events[j].op][events[i].op] = 1;
	}
	memcpy(hb, promised, sizeof hb);
	for (int k = 0; k < nops; k++)
		for (int i = 0; i < nops; i++)
			for (int j = 0; j < nops; j++)
				if (hb[i][k] && hb[k][j])
					hb[i][j] = 1;
	for (int i = 0; i < nops; i++)
		for (int j = 0; j < nops; j++) {
			if (rec[i][j] && !hb[i][j]) {
				fprintf(stderr, "\n  edge %s -> %s is not promised", opname[i], opname[j]);
				CU_FAIL("an edge the memory model does not promise");
			}
			if (promised[i][j] && !rec[i][j]) {
				fprintf(stderr, "\n  promised edge %s -> %s is missing", opname[i], opname[j]);
				CU_FAIL("a promised edge is missing");
			}
		}
}

/* ---- a thread doing one labelled operation ---- */

typedef struct {
	pv_chan *c;
	int op;
	pv_chan_dir dir;
	int value;
	int result;
	pv_chan_case arms[2];
	int narms;
	int fired;
} job;

static void *do_job(void *p)
{
	job *j = p;
	cur_op = j->op;
	if (j->narms)
		j->fired = pv_chan_select(j->arms, (size_t)j->narms, 1);
	else if (j->dir == PV_CHAN_SEND)
		j->result = pv_chan_send(j->c, &j->value);
	else
		j->result = pv_chan_recv(j->c, &j->value);
	return NULL;
}

static pthread_t start(job *j)
{
	pthread_t t;
	CU_ASSERT_FATAL(pthread_create(&t, NULL, do_job, j) == 0);
	return t;
}

/* ---- behaviour ---- */

static void test_unbuffered_rendezvous(void)
{
	pv_chan *c = pv_chan_make(sizeof(int), 0);
	CU_ASSERT_FATAL(c != NULL);
	int v = 7;
	CU_ASSERT_EQUAL(pv_chan_try_send(c, &v), PV_CHAN_WOULDBLOCK);
	CU_ASSERT_EQUAL(pv_chan_try_recv(c, &v), PV_CHAN_WOULDBLOCK);
	CU_ASSERT_EQUAL(pv_chan_len(c), 0);
	CU_ASSERT_EQUAL(pv_chan_cap(c), 0);

	/* The sender waits until someone takes its value. */
	int p0 = parked;
	job s = { .c = c, .dir = PV_CHAN_SEND, .value = 42 };
	pthread_t t = start(&s);
	wait_parked(p0 + 1);
	CU_ASSERT_EQUAL(last_dir, PV_CHAN_SEND);
	CU_ASSERT_PTR_EQUAL(last_chan, c);
	CU_ASSERT_PTR_NOT_NULL(last_caller);
	CU_ASSERT_EQUAL(pv_chan_len(c), 0);
	int got = 0;
	CU_ASSERT_EQUAL(pv_chan_try_recv(c, &got), PV_CHAN_OK);
	CU_ASSERT_EQUAL(got, 42);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(s.result, PV_CHAN_OK);

	/* And a receiver until someone sends. */
	job r = { .c = c, .dir = PV_CHAN_RECV };
	t = start(&r);
	wait_parked(p0 + 2);
	CU_ASSERT_EQUAL(last_dir, PV_CHAN_RECV);
	v = 43;
	CU_ASSERT_EQUAL(pv_chan_send(c, &v), PV_CHAN_OK);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(r.result, PV_CHAN_OK);
	CU_ASSERT_EQUAL(r.value, 43);
	CU_ASSERT_EQUAL(unparked, parked);
	pv_chan_free(c);
}

static void test_buffered_fifo(void)
{
	pv_chan *c = pv_chan_make(sizeof(int), 3);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL(pv_chan_cap(c), 3);
	for (int round = 0; round < 3; round++) { /* the ring wraps */
		for (int i = 0; i < 3; i++) {
			int v = 10 * round + i;
			CU_ASSERT_EQUAL(pv_chan_try_send(c, &v), PV_CHAN_OK);
			CU_ASSERT_EQUAL(pv_chan_len(c), (size_t)i + 1);
		}
		int v = 99;
		CU_ASSERT_EQUAL(pv_chan_try_send(c, &v), PV_CHAN_WOULDBLOCK);
		CU_ASSERT_EQUAL(pv_chan_len(c), 3);
		int got = -1;
		CU_ASSERT_EQUAL(pv_chan_recv(c, &got), PV_CHAN_OK);
		CU_ASSERT_EQUAL(got, 10 * round);
		CU_ASSERT_EQUAL(pv_chan_send(c, &v), PV_CHAN_OK); /* room again */
		for (int i = 1; i < 3; i++) {
			CU_ASSERT_EQUAL(pv_chan_try_recv(c, &got), PV_CHAN_OK);
			CU_ASSERT_EQUAL(got, 10 * round + i);
		}
		CU_ASSERT_EQUAL(pv_chan_recv(c, NULL), PV_CHAN_OK); /* the 99 */
		CU_ASSERT_EQUAL(pv_chan_try_recv(c, &got), PV_CHAN_WOULDBLOCK);
		CU_ASSERT_EQUAL(pv_chan_len(c), 0);
	}
	pv_chan_free(c);

	/* Elements of any size, zero included. */
	struct big { char s[37]; } in = { "a string longer than eight bytes" }, out;
	pv_chan *b = pv_chan_make(sizeof in, 1);
	CU_ASSERT_EQUAL(pv_chan_send(b, &in), PV_CHAN_OK);
	CU_ASSERT_EQUAL(pv_chan_recv(b, &out), PV_CHAN_OK);
	CU_ASSERT_STRING_EQUAL(out.s, in.s);
	pv_chan_free(b);
	pv_chan *z = pv_chan_make(0, 2);
	CU_ASSERT_EQUAL(pv_chan_send(z, NULL), PV_CHAN_OK);
	CU_ASSERT_EQUAL(pv_chan_len(z), 1);
	CU_ASSERT_EQUAL(pv_chan_recv(z, NULL), PV_CHAN_OK);
	pv_chan_free(z);
}

static void test_close_drain(void)
{
	pv_chan *c = pv_chan_make(sizeof(int), 4);
	for (int i = 0; i < 3; i++)
		pv_chan_send(c, &i);
	pv_chan_close(c);
	int got = -1;
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(pv_chan_recv(c, &got), PV_CHAN_OK);
		CU_ASSERT_EQUAL(got, i);
	}
	got = 77;
	CU_ASSERT_EQUAL(pv_chan_recv(c, &got), PV_CHAN_CLOSED);
	CU_ASSERT_EQUAL(got, 77); /* untouched */
	CU_ASSERT_EQUAL(pv_chan_recv(c, &got), PV_CHAN_CLOSED);
	CU_ASSERT_EQUAL(pv_chan_try_recv(c, &got), PV_CHAN_CLOSED);
	pv_chan_free(c);

	/* Close wakes a waiting receiver. */
	pv_chan *u = pv_chan_make(sizeof(int), 0);
	int p0 = parked;
	job r = { .c = u, .dir = PV_CHAN_RECV };
	pthread_t t = start(&r);
	wait_parked(p0 + 1);
	pv_chan_close(u);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(r.result, PV_CHAN_CLOSED);
	CU_ASSERT_EQUAL(pv_chan_try_recv(u, NULL), PV_CHAN_CLOSED);
	pv_chan_free(u);
}

static void test_null_channel(void)
{
	int v = 1;
	CU_ASSERT_EQUAL(pv_chan_len(NULL), 0);
	CU_ASSERT_EQUAL(pv_chan_cap(NULL), 0);
	CU_ASSERT_EQUAL(pv_chan_try_send(NULL, &v), PV_CHAN_WOULDBLOCK);
	CU_ASSERT_EQUAL(pv_chan_try_recv(NULL, &v), PV_CHAN_WOULDBLOCK);
	pv_chan_free(NULL);
	CU_ASSERT_EQUAL(pv_chan_select(NULL, 0, 0), -1);
}

static void test_select(void)
{
	pv_chan *a = pv_chan_make(sizeof(int), 1), *b = pv_chan_make(sizeof(int), 1);
	int x = 0, y = 0, v = 5;
	pv_chan_case arms[3] = {
		{ a, PV_CHAN_RECV, &x, -1 },
		{ NULL, PV_CHAN_RECV, &y, -1 }, /* never ready */
		{ b, PV_CHAN_RECV, &y, -1 },
	};
	/* Default: nothing ready. */
	CU_ASSERT_EQUAL(pv_chan_select(arms, 3, 0), -1);
	/* The one ready arm. */
	pv_chan_send(b, &v);
	CU_ASSERT_EQUAL(pv_chan_select(arms, 3, 1), 2);
	CU_ASSERT_EQUAL(arms[2].result, PV_CHAN_OK);
	CU_ASSERT_EQUAL(y, 5);
	/* Both ready: each gets chosen, about as often. */
	int count[3] = { 0 };
	for (int i = 0; i < 400; i++) {
		int one = 1;
		pv_chan_try_send(a, &one);
		pv_chan_try_send(b, &one);
		int k = pv_chan_select(arms, 3, 0);
		CU_ASSERT(k == 0 || k == 2);
		if (k >= 0)
			count[k]++;
	}
	CU_ASSERT(count[0] > 120 && count[2] > 120);
	CU_ASSERT_EQUAL(count[1], 0);
	/* A send arm and a receive arm; the closed receive arm is ready. */
	pv_chan_try_recv(a, NULL);
	pv_chan_try_recv(b, NULL);
	pv_chan_close(b);
	pv_chan_case mixed[2] = { { a, PV_CHAN_SEND, &v, -1 }, { b, PV_CHAN_RECV, &y, -1 } };
	int seen[2] = { 0 };
	for (int i = 0; i < 100; i++) {
		int k = pv_chan_select(mixed, 2, 1);
		CU_ASSERT_FATAL(k == 0 || k == 1);
		seen[k]++;
		if (k == 0)
			pv_chan_recv(a, NULL);
		else
			CU_ASSERT_EQUAL(mixed[1].result, PV_CHAN_CLOSED);
	}
	CU_ASSERT(seen[0] > 20 && seen[1] > 20);
	/* Only NULL arms: never ready. */
	pv_chan_case none[1] = { { NULL, PV_CHAN_SEND, &v, -1 } };
	CU_ASSERT_EQUAL(pv_chan_select(none, 1, 0), -1);
	/* More arms than fit on the stack. */
	pv_chan *many[12];
	pv_chan_case arms12[12];
	for (int i = 0; i < 12; i++) {
		many[i] = pv_chan_make(sizeof(int), 1);
		arms12[i] = (pv_chan_case){ many[i], PV_CHAN_RECV, &x, -1 };
	}
	pv_chan_send(many[9], &v);
	CU_ASSERT_EQUAL(pv_chan_select(arms12, 12, 1), 9);
	for (int i = 0; i < 12; i++)
		pv_chan_free(many[i]);
	pv_chan_free(a);
	pv_chan_free(b);
}

static void test_select_waits(void)
{
	/* A waiting select is woken by an unbuffered partner, or by a buffered
	 * send, on any of its channels. */
	pv_chan *u = pv_chan_make(sizeof(int), 0), *b = pv_chan_make(sizeof(int), 2);
	for (int round = 0; round < 2; round++) {
		int p0 = parked;
		job s = { .narms = 2 };
		s.arms[0] = (pv_chan_case){ u, PV_CHAN_RECV, &s.value, -1 };
		s.arms[1] = (pv_chan_case){ b, PV_CHAN_RECV, &s.value, -1 };
		pthread_t t = start(&s);
		wait_parked(p0 + 1);
		CU_ASSERT_EQUAL(last_dir, PV_CHAN_HOOK_SELECT);
		int v = 100 + round;
		pv_chan_send(round ? b : u, &v);
		pthread_join(t, NULL);
		CU_ASSERT_EQUAL(s.fired, round ? 1 : 0);
		CU_ASSERT_EQUAL(s.arms[s.fired].result, PV_CHAN_OK);
		CU_ASSERT_EQUAL(s.value, v);
	}
	/* A waiting select that sends. */
	int p0 = parked;
	job s = { .narms = 2, .value = 9 };
	s.arms[0] = (pv_chan_case){ NULL, PV_CHAN_RECV, NULL, -1 };
	s.arms[1] = (pv_chan_case){ u, PV_CHAN_SEND, &s.value, -1 };
	pthread_t t = start(&s);
	wait_parked(p0 + 1);
	int got = 0;
	CU_ASSERT_EQUAL(pv_chan_recv(u, &got), PV_CHAN_OK);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(s.fired, 1);
	CU_ASSERT_EQUAL(got, 9);
	pv_chan_free(u);
	pv_chan_free(b);
}

/* ---- many producers and consumers ---- */

#define PRODUCERS 4
#define CONSUMERS 3
#define PER_PRODUCER 3000

typedef struct {
	pv_chan *c;
	long sum;
	long n;
} worker;

static void *producer(void *p)
{
	worker *w = p;
	for (int i = 1; i <= PER_PRODUCER; i++) {
		pv_chan_send(w->c, &i);
		w->sum += i;
		w->n++;
	}
	return NULL;
}

static void *consumer(void *p)
{
	worker *w = p;
	int v;
	while (pv_chan_recv(w->c, &v) == PV_CHAN_OK) {
		w->sum += v;
		w->n++;
	}
	return NULL;
}

/* Consumers that select over both channels until both are closed. */
typedef struct {
	pv_chan *c[2];
	long sum, n;
} selector;

static void *select_consumer(void *p)
{
	selector *s = p;
	pv_chan *c[2] = { s->c[0], s->c[1] };
	int v;
	while (c[0] || c[1]) {
		pv_chan_case arms[2] = { { c[0], PV_CHAN_RECV, &v, -1 }, { c[1], PV_CHAN_RECV, &v, -1 } };
		int k = pv_chan_select(arms, 2, 1);
		if (arms[k].result == PV_CHAN_CLOSED) {
			c[k] = NULL;
			continue;
		}
		s->sum += v;
		s->n++;
	}
	return NULL;
}

static void run_many(size_t cap)
{
	pv_chan *c = pv_chan_make(sizeof(int), cap);
	worker p[PRODUCERS], q[CONSUMERS];
	pthread_t tp[PRODUCERS], tq[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++) {
		q[i] = (worker){ c, 0, 0 };
		pthread_create(&tq[i], NULL, consumer, &q[i]);
	}
	for (int i = 0; i < PRODUCERS; i++) {
		p[i] = (worker){ c, 0, 0 };
		pthread_create(&tp[i], NULL, producer, &p[i]);
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(tp[i], NULL);
	pv_chan_close(c);
	long n = 0, sum = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(tq[i], NULL);
		n += q[i].n;
		sum += q[i].sum;
	}
	CU_ASSERT_EQUAL(n, (long)PRODUCERS * PER_PRODUCER);
	CU_ASSERT_EQUAL(sum, (long)PRODUCERS * PER_PRODUCER * (PER_PRODUCER + 1) / 2);
	pv_chan_free(c);
}

static void test_many_unbuffered(void)
{
	run_many(0);
}

static void test_many_buffered(void)
{
	run_many(4);
}

static void test_many_select(void)
{
	pv_chan *c[2] = { pv_chan_make(sizeof(int), 0), pv_chan_make(sizeof(int), 2) };
	worker p[PRODUCERS];
	selector s[CONSUMERS];
	pthread_t tp[PRODUCERS], ts[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++) {
		s[i] = (selector){ { c[0], c[1] }, 0, 0 };
		pthread_create(&ts[i], NULL, select_consumer, &s[i]);
	}
	for (int i = 0; i < PRODUCERS; i++) {
		p[i] = (worker){ c[i % 2], 0, 0 };
		pthread_create(&tp[i], NULL, producer, &p[i]);
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(tp[i], NULL);
	pv_chan_close(c[0]);
	pv_chan_close(c[1]);
	long n = 0, sum = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(ts[i], NULL);
		n += s[i].n;
		sum += s[i].sum;
	}
	CU_ASSERT_EQUAL(n, (long)PRODUCERS * PER_PRODUCER);
	CU_ASSERT_EQUAL(sum, (long)PRODUCERS * PER_PRODUCER * (PER_PRODUCER + 1) / 2);
	pv_chan_free(c[0]);
	pv_chan_free(c[1]);
}

/* ---- misuse: in a child, which must abort with the message ---- */

static void expect_misuse(int what, const char *message)
{
	int fd[2];
	CU_ASSERT_FATAL(pipe(fd) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		pv_chan *c = pv_chan_make(sizeof(int), what == 3 ? 0 : 1);
		int v = 1;
		pv_chan_close(c);
		switch (what) {
		case 0: pv_chan_close(c); break;
		case 1: pv_chan_send(c, &v); break;
		case 2: pv_chan_close(NULL); break;
		case 3: pv_chan_try_send(c, &v); break;
		}
		_exit(0);
	}
	close(fd[1]);
	char out[512] = "";
	size_t n = 0;
	ssize_t r;
	while (n < sizeof out - 1 && (r = read(fd[0], out + n, sizeof out - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(fd[0]);
	int status;
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	char hook[128], line[128];
	snprintf(hook, sizeof hook, "hook: %s", message);
	snprintf(line, sizeof line, "pvchan: %s\n", message);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, hook));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
	CU_ASSERT(strstr(out, hook) < strstr(out, line)); /* the hook first */
}

static void test_misuse(void)
{
	expect_misuse(0, "close of closed channel");
	expect_misuse(1, "send on closed channel");
	expect_misuse(2, "close of nil channel");
	expect_misuse(3, "send on closed channel");
}

static void test_sender_woken_by_close_panics(void)
{
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int devnull = dup(2);
		(void)devnull;
		close(2);
		pv_chan *c = pv_chan_make(sizeof(int), 0);
		int p0 = parked;
		job s = { .c = c, .dir = PV_CHAN_SEND };
		pthread_t t = start(&s);
		wait_parked(p0 + 1);
		pv_chan_close(c);
		pthread_join(t, NULL);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
}

/* ---- happens-before, edge by edge ---- */

static void test_hb_buffered(void)
{
	/* Capacity 2, one op per "thread": send k -> receive k, receive k ->
	 * send k+2, close -> a receive that sees it closed, and nothing else
	 * (no receive k -> send k+1, no close -> receive of a buffered value). */
	reset_ops();
	pv_chan *c = pv_chan_make(sizeof(int), 2);
	int s[6], r[6], v;
	char names[12][16];
	for (int k = 0; k < 6; k++) {
		snprintf(names[2 * k], 16, "send%d", k);
		snprintf(names[2 * k + 1], 16, "recv%d", k);
		s[k] = op(names[2 * k]);
		r[k] = op(names[2 * k + 1]);
		promise(s[k], r[k]);
		if (k >= 2)
			promise(r[k - 2], s[k]);
	}
	int cl = op("close"), rc1 = op("recv-closed1"), rc2 = op("recv-closed2");
	promise(cl, rc1);
	promise(cl, rc2);
	/* send0 send1 recv0 send2 recv1 recv2 send3 send4 recv3 send5 close recv4 recv5 */
	static const int order[] = { 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 2, 1, 1, 3, 3 };
	int ns = 0, nr = 0, nc = 0;
	for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
		switch (order[i]) {
		case 0:
			cur_op = s[ns];
			v = ns++;
			CU_ASSERT_EQUAL(pv_chan_try_send(c, &v), PV_CHAN_OK);
			break;
		case 1:
			cur_op = r[nr];
			CU_ASSERT_EQUAL(pv_chan_try_recv(c, &v), PV_CHAN_OK);
			CU_ASSERT_EQUAL(v, nr++);
			break;
		case 2:
			cur_op = cl;
			pv_chan_close(c);
			break;
		case 3:
			cur_op = nc++ ? rc2 : rc1;
			CU_ASSERT_EQUAL(pv_chan_recv(c, &v), PV_CHAN_CLOSED);
			break;
		}
	}
	cur_op = -1;
	CU_ASSERT_EQUAL(ns, 6);
	CU_ASSERT_EQUAL(nr, 6);
	check_edges();
	pv_chan_free(c);
}

static void test_hb_buffered_waiting(void)
{
	/* Capacity 1: a receiver that waited, and a sender that waited for room. */
	reset_ops();
	pv_chan *c = pv_chan_make(sizeof(int), 1);
	int s0 = op("send0"), r0 = op("recv0 (waited)"), s1 = op("send1"), s2 = op("send2 (waited)"),
	    r1 = op("recv1"), r2 = op("recv2");
	promise(s0, r0);
	promise(s1, r1);
	promise(s2, r2);
	promise(r0, s1);
	promise(r1, s2);
	int p0 = parked;
	job jr = { .c = c, .op = r0, .dir = PV_CHAN_RECV };
	pthread_t t = start(&jr);
	wait_parked(p0 + 1);
	cur_op = s0;
	int v = 10;
	pv_chan_send(c, &v);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(jr.value, 10);
	cur_op = s1;
	v = 11;
	pv_chan_send(c, &v);
	job js = { .c = c, .op = s2, .dir = PV_CHAN_SEND, .value = 12 };
	t = start(&js);
	wait_parked(p0 + 2);
	cur_op = r1;
	pv_chan_recv(c, &v);
	CU_ASSERT_EQUAL(v, 11);
	pthread_join(t, NULL);
	cur_op = r2;
	pv_chan_recv(c, &v);
	CU_ASSERT_EQUAL(v, 12);
	cur_op = -1;
	check_edges();
	pv_chan_free(c);
}

static void test_hb_unbuffered(void)
{
	/* Each rendezvous orders both sides, and only them: send1 and recv2
	 * (other pairs) stay unordered. */
	reset_ops();
	pv_chan *c = pv_chan_make(sizeof(int), 0);
	int s1 = op("send1"), r1 = op("recv1 (waited)"), s2 = op("send2 (waited)"), r2 = op("recv2"),
	    s3 = op("send3"), r3 = op("recv3 (waited)");
	promise(s1, r1);
	promise(r1, s1);
	promise(s2, r2);
	promise(r2, s2);
	promise(s3, r3);
	promise(r3, s3);
	int p0 = parked;
	job jr = { .c = c, .op = r1, .dir = PV_CHAN_RECV };
	pthread_t t = start(&jr);
	wait_parked(p0 + 1);
	cur_op = s1;
	int v = 1;
	pv_chan_send(c, &v);
	pthread_join(t, NULL);
	job js = { .c = c, .op = s2, .dir = PV_CHAN_SEND, .value = 2 };
	t = start(&js);
	wait_parked(p0 + 2);
	cur_op = r2;
	pv_chan_recv(c, &v);
	CU_ASSERT_EQUAL(v, 2);
	pthread_join(t, NULL);
	/* Another waiter: its partner gets nothing of the earlier pairs. */
	jr = (job){ .c = c, .op = r3, .dir = PV_CHAN_RECV };
	t = start(&jr);
	wait_parked(p0 + 3);
	cur_op = s3;
	v = 3;
	pv_chan_send(c, &v);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(jr.value, 3);
	/* A close after all that orders nothing with a send. */
	int cl = op("close"), rc = op("recv-closed");
	promise(cl, rc);
	cur_op = cl;
	pv_chan_close(c);
	cur_op = rc;
	CU_ASSERT_EQUAL(pv_chan_recv(c, NULL), PV_CHAN_CLOSED);
	cur_op = -1;
	check_edges();
	pv_chan_free(c);
}

static void test_hb_select(void)
{
	/* A waiting select fired by an unbuffered send: both ways, and nothing
	 * through its other (buffered) arm; then a select fired by a buffered
	 * send: that slot's edges only. */
	reset_ops();
	pv_chan *u = pv_chan_make(sizeof(int), 0), *b = pv_chan_make(sizeof(int), 1);
	int sel1 = op("select1 (waited)"), su = op("send-u"), sel2 = op("select2 (waited)"),
	    sb0 = op("send-b0"), sb1 = op("send-b1"), rb1 = op("recv-b1");
	promise(su, sel1);
	promise(sel1, su);
	promise(sb0, sel2);
	promise(sel2, sb1);
	promise(sb1, rb1);
	int p0 = parked;
	job s = { .op = sel1, .narms = 2 };
	s.arms[0] = (pv_chan_case){ b, PV_CHAN_RECV, &s.value, -1 };
	s.arms[1] = (pv_chan_case){ u, PV_CHAN_RECV, &s.value, -1 };
	pthread_t t = start(&s);
	wait_parked(p0 + 1);
	cur_op = su;
	int v = 1;
	pv_chan_send(u, &v);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(s.fired, 1);
	s.op = sel2;
	t = start(&s);
	wait_parked(p0 + 2);
	cur_op = sb0;
	v = 2;
	pv_chan_send(b, &v);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(s.fired, 0);
	CU_ASSERT_EQUAL(s.value, 2);
	cur_op = sb1;
	pv_chan_send(b, &v);
	cur_op = rb1;
	pv_chan_recv(b, &v);
	cur_op = -1;
	check_edges();
	pv_chan_free(u);
	pv_chan_free(b);
}

const char *pv_suite_name = "chan";
const pv_test pv_tests[] = {
	{ "unbuffered rendezvous", test_unbuffered_rendezvous },
	{ "buffered capacity and FIFO order", test_buffered_fifo },
	{ "close, drain, then closed", test_close_drain },
	{ "NULL channel", test_null_channel },
	{ "select: ready arm, fairness, default, NULL arm", test_select },
	{ "select waits on several channels", test_select_waits },
	{ "many producers and consumers, unbuffered", test_many_unbuffered },
	{ "many producers and consumers, buffered", test_many_buffered },
	{ "many producers, selecting consumers", test_many_select },
	{ "misuse aborts after the hook", test_misuse },
	{ "a waiting sender panics on close", test_sender_woken_by_close_panics },
	{ "happens-before: buffered, slot by slot", test_hb_buffered },
	{ "happens-before: buffered with waiting", test_hb_buffered_waiting },
	{ "happens-before: unbuffered rendezvous", test_hb_unbuffered },
	{ "happens-before: select", test_hb_select },
	{ NULL, NULL },
};
