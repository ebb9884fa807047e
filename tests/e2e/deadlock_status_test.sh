#!/bin/bash
# What a fixture cannot say: the status a deadlocked program is ended with,
# the duplicates line, and what each fork child does.
# usage: deadlock_status_test.sh PVCHECK FIXTURES WORKDIR
set -u
pvcheck=$1 fixtures=$2 work=$3
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

for f in dl_three_cycle dl_self_buffered misuse_unlock_loop misuse_fork_children; do
	"$pvcheck" cc -o $f $fixtures/$f.c || fail "pvcheck cc $f"
done

# A ring of three: one report naming all three threads, then status 67.
PVCHECK_OPTIONS=json=three.json timeout 20 ./dl_three_cycle 2>three.txt
rc=$?
[ $rc -eq 67 ] || fail "dl_three_cycle exited $rc, not 67"
[ "$(grep -c '"kind":"deadlock"' three.json)" -eq 1 ] || fail "dl_three_cycle: not one deadlock report"
for t in T1 T2 T3; do
	grep '"kind":"deadlock"' three.json | grep -q "Thread $t waits for mutex" ||
		fail "dl_three_cycle: the report does not name $t"
done

# What the program printed before it deadlocked reaches its output, even
# when stdio buffered it (stdout to a file).
timeout 20 ./dl_self_buffered >self.out 2>/dev/null
[ $? -eq 67 ] || fail "dl_self_buffered was not ended with 67"
grep -q '^first answer$' self.out || fail "dl_self_buffered: its buffered output was lost"

# One report, and the rest counted.
PVCHECK_OPTIONS=json=loop.json timeout 20 ./misuse_unlock_loop 2>loop.txt
[ "$(wc -l <loop.json)" -eq 1 ] || fail "misuse_unlock_loop: $(wc -l <loop.json) reports, not 1"
grep -q '^pvcheck: 99999 duplicate reports suppressed$' loop.txt ||
	fail "misuse_unlock_loop: no line counting the 99999 duplicates"

# Every child is ended with 67 (the parent checks) and has its report.
PVCHECK_OPTIONS=json=fork.json timeout 30 ./misuse_fork_children 2>fork.txt
rc=$?
[ $rc -eq 0 ] || fail "misuse_fork_children: not every child was ended with 67 (status $rc)"
n=$(grep -c 'held at fork' fork.json)
[ "$n" -eq 20 ] || fail "misuse_fork_children: $n held-at-fork reports, not 20"

[ $fails -eq 0 ] && echo "all deadlock status checks passed"
exit $((fails > 0))
