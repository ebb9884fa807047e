/* The session, across real processes: a forked child shares it through the
 * inherited mapping; an exec'd child (this program again, run with
 * arguments: see pv_test_child) joins it through PVCHECK_SESSION. A child
 * reports through its exit status (0: all its checks passed, else the
 * number of the check that failed) and, where it has values to give, a
 * pipe. */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "cunit_main.h"
#include "session.h"
#include "shadow.h"

extern char **environ;

/* Bytes of shadow of one 4 MiB chunk. */
#define CHUNK_SHADOW_BYTES PV_SHADOW_CHUNK_BYTES

/* In a child: give up with exit status code unless cond holds. */
#define CHILD_CHECK(cond, code) do { if (!(cond)) _exit(code); } while (0)

static void setup(void)
{
	CU_ASSERT_EQUAL_FATAL(pv_session_attach(), 0);
	CU_ASSERT_TRUE_FATAL(pv_session_active());
}

static pid_t fork_child(void)
{
	fflush(NULL);
	return fork();
}

/* The child's exit status, or 128 + signal, or -1. Always reaps. */
static int wait_child(pid_t pid)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != pid)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* A fresh key nobody released into: memory of a new object. */
static pv_key fresh_key(void)
{
	return pv_key_memory(pv_session_new_object(), 64, 0);
}

/* A temporary file, already unlinked: its (dev, ino). */
static int temp_file(dev_t *dev, ino_t *ino)
{
	char path[] = "/tmp/pv_session_testXXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	struct stat st;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	return fd;
}

/* ---- the session itself ---- */

static void test_attach_is_idempotent(void)
{
	setup();
	CU_ASSERT_EQUAL(pv_session_attach(), 0);
	CU_ASSERT_TRUE(pv_session_active());
	void *r = pv_session_region(PV_REGION_CALLTREE_COUNT, 4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_TRUE(pv_session_contains(r));
	int local;
	CU_ASSERT_FALSE(pv_session_contains(&local));
	CU_ASSERT_FALSE(pv_session_contains(NULL));
	/* A process started without a handoff. */
	CU_ASSERT_EQUAL(pv_session_started_with(), 0);
}

/* ---- thread slots and what they belong to ---- */

#define NSLOTS 500

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void test_slots_unique_across_fork(void)
{
	setup();
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	static uint32_t all[3 * NSLOTS];
	all[0] = pv_session_new_slot(); /* one before the fork */
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		uint32_t mine[NSLOTS];
		for (int i = 0; i < NSLOTS; i++)
			mine[i] = pv_session_new_slot();
		CHILD_CHECK(write_all(p[1], mine, sizeof mine) == 0, 1);
		_exit(0);
	}
	close(p[1]);
	/* At the same time as the child. */
	for (int i = 1; i < NSLOTS; i++)
		all[i] = pv_session_new_slot();
	CU_ASSERT_EQUAL(read_all(p[0], all + NSLOTS, NSLOTS * sizeof *all), 0);
	close(p[0]);
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	/* And after it. */
	for (int i = 0; i < NSLOTS; i++)
		all[2 * NSLOTS + i] = pv_session_new_slot();
	qsort(all, 3 * NSLOTS, sizeof *all, cmp_u32);
	int dups = 0;
	for (int i = 1; i < 3 * NSLOTS; i++)
		dups += all[i] == all[i - 1];
	CU_ASSERT_EQUAL(dups, 0);
	CU_ASSERT(all[3 * NSLOTS - 1] < PV_MAX_SLOTS);
}

static void test_slot_info_set_in_child_is_seen(void)
{
	setup();
	uint32_t unused = pv_session_new_slot();
	int pid_, tid;
	uint32_t img;
	CU_ASSERT_NOT_EQUAL(pv_session_slot_get(unused, &pid_, &tid, &img), 0);

	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		uint32_t s = pv_session_new_slot();
		CHILD_CHECK(s < PV_MAX_SLOTS, 1);
		pv_session_slot_set(s, getpid(), 7, 1);
		CHILD_CHECK(write_all(p[1], &s, sizeof s) == 0, 2);
		_exit(0);
	}
	close(p[1]);
	uint32_t s = PV_MAX_SLOTS;
	CU_ASSERT_EQUAL(read_all(p[0], &s, sizeof s), 0);
	close(p[0]);
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_FATAL(s < PV_MAX_SLOTS);
	CU_ASSERT_EQUAL_FATAL(pv_session_slot_get(s, &pid_, &tid, &img), 0);
	CU_ASSERT_EQUAL(pid_, pid);
	CU_ASSERT_EQUAL(tid, 7);
	/* fork keeps the program image */
	CU_ASSERT_EQUAL(img, pv_session_image());
	CU_ASSERT_NOT_EQUAL(pv_session_image(), 0);
	/* The parent's own */
	pv_session_slot_set(unused, getpid(), 3, 1);
	CU_ASSERT_EQUAL_FATAL(pv_session_slot_get(unused, &pid_, &tid, &img), 0);
	CU_ASSERT_EQUAL(pid_, getpid());
	CU_ASSERT_EQUAL(tid, 3);
	/* Out of range */
	CU_ASSERT_NOT_EQUAL(pv_session_slot_get(PV_MAX_SLOTS, &pid_, &tid, &img), 0);
}

