#!/usr/bin/env bash
# GCC's ThreadSanitizer tests as a conformance suite for pvcheck.
#
#   run.sh PVCHECK SUITE EXPECTED WORKDIR
#
# SUITE is the directory holding gcc/testsuite/ (ci/setup.sh extracts it into
# build/third_party/). Every test is read for its dg- directives, built with
# `pvcheck cc` (our runtime) and `pvcheck cc --tsan` (ThreadSanitizer), run,
# and each checker's outcome is judged against what the test expects:
#
#   found        reported the kind of finding the test expects
#   clean        the test expects no warning and got none
#   missed       the test expects a finding and got none
#   false        a report on a test expected clean, or only reports of a wrong kind
#   run-error    expected clean, no report, but the program failed or crashed
#   timeout      killed after CONFORMANCE_TIMEOUT seconds
#   build-error  pvcheck cc failed
#   skipped      not meaningful here (the reason is printed)
#
# EXPECTED records pvcheck's outcome per test; a test that was found or clean
# and no longer is, or worse totals, fail the run. Improvements are said.
# Environment: CONFORMANCE_RECORD=1 rewrites EXPECTED from this run;
# CONFORMANCE_JOBS (2) tests at a time; CONFORMANCE_TIMEOUT (20) seconds per
# run; CONFORMANCE_FILTER=REGEX only tests whose name matches;
# CONFORMANCE_RESULTS=FILE also writes the table and the details there.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# ---------------------------------------------------------------- one test

# Canonical categories: race use-after-free thread-leak lock-order deadlock
# api-misuse signal-unsafe other. ThreadSanitizer's headline -> category.
tsan_category() {
	case "$1" in
	"data race"*) echo race ;;
	heap-use-after-free*) echo use-after-free ;;
	"thread leak"*) echo thread-leak ;;
	lock-order-inversion*) echo lock-order ;;
	"unlock of an unlocked mutex"* | "destroy of a locked mutex"* | "double lock of a mutex"* | \
		"use of an invalid mutex"* | "read lock of a write locked mutex"* | \
		"read unlock of a write locked mutex"* | "mutex held in the wrong context"*)
		echo api-misuse ;;
	signal-unsafe* | "signal handler spoils errno"*) echo signal-unsafe ;;
	*) echo other ;;
	esac
}

# pvcheck's JSON finding kind -> category.
pv_category() {
	case "$1" in
	race | thread-leak | lock-order | deadlock | api-misuse | use-after-free | signal-unsafe) echo "$1" ;;
	*) echo other ;;
	esac
}

# The text of every directive NAME in file SRC, one a line: what follows
# "dg-NAME" up to the closing brace of the directive.
directives() {
	grep -o "{ *dg-$2\b[^}]*\(}[^}]*\)*}" "$1" | sed -e "s/^{ *dg-$2 *//" -e 's/ *}$//'
}

# Whether a directive's target selector, if any, holds for x86_64 Linux.
for_this_target() {
	case "$1" in
	*"target"*) [[ "$1" == *x86_64* || "$1" == *"*-*-linux*"* || "$1" == *"*-*-*"* ]] ;;
	*) return 0 ;;
	esac
}

# The first "quoted" word of a directive.
first_string() { sed -n 's/^"\([^"]*\)".*/\1/p' <<<"$1"; }

# Flags that mean something to GCC only; pvcheck cc sets -fsanitize itself.
gcc_only_flag() {
	case "$1" in
	-fsanitize=thread | -fdump-* | --param* | -fno-ipa-* | -fipa-* | \
		-fno-inline-functions-called-once | -mabi=*) return 0 ;;
	*) return 1 ;;
	esac
}

# Tests of the compiler that dg-do does not tell.
skip_reason() {
	case "${1%@c++}" in
	*/volatile.c) echo "tests GCC's --param=tsan-distinguish-volatile by defining __tsan_volatile_* itself" ;;
	esac
}

