#!/bin/bash
# Real code nobody here wrote: bench/pzip.c (a block-parallel gzip) with
# zlib built from source, compiled with `pvcheck cc` as a user would and run
# once under `pvcheck run` on a small input.  The program is race-free, so
# any finding is a false report; its output must be a gzip stream that
# gunzips to the input (pzip checks that itself, and gzip checks it again).
#
# usage: zlib_pzip_test.sh PVCHECK PZIP_C ZLIB_DIR INPUT_DIR WORK
# Exits 77 (skipped) when zlib's sources are not there.
set -u
pvcheck=$1 pzip_c=$2 zlib=$3 input_dir=$4 work=$5

if [ ! -f "$zlib/deflate.c" ] || [ ! -f "$zlib/zlib.h" ]; then
	echo "SKIP: zlib sources not found at $zlib (ci/setup.sh extracts GCC's zlib/ from" \
		"Debian's gcc-12-source there; then re-run cmake)"
	exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
srcs=("$pzip_c")
for f in adler32 crc32 deflate inflate inffast inftrees trees zutil; do
	srcs+=("$zlib/$f.c")
done
"$pvcheck" cc -o "$work/pzip" "${srcs[@]}" -I"$zlib" -w -pthread ||
	fail "pvcheck cc could not build pzip with zlib"

# Some 200 KiB of C in 16 KiB blocks: a dozen blocks for 4 workers.
cat "$input_dir"/*.c >"$work/input"
size=$(stat -c %s "$work/input")
[ "$size" -gt 100000 ] || fail "input too small ($size bytes)"

"$pvcheck" run --json "$work/findings.json" -- \
	"$work/pzip" -t 4 -b 16 -i "$work/input" -o "$work/out.gz" >"$work/stdout" 2>"$work/stderr"
rc=$?
cat "$work/stdout"
findings=$(tr -d ' \t\n' <"$work/findings.json" 2>/dev/null)
if [[ "$findings" != '{"findings":[],'* ]] || [ "$rc" -eq 66 ]; then
	echo "pvcheck reported on a race-free program (exit $rc):"
	head -n 40 "$work/stderr"
	fail "false report"
fi
[ "$rc" -eq 0 ] || { head -n 20 "$work/stderr"; fail "pzip exited $rc"; }
grep -q '^phase verify' "$work/stdout" || fail "pzip did not verify its output"
gzip -dc "$work/out.gz" | cmp -s - "$work/input" || fail "gzip -d does not give the input back"
echo "PASS: $size bytes round trip through pzip and zlib under pvcheck, no report"
