#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base.h"
#include "options.h"
#include "schedule.h"
#include "cunit_main.h"

/* ---- the strategies alone ---- */

#define STEPS 200

/* The indices a chooser picks among n candidates, step after step, with
 * objects that two candidates share (for pos). */
static void run_chooser(int kind, uint64_t seed, int n, int *out)
{
	pv_sched_chooser c;
	pv_sched_chooser_init(&c, kind, seed, 3, STEPS);
	uint64_t prio[8];
	uintptr_t obj[8];
	for (int i = 0; i < n; i++) {
		prio[i] = pv_sched_new_priority(&c);
		obj[i] = 0x1000 + 8 * (uintptr_t)(i / 2);
	}
	int cur = 0;
	for (int s = 0; s < STEPS; s++)
		out[s] = cur = pv_sched_choose(&c, n, cur, prio, obj);
}

static void same_seed_same_schedule(int kind)
{
	int a[STEPS], b[STEPS], other[STEPS];
	run_chooser(kind, 42, 4, a);
	run_chooser(kind, 42, 4, b);
	CU_ASSERT_EQUAL(memcmp(a, b, sizeof a), 0);
	for (int s = 0; s < STEPS; s++)
		CU_ASSERT(a[s] >= 0 && a[s] < 4);
	/* Another seed gives another schedule (for one of a few seeds at least). */
	int differs = 0;
	for (uint64_t seed = 43; seed < 48 && !differs; seed++) {
		run_chooser(kind, seed, 4, other);
		differs = memcmp(a, other, sizeof a) != 0;
	}
	CU_ASSERT(differs);
}

static void test_random_seeded(void) { same_seed_same_schedule(PV_SCHED_RANDOM); }
static void test_pct_seeded(void) { same_seed_same_schedule(PV_SCHED_PCT); }
static void test_pos_seeded(void) { same_seed_same_schedule(PV_SCHED_POS); }

/* A random walk visits every candidate. */
static void test_random_uniform(void)
{
	int a[STEPS], seen[4] = {0};
	run_chooser(PV_SCHED_RANDOM, 7, 4, a);
	for (int s = 0; s < STEPS; s++)
		seen[a[s]]++;
	for (int i = 0; i < 4; i++)
		CU_ASSERT(seen[i] > STEPS / 10);
}

/* PCT runs the highest priority; at a change point the running thread
 * drops below every other, once per point (d - 1 of them). */
static void test_pct_priorities(void)
{
	pv_sched_chooser c;
	pv_sched_chooser_init(&c, PV_SCHED_PCT, 9, 2, 10);
	uint64_t change = c.change[0];
	CU_ASSERT(change >= 1 && change <= 10);
	CU_ASSERT_EQUAL(c.change[1], 0);
	uint64_t prio[3] = { 100, 300, 200 };
	uintptr_t obj[3] = { 0 };
	int switched_at = -1;
	for (uint64_t s = 1; s <= 10; s++) {
		int i = pv_sched_choose(&c, 3, 1, prio, obj);
		if (s < change)
			CU_ASSERT_EQUAL(i, 1);
		if (i != 1 && switched_at < 0)
			switched_at = (int)s;
	}
	CU_ASSERT_EQUAL((uint64_t)switched_at, change);
	CU_ASSERT_EQUAL(prio[1], 1);
	/* Depth 1: no change point, the order never changes. */
	pv_sched_chooser_init(&c, PV_SCHED_PCT, 9, 1, 10);
	uint64_t p1[2] = { 5, 9 };
	for (int s = 0; s < 50; s++)
		CU_ASSERT_EQUAL(pv_sched_choose(&c, 2, 0, p1, obj), 1);
}

/* POS: the chosen event and those on the same object get new priorities,
 * the others keep theirs. */
static void test_pos_resets_racing(void)
{
	pv_sched_chooser c;
	pv_sched_chooser_init(&c, PV_SCHED_POS, 3, 3, 100);
	uint64_t prio[3] = { 1000, 5000000, 2000 };
	uintptr_t obj[3] = { 0x40, 0x40, 0x80 };
	int i = pv_sched_choose(&c, 3, -1, prio, obj);
	CU_ASSERT_EQUAL(i, 1);
	CU_ASSERT_NOT_EQUAL(prio[0], 1000);
	CU_ASSERT_NOT_EQUAL(prio[1], 5000000);
	CU_ASSERT_EQUAL(prio[2], 2000);
}

