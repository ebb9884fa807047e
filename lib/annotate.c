/* The dynamic annotations and ThreadSanitizer's interface for custom
 * synchronization (annotate.h). A custom lock is modelled as the pthread
 * interceptors model a mutex or rwlock: lock order and waits before the
 * lock, ownership and the acquire of its clocks after, the release of a
 * clock before the unlock. */
#include <stdint.h>
#include "annotate.h"
#include "base.h"
#include "deadlock.h"
#include "intercept.h"
#include "lockgraph.h"
#include "options.h"
#include "race.h"
#include "shadow.h"
#include "sync.h"
#include "thread.h"

#define A(p) ((uintptr_t)(p))
#define CREATION_FLAGS                                                                   \
	(PV_MUTEX_LINKER_INIT | PV_MUTEX_WRITE_REENTRANT | PV_MUTEX_READ_REENTRANT |       \
	 PV_MUTEX_NOT_STATIC)

/* ---- happens-before ---- */

/* Not program_thread(): libpvchan calls these from inside its operations. */
void __tsan_acquire(void *addr)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_sync_acquire(t, A(addr), PV_CLOCK_MAIN);
}

void __tsan_release(void *addr)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_sync_release(t, A(addr), PV_CLOCK_MAIN);
}

void AnnotateHappensBefore(const char *file, int line, const volatile void *addr)
{
	__tsan_release((void *)addr);
}

void AnnotateHappensAfter(const char *file, int line, const volatile void *addr)
{
	__tsan_acquire((void *)addr);
}

/* ---- benign races ---- */

void AnnotateBenignRaceSized(const char *file, int line, const volatile void *addr, size_t size,
			     const char *desc)
{
	pv_race_benign(A(addr), size);
}

void AnnotateBenignRace(const char *file, int line, const volatile void *addr, const char *desc)
{
	pv_race_benign(A(addr), 1);
}

void WTFAnnotateBenignRaceSized(const char *file, int line, const volatile void *addr,
				size_t size, const char *desc)
{
	pv_race_benign(A(addr), size);
}

/* ---- ignored accesses and synchronization ---- */

/* Counts nest; an end without its begin is dropped. */
static void count_up(uint16_t *n)
{
	if (*n < UINT16_MAX)
		++*n;
}

static void count_down(uint16_t *n)
{
	if (*n && *n < UINT16_MAX)
		--*n;
}

/* Accesses only: the thread's locks and atomics still carry
 * happens-before, as in ThreadSanitizer. */
void __tsan_ignore_thread_begin(void)
{
	pv_thread *t = pv_cur();
	if (t) {
		count_up(&t->ignore_reads);
		count_up(&t->ignore_writes);
	}
}

void __tsan_ignore_thread_end(void)
{
	pv_thread *t = pv_cur();
	if (t) {
		count_down(&t->ignore_reads);
		count_down(&t->ignore_writes);
	}
}

/* Reads only, or writes only, as their names say (ThreadSanitizer ignores
 * both kinds in either region). */
void AnnotateIgnoreReadsBegin(const char *file, int line)
{
	pv_thread *t = pv_cur();
	if (t)
		count_up(&t->ignore_reads);
}

void AnnotateIgnoreReadsEnd(const char *file, int line)
{
	pv_thread *t = pv_cur();
	if (t)
		count_down(&t->ignore_reads);
}

void AnnotateIgnoreWritesBegin(const char *file, int line)
{
	pv_thread *t = pv_cur();
	if (t)
		count_up(&t->ignore_writes);
}

void AnnotateIgnoreWritesEnd(const char *file, int line)
{
	pv_thread *t = pv_cur();
	if (t)
		count_down(&t->ignore_writes);
}

/* Clocks are neither acquired nor released (sync.c, atomic.c); locks are
 * still owned and ordered. */
void AnnotateIgnoreSyncBegin(const char *file, int line)
{
	pv_thread *t = pv_cur();
	if (t)
		t->ignore_sync++;
}

void AnnotateIgnoreSyncEnd(const char *file, int line)
{
	pv_thread *t = pv_cur();
	if (t && t->ignore_sync > 0)
		t->ignore_sync--;
}

void AnnotateThreadName(const char *file, int line, const char *name)
{
	pv_thread *t = pv_cur();
	if (t && name)
		pv_thread_set_name(t, name);
}

