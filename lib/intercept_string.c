/* The string functions of libc, sprintf and its kin, and the time
 * conversions: what they read and write is invisible to instrumentation,
 * so each reports the bytes it really touches, the terminating NUL
 * included where it is read or written. The fortified __*_chk forms
 * (_FORTIFY_SOURCE) are checked the same way. Lengths come from the real
 * functions: nothing here calls an interceptor of this file. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "access.h"
#include "base.h"
#include "heap.h"
#include "deadlock.h"
#include "intercept.h"
#include "shadow.h"
#include "thread.h"

extern void *__libc_malloc(size_t);
extern char *__strcpy_chk(char *, const char *, size_t);
extern char *__stpcpy_chk(char *, const char *, size_t);
extern char *__strcat_chk(char *, const char *, size_t);
extern char *__strncpy_chk(char *, const char *, size_t, size_t);
extern char *__strncat_chk(char *, const char *, size_t, size_t);
extern int __sprintf_chk(char *, int, size_t, const char *, ...);
extern int __vsprintf_chk(char *, int, size_t, const char *, va_list);
extern int __snprintf_chk(char *, size_t, int, size_t, const char *, ...);
extern int __vsnprintf_chk(char *, size_t, int, size_t, const char *, va_list);

static inline void read_range(pv_thread *t, const void *p, size_t n, uintptr_t pc)
{
	if (n)
		pv_access_range(t, (uintptr_t)p, n, 0, pc);
}

static inline void write_range(pv_thread *t, const void *p, size_t n, uintptr_t pc)
{
	if (n)
		pv_access_range(t, (uintptr_t)p, n, 1, pc);
}

/* Bytes of s read by a scan for up to n bytes that stops at its NUL. */
static inline size_t str_extent(const char *s, size_t n)
{
	size_t len = REAL(strnlen)(s, n);
	return len < n ? len + 1 : n;
}

/* Bytes of each string a comparison reads: up to the first difference or
 * the NUL they share, at most n. */
static inline size_t cmp_extent(const char *a, const char *b, size_t n, int fold)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (fold) {
			x = (unsigned char)tolower(x);
			y = (unsigned char)tolower(y);
		}
		if (x != y || !x)
			return i + 1;
	}
	return n;
}

/* Bytes of s a search reads when it stops at r, or at the NUL if r is NULL. */
static inline size_t find_extent(const char *s, const char *r)
{
	return r ? (size_t)(r - s) + 1 : REAL(strlen)(s) + 1;
}

/* ---- Lengths ---- */

PV_INTERCEPTOR size_t strlen(const char *s)
{
	size_t n = REAL(strlen)(s);
	pv_thread *t = program_thread();
	if (t)
		read_range(t, s, n + 1, CALLER_PC);
	return n;
}

PV_INTERCEPTOR size_t strnlen(const char *s, size_t max)
{
	size_t n = REAL(strnlen)(s, max);
	pv_thread *t = program_thread();
	if (t)
		read_range(t, s, n < max ? n + 1 : max, CALLER_PC);
	return n;
}

/* ---- Copies ---- */

/* strcpy and stpcpy: the source and its NUL, over dst. */
static inline void strcpy_access(pv_thread *t, char *dst, const char *src, size_t cap,
				 uintptr_t pc)
{
	size_t n = REAL(strlen)(src) + 1;
	if (n > cap)
		return; /* the checked form aborts */
	read_range(t, src, n, pc);
	write_range(t, dst, n, pc);
}

/* strncpy: at most n bytes of src; dst is padded with NULs to n. */
static inline void strncpy_access(pv_thread *t, char *dst, const char *src, size_t n,
				  size_t cap, uintptr_t pc)
{
	if (n > cap)
		return;
	read_range(t, src, str_extent(src, n), pc);
	write_range(t, dst, n, pc);
}

/* strcat and strncat (n = -1 for strcat): dst up to its NUL, at most n
 * bytes of src, written with a NUL where dst's was. */
