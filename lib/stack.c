/* Stacks: libunwind capture, a hash-consing depot, a libdw symbolizer.
 * Nothing here calls malloc itself (it is intercepted); libdw may, which is
 * allowed because reports run with the thread marked as inside the runtime. */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <gelf.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "base.h"
#include "stack.h"

/* Enough to find from_pc below deep runtime or libc frames. */
#define UNWIND_MAX_STEPS 1024

__attribute__((noinline))
int pv_stack_unwind(pv_stack *st, uintptr_t from_pc)
{
	unw_context_t uc;
	unw_cursor_t cur;
	int n = 0, found = 0;

	st->n = 0;
	if (unw_getcontext(&uc) < 0 || unw_init_local(&cur, &uc) < 0)
		return 0;
	/* The cursor starts in this function: step once to reach the caller. */
	for (int steps = 0; steps < UNWIND_MAX_STEPS && unw_step(&cur) > 0; steps++) {
		unw_word_t ip;
		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		if (from_pc && !found && ip == from_pc) {
			found = 1;
			n = 0;
		}
		if (n < PV_STACK_MAX)
			st->pc[n++] = ip;
		else if (found || !from_pc)
			break;
		/* Else keep looking for from_pc; if it never comes, the
		 * innermost frames already kept are the whole stack. */
	}
	st->n = n;
	return n;
}

/* ---- Depot ---------------------------------------------------------- */

typedef struct {
	uint32_t next;    /* id of the next entry in the bucket, 0 = end */
	uint32_t hash;
	uint32_t n;
	uintptr_t pc[];
} depot_entry;

#define DEPOT_BUCKETS (1u << 16)
#define DEPOT_L2 (1u << 16)       /* ids per second-level table */
#define DEPOT_L1 (1u << 12)       /* so up to 2^28 stacks */
#define DEPOT_ARENA (1u << 20)

static pv_lock depot_lock = PV_LOCK_INIT;
static uint32_t *depot_buckets;
static depot_entry **depot_ids[DEPOT_L1];
static uint32_t depot_next_id = 1;
static char *arena_cur;
static size_t arena_left;

static uint32_t stack_hash(const pv_stack *st)
{
	/* FNV-1a over the pcs' words. */
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < st->n; i++) {
		h ^= (uint64_t)st->pc[i];
		h *= 1099511628211ull;
	}
	h ^= (uint64_t)st->n;
	return (uint32_t)(h ^ (h >> 32));
}

static void *arena_take(size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n > arena_left) {
		size_t sz = n > DEPOT_ARENA ? n : DEPOT_ARENA;
		arena_cur = pv_map(sz);
		arena_left = sz;
	}
	void *p = arena_cur;
	arena_cur += n;
	arena_left -= n;
	return p;
}

static depot_entry *depot_get(uint32_t id)
{
	if (id / DEPOT_L2 >= DEPOT_L1)
		return NULL;
	depot_entry **l2 = __atomic_load_n(&depot_ids[id / DEPOT_L2], __ATOMIC_ACQUIRE);
	if (!l2)
		return NULL;
	return __atomic_load_n(&l2[id % DEPOT_L2], __ATOMIC_ACQUIRE);
}

static int same_stack(const depot_entry *e, uint32_t hash, const pv_stack *st)
{
	if (e->hash != hash || e->n != (uint32_t)st->n)
		return 0;
	for (int i = 0; i < st->n; i++)
		if (e->pc[i] != st->pc[i])
			return 0;
	return 1;
}

