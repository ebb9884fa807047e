/* Memory this process shares with other processes: MAP_SHARED mappings
 * (anonymous ones inherited across fork, shm_open objects, files) and
 * objects libc maps for us (named semaphores). Each is a range of a shared
 * object of the session; an address in it has a key the same in every
 * process, whatever the address, and its shadow is the session's. */
#ifndef PV_XMAP_H
#define PV_XMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "session.h"

/* Are there any shared mappings? (cheap: checked on every sync operation) */
int pv_xmap_any(void);
/* The session key of the sync object at addr, if addr is in shared memory. */
int pv_xmap_key(uintptr_t addr, int which, pv_key *key);

/* mmap with MAP_SHARED: place the mapping so that its 4 MiB shadow chunks
 * hold nothing else, and give it the session's shadow. Returns the mapping,
 * or MAP_FAILED with errno set. */
void *pv_xmap_map(size_t len, int prot, int flags, int fd, off_t off);
/* Memory [start, start+len) is offset off of the file (dev, ino), mapped
 * shared by someone else (libc): sync objects in it get session keys. */
void pv_xmap_register_file(uintptr_t start, size_t len, dev_t dev, ino_t ino, uint64_t off,
			   const char *name);
/* For reports: what the shared memory holding addr is, where it is mapped
 * here and where that lies in the shared object. 1 if addr is shared. */
int pv_xmap_describe(uintptr_t addr, char *name, size_t len, uintptr_t *start, size_t *size,
		     uint64_t *offset);
/* munmap of [addr, addr+len): forget shared mappings inside it. Returns
 * the range really to unmap (a shared mapping's reserve goes too). */
void pv_xmap_unmap(uintptr_t *addr, size_t *len);

/* The session counts every process's mappings of an object; its shadow
 * goes when the last is unmapped. fork: the child's copies count before it
 * runs (failed: the fork failed, undo). release: this process's mappings
 * go (exit, exec) and stop using the session's shadow; retake: the exec
 * failed, they are back. */
void pv_xmap_fork(int failed);
void pv_xmap_release(void);
void pv_xmap_retake(void);

#endif