/* ---- clocks ---- */

static void test_clock_released_in_child_acquired_by_parent(void)
{
	setup();
	pv_key key = fresh_key();
	CU_ASSERT_FALSE(pv_session_has(key));
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		pv_vc c;
		pv_vc_init(&c);
		pv_vc_set(&c, 2, 10);
		pv_vc_set(&c, 9, 4);
		pv_vc_set(&c, 300, 1);
		pv_session_release(key, &c);
		_exit(0);
	}
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_TRUE(pv_session_has(key));
	pv_vc mine;
	pv_vc_init(&mine);
	pv_vc_set(&mine, 2, 3);   /* less than the child's: raised */
	pv_vc_set(&mine, 9, 50);  /* more: kept */
	pv_vc_set(&mine, 11, 6);  /* the child knows nothing of it: kept */
	pv_session_acquire(&mine, key);
	CU_ASSERT_EQUAL(pv_vc_get(&mine, 2), 10);
	CU_ASSERT_EQUAL(pv_vc_get(&mine, 9), 50);
	CU_ASSERT_EQUAL(pv_vc_get(&mine, 11), 6);
	CU_ASSERT_EQUAL(pv_vc_get(&mine, 300), 1);
	CU_ASSERT_EQUAL(pv_vc_get(&mine, 299), 0);
	/* Acquiring leaves the shared clock as it was. */
	pv_vc again;
	pv_vc_init(&again);
	pv_session_acquire(&again, key);
	CU_ASSERT_EQUAL(pv_vc_get(&again, 9), 4);
	CU_ASSERT_EQUAL(pv_vc_get(&again, 11), 0);
	pv_vc_free(&mine);
	pv_vc_free(&again);
}

static void test_acquire_of_unknown_key_changes_nothing(void)
{
	setup();
	pv_key key = fresh_key();
	pv_vc c, empty;
	pv_vc_init(&c);
	pv_vc_init(&empty);
	pv_vc_set(&c, 1, 5);
	pv_vc_set(&c, 4, 2);
	uint32_t n = c.n;
	pv_session_acquire(&c, key);
	pv_session_acquire(&empty, key);
	CU_ASSERT_EQUAL(c.n, n);
	CU_ASSERT_EQUAL(pv_vc_get(&c, 1), 5);
	CU_ASSERT_EQUAL(pv_vc_get(&c, 4), 2);
	CU_ASSERT_EQUAL(empty.n, 0);
	/* Looking did not make a clock. */
	CU_ASSERT_FALSE(pv_session_has(key));
	CU_ASSERT_FALSE(pv_session_has(pv_key_exit(0x7ffffff0)));
	pv_vc_free(&c);
	pv_vc_free(&empty);
}

static void test_release_joins(void)
{
	setup();
	pv_key key = fresh_key();
	pv_vc a, b, out;
	pv_vc_init(&a);
	pv_vc_init(&b);
	pv_vc_init(&out);
	pv_vc_set(&a, 0, 5);
	pv_vc_set(&a, 1, 1);
	pv_vc_set(&a, 20, 8);
	pv_vc_set(&b, 0, 3);  /* older than a's: must not overwrite */
	pv_vc_set(&b, 1, 7);
	pv_vc_set(&b, 2, 2);  /* b is shorter than a */
	pv_session_release(key, &a);
	/* The second release from another process. */
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		pv_session_release(key, &b);
		_exit(0);
	}
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	pv_session_acquire(&out, key);
	CU_ASSERT_EQUAL(pv_vc_get(&out, 0), 5);
	CU_ASSERT_EQUAL(pv_vc_get(&out, 1), 7);
	CU_ASSERT_EQUAL(pv_vc_get(&out, 2), 2);
	CU_ASSERT_EQUAL(pv_vc_get(&out, 20), 8);
	CU_ASSERT_EQUAL(pv_vc_get(&out, 19), 0);
	pv_vc_free(&a);
	pv_vc_free(&b);
	pv_vc_free(&out);
}

