/* A process's end, as the session sees it: the exit clock its parent's
 * wait acquires, its thread slots and its shared mappings go back. The
 * exit interceptors and the runtime's own ends (a deadlock, halt_on_error)
 * all go through here, so none of them calls an interceptor. */
#ifndef PV_PROCESS_H
#define PV_PROCESS_H

/* What a parent's wait acquires from this process: its running thread's
 * clock, published under the process's exit key. Also before a deadly
 * signal, and before an exec of a program without the runtime. */
void pv_process_exit_clock(void);
/* All of it: the exit clock, then the slots and shared mappings. */
void pv_process_leave(void);
/* Leave, then end the process at once with status (no atexit handlers). */
void pv_process_exit(int status) __attribute__((noreturn));

#endif
