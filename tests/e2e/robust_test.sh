#!/bin/bash
# pvcheck when things go wrong around it: signals to the command, daemons that
# outlive the program, programs that carry no runtime, paths with spaces and
# colons, links planted in --keep DIR, hostile case.ini values, bad case.ini
# files, an interrupted catalogue run.
# usage: robust_test.sh PVCHECK WORKDIR
set -u
pvcheck=$1 work=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
work=$(pwd -P)
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR"
unset PVCHECK_OPTIONS PVCHECK_CASES

has_race() { grep -q '"kind":[[:space:]]*"race"' "$1" 2>/dev/null; }
# Wait up to 10 s for a file to hold a text.
await() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# A race, then (with an argument) its pid in that file and 30 s of sleep.
cat >sleeper.c <<'C'
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
int x;
static void *w(void *a) { x++; return a; }
int main(int argc, char **argv)
{
	pthread_t t;
	pthread_create(&t, 0, w, 0);
	x++;
	pthread_join(t, 0);
	if (argc > 1) {
		FILE *f = fopen(argv[1], "w");
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
		sleep(30);
	}
	return 0;
}
C
# A daemon (double fork, setsid) that races 2.5 s after the program ended:
# longer than pvcheck run waits.
cat >late.c <<'C'
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
int x;
static void *w(void *a) { x++; return a; }
int main(int argc, char **argv)
{
	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			FILE *f = fopen(argv[1], "w");
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
			usleep(2500000);
			pthread_t t;
			pthread_create(&t, 0, w, 0);
			x++;
			pthread_join(t, 0);
		}
		_exit(0);
	}
	usleep(100000);
	return 0;
}
C
# A daemon that, once told (argv[1] exists), execs a checked racy program.
cat >latexec.c <<'C'
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			for (int i = 0; i < 500 && access(argv[1], F_OK); i++)
				usleep(10000);
			execl("./sleeper.pv", "./sleeper.pv", (char *)0);
		}
		_exit(0);
	}
	return 0;
}
C
cat >args.c <<'C'
#include <stdio.h>
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("<%s>\n", argv[i]);
	return 0;
}
C
"$pvcheck" cc -o sleeper.pv sleeper.c || fail "pvcheck cc sleeper.c"
"$pvcheck" cc --tsan -o sleeper.tsan sleeper.c || fail "pvcheck cc --tsan sleeper.c"
"$pvcheck" cc -o late.pv late.c || fail "pvcheck cc late.c"
"$pvcheck" cc -o latexec.pv latexec.c || fail "pvcheck cc latexec.c"

# --- Signals to pvcheck run: findings kept, the program stopped, 128+sig.
for sig in TERM INT; do
	rm -f "$sig.pid"
	"$pvcheck" run --json "$sig.json" -- ./sleeper.pv "$sig.pid" >"$sig.out" 2>"$sig.err" &
	pv=$!
	await "$sig.pid" . || fail "SIG$sig: the program did not start"
	kill -"$sig" $pv
	wait $pv
	rc=$?
	want=$((128 + $(kill -l "$sig")))
	[ $rc -eq $want ] || fail "pvcheck run stopped by SIG$sig exits $rc, not $want"
	has_race "$sig.json" || fail "SIG$sig: --json lacks the race reported before: $(head -c 300 "$sig.json" 2>&1)"
	prog=$(cat "$sig.pid" 2>/dev/null)
	[ -n "$prog" ] && { gone "$prog" || { fail "SIG$sig: program $prog still runs"; kill -9 "$prog"; }; }
	grep -q "stopped by signal" "$sig.err" || fail "SIG$sig: pvcheck run does not say it was stopped"
done
# A caller's timeout (SIGTERM to pvcheck run only).
rm -f to.pid
timeout 2 "$pvcheck" run --json to.json -- ./sleeper.pv to.pid >to.out 2>to.err
rc=$?
[ $rc -eq 124 ] || fail "timeout 2 pvcheck run exits $rc, not 124"
has_race to.json || fail "after the caller's timeout, --json lacks the race"
prog=$(cat to.pid 2>/dev/null)
[ -n "$prog" ] && { gone "$prog" || { fail "after the caller's timeout, program $prog still runs"; kill -9 "$prog"; }; }

# --- A daemon that outlives pvcheck run's wait: named; nothing left in TMPDIR.
export TMPDIR="$work/tmp-late"
mkdir -p "$TMPDIR"
rm -f late.pid
"$pvcheck" run --json late.json -- ./late.pv "$work/late.pid" >late.out 2>late.err
rc=$?
[ $rc -eq 0 ] || fail "the program that leaves a daemon exits $rc, not 0"
grep -q "still run" late.err || fail "pvcheck run does not say that a process outlived the run: $(cat late.err)"
daemon=$(cat late.pid 2>/dev/null)
grep -q "pid $daemon" late.err || fail "pvcheck run does not name the daemon $daemon"
for _ in $(seq 60); do gone "$daemon" && break; sleep 0.1; done
gone "$daemon" || fail "the daemon did not end"
left=$(ls -A "$TMPDIR")
[ -z "$left" ] || fail "files left in TMPDIR after the daemon: $left"
export TMPDIR="$work/tmp"

