#!/bin/bash
# Suppressions in ThreadSanitizer's format, read by our runtime from
# PVCHECK_OPTIONS, TSAN_OPTIONS, `pvcheck run --suppressions` and case.ini,
# and the same files given to ThreadSanitizer itself.
# usage: suppress_test.sh PVCHECK FIXTURES WORKDIR
set -u
pvcheck=$1 fixtures=$2 work=$3
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

build() { "$pvcheck" cc -o "$1" "$fixtures/$2" || fail "cannot build $2"; }
build race race_global_ww.c
build leak leak_threads.c
build misuse misuse_unlock_unlocked.c
build order dl_lock_order.c
build unsafe misuse_signal_unsafe_malloc.c
"$pvcheck" cc --tsan -o race.tsan "$fixtures/race_global_ww.c" || fail "cannot build race.tsan"

# run NAME PROG SUPPRESSIONS-LINES...: PROG under PVCHECK_OPTIONS=suppressions=NAME.supp
run() {
	local name=$1 prog=$2
	shift 2
	printf '%s\n' "$@" >"$name.supp"
	PVCHECK_OPTIONS="suppressions=$name.supp" ./"$prog" >"$name.out" 2>"$name.err"
	echo $? >"$name.rc"
}
suppressed() { # NAME: no report, exit 0, the summary names the rule
	[ "$(cat "$1.rc")" = 0 ] || fail "$1: exit $(cat "$1.rc"), not 0: $(cat "$1.err")"
	grep -q 'WARNING: pvcheck' "$1.err" && fail "$1: a report was printed"
	grep -q "^pvcheck: 1 report suppressed by $1.supp" "$1.err" || fail "$1: no count of suppressed reports"
	grep -q "^  1 $2 (line $3)" "$1.err" || fail "$1: the summary does not name rule '$2' on line $3"
}
reported() { # NAME: still reported
	grep -q 'WARNING: pvcheck' "$1.err" || fail "$1: the report was suppressed"
	grep -q 'suppressed by' "$1.err" && fail "$1: a suppression is counted"
}

run func race '# a comment' '' '   race:writer  '
suppressed func race:writer 3
run glob race 'race:^wri*r$'
suppressed glob 'race:^wri\*r\$' 1
run anchored race 'race:^riter'
reported anchored
run substring race 'race:rite'
suppressed substring race:rite 1
run file race 'race:*/race_global_ww.c'
suppressed file 'race:\*/race_global_ww.c' 1
run global race 'race:shared'
suppressed global race:shared 1
run creation race 'race:main'   # ThreadSanitizer matches the threads' creation too
suppressed creation race:main 1
run top race 'race_top:writer'
suppressed top race_top:writer 1
run module race 'race:race'
suppressed module race:race 1
run other race 'race:nosuch' 'thread:writer' 'deadlock:writer' 'mutex:writer'
reported other
run lib race 'called_from_lib:race'
suppressed lib called_from_lib:race 1
run thread leak 'thread:main'
grep -q 'thread leak' thread.err && fail "thread: a thread leak was reported"
grep -q '^pvcheck: 2 reports suppressed' thread.err || fail "thread: not 2 leaks suppressed: $(cat thread.err)"
run thread_race leak 'race:main'
grep -q 'thread leak' thread_race.err || fail "race: suppressed a thread leak"
run mutex misuse 'mutex:main'
suppressed mutex mutex:main 1
run deadlock order 'deadlock:ab'
suppressed deadlock deadlock:ab 1
run signal race 'signal:writer'
reported signal
run unsafe unsafe 'signal:on_usr1'
suppressed unsafe signal:on_usr1 1
run unsafe_mutex unsafe 'mutex:on_usr1'
reported unsafe_mutex

# A bad line ends the program at its start, naming file and line.
run bad race 'race:writer' 'racy:writer'
[ "$(cat bad.rc)" = 2 ] || fail "a bad suppressions file does not exit 2"
grep -q "^pvcheck: bad.supp:2: unknown suppression type 'racy'" bad.err || fail "bad line: $(cat bad.err)"
run nocolon race 'writer'
grep -q "^pvcheck: nocolon.supp:1: 'writer' is not type:pattern" nocolon.err || fail "no colon: $(cat nocolon.err)"
run empty race 'race:'
grep -q "^pvcheck: empty.supp:1: race: the pattern is empty" empty.err || fail "empty: $(cat empty.err)"
PVCHECK_OPTIONS=suppressions=missing.supp ./race >/dev/null 2>missing.err
[ $? = 2 ] || fail "a missing suppressions file does not exit 2"
grep -q "cannot read suppressions file 'missing.supp'" missing.err || fail "missing: $(cat missing.err)"

