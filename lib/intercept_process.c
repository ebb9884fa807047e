/* Processes and mappings: fork, mmap, munmap. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include "deadlock.h"
#include "heap.h"
#include "intercept.h"
#include "report.h"
#include "shadow.h"
#include "stack.h"
#include "sync.h"
#include "thread.h"

/* The child continues with one thread and a copy of the runtime's state;
 * every runtime lock is taken across the fork so that copy is consistent. */
pid_t fork(void)
{
	pv_thread *t = pv_cur();
	if (!t)
		return REAL(fork)();
	t->ignore++;
	pv_thread_fork_prepare();
	pv_sync_fork_prepare();
	pv_heap_fork_prepare();
	pv_dl_fork_prepare();
	pid_t pid = REAL(fork)();
	if (pid == 0) {
		pv_dl_fork_child(t);
		pv_heap_fork_child();
		pv_sync_fork_child();
		pv_thread_fork_child(t);
		pv_report_after_fork_child();
		pv_stack_after_fork_child();
	} else {
		pv_dl_fork_parent();
		pv_heap_fork_parent();
		pv_sync_fork_parent();
		pv_thread_fork_parent();
	}
	t->ignore--;
	return pid;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = REAL(mmap)(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED) {
		pv_shadow_reset((uintptr_t)p, len);
		pv_sync_forget((uintptr_t)p, len);
	}
	return p;
}

int munmap(void *addr, size_t len)
{
	int r = REAL(munmap)(addr, len);
	if (r == 0) {
		pv_shadow_reset((uintptr_t)addr, len);
		pv_sync_forget((uintptr_t)addr, len);
		pv_dl_forget((uintptr_t)addr, len);
	}
	return r;
}
