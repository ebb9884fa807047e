#!/usr/bin/env bash
# Fuzz the two parsers of outside input with libFuzzer (clang, from ci/setup.sh):
# PVCHECK_OPTIONS (lib/options.c) and case.ini (checker/caseini.c).
#   tests/fuzz/run.sh [SECONDS]      # each, default 300; not part of ctest
# A crash leaves its input in the work directory and the script fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-300}
work=$(mktemp -d "${TMPDIR:-/tmp}/pvcheck-fuzz-XXXXXX")
flags=(-g -O1 -fsanitize=fuzzer,address)
clang "${flags[@]}" -Ilib tests/fuzz/fuzz_options.c lib/options.c lib/base.c -o "$work/options"
clang "${flags[@]}" -Ichecker -Ilib tests/fuzz/fuzz_caseini.c checker/caseini.c checker/util.c \
	checker/verdict.c $(pkg-config --cflags --libs inih libcjson) -o "$work/caseini"
mkdir -p "$work/options.corpus" "$work/caseini.corpus"
printf 'json="/tmp/a b:c.json":stderr=0 exitcode=3' >"$work/options.corpus/seed"
cp cases/lost-update/counter/case.ini "$work/caseini.corpus/seed"
status=0
for t in options caseini; do
	(cd "$work" && "./$t" -max_total_time="$secs" "$t.corpus" >"$t.log" 2>&1) &
done
for job in $(jobs -p); do wait "$job" || status=1; done
for t in options caseini; do
	printf '%s: %s\n' "$t" "$(grep -E '^#[0-9]+.*(DONE|pulse)|^Done' "$work/$t.log" | tail -n1)"
done
[ "$status" -eq 0 ] && rm -rf "$work" || echo "a fuzzer failed: see $work"
exit "$status"
