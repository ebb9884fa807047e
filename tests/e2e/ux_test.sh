#!/bin/bash
# The command as people expect it: --version, every command's --help, the
# progress line and a table that fits the terminal (coloured there, unless
# NO_COLOR), one variant by DIR:VARIANT, --only-tsan/--only-pvcheck and
# --rerun-failed.
# usage: ux_test.sh PVCHECK CATALOGUE WORKDIR
set -u
pvcheck=$1 cat=$2 work=$3
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
# On a terminal of COLUMNS columns (script(1) gives the command a pty).
tty_run() { local cols=$1; shift; script -qec "COLUMNS=$cols $*" /dev/null; }
plain() { sed 's/\x1b\[[0-9;]*[mK]//g; s/\r$//; s/.*\r//'; }

"$pvcheck" --version | grep -Eq '^pvcheck [0-9]+\.[0-9]+' || fail "--version"
for c in cc c++ run list explain exercise; do
	"$pvcheck" $c --help >h.txt 2>&1 || fail "$c --help exits $?"
	grep -q "pvcheck $c " h.txt || fail "$c --help does not give its usage"
done
"$pvcheck" --help | grep -q -- '--only-tsan' || fail "--help lacks --only-tsan"

# Not a terminal: whole lines, no colour, a plain line per finished variant.
"$pvcheck" -j2 "$cat/agree" "$cat/wrong" >plain.out 2>plain.err
[ $? = 1 ] || fail "a mismatch does not exit 1"
grep -q $'\x1b' plain.out plain.err && fail "colour or cursor codes when not a terminal"
grep -Eq '^agree/counter +buggy +race, wrong-result\? +race +race +ok$' plain.out || fail "plain table: $(cat plain.out)"
grep -Eq '^\[[1-3]/3\] wrong/expectation clean: MISMATCH  0:[0-9]{2}$' plain.err || fail "no plain progress line: $(cat plain.err)"
[ "$(grep -c '^\[[1-3]/3\] ' plain.err)" = 3 ] || fail "not one progress line per variant"

# A terminal of 70 columns (whole lines need 78, the longest words 66): the table fits, words stay whole, colour is on.
tty_run 70 "$pvcheck" -j2 "$cat/agree" "$cat/wrong" >tty.raw
grep -q $'\x1b\[32mok' tty.raw || fail "no green ok on a terminal"
grep -q $'\x1b\[31mMISMATCH' tty.raw || fail "no red MISMATCH on a terminal"
grep -q $'\r\x1b\[K\[1/3\] ' tty.raw || fail "no progress line on a terminal"
plain <tty.raw >tty.txt
sed -n '/^case /,/^$/p' tty.txt >table.txt
awk 'length > 70 { bad = 1 } END { exit bad }' table.txt || fail "the table is wider than 70 columns: $(cat table.txt)"
for w in wrong-result? expectation fixed_mutex MISMATCH agreement; do
	grep -q -- "$w" table.txt || fail "'$w' was broken or lost in the narrow table: $(cat table.txt)"
done
NO_COLOR=1 tty_run 200 "$pvcheck" -j2 "$cat/agree" >nocolor.raw
grep -q $'\x1b\[3' nocolor.raw && fail "colour despite NO_COLOR"
grep -Eq '^agree/counter +buggy +race, wrong-result\? +race +race +ok' <(plain <nocolor.raw) ||
	fail "a wide terminal wraps: $(plain <nocolor.raw)"

# One variant.
"$pvcheck" "$cat/agree/counter:buggy" >one.out 2>&1 || fail "counter:buggy exits $?"
grep -q '^1 variant: ' one.out || fail "counter:buggy does not run one variant: $(cat one.out)"
grep -q 'fixed_mutex' one.out && fail "counter:buggy ran fixed_mutex"
"$pvcheck" "$cat/agree/counter:nosuch" >bad.out 2>&1
[ $? = 2 ] || fail "an unknown variant is not a usage error"
grep -q "counter:nosuch: no such variant" bad.out || fail "unknown variant: $(cat bad.out)"

# One checker: the other's column is '-', the exit status follows the one that ran.
"$pvcheck" --only-tsan "$cat/wrong" >tsan.out 2>&1
[ $? = 0 ] || fail "--only-tsan on a case ThreadSanitizer agrees with exits non-zero: $(cat tsan.out)"
grep -Eq '^wrong/expectation +clean +race +- +clean +ok$' tsan.out || fail "--only-tsan table: $(cat tsan.out)"
"$pvcheck" --only-pvcheck --json only.json "$cat/wrong" >pv.out 2>&1
[ $? = 1 ] || fail "--only-pvcheck on a mismatch does not exit 1"
grep -Eq '^wrong/expectation +clean +race +clean +- +MISMATCH$' pv.out || fail "--only-pvcheck table: $(cat pv.out)"
grep -q '"skipped":[[:space:]]*true' only.json || fail "--only-pvcheck JSON does not mark ThreadSanitizer skipped"
"$pvcheck" --only-pvcheck --only-tsan "$cat/wrong" >/dev/null 2>&1
[ $? = 2 ] || fail "--only-pvcheck with --only-tsan is not a usage error"

# --rerun-failed: only what disagreed last time.
"$pvcheck" -j2 --json first.json "$cat/agree" "$cat/wrong" >/dev/null 2>&1
"$pvcheck" --rerun-failed first.json "$cat" >rerun.out 2>&1
grep -q '^1 variant: 0 agree' rerun.out || fail "--rerun-failed: $(cat rerun.out)"
grep -Eq '^wrong/expectation +clean ' rerun.out || fail "--rerun-failed did not rerun wrong/expectation"
"$pvcheck" -j2 --json good.json "$cat/agree" >/dev/null 2>&1
"$pvcheck" --rerun-failed good.json "$cat/agree" >none.out 2>&1
[ $? = 0 ] || fail "--rerun-failed with nothing failed exits non-zero"
grep -q 'nothing failed in good.json' none.out || fail "--rerun-failed with nothing failed: $(cat none.out)"
echo '{"not":"a report"}' >junk.json
"$pvcheck" --rerun-failed junk.json "$cat" >junk.out 2>&1
[ $? = 2 ] || fail "--rerun-failed of a file that is not a report is not a usage error"
grep -q 'junk.json is not the JSON of a catalogue run' junk.out || fail "junk: $(cat junk.out)"

[ $fails -eq 0 ] && echo "ux: all passed"
exit $((fails > 0))