/* ---- threads under control, in a child process each (the scheduler is
 * one per process, and reads its options once) ---- */

#define ROUNDS 6
#define NT 3

static pv_thread threads[NT + 1];
static int order[NT * ROUNDS * 2 + 16], norder;
static int inside, overlap;
static uintptr_t lock_word;   /* a model lock: the tid holding it, or 0 */
static int stuck_calls;

static void step(pv_thread *t, uintptr_t obj)
{
	pv_sched_point(t, "step", obj, 0);
	if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) > 1)
		overlap = 1;
	order[__atomic_fetch_add(&norder, 1, __ATOMIC_SEQ_CST)] = t->tid;
	__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
}

/* Lock the model lock: block while another holds it, as a mutex under
 * control does. */
static void lock(pv_thread *t)
{
	pv_sched_point(t, "lock", (uintptr_t)&lock_word, 0);
	while (lock_word)
		pv_sched_block(t, (uintptr_t)&lock_word, 0);
	lock_word = (uintptr_t)t->tid;
}

static void unlock(pv_thread *t)
{
	pv_sched_point(t, "unlock", (uintptr_t)&lock_word, 0);
	lock_word = 0;
	pv_sched_wake((uintptr_t)&lock_word, 1);
}

static void *worker(void *arg)
{
	pv_thread *t = arg;
	pv_cur_thread = t;
	pv_sched_thread_begin(t);
	for (int i = 0; i < ROUNDS; i++) {
		lock(t);
		step(t, 0x100);
		step(t, 0x100);
		if (lock_word != (uintptr_t)t->tid)
			overlap = 1;
		unlock(t);
	}
	pv_sched_thread_end(t);
	return NULL;
}

static void on_stuck(void)
{
	stuck_calls++;
	_exit(3);
}

/* In a child: run NT workers under options, write the order of their steps
 * to fd. */
static void scenario(const char *options, int fd)
{
	setenv("PVCHECK_OPTIONS", options, 1);
	pv_thread *m = &threads[0];
	pv_cur_thread = m;
	pv_sched_init(m, on_stuck);
	if (!pv_sched_active)
		_exit(4);
	pthread_t th[NT];
	for (int i = 1; i <= NT; i++) {
		threads[i].tid = i;
		pv_sched_thread_new(&threads[i]);
		pthread_create(&th[i - 1], NULL, worker, &threads[i]);
	}
	for (int i = 1; i <= NT; i++) {
		pv_sched_point(m, "join", (uintptr_t)&threads[i], 0);
		while (!pv_sched_thread_done(&threads[i]))
			pv_sched_block(m, (uintptr_t)&threads[i], 0);
		pthread_join(th[i - 1], NULL);
	}
	order[norder++] = overlap ? -1 : 0;
	pv_write_all(fd, order, sizeof order[0] * (size_t)norder);
	_exit(0);
}

/* The order of steps of one scenario, its length returned (-1: failed). */
static int run_scenario(const char *options, int *out, int max)
{
	int p[2];
	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		scenario(options, p[1]);
	}
	close(p[1]);
	int n = 0;
	ssize_t r;
	while (n < max && (r = read(p[0], out + n, sizeof *out * (size_t)(max - n))) > 0)
		n += (int)(r / (ssize_t)sizeof *out);
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? n : -1;
}

static void check_scenario(const char *options, const char *other)
{
	int a[128], b[128], c[128];
	int na = run_scenario(options, a, 128), nb = run_scenario(options, b, 128);
	CU_ASSERT_EQUAL(na, NT * ROUNDS * 2 + 1);
	CU_ASSERT_EQUAL(na, nb);
	if (na != NT * ROUNDS * 2 + 1 || na != nb)
		return;
	CU_ASSERT_EQUAL(a[na - 1], 0); /* one thread at a time, and the lock held alone */
	CU_ASSERT_EQUAL(memcmp(a, b, sizeof a[0] * (size_t)na), 0);
	/* Each lock holder does its two steps together. */
	for (int i = 0; i + 1 < na - 1; i += 2)
		CU_ASSERT_EQUAL(a[i], a[i + 1]);
	int nc = run_scenario(other, c, 128);
	CU_ASSERT_EQUAL(nc, na);
	if (nc == na)
		CU_ASSERT_NOT_EQUAL(memcmp(a, c, sizeof a[0] * (size_t)na), 0);
}