static inline void strcat_access(pv_thread *t, char *dst, const char *src, size_t n,
				 size_t cap, uintptr_t pc)
{
	size_t dlen = REAL(strlen)(dst);
	size_t slen = n == (size_t)-1 ? REAL(strlen)(src) : REAL(strnlen)(src, n);
	size_t sread = slen < n ? slen + 1 : n;
	if (dlen + slen + 1 > cap)
		return;
	read_range(t, dst, dlen + 1, pc);
	read_range(t, src, sread, pc);
	write_range(t, dst + dlen, slen + 1, pc);
}

PV_INTERCEPTOR char *strcpy(char *dst, const char *src)
{
	pv_thread *t = program_thread();
	if (t)
		strcpy_access(t, dst, src, (size_t)-1, CALLER_PC);
	return REAL(strcpy)(dst, src);
}

PV_INTERCEPTOR char *stpcpy(char *dst, const char *src)
{
	pv_thread *t = program_thread();
	if (t)
		strcpy_access(t, dst, src, (size_t)-1, CALLER_PC);
	return REAL(stpcpy)(dst, src);
}

PV_INTERCEPTOR char *strncpy(char *dst, const char *src, size_t n)
{
	pv_thread *t = program_thread();
	if (t)
		strncpy_access(t, dst, src, n, (size_t)-1, CALLER_PC);
	return REAL(strncpy)(dst, src, n);
}

PV_INTERCEPTOR char *strcat(char *dst, const char *src)
{
	pv_thread *t = program_thread();
	if (t)
		strcat_access(t, dst, src, (size_t)-1, (size_t)-1, CALLER_PC);
	return REAL(strcat)(dst, src);
}

PV_INTERCEPTOR char *strncat(char *dst, const char *src, size_t n)
{
	pv_thread *t = program_thread();
	if (t)
		strcat_access(t, dst, src, n, (size_t)-1, CALLER_PC);
	return REAL(strncat)(dst, src, n);
}

/* The checked forms glibc's headers call at -O1 and up with _FORTIFY_SOURCE
 * when dst's size is known. An overflow is theirs to report (they abort). */
PV_INTERCEPTOR char *__strcpy_chk(char *dst, const char *src, size_t cap)
{
	pv_thread *t = program_thread();
	if (t)
		strcpy_access(t, dst, src, cap, CALLER_PC);
	return REAL(__strcpy_chk)(dst, src, cap);
}

PV_INTERCEPTOR char *__stpcpy_chk(char *dst, const char *src, size_t cap)
{
	pv_thread *t = program_thread();
	if (t)
		strcpy_access(t, dst, src, cap, CALLER_PC);
	return REAL(__stpcpy_chk)(dst, src, cap);
}

PV_INTERCEPTOR char *__strncpy_chk(char *dst, const char *src, size_t n, size_t cap)
{
	pv_thread *t = program_thread();
	if (t)
		strncpy_access(t, dst, src, n, cap, CALLER_PC);
	return REAL(__strncpy_chk)(dst, src, n, cap);
}

PV_INTERCEPTOR char *__strcat_chk(char *dst, const char *src, size_t cap)
{
	pv_thread *t = program_thread();
	if (t)
		strcat_access(t, dst, src, (size_t)-1, cap, CALLER_PC);
	return REAL(__strcat_chk)(dst, src, cap);
}

PV_INTERCEPTOR char *__strncat_chk(char *dst, const char *src, size_t n, size_t cap)
{
	pv_thread *t = program_thread();
	if (t)
		strcat_access(t, dst, src, n, cap, CALLER_PC);
	return REAL(__strncat_chk)(dst, src, n, cap);
}

/* ---- Comparisons ---- */

static inline void cmp_access(pv_thread *t, const void *a, const void *b, size_t n, uintptr_t pc)
{
	read_range(t, a, n, pc);
	read_range(t, b, n, pc);
}

