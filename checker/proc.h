/* Running one program: its own process group, a timeout that kills the whole
 * group, stdout/stderr captured to files with a limit on their size. */
#ifndef PVC_PROC_H
#define PVC_PROC_H

#include <sys/types.h>

typedef struct {
	char *const *argv;
	char *const *env;          /* "NAME=value" to set in the child, NULL-terminated; may be NULL */
	const char *dir;           /* working directory; NULL to keep ours */
	const char *out_path;      /* NULL: inherit stdout */
	const char *err_path;      /* NULL: inherit stderr; same as out_path: merged */
	double timeout;            /* seconds; 0: none */
	long long flood_limit;     /* bytes of captured output; 0: none */
	int own_group;             /* run in a process group of its own */
	int foreground;            /* own group: hand it our terminal while it runs */
	double linger;             /* after it exits, wait up to this long (bounded by the
				      timeout) for descendants that outlive it: we become
				      their subreaper, so a daemon's grandchild is ours */
	int leave_outliving;       /* descendants still running after linger are left
				      running (else killed) */
} pvc_proc_spec;

typedef struct {
	int status;                /* as from waitpid */
	int pid;                   /* the process started */
	int timed_out;
	int flooded;
	double secs;
	int stopped;               /* the signal that stopped the run (pvc_proc_catch_stops), or 0 */
	int outlived;              /* descendants still running when we stopped waiting */
	int outlived_pid;          /* one of them */
} pvc_proc_result;

/* Run spec->argv[0] (searched in PATH) to completion. -1 with errno when it
 * could not be started; an exec failure shows as exit status 127. */
int pvc_proc_run(const pvc_proc_spec *spec, pvc_proc_result *res);

/* The process group being run now, for a signal handler to kill; 0 if none. */
extern volatile pid_t pvc_proc_current;

/* From now on SIGINT, SIGTERM and SIGHUP are passed on to the group being
 * run; pvc_proc_run then gives it STOP_GRACE to end, kills what is left of it
 * and its descendants, and returns with res->stopped set. */
void pvc_proc_catch_stops(void);

/* Exit code a shell would show: the status, or 128+signal. */
int pvc_proc_exit_code(int status);

#endif
