#!/bin/bash
# The learner's commands: list, explain, exercise, and checking an exercise.
# usage: exercise_test.sh PVCHECK CASES WORKDIR
set -u
pvcheck=$1 cases=$2 work=$3
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
# No ./cases here and no PVCHECK_CASES: the catalogue compiled in must be found.
unset PVCHECK_CASES

# A small catalogue of our own for what the real one may not have.
mkdir -p fx/one/same fx/two/same fx/one/uniq fx/demo/show fx/broken/bad
for d in one/same two/same one/uniq; do
	printf '[case]\ntitle = Case %s\nquestion = Why %s?\n\n[buggy]\nexpect = race\n' "$d" "$d" >fx/$d/case.ini
	echo 'int main(void) { return 0; }' >fx/$d/buggy.c
done
echo '# The lesson of uniq' >fx/one/uniq/README.md
printf '[case]\ntitle = A demonstration\nfigures = ^(widgets|gadgets):\n\n[measure]\nexpect = clean\n' >fx/demo/show/case.ini
echo '#include <stdio.h>
int main(void) { printf("preamble\nwidgets: 42 per second\nnoise\ngadgets: 7\n"); return 0; }' >fx/demo/show/measure.c
echo '# The lesson of show' >fx/demo/show/README.md
printf '[case]\ntitle = Broken\nbogus = 1\n\n[buggy]\nexpect = clean\n' >fx/broken/bad/case.ini
mkdir -p fx2/bad/regex
printf '[case]\ntitle = Bad figures\n\n[measure]\nexpect = clean\nfigures = (unclosed\n' >fx2/bad/regex/case.ini
echo 'int main(void) { return 0; }' >fx2/bad/regex/measure.c

# list
"$pvcheck" list >list.txt 2>&1 || fail "list of the real catalogue exits $?: $(head -5 list.txt)"
grep -q '^lost-update$' list.txt || fail "list has no heading for the topic lost-update"
grep -q '^deadlock$' list.txt || fail "list has no heading for the topic deadlock"
grep -q 'lost-update/counter .*Lost update' list.txt || fail "list does not show lost-update/counter and its title"
grep -Eq '^ +buggy +race, wrong-result\?' list.txt || fail "list does not show buggy's expected verdict"
"$pvcheck" list --json >list.json 2>&1 || fail "list --json exits $?"
grep -q '"id":[[:space:]]*"lost-update/counter"' list.json || fail "list --json lacks lost-update/counter"
"$pvcheck" list fx >bad.txt 2>&1
[ $? -eq 1 ] || fail "list with a broken case.ini does not exit 1"
grep -q 'ERROR .*broken/bad/case.ini:3:' bad.txt || fail "list does not give the broken case.ini's file:line: $(cat bad.txt)"
grep -q 'one/uniq .*Case one/uniq' bad.txt || fail "list of fx lacks the good cases"
grep -q 'demo/show .*A demonstration.*\[demonstration\]' bad.txt || fail "list does not mark the demonstration"
grep -q 'one/uniq .*\[demonstration\]' bad.txt && fail "list marks a case with [buggy] as a demonstration"
grep -q 'demo/context-switch .*\[demonstration\]' list.txt || fail "list does not mark demo/context-switch"
"$pvcheck" list fx2 >badre.txt 2>&1
grep -q 'ERROR .*regex/case.ini:6: figures .(unclosed. is not an extended regular expression' badre.txt ||
	fail "a bad figures regex is not named with its file:line: $(cat badre.txt)"

# explain
"$pvcheck" explain lost-update/counter >explain.txt 2>&1 || fail "explain lost-update/counter exits $?"
head -1 explain.txt | grep -q 'Lost update' || fail "explain does not start with the title"
grep -q '^Question: ' explain.txt || fail "explain does not give the question"
grep -qF "$(head -1 "$cases/lost-update/counter/README.md")" explain.txt || fail "explain does not print README.md"
grep -q 'The interview answer' explain.txt || fail "explain does not print the whole lesson"
"$pvcheck" explain "$cases/lost-update/counter" >/dev/null 2>&1 || fail "explain of a case directory fails"
"$pvcheck" explain no-such-case >unknown.txt 2>&1 && fail "explain of an unknown case exits 0"
grep -q "no case 'no-such-case'" unknown.txt || fail "no clear error for an unknown case: $(cat unknown.txt)"
"$pvcheck" explain --cases fx same >ambig.txt 2>&1 && fail "explain of an ambiguous name exits 0"
grep -q 'ambiguous.*one/same.*two/same' ambig.txt || fail "the ambiguous error does not list the candidates: $(cat ambig.txt)"
"$pvcheck" explain --cases fx uniq >uniq.txt 2>&1 || fail "explain of a unique bare name fails: $(cat uniq.txt)"
grep -q 'The lesson of uniq' uniq.txt || fail "explain by bare name does not print the lesson"

