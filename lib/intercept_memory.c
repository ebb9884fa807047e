/* The malloc family (new blocks have no history; reports say which block),
 * and memcpy/memmove/memset, which instrumented code calls for copies. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "access.h"
#include "deadlock.h"
#include "heap.h"
#include "intercept.h"
#include "shadow.h"
#include "sync.h"
#include "thread.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

/* A new block has no history: all of it, up to what malloc_usable_size
 * lets the program use. */
static void *on_alloc(void *p, size_t size, uintptr_t pc)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_dl_signal_unsafe(t, "malloc", pc);
	if (!p)
		return p;
	size_t usable = malloc_usable_size(p);
	pv_shadow_reset((uintptr_t)p, usable > size ? usable : size);
	pv_heap_add((uintptr_t)p, size, t ? t->tid : -1, t ? t->ctx : 0, pc);
	return p;
}

/* free writes the whole block (ThreadSanitizer's model): an access that
 * nothing orders before it races with it, and it leaves the block marked
 * freed, so any access after it is a use after free, ordered or not. The
 * check comes first, while reports can still say which block it was, and
 * before the real free, after which another thread may get the memory.
 * Its stack starts in the interceptor (self, a pc in it) called from pc,
 * as ThreadSanitizer's does. */
static void free_check(pv_thread *t, void *p, size_t size, int mark, uintptr_t pc,
		       uintptr_t self)
{
	if (!size)
		return;
	/* Frees come in loops: the last call path of this thread's is kept. */
	static __thread struct { pv_ctx parent, child; uintptr_t pc, self; } last
		__attribute__((tls_model("initial-exec")));
	pv_ctx ctx = t->ctx;
	uintptr_t func = t->ctx_func;
	if (last.parent != ctx || last.pc != pc || last.self != self || !last.child)
		last.child = pv_ctx_child(last.parent = ctx, last.pc = pc, last.self = self);
	t->ctx = last.child;
	t->ctx_func = self;
	pv_access_free(t, (uintptr_t)p, size, self, mark);
	t->ctx = ctx;
	t->ctx_func = func;
}

/* The block is gone, and the objects that lived in it. */
static void forget_block(pv_thread *t, void *p)
{
	size_t size = t ? pv_heap_remove((uintptr_t)p, t->tid, t->slot, pv_thread_epoch(t))
			: pv_heap_remove((uintptr_t)p, -1, 0, 0);
	pv_sync_forget((uintptr_t)p, size);
	pv_dl_forget((uintptr_t)p, size);
}

/* glibc serves big blocks with mmap of their own and frees them with
 * munmap: a later use faults, and the address may come back as anything
 * (a thread's stack and TLS, a library), not through malloc. Such a block
 * is not marked freed but forgotten, like unmapped memory. (The flag is in
 * the size word before the block, as malloc_usable_size reads it.) */
static int mmapped_block(const void *p)
{
	return (((const size_t *)p)[-1] & 2) != 0;
}

/* Not inlined: its return address is the pc in free() that free's stack
 * starts at, the same one the unwinder sees in free's frame. */
static __attribute__((noinline)) void on_free(void *p, uintptr_t pc)
{
	if (!p)
		return;
	pv_thread *t = program_thread();
	size_t size = pv_heap_size((uintptr_t)p);
	int mapped = size && mmapped_block(p);
	if (t) {
		pv_dl_signal_unsafe(t, "free", pc);
		free_check(t, p, size, !mapped, pc, CALLER_PC);
	}
	forget_block(t, p);
	if (mapped)
		pv_shadow_reset((uintptr_t)p, size);
}

PV_INTERCEPTOR void *malloc(size_t n)
{
	return on_alloc(__libc_malloc(n), n, CALLER_PC);
}

PV_INTERCEPTOR void *calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);
	return on_alloc(p, p ? n * size : 0, CALLER_PC);
}

/* The old block is read and freed, whether it moves or not (glibc's
 * realloc(p, 0) frees p and returns NULL): marked freed before glibc can
 * hand it to another thread; on failure p is left as it was, with no
 * history. Not inlined, for the pc in realloc() its stacks start at. */
