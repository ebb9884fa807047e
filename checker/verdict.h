/* Verdicts (sets of words) and expectations, as cases/README.md defines them:
 * a run agrees when every required word is present and every present word is
 * listed. "clean" is the empty set. */
#ifndef PVC_VERDICT_H
#define PVC_VERDICT_H

#include <cJSON.h>

#define PVC_MAX_WORDS 16
#define PVC_WORD_LEN 24

typedef struct {
	int n;
	char w[PVC_MAX_WORDS][PVC_WORD_LEN];
} pvc_words;

typedef struct {
	pvc_words words;
	int optional[PVC_MAX_WORDS];   /* word i carried a trailing '?' */
} pvc_expect;

/* What one run did, as far as the verdict cares. */
typedef struct {
	int built;          /* compiled and linked */
	int status;         /* waitpid status */
	int timed_out;
	int flooded;
	const cJSON *findings;   /* array of finding objects with "kind" */
	int crash_reports;       /* a "crash" finding means a crash (TSan's exit status hides it) */
	int pid;                 /* the program's process: a child's crash is not its crash */
} pvc_run_facts;

/* Parse "race, wrong-result?" or "clean". On error -1, with a message naming the
 * offending word in errbuf. */
int pvc_expect_parse(const char *s, pvc_expect *e, char *errbuf, size_t errlen);
/* Back to text: "race, wrong-result?" / "clean". */
void pvc_expect_text(const pvc_expect *e, char *out, size_t len);

void pvc_verdict_of(const pvc_run_facts *f, pvc_words *v);
void pvc_words_text(const pvc_words *v, char *out, size_t len);
int pvc_words_has(const pvc_words *v, const char *w);

/* libpvrt ends a deadlocked program with this status (lib/deadlock.h). */
#define PVC_DEADLOCK_STATUS 67

/* 1 when v agrees with e. Otherwise 0 and why in out ("missing race; unexpected hang"). */
int pvc_agrees(const pvc_expect *e, const pvc_words *v, char *why, size_t len);

/* The verdict word of a finding kind; NULL when it has none ("crash", "other"). */
const char *pvc_kind_word(const char *kind);

#endif
