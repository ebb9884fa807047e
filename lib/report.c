/* Reports: TSan-shaped text on stderr and one JSON line per finding. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "base.h"
#include "options.h"
#include "process.h"
#include "report.h"
#include "suppress.h"
#include "thread.h"

static pv_lock report_lock = PV_LOCK_INIT;
static int report_count;
static int json_fd = -1;    /* -2: opening failed, don't retry */
#define JSON_FD_FLOOR 900

const char *pv_report_kind_name(pv_report_kind k)
{
	switch (k) {
	case PV_REPORT_RACE: return "race";
	case PV_REPORT_DEADLOCK: return "deadlock";
	case PV_REPORT_LOCK_ORDER: return "lock-order";
	case PV_REPORT_API_MISUSE: return "api-misuse";
	case PV_REPORT_CRASH: return "crash";
	case PV_REPORT_THREAD_LEAK: return "thread-leak";
	}
	return "unknown";
}

static const char *loc_kind_name(pv_loc_kind k)
{
	switch (k) {
	case PV_LOC_GLOBAL: return "global";
	case PV_LOC_HEAP: return "heap";
	case PV_LOC_STACK: return "stack";
	case PV_LOC_SYNC: return "sync";
	case PV_LOC_SHARED: return "shared";
	case PV_LOC_FD: return "fd";
	case PV_LOC_NONE: break;
	}
	return "none";
}

/* Frames shown: the options' depth, at most what was captured. */
static int shown_frames(const pv_stack *st)
{
	int n = st->n < 0 ? 0 : st->n > PV_STACK_MAX ? PV_STACK_MAX : st->n;
	int max = pv_options()->history_frames;
	return max > 0 && n > max ? max : n;
}

/* ---- Text ----------------------------------------------------------- */

/* "main thread" / "thread T3", as TSan names the actor of a stack. */
static void put_thread_ref(pv_strbuf *sb, int tid)
{
	if (tid == 0)
		pv_sb_puts(sb, "main thread");
	else
		pv_sb_printf(sb, "thread T%d", tid);
}

static void put_frame_text(pv_strbuf *sb, int i, const pv_frame *f)
{
	pv_sb_printf(sb, "    #%d %s", i, f->function[0] ? f->function : "<null>");
	if (f->file[0]) {
		pv_sb_printf(sb, " %s:%d", f->file, f->line);
		if (f->column > 0)
			pv_sb_printf(sb, ":%d", f->column);
	} else if (!f->function[0]) {
		pv_sb_puts(sb, " <null>");
	}
	if (f->module[0])
		pv_sb_printf(sb, " (%s+0x%lx)\n", f->module, (unsigned long)f->module_offset);
	else
		pv_sb_printf(sb, " (0x%lx)\n", (unsigned long)f->pc);
}

static void put_stack_text(pv_strbuf *sb, const pv_stack *st)
{
	int n = shown_frames(st);
	if (n == 0) {
		pv_sb_puts(sb, "    <empty stack>\n");
		return;
	}
	/* A pc in inlined code is several frames, numbered on like TSan's. */
	pv_frame *f = pv_alloc(PV_INLINE_MAX * sizeof(*f));
	for (int i = 0, k = 0; i < n; i++) {
		int m = pv_symbolize_inline(st->pc[i], f, PV_INLINE_MAX);
		for (int j = 0; j < m; j++)
			put_frame_text(sb, k++, &f[j]);
	}
	pv_free(f);
}

/* ---- Locks held at an access (race reports) ---- */