pv_stack_id pv_stack_intern(const pv_stack *st)
{
	int n = st->n < 0 ? 0 : st->n > PV_STACK_MAX ? PV_STACK_MAX : st->n;
	pv_stack s;
	s.n = n;
	pv_memcpy(s.pc, st->pc, n * sizeof(uintptr_t));
	uint32_t hash = stack_hash(&s);
	pv_stack_id id = 0;

	pv_lock_acquire(&depot_lock);
	if (!depot_buckets)
		depot_buckets = pv_map(DEPOT_BUCKETS * sizeof(uint32_t));
	uint32_t *bucket = &depot_buckets[hash % DEPOT_BUCKETS];
	for (uint32_t i = *bucket; i; i = depot_get(i)->next) {
		if (same_stack(depot_get(i), hash, &s)) {
			id = i;
			goto out;
		}
	}
	if (depot_next_id / DEPOT_L2 >= DEPOT_L1)
		goto out; /* depot full: the stack goes unremembered */
	id = depot_next_id++;
	depot_entry *e = arena_take(sizeof(*e) + n * sizeof(uintptr_t));
	e->hash = hash;
	e->n = n;
	e->next = *bucket;
	pv_memcpy(e->pc, s.pc, n * sizeof(uintptr_t));
	depot_entry ***l2p = &depot_ids[id / DEPOT_L2];
	if (!*l2p)
		__atomic_store_n(l2p, pv_map(DEPOT_L2 * sizeof(depot_entry *)), __ATOMIC_RELEASE);
	/* Lookups read without the lock: publish the entry once complete. */
	__atomic_store_n(&(*l2p)[id % DEPOT_L2], e, __ATOMIC_RELEASE);
	*bucket = id;
out:
	pv_lock_release(&depot_lock);
	return id;
}

void pv_stack_lookup(pv_stack_id id, pv_stack *out)
{
	depot_entry *e = id ? depot_get(id) : NULL;
	if (!e) {
		out->n = 0;
		return;
	}
	out->n = e->n;
	pv_memcpy(out->pc, e->pc, e->n * sizeof(uintptr_t));
}

/* ---- Symbolizer ----------------------------------------------------- */

static pv_lock sym_lock = PV_LOCK_INIT;
static Dwfl *sym_dwfl;
static char *sym_debuginfo_path;

static const Dwfl_Callbacks sym_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &sym_debuginfo_path,
};

static size_t str_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Bounded copy that always terminates dst. */
static void str_copy(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	if (!cap)
		return;
	for (; src && src[i] && i + 1 < cap; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

/* A symbol table's name, demangled when it is C++'s and the program has
 * libstdc++'s demangler (C programs do not). The demangler's result comes
 * from the program's malloc, so it goes back through free. */
static void copy_symbol(char *dst, size_t cap, const char *sym)
{
	typedef char *demangler(const char *, char *, size_t *, int *);
	static demangler *demangle;
	static int looked;
	if (sym[0] == '_' && sym[1] == 'Z' && !looked) {
		demangle = (demangler *)dlsym(RTLD_DEFAULT, "__cxa_demangle");
		looked = 1;
	}
	int status = -1;
	char *plain = sym[0] == '_' && sym[1] == 'Z' && demangle ? demangle(sym, NULL, NULL, &status) : NULL;
	str_copy(dst, cap, plain && !status ? plain : sym);
	free(plain);
}

static const char *base_name(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '/')
			b = p + 1;
	return b;
}

/* Report the process's modules to d. Modules reported again unchanged
 * keep their loaded ELF and DWARF, so a refresh after dlopen is cheap. */
static int sym_report(Dwfl *d)
{
	dwfl_report_begin(d);
	/* The calling thread's view: /proc/PID/maps is empty once the main
	 * thread has ended with pthread_exit, /proc/TID/maps never is. */
	int r = dwfl_linux_proc_report(d, (pid_t)syscall(SYS_gettid));
	if (dwfl_report_end(d, NULL, NULL) != 0)
		r = -1;
	return r;
}

/* Module containing addr, refreshing the view once in case of dlopen. */
static Dwfl_Module *sym_module(Dwarf_Addr addr)
{
	if (!sym_dwfl) {
		sym_dwfl = dwfl_begin(&sym_callbacks);
		if (!sym_dwfl)
			return NULL;
		if (sym_report(sym_dwfl) != 0) {
			dwfl_end(sym_dwfl);
			sym_dwfl = NULL;
			return NULL;
		}
	} else if (!dwfl_addrmodule(sym_dwfl, addr)) {
		sym_report(sym_dwfl);
	}
	return dwfl_addrmodule(sym_dwfl, addr);
}

/* The compile unit holding addr. libdw finds it through .debug_aranges,
 * which clang does not emit by default: in a program mixing units with and
 * without them, it can even answer with the wrong unit. Check, and else ask
 * each unit. */
static Dwarf_Die *find_cu(Dwfl_Module *m, Dwarf_Addr addr, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(m, addr, bias);
	if (cu && dwarf_haspc(cu, addr - *bias) > 0)
		return cu;
	for (cu = dwfl_module_nextcu(m, NULL, bias); cu; cu = dwfl_module_nextcu(m, cu, bias))
		if (dwarf_haspc(cu, addr - *bias) > 0)
			return cu;
	return NULL;
}

/* A function's DIE: a subprogram, or an inlined instance of one. */
static int is_function(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);
	return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram;
}

