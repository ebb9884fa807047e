#!/bin/bash
# Both checkers' reports of a close racing with a read name the descriptor:
# pvcheck's JSON location and ThreadSanitizer's, as the command parses it,
# are of kind "fd" with its number. (The numbers may differ: each runtime
# can hold descriptors of its own.)
# usage: fd_location_test.sh PVCHECK FIXTURE WORKDIR
set -u
pvcheck=$1 fixture=$2 work=$3
rm -rf "$work" && mkdir -p "$work/cat/fd/close"
cp "$fixture" "$work/cat/fd/close/buggy.c"
printf '[case]\ntitle = Close while reading\nquestion = Is it a race?\n\n[buggy]\nexpect = race\n' \
	>"$work/cat/fd/close/case.ini"
"$pvcheck" --json "$work/r.json" "$work/cat" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; exit 1; }
# Each variant's findings, pvcheck's then ThreadSanitizer's, with the JSON squeezed.
squeezed=$(tr -d ' \t\n' <"$work/r.json")
ours=$(sed 's/"tsan_findings":.*//' <<<"$squeezed" | grep -o '"kind":"fd"[^}]*"fd":[0-9]*' | head -1)
theirs=$(sed 's/.*"tsan_findings"://' <<<"$squeezed" | grep -o '"kind":"fd"[^}]*"fd":[0-9]*' | head -1)
[ -n "$ours" ] || { echo "FAIL: no fd location in pvcheck's findings"; exit 1; }
[ -n "$theirs" ] || { echo "FAIL: no fd location in ThreadSanitizer's findings"; exit 1; }
grep -q '"name":"filedescriptor[0-9]*"' <<<"$ours$theirs" || { echo "FAIL: fd location names: $ours / $theirs"; exit 1; }
echo "ok: pvcheck names file descriptor ${ours##*:}, ThreadSanitizer ${theirs##*:}"
