#!/bin/bash
# Run the workload built three ways and compare: native, under
# ThreadSanitizer, and under pvcheck's runtime.
#
# usage: bench.sh [-r RUNS] NATIVE TSAN PVCHECK [-- WORKLOAD ARGS...]
#
# Each binary runs RUNS times (default 3).  A binary that does not exist is
# skipped and shown as "-".  For every phase the workload reports, and for
# the whole run's wall time, the table gives the median seconds, the
# slowdown against native and the ratio pvcheck/TSan; then the peak RSS.
set -u

runs=3
if [ "${1:-}" = "-r" ]; then
	runs=$2
	shift 2
fi
if [ $# -lt 3 ]; then
	echo "usage: $0 [-r RUNS] NATIVE TSAN PVCHECK [-- WORKLOAD ARGS...]" >&2
	exit 2
fi
labels=(native tsan pvcheck)
bins=("$1" "$2" "$3")
shift 3
[ "${1:-}" = "--" ] && shift
args=("$@")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

now() { date +%s.%N; }

# median: read numbers on stdin, print the median, or "-" when there are none
median() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) print "-"
			else if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# ratio A B: A / B with two decimals, or "-" when either is missing
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || b + 0 == 0) print "-"
		else printf "%.2f\n", a / b
	}'
}

# num X FORMAT: X printed with FORMAT, or "-"
num() {
	awk -v a="$1" -v f="$2" 'BEGIN { if (a == "-") print "-"; else printf f "\n", a }'
}

echo "workload args: ${args[*]:-(defaults)}; $runs runs each"
for i in 0 1 2; do
	label=${labels[$i]}
	bin=${bins[$i]}
	if [ ! -x "$bin" ]; then
		echo "$label: $bin not built, skipped"
		continue
	fi
	for r in $(seq 1 "$runs"); do
		out=$work/$label.$r.out
		err=$work/$label.$r.err
		start=$(now)
		"$bin" "${args[@]}" >"$out" 2>"$err"
		rc=$?
		end=$(now)
		# One "label metric value" line per figure, collected for the table.
		awk -v l="$label" '
			$1 == "phase" { print l, $2, $3 }
			$1 == "maxrss_kib" { print l, "rss", $2 / 1024 }' "$out" >>"$work/figures"
		echo "$label wall $(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }')" >>"$work/figures"
		reports=$(grep -c -E 'WARNING|data race' "$err")
		if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then
			echo "$label run $r: exit status $rc, $reports report lines on stderr" \
				"(the workload is race-free); first lines:"
			head -n 5 "$err" | sed 's/^/    /'
			status=1
		fi
	done
	# remember the phase order from the first binary that ran
	[ -f "$work/phases" ] || awk '$1 == "phase" { print $2 }' "$work/$label.1.out" >"$work/phases"
done

if [ ! -f "$work/figures" ]; then
	echo "nothing ran" >&2
	exit 1
fi

value() {	# value LABEL METRIC: the median of that figure over the runs
	awk -v l="$1" -v m="$2" '$1 == l && $2 == m { print $3 }' "$work/figures" | median
}

echo
printf "%-14s %10s %10s %10s %9s %9s %9s\n" \
	"seconds" "native" "tsan" "pvcheck" "tsan x" "pv x" "pv/tsan"
for metric in $(cat "$work/phases") wall; do
	n=$(value native "$metric")
	t=$(value tsan "$metric")
	p=$(value pvcheck "$metric")
	name=$metric
	[ "$metric" = wall ] && name="total (wall)"
	printf "%-14s %10s %10s %10s %9s %9s %9s\n" "$name" \
		"$(num "$n" %.4f)" "$(num "$t" %.4f)" "$(num "$p" %.4f)" \
		"$(ratio "$t" "$n")" "$(ratio "$p" "$n")" "$(ratio "$p" "$t")"
done

n=$(value native rss)
t=$(value tsan rss)
p=$(value pvcheck rss)
printf "%-14s %10s %10s %10s %9s %9s %9s\n" "peak RSS MiB" \
	"$(num "$n" %.1f)" "$(num "$t" %.1f)" "$(num "$p" %.1f)" \
	"$(ratio "$t" "$n")" "$(ratio "$p" "$n")" "$(ratio "$p" "$t")"
echo "(medians of $runs runs; \"x\" = slowdown against native; pv/tsan < 1 means pvcheck is faster)"
exit $status