/* Inlined instances keep their name in the abstract origin. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	if (!dwarf_attr_integrate(die, DW_AT_name, &a))
		return NULL;
	return dwarf_formstring(&a);
}

/* out->file = file, made absolute with dir (a unit's comp_dir) if relative. */
static void set_file(pv_frame *out, const char *file, const char *dir)
{
	if (file[0] != '/' && dir && dir[0] == '/') {
		size_t dl = str_len(dir);
		str_copy(out->file, sizeof(out->file), dir);
		if (dl + 1 < sizeof(out->file)) {
			out->file[dl] = '/';
			str_copy(out->file + dl + 1, sizeof(out->file) - dl - 1, file);
		}
	} else {
		str_copy(out->file, sizeof(out->file), file);
	}
}

/* The source of the call that the inlined subroutine inl stands for, from
 * its DW_AT_call_file (an index in its unit's file table), _line, _column. */
static void fill_call_site(Dwarf_Die *inl, pv_frame *out)
{
	Dwarf_Attribute a;
	Dwarf_Word v;
	Dwarf_Die cu;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &a), &v) == 0 &&
	    dwarf_diecu(inl, &cu, NULL, NULL)) {
		Dwarf_Files *files;
		size_t nfiles;
		const char *file = NULL;
		if (dwarf_getsrcfiles(&cu, &files, &nfiles) == 0 && v < nfiles)
			file = dwarf_filesrc(files, v, NULL, NULL);
		if (file)
			set_file(out, file,
				 dwarf_formstring(dwarf_attr_integrate(&cu, DW_AT_comp_dir, &a)));
	}
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &a), &v) == 0)
		out->line = (int)v;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_column, &a), &v) == 0)
		out->column = (int)v;
}

/* inner is the innermost scope at a pc, inside an inlined subroutine that
 * out[0] already names. dwarf_getscopes continues from an inlined subroutine
 * into its abstract definition's scopes; the concrete DIEs enclosing inner,
 * found by its position, are the inlined calls. Name each function inlined
 * into the previous one in out[1..max), at that call's site. Returns the
 * number of frames, out[0] included. */
static int inline_callers(Dwarf_Die *inner, pv_frame *out, int max)
{
	Dwarf_Die *chain = NULL;
	int n = dwarf_getscopes_die(inner, &chain);
	int nf = 1;
	Dwarf_Die *call = NULL; /* the inlined subroutine named last */
	for (int i = 0; i < n && nf < max; i++) {
		if (!is_function(&chain[i]))
			continue; /* lexical blocks */
		if (call) {
			pv_memset(&out[nf], 0, sizeof(out[nf]));
			str_copy(out[nf].function, sizeof(out[nf].function), die_name(&chain[i]));
			fill_call_site(call, &out[nf]);
			nf++;
		}
		if (dwarf_tag(&chain[i]) != DW_TAG_inlined_subroutine)
			break; /* the real function */
		call = &chain[i];
	}
	free(chain); /* libdw's malloc, so libc's free */
	return nf;
}