# --- The runtime never re-creates a JSON file removed under it: only the
# program that started the session creates it (at start); one started later
# by exec finds it gone and says so.
rm -f go direct.json
PVCHECK_OPTIONS="json=$work/direct.json" ./latexec.pv go 2>direct.err
[ -e direct.json ] || fail "the session's first program did not create its json file at start"
rm -f direct.json
touch go
for _ in $(seq 50); do grep -q "gone" direct.err && break; sleep 0.1; done
sleep 0.2
[ -e direct.json ] && fail "a program exec'd after the json file was removed made it anew"
grep -q "json file .* is gone" direct.err || fail "the exec'd program does not say its json file is gone: $(cat direct.err)"
ln -s "$work/victim.txt" linked.json
echo precious >victim.txt
PVCHECK_OPTIONS="json=$work/linked.json" ./sleeper.pv 2>linked.err
[ "$(cat victim.txt)" = precious ] || fail "the runtime wrote through a symbolic link"
grep -q "symbolic link" linked.err || fail "the runtime does not say it refused a linked json file"
rm -f linked.json

# --- Programs that carry no runtime are named.
"$pvcheck" run -- true >/dev/null 2>true.err || fail "pvcheck run -- true fails"
grep -q "true carries no pvcheck runtime" true.err || fail "no warning for true: $(cat true.err)"
grep -Eq "/(usr/)?bin/true" true.err || fail "the warning does not name the path found in PATH"
"$pvcheck" run -- ./sleeper.tsan >/dev/null 2>tsan.err
grep -q "built for ThreadSanitizer" tsan.err || fail "no warning for a --tsan build"
grep -q "does not collect" tsan.err || fail "the --tsan warning does not say its reports are not collected"
"$pvcheck" run -- ./sleeper.pv >/dev/null 2>ours.err
grep -q "warning" ours.err && fail "a warning for a program built by pvcheck cc: $(grep warning ours.err)"
printf '#!/bin/sh\nexit 0\n' >idle.sh
printf '#!/bin/sh\nexec ./sleeper.pv\n' >wraps.sh
chmod +x idle.sh wraps.sh
"$pvcheck" run -- ./idle.sh 2>idle.err
grep -q "no process of this run carried" idle.err || fail "no warning for a script that runs nothing checked"
"$pvcheck" run --json wraps.json -- ./wraps.sh 2>wraps.err
[ $? -eq 66 ] || fail "a script that execs a checked racy program does not exit 66"
grep -q "warning" wraps.err && fail "a warning for a script that runs a checked program"

# --- Paths with a space and a colon: TMPDIR, --keep DIR, a case directory.
odd="$work/sp ace:colon"
mkdir -p "$odd/tmp" "$odd/cat/top ic:x/ca se:y"
TMPDIR="$odd/tmp" "$pvcheck" run --json odd.json -- ./sleeper.pv >/dev/null 2>odd.err
rc=$?
[ $rc -eq 66 ] || fail "pvcheck run with TMPDIR '$odd/tmp' exits $rc, not 66: $(head -3 odd.err)"
has_race odd.json || fail "pvcheck run with a TMPDIR with a space and a colon lost the race"
grep -q PVCHECK_OPTIONS odd.err && fail "the runtime refused its options: $(grep PVCHECK_OPTIONS odd.err)"
cp sleeper.c "$odd/cat/top ic:x/ca se:y/buggy.c"
printf '[case]\ntitle = odd paths\n\n[buggy]\nexpect = race\n' >"$odd/cat/top ic:x/ca se:y/case.ini"
TMPDIR="$odd/tmp" "$pvcheck" "$odd/cat" >odd-cat.out 2>&1 || fail "a case under '$odd/cat' does not agree: $(cat odd-cat.out)"
"$pvcheck" --keep "$odd/keep" "$odd/cat" >odd-keep.out 2>&1 || fail "--keep '$odd/keep' does not agree: $(cat odd-keep.out)"
has_race "$odd/keep/top ic:x/ca se:y/buggy/pv.json" || fail "no race in the kept pv.json"

# --- --keep DIR: links planted there are not followed.
mkdir -p cat/t/c keep/t/c/buggy elsewhere
cp sleeper.c cat/t/c/buggy.c
printf '[case]\ntitle = keep\n\n[buggy]\nexpect = race\n' >cat/t/c/case.ini
echo precious >victim.txt
for f in pv.out pv.err pv.json tsan.out tsan.err compile-0.log link-pv.log result.json.tmp; do
	ln -s "$work/victim.txt" "keep/t/c/buggy/$f"