# Tests whose expectation holds only for ThreadSanitizer's own features.
pv_skip_reason() {
	case "${1%@c++}" in
	*/default_options.C) echo "expects __tsan_default_options (TSan's option hook) to silence the race" ;;
	esac
}

# Builds and runs one checker: sets outcome, detail.
run_checker() {
	local checker=$1 src=$2 dir=$3
	local exe=$dir/$checker.exe out=$dir/$checker.out json=$dir/$checker.json
	local ccflag=() env=()
	[ "$checker" = tsan ] && ccflag=(--tsan)
	if ! "$PVCHECK" cc "${ccflag[@]}" -o "$exe" "${lang[@]}" "$src" "${extra_sources[@]}" "${flags[@]}" \
		>"$dir/$checker.build" 2>&1; then
		outcome=build-error
		detail=$(grep -m1 -E "undefined reference|multiple definition|error:" "$dir/$checker.build" | sed "s|^.*/||" | cut -c1-160)
		return
	fi
	rm -f "$json"
	if [ "$checker" = tsan ]; then
		env=(TSAN_OPTIONS="$tsan_options")
	else
		env=(PVCHECK_OPTIONS="json=$json${pv_options:+:$pv_options}")
	fi
	# (The shell's own word on a crash stays out of the table.)
	(cd "$dir" && env "${env[@]}" timeout -k 2 "$TIMEOUT" "$exe" >"$out" 2>&1 </dev/null) 2>/dev/null
	local status=$?
	local cats=()
	if [ "$checker" = tsan ]; then
		while IFS= read -r h; do
			cats+=("$(tsan_category "$h")")
		done < <(sed -n 's/^WARNING: ThreadSanitizer: \(.*\) (pid=.*/\1/p' "$out")
		detail=$(grep -m1 '^WARNING: ThreadSanitizer:' "$out" | sed 's/ (pid=.*//')
	else
		while IFS= read -r k; do
			cats+=("$(pv_category "$k")")
		done < <([ -f "$json" ] && sed -n 's/^{"kind":"\([^"]*\)".*/\1/p' "$json")
		detail=$(grep -m1 '^WARNING: pvcheck:' "$out" | sed 's/ (pid=.*//')
	fi
	local got
	got=$(printf '%s\n' "${cats[@]}" | sort -u | grep . | paste -sd, -)
	if [ "$status" = 124 ] || [ "$status" = 137 ]; then
		outcome=timeout
		detail="killed after ${TIMEOUT}s${got:+; reported $got}"
		return
	fi
	if [ -z "$expect" ]; then
		if [ -n "$got" ]; then
			outcome=false
		elif [ "$status" != 0 ]; then
			outcome=run-error
			detail="exit status $status: $(grep -v '^$' "$out" | tail -n1 | cut -c1-120)"
		else
			outcome=clean
		fi
	elif [ -z "$got" ]; then
		outcome=missed
		detail="no report (exit status $status)"
	else
		outcome=false
		local want
		for want in ${expect//,/ }; do
			# A use after free is the race between a free and an access.
			if [[ ",$got," == *",$want,"* || "$want" == any ||
				("$want" == use-after-free && ",$got," == *",race,"*) ]]; then
				outcome=found
			fi
		done
	fi
	[ -n "$got" ] && detail="[$got] $detail"
}

# Prints: name|expect|pv outcome|pv detail|tsan outcome|tsan detail
# A test named FILE@c++ is FILE compiled as C++.
one_test() {
	local src=${1%@c++} name=${1#"$SUITE"/gcc/testsuite/}
	lang=()
	[ "$src" != "$1" ] && lang=(-x c++)
	local dir=$WORK/${name//\//_}
	rm -rf "$dir" && mkdir -p "$dir"
	local what skip=""
	what=$(directives "$src" do | head -n1)
	case "$what" in
	"" | run*) ;;
	*) skip="dg-do ${what%% *}: checks GCC's compiler, not a run" ;;
	esac
	[ -z "$skip" ] && skip=$(skip_reason "$name")
	[ -z "$skip" ] && [ -n "$(directives "$src" skip-if)" ] &&
		skip="dg-skip-if: depends on GCC's torture options"
	local req
	while IFS= read -r req; do
		case "$req" in
		"" | pthread* | fsanitize_thread* | lp64*) ;;
		*) skip="dg-require-effective-target $req" ;;
		esac
	done < <(directives "$src" require-effective-target)
	if [ -n "$skip" ]; then
		echo "$name|-|skipped|$skip|skipped|$skip"
		return
	fi

	# What it expects: the kinds in dg-output "...ThreadSanitizer: KIND";
	# dg-shouldfail without one expects some report; else none.
	local d kinds=()
	while IFS= read -r d; do
		d=$(first_string "$d")
		[[ "$d" == *"ThreadSanitizer: "* ]] || continue
		d=${d#*ThreadSanitizer: }
		kinds+=("$(tsan_category "$(sed 's/[.(\\].*//' <<<"$d")")")
	done < <(directives "$src" output)
	expect=$(printf '%s\n' "${kinds[@]}" | grep . | sort -u | paste -sd, -)
	[ -z "$expect" ] && [ -n "$(directives "$src" shouldfail)" ] && expect=any

	flags=() extra_sources=()
	local opts="" f
	while IFS= read -r d; do
		for_this_target "$d" && opts+=" $(first_string "$d")"
	done < <(directives "$src" options; directives "$src" additional-options)
	for f in $opts; do
		gcc_only_flag "$f" || flags+=("$f")
	done
	while IFS= read -r d; do
		for f in $d; do extra_sources+=("$(dirname "$src")/$f"); done
	done < <(directives "$src" additional-sources)
	tsan_options="" pv_options=""
	while IFS= read -r d; do
		if [[ "$d" == TSAN_OPTIONS* ]]; then
			tsan_options=$(sed 's/^TSAN_OPTIONS *"\(.*\)"/\1/' <<<"$d")
			[[ "$tsan_options" == *halt_on_error=1* ]] && pv_options=halt_on_error=1
		fi
	done < <(directives "$src" set-target-env-var)

	local pv_out pv_detail
	skip=$(pv_skip_reason "$name")
	if [ -n "$skip" ]; then
		pv_out=skipped pv_detail=$skip
	else
		run_checker pv "$src" "$dir"
		pv_out=$outcome pv_detail=$detail
	fi
	run_checker tsan "$src" "$dir"
	echo "$name|${expect:-clean}|$pv_out|$pv_detail|$outcome|$detail" | tr -d '\r'
}

