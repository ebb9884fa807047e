/* Processes and what they share: fork, exec, posix_spawn, wait and exit;
 * shared mappings and named semaphores; messages through pipes, sockets
 * and FIFOs (a write happens before the read that gets its bytes). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "deadlock.h"
#include "heap.h"
#include "init.h"
#include "intercept.h"
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
 * fork so that the child's copy is consistent. */
static void before_fork(void)
{
	pv_thread *t = pv_cur();
	if (!t)
		return;
	t->ignore++;
	pv_dl_fork_prepare();
	pv_thread_fork_prepare();
	pv_sync_fork_prepare();
	pv_heap_fork_prepare();
}

static void after_fork_parent(void)
{
	pv_thread *t = pv_cur();
	if (!t)
		return;
	pv_heap_fork_parent();
	pv_sync_fork_parent();
	pv_thread_fork_parent();
	pv_dl_fork_parent();
	/* What the parent does from now on the child has not seen. */
	pv_thread_tick(t);
	t->ignore--;
}

static void after_fork_child(void)
{
	pv_thread *t = pv_cur();
	if (!t)
		return;
	pv_heap_fork_child();
	pv_sync_fork_child();
	pv_thread_fork_child(t);
	pv_dl_fork_child(t);
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
		pv_runtime_exiting();
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
		if (!sigaction(deadly[i], NULL, &old) && old.sa_handler == SIG_DFL &&
		    !(old.sa_flags & SA_SIGINFO))
			sigaction(deadly[i], &sa, NULL);
	}
}

pid_t fork(void)
{
	pv_thread *t = pv_cur();
	if (t)
		pv_dl_fork_site(t, CALLER_PC);
	return REAL(fork)();
}

/* The program's own _exit ends it as exit does, grace and leaks included
 * (ThreadSanitizer's does too); the runtime's (deadlock, halt) do not. */
void _exit(int status)
{
	if (program_thread())
		pv_runtime_finish();
	pv_runtime_exiting();
	REAL(_exit)(status);
	__builtin_unreachable();
}

void _Exit(int status)
{
	if (program_thread())
		pv_runtime_finish();
	pv_runtime_exiting();
	REAL(_Exit)(status);
	__builtin_unreachable();
}

/* A child that ended left its clock: its work happened before the wait returned. */
static void reaped(pid_t pid, int status)
{
	pv_thread *t = program_thread();
	if (t && pid > 0 && (WIFEXITED(status) || WIFSIGNALED(status)))
		pv_session_acquire(&t->vc, pv_key_exit(pid));
}

pid_t wait(int *wstatus)
{
	int st = 0;
	pid_t p = REAL(wait)(&st);
	reaped(p, st);
	if (wstatus)
		*wstatus = st;
	return p;
}

pid_t waitpid(pid_t pid, int *wstatus, int options)
{
	int st = 0;
	pid_t p = REAL(waitpid)(pid, &st, options);
	reaped(p, st);
	if (wstatus && p > 0)
		*wstatus = st;
	return p;
}

pid_t wait3(int *wstatus, int options, struct rusage *ru)
{
	int st = 0;
	pid_t p = REAL(wait3)(&st, options, ru);
	reaped(p, st);
	if (wstatus && p > 0)
		*wstatus = st;
	return p;
}

pid_t wait4(pid_t pid, int *wstatus, int options, struct rusage *ru)
{
	int st = 0;
	pid_t p = REAL(wait4)(pid, &st, options, ru);
	reaped(p, st);
	if (wstatus && p > 0)
		*wstatus = st;
	return p;
}

int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	int r = REAL(waitid)(idtype, id, info, options);
	if (r == 0 && info && info->si_pid > 0 &&
	    (info->si_code == CLD_EXITED || info->si_code == CLD_KILLED || info->si_code == CLD_DUMPED))
		reaped(info->si_pid, info->si_code == CLD_EXITED ? 0 : SIGKILL);
	return r;
}

/* ---- exec and spawn: the new program joins the session ---- */

/* envp with the session's entry, carrying the caller's clock: a new array,
 * or envp itself when there is no session. */
static char **session_env(char *const envp[], pv_thread *t)
{
	uint32_t h = t ? pv_session_handoff(&t->vc) : 0;
	if (!h)
		return (char **)envp;
	t->ignore++; /* our strncmp is not the program's */
	size_t n = 0;
	while (envp && envp[n])
		n++;
	char **out = pv_alloc((n + 2) * sizeof *out);
	char *entry = pv_alloc(64);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], PV_SESSION_ENV "=", sizeof PV_SESSION_ENV))
			out[k++] = envp[i];
	pv_session_env_entry(h, entry, 64);
	out[k++] = entry;
	out[k] = NULL;
	t->ignore--;
	return out;
}

