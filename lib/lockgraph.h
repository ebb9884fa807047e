/* The lock-order graph (lockdep/Helgrind style): an edge held -> wanted for
 * every blocking acquisition of wanted by a thread holding held. A cycle is
 * an order in which threads could deadlock even if this run did not.
 *
 * Only data and algorithms: the caller intercepts, builds reports. One
 * process-wide graph behind one runtime lock. Locks enter the graph with
 * their first edge, so locks only ever taken alone cost nothing. */
#ifndef PV_LOCKGRAPH_H
#define PV_LOCKGRAPH_H

#include <stddef.h>
#include <stdint.h>
#include "calltree.h"

/* Where something happened: a calling context plus the pc of the call in
 * its innermost frame; pv_ctx_expand(ctx, pc, &stack) turns it into a stack. */
typedef struct {
	pv_ctx ctx;
	uintptr_t pc;
} pv_site;

/* The side of a lock a thread holds or wants. Mutexes and spinlocks are
 * always exclusive; rwlocks are exclusive for writing, shared for reading. */
typedef enum { PV_LOCK_EXCL, PV_LOCK_SHARED } pv_lock_mode;

/* ---- Locks a thread holds: owned and touched by that thread only. ---- */

typedef struct {
	uintptr_t addr;
	pv_site site;        /* where the first (outermost) acquisition happened */
	pv_lock_mode mode;
	uint32_t depth;      /* recursive acquisitions still to release */
	int robust;          /* a robust mutex: a thread may end holding it */
} pv_held_lock;

/* Zero-initialised is empty; grows on demand. */
typedef struct {
	int n, cap;
	pv_held_lock *v;
} pv_held;

/* The thread now holds addr (after any successful lock, trylock included).
 * Holding it already only deepens the recursion; the first mode and site
 * stay (check pv_held_find first for relock misuse). */
void pv_held_push(pv_held *h, uintptr_t addr, pv_lock_mode mode, pv_site site);
/* The thread releases addr once (in any order). Returns 1 and the mode it
 * was held in if it was held, 0 if not (an unlock of an unowned lock). */
int pv_held_pop(pv_held *h, uintptr_t addr, pv_lock_mode *mode);
/* The thread's entry for addr, NULL when it does not hold it. */
const pv_held_lock *pv_held_find(const pv_held *h, uintptr_t addr);
/* The held lock at addr is a robust mutex. */
void pv_held_mark_robust(pv_held *h, uintptr_t addr);
static inline int pv_held_count(const pv_held *h) { return h->n; }
/* Empty h and give its memory back (thread exit). */
void pv_held_free(pv_held *h);

/* ---- The graph ---- */

/* One edge: a thread holding from (acquired at from_site) blocked to get to
 * (at to_site). The first thread to take the two in this order names it. */
typedef struct {
	uintptr_t from, to;
	pv_lock_mode from_mode, to_mode;
	int tid;
	pv_site from_site, to_site;
} pv_lg_edge;

#define PV_LG_CYCLE_MAX 16
/* Out-edges kept per lock: a bound on memory per lock. */
#define PV_LG_MAX_OUT 64

/* A cycle in order: e[i].to == e[i+1].from and e[n-1].to == e[0].from;
 * e[0] is the edge whose addition closed it. Only the first
 * PV_LG_CYCLE_MAX edges are kept when len is larger. */
typedef struct {
	int len;
	int n;
	pv_lg_edge e[PV_LG_CYCLE_MAX];
} pv_lg_cycle;

/* A thread tid holding h is about to block acquiring addr in mode at site.
 * Adds an edge from every lock in h (except addr itself: recursion adds no
 * self-edge). Returns 1 and fills out when an edge closes a cycle that was
 * never reported before; edges after that one wait for the next call, so
 * a second cycle is not lost. Trylocks must not call this (they cannot
 * block), but their locks do go into h. Call before blocking, so the
 * order is known even when this very acquisition deadlocks. */
int pv_lg_before_lock(const pv_held *h, int tid, uintptr_t addr, pv_lock_mode mode,
		      pv_site site, pv_lg_cycle *out);

/* The single-edge form of pv_lg_before_lock. */
int pv_lg_add_edge(const pv_lg_edge *e, pv_lg_cycle *out);

/* The locks in [addr, addr+size) are gone (destroy, free, munmap): drop
 * them and every edge touching them, so a new lock at the same address
 * starts clean. Cheap when the range holds no lock. */
void pv_lg_forget(uintptr_t addr, size_t size);

typedef struct {
	long locks;     /* locks in the graph */
	long edges;
	long dropped;   /* edges not kept because a lock had PV_LG_MAX_OUT */
	long cycles;    /* distinct cycles reported */
} pv_lg_stats;
void pv_lg_get_stats(pv_lg_stats *s);

/* Forget everything, reported cycles included (tests). */
void pv_lg_reset(void);

/* fork: hold the graph's lock across fork so the child's copy is whole. */
void pv_lg_fork_prepare(void);
void pv_lg_fork_parent(void);
void pv_lg_fork_child(void);

#endif
