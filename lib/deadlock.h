/* Deadlocks and lock misuse, for the pthread interceptors: lock-order
 * inversions (lockgraph), real deadlocks (waitgraph plus a watchdog
 * thread), and misuse of mutexes and condition variables. A program found
 * deadlocked is ended with PV_DEADLOCK_STATUS once the report is out. */
#ifndef PV_DEADLOCK_H
#define PV_DEADLOCK_H

#include <stdint.h>
#include "thread.h"
#include "waitgraph.h"

#define PV_DEADLOCK_STATUS 67

typedef enum { PV_RELOCK_DEADLOCKS, PV_RELOCK_RECURSIVE, PV_RELOCK_FAILS } pv_relock;

/* Before acquiring lock m; blocking: the call can wait for it. */
void pv_dl_before_lock(pv_thread *t, uintptr_t m, pv_lock_mode mode, pv_wait_kind kind,
		       pv_relock relock, int blocking, uintptr_t pc);
/* After the attempt; acquired: the thread holds m now. */
void pv_dl_after_lock(pv_thread *t, uintptr_t m, pv_lock_mode mode, int blocking,
		      int acquired, uintptr_t pc);
/* The lock m that t holds is a robust mutex: t may end holding it. */
void pv_dl_held_robust(pv_thread *t, uintptr_t m);
/* Before releasing m: which side it held (rwlocks), or -1 when it held none. */
int pv_dl_before_unlock(pv_thread *t, uintptr_t m, uintptr_t pc);
/* The lock's own memory says nobody holds m: an entry the thread kept
 * for it is stale (the memory was reused for a new lock without init). */
void pv_dl_unlocked(pv_thread *t, uintptr_t m);
/* Condition waits release and retake m around the wait. */
void pv_dl_cond_wait_begin(pv_thread *t, uintptr_t cond, uintptr_t m, int timed, uintptr_t pc);
void pv_dl_cond_wait_end(pv_thread *t, uintptr_t cond, uintptr_t m, int timed);
/* A signal (all = 0: the longest waiting) or broadcast wakes waiters of
 * cond: they no longer block on it, only on its mutex. */
void pv_dl_cond_wake(uintptr_t cond, int all);
/* Other blocking waits: join (object = the target's tid), semaphore, barrier. */
void pv_dl_wait_begin(pv_thread *t, pv_wait_kind kind, uintptr_t object, uintptr_t pc);
void pv_dl_wait_end(pv_thread *t);

/* Cancellation: t's cancel state or type changed; a cancel was sent to
 * target. A thread that will be cancelled where it waits is not
 * deadlocked. */
void pv_dl_cancel_mode(pv_thread *t, int disabled, int async);
void pv_dl_cancel_sent(pv_thread *target);

void pv_dl_thread_start(pv_thread *t);
/* The thread is about to end: report the locks it still holds (pc: where
 * pthread_exit was called, or 0 when its function returned). */
void pv_dl_thread_exit(pv_thread *t, uintptr_t pc);
/* Misuse of another kind of object (a channel...) found by its
 * interceptor: reported with the call's stack at pc and an optional note. */
void pv_dl_misuse(pv_thread *t, const char *headline, uintptr_t obj, const char *kind,
		  uintptr_t pc, const char *note);
/* A call that is not async-signal-safe (malloc, free...), by t at pc: misuse
 * when it is made in the handler of an asynchronous signal, which may have
 * interrupted the same call holding its locks. */
void pv_dl_signal_unsafe(pv_thread *t, const char *call, uintptr_t pc);
/* Locks in [addr, addr+size) were initialised again or their memory freed. */
void pv_dl_forget(uintptr_t addr, size_t size);

typedef enum { PV_DL_MUTEX, PV_DL_RWLOCK, PV_DL_SPIN, PV_DL_COND } pv_dl_object;
/* Before the real destroy: a locked or destroyed lock, or a condvar with
 * waiters, is misuse. Returns EBUSY when the destroy must not happen (a
 * condvar's waiters would be left on freed state), else 0. */
int pv_dl_destroy(pv_thread *t, uintptr_t addr, pv_dl_object kind, uintptr_t pc);
/* After a destroy that succeeded: the object is gone, and a lock stays
 * known as destroyed until initialised again or freed. */
void pv_dl_destroyed(uintptr_t addr, size_t size, pv_dl_object kind);
/* Barriers: before an init, threads waiting in the barrier are misuse (their
 * round is lost); after it, the barrier's count; each wait's arrival. */
void pv_dl_barrier_init(pv_thread *t, uintptr_t b, unsigned count, uintptr_t pc);
void pv_dl_barrier_ready(uintptr_t b, unsigned count);
void pv_dl_barrier_arrive(uintptr_t b);
/* Before a join of target (NULL: unknown): joining a joined or detached
 * thread is misuse; returns the error the join should give, or 0 to go on. */
int pv_dl_join_misuse(pv_thread *self, pv_thread *target, uintptr_t pc);

/* Wake-ups from outside the program's threads, told by the signal and
 * timer interceptors: while one may end a wait, the watchdog does not
 * call that wait for good (a cycle of lock waits stays certain). */
/* The program gave sig this handler (SIG_DFL, SIG_IGN or its own). */
void pv_dl_signal_handler(int sig, void (*handler)(int));
/* Timer id (0: the process's alarm/ITIMER_REAL) raises sig at expiry_ms
 * (CLOCK_MONOTONIC, ms; 0: disarmed, or deleted), again and again when
 * periodic. sig 0: it runs a function on a thread of its own
 * (SIGEV_THREAD), and stays armed until disarmed again. */
void pv_dl_timer(uintptr_t id, int sig, uint64_t expiry_ms, int periodic);
/* A SIGEV_THREAD timer's function begins (+1) or returns (-1). */
void pv_dl_timer_callback(int delta);
/* Now on the clock the timers above use. */
uint64_t pv_dl_now_ms(void);

/* The controlled scheduler found that no thread can run: report the
 * deadlock and end the program, unless something outside the threads may
 * still end a wait (a signal handler, a timer), when this returns. */
void pv_dl_stuck(void);

/* fork is called here. Locks other threads hold then stay locked for good
 * in the child; its first lock of one is reported, with this site. */
void pv_dl_fork_site(pv_thread *t, uintptr_t pc);
void pv_dl_fork_prepare(void);
void pv_dl_fork_parent(void);
void pv_dl_fork_child(pv_thread *self);

/* The program is ending (exit, or its own _exit): let the other threads
 * run on for up to atexit_sleep_ms, then report leaked threads. Once. */
void pv_dl_program_end(void);

#endif