static void test_threads_random(void)
{
	check_scenario("sched=random sched_seed=11", "sched=random sched_seed=12");
}

static void test_threads_pct(void)
{
	check_scenario("sched='pct:3:60' sched_seed=5", "sched='pct:3:60' sched_seed=8");
}

static void test_threads_pos(void)
{
	check_scenario("sched=pos sched_seed=21", "sched=pos sched_seed=22");
}

/* A block that nothing ends: the stuck handler is called at once. */
static void blocked_for_good(void)
{
	setenv("PVCHECK_OPTIONS", "sched=random", 1);
	pv_thread *m = &threads[0];
	pv_cur_thread = m;
	pv_sched_init(m, on_stuck);
	pv_sched_block(m, 0x1234, 0);
	_exit(0);
}

/* A timed block with nobody else: it times out, not before its deadline. */
static void timed_alone(void)
{
	setenv("PVCHECK_OPTIONS", "sched=random", 1);
	pv_thread *m = &threads[0];
	pv_cur_thread = m;
	pv_sched_init(m, on_stuck);
	uint64_t start = pv_sched_now_ns();
	pv_sched_wait w = pv_sched_block(m, 0x1234, start + 20000000);
	_exit(w == PV_SCHED_TIMEDOUT && pv_sched_now_ns() - start >= 20000000 ? 0 : 5);
}

static int status_of(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0)
		fn();
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_stuck_at_once(void)
{
	CU_ASSERT_EQUAL(status_of(blocked_for_good), 3);
	CU_ASSERT_EQUAL(status_of(timed_alone), 0);
}

/* Off unless asked for. */
static void test_off_by_default(void)
{
	pv_options_t o;
	pv_options_defaults(&o);
	CU_ASSERT_EQUAL(o.sched, PV_SCHED_OFF);
	char err[200];
	CU_ASSERT_EQUAL(pv_options_parse(&o, "sched='pct:4:77' sched_seed=18446744073709551615", err, sizeof err), 0);
	CU_ASSERT_EQUAL(o.sched, PV_SCHED_PCT);
	CU_ASSERT_EQUAL(o.sched_depth, 4);
	CU_ASSERT_EQUAL(o.sched_steps, 77);
	CU_ASSERT_EQUAL(o.sched_seed, 18446744073709551615ull);
	CU_ASSERT_NOT_EQUAL(pv_options_parse(&o, "sched='pct:0'", err, sizeof err), 0);
	CU_ASSERT_NOT_EQUAL(pv_options_parse(&o, "sched=fifo", err, sizeof err), 0);
	CU_ASSERT_NOT_EQUAL(pv_options_parse(&o, "sched_seed=-1", err, sizeof err), 0);
	CU_ASSERT_EQUAL(pv_sched_active, 0);
}

const char *pv_suite_name = "sched";
const pv_test pv_tests[] = {
	{ "random: same seed, same choices", test_random_seeded },
	{ "pct: same seed, same choices", test_pct_seeded },
	{ "pos: same seed, same choices", test_pos_seeded },
	{ "random visits every candidate", test_random_uniform },
	{ "pct: priorities and change points", test_pct_priorities },
	{ "pos: racing events get new priorities", test_pos_resets_racing },
	{ "threads, random: one at a time, blocked on a held lock, replayed by seed", test_threads_random },
	{ "threads, pct: the same", test_threads_pct },
	{ "threads, pos: the same", test_threads_pos },
	{ "no thread can run: stuck at once; a lone timed wait times out", test_stuck_at_once },
	{ "options: off by default, strategies parsed", test_off_by_default },
	{ NULL, NULL },
};
