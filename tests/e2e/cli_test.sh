#!/bin/bash
# The commands' contracts: help, unknown commands, cc, and run's exit statuses.
# usage: cli_test.sh PVCHECK WORKDIR
set -u
pvcheck=$1 work=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

"$pvcheck" --help >help.txt 2>&1 || fail "--help exits $?"
grep -q 'pvcheck cc' help.txt || fail "--help does not mention cc"
"$pvcheck" frobnicate >unknown.txt 2>&1
[ $? -eq 2 ] || fail "an unknown command does not exit 2"
grep -q "'frobnicate' is neither a command" unknown.txt || fail "no message for an unknown command"
"$pvcheck" cc >/dev/null 2>&1
[ $? -eq 2 ] || fail "cc without sources is not a usage error"
"$pvcheck" run >/dev/null 2>&1
[ $? -eq 2 ] || fail "run without a program is not a usage error"
# Each command owns its help: --help prints it and exits 0.
for c in cc run list explain exercise; do
	"$pvcheck" $c --help >"help-$c.txt" 2>&1 || fail "$c --help exits $?"
	grep -q "^pvcheck $c " "help-$c.txt" || fail "$c --help does not start with its usage"
	grep -q "^pvcheck $c " help.txt || fail "--help lacks $c's usage"
done
grep -q '67 when a deadlock' help-run.txt || fail "run --help does not give 67 for a deadlock"
"$pvcheck" run --timeout >/dev/null 2>usage.txt
[ $? -eq 2 ] || fail "run --timeout without a value is not a usage error"
grep -q "pvcheck run --help" usage.txt || fail "a usage error does not point to the command's --help"

cat >status.c <<'C'
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "kill"))
		raise(SIGTERM);
	if (argc > 1 && !strcmp(argv[1], "sleep"))
		sleep(30);
	return argc > 2 ? atoi(argv[2]) : 0;
}
C
printf 'int main(void) { return 0 }\n' >broken.c

"$pvcheck" cc -o status.pv status.c -DUNUSED=1 -lm || fail "pvcheck cc failed"
"$pvcheck" cc --tsan -o status.tsan status.c || fail "pvcheck cc --tsan failed"
"$pvcheck" cc -o broken.pv broken.c 2>/dev/null
[ $? -eq 1 ] || fail "cc of a broken file does not give clang's status 1"
nm status.tsan | grep -q __tsan_init || fail "--tsan binary lacks LLVM's runtime"

./status.pv >/dev/null 2>&1 || fail "the pvcheck binary does not run by itself"
"$pvcheck" run --json r0.json -- ./status.pv exit 0
[ $? -eq 0 ] || fail "run of a clean exit-0 program is not 0"
tr -d ' \t\n' <r0.json | grep -q '^{"findings":\[\],"version":1,' || fail "clean run's JSON is not {\"findings\":[]}: $(cat r0.json)"
"$pvcheck" run -- ./status.pv exit 3
[ $? -eq 3 ] || fail "run does not pass the program's status 3 on"
"$pvcheck" run -- ./status.pv kill 2>kill.txt
[ $? -eq $((128 + 15)) ] || fail "run of a program killed by SIGTERM is not 143"
grep -q 'signal 15' kill.txt || fail "run does not say the program was killed by a signal"
start=$(date +%s)
"$pvcheck" run --timeout 1 -- ./status.pv sleep 2>timeout.txt
rc=$?
[ $rc -eq 124 ] || fail "run past its timeout exits $rc, not 124"
[ $(($(date +%s) - start)) -lt 10 ] || fail "the timeout did not kill the program"
grep -q 'timeout' timeout.txt || fail "run does not say it timed out"

# A deadlock ends the program with 67 and pvcheck run says 67; a race 66.
cat >dl.c <<'C'
#include <pthread.h>
pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
int main(void)
{
	pthread_mutex_lock(&m);
	pthread_mutex_lock(&m);
	return 0;
}
C
"$pvcheck" cc -o dl.pv dl.c || fail "pvcheck cc dl.c"
"$pvcheck" run -- ./dl.pv 2>/dev/null
rc=$?
[ $rc -eq 67 ] || fail "run of a deadlocked program exits $rc, not 67"

[ $fails -eq 0 ] && echo "cli: all checks passed"
exit $((fails > 0))