/* Slots run up to PV_MAX_SLOTS (new ones count up; given-back ones are
 * reused): a clock carried between processes must keep every one of them. */
static void test_release_keeps_high_slots(void)
{
	setup();
	pv_key key = fresh_key();
	pv_vc a, out;
	pv_vc_init(&a);
	pv_vc_init(&out);
	pv_vc_set(&a, 3, 9);
	pv_vc_set(&a, 5000, 12);
	pv_vc_set(&a, PV_MAX_SLOTS - 1, 4);
	pv_session_release(key, &a);
	pv_session_acquire(&out, key);
	CU_ASSERT_EQUAL(pv_vc_get(&out, 3), 9);
	/* Every slot a session can give out fits in a shared clock. */
	CU_ASSERT_EQUAL(pv_vc_get(&out, 5000), 12);
	CU_ASSERT_EQUAL(pv_vc_get(&out, PV_MAX_SLOTS - 1), 4);
	pv_vc_free(&a);
	pv_vc_free(&out);
}

/* ---- files ---- */

static void test_file_object_same_in_two_processes(void)
{
	setup();
	dev_t da, db, dc;
	ino_t ia, ib, ic;
	int fa = temp_file(&da, &ia), fb = temp_file(&db, &ib), fc = temp_file(&dc, &ic);
	CU_ASSERT_FATAL(fa >= 0 && fb >= 0 && fc >= 0);
	uint32_t a = pv_session_file_object(da, ia);
	CU_ASSERT_NOT_EQUAL(a, 0);
	CU_ASSERT_EQUAL(pv_session_file_object(da, ia), a);
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		/* a: known to the parent; c: seen first here */
		uint32_t ids[3] = { pv_session_file_object(da, ia), pv_session_file_object(db, ib),
				    pv_session_file_object(dc, ic) };
		CHILD_CHECK(write_all(p[1], ids, sizeof ids) == 0, 1);
		_exit(0);
	}
	close(p[1]);
	uint32_t ids[3] = { 0, 0, 0 };
	CU_ASSERT_EQUAL(read_all(p[0], ids, sizeof ids), 0);
	close(p[0]);
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_EQUAL(ids[0], a);
	CU_ASSERT_NOT_EQUAL(ids[1], a);
	CU_ASSERT_NOT_EQUAL(ids[2], a);
	CU_ASSERT_NOT_EQUAL(ids[1], ids[2]);
	CU_ASSERT_EQUAL(pv_session_file_object(db, ib), ids[1]);
	CU_ASSERT_EQUAL(pv_session_file_object(dc, ic), ids[2]);
	/* File objects and anonymous ones do not collide. */
	uint32_t anon = pv_session_new_object();
	CU_ASSERT(anon != a && anon != ids[1] && anon != ids[2]);
	close(fa);
	close(fb);
	close(fc);
}

static void test_alias_makes_file_keys_equal(void)
{
	setup();
	int sv[2];
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct stat a, b;
	CU_ASSERT_FATAL(fstat(sv[0], &a) == 0 && fstat(sv[1], &b) == 0);
	CU_ASSERT_FATAL(a.st_ino != b.st_ino);
	dev_t dc;
	ino_t ic;
	int fc = temp_file(&dc, &ic);
	CU_ASSERT_FATAL(fc >= 0);

	pv_key ka = pv_session_file_key(a.st_dev, a.st_ino);
	pv_key kb = pv_session_file_key(b.st_dev, b.st_ino);
	pv_key kc = pv_session_file_key(dc, ic);
	CU_ASSERT_NOT_EQUAL(ka, kb);
	CU_ASSERT_NOT_EQUAL(ka, kc);
	CU_ASSERT_NOT_EQUAL(kb, kc);
	CU_ASSERT_EQUAL(ka, pv_key_file(a.st_dev, a.st_ino));

	/* The alias is made in a child (socketpair there), seen here. */
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		pv_session_alias_file(b.st_dev, b.st_ino, a.st_dev, a.st_ino);
		CHILD_CHECK(pv_session_file_key(b.st_dev, b.st_ino) ==
			    pv_session_file_key(a.st_dev, a.st_ino), 1);
		_exit(0);
	}
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	kb = pv_session_file_key(b.st_dev, b.st_ino);
	CU_ASSERT_EQUAL(kb, pv_session_file_key(a.st_dev, a.st_ino));
	CU_ASSERT_EQUAL(kb, ka);
	CU_ASSERT_NOT_EQUAL(pv_session_file_key(dc, ic), kb);

	/* So what one end releases the other end acquires. */
	pv_vc c, out;
	pv_vc_init(&c);
	pv_vc_init(&out);
	pv_vc_set(&c, 6, 33);
	pv_session_release(pv_session_file_key(b.st_dev, b.st_ino), &c);
	pv_session_acquire(&out, pv_session_file_key(a.st_dev, a.st_ino));
	CU_ASSERT_EQUAL(pv_vc_get(&out, 6), 33);
	pv_vc_free(&c);
	pv_vc_free(&out);
	close(sv[0]);
	close(sv[1]);
	close(fc);
}