static void env_done(char **env, char *const orig[])
{
	if (env == (char **)orig)
		return;
	pv_thread *t = pv_cur();
	t->ignore++;
	for (size_t i = 0; env[i]; i++)
		if (!strncmp(env[i], PV_SESSION_ENV "=", sizeof PV_SESSION_ENV))
			pv_free(env[i]);
	pv_free(env);
	t->ignore--;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	char **env = session_env(envp, pv_cur());
	int r = REAL(execve)(path, argv, env);
	int e = errno;
	env_done(env, envp);
	errno = e;
	return r;
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	char **env = session_env(envp, pv_cur());
	int r = REAL(execvpe)(file, argv, env);
	int e = errno;
	env_done(env, envp);
	errno = e;
	return r;
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	char **env = session_env(envp, pv_cur());
	int r = REAL(fexecve)(fd, argv, env);
	int e = errno;
	env_done(env, envp);
	errno = e;
	return r;
}

int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

int execvp(const char *file, char *const argv[])
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

int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return execve(path, argv, environ);
}

int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	char **argv;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, argv);
	va_end(ap);
	return execvpe(file, argv, environ);
}

int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char **argv;
	va_start(ap, arg);
	COLLECT_ARGS(arg, ap, argv);
	char *const *envp = va_arg(ap, char *const *);
	va_end(ap);
	return execve(path, argv, envp);
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	pv_thread *t = pv_cur();
	char **env = session_env(envp, t);
	int r = REAL(posix_spawn)(pid, path, fa, attr, argv, env);
	env_done(env, envp);
	if (t)
		pv_thread_tick(t);
	return r;
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	pv_thread *t = pv_cur();
	char **env = session_env(envp, t);
	int r = REAL(posix_spawnp)(pid, file, fa, attr, argv, env);
	env_done(env, envp);
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

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
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

int munmap(void *addr, size_t len)
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
sem_t *sem_open(const char *name, int oflag, ...)
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
		snprintf(path, sizeof path, "/dev/shm/sem.%s", name[0] == '/' ? name + 1 : name);
		if (!stat(path, &st)) {
			char what[112];
			snprintf(what, sizeof what, "named semaphore '%s'", name);
			pv_xmap_register_file((uintptr_t)s, sizeof *s, st.st_dev, st.st_ino, 0, what);
		}
	}
	return s;
}

int sem_close(sem_t *s)
{
	uintptr_t a = (uintptr_t)s;
	size_t n = sizeof *s;
	pv_xmap_unmap(&a, &n);
	return REAL(sem_close)(s);
}

/* ---- pipes, sockets, FIFOs ---- */

static int channel_key(int fd, pv_key *k)
{
	struct stat st;
	if (fstat(fd, &st) || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 0;
	*k = pv_session_file_key(st.st_dev, st.st_ino);
	return 1;
}

/* Before bytes go out (or the end closes): whoever gets them sees our past. */
static void sending(int fd)
{
	pv_thread *t = program_thread();
	pv_key k;
	if (t && pv_session_active() && channel_key(fd, &k)) {
		pv_session_release(k, &t->vc);
		pv_thread_tick(t);
	}
}

/* After a read that got bytes, or the end of the stream. */
static ssize_t received(int fd, ssize_t n)
{
	pv_thread *t = program_thread();
	pv_key k;
	if (n >= 0 && t && pv_session_active() && channel_key(fd, &k))
		pv_session_acquire(&t->vc, k);
	return n;
}

int socketpair(int domain, int type, int protocol, int sv[2])
{
	int r = REAL(socketpair)(domain, type, protocol, sv);
	struct stat a, b;
	if (r == 0 && pv_runtime_ready() && !fstat(sv[0], &a) && !fstat(sv[1], &b))
		pv_session_alias_file(b.st_dev, b.st_ino, a.st_dev, a.st_ino);
	return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	sending(fd);
	return REAL(write)(fd, buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	sending(fd);
	return REAL(writev)(fd, iov, n);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	sending(fd);
	return REAL(send)(fd, buf, n, flags);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	sending(fd);
	return REAL(sendto)(fd, buf, n, flags, to, tolen);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	sending(fd);
	return REAL(sendmsg)(fd, msg, flags);
}

ssize_t read(int fd, void *buf, size_t n)
{
	return received(fd, REAL(read)(fd, buf, n));
}

ssize_t readv(int fd, const struct iovec *iov, int n)
{
	return received(fd, REAL(readv)(fd, iov, n));
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return received(fd, REAL(recv)(fd, buf, n, flags));
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	return received(fd, REAL(recvfrom)(fd, buf, n, flags, from, fromlen));
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	return received(fd, REAL(recvmsg)(fd, msg, flags));
}

/* Closing a writing end is what a reader's end of file waits for. */
int close(int fd)
{
	sending(fd);
	return REAL(close)(fd);
}
