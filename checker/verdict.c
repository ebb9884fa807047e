#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "verdict.h"

/* Canonical order of the words in a verdict. */
static const char *const order[] = {
	"race", "deadlock", "lock-order", "api-misuse", "thread-leak", "wrong-result",
	"crash", "hang", "exit-", "build-error", "output-flood",
};
#define NORDER (sizeof order / sizeof order[0])

static int is_exit_word(const char *w)
{
	if (strncmp(w, "exit-", 5) || !w[5])
		return 0;
	for (const char *p = w + 5; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	int n = atoi(w + 5);
	/* 0 is clean and 1 is wrong-result by convention. */
	return n >= 2 && n <= 255 && strlen(w) <= 8;
}

static int rank(const char *w)
{
	for (size_t i = 0; i < NORDER; i++) {
		if (!strcmp(order[i], "exit-") ? is_exit_word(w) : !strcmp(order[i], w))
			return (int)i;
	}
	return -1;
}

int pvc_words_has(const pvc_words *v, const char *w)
{
	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->w[i], w))
			return 1;
	return 0;
}

static void add(pvc_words *v, const char *w)
{
	if (pvc_words_has(v, w) || v->n == PVC_MAX_WORDS)
		return;
	int at = v->n;
	while (at > 0 && rank(v->w[at - 1]) > rank(w)) {
		memcpy(v->w[at], v->w[at - 1], PVC_WORD_LEN);
		at--;
	}
	snprintf(v->w[at], PVC_WORD_LEN, "%s", w);
	v->n++;
}

const char *pvc_kind_word(const char *kind)
{
	static const char *const kinds[] = { "race", "deadlock", "lock-order", "api-misuse",
					     "thread-leak" };
	for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kind, kinds[i]))
			return kinds[i];
	return NULL;
}

void pvc_verdict_of(const pvc_run_facts *f, pvc_words *v)
{
	memset(v, 0, sizeof *v);
	if (!f->built) {
		add(v, "build-error");
		return;
	}
	const cJSON *it;
	int crashed = 0;
	cJSON_ArrayForEach(it, f->findings) {
		const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "kind"));
		const char *w = pvc_kind_word(kind);
		if (w)
			add(v, w);
		const cJSON *pid = cJSON_GetObjectItemCaseSensitive(it, "pid");
		int ours = !f->pid || !cJSON_IsNumber(pid) || !pid->valueint ||
			   pid->valueint == f->pid;
		crashed |= f->crash_reports && ours && kind && !strcmp(kind, "crash");
	}
	if (f->timed_out) {
		add(v, "hang");
	} else if (f->flooded) {
		add(v, "output-flood");
	} else if (WIFSIGNALED(f->status) || crashed) {
		add(v, "crash");
	} else if (WIFEXITED(f->status) && WEXITSTATUS(f->status) == 1) {
		add(v, "wrong-result");
	} else if (WIFEXITED(f->status) && WEXITSTATUS(f->status) == PVC_DEADLOCK_STATUS &&
		   pvc_words_has(v, "deadlock")) {
		/* The runtime ended a deadlocked program: the finding says it all. */
	} else if (WIFEXITED(f->status) && WEXITSTATUS(f->status)) {
		char w[PVC_WORD_LEN];
		snprintf(w, sizeof w, "exit-%d", WEXITSTATUS(f->status));
		add(v, w);
	}
}

static void trim(char *s)
{
	char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	memmove(s, p, strlen(p) + 1);
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
}

int pvc_expect_parse(const char *s, pvc_expect *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	char *copy = strdup(s), *save = NULL;
	int clean = 0, rc = 0;
	pvc_words required_words = {0};
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		trim(tok);
		size_t n = strlen(tok);
		int opt = n && tok[n - 1] == '?';
		if (opt)
			tok[--n] = 0;
		trim(tok);
		if (!*tok)
			continue;
		if (!strcmp(tok, "clean") && !opt) {
			clean = 1;
			continue;
		}
		if (rank(tok) < 0) {
			snprintf(err, errlen, "unknown verdict word '%s' (known: race, deadlock, "
				 "lock-order, api-misuse, thread-leak, wrong-result, crash, hang, exit-N, "
				 "build-error, output-flood, clean)", tok);
			rc = -1;
			break;
		}
		if (!pvc_words_has(&e->words, tok) && e->words.n == PVC_MAX_WORDS) {
			snprintf(err, errlen, "more than %d verdict words (from '%s' on)",
				 PVC_MAX_WORDS, tok);
			rc = -1;
			break;
		}
		add(&e->words, tok);
		if (!opt)
			add(&required_words, tok);
	}
	free(copy);
	if (rc)
		return rc;
	for (int i = 0; i < e->words.n; i++)
		e->optional[i] = !pvc_words_has(&required_words, e->words.w[i]);
	int required = 0;
	for (int i = 0; i < e->words.n; i++)
		required += !e->optional[i];
	if (clean && required) {
		snprintf(err, errlen, "'clean' cannot be listed with required words");
		return -1;
	}
	if (!clean && !e->words.n) {
		snprintf(err, errlen, "empty expectation (write 'clean' for none)");
		return -1;
	}
	return 0;
}

void pvc_words_text(const pvc_words *v, char *out, size_t len)
{
	size_t at = 0;
	out[0] = 0;
	if (!v->n) {
		snprintf(out, len, "clean");
		return;
	}
	for (int i = 0; i < v->n && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%s", i ? ", " : "", v->w[i]);
}

void pvc_expect_text(const pvc_expect *e, char *out, size_t len)
{
	size_t at = 0;
	int required = 0;
	out[0] = 0;
	for (int i = 0; i < e->words.n; i++)
		required += !e->optional[i];
	if (!required)
		at += (size_t)snprintf(out, len, "clean");
	for (int i = 0; i < e->words.n && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%s%s", at ? ", " : "",
				       e->words.w[i], e->optional[i] ? "?" : "");
}

int pvc_agrees(const pvc_expect *e, const pvc_words *v, char *why, size_t len)
{
	size_t at = 0;
	int ok = 1;
	why[0] = 0;
	for (int i = 0; i < e->words.n; i++) {
		if (e->optional[i] || pvc_words_has(v, e->words.w[i]))
			continue;
		at += (size_t)snprintf(why + at, at < len ? len - at : 0, "%smissing %s",
				       ok ? "" : "; ", e->words.w[i]);
		ok = 0;
	}
	for (int i = 0; i < v->n; i++) {
		if (pvc_words_has(&e->words, v->w[i]))
			continue;
		at += (size_t)snprintf(why + at, at < len ? len - at : 0, "%sunexpected %s",
				       ok ? "" : "; ", v->w[i]);
		ok = 0;
	}
	return ok;
}
