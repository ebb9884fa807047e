/* One finding: printed for people on stderr (in ThreadSanitizer's shape) and
 * appended as one JSON line to the options' json file. Each report is written
 * with write(2) as soon as it is made, so a later crash loses nothing. */
#ifndef PV_REPORT_H
#define PV_REPORT_H

#include <stdint.h>
#include <stddef.h>
#include "base.h"
#include "stack.h"

typedef enum {
	PV_REPORT_RACE,
	PV_REPORT_DEADLOCK,
	PV_REPORT_LOCK_ORDER,
	PV_REPORT_API_MISUSE,
	PV_REPORT_CRASH,      /* fatal signal: the program's own death, for the record */
	PV_REPORT_THREAD_LEAK, /* at exit: a joinable thread finished and was never joined */
} pv_report_kind;

/* The headline of a signal-unsafe call in a handler (api-misuse; the
 * suppression type signal: matches it). */
#define PV_REPORT_SIGNAL_UNSAFE "signal-unsafe call inside of a signal handler"
#define PV_REPORT_MAX_STACKS 8
#define PV_REPORT_MAX_THREADS 8
#define PV_REPORT_MAX_LOCS 4

#define PV_REPORT_MAX_MUTEXES 8
#define PV_REPORT_STACK_MUTEXES 4

/* A lock held at an access: M<id>, an index into pv_report.mutexes. */
typedef struct {
	int id;
	int write;          /* held exclusively (a mutex, an rwlock's writer), else for reading */
} pv_report_held;

/* One stack of a finding: an access, a lock acquisition, a wait. */
typedef struct {
	char title[96];     /* "Write of size 4 at 0x... by thread T1", built by the report module when empty */
	int tid;            /* pvcheck thread id; -1 when not a thread's */
	int pid;            /* the thread's process when not the reporting one, else 0 */
	char access[32];    /* "read", "write", "atomic read", "lock", "unlock", ... */
	int size;           /* bytes accessed; 0 when not an access */
	uintptr_t addr;
	pv_stack stack;
	/* Race accesses: the locks held, shown after the title as TSan does.
	 * -1: not known any more; more: held beyond those listed. */
	int nmutexes, more_mutexes;
	pv_report_held mutexes[PV_REPORT_STACK_MUTEXES];
} pv_report_stack;

typedef struct {
	int tid;
	char name[32];       /* "main thread", "T3", or pthread_setname_np's name */
	int parent_tid;      /* -1 for the main thread */
	int running;         /* 0 once finished */
	int os_tid;          /* the kernel's thread id; 0 when unknown */
	pv_stack created;    /* pthread_create's stack in the parent */
} pv_report_thread;

/* SHARED: memory other processes map too (name says what it is).
 * FD: a file descriptor's granule (see fd.h); fd is its number. */
typedef enum { PV_LOC_NONE, PV_LOC_GLOBAL, PV_LOC_HEAP, PV_LOC_STACK, PV_LOC_SYNC,
	       PV_LOC_SHARED, PV_LOC_FD } pv_loc_kind;

typedef struct {
	pv_loc_kind kind;
	uintptr_t start;     /* object's first byte */
	size_t size;
	char name[128];      /* global's name; sync object's kind ("mutex") */
	int tid;             /* heap: allocating thread; stack: owning thread */
	uint64_t offset;     /* shared: where start lies in the shared object */
	int fd;              /* fd: the descriptor's number */
	pv_stack stack;      /* heap: allocation stack; sync: creation/first use; fd: creation */
} pv_report_location;

/* A lock some stack's access held, named as the program names it, with
 * where the first stack mentioning it took it. */
typedef struct {
	uintptr_t addr;
	pv_loc_kind kind;    /* GLOBAL, HEAP, or NONE when unknown */
	char name[96];       /* a global's name */
	uintptr_t start;     /* the global or heap block holding it */
	size_t size;         /* ... and its size */
	int tid;             /* the thread that locked it at stack; -1 when no stack */
	pv_stack stack;
	int alloc_tid;       /* heap: the block's allocating thread and stack */
	pv_stack alloc;
} pv_report_mutex;

typedef struct {
	pv_report_kind kind;
	char headline[160];  /* "data race", "lock-order-inversion (potential deadlock)", ... */
	int nstacks;
	pv_report_stack stacks[PV_REPORT_MAX_STACKS];
	int nthreads;
	pv_report_thread threads[PV_REPORT_MAX_THREADS];
	int nlocs;
	pv_report_location locs[PV_REPORT_MAX_LOCS];
	int nmutexes;
	pv_report_mutex mutexes[PV_REPORT_MAX_MUTEXES];
	char note[256];      /* optional extra sentence for people */
	int count;           /* thread leak: how many threads leaked so (0 counts as 1) */
} pv_report;

/* Print r for people and append its JSON line, unless a suppression
 * matches it (then it is only counted). Thread-safe, serialised. */
void pv_report_emit(const pv_report *r);
/* How many reports this process has emitted. */
int pv_report_count(void);

/* Append r as one JSON object (no newline) to sb, symbolizing every stack:
 * {"kind":"race","pid":P,"headline":...,"stacks":[{"title":..,"thread":T,
 *   "access":"write","size":4,"addr":"0x..","frames":[{"function":..,
 *   "file":..,"line":N,"column":N,"module":..,"pc":"0x.."}],
 *   "mutexes":[{"id":"M0","addr":"0x..","mode":"write|read"}]}],
 *  "threads":[{"id":T,"name":..,"parent":P,"running":B,"created":[frames]}],
 *  "locations":[{"kind":"global|heap|stack|sync|shared|fd","start":"0x..","size":N,
 *   "name":..,"thread":T,"frames":[...]}] (an fd location has "fd":N),
 *  "mutexes":[{"id":"M0","addr":"0x..","kind":"global|heap|none","name":..,
 *   "thread":T,"frames":[...],"allocated":{"thread":T,"frames":[...]}}],"note":..,"count":N}
 * A race's stacks always have "mutexes": the locks held at that access
 * ([] none; null when no longer known, and "mutexes_more":N when more were
 * held than listed); the report's "mutexes" says what each is and where
 * thread T took it ("frames"), with the heap block's allocation for a lock
 * in one, and is [] when no stack mentions a lock. A thread leak has no
 * stacks: its thread's creation says where; "count" (only there) says how
 * many threads leaked from that creation site. */
void pv_report_json(const pv_report *r, int pid, pv_strbuf *sb);
/* The same report as text for people (TSan-like), into sb. */
void pv_report_text(const pv_report *r, int pid, pv_strbuf *sb);

/* The JSON name of a kind: "race", "deadlock", "lock-order", "api-misuse",
 * "crash", "thread-leak". */
const char *pv_report_kind_name(pv_report_kind k);

/* A report left out as the duplicate of one already emitted: counted. */
void pv_report_duplicate(void);
/* At the end: say on stderr (text output only) how many were left out,
 * as duplicates and by suppressions. */
void pv_report_summary(void);
/* At start, in the session's first program image: open the json file,
 * creating it. Other images open it on their first report and never create
 * it (a run that removed it is over). */
void pv_report_open_json(void);

/* In a fork child: reset the report lock and the count of reports. */
void pv_report_after_fork_child(void);

#endif
