#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "pool.h"
#include "proc.h"
#include "util.h"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = sig;
}

/* In a worker: take the program being run down with us. */
static void on_stop_worker(int sig)
{
	pid_t g = pvc_proc_current;
	if (g > 0) {
		kill(-g, SIGKILL);
		waitpid(g, NULL, 0);
	}
	_exit(128 + sig);
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);   /* no SA_RESTART: waitpid must wake up */
}

static pid_t start(int i, int (*job)(int, void *), void *ctx)
{
	pid_t pid = fork();
	if (pid == 0) {
		handle(SIGINT, on_stop_worker);
		handle(SIGTERM, on_stop_worker);
		_exit(job(i, ctx) & 0xff);
	}
	return pid;
}

int pvc_pool_run(int njobs, int nworkers, int (*job)(int, void *),
		 void (*done)(int, int, void *), void *ctx)
{
	if (nworkers < 1)
		nworkers = 1;
	pid_t *pids = pvc_alloc((size_t)(njobs ? njobs : 1) * sizeof *pids);
	int next = 0, running = 0;
	stop = 0;
	handle(SIGINT, on_stop);
	handle(SIGTERM, on_stop);
	while (next < njobs || running) {
		while (!stop && next < njobs && running < nworkers) {
			pids[next] = start(next, job, ctx);
			if (pids[next] < 0) {
				done(next, -1, ctx);
			} else {
				running++;
			}
			next++;
		}
		if (stop && next < njobs)
			next = njobs;    /* launch nothing more */
		if (!running)
			break;
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR && stop) {
				for (int i = 0; i < next; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGTERM);
			}
			if (errno != EINTR)
				break;
			continue;
		}
		for (int i = 0; i < next; i++) {
			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			running--;
			done(i, status, ctx);
			break;
		}
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	free(pids);
	return stop;
}

int pvc_pool_stopping(void)
{
	return stop;
}
