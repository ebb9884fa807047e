/* Processes and what they share: fork, exec, posix_spawn, wait and exit;
 * shared mappings and named semaphores. Descriptors are intercept_fd.c's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "deadlock.h"
#include "heap.h"
#include "init.h"
#include "intercept.h"
#include "process.h"
#include "report.h"
#include "session.h"
#include "shadow.h"
#include "stack.h"
#include "sync.h"
#include "thread.h"
#include "xmap.h"

extern char **environ;

/* ---- fork, exit, wait ---- */

/* The runtime's fork handlers, registered before any of the program's:
 * its prepare runs after theirs (they may lock what our locks guard) and
 * its parent/child before theirs. Every runtime lock is taken across the
 * fork so that the child's copy is consistent. A process with one thread
 * leaves the sync and heap tables' many locks alone: nobody else can hold
 * one, and touching them all cost every fork (a forking server) a
 * millisecond of copied pages. */
static int forked_alone;

static void before_fork(void)
{
	pv_thread *t = pv_cur();
	if (!t)
		return;
	t->ignore++;
	pv_dl_fork_prepare();
	pv_thread_fork_prepare();
	forked_alone = pv_thread_alone();
	if (!forked_alone) {
		pv_sync_fork_prepare();
		pv_heap_fork_prepare();
	}
}

static void after_fork_parent(void)
{
	pv_thread *t = pv_cur();
	if (!t)
		return;
	if (!forked_alone) {
		pv_heap_fork_parent();
		pv_sync_fork_parent();
	}
	pv_thread_fork_parent();
	pv_dl_fork_parent();
	/* What the parent does from now on the child has not seen. */
	pv_thread_tick(t);
	t->ignore--;
}

static void after_fork_child(void)
{
	pv_lock_held_reset();
	pv_thread *t = pv_cur();
	if (!t)
		return;
	if (!forked_alone) {
		pv_heap_fork_child();
		pv_sync_fork_child();
	}
	pv_thread_fork_child(t);
	pv_dl_fork_child(t);
	pv_sched_fork_child(t);
	pv_report_after_fork_child();
	pv_stack_after_fork_child();
	t->ignore--;
}

/* A process ended by a signal still leaves its clock, so that what it
 * wrote to shared memory is ordered before its parent's wait. The handler
 * is reset to the default as it runs, and the signal raised again. */
static void deadly_signal(int sig)
{
	pv_thread *t = pv_cur();
	if (t && !t->ignore)
		pv_process_exit_clock();
	raise(sig);
}