/* Functions at addr from DWARF into out[0..max): the innermost (inlined or
 * not), then what it was inlined into. Returns how many frames, 0 when DWARF
 * knows no function there; names may be left "" when DWARF has none. */
static int dwarf_frames(Dwfl_Module *m, Dwarf_Addr addr, pv_frame *out, int max)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = find_cu(m, addr, &bias);
	if (!cu)
		return 0;
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes(cu, addr - bias, &scopes);
	int nf = 0;
	for (int i = 0; i < n; i++) {
		if (!is_function(&scopes[i]))
			continue;
		str_copy(out[0].function, sizeof(out[0].function), die_name(&scopes[i]));
		nf = 1;
		if (max > 1 && dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine)
			nf = inline_callers(&scopes[0], out, max);
		break;
	}
	free(scopes);
	return nf;
}

/* file:line:column from the unit's line table, when dwfl_module_getsrc
 * cannot find the unit by itself. */
static const char *source_from_cu(Dwfl_Module *m, Dwarf_Addr addr, int *lineno, int *col,
				  const char **dir)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = find_cu(m, addr, &bias);
	if (!cu)
		return NULL;
	Dwarf_Line *l = dwarf_getsrc_die(cu, addr - bias);
	if (!l)
		return NULL;
	dwarf_lineno(l, lineno);
	dwarf_linecol(l, col);
	Dwarf_Attribute a;
	*dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &a));
	return dwarf_linesrc(l, NULL, NULL);
}

static void fill_source(Dwfl_Module *m, Dwarf_Addr addr, pv_frame *out)
{
	int lineno = 0, col = 0;
	const char *file, *dir = NULL;
	Dwfl_Line *line = dwfl_module_getsrc(m, addr);
	if (line) {
		file = dwfl_lineinfo(line, NULL, &lineno, &col, NULL, NULL);
		dir = dwfl_line_comp_dir(line);
	} else {
		file = source_from_cu(m, addr, &lineno, &col, &dir);
	}
	if (!file)
		return;
	set_file(out, file, dir);
	out->line = lineno;
	out->column = col;
}

/* libdw keeps large arrays on the stack (dwarf_getsrclines some 150 KiB),
 * more than a thread created with a small stack has left, and the demangler
 * recurses. So libdw runs on a stack of its own, one for the process: it is
 * used only under sym_lock. Mapped on first use, without reserve. */
#define SYM_STACK_SIZE ((size_t)4 << 20)
static char *sym_stack;
static ucontext_t sym_caller, sym_callee;
static void (*sym_fn)(void *);
static void *sym_arg;

static void sym_trampoline(void)
{
	sym_fn(sym_arg);
}

/* Runs fn(arg) on the symbolizer's stack; sym_lock must be held. */
static void on_sym_stack(void (*fn)(void *), void *arg)
{
	if (!sym_stack)
		sym_stack = pv_map(SYM_STACK_SIZE);
	sym_fn = fn;
	sym_arg = arg;
	if (getcontext(&sym_callee) != 0) {
		fn(arg);
		return;
	}
	sym_callee.uc_stack.ss_sp = sym_stack;
	sym_callee.uc_stack.ss_size = SYM_STACK_SIZE;
	sym_callee.uc_link = &sym_caller;
	makecontext(&sym_callee, sym_trampoline, 0);
	if (swapcontext(&sym_caller, &sym_callee) != 0)
		fn(arg);
}

/* pv_symbolize_inline's work, with sym_lock held; returns -1 when pc is in
 * no known module. */
