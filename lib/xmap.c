#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "base.h"
#include "shadow.h"
#include "xmap.h"

#define CHUNK (1ul << PV_SHADOW_CHUNK_SHIFT)
#define MAX_MAPS 256

typedef struct {
	uintptr_t start;
	size_t len;
	uintptr_t res_lo, res_hi;  /* the chunks reserved around it; 0: none */
	uint32_t object;
	int counted;               /* holds a reference to the object (mapped by us) */
	uint64_t off;              /* offset of start in the object */
	char name[112];            /* for reports */
} xm;

static pv_lock lock;
static xm maps[MAX_MAPS];
static int nmaps;

/* Raw system calls: the program's mmap and munmap are intercepted. */
static void *sys_mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
	/* syscall() returns -1 and sets errno itself. */
	long r = syscall(SYS_mmap, a, len, prot, flags, fd, off);
	return r == -1 ? MAP_FAILED : (void *)r;
}

static void sys_munmap(uintptr_t a, size_t len)
{
	if (len)
		syscall(SYS_munmap, (void *)a, len);
}

int pv_xmap_any(void)
{
	return __atomic_load_n(&nmaps, __ATOMIC_RELAXED) != 0;
}

int pv_xmap_key(uintptr_t addr, int which, pv_key *key)
{
	int found = 0;
	pv_lock_acquire(&lock);
	for (int i = 0; i < nmaps; i++)
		if (addr - maps[i].start < maps[i].len) {
			*key = pv_key_memory(maps[i].object, maps[i].off + (addr - maps[i].start), which);
			found = 1;
			break;
		}
	pv_lock_release(&lock);
	return found;
}

int pv_xmap_describe(uintptr_t addr, char *name, size_t len, uintptr_t *start, size_t *size,
		     uint64_t *offset)
{
	int found = 0;
	pv_lock_acquire(&lock);
	for (int i = 0; i < nmaps && !found; i++)
		if (addr - maps[i].start < maps[i].len) {
			pv_snprintf(name, len, "%s", maps[i].name);
			*start = maps[i].start;
			*size = maps[i].len;
			*offset = maps[i].off;
			found = 1;
		}
	pv_lock_release(&lock);
	return found;
}

/* -1 when the table is full (said once): the mapping is then checked in
 * this process alone, as private memory. */
static int add(xm m)
{
	static int said;
	int ok = 0;
	pv_lock_acquire(&lock);
	if (nmaps < MAX_MAPS)
		maps[nmaps++] = m;
	else
		ok = -1;
	pv_lock_release(&lock);
	if (ok && !__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
		pv_dprintf(2, "pvcheck: more than %d shared mappings in one process: the rest "
			   "are checked in this process alone\n", MAX_MAPS);
	return ok;
}

/* What a report calls the memory: a file, a POSIX shm object or none. */
static void name_of(int flags, int fd, char *name, size_t len)
{
	char link[32], path[96];
	ssize_t n = -1;
	if (!(flags & MAP_ANONYMOUS) && fd >= 0) {
		pv_snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof path - 1);
	}
	if (n <= 0) {
		pv_snprintf(name, len, "an anonymous MAP_SHARED mapping");
		return;
	}
	path[n] = 0;
	if (!strncmp(path, "/dev/shm/", 9))
		pv_snprintf(name, len, "shm object '/%s'", path + 9);
	else
		pv_snprintf(name, len, "file '%s'", path);
}

static uint32_t object_of(int flags, int fd)
{
	struct stat st;
	if ((flags & MAP_ANONYMOUS) || fd < 0 || fstat(fd, &st))
		return pv_session_new_object();
	return pv_session_file_object(st.st_dev, st.st_ino);
}

/* The mapping's chunks take the object's shadow, on first touch. */
static void attach(const xm *m)
{
	uintptr_t skew = m->start - m->res_lo;
	uint64_t first = (m->off - skew) / CHUNK;
	for (uintptr_t c = m->res_lo; c < m->res_hi; c += CHUNK)
		pv_shadow_attach_lazy(c, m->object, first + (c - m->res_lo) / CHUNK);
}

static void detach(const xm *m)
{
	for (uintptr_t c = m->res_lo; c < m->res_hi; c += CHUNK)
		pv_shadow_detach(c);
}

