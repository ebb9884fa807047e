/* ThreadSanitizer's interface for synchronization the runtime cannot see
 * by itself, under its names, so that a program written for ThreadSanitizer
 * links and behaves the same: the dynamic annotations (Annotate*, as in
 * dynamic_annotations.h) and the __tsan_* calls of tsan_interface.h. Custom
 * locks become locks of the runtime: happens-before, lock order, held
 * locks, misuse. */
#ifndef PV_ANNOTATE_H
#define PV_ANNOTATE_H

#include <stddef.h>

/* tsan_interface.h's flags. Creation flags: */
#define PV_MUTEX_LINKER_INIT      (1u << 0) /* static, no-op destroy */
#define PV_MUTEX_WRITE_REENTRANT  (1u << 1)
#define PV_MUTEX_READ_REENTRANT   (1u << 2)
#define PV_MUTEX_NOT_STATIC       (1u << 8)
/* Operation flags: */
#define PV_MUTEX_READ_LOCK        (1u << 3)
#define PV_MUTEX_TRY_LOCK         (1u << 4)
#define PV_MUTEX_TRY_LOCK_FAILED  (1u << 5)
#define PV_MUTEX_RECURSIVE_LOCK   (1u << 6)
#define PV_MUTEX_RECURSIVE_UNLOCK (1u << 7)

/* Happens-before between a release and later acquires of the same address. */
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void AnnotateHappensBefore(const char *file, int line, const volatile void *addr);
void AnnotateHappensAfter(const char *file, int line, const volatile void *addr);

/* Races on the range are not reported. */
void AnnotateBenignRaceSized(const char *file, int line, const volatile void *addr, size_t size,
			     const char *desc);
void AnnotateBenignRace(const char *file, int line, const volatile void *addr, const char *desc);
void WTFAnnotateBenignRaceSized(const char *file, int line, const volatile void *addr,
				size_t size, const char *desc);

/* The calling thread's accesses (reads, writes, both) or synchronization
 * are not seen until the matching end; regions nest. */
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
void AnnotateIgnoreSyncBegin(const char *file, int line);
void AnnotateIgnoreSyncEnd(const char *file, int line);

void AnnotateThreadName(const char *file, int line, const char *name);

/* A reader-writer lock the program implements itself. */
void AnnotateRWLockCreate(const char *file, int line, const volatile void *lock);
void AnnotateRWLockCreateStatic(const char *file, int line, const volatile void *lock);
void AnnotateRWLockDestroy(const char *file, int line, const volatile void *lock);
void AnnotateRWLockAcquired(const char *file, int line, const volatile void *lock, long is_w);
void AnnotateRWLockReleased(const char *file, int line, const volatile void *lock, long is_w);

/* A mutex the program implements itself: pre/post around each operation;
 * the implementation's own accesses and synchronization in between are
 * not seen. */
void __tsan_mutex_create(void *addr, unsigned flags);
void __tsan_mutex_destroy(void *addr, unsigned flags);
void __tsan_mutex_pre_lock(void *addr, unsigned flags);
void __tsan_mutex_post_lock(void *addr, unsigned flags, int recursion);
int __tsan_mutex_pre_unlock(void *addr, unsigned flags);
void __tsan_mutex_post_unlock(void *addr, unsigned flags);
void __tsan_mutex_pre_signal(void *addr, unsigned flags);
void __tsan_mutex_post_signal(void *addr, unsigned flags);
void __tsan_mutex_pre_divert(void *addr, unsigned flags);
void __tsan_mutex_post_divert(void *addr, unsigned flags);
/* api-misuse when the calling thread holds a lock. */
void __tsan_check_no_mutexes_held(void);

#endif