done
"$pvcheck" --keep keep cat >keep.out 2>&1 || fail "--keep over planted links does not agree: $(cat keep.out)"
[ "$(cat victim.txt)" = precious ] || fail "--keep followed a planted link and wrote into its target"
mkdir -p keep2
ln -s "$work/elsewhere" keep2/t
"$pvcheck" --keep keep2 cat >keep2.out 2>&1 && fail "--keep through a linked directory agrees"
[ -z "$(ls -A elsewhere)" ] || fail "--keep built in the target of a linked directory: $(ls elsewhere)"

# --- The exercise's Makefile: case.ini values reach the program as they are.
mkdir -p excat/t/inj
cp args.c excat/t/inj/buggy.c
printf '[case]\ntitle = injection\n\n[buggy]\nargs = 1;touch${IFS}%s/PWNED it'"'"'s $(HOME) a#b c\\#d\ncflags = -DX=1;touch${IFS}%s/PWNED2\nexpect = race\n' \
	"$work" "$work" >excat/t/inj/case.ini
"$pvcheck" exercise --cases excat inj ex >ex.out 2>&1 || fail "exercise of the injection case: $(cat ex.out)"
make -s -C ex run >make.out 2>&1
[ -e PWNED ] && fail "make run ran a command from case.ini's args"
[ -e PWNED2 ] && fail "make ran a command from case.ini's cflags"
grep -qF '<1;touch${IFS}'"$work"'/PWNED>' make.out || fail "the program did not get args as written: $(head -5 make.out)"
grep -qF "<it's>" make.out || fail "a quote in args did not reach the program"
grep -qF '<$(HOME)>' make.out || fail "\$(HOME) in args was expanded"
grep -qF '<a#b>' make.out || fail "'#' in args did not reach the program"
grep -qF '<c\#d>' make.out || fail "'\\#' in args did not reach the program"
mkdir -p excat/t/badsrc
cp args.c 'excat/t/badsrc/a$b.c'
printf '[case]\ntitle = bad source\n\n[buggy]\nsource = a$b.c\nexpect = race\n' >excat/t/badsrc/case.ini
"$pvcheck" exercise --cases excat badsrc ex2 >ex2.out 2>&1 && fail "a source named a\$b.c is accepted"
grep -q 'case.ini:5: source name' ex2.out || fail "the refusal does not name case.ini's line: $(cat ex2.out)"

# --- case.ini: clear errors, each naming file and line; a BOM is accepted.
mkdir -p bad/t
mk() { mkdir -p "bad/t/$1" && echo 'int main(void) { return 0; }' >"bad/t/$1/clean.c"; }
mk bom && printf '\xEF\xBB\xBF[clean]\nexpect = clean\n' >bad/t/bom/case.ini
mk dot && printf '[clean]\nsource = .\nexpect = clean\n' >bad/t/dot/case.ini
mk nul && printf '[clean]\nexpect = cl\0ean\n' >bad/t/nul/case.ini
mk many && printf '[clean]\nexpect = exit-2, exit-3, exit-4, exit-5, exit-6, exit-7, exit-8, exit-9, exit-10,\n  exit-11, exit-12, exit-13, exit-14, exit-15, exit-16, exit-17, exit-18\n' >bad/t/many/case.ini
"$pvcheck" list bad >bad.out 2>&1
grep -q 'bom/case.ini' bad.out && fail "a BOM at the start of case.ini is an error: $(grep bom bad.out)"
grep -q 'dot/case.ini:2: .*is a directory' bad.out || fail "source = . is not 'a directory' at line 2"
grep -q 'nul/case.ini:2: a NUL byte' bad.out || fail "a NUL byte is not an error at line 2"
grep -q 'many/case.ini:2: .*more than 16 verdict words' bad.out || fail "17 verdict words are not an error"

# --- pvcheck -v interrupted: "interrupted", never a MISMATCH for what was cut.
mkdir -p slow/t/s
cat >slow/t/s/buggy.c <<'C'
#include <unistd.h>
int main(void) { sleep(30); return 0; }
C
printf '[case]\ntitle = slow\n\n[buggy]\nexpect = clean\n' >slow/t/s/case.ini
"$pvcheck" -v slow >slow.out 2>slow.err &
pv=$!
await slow.err '^+ [^ ]*buggy\.pv$' || fail "the slow case did not start"
sleep 0.3
kill -INT $pv
wait $pv
rc=$?
[ $rc -eq 130 ] || fail "pvcheck -v interrupted exits $rc, not 130"
grep -q 't/s buggy: interrupted' slow.err || fail "the variant in progress is not said interrupted: $(grep -v '^+' slow.err)"
grep -q MISMATCH slow.err slow.out && fail "an interrupted run claims a MISMATCH"

[ $fails -eq 0 ] && echo "robust: all checks passed"
exit $((fails > 0))
