/* Shared by the interceptor files: finding the real functions. */
#ifndef PV_INTERCEPT_H
#define PV_INTERCEPT_H

#include <dlfcn.h>
#include "base.h"
#include "schedule.h"
#include "thread.h"

/* The next definition of name after ours (glibc's), looked up once. */
#define REAL(name)                                                              \
	({                                                                      \
		static __typeof__(&name) real_;                                 \
		__typeof__(&name) r_ = __atomic_load_n(&real_, __ATOMIC_ACQUIRE); \
		if (PV_UNLIKELY(!r_)) {                                         \
			r_ = (__typeof__(&name))dlsym(RTLD_NEXT, #name);        \
			if (!r_)                                                \
				pv_die("cannot find the real %s", #name);       \
			__atomic_store_n(&real_, r_, __ATOMIC_RELEASE);         \
		}                                                               \
		r_;                                                             \
	})

/* The same for a versioned symbol (pthread_cond_* have two). */
#define REAL_V(name, version)                                                   \
	({                                                                      \
		static __typeof__(&name) real_;                                 \
		__typeof__(&name) r_ = __atomic_load_n(&real_, __ATOMIC_ACQUIRE); \
		if (PV_UNLIKELY(!r_)) {                                         \
			r_ = (__typeof__(&name))dlvsym(RTLD_NEXT, #name, version); \
			if (!r_)                                                \
				pv_die("cannot find the real %s@%s", #name, version); \
			__atomic_store_n(&real_, r_, __ATOMIC_RELEASE);         \
		}                                                               \
		r_;                                                             \
	})

/* Every interceptor yields to a definition of the same name in the program,
 * as ThreadSanitizer's do: a program may have its own send() or close(). */
#define PV_INTERCEPTOR __attribute__((weak))

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

/* The running thread when its calls are the program's: the runtime is up
 * (a thread exists) and not inside itself (the symbolizer's libraries call
 * intercepted functions too). */
static inline pv_thread *program_thread(void)
{
	pv_thread *t = pv_cur();
	return t && !t->ignore ? t : NULL;
}

/* A call that may block on fd for events (fd < 0: on anything, such as a
 * child's end): under control, when fd is not ready, the thread gives up
 * its turn while it waits (intercept_sched.c). PV_SCHED_NOWAIT: it cannot block. */
#define PV_SCHED_NOWAIT (-2)
int pv_sched_syscall_begin(int fd, short events);
void pv_sched_syscall_end(void);
#define SCHED_SYSCALL(fd, events, call)                                                  \
	({                                                                              \
		int left_ = PV_UNLIKELY(pv_sched_active) && pv_sched_syscall_begin(fd, events); \
		__typeof__(call) sr_ = (call);                                          \
		if (left_)                                                              \
			pv_sched_syscall_end();                                         \
		sr_;                                                                    \
	})

/* A scheduling point before the program's operation op on obj. */
#define SCHED_POINT(op, obj)                                                             \
	do {                                                                            \
		if (PV_UNLIKELY(pv_sched_active) && program_thread())                   \
			pv_sched_point(pv_cur(), op, (uintptr_t)(obj), CALLER_PC);      \
	} while (0)

#endif
