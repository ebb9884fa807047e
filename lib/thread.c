#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "base.h"
#include "session.h"
#include "shadow.h"
#include "thread.h"

__thread pv_thread *pv_cur_thread __attribute__((tls_model("initial-exec")));

/* Threads are never freed: reports name threads long gone. A slot is reused
 * once its thread is finished and joined or detached; the next occupant's
 * epochs continue from the last one, so old shadow cells stay ordered.
 * The slots this process took from the session go back to it when the
 * process ends (or execs), for threads of other processes that have seen
 * that end (see pv_session_take_slot). */
static pv_lock reg_lock;
static pv_thread *all_threads;
static pv_thread *slot_owner[PV_MAX_SLOTS];
static pv_epoch slot_last[PV_MAX_SLOTS];
static uint32_t free_slots[PV_MAX_SLOTS];
static uint32_t nfree, nslots;
static int next_tid;
static int nrunning;            /* threads not finished */
static uint32_t my_slots[PV_MAX_SLOTS]; /* taken from the session by this process */
static uint32_t nmine;
static int given_back;

static void stack_bounds(pv_thread *t, pthread_t self)
{
	pthread_attr_t a;
	void *addr;
	size_t size;
	if (pthread_getattr_np(self, &a))
		return;
	if (!pthread_attr_getstack(&a, &addr, &size)) {
		t->stk_lo = (uintptr_t)addr;
		t->stk_hi = (uintptr_t)addr + size;
	}
	pthread_attr_destroy(&a);
}

/* A slot no thread of this process used: the session's, so that no other
 * process uses it at once (one given back, if known has seen the end of
 * its last owner). Beyond the limit: the slot of unchecked threads. */
static uint32_t unused_slot(const pv_vc *known)
{
	if (pv_session_active()) {
		pv_epoch first;
		uint32_t slot = pv_session_take_slot(known, &first);
		if (slot == PV_MAX_SLOTS)
			return PV_SLOT_UNCHECKED;
		slot_last[slot] = first - 1;
		my_slots[nmine++] = slot;
		return slot;
	}
	if (nslots < PV_SLOT_UNCHECKED)
		return nslots++;
	static int said;
	if (!said++)
		pv_dprintf(2, "pvcheck: more than %d threads at once: threads beyond are not checked\n",
			   PV_SLOT_UNCHECKED);
	return PV_SLOT_UNCHECKED;
}

/* Under reg_lock. */
static void take_slot(pv_thread *t, uint32_t slot)
{
	t->slot = slot;
	t->first_epoch = slot_last[slot] + 1;
	t->prev_in_slot = slot_owner[slot];
	slot_owner[slot] = t;
	if (slot == PV_SLOT_UNCHECKED)
		t->ignore++; /* for good */
	pv_session_slot_set(slot, getpid(), t->tid, t->first_epoch);
}

/* Under reg_lock. known: the clock the thread starts with. */
static pv_thread *new_thread(const pv_vc *known)
{
	pv_thread *t = pv_alloc(sizeof *t);
	t->tid = next_tid++;
	nrunning++;
	take_slot(t, nfree ? free_slots[--nfree] : unused_slot(known));
	t->next = all_threads;
	all_threads = t;
	return t;
}

pv_thread *pv_thread_init_main(void)
{
	/* Started by exec or posix_spawn: what came before happened before us;
	 * its clock is used up. The slots this process had before its exec
	 * are given back, and may be this thread's. */
	pv_vc known;
	pv_vc_init(&known);
	uint32_t h = pv_session_started_with();
	if (h) {
		pv_session_acquire(&known, pv_key_handoff(h));
		pv_session_forget(pv_key_handoff(h));
	}
	pv_session_reclaim(getpid());
	pv_lock_acquire(&reg_lock);
	pv_thread *t = new_thread(&known);
	pv_lock_release(&reg_lock);
	t->parent_tid = -1;
	pv_vc_copy(&t->vc, &known);
	pv_vc_free(&known);
	pv_vc_set(&t->vc, t->slot, t->first_epoch);
	t->ignore++;
	stack_bounds(t, pthread_self());
	pv_thread_set_pthread(t, pthread_self());
	t->os_tid = gettid();
	t->ignore--;
	pv_cur_thread = t;
	return t;
}

pv_thread *pv_thread_create(pv_thread *parent, pv_stack_id created, int detached)
{
	pv_lock_acquire(&reg_lock);
	pv_thread *t = new_thread(&parent->vc);
	t->detached = detached;
	pv_lock_release(&reg_lock);
	t->parent_tid = parent->tid;
	t->created = created;
	pv_vc_copy(&t->vc, &parent->vc);
	pv_vc_set(&t->vc, t->slot, t->first_epoch);
	pv_thread_tick(parent);
	return t;
}

