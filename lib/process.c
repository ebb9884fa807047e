#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>
#include "process.h"
#include "session.h"
#include "thread.h"
#include "xmap.h"

void pv_process_exit_clock(void)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_session_release(pv_key_exit(getpid()), &t->vc);
}

void pv_process_leave(void)
{
	pv_process_exit_clock();
	pv_thread_process_exit();
	pv_xmap_release();
}

void pv_process_exit(int status)
{
	pv_process_leave();
	/* Not _exit: that is the program's (or our interceptor of it). */
	for (;;)
		syscall(SYS_exit_group, status);
}
