#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "base.h"
#include "session.h"

/* Sparse: only the pages touched are ever backed. */
#define ARENA_SIZE (256ul << 30)
#define MAGIC 0x31656b6365687670ull  /* "pvcheck1" */
#define XSLOTS (PV_MAX_SLOTS + 1)     /* entries of a shared clock: pages only as far as used */
#define NCLOCKS (1u << 16)
#define NSHADOWS (1u << 14)
#define NFILES 4096
#define FD_FLOOR 900                  /* keep the session's fd out of the program's way */
#define CHUNK_SHADOW ((1ul << PV_SHADOW_CHUNK_SHIFT) / PV_GRANULE * PV_SHADOW_CELLS * sizeof(pv_cell))

/* A lock between processes: futex words in shared memory, not private. */
typedef struct { int state; } xlock;

static void xlock_acquire(xlock *l)
{
	int c = 0;
	if (__atomic_compare_exchange_n(&l->state, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
	while (c) {
		syscall(SYS_futex, &l->state, FUTEX_WAIT, 2, NULL, NULL, 0);
		c = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
	}
}

static void xlock_release(xlock *l)
{
	if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
		syscall(SYS_futex, &l->state, FUTEX_WAKE, 1, NULL, NULL, 0);
}

typedef struct {
	int32_t pid, tid;
	uint32_t image, pad;
} slot_info;

/* Open addressing, key 0 empty; val is published after the key. */
typedef struct {
	uint64_t key;
	uint64_t val;
} kv;

typedef struct {
	uint64_t dev, ino;
	uint32_t object;
	uint32_t used;
	uint64_t alias_dev, alias_ino;  /* alias_ino != 0: the same channel as that file */
} file_entry;

typedef struct {
	xlock lock;
	uint32_t n;
	pv_epoch e[XSLOTS];
} xclock;

/* A program image's code: where each executable mapping of a file lies,
 * so that another image can find the same code in its own address space. */
#define MAX_IMAGES 4096
#define MAX_MODULES 64
typedef struct {
	uint64_t start, end, offset;
	char path[240];
} module;

typedef struct {
	uint32_t n;
	module m[MAX_MODULES];
} image_map;

typedef struct {
	uint64_t magic;
	uint64_t bump;
	uint32_t next_slot, next_object, next_image, next_handoff;
	xlock lock;
	uint64_t region[PV_NREGIONS];
	slot_info slots[PV_MAX_SLOTS + 1];
	kv clocks[NCLOCKS];
	kv shadows[NSHADOWS];
	file_entry files[NFILES];
	uint64_t images[MAX_IMAGES];  /* offsets of image_maps, by image id */
} header;

static header *H;
static int session_fd = -1;
static int state;               /* 0 not tried, 1 active, -1 none */
static uint32_t image;
static uint32_t started_handoff;
/* PVCHECK_OPTIONS as this program got it: a new program of the session gets
 * it whatever environment the program passes on (it may clear its own). */
static char options_entry[2200];

/* What tells an exec or a spawn that the program it starts carries the
 * runtime: this section, found by name in the file's section headers. */
#define RUNTIME_SECTION "pvcheck_runtime"
__attribute__((used, section(RUNTIME_SECTION)))
static const char runtime_marker[] = "pvcheck runtime";

static void *at(uint64_t off) { return (char *)H + off; }

static uint64_t alloc(size_t size, size_t align)
{
	uint64_t off = __atomic_fetch_add(&H->bump, (size + align - 1) & ~(align - 1), __ATOMIC_RELAXED);
	if (off + size > ARENA_SIZE)
		pv_die("the session's shared memory is exhausted");
	return off;
}

/* Raw system calls: the program's mmap is intercepted, and its
 * bookkeeping over 256 GiB would cost every process a long start. */
static void *map_arena(int fd)
{
	long r = syscall(SYS_mmap, NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, fd, 0);
	return r == -1 ? MAP_FAILED : (void *)r;
}

static int map_fd(int fd)
{
	struct stat st;
	if (fstat(fd, &st) || (uint64_t)st.st_size != ARENA_SIZE)
		return -1;
	void *p = map_arena(fd);
	if (p == MAP_FAILED)
		return -1;
	if (((header *)p)->magic != MAGIC) {
		syscall(SYS_munmap, p, ARENA_SIZE);
		return -1;
	}
	H = p;
	session_fd = fd;
	return 0;
}

static int join_env(void)
{
	const char *v = getenv(PV_SESSION_ENV);
	if (!v)
		return -1;
	char *end;
	long fd = strtol(v, &end, 10);
	if (end == v || fd < 0)
		return -1;
	if (*end == ':')
		started_handoff = (uint32_t)strtoul(end + 1, NULL, 10);
	if (map_fd((int)fd))
		return -1;
	/* Inherited for this exec only: the programs we start get their own. */
	fcntl(session_fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

static int create(void)
{
	int fd = (int)syscall(SYS_memfd_create, "pvcheck-session", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, FD_FLOOR);
	if (high >= 0) {
		close(fd);
		fd = high;
	}
	if (ftruncate(fd, (off_t)ARENA_SIZE)) {
		close(fd);
		return -1;
	}
	void *p = map_arena(fd);
	if (p == MAP_FAILED) {
		close(fd);
		return -1;
	}
	H = p;
	H->bump = (sizeof *H + 4095) & ~4095ul;
	H->next_object = H->next_image = H->next_handoff = 1;
	__atomic_store_n(&H->magic, MAGIC, __ATOMIC_RELEASE);
	session_fd = fd;
	started_handoff = 0;
	return 0;
}

/* Parse one line of /proc/self/maps into m if it maps a file's code. */
static int code_line(const char *line, module *m)
{
	unsigned long lo, hi, off;
	char perms[8];
	int n = 0;
	if (sscanf(line, "%lx-%lx %7s %lx %*s %*s%n", &lo, &hi, perms, &off, &n) != 4 ||
	    perms[2] != 'x')
		return 0;
	const char *path = line + n;
	while (*path == ' ')
		path++;
	if (*path != '/')
		return 0;
	size_t len = strcspn(path, "\n");
	if (len >= sizeof m->path)
		return 0;
	m->start = lo;
	m->end = hi;
	m->offset = off;
	pv_memcpy(m->path, path, len);
	m->path[len] = 0;
	return 1;
}

/* Record where this image's code is. Raw system calls: the program's
 * open and read are intercepted, and this runs before the runtime is up. */
static void record_image(void)
{
	if (image >= MAX_IMAGES)
		return;
	image_map *im = at(alloc(sizeof *im, 64));
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	static char buf[1 << 16];
	size_t have = 0;
	long got;
	while (have < sizeof buf - 1 &&
	       (got = syscall(SYS_read, fd, buf + have, sizeof buf - 1 - have)) > 0)
		have += (size_t)got;
	syscall(SYS_close, fd);
	buf[have] = 0;
	for (char *line = buf; *line && im->n < MAX_MODULES;) {
		char *nl = strchr(line, '\n');
		if (code_line(line, &im->m[im->n]))
			im->n++;
		if (!nl)
			break;
		line = nl + 1;
	}
	__atomic_store_n(&H->images[image], (uint64_t)((char *)im - (char *)H), __ATOMIC_RELEASE);
}

static const image_map *image_of(uint32_t id)
{
	uint64_t off = id < MAX_IMAGES ? __atomic_load_n(&H->images[id], __ATOMIC_ACQUIRE) : 0;
	return off ? at(off) : NULL;
}

int pv_session_translate_pc(uint32_t from, uintptr_t pc, uintptr_t *out)
{
	if (!pv_session_active())
		return -1;
	const image_map *a = image_of(from), *b = image_of(image);
	if (!a || !b)
		return -1;
	for (uint32_t i = 0; i < a->n; i++) {
		const module *m = &a->m[i];
		if (pc < m->start || pc >= m->end)
			continue;
		uint64_t fileoff = pc - m->start + m->offset;
		for (uint32_t j = 0; j < b->n; j++) {
			const module *o = &b->m[j];
			if (!strcmp(o->path, m->path) && fileoff >= o->offset &&
			    fileoff - o->offset < o->end - o->start) {
				*out = (uintptr_t)(o->start + (fileoff - o->offset));
				return 0;
			}
		}
		return -1;
	}
	return -1;
}

int pv_session_attach(void)
{
	static pv_lock lock;
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE))
		return state > 0 ? 0 : -1;
	pv_lock_acquire(&lock);
	if (!state) {
		const char *o = getenv("PVCHECK_OPTIONS");
		if (o && strlen(o) < sizeof options_entry - 20)
			snprintf(options_entry, sizeof options_entry, "PVCHECK_OPTIONS=%s", o);
		int ok = join_env() == 0 || create() == 0;
		if (ok) {
			image = __atomic_fetch_add(&H->next_image, 1, __ATOMIC_RELAXED);
			record_image();
		}
		__atomic_store_n(&state, ok ? 1 : -1, __ATOMIC_RELEASE);
	}
	pv_lock_release(&lock);
	return state > 0 ? 0 : -1;
}

int pv_session_active(void)
{
	return __atomic_load_n(&state, __ATOMIC_ACQUIRE) > 0;
}

int pv_session_contains(const void *p)
{
	return H && (const char *)p >= (const char *)H && (const char *)p < (const char *)H + ARENA_SIZE;
}

uint32_t pv_session_new_slot(void)
{
	uint32_t s = __atomic_fetch_add(&H->next_slot, 1, __ATOMIC_RELAXED);
	return s < PV_MAX_SLOTS ? s : PV_MAX_SLOTS;
}

void pv_session_slot_set(uint32_t slot, int pid, int tid)
{
	if (!pv_session_active() || slot >= PV_MAX_SLOTS)
		return;
	slot_info *s = &H->slots[slot];
	s->tid = tid;
	s->image = image;
	__atomic_store_n(&s->pid, pid, __ATOMIC_RELEASE);
}

int pv_session_slot_get(uint32_t slot, int *pid, int *tid, uint32_t *img)
{
	if (!pv_session_active() || slot >= PV_MAX_SLOTS)
		return -1;
	slot_info *s = &H->slots[slot];
	*pid = __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE);
	*tid = s->tid;
	*img = s->image;
	return *pid ? 0 : -1;
}

uint32_t pv_session_image(void)
{
	return image;
}

/* ---- keyed tables ---- */


/* The value under key, made by make() on first use; 0 if absent and !make. */
static uint64_t lookup(kv *table, uint32_t size, uint64_t key, uint64_t (*make)(void))
{
	for (uint32_t i = (uint32_t)pv_mix64(key) & (size - 1), n = 0; n < size; i = (i + 1) & (size - 1), n++) {
		kv *e = &table[i];
		uint64_t k = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
		if (k == 0) {
			if (!make)
				return 0;
			if (!__atomic_compare_exchange_n(&e->key, &k, key, 0, __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE)) {
				if (k != key)
					continue;
			} else {
				__atomic_store_n(&e->val, make(), __ATOMIC_RELEASE);
			}
		} else if (k != key) {
			continue;
		}
		uint64_t v;
		while (!(v = __atomic_load_n(&e->val, __ATOMIC_ACQUIRE)))
			sched_yield();
		return v;
	}
	if (make)
		pv_die("the session's table of shared objects is full");
	return 0;
}

static uint64_t make_clock(void) { return alloc(sizeof(xclock), 64); }
static uint64_t make_shadow(void) { return alloc(CHUNK_SHADOW, 4096); }

void pv_session_acquire(pv_vc *into, pv_key key)
{
	if (!pv_session_active())
		return;
	uint64_t off = lookup(H->clocks, NCLOCKS, key, NULL);
	if (!off)
		return;
	xclock *c = at(off);
	xlock_acquire(&c->lock);
	for (uint32_t i = 0; i < c->n; i++)
		if (c->e[i] > pv_vc_get(into, i))
			pv_vc_set(into, i, c->e[i]);
	xlock_release(&c->lock);
}

void pv_session_release(pv_key key, const pv_vc *from)
{
	if (!pv_session_active())
		return;
	xclock *c = at(lookup(H->clocks, NCLOCKS, key, make_clock));
	uint32_t n = from->n < XSLOTS ? from->n : XSLOTS;
	xlock_acquire(&c->lock);
	for (uint32_t i = 0; i < n; i++)
		if (from->e[i] > c->e[i])
			c->e[i] = from->e[i];
	if (n > c->n)
		c->n = n;
	xlock_release(&c->lock);
}

int pv_session_has(pv_key key)
{
	return pv_session_active() && lookup(H->clocks, NCLOCKS, key, NULL) != 0;
}

pv_key pv_key_memory(uint32_t object, uint64_t offset, int which)
{
	return 1ull << 60 | (uint64_t)(object & 0xfffff) << 40 |
	       (offset & ((1ull << 39) - 1)) << 1 | (uint64_t)(which & 1);
}

pv_key pv_key_exit(pid_t pid) { return 2ull << 60 | (uint32_t)pid; }
pv_key pv_key_handoff(uint32_t id) { return 4ull << 60 | id; }

pv_key pv_key_file(dev_t dev, ino_t ino)
{
	return 3ull << 60 | (pv_mix64((uint64_t)dev * 0x9e3779b97f4a7c15ull ^ (uint64_t)ino) >> 4);
}

uint32_t pv_session_new_object(void)
{
	return __atomic_fetch_add(&H->next_object, 1, __ATOMIC_RELAXED);
}

/* Under H->lock. */
static file_entry *file_slot(dev_t dev, ino_t ino, int make)
{
	for (uint32_t i = (uint32_t)pv_mix64(pv_key_file(dev, ino)) & (NFILES - 1), n = 0; n < NFILES;
	     i = (i + 1) & (NFILES - 1), n++) {
		file_entry *f = &H->files[i];
		if (f->used && f->dev == (uint64_t)dev && f->ino == (uint64_t)ino)
			return f;
		if (!f->used) {
			if (!make)
				return NULL;
			f->used = 1;
			f->dev = dev;
			f->ino = ino;
			return f;
		}
	}
	if (make)
		pv_die("the session's table of shared files is full");
	return NULL;
}

uint32_t pv_session_file_object(dev_t dev, ino_t ino)
{
	xlock_acquire(&H->lock);
	file_entry *f = file_slot(dev, ino, 1);
	if (!f->object)
		f->object = pv_session_new_object();
	uint32_t id = f->object;
	xlock_release(&H->lock);
	return id;
}

void pv_session_alias_file(dev_t dev, ino_t ino, dev_t to_dev, ino_t to_ino)
{
	if (!pv_session_active())
		return;
	xlock_acquire(&H->lock);
	file_entry *f = file_slot(dev, ino, 1);
	f->alias_dev = to_dev;
	f->alias_ino = to_ino;
	xlock_release(&H->lock);
}

pv_key pv_session_file_key(dev_t dev, ino_t ino)
{
	if (!pv_session_active())
		return pv_key_file(dev, ino);
	xlock_acquire(&H->lock);
	file_entry *f = file_slot(dev, ino, 0);
	if (f && f->alias_ino) {
		dev = f->alias_dev;
		ino = f->alias_ino;
	}
	xlock_release(&H->lock);
	return pv_key_file(dev, ino);
}

pv_cell *pv_session_shadow(uint32_t object, uint64_t chunk)
{
	uint64_t key = ((uint64_t)object << 32 | (chunk & 0xffffffffu)) + 1;
	return at(lookup(H->shadows, NSHADOWS, key, make_shadow));
}

void *pv_session_region(int id, size_t size)
{
	if (pv_session_attach())
		return NULL;
	uint64_t off = __atomic_load_n(&H->region[id], __ATOMIC_ACQUIRE);
	if (!off) {
		xlock_acquire(&H->lock);
		off = H->region[id];
		if (!off) {
			off = alloc(size, 4096);
			__atomic_store_n(&H->region[id], off, __ATOMIC_RELEASE);
		}
		xlock_release(&H->lock);
	}
	return at(off);
}

uint32_t pv_session_handoff(const pv_vc *from)
{
	if (!pv_session_active())
		return 0;
	uint32_t id = __atomic_fetch_add(&H->next_handoff, 1, __ATOMIC_RELAXED);
	pv_session_release(pv_key_handoff(id), from);
	return id;
}

int pv_session_exec_fd(void)
{
	if (!pv_session_active())
		return -1;
	return fcntl(session_fd, F_DUPFD, FD_FLOOR);
}

void pv_session_env_entry(uint32_t handoff, int fd, char *buf, size_t len)
{
	snprintf(buf, len, "%s=%d:%u", PV_SESSION_ENV, fd, handoff);
}

const char *pv_session_options_entry(void)
{
	return options_entry[0] ? options_entry : NULL;
}

/* Read n bytes at off with raw calls: read is intercepted. */
static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	return syscall(SYS_pread64, fd, buf, n, (off_t)off) == (long)n ? 0 : -1;
}

int pv_session_carries_runtime(int fd)
{
	Elf64_Ehdr eh;
	Elf64_Shdr names, sh[32];
	if (pread_all(fd, &eh, sizeof eh, 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    eh.e_shstrndx >= eh.e_shnum ||
	    pread_all(fd, &names, sizeof names, eh.e_shoff + eh.e_shstrndx * sizeof names))
		return 0;
	/* The section names, as far as a small buffer holds them. */
	char str[2048];
	size_t len = names.sh_size < sizeof str ? names.sh_size : sizeof str;
	if (!len || pread_all(fd, str, len, names.sh_offset))
		return 0;
	str[len - 1] = 0;
	for (unsigned i = 0; i < eh.e_shnum; i += 32) {
		unsigned n = eh.e_shnum - i < 32 ? eh.e_shnum - i : 32;
		if (pread_all(fd, sh, n * sizeof *sh, eh.e_shoff + i * sizeof *sh))
			return 0;
		for (unsigned j = 0; j < n; j++)
			if (sh[j].sh_name < len && !strcmp(str + sh[j].sh_name, RUNTIME_SECTION))
				return 1;
	}
	return 0;
}

uint32_t pv_session_started_with(void)
{
	return started_handoff;
}