/* ---- shadow of shared objects ---- */

static void test_shadow_shared_by_object_and_chunk(void)
{
	setup();
	uint32_t obj = pv_session_new_object(), other = pv_session_new_object();
	pv_cell *s3 = pv_session_shadow(obj, 3, CHUNK_SHADOW_BYTES);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s3);
	CU_ASSERT_TRUE(pv_session_contains(s3));
	CU_ASSERT_TRUE(pv_session_contains((char *)s3 + CHUNK_SHADOW_BYTES - 1));
	CU_ASSERT_PTR_EQUAL(pv_session_shadow(obj, 3, CHUNK_SHADOW_BYTES), s3);
	/* New shadow is empty. */
	size_t last = CHUNK_SHADOW_BYTES / sizeof(pv_cell) - 1;
	CU_ASSERT_EQUAL(s3[0], 0);
	CU_ASSERT_EQUAL(s3[last], 0);

	/* Other chunks, of this object or another: other memory, no overlap. */
	pv_cell *s4 = pv_session_shadow(obj, 4, CHUNK_SHADOW_BYTES);
	pv_cell *o3 = pv_session_shadow(other, 3, CHUNK_SHADOW_BYTES);
	CU_ASSERT_PTR_NOT_EQUAL(s4, s3);
	CU_ASSERT_PTR_NOT_EQUAL(o3, s3);
	CU_ASSERT_PTR_NOT_EQUAL(o3, s4);
	pv_cell *v[3] = { s3, s4, o3 };
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			if (i != j)
				CU_ASSERT((char *)v[i] + CHUNK_SHADOW_BYTES <= (char *)v[j] ||
					  (char *)v[j] + CHUNK_SHADOW_BYTES <= (char *)v[i]);

	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		pv_cell *c = pv_session_shadow(obj, 3, CHUNK_SHADOW_BYTES);
		CHILD_CHECK(c == s3, 1);
		c[0] = PV_CELL_MAKE(0xff, 1, 0, 17, 1234);
		c[last] = 0x5eed;
		/* A chunk first made here. */
		pv_cell *n = pv_session_shadow(obj, 9, CHUNK_SHADOW_BYTES);
		n[100] = 77;
		CHILD_CHECK(write_all(p[1], &n, sizeof n) == 0, 2);
		_exit(0);
	}
	close(p[1]);
	pv_cell *n = NULL;
	CU_ASSERT_EQUAL(read_all(p[0], &n, sizeof n), 0);
	close(p[0]);
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_EQUAL(s3[0], PV_CELL_MAKE(0xff, 1, 0, 17, 1234));
	CU_ASSERT_EQUAL(s3[last], 0x5eed);
	CU_ASSERT_EQUAL(s4[0], 0);
	CU_ASSERT_EQUAL(o3[0], 0);
	pv_cell *n9 = pv_session_shadow(obj, 9, CHUNK_SHADOW_BYTES);
	CU_ASSERT_PTR_EQUAL(n9, n);
	CU_ASSERT_EQUAL(n9[100], 77);
}

/* ---- named regions ---- */

static void test_region_same_in_forked_child(void)
{
	setup();
	/* Made by the parent, found by the child. */
	long *r = pv_session_region(PV_REGION_CALLTREE_NODES, 8192);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_TRUE(pv_session_contains(r));
	CU_ASSERT_PTR_EQUAL(pv_session_region(PV_REGION_CALLTREE_NODES, 8192), r);
	r[0] = 11;
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		long *c = pv_session_region(PV_REGION_CALLTREE_NODES, 8192);
		CHILD_CHECK(c == r, 1);
		CHILD_CHECK(c[0] == 11, 2);
		c[1000] = 22;
		/* Made by the child, found by the parent. */
		long *i = pv_session_region(PV_REGION_CALLTREE_INDEX, 4096);
		CHILD_CHECK(i && i != r, 3);
		i[0] = 33;
		CHILD_CHECK(write_all(p[1], &i, sizeof i) == 0, 4);
		_exit(0);
	}
	close(p[1]);
	long *ci = NULL;
	CU_ASSERT_EQUAL(read_all(p[0], &ci, sizeof ci), 0);
	close(p[0]);
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_EQUAL(r[1000], 22);
	long *i = pv_session_region(PV_REGION_CALLTREE_INDEX, 4096);
	CU_ASSERT_PTR_EQUAL(i, ci);
	CU_ASSERT_EQUAL(i[0], 33);
	/* Regions do not overlap. */
	CU_ASSERT((char *)r + 8192 <= (char *)i || (char *)i + 4096 <= (char *)r);
}