PV_INTERCEPTOR int strcmp(const char *a, const char *b)
{
	pv_thread *t = program_thread();
	if (t)
		cmp_access(t, a, b, cmp_extent(a, b, (size_t)-1, 0), CALLER_PC);
	return REAL(strcmp)(a, b);
}

PV_INTERCEPTOR int strncmp(const char *a, const char *b, size_t n)
{
	pv_thread *t = program_thread();
	if (t)
		cmp_access(t, a, b, cmp_extent(a, b, n, 0), CALLER_PC);
	return REAL(strncmp)(a, b, n);
}

PV_INTERCEPTOR int strcasecmp(const char *a, const char *b)
{
	pv_thread *t = program_thread();
	if (t)
		cmp_access(t, a, b, cmp_extent(a, b, (size_t)-1, 1), CALLER_PC);
	return REAL(strcasecmp)(a, b);
}

PV_INTERCEPTOR int strncasecmp(const char *a, const char *b, size_t n)
{
	pv_thread *t = program_thread();
	if (t)
		cmp_access(t, a, b, cmp_extent(a, b, n, 1), CALLER_PC);
	return REAL(strncasecmp)(a, b, n);
}

/* memcmp and bcmp are defined over all n bytes, wherever they differ. */
PV_INTERCEPTOR int memcmp(const void *a, const void *b, size_t n)
{
	pv_thread *t = program_thread();
	if (t)
		cmp_access(t, a, b, n, CALLER_PC);
	return REAL(memcmp)(a, b, n);
}

PV_INTERCEPTOR int bcmp(const void *a, const void *b, size_t n)
{
	pv_thread *t = program_thread();
	if (t)
		cmp_access(t, a, b, n, CALLER_PC);
	return REAL(bcmp)(a, b, n);
}

/* ---- Searches ---- */

PV_INTERCEPTOR char *strchr(const char *s, int c)
{
	char *r = REAL(strchr)(s, c);
	pv_thread *t = program_thread();
	if (t)
		read_range(t, s, find_extent(s, r), CALLER_PC);
	return r;
}

PV_INTERCEPTOR char *strrchr(const char *s, int c)
{
	char *r = REAL(strrchr)(s, c);
	pv_thread *t = program_thread();
	if (t)
		read_range(t, s, REAL(strlen)(s) + 1, CALLER_PC);
	return r;
}

PV_INTERCEPTOR char *strchrnul(const char *s, int c)
{
	char *r = REAL(strchrnul)(s, c);
	pv_thread *t = program_thread();
	if (t)
		read_range(t, s, (size_t)(r - s) + 1, CALLER_PC);
	return r;
}

PV_INTERCEPTOR void *memchr(const void *s, int c, size_t n)
{
	void *r = REAL(memchr)(s, c, n);
	pv_thread *t = program_thread();
	if (t)
		read_range(t, s, r ? (size_t)((const char *)r - (const char *)s) + 1 : n, CALLER_PC);
	return r;
}

PV_INTERCEPTOR void *memrchr(const void *s, int c, size_t n)
{
	void *r = REAL(memrchr)(s, c, n);
	pv_thread *t = program_thread();
	if (t) {
		const char *from = r ? r : s;
		read_range(t, from, (size_t)((const char *)s + n - from), CALLER_PC);
	}
	return r;
}

PV_INTERCEPTOR char *strstr(const char *hay, const char *needle)
{
	char *r = REAL(strstr)(hay, needle);
	pv_thread *t = program_thread();
	if (t) {
		uintptr_t pc = CALLER_PC;
		size_t nlen = REAL(strlen)(needle);
		read_range(t, needle, nlen + 1, pc);
		read_range(t, hay, r ? (size_t)(r - hay) + nlen : REAL(strlen)(hay) + 1, pc);
	}
	return r;
}

