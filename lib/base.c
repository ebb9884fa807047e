#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "base.h"

/* glibc's allocator under names the runtime's own interceptors don't own. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static long futex(int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* Runtime locks this thread holds, and the signals that came meanwhile. */
static __thread int held __attribute__((tls_model("initial-exec")));
static __thread uint64_t deferred __attribute__((tls_model("initial-exec")));

int pv_lock_defer_signal(int sig)
{
	if (!__atomic_load_n(&held, __ATOMIC_RELAXED) || sig <= 0 || sig >= 64)
		return 0;
	__atomic_fetch_or(&deferred, 1ull << sig, __ATOMIC_RELAXED);
	return 1;
}

void pv_lock_held_reset(void)
{
	held = 0;
}

/* The last lock is let go: the deferred signals come now. */
static __attribute__((noinline)) void raise_deferred(void)
{
	uint64_t sigs = __atomic_exchange_n(&deferred, 0, __ATOMIC_RELAXED);
	pid_t pid = (pid_t)syscall(SYS_getpid), tid = (pid_t)syscall(SYS_gettid);
	for (int sig = 1; sig < 64; sig++)
		if (sigs & (1ull << sig))
			syscall(SYS_tgkill, pid, tid, sig);
}

/* 0 free, 1 held, 2 held with waiters (Drepper's "Futexes are tricky"). */
static inline void lock_wait(pv_lock *l);

void pv_lock_acquire(pv_lock *l)
{
	__atomic_store_n(&held, held + 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	lock_wait(l);
}

static inline void lock_wait(pv_lock *l)
{
	int c = 0;
	if (__atomic_compare_exchange_n(&l->state, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	for (int spin = 0; spin < 100; spin++) {
		c = 0;
		if (__atomic_compare_exchange_n(&l->state, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		__builtin_ia32_pause();
	}
	if (c != 2)
		c = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		futex(&l->state, FUTEX_WAIT_PRIVATE, 2);
		c = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
	}
}

void pv_lock_release(pv_lock *l)
{
	if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
		futex(&l->state, FUTEX_WAKE_PRIVATE, 1);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&held, held - 1, __ATOMIC_RELAXED);
	if (PV_UNLIKELY(!held && __atomic_load_n(&deferred, __ATOMIC_RELAXED)))
		raise_deferred();
}

void *pv_alloc(size_t n)
{
	void *p = __libc_calloc(1, n ? n : 1);
	if (!p)
		pv_die("out of memory allocating %zu bytes", n);
	return p;
}

void *pv_realloc(void *p, size_t n)
{
	void *q = __libc_realloc(p, n ? n : 1);
	if (!q)
		pv_die("out of memory reallocating %zu bytes", n);
	return q;
}

void pv_free(void *p)
{
	__libc_free(p);
}

void *pv_map(size_t n)
{
	/* A raw system call: the program's mmap is intercepted. */
	void *p = (void *)syscall(SYS_mmap, NULL, n, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		pv_die("cannot map %zu bytes: errno %d", n, errno);
	return p;
}

void pv_unmap(void *p, size_t n)
{
	syscall(SYS_munmap, p, n);
}

void pv_memcpy(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

void pv_memset(void *dst, int c, size_t n)
{
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
}

int pv_open(const char *path, int flags, int mode)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

void pv_close(int fd)
{
	syscall(SYS_close, fd);
}

int pv_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		/* Not write(): the program's is intercepted. */
		ssize_t w = syscall(SYS_write, fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* glibc's checked form, which the runtime does not intercept; with no
 * object size to check and no %n check it is vsnprintf. */
extern int __vsnprintf_chk(char *, size_t, int, size_t, const char *, va_list);

int pv_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	return __vsnprintf_chk(buf, n, 0, (size_t)-1, fmt, ap);
}

int pv_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = pv_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

void pv_dprintf(int fd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = pv_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	pv_write_all(fd, buf, (size_t)n);
}

void pv_die(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	pv_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pv_dprintf(2, "pvcheck: internal error: %s\n", buf);
	abort();
}

void pv_sb_init(pv_strbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void pv_sb_free(pv_strbuf *sb)
{
	pv_free(sb->buf);
	pv_sb_init(sb);
}

static void sb_reserve(pv_strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = pv_realloc(sb->buf, cap);
	sb->cap = cap;
}

void pv_sb_putc(pv_strbuf *sb, char c)
{
	sb_reserve(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = 0;
}

void pv_sb_puts(pv_strbuf *sb, const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	sb_reserve(sb, n);
	pv_memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = 0;
}

void pv_sb_printf(pv_strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = pv_vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_reserve(sb, (size_t)n);
	va_start(ap, fmt);
	pv_vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void pv_sb_json_string(pv_strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	pv_sb_putc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': pv_sb_puts(sb, "\\\""); break;
		case '\\': pv_sb_puts(sb, "\\\\"); break;
		case '\n': pv_sb_puts(sb, "\\n"); break;
		case '\r': pv_sb_puts(sb, "\\r"); break;
		case '\t': pv_sb_puts(sb, "\\t"); break;
		default:
			if (*p < 0x20) {
				pv_sb_puts(sb, "\\u00");
				pv_sb_putc(sb, hex[*p >> 4]);
				pv_sb_putc(sb, hex[*p & 15]);
			} else {
				pv_sb_putc(sb, (char)*p);
			}
		}
	}
	pv_sb_putc(sb, '"');
}