void pv_thread_start(pv_thread *t, pthread_t self)
{
	t->ignore++;
	pv_cur_thread = t;
	pv_thread_set_pthread(t, self);
	t->os_tid = gettid();
	stack_bounds(t, self);
	/* The stack may have been a dead thread's: its history is not ours. */
	pv_shadow_reset(t->stk_lo, t->stk_hi - t->stk_lo);
	t->ignore--;
}

/* Under reg_lock: t will never run again and nobody will acquire its clock. */
static void release_slot(pv_thread *t)
{
	slot_last[t->slot] = pv_vc_get(&t->final_vc, t->slot);
	if (t->slot != PV_SLOT_UNCHECKED)
		free_slots[nfree++] = t->slot;
	pv_vc_free(&t->vc);
	pv_vc_free(&t->fence_acq);
	pv_vc_free(&t->fence_rel);
	pv_vc_free(&t->final_vc);
}

void pv_thread_finish(pv_thread *t)
{
	pv_vc_copy(&t->final_vc, &t->vc);
	/* Code after this runs unchecked: the slot may be reused. */
	if (pv_cur_thread == t)
		pv_cur_thread = NULL;
	pv_lock_acquire(&reg_lock);
	t->state = PV_THREAD_FINISHED;
	nrunning--;
	if (t->detached)
		release_slot(t);
	pv_lock_release(&reg_lock);
}

void pv_thread_abandon(pv_thread *t)
{
	pv_vc_copy(&t->final_vc, &t->vc);
	pv_lock_acquire(&reg_lock);
	t->state = PV_THREAD_FINISHED;
	nrunning--;
	t->detached = 1;
	release_slot(t);
	pv_lock_release(&reg_lock);
}

void pv_thread_join(pv_thread *joiner, pv_thread *t)
{
	pv_vc_join(&joiner->vc, &t->final_vc);
	pv_lock_acquire(&reg_lock);
	t->joined = 1;
	release_slot(t);
	pv_lock_release(&reg_lock);
}

void pv_thread_detach(pv_thread *t)
{
	pv_lock_acquire(&reg_lock);
	t->detached = 1;
	if (t->state == PV_THREAD_FINISHED && !t->joined)
		release_slot(t);
	pv_lock_release(&reg_lock);
}

void pv_thread_tick(pv_thread *t)
{
	t->vc.e[t->slot]++;
}

int pv_thread_alone(void)
{
	return __atomic_load_n(&nrunning, __ATOMIC_RELAXED) <= 1;
}

/* Under reg_lock: the last epoch of slot, if no thread can use it any
 * more (its thread is self, about to go, or finished). */
static int final_epoch(uint32_t slot, const pv_thread *self, pv_epoch *last)
{
	const pv_thread *o = slot_owner[slot];
	*last = slot_last[slot];
	if (o == self && self)
		*last = pv_vc_get(&self->vc, slot);
	else if (o && o->state != PV_THREAD_FINISHED)
		return 0;
	else if (o && pv_vc_get(&o->final_vc, slot) > *last)
		*last = pv_vc_get(&o->final_vc, slot);
	return 1;
}

void pv_thread_process_exit(void)
{
	pv_lock_acquire(&reg_lock);
	if (!given_back) {
		given_back = 1;
		pv_epoch last;
		for (uint32_t i = 0; i < nmine; i++)
			if (final_epoch(my_slots[i], pv_cur_thread, &last))
				pv_session_slot_free(my_slots[i], last);
	}
	pv_lock_release(&reg_lock);
}

void pv_thread_exec(int failed)
{
	pv_lock_acquire(&reg_lock);
	pv_epoch last;
	for (uint32_t i = 0; i < nmine; i++)
		if (failed || final_epoch(my_slots[i], pv_cur_thread, &last))
			pv_session_slot_exec(my_slots[i], failed ? 0 : last);
	pv_lock_release(&reg_lock);
}

int pv_thread_leaked(pv_thread **out, int max)
{
	int n = 0;
	pv_lock_acquire(&reg_lock);
	/* The list is newest first: fill out from its end. */
	for (pv_thread *t = all_threads; t; t = t->next)
		n += t->parent_tid >= 0 && t->state == PV_THREAD_FINISHED && !t->joined && !t->detached;
	int k = n;
	for (pv_thread *t = all_threads; t; t = t->next)
		if (t->parent_tid >= 0 && t->state == PV_THREAD_FINISHED && !t->joined && !t->detached &&
		    --k < max)
			out[k] = t;
	pv_lock_release(&reg_lock);
	return n;
}