void pv_process_init(void)
{
	static const int deadly[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM,
				      SIGINT, SIGHUP, SIGQUIT, SIGPIPE };
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
	for (size_t i = 0; i < sizeof deadly / sizeof deadly[0]; i++) {
		struct sigaction old, sa = { .sa_handler = deadly_signal,
					     .sa_flags = SA_RESETHAND | SA_NODEFER };
		/* Never take a signal a program (or its parent) chose to handle or ignore. */
		if (!REAL(sigaction)(deadly[i], NULL, &old) && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			REAL(sigaction)(deadly[i], &sa, NULL);
	}
}

PV_INTERCEPTOR pid_t fork(void)
{
	SCHED_POINT("fork", 0);
	pv_thread *t = pv_cur();
	if (t) {
		pv_dl_fork_site(t, CALLER_PC);
		pv_xmap_fork(0);
	}
	pid_t r = REAL(fork)();
	if (r < 0 && t)
		pv_xmap_fork(1);
	return r;
}

/* The program's own _exit ends it as exit does, grace and leaks included
 * (ThreadSanitizer's does too); the runtime's (deadlock, halt) do not. */
PV_INTERCEPTOR void _exit(int status)
{
	if (program_thread()) {
		pv_sched_program_end(pv_cur());
		pv_dl_program_end();
	}
	pv_sched_finish();
	pv_process_leave();
	REAL(_exit)(status);
	__builtin_unreachable();
}

PV_INTERCEPTOR void _Exit(int status)
{
	if (program_thread()) {
		pv_sched_program_end(pv_cur());
		pv_dl_program_end();
	}
	pv_sched_finish();
	pv_process_leave();
	REAL(_Exit)(status);
	__builtin_unreachable();
}

/* A child that ended left its clock: its work happened before the wait
 * returned. Once reaped, the clock is used up (the pid may come again) and
 * the slots the child left behind by exec go back to the session. */
static void reaped(pid_t pid, int status, int reap)
{
	pv_thread *t = program_thread();
	if (!t || pid <= 0 || !(WIFEXITED(status) || WIFSIGNALED(status)))
		return;
	pv_session_acquire(&t->vc, pv_key_exit(pid));
	if (reap) {
		pv_session_forget(pv_key_exit(pid));
		pv_session_reclaim(pid);
	}
}

PV_INTERCEPTOR pid_t wait(int *wstatus)
{
	int st = 0;
	pid_t p = SCHED_SYSCALL(-1, 0, REAL(wait)(&st));
	reaped(p, st, 1);
	if (wstatus)
		*wstatus = st;
	return p;
}

PV_INTERCEPTOR pid_t waitpid(pid_t pid, int *wstatus, int options)
{
	int st = 0;
	pid_t p = SCHED_SYSCALL(options & WNOHANG ? PV_SCHED_NOWAIT : -1, 0, REAL(waitpid)(pid, &st, options));
	reaped(p, st, 1);
	if (wstatus && p > 0)
		*wstatus = st;
	return p;
}

PV_INTERCEPTOR pid_t wait3(int *wstatus, int options, struct rusage *ru)
{
	int st = 0;
	pid_t p = SCHED_SYSCALL(options & WNOHANG ? PV_SCHED_NOWAIT : -1, 0, REAL(wait3)(&st, options, ru));
	reaped(p, st, 1);
	if (wstatus && p > 0)
		*wstatus = st;
	return p;
}

PV_INTERCEPTOR pid_t wait4(pid_t pid, int *wstatus, int options, struct rusage *ru)
{
	int st = 0;
	pid_t p = SCHED_SYSCALL(options & WNOHANG ? PV_SCHED_NOWAIT : -1, 0, REAL(wait4)(pid, &st, options, ru));
	reaped(p, st, 1);
	if (wstatus && p > 0)
		*wstatus = st;
	return p;
}

PV_INTERCEPTOR int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	int r = SCHED_SYSCALL(options & WNOHANG ? PV_SCHED_NOWAIT : -1, 0, REAL(waitid)(idtype, id, info, options));
	if (r == 0 && info && info->si_pid > 0 &&
	    (info->si_code == CLD_EXITED || info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED))
		reaped(info->si_pid, info->si_code == CLD_EXITED ? 0 : SIGKILL, !(options & WNOWAIT));
	return r;
}

/* ---- exec and spawn: the new program joins the session ---- */

/* Does the program at path carry the runtime? Only such a program gets the
 * session: any other might write over the descriptor. */
static int carries_runtime(const char *path)
{
	int fd = pv_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	int r = pv_session_carries_runtime(fd);
	pv_close(fd);
	return r;
}

/* The same for a file found through PATH, as execvp finds it. */
static int carries_runtime_p(const char *file)
{
	if (strchr(file, '/'))
		return carries_runtime(file);
	const char *dirs = getenv("PATH");
	if (!dirs)
		dirs = "/bin:/usr/bin";
	char buf[4096];
	for (const char *p = dirs;; p++) {
		const char *e = strchrnul(p, ':');
		int n = (int)(e - p);
		pv_snprintf(buf, sizeof buf, "%.*s/%s", n ? n : 1, n ? p : ".", file);
		if (!access(buf, X_OK))
			return carries_runtime(buf);
		if (!*e)
			return 0;
		p = e;
	}
}

/* The same, from the program's thread t (NULL: no session to hand on). */
static int runtime_at(pv_thread *t, const char *file, int search)
{
	if (!t || !pv_session_active())
		return 0;
	t->ignore++; /* our string functions are not the program's */
	int r = search ? carries_runtime_p(file) : carries_runtime(file);
	t->ignore--;
	return r;
}