void *pv_xmap_map(size_t len, int prot, int flags, int fd, off_t off)
{
	if (pv_session_attach() || !len)
		return sys_mmap(NULL, len, prot, flags, fd, off);
	/* The mapping starts at the same place in its chunk as its offset does
	 * in the object's chunk, so that chunk k of the object is one whole
	 * chunk of shadow here and in every process. */
	uintptr_t skew = (flags & MAP_ANONYMOUS) ? 0 : (uintptr_t)off & (CHUNK - 1);
	size_t span = (skew + len + CHUNK - 1) & ~(CHUNK - 1);
	void *r = sys_mmap(NULL, span + CHUNK, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return sys_mmap(NULL, len, prot, flags, fd, off);
	uintptr_t res = (uintptr_t)r, base = (res + CHUNK - 1) & ~(CHUNK - 1);
	sys_munmap(res, base - res);
	sys_munmap(base + span, res + span + CHUNK - (base + span));
	void *p = sys_mmap((void *)(base + skew), len, prot, flags | MAP_FIXED, fd, off);
	if (p == MAP_FAILED) {
		int e = errno;
		sys_munmap(base, span);
		errno = e;
		return p;
	}
	uint32_t object = object_of(flags, fd);
	xm m = { (uintptr_t)p, len, base, base + span, object, 1, (uint64_t)off, "" };
	name_of(flags, fd, m.name, sizeof m.name);
	pv_session_object_ref(object);
	if (add(m)) {
		pv_session_object_unref(object);
		return p;
	}
	attach(&m);
	return p;
}

void pv_xmap_register_file(uintptr_t start, size_t len, dev_t dev, ino_t ino, uint64_t off,
			   const char *name)
{
	if (pv_session_attach())
		return;
	pv_lock_acquire(&lock);
	for (int i = 0; i < nmaps; i++)
		if (maps[i].start == start) {
			pv_lock_release(&lock);
			return;
		}
	pv_lock_release(&lock);
	xm m = { start, len, 0, 0, pv_session_file_object(dev, ino), 0, off, "" };
	pv_snprintf(m.name, sizeof m.name, "%s", name);
	(void)add(m);
}

void pv_xmap_unmap(uintptr_t *addr, size_t *len)
{
	if (!pv_xmap_any())
		return;
	uintptr_t lo = *addr, hi = *addr + *len;
	pv_lock_acquire(&lock);
	for (int i = 0; i < nmaps;) {
		xm *m = &maps[i];
		if (m->start >= lo && m->start + m->len <= hi) {
			detach(m);
			if (m->counted > 0)
				pv_session_object_unref(m->object);
			if (m->res_lo) {
				/* The reserve around the mapping goes with it. */
				if (m->res_lo < lo)
					lo = m->res_lo;
				if (m->res_hi > hi)
					hi = m->res_hi;
			}
			*m = maps[--nmaps];
		} else {
			i++;
		}
	}
	pv_lock_release(&lock);
	*addr = lo;
	*len = hi - lo;
}

void pv_xmap_fork(int failed)
{
	if (!pv_xmap_any())
		return;
	pv_lock_acquire(&lock);
	for (int i = 0; i < nmaps; i++)
		if (maps[i].counted > 0) {
			if (failed)
				pv_session_object_unref(maps[i].object);
			else
				pv_session_object_ref(maps[i].object);
		}
	pv_lock_release(&lock);
}

void pv_xmap_release(void)
{
	if (!pv_xmap_any())
		return;
	pv_lock_acquire(&lock);
	for (int i = 0; i < nmaps; i++)
		if (maps[i].counted > 0) {
			detach(&maps[i]);
			pv_session_object_unref(maps[i].object);
			maps[i].counted = -1;
		}
	pv_lock_release(&lock);
}

void pv_xmap_retake(void)
{
	if (!pv_xmap_any())
		return;
	pv_lock_acquire(&lock);
	for (int i = 0; i < nmaps; i++)
		if (maps[i].counted < 0) {
			pv_session_object_ref(maps[i].object);
			attach(&maps[i]);
			maps[i].counted = 1;
		}
	pv_lock_release(&lock);
}