int pv_thread_running(const pv_thread *except)
{
	int n = 0;
	pv_lock_acquire(&reg_lock);
	for (pv_thread *t = all_threads; t; t = t->next)
		n += t != except && t->state == PV_THREAD_RUNNING;
	pv_lock_release(&reg_lock);
	return n;
}

/* Threads by pthread_t, newest first in each chain (a pthread_t is reused
 * once its thread is joined): a join looks at few, not at every thread the
 * program ever had. Under reg_lock. */
#define BY_PTHREAD 4096
static pv_thread *by_pthread[BY_PTHREAD];
static int by_pthread_stale; /* a thread's pthread_t changed: scan everything */

static pv_thread **chain_of(pthread_t p)
{
	return &by_pthread[(pv_mix64((uint64_t)p) >> 20) % BY_PTHREAD];
}

void pv_thread_set_pthread(pv_thread *t, pthread_t p)
{
	pv_lock_acquire(&reg_lock);
	t->pthread = p;
	if (!t->hashed) {
		t->hashed = p;
		pv_thread **c = chain_of(p);
		t->next_same = *c;
		*c = t;
	} else if (t->hashed != p) {
		by_pthread_stale = 1;
	}
	pv_lock_release(&reg_lock);
}

/* The newest thread of p that satisfies live (or any, live 0). Under reg_lock. */
static pv_thread *find_by_pthread(pthread_t p, int live)
{
	int stale = by_pthread_stale;
	for (pv_thread *t = stale ? all_threads : *chain_of(p); t; t = stale ? t->next : t->next_same)
		if (t->pthread == p &&
		    (!live || (!t->joined && !(t->detached && t->state == PV_THREAD_FINISHED))))
			return t;
	return NULL;
}

pv_thread *pv_thread_by_pthread(pthread_t p)
{
	pv_lock_acquire(&reg_lock);
	pv_thread *found = find_by_pthread(p, 1);
	pv_lock_release(&reg_lock);
	return found;
}

pv_thread *pv_thread_last_by_pthread(pthread_t p)
{
	pv_lock_acquire(&reg_lock);
	pv_thread *found = find_by_pthread(p, 0);
	pv_lock_release(&reg_lock);
	return found;
}

pv_thread *pv_thread_by_tid(int tid)
{
	pv_thread *found = NULL;
	pv_lock_acquire(&reg_lock);
	for (pv_thread *t = all_threads; t; t = t->next)
		if (t->tid == tid) {
			found = t;
			break;
		}
	pv_lock_release(&reg_lock);
	return found;
}

pv_thread *pv_thread_by_slot_epoch(uint32_t slot, pv_epoch e)
{
	pv_thread *found = NULL;
	if (slot >= PV_MAX_SLOTS)
		return NULL;
	pv_lock_acquire(&reg_lock);
	for (pv_thread *t = slot_owner[slot]; t; t = t->prev_in_slot)
		if (e >= t->first_epoch) {
			found = t;
			break;
		}
	pv_lock_release(&reg_lock);
	return found;
}

pv_thread *pv_thread_by_stack_addr(uintptr_t addr)
{
	pv_thread *found = NULL;
	pv_lock_acquire(&reg_lock);
	for (pv_thread *t = all_threads; t; t = t->next)
		if (addr >= t->stk_lo && addr < t->stk_hi) {
			found = t;
			if (t->state == PV_THREAD_RUNNING)
				break;
		}
	pv_lock_release(&reg_lock);
	return found;
}

void pv_thread_describe(const pv_thread *t, pv_report_thread *out)
{
	out->tid = t->tid;
	if (t->name[0])
		pv_snprintf(out->name, sizeof out->name, "%s", t->name);
	else if (t->tid == 0)
		pv_snprintf(out->name, sizeof out->name, "main thread");
	else
		pv_snprintf(out->name, sizeof out->name, "T%d", t->tid);
	out->parent_tid = t->parent_tid;
	out->running = t->state == PV_THREAD_RUNNING;
	out->os_tid = t->os_tid;
	out->created.n = 0;
	if (t->created)
		pv_stack_lookup(t->created, &out->created);
}

void pv_thread_set_name(pv_thread *t, const char *name)
{
	pv_snprintf(t->name, sizeof t->name, "%s", name);
}

static void held_restart(pv_thread *t);

void pv_thread_fork_prepare(void)
{
	pv_lock_acquire(&reg_lock);
}

void pv_thread_fork_parent(void)
{
	pv_lock_release(&reg_lock);
}