/* Memory a custom allocator hands out again has no history, as malloc's. */
void AnnotateNewMemory(const char *file, int line, const volatile void *addr, size_t size)
{
	if (pv_cur() && size) {
		pv_shadow_reset(A(addr), size);
		pv_sync_forget(A(addr), size);
		pv_dl_forget(A(addr), size);
	}
}

/* ---- custom locks: creation flags ---- */

/* Only locks created or used with flags are kept: most have none. */
typedef struct flagged {
	uintptr_t addr;
	unsigned flags;
	struct flagged *next;
} flagged;

#define FBUCKETS 256
static pv_lock flags_lock;
static flagged *flag_table[FBUCKETS];
static int nflagged; /* read without flags_lock: nothing to look up */

static flagged **fslot(uintptr_t m)
{
	flagged **p = &flag_table[(pv_mix64(m) >> 3) % FBUCKETS];
	while (*p && (*p)->addr != m)
		p = &(*p)->next;
	return p;
}

static unsigned flags_of(uintptr_t m)
{
	if (!__atomic_load_n(&nflagged, __ATOMIC_RELAXED))
		return 0;
	pv_lock_acquire(&flags_lock);
	flagged *f = *fslot(m);
	unsigned r = f ? f->flags : 0;
	pv_lock_release(&flags_lock);
	return r;
}

/* replace: creation sets the flags; pre/post lock calls add to them. */
static void flags_put(uintptr_t m, unsigned flags, int replace)
{
	flags &= CREATION_FLAGS;
	if (!flags && !replace)
		return;
	pv_lock_acquire(&flags_lock);
	flagged **p = fslot(m);
	if (!*p && flags) {
		*p = pv_alloc(sizeof **p);
		(*p)->addr = m;
		__atomic_store_n(&nflagged, nflagged + 1, __ATOMIC_RELAXED);
	}
	if (*p && flags) {
		(*p)->flags = replace ? flags : (*p)->flags | flags;
	} else if (*p) {
		flagged *f = *p;
		*p = f->next;
		pv_free(f);
		__atomic_store_n(&nflagged, nflagged - 1, __ATOMIC_RELAXED);
	}
	pv_lock_release(&flags_lock);
}

/* ---- custom locks: the operations ---- */

/* The program's annotated lock code (between pre and post) is not the
 * program's accesses or synchronization: it runs as if inside the
 * runtime. region counts this thread's open regions, so an unmatched
 * post never lets go of the runtime's own ignore. */
static __thread int region;

static void region_enter(void)
{
	pv_thread *t = pv_cur();
	if (t) {
		t->ignore++;
		region++;
	}
}

static void region_leave(void)
{
	pv_thread *t = pv_cur();
	if (t && region > 0) {
		region--;
		t->ignore--;
	}
}

static pv_lock_mode mode_of(unsigned flags)
{
	return flags & PV_MUTEX_READ_LOCK ? PV_LOCK_SHARED : PV_LOCK_EXCL;
}

/* A thread that holds m takes it again: more read locks are fine; any
 * other relock needs a write-reentrant lock. */
static int relock_allowed(const pv_held_lock *h, unsigned flags)
{
	return (flags & PV_MUTEX_WRITE_REENTRANT) ||
	       (h->mode == PV_LOCK_SHARED && (flags & PV_MUTEX_READ_LOCK));
}

/* Does this acquisition wait, as far as lock order and the watchdog go? */
static int waits(pv_thread *t, uintptr_t m, unsigned flags)
{
	return !(flags & PV_MUTEX_TRY_LOCK) && !pv_held_find(&t->held, m);
}

static void lock_before(pv_thread *t, uintptr_t m, unsigned flags, uintptr_t pc)
{
	pv_lock_mode mode = mode_of(flags);
	const pv_held_lock *h = pv_held_find(&t->held, m);
	if (h && !(flags & PV_MUTEX_TRY_LOCK) && pv_options()->detect_deadlocks &&
	    !relock_allowed(h, flags | flags_of(m)))
		pv_dl_misuse(t, "double lock of a mutex", m, "mutex", pc,
			     "the lock is not write-reentrant (__tsan_mutex_write_reentrant)");
	/* Relocks were judged above: the deadlock module's rules are glibc's.
	 * Not PV_WAIT_MUTEX: a fork child must not read a custom lock's word
	 * as glibc's (held_at_fork). */
	pv_dl_before_lock(t, m, mode, mode == PV_LOCK_SHARED ? PV_WAIT_RDLOCK : PV_WAIT_LOCK,
			  PV_RELOCK_RECURSIVE, waits(t, m, flags), pc);
}

