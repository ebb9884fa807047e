/* Shared by the interceptor files: finding the real functions. */
#ifndef PV_INTERCEPT_H
#define PV_INTERCEPT_H

#include <dlfcn.h>
#include "base.h"
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

#endif
