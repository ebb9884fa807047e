/* Shared mappings: placement, keys and shadow, across real processes. A
 * forked child reports through its exit status (0: all its checks passed,
 * else the number of the one that failed) and a pipe. */
#define _GNU_SOURCE
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cunit_main.h"
#include "session.h"
#include "shadow.h"
#include "xmap.h"

#define CHUNK (1ul << PV_SHADOW_CHUNK_SHIFT)
#define PAGE 4096ul
#define RW (PROT_READ | PROT_WRITE)

#define CHILD_CHECK(cond, code) do { if (!(cond)) _exit(code); } while (0)

static void setup(void)
{
	pv_shadow_init();
	CU_ASSERT_EQUAL_FATAL(pv_session_attach(), 0);
}

static pid_t fork_child(void)
{
	fflush(NULL);
	return fork();
}

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

/* A temporary file of size bytes, unlinked. */
static int temp_file(size_t size)
{
	char path[] = "/tmp/pv_xmap_testXXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	if (ftruncate(fd, (off_t)size)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The key of addr, or 0 when it has none. */
static pv_key key_of(const void *addr, int which)
{
	pv_key k = 0;
	if (!pv_xmap_key((uintptr_t)addr, which, &k))
		return 0;
	return k ? k : 1; /* a key of 0 would read as "none" here */
}

static int session_shadow(const void *addr)
{
	return pv_session_contains(pv_shadow_cells((uintptr_t)addr));
}

/* Does any mapping of this process overlap [lo, hi)? */
static int mapped(uintptr_t lo, uintptr_t hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	char line[512];
	int found = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < hi && lo < b)
			found = 1;
	}
	fclose(f);
	return found;
}

/* Do the mappings of this process that overlap [lo, hi) all lie inside it? */
static int contained(uintptr_t lo, uintptr_t hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return -1;
	char line[512];
	int ok = 1;
	while (fgets(line, sizeof line, f)) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a < hi && lo < b && (a < lo || b > hi))
			ok = 0;
	}
	fclose(f);
	return ok;
}

/* Unmap a mapping of ours as munmap would. */
static void unmap(void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;
	size_t n = len;
	pv_xmap_unmap(&a, &n);
	munmap((void *)a, n);
}

/* ---- anonymous shared memory ---- */

static void test_anonymous_mapping(void)
{
	setup();
	size_t len = 3 * PAGE;
	char *p = pv_xmap_map(len, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(p != MAP_FAILED);
	CU_ASSERT_TRUE(pv_xmap_any());
	/* Offset 0: at the start of a chunk. */
	CU_ASSERT_EQUAL((uintptr_t)p % CHUNK, 0);
	/* Usable memory, zeroed. */
	CU_ASSERT_EQUAL(p[0], 0);
	CU_ASSERT_EQUAL(p[len - 1], 0);
	memset(p, 0x5a, len);
	CU_ASSERT_EQUAL(p[len - 1], 0x5a);
	/* Its shadow is the session's. */
	CU_ASSERT_TRUE(session_shadow(p));
	CU_ASSERT_TRUE(session_shadow(p + len - 1));
	pv_cell *c = pv_shadow_cells((uintptr_t)p + 64);
	CU_ASSERT_EQUAL(c[0], 0);
	/* Private memory's shadow is not. */
	static long priv;
	CU_ASSERT_FALSE(session_shadow(&priv));
	/* A sync object in it has a key. */
	CU_ASSERT_NOT_EQUAL(key_of(p + 64, 0), 0);
	CU_ASSERT_NOT_EQUAL(key_of(p + 64, 0), key_of(p + 64, 1));
	CU_ASSERT_NOT_EQUAL(key_of(p + 64, 0), key_of(p + 128, 0));

	/* Shared with a forked child: the memory, the shadow and the keys. */
	pv_key k = key_of(p + 64, 0);
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		CHILD_CHECK(p[1] == 0x5a, 1);
		CHILD_CHECK(pv_shadow_cells((uintptr_t)p + 64) == c, 2);
		CHILD_CHECK(session_shadow(p + 64), 3);
		CHILD_CHECK(key_of(p + 64, 0) == k, 4);
		p[100] = 'x';
		c[1] = PV_CELL_MAKE(0xff, 1, 0, 9, 99);
		_exit(0);
	}
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_EQUAL(p[100], 'x');
	CU_ASSERT_EQUAL(c[1], PV_CELL_MAKE(0xff, 1, 0, 9, 99));
	unmap(p, len);
}