/* ---- exec: the handoff ---- */

/* Run this program again in a child, with args and env + entry (which
 * replaces any PVCHECK_SESSION entry). Returns its pid. */
static pid_t exec_self(char *const args[], const char *entry)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof *env);
	if (!env)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], PV_SESSION_ENV "=", strlen(PV_SESSION_ENV) + 1))
			env[k++] = environ[i];
	if (entry)
		env[k++] = (char *)entry;
	env[k] = NULL;
	pid_t pid = fork_child();
	if (pid == 0) {
		execve("/proc/self/exe", args, env);
		_exit(127);
	}
	free(env);
	return pid;
}

/* The exec'd child: argv[2..] = handoff id, two slots, their epochs, the
 * parent's image, a pipe to write to. */
static int handoff_child(int argc, char **argv)
{
	if (argc != 9)
		return 100;
	uint32_t id = (uint32_t)strtoul(argv[2], NULL, 10);
	uint32_t s1 = (uint32_t)strtoul(argv[3], NULL, 10);
	pv_epoch e1 = strtoull(argv[4], NULL, 10);
	uint32_t s2 = (uint32_t)strtoul(argv[5], NULL, 10);
	pv_epoch e2 = strtoull(argv[6], NULL, 10);
	uint32_t parent_image = (uint32_t)strtoul(argv[7], NULL, 10);
	int out = atoi(argv[8]);
	if (pv_session_attach())
		return 1;
	if (pv_session_started_with() != id)
		return 2;
	pv_vc c;
	pv_vc_init(&c);
	pv_session_acquire(&c, pv_key_handoff(id));
	if (pv_vc_get(&c, s1) != e1)
		return 3;
	if (pv_vc_get(&c, s2) != e2)
		return 4;
	/* A new program image; a slot nobody used. */
	if (pv_session_image() == parent_image || pv_session_image() == 0)
		return 5;
	uint32_t s = pv_session_new_slot();
	if (s == s1 || s == s2 || s >= PV_MAX_SLOTS)
		return 6;
	pv_session_slot_set(s, getpid(), 1, 1);
	/* Something for the parent to find: the same session, not a new one. */
	pv_vc mine;
	pv_vc_init(&mine);
	pv_vc_set(&mine, s, 5);
	pv_session_release(pv_key_exit(getpid()), &mine);
	if (write_all(out, &s, sizeof s))
		return 7;
	return 0;
}

/* The exec'd child given a PVCHECK_SESSION that names no session:
 * argv[2] = a handoff id of the parent's session. */
static int own_session_child(int argc, char **argv)
{
	if (argc != 3)
		return 100;
	uint32_t id = (uint32_t)strtoul(argv[2], NULL, 10);
	if (pv_session_attach())
		return 1;
	if (pv_session_started_with() != 0)
		return 2;
	if (pv_session_has(pv_key_handoff(id)))
		return 3;
	return 0;
}

/* Called by cunit_main when this program is run with arguments. */
int pv_test_child(int argc, char **argv);
int pv_test_child(int argc, char **argv)
{
	if (!strcmp(argv[1], "handoff-child"))
		return handoff_child(argc, argv);
	if (!strcmp(argv[1], "own-session-child"))
		return own_session_child(argc, argv);
	return 100;
}