static __attribute__((noinline)) void *reallocate(void *p, size_t n, uintptr_t pc)
{
	if (!p)
		return on_alloc(__libc_malloc(n), n, pc);
	pv_thread *t = program_thread();
	size_t size = pv_heap_size((uintptr_t)p);
	if (t)
		free_check(t, p, size, !(size && mmapped_block(p)), pc, CALLER_PC);
	void *q = __libc_realloc(p, n);
	if (!q && n) {
		pv_shadow_reset((uintptr_t)p, size);
		return NULL;
	}
	forget_block(t, p);
	return on_alloc(q, n, pc);
}

/* (The empty asm keeps these from tail-calling reallocate: their frame
 * must be on the stack.) */
PV_INTERCEPTOR void *realloc(void *p, size_t n)
{
	void *q = reallocate(p, n, CALLER_PC);
	__asm__ volatile("" ::: "memory");
	return q;
}

PV_INTERCEPTOR void *reallocarray(void *p, size_t n, size_t size)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	void *q = reallocate(p, bytes, CALLER_PC);
	__asm__ volatile("" ::: "memory");
	return q;
}

PV_INTERCEPTOR void free(void *p)
{
	int e = errno; /* glibc's free keeps errno */
	on_free(p, CALLER_PC);
	__libc_free(p);
	errno = e;
}

PV_INTERCEPTOR void *memalign(size_t align, size_t n)
{
	return on_alloc(__libc_memalign(align, n), n, CALLER_PC);
}

/* glibc's own, for its checks of the alignment and its errno. */
PV_INTERCEPTOR void *aligned_alloc(size_t align, size_t n)
{
	return on_alloc(REAL(aligned_alloc)(align, n), n, CALLER_PC);
}

PV_INTERCEPTOR int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;
	int r = REAL(posix_memalign)(&p, align, n);
	if (r == 0)
		*out = on_alloc(p, n, CALLER_PC);
	return r;
}

PV_INTERCEPTOR void *valloc(size_t n)
{
	return on_alloc(REAL(valloc)(n), n, CALLER_PC);
}

PV_INTERCEPTOR void *pvalloc(size_t n)
{
	void *p = REAL(pvalloc)(n);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return on_alloc(p, p ? (n + page - 1) & ~(page - 1) : 0, CALLER_PC);
}

/* glibc's checked copies reach its own memcpy without going through ours;
 * volatile pointers keep the compiler from folding them back into memcpy. */
extern void *__memcpy_chk(void *, const void *, size_t, size_t);
extern void *__memmove_chk(void *, const void *, size_t, size_t);
extern void *__memset_chk(void *, int, size_t, size_t);
static void *(*volatile real_memcpy)(void *, const void *, size_t, size_t) = __memcpy_chk;
static void *(*volatile real_memmove)(void *, const void *, size_t, size_t) = __memmove_chk;
static void *(*volatile real_memset)(void *, int, size_t, size_t) = __memset_chk;

static inline void copy_access(const void *src, void *dst, size_t n, uintptr_t pc)
{
	pv_thread *t = pv_cur();
	if (!t || t->ignore || !n)
		return;
	if (src)
		pv_access_range(t, (uintptr_t)src, n, 0, pc);
	pv_access_range(t, (uintptr_t)dst, n, 1, pc);
}

PV_INTERCEPTOR void *memcpy(void *dst, const void *src, size_t n)
{
	copy_access(src, dst, n, CALLER_PC);
	return real_memcpy(dst, src, n, (size_t)-1);
}

PV_INTERCEPTOR void *memmove(void *dst, const void *src, size_t n)
{
	copy_access(src, dst, n, CALLER_PC);
	return real_memmove(dst, src, n, (size_t)-1);
}

PV_INTERCEPTOR void *memset(void *dst, int c, size_t n)
{
	copy_access(NULL, dst, n, CALLER_PC);
	return real_memset(dst, c, n, (size_t)-1);
}

/* Newer clang calls these instead of the libc names. */
void *__tsan_memcpy(void *dst, const void *src, size_t n)
{
	copy_access(src, dst, n, CALLER_PC);
	return real_memcpy(dst, src, n, (size_t)-1);
}

void *__tsan_memmove(void *dst, const void *src, size_t n)
{
	copy_access(src, dst, n, CALLER_PC);
	return real_memmove(dst, src, n, (size_t)-1);
}

void *__tsan_memset(void *dst, int c, size_t n)
{
	copy_access(NULL, dst, n, CALLER_PC);
	return real_memset(dst, c, n, (size_t)-1);
}