static void test_anonymous_mapping_over_chunks(void)
{
	setup();
	size_t len = CHUNK + CHUNK / 2;
	char *p = pv_xmap_map(len, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(p != MAP_FAILED);
	CU_ASSERT_EQUAL((uintptr_t)p % CHUNK, 0);
	p[0] = 1;
	p[len - 1] = 2;
	CU_ASSERT_TRUE(session_shadow(p));
	CU_ASSERT_TRUE(session_shadow(p + CHUNK - 8));
	CU_ASSERT_TRUE(session_shadow(p + CHUNK));
	CU_ASSERT_TRUE(session_shadow(p + len - 1));
	pv_cell *a = pv_shadow_cells((uintptr_t)p + 8), *b = pv_shadow_cells((uintptr_t)p + CHUNK + 8);
	CU_ASSERT_PTR_NOT_EQUAL(a, b);
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		pv_shadow_cells((uintptr_t)p + CHUNK + 8)[0] = 4242;
		_exit(0);
	}
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_EQUAL(b[0], 4242);
	CU_ASSERT_EQUAL(a[0], 0);
	/* Two anonymous mappings are two objects. */
	char *q = pv_xmap_map(PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(q != MAP_FAILED);
	CU_ASSERT_NOT_EQUAL(key_of(q + 8, 0), key_of(p + 8, 0));
	CU_ASSERT_PTR_NOT_EQUAL(pv_shadow_cells((uintptr_t)q + 8), a);
	unmap(q, PAGE);
	unmap(p, len);
}

/* ---- files ---- */

static void test_file_keys_by_offset(void)
{
	setup();
	int fd = temp_file(3 * CHUNK);
	CU_ASSERT_FATAL(fd >= 0);
	size_t alen = 2 * CHUNK + 2 * PAGE;
	char *a = pv_xmap_map(alen, RW, MAP_SHARED, fd, 0);
	char *b = pv_xmap_map(PAGE, RW, MAP_SHARED, fd, 2 * PAGE);
	char *c = pv_xmap_map(2 * PAGE, RW, MAP_SHARED, fd, (off_t)(CHUNK + PAGE));
	CU_ASSERT_FATAL(a != MAP_FAILED && b != MAP_FAILED && c != MAP_FAILED);
	/* Each starts where its offset is in its chunk. */
	CU_ASSERT_EQUAL((uintptr_t)a % CHUNK, 0);
	CU_ASSERT_EQUAL((uintptr_t)b % CHUNK, 2 * PAGE);
	CU_ASSERT_EQUAL((uintptr_t)c % CHUNK, PAGE);
	CU_ASSERT_PTR_NOT_EQUAL(b, a + 2 * PAGE);

	/* One file, three windows. */
	b[16] = 'b';
	CU_ASSERT_EQUAL(a[2 * PAGE + 16], 'b');
	c[PAGE + 8] = 'c';
	CU_ASSERT_EQUAL(a[CHUNK + 2 * PAGE + 8], 'c');

	/* The same file offset: the same key, whatever the address. */
	for (int w = 0; w < 2; w++) {
		CU_ASSERT_NOT_EQUAL(key_of(b + 16, w), 0);
		CU_ASSERT_EQUAL(key_of(b + 16, w), key_of(a + 2 * PAGE + 16, w));
		CU_ASSERT_EQUAL(key_of(c + 8, w), key_of(a + CHUNK + PAGE + 8, w));
		CU_ASSERT_EQUAL(key_of(c + PAGE + 40, w), key_of(a + CHUNK + 2 * PAGE + 40, w));
	}
	/* Different offsets, different keys. */
	CU_ASSERT_NOT_EQUAL(key_of(b + 16, 0), key_of(a + 16, 0));
	CU_ASSERT_NOT_EQUAL(key_of(b + 16, 0), key_of(b + 24, 0));
	CU_ASSERT_NOT_EQUAL(key_of(c + 8, 0), key_of(a + 8, 0));
	CU_ASSERT_NOT_EQUAL(key_of(c + 8, 0), key_of(a + PAGE + 8, 0));
	CU_ASSERT_NOT_EQUAL(key_of(b + 16, 0), key_of(b + 16, 1));

	/* And the same shadow. */
	CU_ASSERT_TRUE(session_shadow(b + 16));
	CU_ASSERT_PTR_EQUAL(pv_shadow_cells((uintptr_t)b + 16),
			    pv_shadow_cells((uintptr_t)a + 2 * PAGE + 16));
	CU_ASSERT_PTR_EQUAL(pv_shadow_cells((uintptr_t)c + 8),
			    pv_shadow_cells((uintptr_t)a + CHUNK + PAGE + 8));
	CU_ASSERT_PTR_NOT_EQUAL(pv_shadow_cells((uintptr_t)c + 8),
				pv_shadow_cells((uintptr_t)a + PAGE + 8));

	/* Another file: other keys. */
	int fd2 = temp_file(4 * PAGE);
	CU_ASSERT_FATAL(fd2 >= 0);
	char *d = pv_xmap_map(PAGE, RW, MAP_SHARED, fd2, 2 * PAGE);
	CU_ASSERT_FATAL(d != MAP_FAILED);
	CU_ASSERT_EQUAL((uintptr_t)d % CHUNK, 2 * PAGE);
	CU_ASSERT_NOT_EQUAL(key_of(d + 16, 0), key_of(b + 16, 0));
	CU_ASSERT_PTR_NOT_EQUAL(pv_shadow_cells((uintptr_t)d + 16), pv_shadow_cells((uintptr_t)b + 16));

	unmap(d, PAGE);
	unmap(c, 2 * PAGE);
	unmap(b, PAGE);
	unmap(a, alen);
	close(fd2);
	close(fd);
}

/* A child that maps the file itself, somewhere else: the same keys, the
 * same shadow. */
static void test_file_key_same_in_other_process(void)
{
	setup();
	int fd = temp_file(4 * PAGE);
	CU_ASSERT_FATAL(fd >= 0);
	char *b = pv_xmap_map(PAGE, RW, MAP_SHARED, fd, 2 * PAGE);
	CU_ASSERT_FATAL(b != MAP_FAILED);
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		char *d = pv_xmap_map(2 * PAGE, RW, MAP_SHARED, fd, PAGE);
		CHILD_CHECK(d != MAP_FAILED, 1);
		CHILD_CHECK(d != b - PAGE, 2);
		CHILD_CHECK((uintptr_t)d % CHUNK == PAGE, 3);
		CHILD_CHECK(session_shadow(d + PAGE + 16), 4);
		pv_shadow_cells((uintptr_t)d + PAGE + 16)[1] = 0xfeed;
		pv_key k[2] = { key_of(d + PAGE + 16, 0), key_of(d + PAGE + 16, 1) };
		CHILD_CHECK(write_all(p[1], k, sizeof k) == 0, 5);
		_exit(0);
	}
	close(p[1]);
	pv_key k[2] = { 0, 0 };
	CU_ASSERT_EQUAL(read_all(p[0], k, sizeof k), 0);
	close(p[0]);
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_NOT_EQUAL(k[0], 0);
	CU_ASSERT_EQUAL(k[0], key_of(b + 16, 0));
	CU_ASSERT_EQUAL(k[1], key_of(b + 16, 1));
	CU_ASSERT_EQUAL(pv_shadow_cells((uintptr_t)b + 16)[1], 0xfeed);
	unmap(b, PAGE);
	close(fd);
}