static void test_handoff_to_exec(void)
{
	setup();
	uint32_t s1 = pv_session_new_slot(), s2 = pv_session_new_slot();
	pv_vc c;
	pv_vc_init(&c);
	pv_vc_set(&c, s1, 42);
	pv_vc_set(&c, s2, 7);
	uint32_t id = pv_session_handoff(&c);
	CU_ASSERT_NOT_EQUAL_FATAL(id, 0);
	CU_ASSERT_TRUE(pv_session_has(pv_key_handoff(id)));
	CU_ASSERT_NOT_EQUAL(pv_session_handoff(&c), id);

	/* The session's own descriptor is closed on exec; the one for an
	 * exec is a copy that is not. */
	int xfd = pv_session_exec_fd();
	CU_ASSERT_FATAL(xfd >= 0);
	char entry[64];
	pv_session_env_entry(id, xfd, entry, sizeof entry);
	int fd = -1;
	unsigned got = 0;
	char tail = 0;
	CU_ASSERT_EQUAL(sscanf(entry, PV_SESSION_ENV "=%d:%u%c", &fd, &got, &tail), 2);
	CU_ASSERT_EQUAL(got, id);
	CU_ASSERT_EQUAL(fd, xfd);
	int fl = fcntl(fd, F_GETFD);
	CU_ASSERT(fl >= 0 && !(fl & FD_CLOEXEC));
	int own = -1;
	for (int i = 0; i < 1024 && own < 0; i++) {
		char link[64], target[128];
		snprintf(link, sizeof link, "/proc/self/fd/%d", i);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n > 0 && i != xfd && (target[n] = 0, strstr(target, "pvcheck-session")))
			own = i;
	}
	CU_ASSERT_FATAL(own >= 0);
	fl = fcntl(own, F_GETFD);
	CU_ASSERT(fl >= 0 && (fl & FD_CLOEXEC));

	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	char a[7][24];
	snprintf(a[0], sizeof a[0], "%u", id);
	snprintf(a[1], sizeof a[1], "%u", s1);
	snprintf(a[2], sizeof a[2], "%u", 42);
	snprintf(a[3], sizeof a[3], "%u", s2);
	snprintf(a[4], sizeof a[4], "%u", 7);
	snprintf(a[5], sizeof a[5], "%u", pv_session_image());
	snprintf(a[6], sizeof a[6], "%d", p[1]);
	char *args[] = { "test_session", "handoff-child", a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL };
	pid_t pid = exec_self(args, entry);
	CU_ASSERT_FATAL(pid > 0);
	close(p[1]);
	uint32_t s = PV_MAX_SLOTS;
	int rd = read_all(p[0], &s, sizeof s);
	close(p[0]);
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_EQUAL_FATAL(rd, 0);
	CU_ASSERT_FATAL(s < PV_MAX_SLOTS);
	/* What the child released is here: it joined this session. */
	pv_vc out;
	pv_vc_init(&out);
	pv_session_acquire(&out, pv_key_exit(pid));
	CU_ASSERT_EQUAL(pv_vc_get(&out, s), 5);
	int pid_, tid;
	uint32_t img;
	CU_ASSERT_EQUAL_FATAL(pv_session_slot_get(s, &pid_, &tid, &img), 0);
	CU_ASSERT_EQUAL(pid_, pid);
	CU_ASSERT_NOT_EQUAL(img, pv_session_image());
	close(xfd);
	pv_vc_free(&c);
	pv_vc_free(&out);
}

/* Only a program that carries the runtime is given the session. */
static void test_carries_runtime(void)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_TRUE(pv_session_carries_runtime(fd));
	close(fd);
	fd = open("/bin/sh", O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FALSE(pv_session_carries_runtime(fd));
	close(fd);
	dev_t d;
	ino_t i;
	fd = temp_file(&d, &i); /* empty: not ELF at all */
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FALSE(pv_session_carries_runtime(fd));
	CU_ASSERT_EQUAL(write(fd, "\177ELF\2\1\1", 7), 7);
	CU_ASSERT_FALSE(pv_session_carries_runtime(fd));
	close(fd);
}

static void test_exec_without_session_starts_its_own(void)
{
	setup();
	pv_vc c;
	pv_vc_init(&c);
	pv_vc_set(&c, 1, 1);
	uint32_t id = pv_session_handoff(&c);
	CU_ASSERT_NOT_EQUAL_FATAL(id, 0);
	/* A descriptor that is open but no session. */
	dev_t d;
	ino_t i;
	int fd = temp_file(&d, &i);
	CU_ASSERT_FATAL(fd >= 0);
	char entry[64], ids[24];
	snprintf(entry, sizeof entry, PV_SESSION_ENV "=%d:%u", fd, id);
	snprintf(ids, sizeof ids, "%u", id);
	char *args[] = { "test_session", "own-session-child", ids, NULL };
	CU_ASSERT_EQUAL(wait_child(exec_self(args, entry)), 0);
	/* And with no entry at all. */
	CU_ASSERT_EQUAL(wait_child(exec_self(args, NULL)), 0);
	close(fd);
	pv_vc_free(&c);
}


/* ---- giving back: slots, clocks, shadow ---- */

/* A slot given back goes to a thread that has seen its last epoch, and its
 * epochs go on from there; to no other. */