/* " (mutexes: write M0, read M1)", as TSan ends the title of an access. */
static void put_held_suffix(pv_strbuf *sb, const pv_report_stack *s)
{
	if (s->nmutexes < 0) {
		pv_sb_puts(sb, " (mutexes: unknown)");
		return;
	}
	int n = s->nmutexes < PV_REPORT_STACK_MUTEXES ? s->nmutexes : PV_REPORT_STACK_MUTEXES;
	if (n == 0)
		return;
	pv_sb_puts(sb, " (mutexes:");
	for (int i = 0; i < n; i++)
		pv_sb_printf(sb, "%s %s M%d", i ? "," : "", s->mutexes[i].write ? "write" : "read",
			     s->mutexes[i].id);
	if (s->more_mutexes > 0)
		pv_sb_printf(sb, " and %d more", s->more_mutexes);
	pv_sb_putc(sb, ')');
}

static void put_title_plain(pv_strbuf *sb, const pv_report_stack *s);

static void put_title(pv_strbuf *sb, const pv_report_stack *s)
{
	put_title_plain(sb, s);
	put_held_suffix(sb, s);
}

static void put_title_plain(pv_strbuf *sb, const pv_report_stack *s)
{
	if (s->title[0]) {
		pv_sb_puts(sb, s->title);
		return;
	}
	if (s->access[0]) {
		char c = s->access[0];
		pv_sb_putc(sb, c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
		pv_sb_puts(sb, s->access + 1);
	} else {
		pv_sb_puts(sb, "Stack");
	}
	if (s->size > 0)
		pv_sb_printf(sb, " of size %d", s->size);
	if (s->addr)
		pv_sb_printf(sb, " at 0x%lx", (unsigned long)s->addr);
	if (s->tid >= 0) {
		pv_sb_puts(sb, " by ");
		put_thread_ref(sb, s->tid);
	}
}

static void put_location_text(pv_strbuf *sb, const pv_report_location *l)
{
	switch (l->kind) {
	case PV_LOC_GLOBAL: {
		pv_frame f;
		pv_sb_printf(sb, "  Location is global '%s' of size %zu at 0x%lx",
			     l->name, l->size, (unsigned long)l->start);
		/* The symbolizer looks up pc-1, and offsets are of pc. */
		if (pv_symbolize(l->start + 1, &f) == 0 && f.module[0])
			pv_sb_printf(sb, " (%s+0x%lx)", f.module, (unsigned long)f.module_offset - 1);
		pv_sb_puts(sb, "\n");
		break;
	}
	case PV_LOC_HEAP:
		pv_sb_printf(sb, "  Location is heap block of size %zu at 0x%lx allocated by ",
			     l->size, (unsigned long)l->start);
		put_thread_ref(sb, l->tid);
		pv_sb_puts(sb, ":\n");
		put_stack_text(sb, &l->stack);
		break;
	case PV_LOC_STACK:
		pv_sb_puts(sb, "  Location is stack of ");
		put_thread_ref(sb, l->tid);
		pv_sb_puts(sb, ".\n");
		break;
	case PV_LOC_SYNC:
		pv_sb_printf(sb, "  Location is %s at 0x%lx", l->name[0] ? l->name : "sync object",
			     (unsigned long)l->start);
		if (l->stack.n > 0) {
			pv_sb_puts(sb, " created at:\n");
			put_stack_text(sb, &l->stack);
		} else {
			pv_sb_puts(sb, ".\n");
		}
		break;
	case PV_LOC_SHARED:
		pv_sb_printf(sb, "  Location is %s, shared with other processes: mapped at 0x%lx, "
			     "size %zu, offset %llu in it.\n", l->name, (unsigned long)l->start, l->size,
			     (unsigned long long)l->offset);
		break;
	case PV_LOC_FD:
		pv_sb_printf(sb, "  Location is file descriptor %d", l->fd);
		if (l->stack.n > 0) {
			pv_sb_puts(sb, " created by ");
			put_thread_ref(sb, l->tid);
			pv_sb_puts(sb, " at:\n");
			put_stack_text(sb, &l->stack);
		} else {
			pv_sb_puts(sb, ".\n");
		}
		break;
	case PV_LOC_NONE:
		break;
	}
}

/* "Mutex M0 (0x...) 'lock_a', locked by thread T1 at:" and its stack. */
static void put_mutex_text(pv_strbuf *sb, int id, const pv_report_mutex *m)
{
	pv_sb_printf(sb, "  Mutex M%d (0x%lx)", id, (unsigned long)m->addr);
	if (m->kind == PV_LOC_GLOBAL && m->addr == m->start)
		pv_sb_printf(sb, " '%s'", m->name);
	else if (m->kind == PV_LOC_GLOBAL)
		pv_sb_printf(sb, " in '%s' (+%lu)", m->name, (unsigned long)(m->addr - m->start));
	else if (m->kind == PV_LOC_HEAP)
		pv_sb_printf(sb, " in a heap block of size %zu at 0x%lx", m->size,
			     (unsigned long)m->start);
	if (m->tid < 0 || m->stack.n <= 0) {
		pv_sb_puts(sb, ".\n");
		return;
	}
	pv_sb_puts(sb, ", locked by ");
	put_thread_ref(sb, m->tid);
	pv_sb_puts(sb, " at:\n");
	put_stack_text(sb, &m->stack);
	if (m->kind == PV_LOC_HEAP && m->alloc.n > 0) {
		pv_sb_puts(sb, "  The block was allocated by ");
		put_thread_ref(sb, m->alloc_tid);
		pv_sb_puts(sb, " at:\n");
		put_stack_text(sb, &m->alloc);
	}
}

/* Whether name is just "T<tid>", which the header line already says. */
static int is_default_name(const char *name, int tid)
{
	int v = 0;
	if (name[0] != 'T' || !name[1])
		return 0;
	for (name++; *name; name++) {
		if (*name < '0' || *name > '9' || v > 100000000)
			return 0;
		v = v * 10 + (*name - '0');
	}
	return v == tid;
}

static void put_thread_text(pv_strbuf *sb, const pv_report_thread *t)
{
	if (t->parent_tid < 0) {
		pv_sb_printf(sb, "  Main thread (%s).\n", t->running ? "running" : "finished");
		return;
	}
	pv_sb_printf(sb, "  Thread T%d", t->tid);
	if (t->name[0] && !is_default_name(t->name, t->tid))
		pv_sb_printf(sb, " '%s'", t->name);
	pv_sb_puts(sb, " (");
	if (t->os_tid > 0)
		pv_sb_printf(sb, "tid=%d, ", t->os_tid);
	pv_sb_printf(sb, "%s) created by ", t->running ? "running" : "finished");
	put_thread_ref(sb, t->parent_tid);
	pv_sb_puts(sb, " at:\n");
	put_stack_text(sb, &t->created);
}

void pv_report_text(const pv_report *r, int pid, pv_strbuf *sb)
{
	const char *headline = r->headline[0] ? r->headline : pv_report_kind_name(r->kind);
	int nstacks = r->nstacks < PV_REPORT_MAX_STACKS ? r->nstacks : PV_REPORT_MAX_STACKS;
	int nthreads = r->nthreads < PV_REPORT_MAX_THREADS ? r->nthreads : PV_REPORT_MAX_THREADS;
	int nlocs = r->nlocs < PV_REPORT_MAX_LOCS ? r->nlocs : PV_REPORT_MAX_LOCS;

	pv_sb_puts(sb, "==================\n");
	pv_sb_printf(sb, "WARNING: pvcheck: %s (pid=%d)\n", headline, pid);
	for (int i = 0; i < nstacks; i++) {
		pv_sb_puts(sb, "  ");
		put_title(sb, &r->stacks[i]);
		pv_sb_puts(sb, ":\n");
		put_stack_text(sb, &r->stacks[i].stack);
		pv_sb_putc(sb, '\n');
	}
	for (int i = 0; i < nlocs; i++)
		put_location_text(sb, &r->locs[i]);
	if (nlocs > 0)
		pv_sb_putc(sb, '\n');
	for (int i = 0; i < r->nmutexes && i < PV_REPORT_MAX_MUTEXES; i++) {
		put_mutex_text(sb, i, &r->mutexes[i]);
		pv_sb_putc(sb, '\n');
	}
	for (int i = 0; i < nthreads; i++) {
		put_thread_text(sb, &r->threads[i]);
		pv_sb_putc(sb, '\n');
	}
	if (r->note[0])
		pv_sb_printf(sb, "  %s\n\n", r->note);
	if (r->kind == PV_REPORT_THREAD_LEAK && r->count > 1)
		pv_sb_printf(sb, "  And %d more similar thread leaks.\n\n", r->count - 1);

	pv_sb_printf(sb, "SUMMARY: pvcheck: %s", headline);
	/* Where: the first stack, or the creation of a leaked thread. */
	const pv_stack *where = nstacks > 0 ? &r->stacks[0].stack
			      : r->kind == PV_REPORT_THREAD_LEAK && nthreads > 0 ? &r->threads[0].created
										: NULL;
	if (where && where->n > 0) {
		pv_frame f;
		pv_symbolize(where->pc[0], &f);
		if (f.file[0]) {
			pv_sb_printf(sb, " %s:%d", f.file, f.line);
			if (f.column > 0)
				pv_sb_printf(sb, ":%d", f.column);
		} else if (f.module[0]) {
			pv_sb_printf(sb, " (%s+0x%lx)", f.module, (unsigned long)f.module_offset);
		}
		if (f.function[0])
			pv_sb_printf(sb, " in %s", f.function);
	}
	pv_sb_puts(sb, "\n==================\n");
}

/* ---- JSON ----------------------------------------------------------- */

static void put_key(pv_strbuf *sb, const char *key)
{
	pv_sb_json_string(sb, key);
	pv_sb_putc(sb, ':');
}

static void put_hex(pv_strbuf *sb, uintptr_t v)
{
	pv_sb_printf(sb, "\"0x%lx\"", (unsigned long)v);
}

static void put_frames_json(pv_strbuf *sb, const pv_stack *st)
{
	int n = shown_frames(st);
	pv_sb_putc(sb, '[');
	/* A pc in inlined code is several frames, all with that pc. */
	pv_frame *fs = pv_alloc(PV_INLINE_MAX * sizeof(*fs));
	for (int i = 0; i < n; i++) {
		int m = pv_symbolize_inline(st->pc[i], fs, PV_INLINE_MAX);
		for (int j = 0; j < m; j++) {
			const pv_frame *f = &fs[j];
			if (i || j)
				pv_sb_putc(sb, ',');
			pv_sb_putc(sb, '{');
			put_key(sb, "function");
			pv_sb_json_string(sb, f->function);
			pv_sb_putc(sb, ',');
			put_key(sb, "file");
			pv_sb_json_string(sb, f->file);
			pv_sb_printf(sb, ",\"line\":%d,\"column\":%d,", f->line, f->column);
			put_key(sb, "module");
			pv_sb_json_string(sb, f->module);
			pv_sb_putc(sb, ',');
			put_key(sb, "pc");
			put_hex(sb, f->pc);
			pv_sb_putc(sb, '}');
		}
	}
	pv_free(fs);
	pv_sb_putc(sb, ']');
}

/* ,"mutexes":[{"id":"M0","addr":"0x..","mode":"write"}] of a race's access. */
static void put_held_json(pv_strbuf *sb, const pv_report *r, const pv_report_stack *s)
{
	if (s->nmutexes < 0) {
		pv_sb_puts(sb, ",\"mutexes\":null");
		return;
	}
	int n = s->nmutexes < PV_REPORT_STACK_MUTEXES ? s->nmutexes : PV_REPORT_STACK_MUTEXES;
	pv_sb_puts(sb, ",\"mutexes\":[");
	for (int i = 0; i < n; i++) {
		const pv_report_held *h = &s->mutexes[i];
		pv_sb_printf(sb, "%s{\"id\":\"M%d\",\"addr\":", i ? "," : "", h->id);
		put_hex(sb, h->id >= 0 && h->id < r->nmutexes ? r->mutexes[h->id].addr : 0);
		pv_sb_printf(sb, ",\"mode\":\"%s\"}", h->write ? "write" : "read");
	}
	pv_sb_putc(sb, ']');
	if (s->more_mutexes > 0)
		pv_sb_printf(sb, ",\"mutexes_more\":%d", s->more_mutexes);
}

/* ,"mutexes":[{"id":"M0","addr":..,"kind":..,"name":..,"thread":T,"frames":[..]}] */
static void put_mutexes_json(pv_strbuf *sb, const pv_report *r)
{
	pv_sb_puts(sb, ",\"mutexes\":[");
	for (int i = 0; i < r->nmutexes && i < PV_REPORT_MAX_MUTEXES; i++) {
		const pv_report_mutex *m = &r->mutexes[i];
		pv_sb_printf(sb, "%s{\"id\":\"M%d\",\"addr\":", i ? "," : "", i);
		put_hex(sb, m->addr);
		pv_sb_putc(sb, ',');
		put_key(sb, "kind");
		pv_sb_json_string(sb, loc_kind_name(m->kind));
		pv_sb_putc(sb, ',');
		put_key(sb, "name");
		pv_sb_json_string(sb, m->kind == PV_LOC_GLOBAL ? m->name : "");
		pv_sb_printf(sb, ",\"thread\":%d,\"frames\":", m->tid);
		put_frames_json(sb, &m->stack);
		if (m->kind == PV_LOC_HEAP) {
			pv_sb_printf(sb, ",\"allocated\":{\"thread\":%d,\"frames\":", m->alloc_tid);
			put_frames_json(sb, &m->alloc);
			pv_sb_putc(sb, '}');
		}
		pv_sb_putc(sb, '}');
	}
	pv_sb_putc(sb, ']');
}

void pv_report_json(const pv_report *r, int pid, pv_strbuf *sb)
{
	int nstacks = r->nstacks < PV_REPORT_MAX_STACKS ? r->nstacks : PV_REPORT_MAX_STACKS;
	int nthreads = r->nthreads < PV_REPORT_MAX_THREADS ? r->nthreads : PV_REPORT_MAX_THREADS;
	int nlocs = r->nlocs < PV_REPORT_MAX_LOCS ? r->nlocs : PV_REPORT_MAX_LOCS;

	pv_sb_putc(sb, '{');
	put_key(sb, "kind");
	pv_sb_json_string(sb, pv_report_kind_name(r->kind));
	pv_sb_printf(sb, ",\"pid\":%d,", pid);
	put_key(sb, "headline");
	pv_sb_json_string(sb, r->headline);

	pv_sb_puts(sb, ",\"stacks\":[");
	for (int i = 0; i < nstacks; i++) {
		const pv_report_stack *s = &r->stacks[i];
		pv_strbuf title;
		if (i)
			pv_sb_putc(sb, ',');
		/* The composed title, so JSON readers see what people see. */
		pv_sb_init(&title);
		put_title(&title, s);
		pv_sb_putc(sb, '{');
		put_key(sb, "title");
		pv_sb_json_string(sb, title.buf ? title.buf : "");
		pv_sb_free(&title);
		pv_sb_printf(sb, ",\"thread\":%d,", s->tid);
		if (s->pid)
			pv_sb_printf(sb, "\"pid\":%d,", s->pid);
		put_key(sb, "access");
		pv_sb_json_string(sb, s->access);
		pv_sb_printf(sb, ",\"size\":%d,\"addr\":", s->size);
		put_hex(sb, s->addr);
		pv_sb_puts(sb, ",\"frames\":");
		put_frames_json(sb, &s->stack);
		if (r->kind == PV_REPORT_RACE)
			put_held_json(sb, r, s);
		pv_sb_putc(sb, '}');
	}

	pv_sb_puts(sb, "],\"threads\":[");
	for (int i = 0; i < nthreads; i++) {
		const pv_report_thread *t = &r->threads[i];
		if (i)
			pv_sb_putc(sb, ',');
		pv_sb_printf(sb, "{\"id\":%d,", t->tid);
		put_key(sb, "name");
		pv_sb_json_string(sb, t->name);
		pv_sb_printf(sb, ",\"parent\":%d,\"running\":%s,\"created\":",
			     t->parent_tid, t->running ? "true" : "false");
		put_frames_json(sb, &t->created);
		pv_sb_putc(sb, '}');
	}

	pv_sb_puts(sb, "],\"locations\":[");
	for (int i = 0; i < nlocs; i++) {
		const pv_report_location *l = &r->locs[i];
		if (i)
			pv_sb_putc(sb, ',');
		pv_sb_putc(sb, '{');
		put_key(sb, "kind");
		pv_sb_json_string(sb, loc_kind_name(l->kind));
		pv_sb_puts(sb, ",\"start\":");
		put_hex(sb, l->start);
		pv_sb_printf(sb, ",\"size\":%zu,", l->size);
		put_key(sb, "name");
		pv_sb_json_string(sb, l->name);
		if (l->kind == PV_LOC_SHARED)
			pv_sb_printf(sb, ",\"offset\":%llu", (unsigned long long)l->offset);
		if (l->kind == PV_LOC_FD)
			pv_sb_printf(sb, ",\"fd\":%d", l->fd);
		pv_sb_printf(sb, ",\"thread\":%d,\"frames\":", l->tid);
		put_frames_json(sb, &l->stack);
		pv_sb_putc(sb, '}');
	}
	pv_sb_putc(sb, ']');
	put_mutexes_json(sb, r);

	if (r->note[0]) {
		pv_sb_putc(sb, ',');
		put_key(sb, "note");
		pv_sb_json_string(sb, r->note);
	}
	if (r->kind == PV_REPORT_THREAD_LEAK)
		pv_sb_printf(sb, ",\"count\":%d", r->count > 1 ? r->count : 1);
	pv_sb_putc(sb, '}');
}

/* ---- Output --------------------------------------------------------- */

/* Never through a symbolic link; created only by the session's first image
 * (pv_report_open_json), so that a process outliving the run that removed the
 * file does not make it anew. */
static int json_open(const char *path, int create)
{
	int fd = pv_open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0644);
	if (fd >= 0) {
		/* Open for the whole run: keep it out of the program's low numbers. */
		int high = fcntl(fd, F_DUPFD_CLOEXEC, JSON_FD_FLOOR);
		if (high >= 0) {
			pv_close(fd);
			fd = high;
		}
		return fd;
	}
	if (errno == ENOENT && !create)
		pv_dprintf(2, "pvcheck: json file '%s' is gone (the run that asked for it is "
			   "over?): reports go to stderr only\n", path);
	else if (errno == ELOOP)
		pv_dprintf(2, "pvcheck: json file '%s' is a symbolic link: not following it\n", path);
	else
		pv_dprintf(2, "pvcheck: cannot open json file '%s'\n", path);
	return -2;
}

