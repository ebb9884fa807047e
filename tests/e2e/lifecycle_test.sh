#!/bin/bash
# Thread lifecycle at exit: how long the exit grace waits, thread-leak
# reports as text and JSON, their options, and the verdict word under both
# checkers. usage: lifecycle_test.sh PVCHECK E2E_CHECK WORKDIR
set -u
pvcheck=$1 check=$2 work=$3
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# $1: blocked | read | spin; the thread is still there when main returns.
cat >atexit.c <<'C'
#include <pthread.h>
#include <string.h>
#include <unistd.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int fds[2];
static volatile int spin = 1;
static void *blocked(void *a) { pthread_mutex_lock(&m); return a; }
static void *reader(void *a) { char c; read(fds[0], &c, 1); return a; }
static void *spinner(void *a)
{
	while (spin)
		;
	return a;
}
int main(int argc, char **argv)
{
	pthread_t t;
	if (pipe(fds))
		return 2;
	pthread_mutex_lock(&m);
	const char *w = argc > 1 ? argv[1] : "";
	pthread_create(&t, 0, !strcmp(w, "blocked") ? blocked : !strcmp(w, "read") ? reader : spinner, 0);
	return 0;
}
C
cat >leak.c <<'C'
#include <pthread.h>
static void *worker(void *a) { return a; }
int main(void)
{
	pthread_t t;
	for (int i = 0; i < 3; i++)
		pthread_create(&t, 0, worker, 0);
	return 0;
}
C
"$pvcheck" cc -o atexit.pv atexit.c || fail "cc atexit.c"
"$pvcheck" cc -o leak.pv leak.c || fail "cc leak.c"

# Every other thread blocked for good in a wait the runtime knows: no grace.
t0=$(ms); "$pvcheck" run -- ./atexit.pv blocked; rc=$?; t=$(( $(ms) - t0 ))
[ $rc -eq 0 ] || fail "blocked: exit $rc, not 0"
[ $t -lt 700 ] || fail "blocked: a thread blocked for good kept the exit waiting ${t} ms"
# A thread in read may run again: the whole grace, and not longer.
t0=$(ms); "$pvcheck" run -- ./atexit.pv read; rc=$?; t=$(( $(ms) - t0 ))
[ $rc -eq 0 ] || fail "read: exit $rc, not 0"
[ $t -ge 950 ] || fail "read: the exit grace lasted ${t} ms, less than atexit_sleep_ms=1000"
[ $t -lt 5000 ] || fail "read: the exit took ${t} ms, far more than the grace"
t0=$(ms); PVCHECK_OPTIONS=atexit_sleep_ms=100 "$pvcheck" run -- ./atexit.pv spin; rc=$?; t=$(( $(ms) - t0 ))
[ $rc -eq 0 ] || fail "spin: exit $rc, not 0"
[ $t -lt 800 ] || fail "spin: atexit_sleep_ms=100 waited ${t} ms"
t0=$(ms); PVCHECK_OPTIONS=atexit_sleep_ms=0 "$pvcheck" run -- ./atexit.pv read; t=$(( $(ms) - t0 ))
[ $t -lt 700 ] || fail "atexit_sleep_ms=0 still waited ${t} ms"

# Three threads leaked from one site: one report, TSan's text, a count.
"$pvcheck" run --json leak.json -- ./leak.pv 2>leak.txt
rc=$?
[ $rc -eq 66 ] || fail "leak: pvcheck run exits $rc, not 66"
grep -q '^WARNING: pvcheck: thread leak (pid=[0-9]*)$' leak.txt || fail "leak: no thread leak headline"
grep -Eq '^  Thread T[0-9]+ \(tid=[0-9]+, finished\) created by main thread at:$' leak.txt ||
	fail "leak: no 'Thread T1 (tid=N, finished) created by main thread at:' line"
grep -q '^  And 2 more similar thread leaks\.$' leak.txt || fail "leak: no 'And 2 more similar thread leaks.'"
[ "$(grep -c 'WARNING: pvcheck: thread leak' leak.txt)" -eq 1 ] || fail "leak: not one report for one site"
tr -d ' \t\n' <leak.json | grep -q '"kind":"thread-leak"' || fail "leak: JSON kind is not thread-leak"
tr -d ' \t\n' <leak.json | grep -q '"count":3' || fail "leak: JSON count is not 3"
PVCHECK_OPTIONS=report_thread_leaks=0 "$pvcheck" run -- ./leak.pv 2>noleak.txt
rc=$?
[ $rc -eq 0 ] || fail "report_thread_leaks=0: exit $rc, not 0"
grep -q 'thread leak' noleak.txt && fail "report_thread_leaks=0 still reports a leak"

# The verdict word under both checkers, and its SARIF rule.
mkdir -p cat/lifecycle/leak
cp leak.c cat/lifecycle/leak/buggy.c
cat >cat/lifecycle/leak/fixed_join.c <<'C'
#include <pthread.h>
static void *worker(void *a) { return a; }
int main(void)
{
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], 0, worker, 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], 0);
	return 0;
}
C
cat >cat/lifecycle/leak/case.ini <<'C'
[case]
title = Leaked threads
[buggy]
expect = thread-leak
[fixed_join]
expect = clean
C
"$pvcheck" --sarif r.sarif cat >cat.txt 2>&1
rc=$?
cat cat.txt
[ $rc -eq 0 ] || fail "catalogue: exit $rc, not 0"
grep -Eq '^lifecycle/leak +buggy +thread-leak +thread-leak +thread-leak +ok$' cat.txt ||
	fail "catalogue: buggy is not thread-leak under both checkers"
"$check" sarif r.sarif || fail "the SARIF report"
tr -d ' \t\n' <r.sarif | grep -q '"ruleId":"thread-leak"' || fail "SARIF: no thread-leak result"

[ $fails -eq 0 ] && echo "lifecycle: all checks passed"
exit $((fails > 0))
