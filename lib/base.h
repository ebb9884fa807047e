/* Runtime-internal primitives: locks, allocation, raw output.
 * The runtime cannot use pthread mutexes or malloc through their public
 * names: both are intercepted and would recurse into the checker. */
#ifndef PV_BASE_H
#define PV_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define PV_LIKELY(x) __builtin_expect(!!(x), 1)
#define PV_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* A futex-backed lock, zero-initialised. */
typedef struct { int state; } pv_lock;
#define PV_LOCK_INIT { 0 }
void pv_lock_acquire(pv_lock *l);
void pv_lock_release(pv_lock *l);
/* In a fork child: the lock's holder may not exist any more. */
static inline void pv_lock_reset(pv_lock *l) { __atomic_store_n(&l->state, 0, __ATOMIC_RELAXED); }

/* A signal handler run while its thread holds a runtime lock could wait
 * for that lock (an atomic in the handler on the variable the thread was
 * updating): the program's handlers defer their signal until the thread
 * holds none, as ThreadSanitizer defers signals. 1 when sig was deferred. */
int pv_lock_defer_signal(int sig);
/* The forking thread's locks are reset in the child: it holds none. */
void pv_lock_held_reset(void);

/* A 64-bit mix (splitmix64's finaliser) for hash tables. */
static inline uint64_t pv_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Memory for the runtime itself, never seen by the heap interceptors. */
void *pv_alloc(size_t n);          /* zeroed; aborts on exhaustion */
void *pv_realloc(void *p, size_t n);
void pv_free(void *p);
/* Large zeroed regions straight from mmap, released with pv_unmap. */
void *pv_map(size_t n);
void pv_unmap(void *p, size_t n);

/* Copies that never go through the memcpy/memset interceptors. */
void pv_memcpy(void *dst, const void *src, size_t n);
void pv_memset(void *dst, int c, size_t n);

/* Write all of buf to fd, retrying on EINTR and short writes. */
int pv_write_all(int fd, const void *buf, size_t n);
/* open and close as system calls: the names are interceptors, which a
 * program may also define for itself. */
int pv_open(const char *path, int flags, int mode);
void pv_close(int fd);
/* vsnprintf and snprintf that never go through the interceptors of the
 * names (which record the program's writes). */
int pv_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int pv_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* printf to fd through a stack buffer; no allocation. */
void pv_dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a message about the runtime itself and abort. */
void pv_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Growable string for building report text and JSON. */
typedef struct { char *buf; size_t len, cap; } pv_strbuf;
void pv_sb_init(pv_strbuf *sb);
void pv_sb_free(pv_strbuf *sb);
void pv_sb_putc(pv_strbuf *sb, char c);
void pv_sb_puts(pv_strbuf *sb, const char *s);
void pv_sb_printf(pv_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pv_sb_json_string(pv_strbuf *sb, const char *s); /* quoted, escaped */

#endif