/* The environment a new program starts with: envp, and for a program that
 * carries the runtime the session's entries (a descriptor of the session
 * and the caller's clock; the options the runtime started with), whatever
 * envp holds. */
typedef struct {
	char **env;
	char *entry;      /* ours, in env */
	int fd;           /* the session's descriptor for this exec, or -1 */
	uint32_t handoff; /* the caller's clock for the new program, or 0 */
} new_env;

static int has_name(const char *e, const char *name_eq)
{
	return !strncmp(e, name_eq, strlen(name_eq));
}

static new_env session_env(char *const envp[], pv_thread *t, int runtime)
{
	new_env r = { (char **)envp, NULL, -1, 0 };
	if (!t || !pv_session_active())
		return r;
	t->ignore++; /* our strncmp is not the program's */
	const char *opts = runtime ? pv_session_options_entry() : NULL;
	uint32_t h = 0;
	if (runtime && (r.fd = pv_session_exec_fd()) >= 0)
		h = r.handoff = pv_session_handoff(&t->vc);
	size_t n = 0;
	while (envp && envp[n])
		n++;
	char **out = pv_alloc((n + 3) * sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!has_name(envp[i], PV_SESSION_ENV "=") &&
		    !(opts && has_name(envp[i], "PVCHECK_OPTIONS=")))
			out[k++] = envp[i];
	if (h) {
		r.entry = pv_alloc(64);
		pv_session_env_entry(h, r.fd, r.entry, 64);
		out[k++] = r.entry;
	}
	if (opts)
		out[k++] = (char *)opts;
	out[k] = NULL;
	r.env = out;
	t->ignore--;
	return r;
}

/* Before an exec: the slots of this process's threads that are done go
 * back to the session once the exec succeeds; a program without the
 * runtime ends the part of this process that is checked, as an exit does. */
static void exec_prepare(pv_thread *t, int runtime)
{
	if (!t || !pv_session_active())
		return;
	t->ignore++;
	if (!runtime)
		pv_process_exit_clock();
	pv_thread_exec(0);
	pv_xmap_release();
	t->ignore--;
}

/* No new program will take the handoff. */
static void exec_failed(pv_thread *t, const new_env *env)
{
	if (t && pv_session_active()) {
		pv_thread_exec(1);
		pv_xmap_retake();
		if (env->handoff)
			pv_session_forget(pv_key_handoff(env->handoff));
	}
}

/* After the exec failed, or the spawn is done. */
static void env_done(new_env *r, char *const orig[])
{
	if (r->fd >= 0)
		pv_close(r->fd);
	if (r->env == (char **)orig)
		return;
	pv_free(r->entry);
	pv_free(r->env);
}

PV_INTERCEPTOR int execve(const char *path, char *const argv[], char *const envp[])
{
	pv_thread *t = pv_cur();
	int runtime = runtime_at(t, path, 0);
	new_env env = session_env(envp, t, runtime);
	exec_prepare(t, runtime);
	int r = REAL(execve)(path, argv, env.env);
	int e = errno;
	exec_failed(t, &env);
	env_done(&env, envp);
	errno = e;
	return r;
}

PV_INTERCEPTOR int execvpe(const char *file, char *const argv[], char *const envp[])
{
	pv_thread *t = pv_cur();
	int runtime = runtime_at(t, file, 1);
	new_env env = session_env(envp, t, runtime);
	exec_prepare(t, runtime);
	int r = REAL(execvpe)(file, argv, env.env);
	int e = errno;
	exec_failed(t, &env);
	env_done(&env, envp);
	errno = e;
	return r;
}

PV_INTERCEPTOR int fexecve(int fd, char *const argv[], char *const envp[])
{
	pv_thread *t = pv_cur();
	char path[32];
	pv_snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int runtime = runtime_at(t, path, 0);
	new_env env = session_env(envp, t, runtime);
	exec_prepare(t, runtime);
	int r = REAL(fexecve)(fd, argv, env.env);
	int e = errno;
	exec_failed(t, &env);
	env_done(&env, envp);
	errno = e;
	return r;
}

