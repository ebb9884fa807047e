#!/usr/bin/env bash
# SARIF locations point at the program's lines, never into the runtime: free's
# stack starts in its interceptor, yet its location is the program's free().
# usage: sarif_frames_test.sh PVCHECK FIXTURES WORKDIR
set -u
pvcheck=$1 fixtures=$2 work=$3
rm -rf "$work" && mkdir -p "$work/cat/heap/uaf"
cp "$fixtures/race_uaf_ordered.c" "$work/cat/heap/uaf/buggy.c"
printf '[case]\ntitle = use after free\nquestion = ?\n\n[buggy]\nexpect = race\n' \
	>"$work/cat/heap/uaf/case.ini"
"$pvcheck" --sarif "$work/r.sarif" "$work/cat" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
free_line=$(grep -n 'free(' "$work/cat/heap/uaf/buggy.c" | head -1 | cut -d: -f1)
if grep -q 'intercept_' "$work/r.sarif"; then
	echo "FAIL: a SARIF location points into the runtime:"
	grep -n 'intercept_' "$work/r.sarif"
	exit 1
fi
grep -q "\"startLine\":[[:space:]]*$free_line[,}]" "$work/r.sarif" ||
	grep -qE "\"startLine\": *$free_line\b" "$work/r.sarif" ||
	{ echo "FAIL: no SARIF location at the free() on line $free_line"; exit 1; }
echo "SARIF points at buggy.c:$free_line for free's stack"
