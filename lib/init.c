/* The entry points that instrumented code calls for start-up, function
 * entry/exit and plain memory accesses, and the runtime's start and end. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "access.h"
#include "base.h"
#include "init.h"
#include "options.h"
#include "report.h"
#include "shadow.h"
#include "sync.h"
#include "thread.h"

static int ready;

int pv_runtime_ready(void)
{
	return __atomic_load_n(&ready, __ATOMIC_ACQUIRE);
}

/* Like ThreadSanitizer: a program with findings exits with the options'
 * status. Registered first, so it runs after the program's own handlers. */
static void at_exit(void)
{
	const pv_options_t *o = pv_options();
	if (pv_report_count() && o->exitcode) {
		fflush(NULL);
		_exit(o->exitcode);
	}
}

void pv_runtime_init(void)
{
	static pv_lock lock;
	if (pv_runtime_ready())
		return;
	pv_lock_acquire(&lock);
	if (!pv_runtime_ready()) {
		pv_options();
		pv_shadow_init();
		pv_thread_init_main();
		atexit(at_exit);
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	pv_lock_release(&lock);
}

void __tsan_init(void)
{
	pv_runtime_init();
}

#define PC ((uintptr_t)__builtin_return_address(0))

void __tsan_func_entry(void *call_pc)
{
	pv_thread *t = pv_cur();
	if (PV_UNLIKELY(!t))
		return;
	t->ctx_func = PC;
	t->ctx = pv_ctx_child(t->ctx, (uintptr_t)call_pc, t->ctx_func);
}

void __tsan_func_exit(void)
{
	pv_thread *t = pv_cur();
	if (PV_UNLIKELY(!t) || !t->ctx)
		return;
	t->ctx = pv_ctx_parent(t->ctx);
	t->ctx_func = pv_ctx_func(t->ctx);
}

static inline void access_at(uintptr_t a, unsigned size, int is_write, uintptr_t pc)
{
	pv_thread *t = pv_cur();
	if (PV_UNLIKELY(!t || t->ignore))
		return;
	if (PV_LIKELY((a & (PV_GRANULE - 1)) + size <= PV_GRANULE))
		pv_access(t, a, size, is_write, 0, pc);
	else
		pv_access_range(t, a, size, is_write, pc);
}

#define ACCESS_ENTRIES(N)                                                                    \
	void __tsan_read##N(void *a) { access_at((uintptr_t)a, N, 0, PC); }                  \
	void __tsan_write##N(void *a) { access_at((uintptr_t)a, N, 1, PC); }                 \
	void __tsan_unaligned_read##N(void *a) { access_at((uintptr_t)a, N, 0, PC); }        \
	void __tsan_unaligned_write##N(void *a) { access_at((uintptr_t)a, N, 1, PC); }       \
	void __tsan_volatile_read##N(void *a) { access_at((uintptr_t)a, N, 0, PC); }         \
	void __tsan_volatile_write##N(void *a) { access_at((uintptr_t)a, N, 1, PC); }        \
	void __tsan_unaligned_volatile_read##N(void *a) { access_at((uintptr_t)a, N, 0, PC); } \
	void __tsan_unaligned_volatile_write##N(void *a) { access_at((uintptr_t)a, N, 1, PC); } \
	void __tsan_read##N##_pc(void *a, void *pc) { access_at((uintptr_t)a, N, 0, (uintptr_t)pc); } \
	void __tsan_write##N##_pc(void *a, void *pc) { access_at((uintptr_t)a, N, 1, (uintptr_t)pc); }

ACCESS_ENTRIES(1)
ACCESS_ENTRIES(2)
ACCESS_ENTRIES(4)
ACCESS_ENTRIES(8)
ACCESS_ENTRIES(16)

void __tsan_read_range(void *a, unsigned long size)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
		pv_access_range(t, (uintptr_t)a, size, 0, PC);
}

void __tsan_write_range(void *a, unsigned long size)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
		pv_access_range(t, (uintptr_t)a, size, 1, PC);
}

void __tsan_read_range_pc(void *a, unsigned long size, void *pc)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
		pv_access_range(t, (uintptr_t)a, size, 0, (uintptr_t)pc);
}

void __tsan_write_range_pc(void *a, unsigned long size, void *pc)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
		pv_access_range(t, (uintptr_t)a, size, 1, (uintptr_t)pc);
}

/* C++ virtual-table pointers; C never emits these but a mixed program may. */
void __tsan_vptr_read(void **vptr_p)
{
	access_at((uintptr_t)vptr_p, 8, 0, PC);
}

void __tsan_vptr_update(void **vptr_p, void *new_val)
{
	if (*vptr_p != new_val)
		access_at((uintptr_t)vptr_p, 8, 1, PC);
}

/* Annotations a program may call directly. */
void __tsan_acquire(void *addr)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_sync_acquire(t, (uintptr_t)addr, PV_CLOCK_MAIN);
}

void __tsan_release(void *addr)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_sync_release(t, (uintptr_t)addr, PV_CLOCK_MAIN);
}

void __tsan_ignore_thread_begin(void)
{
	pv_thread *t = pv_cur();
	if (t)
		t->ignore++;
}

void __tsan_ignore_thread_end(void)
{
	pv_thread *t = pv_cur();
	if (t && t->ignore > 0)
		t->ignore--;
}
