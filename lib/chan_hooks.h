/* What libpvchan tells a checker's runtime, beyond happens-before (which
 * goes through __tsan_acquire/__tsan_release). The library declares these
 * weak and calls them only when the runtime defines them: pvcheck's does
 * (intercept_chan.c), ThreadSanitizer's does not. */
#ifndef PV_CHAN_HOOKS_H
#define PV_CHAN_HOOKS_H

#include <stdint.h>

/* dir of pv_chan_block_begin: PV_CHAN_SEND, PV_CHAN_RECV, or this for a
 * select (chan is then its first arm's channel, NULL when it has none). */
#define PV_CHAN_HOOK_SELECT 2

/* A fatal misuse ("send on closed channel", ...): the library prints
 * "pvchan: <what>" and aborts when this returns. */
void pv_chan_misuse(const char *what, const void *chan) __attribute__((weak));
/* The calling thread is about to sleep until another thread wakes it, and
 * has just woken up. */
void pv_chan_block_begin(const void *chan, int dir) __attribute__((weak));
void pv_chan_block_end(void) __attribute__((weak));
/* A channel operation is about to look at chan (a scheduling point). */
void pv_chan_point(const void *chan, int dir) __attribute__((weak));
/* Sleep while *word == seen, in the runtime's scheduler when it controls
 * the thread: 1 when it did (the caller looks again), 0 to sleep on the
 * futex itself. unpark: *word has changed, a sleeper of it may go on. */
int pv_chan_park(uint32_t *word, uint32_t seen) __attribute__((weak));
void pv_chan_unpark(uint32_t *word) __attribute__((weak));
/* The return address of the thread's innermost pv_chan_* call: where the
 * program called the library (for the stacks of the hooks' reports). */
const void *pv_chan__caller_pc(void);

#endif
