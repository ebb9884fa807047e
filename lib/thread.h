/* The thread registry: every thread's state, its slot in vector clocks,
 * its name and creation stack. The running thread's state is one TLS load. */
#ifndef PV_THREAD_H
#define PV_THREAD_H

#include <pthread.h>
#include <stdint.h>
#include "clock.h"
#include "lockgraph.h"
#include "calltree.h"
#include "stack.h"
#include "report.h"

typedef enum { PV_THREAD_RUNNING, PV_THREAD_FINISHED } pv_thread_state;

typedef struct pv_thread {
	/* Read on every access: keep together. */
	uint32_t slot;
	union {
		uint64_t ignore_any;  /* nonzero when any of these is: one load for the hot path */
		struct {
			int ignore;             /* > 0: inside the runtime: nothing is the program's */
			uint16_t ignore_reads;  /* > 0: the program's reads are not checked */
			uint16_t ignore_writes; /* ... nor its writes (annotate.c) */
		};
	};
	pv_ctx ctx;           /* current calling context */
	uintptr_t ctx_func;   /* entry pc of the innermost instrumented function */
	pv_vc vc;             /* vc.e[slot] is this thread's current epoch */

	/* Fence bookkeeping for relaxed atomics (atomic.c). */
	pv_vc fence_acq;      /* clocks seen by relaxed loads since the last acquire fence */
	pv_vc fence_rel;      /* clock at the last release fence */
	int has_fence_rel;

	pv_held held;         /* locks this thread holds (deadlock.c) */
	int ignore_sync;      /* > 0: the program's synchronization is not seen (annotate.c) */
	int in_handler;       /* > 0: running the program's handler of an asynchronous signal */
	unsigned read_evictions; /* reads that found only other threads' reads (access.c) */

	int tid;              /* T<tid> in reports; main thread is 0 */
	char name[32];
	int parent_tid;
	pv_stack_id created;  /* pthread_create's stack in the parent */
	pthread_t pthread;
	uintptr_t stk_lo, stk_hi;
	pv_epoch first_epoch; /* this thread's first epoch in its slot */
	pv_vc final_vc;       /* clock at exit, acquired by join */
	int state;
	int detached, joined;
	struct pv_thread *prev_in_slot; /* earlier occupant of the slot */
	struct pv_thread *next;         /* registry list */
	struct pv_thread *next_same;    /* the registry by pthread_t (thread.c) */
	pthread_t hashed;               /* the pthread_t it is filed under, or 0 */
	struct pv_sched_thread *sched;  /* the scheduler's record (sched.c), NULL when off */

	/* The locks held in each epoch, for race reports (pv_thread_held_*). */
	struct pv_held_history *held_hist; /* NULL until the thread first locks */
	/* Lifecycle (start handshake, exit, leaks). */
	int os_tid;           /* the kernel's id, shown as tid= in reports */
} pv_thread;

/* Is an access of this kind by t left unchecked? Callers test ignore_any first. */
static inline int pv_thread_ignores(const pv_thread *t, int is_write)
{
	return t->ignore || (is_write ? t->ignore_writes : t->ignore_reads);
}

extern __thread pv_thread *pv_cur_thread __attribute__((tls_model("initial-exec")));
static inline pv_thread *pv_cur(void) { return pv_cur_thread; }

/* Register the process's first thread (called once from __tsan_init). */
pv_thread *pv_thread_init_main(void);
/* A new thread created by parent: creation happens before its start.
 * detached: created so (its attribute), never to be joined. */
pv_thread *pv_thread_create(pv_thread *parent, pv_stack_id created, int detached);
/* In the new thread: install its TLS state and forget its stack's old shadow. */
void pv_thread_start(pv_thread *t, pthread_t self);
/* The thread is done running user code; its clock is saved for join. */
void pv_thread_finish(pv_thread *t);
/* pthread_create failed: the thread never ran. */
void pv_thread_abandon(pv_thread *t);
/* joiner acquires t's final clock; t's slot may then be reused. */
void pv_thread_join(pv_thread *joiner, pv_thread *t);
void pv_thread_detach(pv_thread *t);
/* Advance t's own epoch (after a release). */
void pv_thread_tick(pv_thread *t);
static inline pv_epoch pv_thread_epoch(const pv_thread *t) { return t->vc.e[t->slot]; }
/* The process ends: the slots of threads that are done go back to the
 * session. (Idempotent; not from a signal handler.) */
void pv_thread_process_exit(void);
/* The process execs (failed = 0), or its exec failed (1). */
void pv_thread_exec(int failed);
/* Is the calling thread the process's only program thread? */
int pv_thread_alone(void);

/* Threads leaked at exit: finished, never joined nor detached (the main
 * thread never counts). Up to max of them, oldest first, in out; returns
 * how many there are. */
int pv_thread_leaked(pv_thread **out, int max);
/* How many threads other than except have not finished. */
int pv_thread_running(const pv_thread *except);

pv_thread *pv_thread_by_pthread(pthread_t p);
/* t is the thread of p (the creator and the thread itself both say so). */
void pv_thread_set_pthread(pv_thread *t, pthread_t p);
/* The newest thread that had p, joined or detached or not (misuse checks). */
pv_thread *pv_thread_last_by_pthread(pthread_t p);
pv_thread *pv_thread_by_tid(int tid);
/* Which thread made the access (slot, epoch) remembered in shadow. */
pv_thread *pv_thread_by_slot_epoch(uint32_t slot, pv_epoch e);
/* Whose stack holds addr. */
pv_thread *pv_thread_by_stack_addr(uintptr_t addr);
void pv_thread_describe(const pv_thread *t, pv_report_thread *out);
void pv_thread_set_name(pv_thread *t, const char *name);

/* ---- Locks held at an access, now or in the past ----
 * Every change of a thread's held set advances its epoch, so one held set
 * holds for a whole epoch; each change is kept in a ring of the thread's
 * last PV_HELD_HISTORY held sets, so a race report can say which locks
 * were held at an access remembered in shadow as (slot, epoch). */
#define PV_HELD_SET_MAX 4    /* locks kept of one held set; the rest are counted */
#define PV_HELD_HISTORY 256  /* held sets kept per thread */

typedef struct {
	int n;                                 /* locks held (may exceed PV_HELD_SET_MAX) */
	uintptr_t addr[PV_HELD_SET_MAX];       /* outermost first */
	pv_site site[PV_HELD_SET_MAX];         /* where each was locked */
	unsigned char shared[PV_HELD_SET_MAX]; /* held for reading (rwlock) */
} pv_held_set;

/* t's held set (t->held) changed: advance t's epoch and remember the new
 * set from it on. Called by t only; no allocation but the first time. */
void pv_thread_held_changed(pv_thread *t);
/* The locks t holds now (t itself). */
void pv_thread_held_now(const pv_thread *t, pv_held_set *out);
/* The locks t held in epoch e, from any thread. Returns -1 when that is no
 * longer known (the ring moved on), else 0. */
int pv_thread_held_at(const pv_thread *t, pv_epoch e, pv_held_set *out);

/* fork: the child keeps only the calling thread, which has seen everything. */
void pv_thread_fork_prepare(void);
void pv_thread_fork_parent(void);
void pv_thread_fork_child(pv_thread *self);

#endif
