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

/* Who uses a slot, from which epoch, and who did before (for reports about
 * the old owner's accesses still in shared shadow). last: the final epoch
 * of a slot given back; exec_last: of a slot whose process is exec'ing. */
typedef struct {
	int32_t pid, tid;
	uint32_t image, pad;
	pv_epoch first, last, exec_last;
	int32_t prev_pid, prev_tid;
	uint32_t prev_image, pad2;
} slot_info;

/* The shadow of one chunk of a shared object, and the next of its object's. */
typedef struct {
	uint64_t key;   /* (object << 32 | chunk) + 1; 0 empty, TOMB deleted */
	uint64_t off;
	uint32_t next;  /* index + 1 of the object's next chunk, 0 none */
	uint32_t pad;
} shadow_entry;

/* A shared object's mappings in all processes: its chunks go when none is left. */
typedef struct {
	uint64_t key;   /* object + 1; 0 empty, TOMB deleted */
	uint32_t refs;
	uint32_t chunks; /* index + 1 of its first shadow_entry */
} object_entry;

#define TOMB (~0ull)
#define NOBJECTS 8192

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
	uint32_t said;                /* limits already told on stderr, by bit */
	uint64_t region[PV_NREGIONS];
	slot_info slots[PV_MAX_SLOTS + 1];
	kv clocks[NCLOCKS];
	shadow_entry shadows[NSHADOWS];
	object_entry objects[NOBJECTS];
	file_entry files[NFILES];
	uint64_t images[MAX_IMAGES];  /* offsets of image_maps, by image id */
	/* Given back, for reuse: slots, clocks' and chunks' memory. */
	uint32_t nfree_slots, nfree_clocks, nfree_shadows, pad;
	uint64_t shadow_bytes;        /* of one chunk's shadow: all are alike */
	uint32_t free_slots[PV_MAX_SLOTS];
	uint64_t free_clocks[NCLOCKS];
	uint64_t free_shadows[NSHADOWS];
} header;

static header *H;
static int session_fd = -1;
static int state;               /* 0 not tried, 1 active, -1 none */
static uint32_t image;
static uint32_t started_handoff;
/* PVCHECK_OPTIONS as this program got it: a new program of the session gets
 * it whatever environment the program passes on (it may clear its own). */
static char options_entry[2200];


/* Tells an exec or spawn, and `pvcheck run`, that a program carries this
 * runtime: a section of its own survives strip. */
__attribute__((used, section(PV_RUNTIME_SECTION)))
static const char runtime_marker[] = "pvcheck runtime";

static void *at(uint64_t off) { return (char *)H + off; }

/* A limit of the session, told once on stderr for the whole session. */
enum { SAID_MEMORY = 1, SAID_CLOCKS = 2, SAID_SHADOWS = 4, SAID_FILES = 8, SAID_SLOTS = 16 };

static void say_once(unsigned bit, const char *what)
{
	if (!(__atomic_fetch_or(&H->said, bit, __ATOMIC_RELAXED) & bit))
		pv_dprintf(2, "pvcheck: %s\n", what);
}

