/* The controlled scheduler (a module named so because <sched.h> is the
 * system's). Off unless the options name a strategy
 * (sched=random|pct:D[:K]|pos); then exactly one program thread of the
 * process runs at a time, and at each scheduling point (synchronization,
 * thread start and exit, atomics, the first access to a granule in an
 * epoch) the strategy picks which runs next. The choices come from one
 * generator seeded by sched_seed, so a schedule is a function of the
 * program, its input, the strategy and the seed.
 *
 * Blocking is modelled: a thread whose operation cannot go on (a lock
 * held, a condition not signalled, a join of a running thread) waits in
 * the scheduler, not in the kernel, and is not runnable until the object
 * it waits for is woken. When no thread can run, the stuck handler is
 * called (a deadlock, at once). A thread in a system call that may block
 * for long (read, accept, waitpid...) gives up its turn and asks for one
 * when the call returns: what happens outside the process, and how long
 * the kernel takes, are not controlled.
 *
 * The interceptors call this module; its hooks in lower modules (atomics,
 * plain accesses) test pv_sched_active first, one predictable branch. */
#ifndef PV_SCHEDULE_H
#define PV_SCHEDULE_H

#include <stdint.h>
#include <time.h>
#include "thread.h"

extern int pv_sched_active;

typedef enum { PV_SCHED_WOKEN, PV_SCHED_TIMEDOUT } pv_sched_wait;

/* Start controlling the process if the options say so; main is its first
 * thread. The handler is called (with no runtime lock held) when no thread
 * can run; it reports and ends the process, or returns when something
 * outside the threads may still wake one (then the threads wait for it). */
void pv_sched_init(pv_thread *main, void (*stuck)(void));

/* A scheduling point before t's operation op (a string literal, for the
 * timeline) on obj, called at pc: another thread may run first. */
void pv_sched_point(pv_thread *t, const char *op, uintptr_t obj, uintptr_t pc);
/* The same for a plain access (when sched_accesses is on) and an atomic. */
void pv_sched_access(pv_thread *t, uintptr_t addr, int is_write, uintptr_t pc);
void pv_sched_atomic(uintptr_t addr, int is_write, uintptr_t pc);

/* t cannot go on until obj is woken, or (deadline_ns nonzero, on
 * CLOCK_MONOTONIC) until the deadline: other threads run meanwhile. A
 * timed-out thread runs again once no other can (or after a bound on the
 * steps others take), and not before its deadline. */
pv_sched_wait pv_sched_block(pv_thread *t, uintptr_t obj, uint64_t deadline_ns);
/* Waiters of obj may go on: all, or one that the strategy picks. */
void pv_sched_wake(uintptr_t obj, int all);
/* A sleep of ns: a block that nothing wakes but time. */
void pv_sched_sleep(pv_thread *t, uint64_t ns);

/* Around a system call that may block: t gives up its turn, and takes a
 * new one when it returns. */
void pv_sched_leave(pv_thread *t);
void pv_sched_enter(pv_thread *t);

/* Thread lifecycle: child is created by the running thread (runnable from
 * now on, in creation order); it waits for its first turn before running
 * the program's code; it ends (its joiners may go on). */
void pv_sched_thread_new(pv_thread *child);
void pv_sched_thread_begin(pv_thread *t);
void pv_sched_thread_end(pv_thread *t);
/* child will never run (its creation failed). */
void pv_sched_thread_drop(pv_thread *child);
/* Has t ended, as far as the scheduler knows (or is it not controlled)? */
int pv_sched_thread_done(const pv_thread *t);
/* The program ends (exit, return from main): the other threads run until
 * none can, then t goes on alone. */
void pv_sched_program_end(pv_thread *t);

/* Should this condition wait return without a signal (sched_spurious)? */
int pv_sched_spurious(pv_thread *t);
/* Is the calling thread under control now (not inside the scheduler, as a
 * signal handler that interrupted it would be, nor past its end)? The
 * modelled waits are for such threads only. */
int pv_sched_controls(void);
/* A cancel was sent to target: a modelled wait it is in ends, so that it
 * can act on it (the caller tests for cancellation after each wait). */
void pv_sched_cancel(pv_thread *target);

/* Barriers, modelled whole: init with its count; a wait returns 1 for the
 * serial thread, 0 for the others, -1 when the barrier is unknown (the
 * caller uses the real one). */
void pv_sched_barrier_init(uintptr_t b, unsigned count);
int pv_sched_barrier_wait(pv_thread *t, uintptr_t b);

/* Now on CLOCK_MONOTONIC, and an absolute time on clock as a deadline on it. */
uint64_t pv_sched_now_ns(void);
uint64_t pv_sched_deadline(int clock, const struct timespec *abstime);

/* The process ends: write the summary line to sched_log. */
void pv_sched_finish(void);
/* fork: the child keeps the forking thread, which holds its turn. */
void pv_sched_fork_child(pv_thread *self);

/* ---- strategies, apart from threads (unit tests) ----
 * A chooser picks among n candidates identified by id (creation order,
 * ascending); obj[i] is what candidate i is about to touch. */
typedef struct {
	int kind;              /* PV_SCHED_RANDOM, PCT, POS */
	uint64_t rng;
	int depth;
	uint64_t change[64];   /* pct: the steps where the running thread's priority drops */
	uint64_t step;
} pv_sched_chooser;

void pv_sched_chooser_init(pv_sched_chooser *c, int kind, uint64_t seed, int depth, int steps);
uint64_t pv_sched_rand(pv_sched_chooser *c);
/* A new thread's priority (pct), or a new event's (pos). */
uint64_t pv_sched_new_priority(pv_sched_chooser *c);
/* Step to the next decision: cur is the index of the thread at the point
 * (-1 when it is blocked), prio its candidates' priorities (pct, pos; the
 * chosen and, for pos, those touching the same object get new ones).
 * Returns the index chosen. */
int pv_sched_choose(pv_sched_chooser *c, int n, int cur, uint64_t *prio, const uintptr_t *obj);

#endif