static void test_slot_reuse_needs_the_last_epoch(void)
{
	setup();
	pv_epoch first = 0;
	uint32_t s = pv_session_take_slot(NULL, &first);
	CU_ASSERT_FATAL(s < PV_SLOT_UNCHECKED);
	CU_ASSERT_EQUAL(first, 1);
	pv_session_slot_set(s, getpid(), 4, first);
	pv_session_slot_free(s, 500);
	pv_session_slot_free(s, 500); /* twice: still given out once */
	pv_vc blind, seen;
	pv_vc_init(&blind);
	pv_vc_init(&seen);
	pv_vc_set(&blind, s, 499);
	pv_vc_set(&seen, s, 500);
	pv_epoch f = 0;
	uint32_t other = pv_session_take_slot(&blind, &f);
	CU_ASSERT_NOT_EQUAL(other, s);
	CU_ASSERT_EQUAL(f, 1);
	uint32_t again = pv_session_take_slot(&seen, &f);
	CU_ASSERT_EQUAL(again, s);
	CU_ASSERT(f > 500);
	pv_epoch f2;
	CU_ASSERT_NOT_EQUAL(pv_session_take_slot(&seen, &f2), s);
	/* Reports about the old owner's accesses name it, not the new one. */
	pv_session_slot_set(s, getpid() + 1, 9, f);
	int pid_, tid;
	uint32_t img;
	CU_ASSERT_EQUAL_FATAL(pv_session_slot_get_at(s, 300, &pid_, &tid, &img), 0);
	CU_ASSERT_EQUAL(pid_, getpid());
	CU_ASSERT_EQUAL(tid, 4);
	CU_ASSERT_EQUAL_FATAL(pv_session_slot_get_at(s, f, &pid_, &tid, &img), 0);
	CU_ASSERT_EQUAL(pid_, getpid() + 1);
	CU_ASSERT_EQUAL(tid, 9);
	pv_vc_free(&blind);
	pv_vc_free(&seen);
}

/* A forked child's slot, given back at its end, is the next child's once
 * the parent has its exit clock; slots marked at exec go back when reaped. */
static void test_slot_of_ended_child_is_reused(void)
{
	setup();
	pv_key exit_key = fresh_key();
	uint32_t used[2];
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	for (int round = 0; round < 2; round++) {
		pv_vc mine;
		pv_vc_init(&mine);
		pv_session_acquire(&mine, exit_key);
		pid_t pid = fork_child();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			pv_epoch first;
			uint32_t s = pv_session_take_slot(&mine, &first);
			CHILD_CHECK(s < PV_SLOT_UNCHECKED, 1);
			pv_session_slot_set(s, getpid(), 0, first);
			pv_vc v;
			pv_vc_init(&v);
			pv_vc_set(&v, s, first + 10);
			pv_session_release(exit_key, &v);
			pv_session_slot_free(s, first + 10);
			CHILD_CHECK(write_all(p[1], &s, sizeof s) == 0, 2);
			_exit(0);
		}
		CU_ASSERT_EQUAL(wait_child(pid), 0);
		CU_ASSERT_EQUAL(read_all(p[0], &used[round], sizeof used[round]), 0);
		pv_vc_free(&mine);
	}
	CU_ASSERT_EQUAL(used[0], used[1]);

	/* exec: marked, then given back for the pid. */
	pv_epoch first;
	uint32_t s = pv_session_take_slot(NULL, &first);
	CU_ASSERT_FATAL(s < PV_SLOT_UNCHECKED);
	pv_session_slot_set(s, 0x7ffffff1, 0, first);
	pv_session_slot_exec(s, 77);
	pv_session_reclaim(0x7ffffff2); /* another pid: nothing */
	pv_vc v;
	pv_vc_init(&v);
	pv_vc_set(&v, s, 77);
	pv_epoch f;
	CU_ASSERT_NOT_EQUAL(pv_session_take_slot(&v, &f), s);
	pv_session_reclaim(0x7ffffff1);
	CU_ASSERT_EQUAL(pv_session_take_slot(&v, &f), s);
	CU_ASSERT(f > 77);
	pv_vc_free(&v);
	close(p[0]);
	close(p[1]);
}

