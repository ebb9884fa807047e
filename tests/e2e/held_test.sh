#!/bin/bash
# The locks held at each racing access, through the command: both checkers'
# findings in --json carry them per stack, and --sarif's result message
# and the exercise view say which thread held which lock.
# usage: held_test.sh PVCHECK FIXTURES WORKDIR
set -u
pvcheck=$1 fixtures=$2 work=$3
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work/cases/locks/two_locks" && cd "$work" || exit 1
cp "$fixtures/race_lock_held.c" cases/locks/two_locks/buggy.c
cat >cases/locks/two_locks/case.ini <<'INI'
[case]
title    = Two locks for one counter
question = Each thread locks before it bumps the counter. Why is it still a race?
hint     = Only one lock for all who touch the counter excludes them from each other.

[buggy]
expect   = race
INI

"$pvcheck" cases --json out.json --sarif out.sarif >table.txt 2>&1 || fail "pvcheck cases exited $? (table.txt)"
# Which thread races second is up to the schedule: either may be M0.
ours="Data race on global 'counter': [^\"]* races with [^\"]* \(thread T[12] held 'lock_[ab]' \(M0\), thread T[12] held 'lock_[ab]' \(M1\)\)"
grep -Eq "\"text\":[[:space:]]*\"$ours\"" out.sarif || fail "pvcheck's SARIF message does not name the locks held"
# ThreadSanitizer found the same race: one result, marked as found by both.
tr -d ' \t\n' <out.sarif | grep -q '"foundBy":\["pvcheck","ThreadSanitizer"\]' ||
	fail "the race both checkers found is not one result found by both"
grep -Eq '"title":[[:space:]]*"Previous write of size 4 at 0x[0-9a-f]+ by thread T[12] \(mutexes: write M1\)"' out.json ||
	fail "no previous access's title lists its lock"
# TSan's text, parsed: its stacks get "mutexes" with the address of the Mutex section.
tr -d ' \t\n' <out.json >flat.json
grep -Eq '"tsan_findings":\[\{"kind":"race".*"mutexes":\[\{"id":"M0","mode":"write","addr":"0x[0-9a-f]+"\}\]' flat.json ||
	fail "ThreadSanitizer's findings have no parsed \"mutexes\""
grep -Eq '"name":"lock_[ab]","thread":[12],"frames":\[\{"function":"with_[ab]"' flat.json ||
	fail "pvcheck's report-level mutexes lack name, thread or locking stack"

# The exercise view describes each finding with the locks held.
mkdir ex && cp cases/locks/two_locks/buggy.c ex/buggy.c
cp cases/locks/two_locks/case.ini ex/case.ini
sed -i 's/^expect   = race/expect   = clean/; s/^\[case\]/[case]\nexercise = locks\/two_locks/' ex/case.ini
"$pvcheck" ex >ex.txt 2>&1
grep -Eq "pvcheck's runtime: data race on 'counter' at buggy.c:[0-9]+ \(with_[ab]\), buggy.c:[0-9]+ \(with_[ab]\); thread T[12] held 'lock_[ab]' \(M0\), thread T[12] held 'lock_[ab]' \(M1\)" ex.txt ||
	fail "the exercise view does not say which locks were held (ex.txt)"

[ $fails -eq 0 ] && echo "held_test: ok"
exit $((fails > 0))