/* strspn, strcspn: s up to the first byte that stops the span; the set whole. */
PV_INTERCEPTOR size_t strspn(const char *s, const char *accept)
{
	size_t n = REAL(strspn)(s, accept);
	pv_thread *t = program_thread();
	if (t) {
		uintptr_t pc = CALLER_PC;
		read_range(t, s, n + 1, pc);
		read_range(t, accept, REAL(strlen)(accept) + 1, pc);
	}
	return n;
}

PV_INTERCEPTOR size_t strcspn(const char *s, const char *reject)
{
	size_t n = REAL(strcspn)(s, reject);
	pv_thread *t = program_thread();
	if (t) {
		uintptr_t pc = CALLER_PC;
		read_range(t, s, n + 1, pc);
		read_range(t, reject, REAL(strlen)(reject) + 1, pc);
	}
	return n;
}

PV_INTERCEPTOR char *strpbrk(const char *s, const char *accept)
{
	char *r = REAL(strpbrk)(s, accept);
	pv_thread *t = program_thread();
	if (t) {
		uintptr_t pc = CALLER_PC;
		read_range(t, s, find_extent(s, r), pc);
		read_range(t, accept, REAL(strlen)(accept) + 1, pc);
	}
	return r;
}

/* ---- New copies ---- */

/* len bytes of s and a NUL in a new heap block, allocated at pc: only the
 * read of s is an access of the program's. */
static inline char *new_copy(pv_thread *t, const char *s, size_t len, uintptr_t pc)
{
	pv_dl_signal_unsafe(t, "malloc", pc);
	char *p = __libc_malloc(len + 1);
	if (!p)
		return NULL; /* errno is ENOMEM */
	pv_memcpy(p, s, len);
	p[len] = 0;
	pv_shadow_reset((uintptr_t)p, len + 1);
	pv_heap_add((uintptr_t)p, len + 1, t->tid, t->ctx, pc);
	return p;
}

PV_INTERCEPTOR char *strdup(const char *s)
{
	pv_thread *t = program_thread();
	if (!t)
		return REAL(strdup)(s);
	uintptr_t pc = CALLER_PC;
	size_t len = REAL(strlen)(s);
	read_range(t, s, len + 1, pc);
	return new_copy(t, s, len, pc);
}

PV_INTERCEPTOR char *strndup(const char *s, size_t n)
{
	pv_thread *t = program_thread();
	if (!t)
		return REAL(strndup)(s, n);
	uintptr_t pc = CALLER_PC;
	size_t len = REAL(strnlen)(s, n);
	read_range(t, s, len < n ? len + 1 : n, pc);
	return new_copy(t, s, len, pc);
}

/* ---- strtok ---- */

/* Where libc's strtok will go on from, as far as the calls made through
 * here tell; NULL when unknown (a call went straight to libc). Only a hint
 * for the accesses: libc keeps the real state. */
static char *tok_next;

PV_INTERCEPTOR char *strtok(char *s, const char *delim)
{
	pv_thread *t = program_thread();
	if (!t) {
		__atomic_store_n(&tok_next, NULL, __ATOMIC_RELAXED);
		return REAL(strtok)(s, delim);
	}
	uintptr_t pc = CALLER_PC;
	char *from = s ? s : __atomic_load_n(&tok_next, __ATOMIC_RELAXED);
	/* What libc will do from there: skip delimiters, take a token, and
	 * cut it with a NUL over the delimiter that ends it, if any. */
	size_t skip = 0, len = 0;
	int cut = 0;
	char *want = NULL;
	if (from) {
		skip = REAL(strspn)(from, delim);
		if (from[skip]) {
			len = REAL(strcspn)(from + skip, delim);
			cut = from[skip + len] != 0;
			want = from + skip;
		}
	}
	char *r = REAL(strtok)(s, delim);
	if (r != want)
		from = NULL; /* the hint was wrong */
	__atomic_store_n(&tok_next, !from ? NULL : want ? want + len + cut : from + skip,
			 __ATOMIC_RELAXED);
	read_range(t, delim, REAL(strlen)(delim) + 1, pc);
	if (from) {
		read_range(t, from, skip + len + 1, pc);
		if (cut)
			write_range(t, from + skip + len, 1, pc);
	} else if (r) {
		read_range(t, r, REAL(strlen)(r) + 1, pc);
	}
	return r;
}