PV_INTERCEPTOR int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

PV_INTERCEPTOR int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* The arguments of execl and friends up to the NULL, as an array. */
#define COLLECT_ARGS(arg0, ap, argv)                                                     \
	do {                                                                             \
		va_list c_;                                                              \
		size_t n_ = 1;                                                           \
		va_copy(c_, ap);                                                         \
		while (va_arg(c_, char *))                                               \
			n_++;                                                            \
		va_end(c_);                                                              \
		argv = __builtin_alloca((n_ + 1) * sizeof *argv);                        \
		argv[0] = (char *)(arg0);                                                \
		for (size_t i_ = 1; i_ <= n_; i_++)                                      \
			argv[i_] = va_arg(ap, char *);                                   \
	} while (0)

PV_INTERCEPTOR int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return execve(path, argv, environ);
}

PV_INTERCEPTOR int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	char **argv;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return execvpe(file, argv, environ);
}

PV_INTERCEPTOR int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, argv);
	char *const *envp = va_arg(ap, char *const *);
	va_end(ap);
	return execve(path, argv, envp);
}

PV_INTERCEPTOR int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	pv_thread *t = pv_cur();
	new_env env = session_env(envp, t, runtime_at(t, path, 0));
	int r = REAL(posix_spawn)(pid, path, fa, attr, argv, env.env);
	env_done(&env, envp);
	if (t)
		pv_thread_tick(t);
	return r;
}

PV_INTERCEPTOR int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	pv_thread *t = pv_cur();
	new_env env = session_env(envp, t, runtime_at(t, file, 1));
	int r = REAL(posix_spawnp)(pid, file, fa, attr, argv, env.env);
	env_done(&env, envp);
	if (t)
		pv_thread_tick(t);
	return r;
}

/* ---- mappings ---- */

static int shared_mapping(int flags)
{
	int type = flags & MAP_TYPE;
	return (type == MAP_SHARED || type == MAP_SHARED_VALIDATE) &&
	       !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE));
}

PV_INTERCEPTOR void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;
	/* Shared memory is placed by us (addr is only a hint) and keeps the
	 * session's history: no reset. */
	if (shared_mapping(flags) && pv_runtime_ready())
		return pv_xmap_map(len, prot, flags, fd, off);
	p = REAL(mmap)(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED) {
		pv_shadow_reset((uintptr_t)p, len);
		pv_sync_forget((uintptr_t)p, len);
	}
	return p;
}

PV_INTERCEPTOR int munmap(void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr;
	size_t n = len;
	pv_xmap_unmap(&a, &n);
	int r = REAL(munmap)((void *)a, n);
	if (r == 0) {
		pv_shadow_reset(a, n);
		pv_sync_forget(a, n);
		pv_dl_forget(a, n);
	}
	return r;
}

/* glibc maps a named semaphore's file itself: tell the runtime it is shared. */
PV_INTERCEPTOR sem_t *sem_open(const char *name, int oflag, ...)
{
	mode_t mode = 0;
	unsigned value = 0;
	if (oflag & O_CREAT) {
		va_list ap;
		va_start(ap, oflag);
		mode = (mode_t)va_arg(ap, int);
		value = va_arg(ap, unsigned);
		va_end(ap);
	}
	sem_t *s = REAL(sem_open)(name, oflag, mode, value);
	if (s != SEM_FAILED && pv_runtime_ready()) {
		char path[300];
		struct stat st;
		pv_snprintf(path, sizeof path, "/dev/shm/sem.%s", name[0] == '/' ? name + 1 : name);
		if (!stat(path, &st)) {
			char what[112];
			pv_snprintf(what, sizeof what, "named semaphore '%s'", name);
			pv_xmap_register_file((uintptr_t)s, sizeof *s, st.st_dev, st.st_ino, 0, what);
		}
	}
	return s;
}

PV_INTERCEPTOR int sem_close(sem_t *s)
{
	uintptr_t a = (uintptr_t)s;
	size_t n = sizeof *s;
	pv_xmap_unmap(&a, &n);
	return REAL(sem_close)(s);
}
