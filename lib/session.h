/* The session: what every process of one checked program shares. A fork,
 * an exec or a posix_spawn stays in the session. Its state lives in one
 * shared memory file, inherited as a descriptor named in the environment
 * (PVCHECK_SESSION), mapped anywhere: it holds only offsets.
 *
 * It gives thread slots unique across processes, what each slot belongs to
 * (pid, thread, program image), clocks that carry happens-before between
 * processes (shared sync objects, pipes, exits, execs), shadow for memory
 * that processes share, and named regions (the call tree). Without a
 * session (unit tests) slots are local and nothing crosses processes. */
#ifndef PV_SESSION_H
#define PV_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "clock.h"

#define PV_SESSION_ENV "PVCHECK_SESSION"

/* Attach to the session named in the environment, or start one. Returns 0
 * when a session is in use. Idempotent; called before anything else. */
int pv_session_attach(void);
int pv_session_active(void);
/* Does p point into the session's memory? */
int pv_session_contains(const void *p);

/* A thread slot no process of the session ever used; PV_MAX_SLOTS when none
 * is left. */
uint32_t pv_session_new_slot(void);
/* A slot for a new thread that knows known: one given back whose last
 * epoch known has seen (its epochs go on from first), else a new one
 * (first = 1); PV_MAX_SLOTS when none is left (said once on stderr). */
uint32_t pv_session_take_slot(const pv_vc *known, pv_epoch *first);
/* The slot's thread is gone for good; last is its final epoch. */
void pv_session_slot_free(uint32_t slot, pv_epoch last);
/* exec: the slot's last epoch should the exec succeed (0: it failed). The
 * slots so marked of process pid go back: the new program gives back those
 * its process had before, a parent those of a child it waited for. */
void pv_session_slot_exec(uint32_t slot, pv_epoch last);
void pv_session_reclaim(int pid);
/* Who uses a slot: the pid, the thread's number there, the program image,
 * from its epoch first on. */
void pv_session_slot_set(uint32_t slot, int pid, int tid, pv_epoch first);
int pv_session_slot_get(uint32_t slot, int *pid, int *tid, uint32_t *image);
/* The same for the thread that made epoch e in the slot: its owner then. */
int pv_session_slot_get_at(uint32_t slot, pv_epoch e, int *pid, int *tid, uint32_t *image);
/* This process's program image: changes with exec, kept by fork. */
uint32_t pv_session_image(void);
/* pc in image from, as the same code's address in this image (same file,
 * same offset in it): 0, or -1 when this image has no such code. */
int pv_session_translate_pc(uint32_t from, uintptr_t pc, uintptr_t *out);

/* Clocks shared by processes, by key (see the PV_KEY_ constructors). */
typedef uint64_t pv_key;
void pv_session_acquire(pv_vc *into, pv_key key);
void pv_session_release(pv_key key, const pv_vc *from);
/* The key has a clock (someone released into it). */
int pv_session_has(pv_key key);
/* The key's clock is used up (an exit waited for, a handoff taken). */
void pv_session_forget(pv_key key);

pv_key pv_key_memory(uint32_t object, uint64_t offset, int which);
pv_key pv_key_exit(pid_t pid);
pv_key pv_key_file(dev_t dev, ino_t ino);
pv_key pv_key_handoff(uint32_t id);
/* A socket endpoint or direction, by a hash of its addresses (intercept_fd.c). */
pv_key pv_key_endpoint(uint64_t hash);

/* Ids of shared memory objects: a new anonymous one, or a file's. */
uint32_t pv_session_new_object(void);
uint32_t pv_session_file_object(dev_t dev, ino_t ino);
/* Two files are one channel (the ends of a socketpair). */
void pv_session_alias_file(dev_t dev, ino_t ino, dev_t to_dev, ino_t to_ino);
pv_key pv_session_file_key(dev_t dev, ino_t ino);

/* The shadow of one chunk of a shared object (bytes long, the same on
 * every call: the shadow module's size), made on first use; NULL when the
 * session has no memory left for it. */
void *pv_session_shadow(uint32_t object, uint64_t chunk, size_t bytes);
/* Mappings of an object, counted in all processes: when the last goes,
 * so does its shadow. */
void pv_session_object_ref(uint32_t object);
void pv_session_object_unref(uint32_t object);

/* A region of the session's memory that every process finds by its id. */
enum { PV_REGION_CALLTREE_NODES, PV_REGION_CALLTREE_INDEX, PV_REGION_CALLTREE_COUNT,
       PV_REGION_RACE_LINES, PV_REGION_SITES, PV_REGION_SITE_INDEX, PV_REGION_SITE_COUNT,
       PV_NREGIONS };
void *pv_session_region(int id, size_t size);

/* Exec and spawn: the caller's clock, left for the new program to take, a
 * descriptor of the session open across one exec (the session's own is
 * closed on exec: only programs that carry the runtime get one), and the
 * environment entry that tells the new program both ("PVCHECK_SESSION=fd:id"). */
uint32_t pv_session_handoff(const pv_vc *from);
int pv_session_exec_fd(void);
void pv_session_env_entry(uint32_t handoff, int fd, char *buf, size_t len);
/* "PVCHECK_OPTIONS=..." as this program started with it, or NULL. */
const char *pv_session_options_entry(void);
/* The section every program linked with the runtime carries (session.c): how
 * an exec or spawn, and `pvcheck run`, tell such a program. */
#define PV_RUNTIME_SECTION ".pvcheck.runtime"
/* Does the ELF file open on fd carry the runtime (its marker section)? */
int pv_session_carries_runtime(int fd);
/* In a new program: the handoff it was started with, or 0. */
uint32_t pv_session_started_with(void);

/* This process runs the program that started the session, or a fork of it
 * (not a program started by exec or spawn); 1 without a session. */
int pv_session_first_image(void);

#endif