void pv_thread_fork_child(pv_thread *self)
{
	pv_lock_reset(&reg_lock);
	/* The other threads are gone; what they did before the fork is in the
	 * child's memory, so the child has seen it. Only their current epochs are
	 * read: their clocks may have been mid-update when the fork happened. */
	for (pv_thread *t = all_threads; t; t = t->next) {
		if (t == self)
			continue;
		/* One that had finished, not yet joined, cannot be joined here
		 * (glibc reclaims its stack), nor leak: its clock is stable. */
		if (t->state == PV_THREAD_FINISHED && !t->joined && !t->detached) {
			pv_vc_join(&self->vc, &t->final_vc);
			t->joined = 1;
		}
		if (t->state != PV_THREAD_RUNNING)
			continue;
		pv_epoch e = pv_vc_get(&t->vc, t->slot);
		if (e > pv_vc_get(&self->vc, t->slot))
			pv_vc_set(&self->vc, t->slot, e);
		t->state = PV_THREAD_FINISHED;
		t->joined = 1;
	}
	pv_thread_set_pthread(self, pthread_self());
	nrunning = 1;
	/* The parent goes on in its slot: the child needs its own. Local free
	 * slots may be in use by the parent's threads. */
	if (pv_session_active()) {
		nfree = nmine = 0;
		given_back = 0;
		take_slot(self, unused_slot(&self->vc));
		pv_vc_set(&self->vc, self->slot, self->first_epoch);
		held_restart(self);
	}
}

/* ---- Locks held, by epoch ---- */

/* One held set and the first epoch it holds in. seq is index + 1 of the
 * entry in the thread's history, 0 while being written: a reader that sees
 * the same seq before and after copying has a whole entry (a seqlock). */
typedef struct {
	uint64_t seq;
	pv_epoch first;
	pv_held_set set;
} held_entry;

struct pv_held_history {
	uint64_t n;   /* entries ever written */
	held_entry e[PV_HELD_HISTORY];
};

void pv_thread_held_now(const pv_thread *t, pv_held_set *out)
{
	out->n = t->held.n;
	for (int i = 0; i < t->held.n && i < PV_HELD_SET_MAX; i++) {
		out->addr[i] = t->held.v[i].addr;
		out->site[i] = t->held.v[i].site;
		out->shared[i] = t->held.v[i].mode == PV_LOCK_SHARED;
	}
}

/* By the owner only; readers may be copying the entry at the same time. */
static void held_append(struct pv_held_history *h, pv_epoch first, const pv_thread *t)
{
	held_entry *x = &h->e[h->n % PV_HELD_HISTORY];
	__atomic_store_n(&x->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	x->first = first;
	pv_thread_held_now(t, &x->set);
	__atomic_store_n(&x->seq, h->n + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&h->n, h->n + 1, __ATOMIC_RELEASE);
}

void pv_thread_held_changed(pv_thread *t)
{
	struct pv_held_history *h = t->held_hist;
	if (PV_UNLIKELY(!h)) {
		/* Mapped, so a thread that locks a few times touches one page;
		 * entry 0: no lock held before. */
		h = pv_map(sizeof *h);
		h->e[0].seq = 1;
		h->n = 1;
		__atomic_store_n(&t->held_hist, h, __ATOMIC_RELEASE);
	}
	/* The entry first, so whoever sees the new epoch finds its set. */
	held_append(h, pv_thread_epoch(t) + 1, t);
	pv_thread_tick(t);
}

/* t's epochs start again lower (a fork child's new slot): its current set
 * holds from there, and lookups never go past it to the old slot's. */
static void held_restart(pv_thread *t)
{
	if (t->held_hist)
		held_append(t->held_hist, pv_thread_epoch(t), t);
}

int pv_thread_held_at(const pv_thread *t, pv_epoch e, pv_held_set *out)
{
	const struct pv_held_history *h = __atomic_load_n(&t->held_hist, __ATOMIC_ACQUIRE);
	if (!h) {
		out->n = 0; /* never locked anything */
		return 0;
	}
	uint64_t n = __atomic_load_n(&h->n, __ATOMIC_ACQUIRE);
	/* Newest first: the first entry that began at or before e is e's. Every
	 * newer one must still be whole, or e's may have been overwritten. */
	for (uint64_t i = n; i > 0 && n - i < PV_HELD_HISTORY; i--) {
		const held_entry *x = &h->e[(i - 1) % PV_HELD_HISTORY];
		uint64_t s1 = __atomic_load_n(&x->seq, __ATOMIC_ACQUIRE);
		pv_epoch first = x->first;
		pv_held_set copy;
		pv_memcpy(&copy, &x->set, sizeof copy); /* never the intercepted memcpy */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (s1 != i || __atomic_load_n(&x->seq, __ATOMIC_RELAXED) != i)
			return -1;
		if (first <= e) {
			pv_memcpy(out, &copy, sizeof copy);
			return 0;
		}
	}
	return -1;
}
