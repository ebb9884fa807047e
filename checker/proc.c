#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proc.h"

volatile pid_t pvc_proc_current;

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

/* In the child: never returns. */
static void child(const pvc_proc_spec *sp, int out_fd, int err_fd)
{
	if (sp->own_group)
		setpgid(0, 0);
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

static int open_out(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
}

/* Captured run: read both pipes until they close and the child is gone. */
static void supervise(const pvc_proc_spec *sp, pid_t pid, int pipes[2], int files[2],
		      pvc_proc_result *res, double start)
{
	long long total = 0;
	int open_pipes = 2, done = 0;
	double deadline = sp->timeout > 0 ? start + sp->timeout : 0;
	double exited_at = 0;
	for (;;) {
		if (!done && waitpid(pid, &res->status, WNOHANG) == pid) {
			done = 1;
			exited_at = now();
		}
		if (done && !open_pipes)
			break;
		double t = now();
		if (!done && deadline && t >= deadline) {
			res->timed_out = 1;
			kill_run(pid, sp->own_group);
		}
		if (!done && sp->flood_limit && total > sp->flood_limit) {
			res->flooded = 1;
			kill_run(pid, sp->own_group);
		}
		/* Descendants that keep our pipes open outlive the program by at most a second. */
		if (done && t - exited_at > 1.0) {
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

/* Inherited output: only the clock to watch. */
static void wait_plain(const pvc_proc_spec *sp, pid_t pid, pvc_proc_result *res, double start)
{
	for (;;) {
		pid_t r = waitpid(pid, &res->status, sp->timeout > 0 ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			break;
		if (sp->timeout > 0 && now() - start >= sp->timeout && !res->timed_out) {
			res->timed_out = 1;
			kill_run(pid, sp->own_group);
		}
		if (sp->timeout > 0)
			usleep(10000);
	}
}

int pvc_proc_run(const pvc_proc_spec *sp, pvc_proc_result *res)
{
	memset(res, 0, sizeof *res);
	int capture = sp->out_path || sp->err_path;
	int pipes[2] = {-1, -1}, files[2] = {-1, -1}, ends[2][2];
	if (capture) {
		files[0] = open_out(sp->out_path ? sp->out_path : "/dev/null");
		files[1] = sp->err_path && sp->out_path && !strcmp(sp->err_path, sp->out_path)
			? dup(files[0]) : open_out(sp->err_path ? sp->err_path : "/dev/null");
		if (files[0] < 0 || files[1] < 0 || pipe2(ends[0], O_CLOEXEC) || pipe2(ends[1], O_CLOEXEC)) {
			int e = errno;
			close(files[0]);
			close(files[1]);
			errno = e;
			return -1;
		}
	}
	double start = now();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		child(sp, capture ? ends[0][1] : -1, capture ? ends[1][1] : -1);
	res->pid = pid;
	if (sp->own_group)
		setpgid(pid, pid);
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
		wait_plain(sp, pid, res, start);
	}
	pvc_proc_current = 0;
	res->secs = now() - start;
	return 0;
}