static int symbolize_locked(uintptr_t pc, pv_frame *out, int max)
{
	pv_memset(out, 0, sizeof(*out));
	out->pc = pc;
	if (!pc)
		return -1;
	Dwarf_Addr addr = pc - 1;

	Dwfl_Module *m = sym_module(addr);
	if (!m)
		return -1;
	Dwarf_Addr start = 0;
	const char *mname = dwfl_module_info(m, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	if (mname)
		str_copy(out->module, sizeof(out->module), base_name(mname));
	out->module_offset = pc - start;

	int n = dwarf_frames(m, addr, out, max);
	if (n < 1)
		n = 1;
	/* The symbol table names the function holding the code: the
	 * outermost frame, and frame 0 as before when DWARF has no name. */
	for (int i = 0; i < n; i++) {
		if (out[i].function[0] || (i != 0 && i != n - 1))
			continue;
		GElf_Off off;
		GElf_Sym sym;
		const char *fn = dwfl_module_addrinfo(m, addr, &off, &sym, NULL, NULL, NULL);
		if (fn)
			copy_symbol(out[i].function, sizeof(out[i].function), fn);
	}
	fill_source(m, addr, out);
	for (int i = 1; i < n; i++) {
		out[i].pc = pc;
		str_copy(out[i].module, sizeof(out[i].module), out->module);
		out[i].module_offset = out->module_offset;
	}
	return n;
}

struct sym_call {
	uintptr_t pc;
	pv_frame *out;
	int max;
	int ret;
};

static void symbolize_call(void *p)
{
	struct sym_call *c = p;
	c->ret = symbolize_locked(c->pc, c->out, c->max);
}

static int symbolize(uintptr_t pc, pv_frame *out, int max)
{
	struct sym_call c = { pc, out, max, -1 };
	pv_lock_acquire(&sym_lock);
	on_sym_stack(symbolize_call, &c);
	pv_lock_release(&sym_lock);
	return c.ret;
}

int pv_symbolize(uintptr_t pc, pv_frame *out)
{
	return symbolize(pc, out, 1) < 0 ? -1 : 0;
}

int pv_symbolize_inline(uintptr_t pc, pv_frame *out, int max)
{
	if (max < 1)
		return 0;
	int n = symbolize(pc, out, max);
	return n < 1 ? 1 : n;
}

struct sym_data_call {
	uintptr_t addr;
	char *name;
	size_t namelen;
	uintptr_t *start;
	size_t *size;
	int ret;
};

static void symbolize_data_call(void *p)
{
	struct sym_data_call *c = p;
	Dwfl_Module *m = sym_module(c->addr);
	if (!m)
		return;
	GElf_Off off;
	GElf_Sym sym;
	const char *s = dwfl_module_addrinfo(m, c->addr, &off, &sym, NULL, NULL, NULL);
	int type = GELF_ST_TYPE(sym.st_info);
	if (s && (type == STT_OBJECT || type == STT_TLS) && off < sym.st_size) {
		copy_symbol(c->name, c->namelen, s);
		*c->start = c->addr - off;
		*c->size = sym.st_size;
		c->ret = 0;
	}
}

int pv_symbolize_data(uintptr_t addr, char *name, size_t namelen,
		      uintptr_t *start, size_t *size)
{
	struct sym_data_call c = { addr, name, namelen, start, size, -1 };
	pv_lock_acquire(&sym_lock);
	on_sym_stack(symbolize_data_call, &c);
	pv_lock_release(&sym_lock);
	return c.ret;
}

void pv_symbolize_reset(void)
{
	pv_lock_acquire(&sym_lock);
	if (sym_dwfl)
		dwfl_end(sym_dwfl);
	sym_dwfl = NULL;
	pv_lock_release(&sym_lock);
}

void pv_stack_after_fork_child(void)
{
	pv_lock_reset(&depot_lock);
	pv_lock_reset(&sym_lock);
	/* Another thread may have been inside libdw at fork: leak, don't end.
	 * The next lookup reports the modules again under the child's pid. */
	sym_dwfl = NULL;
}