static int json_file(const pv_options_t *o)
{
	if (json_fd == -1)
		json_fd = json_open(o->json_path, 0);
	return json_fd;
}

void pv_report_open_json(void)
{
	const pv_options_t *o = pv_options();
	if (o->json_path[0] && json_fd == -1)
		json_fd = json_open(o->json_path, 1);
}

static pv_supp_type supp_type(const pv_report *r)
{
	switch (r->kind) {
	case PV_REPORT_RACE: return PV_SUPP_RACE;
	case PV_REPORT_THREAD_LEAK: return PV_SUPP_THREAD;
	case PV_REPORT_API_MISUSE:
		return strcmp(r->headline, PV_REPORT_SIGNAL_UNSAFE) ? PV_SUPP_MUTEX : PV_SUPP_SIGNAL;
	case PV_REPORT_LOCK_ORDER:
	case PV_REPORT_DEADLOCK: return PV_SUPP_DEADLOCK;
	default: return PV_SUPP_NTYPES;  /* a crash is never suppressed */
	}
}

/* What ThreadSanitizer matches: a race's accesses, any other report's
 * stacks, every thread's creation, and a global location's name. */
static int suppressed(const pv_report *r)
{
	const pv_stack *stacks[PV_REPORT_MAX_STACKS], *others[PV_REPORT_MAX_STACKS + PV_REPORT_MAX_THREADS];
	const char *names[PV_REPORT_MAX_LOCS];
	pv_supp_subject sub = { .type = supp_type(r), .access = stacks, .other = others,
				.names = names };
	for (int i = 0; i < r->nstacks; i++) {
		if (r->kind == PV_REPORT_RACE)
			stacks[sub.naccess++] = &r->stacks[i].stack;
		else
			others[sub.nother++] = &r->stacks[i].stack;
	}
	for (int i = 0; i < r->nthreads; i++)
		others[sub.nother++] = &r->threads[i].created;
	for (int i = 0; i < r->nlocs; i++)
		if (r->locs[i].kind == PV_LOC_GLOBAL && r->locs[i].name[0])
			names[sub.nnames++] = r->locs[i].name;
	return pv_suppressed(&sub);
}

