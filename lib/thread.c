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
 * epochs continue from the last one, so old shadow cells stay ordered. */
static pv_lock reg_lock;
static pv_thread *all_threads;
static pv_thread *slot_owner[PV_MAX_SLOTS];
static pv_epoch slot_last[PV_MAX_SLOTS];
static uint32_t free_slots[PV_MAX_SLOTS];
static uint32_t nfree, nslots;
static int next_tid;

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

/* A slot never used: the session's, so that no other process uses it. */
static uint32_t unused_slot(void)
{
	uint32_t slot = pv_session_active() ? pv_session_new_slot()
					    : nslots < PV_MAX_SLOTS ? nslots++ : PV_MAX_SLOTS;
	if (slot == PV_MAX_SLOTS)
		pv_die("more than %d threads in the processes of one program", PV_MAX_SLOTS);
	return slot;
}

/* Under reg_lock. */
static void take_slot(pv_thread *t, uint32_t slot)
{
	t->slot = slot;
	t->first_epoch = slot_last[slot] + 1;
	t->prev_in_slot = slot_owner[slot];
	slot_owner[slot] = t;
	pv_session_slot_set(slot, getpid(), t->tid);
}

/* Under reg_lock. */
static pv_thread *new_thread(void)
{
	pv_thread *t = pv_alloc(sizeof *t);
	t->tid = next_tid++;
	take_slot(t, nfree ? free_slots[--nfree] : unused_slot());
	t->next = all_threads;
	all_threads = t;
	return t;
}

pv_thread *pv_thread_init_main(void)
{
	pv_lock_acquire(&reg_lock);
	pv_thread *t = new_thread();
	pv_lock_release(&reg_lock);
	t->parent_tid = -1;
	pv_vc_set(&t->vc, t->slot, t->first_epoch);
	t->ignore = 1;
	stack_bounds(t, pthread_self());
	t->pthread = pthread_self();
	t->os_tid = gettid();
	t->ignore = 0;
	pv_cur_thread = t;
	return t;
}

pv_thread *pv_thread_create(pv_thread *parent, pv_stack_id created, int detached)
{
	pv_lock_acquire(&reg_lock);
	pv_thread *t = new_thread();
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
	t->pthread = self;
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
	free_slots[nfree++] = t->slot;
	pv_vc_free(&t->vc);
	pv_vc_free(&t->fence_acq);
	pv_vc_free(&t->fence_rel);
	pv_vc_free(&t->final_vc);
}

void pv_thread_finish(pv_thread *t)
{
	pv_vc_copy(&t->final_vc, &t->vc);
	/* Code after this (TLS destructors) runs unchecked: the slot may be reused. */
	if (pv_cur_thread == t)
		pv_cur_thread = NULL;
	pv_lock_acquire(&reg_lock);
	t->state = PV_THREAD_FINISHED;
	if (t->detached)
		release_slot(t);
	pv_lock_release(&reg_lock);
}

void pv_thread_abandon(pv_thread *t)
{
	pv_vc_copy(&t->final_vc, &t->vc);
	pv_lock_acquire(&reg_lock);
	t->state = PV_THREAD_FINISHED;
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

pv_thread *pv_thread_by_pthread(pthread_t p)
{
	pv_thread *found = NULL;
	pv_lock_acquire(&reg_lock);
	/* Newest first: a pthread_t is reused once its thread is joined. */
	for (pv_thread *t = all_threads; t; t = t->next)
		if (t->pthread == p && !t->joined && !(t->detached && t->state == PV_THREAD_FINISHED)) {
			found = t;
			break;
		}
	pv_lock_release(&reg_lock);
	return found;
}

pv_thread *pv_thread_last_by_pthread(pthread_t p)
{
	pv_thread *found = NULL;
	pv_lock_acquire(&reg_lock);
	for (pv_thread *t = all_threads; t && !found; t = t->next)
		if (t->pthread == p)
			found = t;
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
		snprintf(out->name, sizeof out->name, "%s", t->name);
	else if (t->tid == 0)
		snprintf(out->name, sizeof out->name, "main thread");
	else
		snprintf(out->name, sizeof out->name, "T%d", t->tid);
	out->parent_tid = t->parent_tid;
	out->running = t->state == PV_THREAD_RUNNING;
	out->os_tid = t->os_tid;
	out->created.n = 0;
	if (t->created)
		pv_stack_lookup(t->created, &out->created);
}

void pv_thread_set_name(pv_thread *t, const char *name)
{
	snprintf(t->name, sizeof t->name, "%s", name);
}

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
		if (t == self || t->state != PV_THREAD_RUNNING)
			continue;
		pv_epoch e = pv_vc_get(&t->vc, t->slot);
		if (e > pv_vc_get(&self->vc, t->slot))
			pv_vc_set(&self->vc, t->slot, e);
		t->state = PV_THREAD_FINISHED;
		t->joined = 1;
	}
	self->pthread = pthread_self();
	/* The parent goes on in its slot: the child needs its own. Local free
	 * slots may be in use by the parent's threads. */
	if (pv_session_active()) {
		nfree = 0;
		take_slot(self, unused_slot());
		pv_vc_set(&self->vc, self->slot, self->first_epoch);
	}
}