static void lock_after(pv_thread *t, uintptr_t m, unsigned flags, int rec, uintptr_t pc)
{
	pv_lock_mode mode = mode_of(flags);
	int first = !pv_held_find(&t->held, m);
	int got = !(flags & PV_MUTEX_TRY_LOCK_FAILED);
	if (!(flags & PV_MUTEX_RECURSIVE_LOCK) || rec < 1)
		rec = 1;
	pv_dl_after_lock(t, m, mode, waits(t, m, flags), got, pc);
	for (int i = 1; got && i < rec; i++)
		pv_dl_after_lock(t, m, mode, 0, 1, pc);
	if (!got || !first)
		return;
	pv_sync_acquire(t, m, PV_CLOCK_MAIN);
	/* A writer sees what the readers did too. */
	if (mode == PV_LOCK_EXCL)
		pv_sync_acquire(t, m, PV_CLOCK_READ);
}

/* Levels released: all of them with PV_MUTEX_RECURSIVE_UNLOCK, else one;
 * 0 when the thread did not hold m (reported). */
static int unlock(pv_thread *t, uintptr_t m, unsigned flags, uintptr_t pc)
{
	const pv_held_lock *h = pv_held_find(&t->held, m);
	int levels = h && (flags & PV_MUTEX_RECURSIVE_UNLOCK) ? (int)h->depth : 1;
	int mode = -1;
	for (int i = 0; i < levels; i++)
		mode = pv_dl_before_unlock(t, m, pc);
	if (mode < 0)
		return 0;
	pv_sync_release(t, m, mode == PV_LOCK_SHARED ? PV_CLOCK_READ : PV_CLOCK_MAIN);
	return levels;
}

/* A new lock at m owes nothing to an old one there. */
static void lock_created(uintptr_t m, unsigned flags)
{
	/* A static lock may be announced late, while in use. */
	if (!(flags & PV_MUTEX_LINKER_INIT)) {
		pv_sync_forget(m, 1);
		pv_dl_forget(m, 1);
	}
	flags_put(m, flags, 1);
}

/* A destroyed lock is forgotten, not remembered as destroyed: custom
 * locks are often reused without a new create. */
static void lock_destroyed(pv_thread *t, uintptr_t m, unsigned flags, uintptr_t pc)
{
	unsigned created = flags_of(m);
	if ((flags | created) & PV_MUTEX_LINKER_INIT)
		return;
	if ((flags & PV_MUTEX_NOT_STATIC) && !(created & PV_MUTEX_NOT_STATIC))
		return;
	if (t)
		pv_dl_destroy(t, m, PV_DL_MUTEX, pc);
	pv_sync_forget(m, 1);
	pv_dl_forget(m, 1);
	flags_put(m, 0, 1);
}

void __tsan_mutex_create(void *m, unsigned flags)
{
	if (program_thread())
		lock_created(A(m), flags);
}

void __tsan_mutex_destroy(void *m, unsigned flags)
{
	pv_thread *t = program_thread();
	if (t)
		lock_destroyed(t, A(m), flags, CALLER_PC);
}

void __tsan_mutex_pre_lock(void *m, unsigned flags)
{
	pv_thread *t = program_thread();
	if (t) {
		flags_put(A(m), flags, 0);
		lock_before(t, A(m), flags, CALLER_PC);
	}
	region_enter();
}

void __tsan_mutex_post_lock(void *m, unsigned flags, int rec)
{
	region_leave();
	pv_thread *t = program_thread();
	if (t) {
		flags_put(A(m), flags, 0);
		lock_after(t, A(m), flags, rec, CALLER_PC);
	}
}

int __tsan_mutex_pre_unlock(void *m, unsigned flags)
{
	pv_thread *t = program_thread();
	int levels = t ? unlock(t, A(m), flags, CALLER_PC) : 0;
	region_enter();
	return levels;
}

void __tsan_mutex_post_unlock(void *m, unsigned flags)
{
	region_leave();
}

/* A custom condition's notify: its lock carries the happens-before. */
void __tsan_mutex_pre_signal(void *addr, unsigned flags)
{
	region_enter();
}

void __tsan_mutex_post_signal(void *addr, unsigned flags)
{
	region_leave();
}

/* The lock code calls out to something else (a scheduler): seen again. */
void __tsan_mutex_pre_divert(void *addr, unsigned flags)
{
	region_leave();
}

