#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

volatile pid_t pvc_proc_current;
static volatile sig_atomic_t stop_signal;

#define STOP_GRACE 0.5       /* seconds a stopped program has to end by itself */
#define POLL_US 5000

static void on_stop(int sig)
{
	pid_t g = pvc_proc_current;
	if (!stop_signal)
		stop_signal = sig;
	if (g > 0)
		kill(-g, sig);
}

void pvc_proc_catch_stops(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int pvc_proc_exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Whose group reads the terminal; SIGTTOU would stop a background caller. */
static void give_terminal(pid_t group)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTTOU);
	sigprocmask(SIG_BLOCK, &block, &old);
	tcsetpgrp(0, group);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Every live descendant of ours (a /proc walk by parent pid), up to max. */
static int descendants(pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	enum { MAXP = 32768 };
	static pid_t pids[MAXP], ppids[MAXP];
	int n = 0;
	struct dirent *e;
	while (n < MAXP && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char path[64], buf[512];
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = 0;
		/* pid (comm) state ppid: comm may hold anything but its last ')'. */
		char *paren = strrchr(buf, ')'), state;
		int ppid;
		if (!paren || sscanf(paren + 1, " %c %d", &state, &ppid) != 2 || state == 'Z')
			continue;
		pids[n] = (pid_t)pid;
		ppids[n++] = ppid;
	}
	closedir(d);
	/* Breadth first from us: out[] is the queue; we are not in it. */
	int k = 0;
	for (int j = 0; j < n && k < max; j++)
		if (ppids[j] == getpid())
			out[k++] = pids[j];
	for (int i = 0; i < k; i++)
		for (int j = 0; j < n && k < max; j++)
			if (ppids[j] == out[i])
				out[k++] = pids[j];
	return k;
}

static void kill_descendants(void)
{
	pid_t d[1024];
	int n = descendants(d, 1024);
	for (int i = 0; i < n; i++)
		kill(d[i], SIGKILL);
}

/* Reap what has ended: 1 when no child is left at all. */
static int reap_all(void)
{
	for (;;) {
		pid_t r = waitpid(-1, NULL, WNOHANG);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == ECHILD;
		if (r == 0)
			return 0;
	}
}

/* In the child: never returns. */
static void child(const pvc_proc_spec *sp, int out_fd, int err_fd, int tty)
{
	if (sp->own_group)
		setpgid(0, 0);
	if (tty)
		give_terminal(getpid());
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (out_fd >= 0)
		dup2(out_fd, 1);
	if (err_fd >= 0)
		dup2(err_fd, 2);
	if (out_fd > 2)
		close(out_fd);
	if (err_fd > 2 && err_fd != out_fd)
		close(err_fd);
	/* Symbolizers (ours through libdw, TSan's) must never wait on the network. */
	unsetenv("DEBUGINFOD_URLS");
	for (char *const *e = sp->env; e && *e; e++)
		putenv(*e);
	if (sp->dir && chdir(sp->dir)) {
		dprintf(2, "pvcheck: cannot enter %s: %s\n", sp->dir, strerror(errno));
		_exit(127);
	}
	execvp(sp->argv[0], sp->argv);
	dprintf(2, "pvcheck: cannot run %s: %s\n", sp->argv[0], strerror(errno));
	_exit(127);
}

static void kill_run(pid_t pid, int own_group)
{
	if (own_group)
		kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* The clock, the output's size and a stop signal, while the program runs. */
static void watch(const pvc_proc_spec *sp, pid_t pid, pvc_proc_result *res, double start,
		  long long total, double *grace_end)
{
	double t = now();
	if (sp->timeout > 0 && t - start >= sp->timeout && !res->timed_out) {
		res->timed_out = 1;
		kill_run(pid, sp->own_group);
	}
	if (sp->flood_limit && total > sp->flood_limit && !res->flooded) {
		res->flooded = 1;
		kill_run(pid, sp->own_group);
	}
	if (stop_signal && !res->stopped) {
		res->stopped = stop_signal;   /* on_stop passed it on to the group */
		*grace_end = t + STOP_GRACE;
	}
	if (*grace_end && t >= *grace_end) {
		kill_run(pid, sp->own_group);
		*grace_end = 0;
	}
}

/* After the program's exit: its descendants, for as long as spec->linger
 * allows (and the timeout). 1 when none is left. */
static int wait_descendants(const pvc_proc_spec *sp, pvc_proc_result *res, double start,
			    double exited_at)
{
	double end = exited_at + sp->linger;
	if (sp->timeout > 0 && start + sp->timeout < end)
		end = start + sp->timeout;
	if (reap_all())
		return 1;
	if (!stop_signal && now() < end)
		return 0;
	pid_t all[1024];
	res->outlived = descendants(all, 1024);
	res->outlived_pid = res->outlived ? all[0] : 0;
	if (stop_signal || res->timed_out || !sp->leave_outliving) {
		kill_descendants();
		res->outlived = 0;
		reap_all();
	}
	return 1;
}

/* Copy what the pipes hold into the files; count it against the limit.
 * Returns the number of pipes still open. */
static int drain(int pipes[2], int files[2], int wait_ms, long long *total)
{
	struct pollfd p[2];
	int n = 0;
	for (int i = 0; i < 2; i++) {
		if (pipes[i] < 0)
			continue;
		p[n].fd = pipes[i];
		p[n].events = POLLIN;
		n++;
	}
	if (!n)
		return 0;
	if (poll(p, (nfds_t)n, wait_ms) <= 0)
		return n;
	for (int k = 0; k < n; k++) {
		if (!p[k].revents)
			continue;
		int i = p[k].fd == pipes[0] ? 0 : 1;
		char buf[65536];
		ssize_t r = read(pipes[i], buf, sizeof buf);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			close(pipes[i]);
			pipes[i] = -1;
			continue;
		}
		*total += r;
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(files[i], buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += w;
		}
	}
	return (pipes[0] >= 0) + (pipes[1] >= 0);
}