# explain of a demonstration runs it; --no-run does not; a case to fix is not run
"$pvcheck" explain --cases fx demo/show >demoexp.txt 2>&1 || fail "explain of a demonstration exits $?: $(cat demoexp.txt)"
grep -q 'The lesson of show' demoexp.txt || fail "explain of a demonstration lacks its lesson"
grep -q '^\$ measure$' demoexp.txt || fail "explain of a demonstration does not say what it runs: $(cat demoexp.txt)"
grep -q '^noise$' demoexp.txt && grep -q '^widgets: 42 per second$' demoexp.txt ||
	fail "explain of a demonstration does not print its whole output: $(cat demoexp.txt)"
grep -q 'pvcheck: clean; ThreadSanitizer: clean' demoexp.txt || fail "explain of a demonstration gives no verdicts"
"$pvcheck" explain --cases fx --no-run demo/show >norun.txt 2>&1 || fail "explain --no-run exits $?"
grep -q 'widgets' norun.txt && fail "explain --no-run ran the demonstration"
grep -q '^\$ ' explain.txt && fail "explain of a case to fix ran it"

# the figures under the table, and in --json
"$pvcheck" --json figs.json fx/demo >figs.txt 2>&1 || fail "pvcheck fx/demo exits $?: $(cat figs.txt)"
sed -n '/^Figures/,$p' figs.txt >figs.part
grep -q '^  demo/show \[measure\]$' figs.part || fail "no figures heading for demo/show: $(cat figs.txt)"
grep -q '^    widgets: 42 per second$' figs.part && grep -q '^    gadgets: 7$' figs.part ||
	fail "the figures under the table lack the matching lines: $(cat figs.txt)"
grep -Eq 'noise|preamble' figs.part && fail "the figures include lines the regex does not match"
grep -q '"figures":' figs.json && grep -q '"widgets: 42 per second"' figs.json ||
	fail "--json has no figures for demo/show"
"$pvcheck" fx/one/uniq >nofigs.txt 2>&1
grep -q '^Figures' nofigs.txt && fail "figures printed for a case that names none"

# exercise: write, fail untouched, pass once fixed, build
ex=$work/counter
"$pvcheck" exercise lost-update/counter "$ex" >ex.txt 2>&1 || fail "exercise exits $?: $(cat ex.txt)"
for f in buggy.c case.ini Makefile README.md; do
	[ -s "$ex/$f" ] || fail "exercise did not write $f"
done
cmp -s "$ex/buggy.c" "$cases/lost-update/counter/buggy.c" || fail "buggy.c is not the case's buggy program"
grep -q '^exercise *= *lost-update/counter' "$ex/case.ini" || fail "case.ini lacks exercise = lost-update/counter"
grep -q '^expect *= *clean' "$ex/case.ini" || fail "case.ini does not expect clean"
grep -qF "PVCHECK  = $(realpath "$pvcheck")" "$ex/Makefile" || fail "the Makefile does not use this pvcheck"
grep -q 'fixed_' "$ex/README.md" "$ex/case.ini" "$ex/Makefile" && fail "the exercise names the fixed variants"

hint=$(sed -n 's/^hint *= *//p' "$cases/lost-update/counter/case.ini" | head -1)
if [ -z "$hint" ]; then
	# The case has no hint yet: give the exercise one, to see it printed.
	hint="Test hint: look at the shared counter."
	sed -i "/^\[case\]\$/a hint = $hint" "$ex/case.ini"
fi
"$pvcheck" "$ex" >untouched.txt 2>&1
[ $? -ne 0 ] || fail "pvcheck on the untouched exercise exits 0"
grep -qF "Hint: ${hint:0:40}" untouched.txt || fail "the untouched exercise's check does not print the hint"
grep -q 'buggy.c:[0-9]' untouched.txt || fail "the check does not say on which lines"
grep -q 'pvcheck explain lost-update/counter' untouched.txt || fail "the check does not point at the lesson"

cp "$cases/lost-update/counter/fixed_mutex.c" "$ex/buggy.c"
"$pvcheck" "$ex" >fixed.txt 2>&1 || fail "pvcheck on the fixed exercise exits $?: $(tail -5 fixed.txt)"
grep -q 'passes both checkers' fixed.txt || fail "the fixed exercise's check does not say it passes"
make -s -C "$ex" >make.txt 2>&1 || fail "make in the exercise fails: $(cat make.txt)"
[ -x "$ex/buggy.pv" ] && [ -x "$ex/buggy.tsan" ] || fail "make did not build buggy.pv and buggy.tsan"

# exercise: refusals
"$pvcheck" exercise lost-update/counter "$ex" >nonempty.txt 2>&1 && fail "exercise into a non-empty dir exits 0"
grep -qF "$ex is not empty" nonempty.txt || fail "the refusal does not name the dir: $(cat nonempty.txt)"
"$pvcheck" exercise --cases fx demo/show "$work/demo" >demo.txt 2>&1 && fail "exercise of a demonstration exits 0"
grep -q 'no \[buggy\] variant.*measure' demo.txt || fail "the refusal does not name the variants there: $(cat demo.txt)"
[ -e "$work/demo" ] && fail "a refused exercise left a directory behind"

[ $fails -eq 0 ] && echo "exercise: all checks passed"
exit $((fails > 0))