void __tsan_mutex_post_divert(void *addr, unsigned flags)
{
	region_enter();
}

void __tsan_check_no_mutexes_held(void)
{
	pv_thread *t = program_thread();
	if (t && pv_held_count(&t->held) && pv_options()->detect_deadlocks)
		pv_dl_misuse(t, "mutex held in the wrong context", t->held.v[0].addr, "mutex",
			     CALLER_PC, "the thread must hold no lock here");
}

/* Reader-writer locks of the older annotations: write-reentrant, as
 * ThreadSanitizer creates them, and told only after the acquisition. */
void AnnotateRWLockCreate(const char *file, int line, const volatile void *lock)
{
	if (program_thread())
		lock_created(A(lock), PV_MUTEX_WRITE_REENTRANT);
}

void AnnotateRWLockCreateStatic(const char *file, int line, const volatile void *lock)
{
	if (program_thread())
		lock_created(A(lock), PV_MUTEX_WRITE_REENTRANT | PV_MUTEX_LINKER_INIT);
}

void AnnotateRWLockDestroy(const char *file, int line, const volatile void *lock)
{
	pv_thread *t = program_thread();
	if (t)
		lock_destroyed(t, A(lock), 0, CALLER_PC);
}

void AnnotateRWLockAcquired(const char *file, int line, const volatile void *lock, long is_w)
{
	pv_thread *t = program_thread();
	if (!t)
		return;
	unsigned flags = (is_w ? 0 : PV_MUTEX_READ_LOCK) | PV_MUTEX_WRITE_REENTRANT;
	uintptr_t pc = CALLER_PC;
	lock_before(t, A(lock), flags, pc);
	lock_after(t, A(lock), flags, 1, pc);
}

void AnnotateRWLockReleased(const char *file, int line, const volatile void *lock, long is_w)
{
	pv_thread *t = program_thread();
	if (t)
		unlock(t, A(lock), is_w ? 0 : PV_MUTEX_READ_LOCK, CALLER_PC);
}

/* ---- defined as ThreadSanitizer defines them: no-ops and answers ---- */

#define NOOP(name, ...)                              \
	void name(const char *file, int line, ##__VA_ARGS__); \
	void name(const char *file, int line, ##__VA_ARGS__) {}

NOOP(AnnotateCondVarSignal, const volatile void *cv)
NOOP(AnnotateCondVarSignalAll, const volatile void *cv)
NOOP(AnnotateCondVarWait, const volatile void *cv, const volatile void *lock)
NOOP(AnnotateMutexIsNotPHB, const volatile void *mu)
NOOP(AnnotateMutexIsUsedAsCondVar, const volatile void *mu)
NOOP(AnnotateTraceMemory, const volatile void *mem)
NOOP(AnnotateFlushState)
NOOP(AnnotateNoOp, const volatile void *mem)
NOOP(AnnotateFlushExpectedRaces)
NOOP(AnnotateEnableRaceDetection, int enable)
NOOP(AnnotatePCQCreate, const volatile void *pcq)
NOOP(AnnotatePCQDestroy, const volatile void *pcq)
NOOP(AnnotatePCQPut, const volatile void *pcq)
NOOP(AnnotatePCQGet, const volatile void *pcq)
NOOP(AnnotateExpectRace, const volatile void *mem, const char *desc)
NOOP(AnnotatePublishMemoryRange, const volatile void *addr, size_t size)
NOOP(AnnotateUnpublishMemoryRange, const volatile void *addr, size_t size)
NOOP(AnnotateMemoryIsInitialized, const volatile void *mem, size_t size)
NOOP(AnnotateMemoryIsUninitialized, const volatile void *mem, size_t size)
/* WebKit's annotations of atomics, which the runtime sees by itself. */
NOOP(WTFAnnotateHappensBefore, const volatile void *addr)
NOOP(WTFAnnotateHappensAfter, const volatile void *addr)

int RunningOnValgrind(void);
int RunningOnValgrind(void)
{
	return 0;
}

double ValgrindSlowdown(void) __attribute__((weak));
double ValgrindSlowdown(void)
{
	return 10.0;
}

const char *ThreadSanitizerQuery(const char *query);
const char *ThreadSanitizerQuery(const char *query)
{
	/* Not strcmp: the runtime's calls must not look like the program's. */
	const char *q = "pure_happens_before";
	if (!query)
		return "0";
	while (*q && *query == *q)
		query++, q++;
	return *q || *query ? "0" : "1";
}
