/* A pool of worker processes: at most n at a time, one per job. Each job's
 * result travels through a file, so a worker that dies loses only its own. */
#ifndef PVC_POOL_H
#define PVC_POOL_H

/* job(i, ctx) runs in a fresh child; its return value is the child's exit
 * status. done(i, wait_status, ctx) runs in the parent as each one ends.
 * Returns the signal when interrupted by SIGINT or SIGTERM (after the
 * running workers have ended), else 0. */
int pvc_pool_run(int njobs, int nworkers, int (*job)(int, void *),
		 void (*done)(int, int, void *), void *ctx);
/* In done(): the signal that is stopping the pool, or 0. A job ended by it
 * was interrupted; its result says nothing about the job. */
int pvc_pool_stopping(void);

#endif
