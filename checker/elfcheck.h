/* Which checker a program carries, read from its ELF file: pvcheck's runtime
 * (its marker section), ThreadSanitizer's (__tsan_* without the marker), or
 * none. pvcheck run uses it to say plainly when nothing will be checked. */
#ifndef PVC_ELFCHECK_H
#define PVC_ELFCHECK_H

/* The section the runtime puts in every program linked with libpvrt
 * (PV_RUNTIME_SECTION in lib/session.h). */
#define PVC_RUNTIME_SECTION ".pvcheck.runtime"

typedef enum {
	PVC_CARRIES_PVCHECK,
	PVC_CARRIES_TSAN,
	PVC_CARRIES_NONE,
	PVC_CARRIES_SCRIPT,      /* #!: the interpreter runs; cannot tell */
	PVC_CARRIES_UNKNOWN,     /* not found, unreadable, not ELF */
} pvc_carries;

/* Look prog up as execvp does (PATH when it has no '/'); the path found, or
 * NULL, in *found (to free). */
pvc_carries pvc_elf_carries(const char *prog, char **found);

#endif