if [ "${1:-}" = --one ]; then
	one_test "$2"
	exit 0
fi

# ---------------------------------------------------------------- the suite

if [ $# -ne 4 ]; then
	echo "usage: run.sh PVCHECK SUITE EXPECTED WORKDIR" >&2
	exit 2
fi
export PVCHECK=$1 SUITE=$2 WORK=$4
expected=$3
export TIMEOUT=${CONFORMANCE_TIMEOUT:-20}
jobs=${CONFORMANCE_JOBS:-2}
tests=$SUITE/gcc/testsuite
if [ ! -d "$tests/c-c++-common/tsan" ]; then
	echo "conformance: $tests has no tsan tests: run ci/setup.sh (package gcc-12-source)" >&2
	exit 77
fi
mkdir -p "$WORK"
start=$(date +%s)

# c-c++-common's tests run as C and as C++, as GCC runs them.
list=$(ls "$tests"/c-c++-common/tsan/*.c | sed 'p; s/$/@c++/'
	ls "$tests"/gcc.dg/tsan/*.c "$tests"/g++.dg/tsan/*.C)
list=$(grep -E "${CONFORMANCE_FILTER:-.}" <<<"$list")
results=$WORK/results.txt
printf '%s\n' $list | xargs -P "$jobs" -n1 "$0" --one | LC_ALL=C sort -t'|' -k1,1 >"$results"

table() {
	printf '%-48s %-15s %-12s %-12s\n' test expects pvcheck tsan
	while IFS='|' read -r name expect pv pvd ts tsd; do
		printf '%-48s %-15s %-12s %-12s\n' "$name" "$expect" "$pv" "$ts"
	done <"$results"
}

details() {
	local why
	while IFS='|' read -r name expect pv pvd ts tsd; do
		case "$pv" in found | clean | skipped) continue ;; esac
		why=$(sed -n "s|^$name  *||p" "$here/notes.txt")
		[ -z "$why" ] && why=$(sed -n "s|^${name%@c++}  *||p" "$here/notes.txt")
		echo "$name: expects $expect; pvcheck $pv${pvd:+ ($pvd)}; tsan $ts${tsd:+ ($tsd)}"
		[ -n "$why" ] && echo "    why: $why"
	done <"$results"
}

# "found=N clean=N ..." for column COL (3 pvcheck, 5 tsan) of a results file.
totals() {
	local o line=""
	for o in found clean missed false run-error timeout build-error skipped; do
		line+="$o=$(cut -d'|' -f"$2" "$1" | grep -cx -- "$o") "
	done
	echo "${line% }"
}

pv_totals=$(totals "$results" 3)
tsan_totals=$(totals "$results" 5)
{
	table
	echo
	echo "Not found or clean under pvcheck:"
	details
	echo
	echo "Skipped:"
	while IFS='|' read -r name expect pv pvd ts tsd; do
		[ "$pv" = skipped ] && echo "$name: $pvd"
	done <"$results"
	echo
	echo "totals pvcheck: $pv_totals"
	echo "totals tsan:    $tsan_totals"
} >"$WORK/report.txt"
cat "$WORK/report.txt"
[ -n "${CONFORMANCE_RESULTS:-}" ] && cp "$WORK/report.txt" "$CONFORMANCE_RESULTS"
echo "($(($(date +%s) - start)) s)"

if [ "${CONFORMANCE_RECORD:-0}" = 1 ]; then
	{
		echo "# pvcheck's and ThreadSanitizer's outcome per GCC tsan test when recorded"
		echo "# (tests/conformance/run.sh; re-record with CONFORMANCE_RECORD=1)."
		while IFS='|' read -r name expect pv pvd ts tsd; do
			printf '%-48s %-12s %s\n' "$name" "$pv" "$ts"
		done <"$results"
		echo "# totals pvcheck: $pv_totals"
		echo "# totals tsan:    $tsan_totals"
	} >"$expected"
	echo "conformance: recorded $expected"
	exit 0
fi

# Regressions against the record: per test, then the totals.
status=0
while read -r name pv ts; do
	case "$name" in "#"* | "") continue ;; esac
	now=$(grep "^$name|" "$results" | cut -d'|' -f3)
	[ -z "$now" ] && continue # not run (CONFORMANCE_FILTER)
	[ "$now" = "$pv" ] && continue
	case "$pv:$now" in
	found:* | clean:*)
		echo "REGRESSION: $name was $pv, now $now"
		status=1 ;;
	*:found | *:clean)
		echo "improved: $name now $now (was $pv); update expected.txt (CONFORMANCE_RECORD=1)" ;;
	*) echo "changed: $name now $now (was $pv)" ;;
	esac
done <"$expected"
if [ -z "${CONFORMANCE_FILTER:-}" ]; then
	count() { grep -o "$1=[0-9]*" <<<"$2" | cut -d= -f2; }
	was=$(awk '!/^#/ && NF { print "x|x|" $2 }' "$expected")
	was_totals=$(totals <(echo "$was") 3)
	good_now=$(($(count found "$pv_totals") + $(count clean "$pv_totals")))
	good_was=$(($(count found "$was_totals") + $(count clean "$was_totals")))
	if ((good_now < good_was)); then
		echo "REGRESSION: pvcheck found or clean on $good_now tests, recorded $good_was"
		status=1
	fi
	if (($(count false "$pv_totals") > $(count false "$was_totals"))); then
		echo "REGRESSION: pvcheck false reports $(count false "$pv_totals"), recorded $(count false "$was_totals")"
		status=1
	fi
fi
exit $status
