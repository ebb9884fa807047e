/* Suppressions in ThreadSanitizer's format, so that a project's existing
 * file works unchanged: one `type:pattern` a line, `#` comments, blank lines.
 * A pattern matches a function, file or module name anywhere in it, `*` is
 * any run of characters, `^` anchors the start and `$` the end. */
#ifndef PV_SUPPRESS_H
#define PV_SUPPRESS_H

#include <stddef.h>
#include "stack.h"

typedef enum {
	PV_SUPP_RACE,        /* any frame of the accesses, their threads' creation, the location */
	PV_SUPP_RACE_TOP,    /* the first frame of an access */
	PV_SUPP_THREAD,      /* thread leaks: the thread's creation */
	PV_SUPP_MUTEX,       /* api misuse */
	PV_SUPP_DEADLOCK,    /* lock-order inversions and deadlocks */
	PV_SUPP_SIGNAL,      /* signal-unsafe calls in signal handlers */
	PV_SUPP_LIB,         /* called_from_lib: a race whose access that library made */
	PV_SUPP_NTYPES,
} pv_supp_type;

typedef struct {
	pv_supp_type type;
	char *pattern;
	int line;
	int hits;
} pv_supp_rule;

typedef struct {
	pv_supp_rule *rules;
	int n, cap;
	char *file;
} pv_supp_set;

/* What one report shows, for matching: its kind (a race, a leak...: the
 * types race, thread, mutex or deadlock), its access stacks, other stacks
 * (threads' creation, lock acquisitions) and the names of its locations. */
typedef struct {
	pv_supp_type type;
	const pv_stack *const *access;
	int naccess;
	const pv_stack *const *other;
	int nother;
	const char *const *names;
	int nnames;
} pv_supp_subject;

/* The type's name as written in the file ("race", "called_from_lib"). */
const char *pv_supp_type_name(pv_supp_type t);

/* Add the rules in text (the contents of file) to s. On a bad line return
 * -1 with "FILE:LINE: what is wrong" in err. */
int pv_supp_parse(pv_supp_set *s, const char *text, const char *file, char *err, int errlen);
/* Read path and parse it; -1 with a message naming the file otherwise. */
int pv_supp_load(pv_supp_set *s, const char *path, char *err, int errlen);
void pv_supp_free(pv_supp_set *s);

/* ThreadSanitizer's template match of one name (never an empty one). */
int pv_supp_template_match(const char *templ, const char *str);

/* The first rule that suppresses the subject, counted as a hit; NULL when
 * none. Symbolizes the stacks (inlined frames included). runtime_dir: the
 * runtime's source directory, whose frames (interceptors) called_from_lib
 * looks past; NULL when unknown. */
pv_supp_rule *pv_supp_match(pv_supp_set *s, const pv_supp_subject *sub, const char *runtime_dir);

/* The process's set, from the options' suppressions file. At start: a bad
 * file ends the program with status 2 after saying where it is wrong. */
void pv_suppress_init(void);
/* Whether the process's rules suppress sub (counting the hit). */
int pv_suppressed(const pv_supp_subject *sub);
/* At the end: how many reports were suppressed, by which rules (stderr). */
void pv_suppress_summary(void);
/* In a fork child: the parent's counts are the parent's. */
void pv_suppress_after_fork_child(void);

#endif
