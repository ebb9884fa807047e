#!/bin/bash
# pvcheck over a small catalogue with one case of each kind of outcome:
# usage: catalogue_test.sh PVCHECK E2E_CHECK CATALOGUE WORKDIR
set -u
pvcheck=$1 check=$2 cat=$3 work=$4
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
expect_line() {   # a line of the output matching all of the patterns
	local line
	line=$(grep -E "$1" "$work/out.txt" | grep -E "$2" | head -1)
	[ -n "$line" ] || fail "no line in the output matches '$1' and '$2'"
}

rm -rf "$work" && mkdir -p "$work"
"$pvcheck" --jobs 2 --json "$work/r.json" --junit "$work/r.xml" --sarif "$work/r.sarif" \
	"$cat" >"$work/out.txt" 2>&1
rc=$?
cat "$work/out.txt"
[ $rc -eq 1 ] || fail "exit status $rc, expected 1 (a wrong expectation is in the catalogue)"

expect_line '^agree/counter +buggy ' ' race +race +ok$'
expect_line '^agree/counter +fixed_mutex ' ' clean +clean +ok$'
expect_line '^wrong/expectation +clean ' 'MISMATCH'
expect_line '^broken/nobuild +buggy ' 'build-error +build-error +MISMATCH'
expect_line '^slow/hang +buggy ' ' hang +hang +ok$'
expect_line '^broken/badini ' 'ERROR'
expect_line 'broken/badini/case.ini:6: ' 'syntax error'
expect_line '^5 variants: 3 agree with expectations, 2 disagree' 'could not be used'
expect_line 'error: expected .;' 'return statement'

"$check" json "$work/r.json" 5 || fail "the JSON report"
"$check" sarif "$work/r.sarif" || fail "the SARIF report"
testcases=$(grep -c '<testcase ' "$work/r.xml")
failures=$(grep -c '<failure ' "$work/r.xml")
[ "$testcases" -eq 6 ] || fail "JUnit: $testcases testcases, expected 6 (5 variants, 1 bad case.ini)"
[ "$failures" -eq 3 ] || fail "JUnit: $failures failures, expected 3"
totals=$(sed -n 's/.*<testsuite .* tests="\([0-9]*\)" failures="\([0-9]*\)".*/\1 \2/p' "$work/r.xml" |
	awk '{ t += $1; f += $2 } END { print t, f }')
[ "$totals" = "6 3" ] || fail "JUnit totals over the testsuites: $totals, expected 6 tests, 3 failures"

# Only agreeing cases: exit 0, and --keep keeps the artefacts.
"$pvcheck" --jobs 2 --keep "$work/kept" "$cat/agree" "$cat/slow" >"$work/ok.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$work/ok.txt"; fail "agreeing cases: exit $rc, expected 0"; }
grep -q '^3 variants: 3 agree with expectations, 0 disagree' "$work/ok.txt" || fail "agreeing summary"
[ -x "$work/kept/agree/counter/buggy/buggy.pv" ] || fail "--keep lost the pvcheck binary"
[ -s "$work/kept/agree/counter/buggy/tsan.err" ] || fail "--keep lost TSan's stderr"

# Usage errors.
"$pvcheck" --jobs 0 "$cat" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--jobs 0 is not a usage error"
"$pvcheck" "$work/no-such-dir" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a missing path is not a usage error"

[ $fails -eq 0 ] && echo "catalogue: all checks passed"
exit $((fails > 0))