/* A used-up clock is gone; its key can be made again, empty. */
static void test_forget_clock(void)
{
	setup();
	pv_key key = pv_key_exit(0x7ffffff3);
	pv_vc c, out;
	pv_vc_init(&c);
	pv_vc_init(&out);
	pv_vc_set(&c, 40, 12);
	pv_session_release(key, &c);
	CU_ASSERT_TRUE(pv_session_has(key));
	pv_session_forget(key);
	CU_ASSERT_FALSE(pv_session_has(key));
	pv_session_acquire(&out, key);
	CU_ASSERT_EQUAL(pv_vc_get(&out, 40), 0);
	/* Many more than the table holds, each used up in turn. */
	for (int i = 0; i < 70000; i++) {
		pv_key k = pv_key_exit(0x10000000 + i);
		pv_vc_set(&c, 3, (pv_epoch)i + 1);
		pv_session_release(k, &c);
		pv_session_forget(k);
	}
	pv_vc_clear(&c);
	pv_vc_set(&c, 2, 5);
	pv_session_release(key, &c);
	pv_session_acquire(&out, key);
	CU_ASSERT_EQUAL(pv_vc_get(&out, 2), 5);
	CU_ASSERT_EQUAL(pv_vc_get(&out, 40), 0); /* a reused clock starts empty */
	CU_ASSERT_EQUAL(pv_vc_get(&out, 3), 0);
	pv_session_forget(key);
	pv_vc_free(&c);
	pv_vc_free(&out);
}

/* An object's shadow lives while a process maps it, and then goes: its
 * memory is zero and used again. */
static void test_shadow_goes_with_last_mapping(void)
{
	setup();
	uint32_t obj = pv_session_new_object();
	pv_session_object_ref(obj);
	pv_session_object_ref(obj); /* two mappings */
	pv_cell *c = pv_session_shadow(obj, 0, CHUNK_SHADOW_BYTES);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	c[5] = 1234;
	pv_session_object_unref(obj);
	CU_ASSERT_EQUAL(c[5], 1234);
	CU_ASSERT_PTR_EQUAL(pv_session_shadow(obj, 0, CHUNK_SHADOW_BYTES), c);
	pv_session_object_unref(obj);
	CU_ASSERT_EQUAL(c[5], 0);
	/* Far more chunks than the arena holds at once, one after another. */
	for (int i = 0; i < 20000; i++) {
		uint32_t o = pv_session_new_object();
		pv_session_object_ref(o);
		pv_cell *d = pv_session_shadow(o, 0, CHUNK_SHADOW_BYTES);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		CU_ASSERT_EQUAL_FATAL(d[5], 0);
		d[5] = 1;
		pv_session_object_unref(o);
	}
}

/* Beyond the last slot: PV_MAX_SLOTS, said once, nothing aborts; a slot
 * given back is still taken. (Last: it uses up the session's slots.) */
static void test_slots_run_out_gently(void)
{
	setup();
	pv_epoch first;
	uint32_t s, last = PV_MAX_SLOTS;
	while ((s = pv_session_take_slot(NULL, &first)) != PV_MAX_SLOTS)
		last = s;
	CU_ASSERT_EQUAL(last, PV_SLOT_UNCHECKED - 1);
	CU_ASSERT_EQUAL(pv_session_new_slot(), PV_MAX_SLOTS);
	pv_session_slot_free(last, 3);
	pv_vc v;
	pv_vc_init(&v);
	pv_vc_set(&v, last, 3);
	CU_ASSERT_EQUAL(pv_session_take_slot(&v, &first), last);
	pv_vc_free(&v);
}

const char *pv_suite_name = "session";
const pv_test pv_tests[] = {
	{ "attach is idempotent; contains", test_attach_is_idempotent },
	{ "slots are unique across fork", test_slots_unique_across_fork },
	{ "slot info set in a child is seen by the parent", test_slot_info_set_in_child_is_seen },
	{ "a clock released in a child is acquired by the parent", test_clock_released_in_child_acquired_by_parent },
	{ "acquire of an unknown key changes nothing", test_acquire_of_unknown_key_changes_nothing },
	{ "release joins, not overwrites", test_release_joins },
	{ "release keeps every slot, up to the last", test_release_keeps_high_slots },
	{ "file objects are the same in two processes", test_file_object_same_in_two_processes },
	{ "an alias makes two files' keys equal", test_alias_makes_file_keys_equal },
	{ "shadow is shared by (object, chunk)", test_shadow_shared_by_object_and_chunk },
	{ "regions are the same in a forked child", test_region_same_in_forked_child },
	{ "an exec'd child takes the handoff", test_handoff_to_exec },
	{ "an exec'd child without a session starts its own", test_exec_without_session_starts_its_own },
	{ "the runtime's marker is found in an ELF file", test_carries_runtime },
	{ "a slot is reused only by who saw its last epoch", test_slot_reuse_needs_the_last_epoch },
	{ "an ended child's slot is reused; exec'd ones when reaped", test_slot_of_ended_child_is_reused },
	{ "a forgotten clock is gone, its memory reused", test_forget_clock },
	{ "an object's shadow goes with its last mapping", test_shadow_goes_with_last_mapping },
	{ "slots run out gently", test_slots_run_out_gently },
	{ NULL, NULL },
};