# TSAN_OPTIONS: the keys that mean something here; the others are TSan's.
printf 'race:writer\n' >w.supp
TSAN_OPTIONS="suppressions=w.supp,history_size=4 verbosity=0" ./race >/dev/null 2>tsanopt.err
[ $? = 0 ] || fail "TSAN_OPTIONS suppressions are not honoured: $(cat tsanopt.err)"
TSAN_OPTIONS="exitcode=9:report_thread_leaks=false" ./race >/dev/null 2>&1
[ $? = 9 ] || fail "TSAN_OPTIONS exitcode is not honoured"
TSAN_OPTIONS="report_thread_leaks=false" ./leak 2>leakopt.err
grep -q 'thread leak' leakopt.err && fail "TSAN_OPTIONS report_thread_leaks=false is not honoured"
TSAN_OPTIONS="halt_on_error=true" ./leak >/dev/null 2>halt1.err
[ $? = 66 ] || fail "TSAN_OPTIONS halt_on_error does not end the program with 66"
[ "$(grep -c 'WARNING: pvcheck' halt1.err)" = 1 ] || fail "TSAN_OPTIONS halt_on_error: not one report: $(cat halt1.err)"
TSAN_OPTIONS="exitcode=9" PVCHECK_OPTIONS="exitcode=7" ./race >/dev/null 2>&1
[ $? = 7 ] || fail "PVCHECK_OPTIONS does not win over TSAN_OPTIONS"
TSAN_OPTIONS="halt_on_error=maybe" ./race >/dev/null 2>halt.err
[ $? = 2 ] || fail "a bad value of an honoured TSAN_OPTIONS key is not an error"
grep -q '^pvcheck: TSAN_OPTIONS: halt_on_error' halt.err || fail "TSAN_OPTIONS error: $(cat halt.err)"

# The same file means the same to ThreadSanitizer.
TSAN_OPTIONS="suppressions=w.supp exitcode=66" ./race.tsan >/dev/null 2>tsan.err
[ $? = 0 ] || fail "ThreadSanitizer does not accept w.supp: $(cat tsan.err)"
TSAN_OPTIONS="exitcode=66" ./race.tsan >/dev/null 2>&1
[ $? = 66 ] || fail "ThreadSanitizer does not see the race without suppressions"

# called_from_lib: what an uninstrumented library does in intercepted calls,
# under both checkers.
cat >copylib.c <<'C'
#include <string.h>
void lib_copy(char *dst, const char *src, unsigned long n) { memcpy(dst, src, n); }
C
cat >copier.c <<'C'
#include <pthread.h>
void lib_copy(char *dst, const char *src, unsigned long n);
static char buf[64], src[64];
static void *copy(void *arg) { lib_copy(buf, src, sizeof buf); return arg; }
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, 0, copy, 0);
	pthread_create(&b, 0, copy, 0);
	pthread_join(a, 0);
	pthread_join(b, 0);
	return 0;
}
C
clang -shared -fPIC -O1 -fno-builtin -o libcopylib.so copylib.c || fail "cannot build libcopylib.so"
"$pvcheck" cc -o copier copier.c -L. -lcopylib -Wl,-rpath,"$PWD" || fail "cannot build copier"
"$pvcheck" cc --tsan -o copier.tsan copier.c -L. -lcopylib -Wl,-rpath,"$PWD" || fail "cannot build copier.tsan"
printf 'called_from_lib:libcopylib.so
' >lib.supp
for p in copier copier.tsan; do
	TSAN_OPTIONS=exitcode=66 ./$p >/dev/null 2>"$p.plain.err"
	[ $? = 66 ] || fail "$p: the race in the library's memcpy is not reported"
	TSAN_OPTIONS="suppressions=lib.supp exitcode=66" ./$p >/dev/null 2>"$p.lib.err"
	[ $? = 0 ] || fail "$p: called_from_lib does not suppress: $(cat "$p.lib.err")"
done

# pvcheck run --suppressions: collected findings leave it out too.
mkdir -p sub && cp w.supp sub/
(cd sub && "$pvcheck" run --suppressions w.supp --json ../run.json -- ../race >/dev/null 2>../run.err)
[ $? = 0 ] || fail "run --suppressions: exit $?: $(cat run.err)"
tr -d ' \t\n' <run.json | grep -q '^{"findings":\[\],' || fail "run --suppressions kept a finding: $(cat run.json)"
"$pvcheck" run --suppressions nosuch.supp -- ./race >/dev/null 2>runbad.err
[ $? = 2 ] || fail "run --suppressions of a missing file is not a usage error"
grep -q "nosuch.supp" runbad.err || fail "run --suppressions error does not name the file"

# case.ini: suppressions = FILE, for both checkers.
mkdir -p cat/supp/racy
cp "$fixtures/race_global_ww.c" cat/supp/racy/buggy.c
printf 'race:writer\n' >cat/supp/racy/racy.supp
cat >cat/supp/racy/case.ini <<'INI'
[case]
title = a race both checkers are told to leave out
suppressions = racy.supp
[buggy]
expect = clean
tsan = clean
INI
"$pvcheck" cat/ --json cat.json >cat.out 2>&1 || fail "case.ini suppressions: $(cat cat.out)"
grep -Eq '^supp/racy +buggy +clean +clean +clean +ok' cat.out ||
	fail "both checkers did not get the case's suppressions: $(cat cat.out)"
sed -i 's/racy.supp/gone.supp/' cat/supp/racy/case.ini
"$pvcheck" cat/ >gone.out 2>&1
grep -q "case.ini:3: suppressions file 'gone.supp' not found" gone.out || fail "a missing case suppressions file: $(cat gone.out)"

[ $fails -eq 0 ] && echo "suppressions: all passed"
exit $((fails > 0))
