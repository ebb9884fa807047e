/* File descriptors as ThreadSanitizer models them. Each descriptor number
 * has a granule of its own in a table of the runtime: calls that use the
 * descriptor read it, close writes it, so a close racing with a read is a
 * race on that granule, reported as "file descriptor N". Creation (open,
 * socket, pipe, accept, dup...) starts a new descriptor: its granule's
 * history is forgotten, so a reused number is not the old file.
 *
 * The table also caches, per descriptor, the channel keys its messages
 * carry happens-before through (see intercept_fd.c), so a send costs no
 * system call; they are forgotten when the descriptor is. */
#ifndef PV_FD_H
#define PV_FD_H

#include <stdint.h>
#include "calltree.h"
#include "session.h"

#define PV_FD_MAX (1 << 20)

/* How a descriptor's messages order its users: not yet known, not at all
 * (a regular file, a tty), or through the cached keys. */
enum { PV_FD_CHAN_UNKNOWN, PV_FD_CHAN_NONE, PV_FD_CHAN_KEYS };

/* The address of fd's granule (made on first use); 0 for a bogus number. */
uintptr_t pv_fd_addr(int fd);
/* A new descriptor: who made it and where. Forgets its keys. */
void pv_fd_created(int fd, int tid, pv_ctx ctx, uintptr_t pc);
/* The descriptor is gone: forget its creation and keys. */
void pv_fd_forget(int fd);

/* The cached channel: its state, and when PV_FD_CHAN_KEYS the key a send
 * releases (0: chosen per message, as by sendto) and a receive acquires. */
int pv_fd_chan(int fd, pv_key *send, pv_key *recv);
void pv_fd_set_chan(int fd, int state, pv_key send, pv_key recv);

/* Whether addr is some descriptor's granule: its number and creation
 * (tid -1 and pc 0 when not known). */
int pv_fd_find(uintptr_t addr, int *fd, int *tid, pv_ctx *ctx, uintptr_t *pc);
/* Every granule's range, to forget its history (a fork's child). */
void pv_fd_each_block(void (*fn)(uintptr_t start, size_t size));

#endif
