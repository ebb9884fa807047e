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

#define PV_REPORT_MAX_STACKS 8
#define PV_REPORT_MAX_THREADS 8

/* One stack of a finding: an access, a lock acquisition, a wait. */
typedef struct {
	char title[96];     /* "Write of size 4 at 0x... by thread T1", built by the report module when empty */
	int tid;            /* pvcheck thread id; -1 when not a thread's */
	int pid;            /* the thread's process when not the reporting one, else 0 */
	char access[32];    /* "read", "write", "atomic read", "lock", "unlock", ... */
	int size;           /* bytes accessed; 0 when not an access */
	uintptr_t addr;
	pv_stack stack;
} pv_report_stack;

typedef struct {
	int tid;
	char name[32];       /* "main thread", "T3", or pthread_setname_np's name */
	int parent_tid;      /* -1 for the main thread */
	int running;         /* 0 once finished */
	int os_tid;          /* the kernel's thread id; 0 when unknown */
	pv_stack created;    /* pthread_create's stack in the parent */
} pv_report_thread;

/* SHARED: memory other processes map too (name says what it is). */
typedef enum { PV_LOC_NONE, PV_LOC_GLOBAL, PV_LOC_HEAP, PV_LOC_STACK, PV_LOC_SYNC,
	       PV_LOC_SHARED } pv_loc_kind;

typedef struct {
	pv_loc_kind kind;
	uintptr_t start;     /* object's first byte */
	size_t size;
	char name[128];      /* global's name; sync object's kind ("mutex") */
	int tid;             /* heap: allocating thread; stack: owning thread */
	uint64_t offset;     /* shared: where start lies in the shared object */
	pv_stack stack;      /* heap: allocation stack; sync: creation/first use */
} pv_report_location;

typedef struct {
	pv_report_kind kind;
	char headline[160];  /* "data race", "lock-order-inversion (potential deadlock)", ... */
	int nstacks;
	pv_report_stack stacks[PV_REPORT_MAX_STACKS];
	int nthreads;
	pv_report_thread threads[PV_REPORT_MAX_THREADS];
	int nlocs;
	pv_report_location locs[4];
	char note[256];      /* optional extra sentence for people */
	int count;           /* thread leak: how many threads leaked so (0 counts as 1) */
} pv_report;

/* Print r for people and append its JSON line. Thread-safe, serialised. */
void pv_report_emit(const pv_report *r);
/* How many reports this process has emitted. */
int pv_report_count(void);

/* Append r as one JSON object (no newline) to sb, symbolizing every stack:
 * {"kind":"race","pid":P,"headline":...,"stacks":[{"title":..,"thread":T,
 *   "access":"write","size":4,"addr":"0x..","frames":[{"function":..,
 *   "file":..,"line":N,"column":N,"module":..,"pc":"0x.."}]}],
 *  "threads":[{"id":T,"name":..,"parent":P,"running":B,"created":[frames]}],
 *  "locations":[{"kind":"global|heap|stack|sync","start":"0x..","size":N,
 *   "name":..,"thread":T,"frames":[...]}],"note":..,"count":N}
 * A thread leak has no stacks: its thread's creation says where; "count"
 * (only there) says how many threads leaked from that creation site. */
void pv_report_json(const pv_report *r, int pid, pv_strbuf *sb);
/* The same report as text for people (TSan-like), into sb. */
void pv_report_text(const pv_report *r, int pid, pv_strbuf *sb);

/* The JSON name of a kind: "race", "deadlock", "lock-order", "api-misuse",
 * "crash", "thread-leak". */
const char *pv_report_kind_name(pv_report_kind k);

/* In a fork child: reset the report lock and the count of reports. */
void pv_report_after_fork_child(void);

#endif