/* ---- Formatted output into memory ---- */

/* sprintf and its kin write the string and its NUL, as much of it as cap
 * lets in. (The %s arguments they read are not checked.) __vsnprintf_chk
 * is left alone: the runtime formats its own text with it (pv_vsnprintf). */
static void printed(char *s, size_t cap, int r, uintptr_t pc)
{
	pv_thread *t = program_thread();
	if (!t || r < 0 || !cap)
		return;
	size_t n = (size_t)r + 1;
	write_range(t, s, n < cap ? n : cap, pc);
}

PV_INTERCEPTOR int vsnprintf(char *s, size_t n, const char *fmt, va_list ap)
{
	int r = REAL(vsnprintf)(s, n, fmt, ap);
	printed(s, n, r, CALLER_PC);
	return r;
}

PV_INTERCEPTOR int snprintf(char *s, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = REAL(vsnprintf)(s, n, fmt, ap);
	va_end(ap);
	printed(s, n, r, CALLER_PC);
	return r;
}

PV_INTERCEPTOR int vsprintf(char *s, const char *fmt, va_list ap)
{
	int r = REAL(vsprintf)(s, fmt, ap);
	printed(s, SIZE_MAX, r, CALLER_PC);
	return r;
}

PV_INTERCEPTOR int sprintf(char *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = REAL(vsprintf)(s, fmt, ap);
	va_end(ap);
	printed(s, SIZE_MAX, r, CALLER_PC);
	return r;
}

PV_INTERCEPTOR int __vsprintf_chk(char *s, int flag, size_t cap, const char *fmt, va_list ap)
{
	int r = REAL(__vsprintf_chk)(s, flag, cap, fmt, ap);
	printed(s, SIZE_MAX, r, CALLER_PC);
	return r;
}

PV_INTERCEPTOR int __sprintf_chk(char *s, int flag, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = REAL(__vsprintf_chk)(s, flag, cap, fmt, ap);
	va_end(ap);
	printed(s, SIZE_MAX, r, CALLER_PC);
	return r;
}

PV_INTERCEPTOR int __snprintf_chk(char *s, size_t n, int flag, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = REAL(__vsnprintf_chk)(s, n, flag, cap, fmt, ap);
	va_end(ap);
	printed(s, n, r, CALLER_PC);
	return r;
}

/* ---- Time conversions ---- */

/* They read the time and write the broken-down result: the caller's for
 * the _r forms, libc's one static struct for localtime and gmtime (so two
 * threads converting at once race on it, as ThreadSanitizer reports). */
static struct tm *converted(const time_t *when, struct tm *tm, uintptr_t pc)
{
	pv_thread *t = program_thread();
	if (t) {
		read_range(t, when, sizeof *when, pc);
		if (tm)
			write_range(t, tm, sizeof *tm, pc);
	}
	return tm;
}

PV_INTERCEPTOR struct tm *localtime_r(const time_t *when, struct tm *out)
{
	return converted(when, REAL(localtime_r)(when, out), CALLER_PC);
}

PV_INTERCEPTOR struct tm *gmtime_r(const time_t *when, struct tm *out)
{
	return converted(when, REAL(gmtime_r)(when, out), CALLER_PC);
}

PV_INTERCEPTOR struct tm *localtime(const time_t *when)
{
	return converted(when, REAL(localtime)(when), CALLER_PC);
}

PV_INTERCEPTOR struct tm *gmtime(const time_t *when)
{
	return converted(when, REAL(gmtime)(when), CALLER_PC);
}
