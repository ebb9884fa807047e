/* Stacks: capture with libunwind, keep in a depot, symbolize with libdw. */
#ifndef PV_STACK_H
#define PV_STACK_H

#include <stdint.h>
#include <stddef.h>

#define PV_STACK_MAX 64

/* Program counters, innermost first. Each pc is a return address (or the
 * address of the faulting instruction for frame 0 of a signal); symbolizers
 * look up pc-1 for all but such exact frames. */
typedef struct {
	int n;
	uintptr_t pc[PV_STACK_MAX];
} pv_stack;

/* Unwind the calling thread. Frames are dropped until (and excluding) the
 * first frame whose pc equals from_pc, so runtime frames stay out of user
 * reports; from_pc == 0 keeps everything below pv_stack_unwind itself. If
 * from_pc is never found, the whole stack is kept. Returns st->n. */
int pv_stack_unwind(pv_stack *st, uintptr_t from_pc);

/* A depot of stacks, so a stack costs 4 bytes where it is remembered. */
typedef uint32_t pv_stack_id; /* 0 means "no stack" */
pv_stack_id pv_stack_intern(const pv_stack *st);
void pv_stack_lookup(pv_stack_id id, pv_stack *out);

/* One symbolized frame. Fields are "" / 0 when unknown. */
typedef struct {
	uintptr_t pc;
	char function[160];
	char file[256];   /* as recorded in DWARF, made absolute when it can be */
	int line;
	int column;
	char module[128]; /* basename of the ELF file */
	uintptr_t module_offset;
} pv_frame;

/* Symbolize pc (a return address: pc-1 is looked up). Returns 0 if at least
 * the module is known. Safe to call from any thread; takes a runtime lock.
 * When pc is in inlined code, this is the innermost function only: frame 0
 * of pv_symbolize_inline. */
int pv_symbolize(uintptr_t pc, pv_frame *out);

/* Frames enough for one pc's inline chain (deeper ones are cut). */
#define PV_INLINE_MAX 16

/* Symbolize pc into its chain of inlined calls, innermost first, as
 * llvm-symbolizer does: out[0] is what pv_symbolize gives (the innermost
 * function, inlined or not, at pc's line); each further frame is the function
 * the previous one was inlined into, at the line of that inlined call
 * (DW_AT_call_file/line/column); the last is the function really holding the
 * code. All frames share pc, module and module_offset. Fills at most max
 * frames (beyond them, the outermost are dropped) and returns how many: at
 * least 1 when max >= 1, even for an unknown pc (whose one frame has module
 * ""). Same locking as pv_symbolize. */
int pv_symbolize_inline(uintptr_t pc, pv_frame *out, int max);

/* Name the global or static object containing addr, from the ELF symbol
 * tables. Returns 0 and fills name/start/size when found. */
int pv_symbolize_data(uintptr_t addr, char *name, size_t namelen,
		      uintptr_t *start, size_t *size);

/* Drop the symbolizer's view of the address space (after dlopen, exec). */
void pv_symbolize_reset(void);

/* In a fork child: runtime locks may be held by threads that are gone. */
void pv_stack_after_fork_child(void);

#endif