static void test_private_memory_has_no_key(void)
{
	setup();
	int fd = temp_file(4 * PAGE);
	CU_ASSERT_FATAL(fd >= 0);
	char *b = pv_xmap_map(PAGE, RW, MAP_SHARED, fd, 2 * PAGE);
	CU_ASSERT_FATAL(b != MAP_FAILED);
	CU_ASSERT_TRUE(pv_xmap_any());
	static long global;
	long local;
	char *heap = malloc(64);
	char *anon = mmap(NULL, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *fpriv = mmap(NULL, PAGE, RW, MAP_PRIVATE, fd, 2 * PAGE);
	CU_ASSERT_FATAL(heap && anon != MAP_FAILED && fpriv != MAP_FAILED);
	CU_ASSERT_EQUAL(key_of(&global, 0), 0);
	CU_ASSERT_EQUAL(key_of(&local, 0), 0);
	CU_ASSERT_EQUAL(key_of(heap, 0), 0);
	CU_ASSERT_EQUAL(key_of(anon, 0), 0);
	/* The same file, privately mapped (and not by pv_xmap_map). */
	CU_ASSERT_EQUAL(key_of(fpriv + 16, 0), 0);
	/* Just outside the shared mapping: its reserve. */
	CU_ASSERT_EQUAL(key_of(b - 8, 0), 0);
	CU_ASSERT_EQUAL(key_of(b + PAGE, 0), 0);
	CU_ASSERT_NOT_EQUAL(key_of(b + PAGE - 8, 0), 0);
	CU_ASSERT_NOT_EQUAL(key_of(b, 0), 0);
	munmap(fpriv, PAGE);
	munmap(anon, PAGE);
	free(heap);
	unmap(b, PAGE);
	close(fd);
}

/* pv_xmap_map fails as mmap would, with mmap's errno. */
static void expect_same_failure(size_t len, int prot, int flags, int fd, off_t off, int expect)
{
	errno = 0;
	void *m = mmap(NULL, len, prot, flags, fd, off);
	int real = errno;
	CU_ASSERT_PTR_EQUAL(m, MAP_FAILED);
	CU_ASSERT_EQUAL(real, expect);
	errno = 0;
	void *p = pv_xmap_map(len, prot, flags, fd, off);
	int got = errno;
	CU_ASSERT_PTR_EQUAL(p, MAP_FAILED);
	CU_ASSERT_EQUAL(got, real);
	if (got != real)
		fprintf(stderr, "\n    pv_xmap_map: errno %d (%s), mmap: %d (%s)\n", got,
			strerror(got), real, strerror(real));
}

static void test_map_failure_sets_errno(void)
{
	setup();
	int bad = dup(0);
	CU_ASSERT_FATAL(bad >= 0);
	close(bad);
	expect_same_failure(PAGE, RW, MAP_SHARED, bad, 0, EBADF);
	/* A file opened read-only cannot be mapped shared for writing. */
	int fd = temp_file(4 * PAGE);
	CU_ASSERT_FATAL(fd >= 0);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int ro = open(path, O_RDONLY);
	CU_ASSERT_FATAL(ro >= 0);
	expect_same_failure(PAGE, RW, MAP_SHARED, ro, 0, EACCES);
	/* An offset not a multiple of the page size. */
	expect_same_failure(PAGE, RW, MAP_SHARED, fd, 100, EINVAL);
	close(ro);
	close(fd);
}

/* ---- unmapping ---- */

static void test_unmap_forgets_and_covers_reserve(void)
{
	setup();
	int fd = temp_file(2 * CHUNK);
	CU_ASSERT_FATAL(fd >= 0);
	/* Skewed and over two chunks: the reserve is larger on both sides. */
	size_t len = CHUNK;
	char *p = pv_xmap_map(len, RW, MAP_SHARED, fd, 2 * PAGE);
	char *keep = pv_xmap_map(PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(p != MAP_FAILED && keep != MAP_FAILED);
	CU_ASSERT_EQUAL((uintptr_t)p % CHUNK, 2 * PAGE);
	CU_ASSERT_NOT_EQUAL(key_of(p + 8, 0), 0);
	CU_ASSERT_NOT_EQUAL(key_of(p + len - 8, 0), 0);
	pv_key kept = key_of(keep + 8, 0);
	CU_ASSERT_NOT_EQUAL(kept, 0);
	uintptr_t lo = (uintptr_t)p & ~(CHUNK - 1);
	uintptr_t hi = ((uintptr_t)p + len + CHUNK - 1) & ~(CHUNK - 1);
	CU_ASSERT_EQUAL(hi - lo, 2 * CHUNK);
	/* What was reserved around it is in its chunks. */
	CU_ASSERT_EQUAL(contained(lo, hi), 1);

	/* A range that holds none of it whole changes nothing. */
	uintptr_t a = (uintptr_t)p + PAGE;
	size_t n = PAGE;
	pv_xmap_unmap(&a, &n);
	CU_ASSERT_EQUAL(a, (uintptr_t)p + PAGE);
	CU_ASSERT_EQUAL(n, PAGE);
	CU_ASSERT_NOT_EQUAL(key_of(p + 8, 0), 0);

	a = (uintptr_t)p;
	n = len;
	pv_xmap_unmap(&a, &n);
	/* The whole reserve, and no more: the chunks were the mapping's alone. */
	CU_ASSERT(a <= lo && a + n >= hi);
	CU_ASSERT_EQUAL(a, lo);
	CU_ASSERT_EQUAL(a + n, hi);
	/* Forgotten: no key, no session shadow. */
	CU_ASSERT_EQUAL(key_of(p + 8, 0), 0);
	CU_ASSERT_EQUAL(key_of(p + len - 8, 0), 0);
	pv_cell *s = pv_shadow_peek((uintptr_t)p + 8);
	CU_ASSERT(!s || !pv_session_contains(s));
	s = pv_shadow_peek((uintptr_t)p + len - 8);
	CU_ASSERT(!s || !pv_session_contains(s));
	/* The other mapping is still known. */
	CU_ASSERT_EQUAL(key_of(keep + 8, 0), kept);
	/* Unmapping the range leaves nothing behind. */
	CU_ASSERT_EQUAL(mapped(lo, hi), 1);
	CU_ASSERT_EQUAL(munmap((void *)a, n), 0);
	CU_ASSERT_EQUAL(mapped(lo, hi), 0);
	CU_ASSERT_EQUAL(key_of(keep + 8, 0), kept);
	unmap(keep, PAGE);
	CU_ASSERT_EQUAL(key_of(keep + 8, 0), 0);
	close(fd);
}

/* ---- memory mapped by someone else ---- */

static void test_register_file(void)
{
	setup();
	int fd = temp_file(4 * PAGE);
	CU_ASSERT_FATAL(fd >= 0);
	struct stat st;
	CU_ASSERT_FATAL(fstat(fd, &st) == 0);
	/* Not by pv_xmap_map: as libc maps a named semaphore. */
	char *q = mmap(NULL, PAGE, RW, MAP_SHARED, fd, PAGE);
	CU_ASSERT_FATAL(q != MAP_FAILED);
	CU_ASSERT_EQUAL(key_of(q + 32, 0), 0);
	pv_xmap_register_file((uintptr_t)q, PAGE, st.st_dev, st.st_ino, PAGE, "a test file");
	CU_ASSERT_NOT_EQUAL(key_of(q + 32, 0), 0);
	CU_ASSERT_NOT_EQUAL(key_of(q + 32, 0), key_of(q + 40, 0));
	CU_ASSERT_EQUAL(key_of(q + PAGE, 0), 0);
	/* The same key as the same offset mapped by us. */
	char *m = pv_xmap_map(2 * PAGE, RW, MAP_SHARED, fd, 0);
	CU_ASSERT_FATAL(m != MAP_FAILED);
	CU_ASSERT_EQUAL(key_of(q + 32, 0), key_of(m + PAGE + 32, 0));
	CU_ASSERT_EQUAL(key_of(q + 32, 1), key_of(m + PAGE + 32, 1));
	/* Registering again is harmless. */
	pv_xmap_register_file((uintptr_t)q, PAGE, st.st_dev, st.st_ino, PAGE, "a test file");
	CU_ASSERT_EQUAL(key_of(q + 32, 0), key_of(m + PAGE + 32, 0));

	/* Another process registering its own mapping gets the same key. */
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		char *r = mmap(NULL, 3 * PAGE, RW, MAP_SHARED, fd, 0);
		CHILD_CHECK(r != MAP_FAILED, 1);
		CHILD_CHECK(key_of(r + PAGE + 32, 0) == 0, 2);
		pv_xmap_register_file((uintptr_t)r, 3 * PAGE, st.st_dev, st.st_ino, 0, "a test file");
		pv_key k = key_of(r + PAGE + 32, 0);
		CHILD_CHECK(write_all(p[1], &k, sizeof k) == 0, 3);
		_exit(0);
	}
	close(p[1]);
	pv_key k = 0;
	CU_ASSERT_EQUAL(read_all(p[0], &k, sizeof k), 0);
	close(p[0]);
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_NOT_EQUAL(k, 0);
	CU_ASSERT_EQUAL(k, key_of(q + 32, 0));

	/* Forgotten by unmap, with no reserve to add. */
	uintptr_t a = (uintptr_t)q;
	size_t n = PAGE;
	pv_xmap_unmap(&a, &n);
	CU_ASSERT_EQUAL(a, (uintptr_t)q);
	CU_ASSERT_EQUAL(n, PAGE);
	CU_ASSERT_EQUAL(key_of(q + 32, 0), 0);
	CU_ASSERT_NOT_EQUAL(key_of(m + PAGE + 32, 0), 0);
	munmap(q, PAGE);
	unmap(m, 2 * PAGE);
	close(fd);
}

static void test_describe(void)
{
	setup();
	int fd = temp_file(2 * PAGE);
	CU_ASSERT_FATAL(fd >= 0);
	char *f = pv_xmap_map(PAGE, RW, MAP_SHARED, fd, PAGE);
	char *a = pv_xmap_map(PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(f != MAP_FAILED && a != MAP_FAILED);
	char name[128];
	uintptr_t start;
	size_t size;
	uint64_t off;
	CU_ASSERT_TRUE(pv_xmap_describe((uintptr_t)f + 40, name, sizeof name, &start, &size, &off));
	CU_ASSERT_PTR_NOT_NULL(strstr(name, "file '/tmp/pv_xmap_test"));
	CU_ASSERT_EQUAL(start, (uintptr_t)f);
	CU_ASSERT_EQUAL(size, PAGE);
	CU_ASSERT_EQUAL(off, PAGE);
	CU_ASSERT_TRUE(pv_xmap_describe((uintptr_t)a, name, sizeof name, &start, &size, &off));
	CU_ASSERT_STRING_EQUAL(name, "an anonymous MAP_SHARED mapping");
	CU_ASSERT_EQUAL(off, 0);
	int local = 0;
	CU_ASSERT_FALSE(pv_xmap_describe((uintptr_t)&local, name, sizeof name, &start, &size, &off));
	unmap(f, PAGE);
	unmap(a, PAGE);
	close(fd);
}


/* ---- the session's shadow is given back ---- */

/* The shadow of a shared mapping lives while any process maps it: the
 * parent unmaps, the forked child still sees the history; when the child
 * unmaps too, the shadow is zero (given back). */
static void test_shadow_kept_while_mapped_elsewhere(void)
{
	setup();
	char *a = pv_xmap_map(PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(a != MAP_FAILED);
	pv_cell *c = pv_shadow_cells((uintptr_t)a);
	CU_ASSERT_TRUE_FATAL(pv_session_contains(c));
	c[0] = 4321;
	int go[2], done[2];
	CU_ASSERT_FATAL(pipe(go) == 0 && pipe(done) == 0);
	pv_xmap_fork(0); /* as the fork interceptor does */
	pid_t pid = fork_child();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		char b;
		CHILD_CHECK(read_all(go[0], &b, 1) == 0, 1);
		CHILD_CHECK(c[0] == 4321, 2);
		CHILD_CHECK(pv_shadow_cells((uintptr_t)a) == c, 3);
		unmap(a, PAGE);
		CHILD_CHECK(c[0] == 0, 4);
		_exit(0);
	}
	unmap(a, PAGE);
	CU_ASSERT_EQUAL(c[0], 4321);
	CU_ASSERT_EQUAL(write_all(go[1], "g", 1), 0);
	CU_ASSERT_EQUAL(wait_child(pid), 0);
	CU_ASSERT_EQUAL(c[0], 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

/* Many mappings made and unmapped, more than the session holds at once. */
static void test_map_unmap_many(void)
{
	setup();
	for (int i = 0; i < 20000; i++) {
		char *p = pv_xmap_map(1 << 20, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		CU_ASSERT_FATAL(p != MAP_FAILED);
		pv_cell *c = pv_shadow_cells((uintptr_t)p);
		CU_ASSERT_FATAL(pv_session_contains(c));
		CU_ASSERT_EQUAL_FATAL(c[0], 0);
		c[0] = 1;
		unmap(p, 1 << 20);
	}
}

/* A huge mapping gets shadow only where it is touched. */
static void test_huge_mapping(void)
{
	setup();
	size_t len = 32ul << 30;
	char *h = pv_xmap_map(len, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CU_ASSERT_FATAL(h != MAP_FAILED);
	CU_ASSERT_PTR_NULL(pv_shadow_peek((uintptr_t)h + len / 2));
	h[0] = 1;
	h[len - 1] = 2;
	CU_ASSERT_TRUE(session_shadow(h));
	CU_ASSERT_TRUE(session_shadow(h + len - 1));
	CU_ASSERT_PTR_NOT_EQUAL(pv_shadow_cells((uintptr_t)h), pv_shadow_cells((uintptr_t)h + len - 8));
	unmap(h, len);
	CU_ASSERT_EQUAL(key_of(h, 0), 0);
}

const char *pv_suite_name = "xmap";
const pv_test pv_tests[] = {
	{ "an anonymous shared mapping: memory, placement, shared shadow", test_anonymous_mapping },
	{ "an anonymous shared mapping over two chunks", test_anonymous_mapping_over_chunks },
	{ "a file's keys and shadow go by offset", test_file_keys_by_offset },
	{ "a file's keys are the same in another process", test_file_key_same_in_other_process },
	{ "private memory has no key", test_private_memory_has_no_key },
	{ "a failed map sets mmap's errno", test_map_failure_sets_errno },
	{ "unmap forgets the mapping and covers its reserve", test_unmap_forgets_and_covers_reserve },
	{ "register_file gives keys to memory mapped by others", test_register_file },
	{ "describe names the shared memory for reports", test_describe },
	{ "shadow lives while any process maps it, then goes", test_shadow_kept_while_mapped_elsewhere },
	{ "20000 mappings made and unmapped", test_map_unmap_many },
	{ "a 32 GiB mapping gets shadow where touched", test_huge_mapping },
	{ NULL, NULL },
};
