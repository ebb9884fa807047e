/* Calling contexts as nodes of a global tree, so that every shadow cell can
 * remember the full stack of its access in 4 bytes, and a thread's current
 * stack is one node that __tsan_func_entry/exit move along. */
#ifndef PV_CALLTREE_H
#define PV_CALLTREE_H

#include <stdint.h>
#include "stack.h"

typedef uint32_t pv_ctx; /* 0 is the root: no frame yet */

/* The child of parent for a call from call_pc (a return address in the
 * parent) into the function at func_pc. Lock-free; never fails (on
 * exhaustion it returns parent). */
pv_ctx pv_ctx_child(pv_ctx parent, uintptr_t call_pc, uintptr_t func_pc);
pv_ctx pv_ctx_parent(pv_ctx c);
uintptr_t pv_ctx_func(pv_ctx c);

/* Expand c into st, innermost first, with pc as frame 0 (pc == 0: none);
 * the frames that started the thread are left out. */
void pv_ctx_expand(pv_ctx c, uintptr_t pc, pv_stack *st);
/* Cut an unwound stack of a thread whose context is c where the same
 * frames begin, so both kinds of stack end alike. */
void pv_ctx_trim(pv_ctx c, pv_stack *st);

#endif