/* A new file, never through a link planted where it goes (--keep DIR). */
static int open_out(const char *path)
{
	if (!path)
		return open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (unlink(path) && errno != ENOENT)
		return -1;
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
}

/* Captured run: read both pipes until they close and the child (and, with
 * linger, its descendants) is gone. */
static void supervise(const pvc_proc_spec *sp, pid_t pid, int pipes[2], int files[2],
		      pvc_proc_result *res, double start)
{
	long long total = 0;
	int open_pipes = 2, done = 0, rest_done = sp->linger <= 0;
	double exited_at = 0, grace_end = 0;
	for (;;) {
		if (!done && waitpid(pid, &res->status, WNOHANG) == pid) {
			done = 1;
			exited_at = now();
		}
		if (done && !rest_done)
			rest_done = wait_descendants(sp, res, start, exited_at);
		if (done && rest_done && !open_pipes)
			break;
		double t = now();
		if (!done)
			watch(sp, pid, res, start, total, &grace_end);
		/* Descendants that keep our pipes open outlive the program by at most a second. */
		if (done && rest_done && t - exited_at > (sp->linger > 1.0 ? sp->linger : 1.0)) {
			if (sp->own_group)
				kill(-pid, SIGKILL);
			for (int i = 0; i < 2; i++)
				if (pipes[i] >= 0) {
					close(pipes[i]);
					pipes[i] = -1;
				}
			break;
		}
		int wait_ms = open_pipes ? 20 : 5;
		if (open_pipes)
			open_pipes = drain(pipes, files, wait_ms, &total);
		else
			usleep(wait_ms * 1000);
	}
	/* Stragglers in the group would keep running unsupervised. */
	if (sp->own_group)
		kill(-pid, SIGKILL);
}

/* The program in its own group stopped (^Z, or it read the terminal from
 * the background): at a terminal, stop with it as a shell's job would, and
 * when continued give it the terminal back if we have it and continue it. */
static void follow_stop(pid_t pid)
{
	if (!isatty(0))
		return;
	if (tcgetpgrp(0) == pid)
		give_terminal(getpgrp());
	raise(SIGSTOP);
	if (tcgetpgrp(0) == getpgrp())
		give_terminal(pid);
	kill(-pid, SIGCONT);
}

/* Inherited output: the clock and the stop signal to watch. Polling, so
 * that a signal arriving just before a blocking wait cannot be missed. */
static void wait_plain(const pvc_proc_spec *sp, pid_t pid, pvc_proc_result *res, double start,
		       int tty)
{
	double grace_end = 0;
	for (;;) {
		pid_t r = waitpid(pid, &res->status, WNOHANG | (sp->own_group ? WUNTRACED : 0));
		if (r == pid && WIFSTOPPED(res->status)) {
			follow_stop(pid);
			continue;
		}
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		watch(sp, pid, res, start, 0, &grace_end);
		usleep(POLL_US);
	}
	/* The terminal back before waiting for what outlives the program. */
	if (tty)
		give_terminal(getpgrp());
	if (sp->linger > 0) {
		double exited_at = now();
		while (!wait_descendants(sp, res, start, exited_at))
			usleep(POLL_US);
	}
}

int pvc_proc_run(const pvc_proc_spec *sp, pvc_proc_result *res)
{
	memset(res, 0, sizeof *res);
	int capture = sp->out_path || sp->err_path;
	int pipes[2] = {-1, -1}, files[2] = {-1, -1}, ends[2][2];
	if (capture) {
		files[0] = open_out(sp->out_path);
		files[1] = sp->err_path && sp->out_path && !strcmp(sp->err_path, sp->out_path)
			? dup(files[0]) : open_out(sp->err_path);
		if (files[0] < 0 || files[1] < 0 || pipe2(ends[0], O_CLOEXEC) || pipe2(ends[1], O_CLOEXEC)) {
			int e = errno;
			close(files[0]);
			close(files[1]);
			errno = e;
			return -1;
		}
	}
	/* Only a program we run in the foreground of a terminal may take it. */
	int tty = sp->own_group && sp->foreground && isatty(0) && tcgetpgrp(0) == getpgrp();
	if (sp->linger > 0)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	double start = now();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		child(sp, capture ? ends[0][1] : -1, capture ? ends[1][1] : -1, tty);
	res->pid = pid;
	if (sp->own_group)
		setpgid(pid, pid);
	if (tty)
		give_terminal(pid);
	pvc_proc_current = sp->own_group ? pid : 0;
	if (capture) {
		for (int i = 0; i < 2; i++) {
			close(ends[i][1]);
			pipes[i] = ends[i][0];
		}
		supervise(sp, pid, pipes, files, res, start);
		close(files[0]);
		close(files[1]);
	} else {
		wait_plain(sp, pid, res, start, tty);
	}
	if (tty && capture)
		give_terminal(getpgrp());
	/* A stop that came as the program was ending still stopped the run. */
	if (stop_signal && !res->stopped)
		res->stopped = stop_signal;
	pvc_proc_current = 0;
	res->secs = now() - start;
	return 0;
}