/* Memory of the arena; 0 when it is exhausted (the caller degrades). */
static uint64_t alloc(size_t size, size_t align)
{
	size = (size + align - 1) & ~(align - 1);
	uint64_t off = __atomic_load_n(&H->bump, __ATOMIC_RELAXED);
	do {
		if (off + size > ARENA_SIZE) {
			say_once(SAID_MEMORY, "the session's shared memory is exhausted: some memory "
				 "and sync shared by processes is no longer checked across them");
			return 0;
		}
	} while (!__atomic_compare_exchange_n(&H->bump, &off, off + size, 0, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
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
		pv_close(fd);
		fd = high;
	}
	if (ftruncate(fd, (off_t)ARENA_SIZE)) {
		pv_close(fd);
		return -1;
	}
	void *p = map_arena(fd);
	if (p == MAP_FAILED) {
		pv_close(fd);
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
	uint64_t off = image < MAX_IMAGES ? alloc(sizeof(image_map), 64) : 0;
	if (!off)
		return;
	image_map *im = at(off);
	int fd = pv_open("/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	static char buf[1 << 16];
	size_t have = 0;
	long got;
	while (have < sizeof buf - 1 &&
	       (got = syscall(SYS_read, fd, buf + have, sizeof buf - 1 - have)) > 0)
		have += (size_t)got;
	pv_close(fd);
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
	/* The marker is kept by a link with --gc-sections too. */
	__asm__ volatile("" : : "r"(runtime_marker));
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE))
		return state > 0 ? 0 : -1;
	pv_lock_acquire(&lock);
	if (!state) {
		const char *o = getenv("PVCHECK_OPTIONS");
		if (o && strlen(o) < sizeof options_entry - 20)
			pv_snprintf(options_entry, sizeof options_entry, "PVCHECK_OPTIONS=%s", o);
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
	uint32_t s = __atomic_load_n(&H->next_slot, __ATOMIC_RELAXED);
	do {
		if (s >= PV_SLOT_UNCHECKED)
			return PV_MAX_SLOTS;
	} while (!__atomic_compare_exchange_n(&H->next_slot, &s, s + 1, 0, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return s;
}

/* A slot is reused only by a thread that has seen the end of its last
 * owner: old accesses in shared shadow are then ordered before the new
 * owner's, as its own earlier accesses would be. Few are looked at: the
 * last given back first (a forking server's child, just waited for). */
uint32_t pv_session_take_slot(const pv_vc *known, pv_epoch *first)
{
	*first = 1;
	if (!pv_session_active())
		return PV_MAX_SLOTS;
	if (known && __atomic_load_n(&H->nfree_slots, __ATOMIC_RELAXED)) {
		uint32_t found = PV_MAX_SLOTS;
		xlock_acquire(&H->lock);
		for (uint32_t i = H->nfree_slots, n = 0; i-- > 0 && n < 64; n++) {
			uint32_t s = H->free_slots[i];
			if (pv_vc_get(known, s) >= H->slots[s].last) {
				H->free_slots[i] = H->free_slots[--H->nfree_slots];
				H->slots[s].pad = 0;
				/* A margin: the last owner's process may still tick
				 * a little on its way out (destructors). */
				*first = H->slots[s].last + 1 + 256;
				found = s;
				break;
			}
		}
		xlock_release(&H->lock);
		if (found != PV_MAX_SLOTS)
			return found;
	}
	uint32_t s = pv_session_new_slot();
	if (s == PV_MAX_SLOTS)
		say_once(SAID_SLOTS, "more than 65534 threads at once in the processes of one "
			 "program: threads beyond are not checked");
	return s;
}

void pv_session_slot_free(uint32_t slot, pv_epoch last)
{
	if (!pv_session_active() || slot >= PV_SLOT_UNCHECKED || !last)
		return;
	xlock_acquire(&H->lock);
	slot_info *s = &H->slots[slot];
	if (last > s->last)
		s->last = last;
	s->exec_last = 0;
	if (!s->pad) { /* pad: in the free list */
		s->pad = 1;
		H->free_slots[H->nfree_slots++] = slot;
	}
	xlock_release(&H->lock);
}

void pv_session_slot_exec(uint32_t slot, pv_epoch last)
{
	if (pv_session_active() && slot < PV_SLOT_UNCHECKED)
		__atomic_store_n(&H->slots[slot].exec_last, last, __ATOMIC_RELAXED);
}

void pv_session_reclaim(int pid)
{
	if (!pv_session_active())
		return;
	uint32_t n = __atomic_load_n(&H->next_slot, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < n && i < PV_SLOT_UNCHECKED; i++) {
		slot_info *s = &H->slots[i];
		pv_epoch last = __atomic_load_n(&s->exec_last, __ATOMIC_RELAXED);
		if (last && s->pid == pid)
			pv_session_slot_free(i, last);
	}
}

void pv_session_slot_set(uint32_t slot, int pid, int tid, pv_epoch first)
{
	if (!pv_session_active() || slot >= PV_MAX_SLOTS)
		return;
	slot_info *s = &H->slots[slot];
	xlock_acquire(&H->lock);
	if (s->pid && (s->pid != pid || s->image != image || s->tid != tid)) {
		s->prev_pid = s->pid;
		s->prev_tid = s->tid;
		s->prev_image = s->image;
	}
	s->tid = tid;
	s->image = image;
	s->first = first;
	s->exec_last = 0;
	__atomic_store_n(&s->pid, pid, __ATOMIC_RELEASE);
	xlock_release(&H->lock);
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

int pv_session_slot_get_at(uint32_t slot, pv_epoch e, int *pid, int *tid, uint32_t *img)
{
	if (pv_session_slot_get(slot, pid, tid, img))
		return -1;
	slot_info *s = &H->slots[slot];
	if (e >= s->first || !s->prev_pid)
		return 0;
	*pid = s->prev_pid;
	*tid = s->prev_tid;
	*img = s->prev_image;
	return 0;
}

uint32_t pv_session_image(void)
{
	return image;
}

/* ---- keyed tables ---- */


/* The clock under key: found without a lock (entries are published val
 * first, then key), made under H->lock. 0 if absent (or no memory left). */
static uint64_t find_clock(uint64_t key)
{
	for (uint32_t i = (uint32_t)pv_mix64(key) & (NCLOCKS - 1), n = 0; n < NCLOCKS;
	     i = (i + 1) & (NCLOCKS - 1), n++) {
		kv *e = &H->clocks[i];
		uint64_t k = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
		if (k == key)
			return __atomic_load_n(&e->val, __ATOMIC_ACQUIRE);
		if (k == 0)
			return 0;
	}
	return 0;
}

static uint64_t make_clock(uint64_t key)
{
	uint64_t off = find_clock(key);
	if (off)
		return off;
	xlock_acquire(&H->lock);
	kv *free_entry = NULL;
	for (uint32_t i = (uint32_t)pv_mix64(key) & (NCLOCKS - 1), n = 0; n < NCLOCKS;
	     i = (i + 1) & (NCLOCKS - 1), n++) {
		kv *e = &H->clocks[i];
		if (e->key == key) {
			xlock_release(&H->lock);
			return e->val;
		}
		if (e->key == TOMB && !free_entry)
			free_entry = e;
		if (e->key == 0) {
			if (!free_entry)
				free_entry = e;
			break;
		}
	}
	off = 0;
	if (!free_entry) {
		say_once(SAID_CLOCKS, "the session's table of shared clocks is full: some "
			 "happens-before between processes is no longer seen");
	} else if (H->nfree_clocks) {
		off = H->free_clocks[--H->nfree_clocks];
		xclock *c = at(off);
		pv_memset(c->e, 0, c->n * sizeof *c->e);
		c->n = 0;
		c->lock.state = 0;
	} else {
		off = alloc(sizeof(xclock), 64);
	}
	if (off) {
		__atomic_store_n(&free_entry->val, off, __ATOMIC_RELEASE);
		__atomic_store_n(&free_entry->key, key, __ATOMIC_RELEASE);
	}
	xlock_release(&H->lock);
	return off;
}

void pv_session_acquire(pv_vc *into, pv_key key)
{
	if (!pv_session_active())
		return;
	uint64_t off = find_clock(key);
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
	uint64_t off = make_clock(key);
	if (!off)
		return;
	xclock *c = at(off);
	uint32_t n = from->n < XSLOTS ? from->n : XSLOTS;
	xlock_acquire(&c->lock);
	for (uint32_t i = 0; i < n; i++)
		if (from->e[i] > c->e[i])
			c->e[i] = from->e[i];
	if (n > c->n)
		c->n = n;
	xlock_release(&c->lock);
}

void pv_session_forget(pv_key key)
{
	if (!pv_session_active())
		return;
	xlock_acquire(&H->lock);
	for (uint32_t i = (uint32_t)pv_mix64(key) & (NCLOCKS - 1), n = 0; n < NCLOCKS;
	     i = (i + 1) & (NCLOCKS - 1), n++) {
		kv *e = &H->clocks[i];
		if (e->key == key) {
			__atomic_store_n(&e->key, TOMB, __ATOMIC_RELEASE);
			H->free_clocks[H->nfree_clocks++] = e->val;
			break;
		}
		if (e->key == 0)
			break;
	}
	xlock_release(&H->lock);
}

int pv_session_has(pv_key key)
{
	return pv_session_active() && find_clock(key) != 0;
}

pv_key pv_key_memory(uint32_t object, uint64_t offset, int which)
{
	return 1ull << 60 | (uint64_t)(object & 0xfffff) << 40 |
	       (offset & ((1ull << 39) - 1)) << 1 | (uint64_t)(which & 1);
}

pv_key pv_key_exit(pid_t pid) { return 2ull << 60 | (uint32_t)pid; }
pv_key pv_key_handoff(uint32_t id) { return 4ull << 60 | id; }
pv_key pv_key_endpoint(uint64_t hash) { return 5ull << 60 | (pv_mix64(hash) >> 4); }

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
		say_once(SAID_FILES, "the session's table of shared files is full: some files "
			 "and pipes are no longer followed across processes");
	return NULL;
}

uint32_t pv_session_file_object(dev_t dev, ino_t ino)
{
	xlock_acquire(&H->lock);
	file_entry *f = file_slot(dev, ino, 1);
	uint32_t id = f ? f->object : 0;
	if (f && !id)
		id = f->object = pv_session_new_object();
	xlock_release(&H->lock);
	return id ? id : pv_session_new_object();
}

void pv_session_alias_file(dev_t dev, ino_t ino, dev_t to_dev, ino_t to_ino)
{
	if (!pv_session_active())
		return;
	xlock_acquire(&H->lock);
	file_entry *f = file_slot(dev, ino, 1);
	if (f) {
		f->alias_dev = to_dev;
		f->alias_ino = to_ino;
	}
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

/* Under H->lock: the entry of key in a table of entries with a key first,
 * or where to put it (the first deleted or empty one), or NULL if full. */
#define FIND_ENTRY(table, size, k, found, slot)                                               \
	do {                                                                                  \
		found = slot = NULL;                                                          \
		for (uint32_t i_ = (uint32_t)pv_mix64(k) & ((size) - 1), n_ = 0; n_ < (size); \
		     i_ = (i_ + 1) & ((size) - 1), n_++) {                                    \
			if ((table)[i_].key == (k)) {                                         \
				found = &(table)[i_];                                         \
				break;                                                        \
			}                                                                     \
			if ((table)[i_].key == TOMB && !slot)                                 \
				slot = &(table)[i_];                                          \
			if ((table)[i_].key == 0) {                                           \
				if (!slot)                                                    \
					slot = &(table)[i_];                                  \
				break;                                                        \
			}                                                                     \
		}                                                                             \
	} while (0)

/* Under H->lock. */
static object_entry *object_of(uint32_t object, int make)
{
	object_entry *o, *slot;
	uint64_t key = (uint64_t)object + 1;
	FIND_ENTRY(H->objects, NOBJECTS, key, o, slot);
	if (o || !make || !slot)
		return o;
	*slot = (object_entry){ key, 0, 0 };
	return slot;
}

void *pv_session_shadow(uint32_t object, uint64_t chunk, size_t bytes)
{
	uint64_t key = ((uint64_t)object << 32 | (chunk & 0xffffffffu)) + 1;
	shadow_entry *e, *slot;
	uint64_t off = 0;
	xlock_acquire(&H->lock);
	FIND_ENTRY(H->shadows, NSHADOWS, key, e, slot);
	if (e) {
		off = e->off;
	} else if (slot) {
		H->shadow_bytes = bytes;
		off = H->nfree_shadows ? H->free_shadows[--H->nfree_shadows] : alloc(bytes, 4096);
		if (off) {
			object_entry *o = object_of(object, 0);
			*slot = (shadow_entry){ key, off, o ? o->chunks : 0, 0 };
			if (o)
				o->chunks = (uint32_t)(slot - H->shadows) + 1;
		}
	}
	xlock_release(&H->lock);
	if (!off)
		say_once(SAID_SHADOWS, "the session's shadow for shared memory is exhausted: "
			 "some shared memory is checked in each process alone");
	return off ? at(off) : NULL;
}

void pv_session_object_ref(uint32_t object)
{
	if (!pv_session_active())
		return;
	xlock_acquire(&H->lock);
	object_entry *o = object_of(object, 1);
	if (o)
		o->refs++;
	xlock_release(&H->lock);
}

/* The last mapping is gone: its chunks' memory goes back to the kernel
 * (a hole punched in the session's file reads as zeros) and to reuse. */
void pv_session_object_unref(uint32_t object)
{
	if (!pv_session_active())
		return;
	xlock_acquire(&H->lock);
	object_entry *o = object_of(object, 0);
	if (o && o->refs && !--o->refs) {
		for (uint32_t i = o->chunks; i;) {
			shadow_entry *e = &H->shadows[i - 1];
			fallocate(session_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  (off_t)e->off, (off_t)H->shadow_bytes);
			H->free_shadows[H->nfree_shadows++] = e->off;
			i = e->next;
			e->key = TOMB;
		}
		o->key = TOMB;
	}
	xlock_release(&H->lock);
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
	return off ? at(off) : NULL;
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
	pv_snprintf(buf, len, "%s=%d:%u", PV_SESSION_ENV, fd, handoff);
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
			if (sh[j].sh_name < len && !strcmp(str + sh[j].sh_name, PV_RUNTIME_SECTION))
				return 1;
	}
	return 0;
}

uint32_t pv_session_started_with(void)
{
	return started_handoff;
}

int pv_session_first_image(void)
{
	return !pv_session_active() || image == 1;
}