void pv_report_emit(const pv_report *r)
{
	const pv_options_t *o = pv_options();
	int pid = getpid();
	pv_strbuf sb;

	pv_lock_acquire(&report_lock);
	if (suppressed(r)) {
		pv_lock_release(&report_lock);
		return;
	}
	if (o->report_stderr) {
		pv_sb_init(&sb);
		pv_report_text(r, pid, &sb);
		if (sb.len)
			pv_write_all(2, sb.buf, sb.len);
		pv_sb_free(&sb);
	}
	if (o->json_path[0] && json_file(o) >= 0) {
		pv_sb_init(&sb);
		pv_report_json(r, pid, &sb);
		pv_sb_putc(&sb, '\n');
		/* One write, so concurrent processes' lines never interleave. */
		pv_write_all(json_fd, sb.buf, sb.len);
		pv_sb_free(&sb);
	}
	__atomic_add_fetch(&report_count, 1, __ATOMIC_RELAXED);
	pv_lock_release(&report_lock);

	if (o->halt_on_error) {
		/* The runtime's own end: no exit grace, no leak reports. */
		pv_thread *t = pv_cur();
		if (t)
			t->ignore++;
		pv_process_exit(o->exitcode ? o->exitcode : 66);
	}
}

int pv_report_count(void)
{
	return __atomic_load_n(&report_count, __ATOMIC_RELAXED);
}

/* ---- Duplicates --------------------------------------------------- */

static int duplicates;

void pv_report_duplicate(void)
{
	__atomic_add_fetch(&duplicates, 1, __ATOMIC_RELAXED);
}

void pv_report_summary(void)
{
	int n = __atomic_exchange_n(&duplicates, 0, __ATOMIC_RELAXED);
	if (n && pv_options()->report_stderr)
		pv_dprintf(2, "pvcheck: %d duplicate report%s suppressed\n", n, n == 1 ? "" : "s");
	pv_lock_acquire(&report_lock);
	pv_suppress_summary();
	pv_lock_release(&report_lock);
}

void pv_report_after_fork_child(void)
{
	pv_lock_reset(&report_lock);
	pv_suppress_after_fork_child();
	__atomic_store_n(&report_count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&duplicates, 0, __ATOMIC_RELAXED);
}
