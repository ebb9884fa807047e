#!/bin/bash
# Run workloads built three ways and compare: native, under ThreadSanitizer,
# and under pvcheck's runtime.
#
# usage: bench.sh [-r RUNS] -m RUNSTAT WORKLOAD...
#
# A WORKLOAD is one argument "NAME|PREFIX|ARGS": PREFIX.native, PREFIX.tsan
# and PREFIX.pv are run with ARGS (split on blanks).  A workload whose
# binaries are not all built is skipped and said so.  The runs interleave
# (native, tsan, pv, native, tsan, pv, ...) RUNS times (default 3), each
# under RUNSTAT, which gives the child's CPU time (user + system) and peak
# RSS from the kernel.  For every workload the table gives the medians and
# the ratios pvcheck / TSan; the last line gives their geometric means.
# Then the medians of the wall time of each phase a workload reports
# ("phase NAME SECONDS" on its standard output).
#
# Exits 1 if a run failed or anything was reported on a run's stderr (the
# workloads are race-free: a report is a false one).
set -u

runs=3
runstat=
while [ $# -gt 0 ]; do
	case $1 in
	-r) runs=$2; shift 2 ;;
	-m) runstat=$2; shift 2 ;;
	*) break ;;
	esac
done
if [ -z "$runstat" ] || [ $# -lt 1 ]; then
	echo "usage: $0 [-r RUNS] -m RUNSTAT 'NAME|PREFIX|ARGS'..." >&2
	exit 2
fi
if [ ! -x "$runstat" ]; then
	echo "$0: $runstat not built" >&2
	exit 2
fi

labels=(native tsan pv)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
names=()
: >"$work/figures"

echo "medians of $runs interleaved runs each; the machine's load makes figures noisy"
for spec in "$@"; do
	IFS='|' read -r name prefix args <<<"$spec"
	read -r -a argv <<<"$args"
	missing=
	for l in "${labels[@]}"; do
		[ -x "$prefix.$l" ] || missing="$missing $prefix.$l"
	done
	if [ -n "$missing" ]; then
		echo "$name: skipped, not built:$missing"
		continue
	fi
	names+=("$name")
	echo "$name: ${prefix##*/} ${args}"
	for r in $(seq 1 "$runs"); do
		for l in "${labels[@]}"; do
			base=$work/$name.$l.$r
			"$runstat" "$base.stat" "$prefix.$l" "${argv[@]}" >"$base.out" 2>"$base.err"
			rc=$?
			# One "workload label metric value" line per figure.
			awk -v w="$name" -v l="$l" '
				{ print w, l, "cpu", $2; print w, l, "rss", $4 / 1024 }' \
				"$base.stat" >>"$work/figures"
			awk -v w="$name" -v l="$l" '
				$1 == "phase" { print w, l, "phase:" $2, $3 }' \
				"$base.out" >>"$work/figures"
			reports=$(grep -c -E 'WARNING|data race' "$base.err")
			if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then
				echo "  $l run $r: exit status $rc, $reports report lines on" \
					"stderr (the workload is race-free); first lines:"
				head -n 5 "$base.err" | sed 's/^/    /'
				status=1
			fi
		done
	done
	# the phase order, from the native run's output
	awk -v w="$name" '$1 == "phase" { print w, $2 }' "$work/$name.native.1.out" \
		>>"$work/phases"
done

if [ ${#names[@]} -eq 0 ]; then
	echo "nothing ran" >&2
	exit 1
fi

# median: numbers on stdin, their median, or "-" when there are none
median() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) print "-"
			else if (NR % 2) print v[(NR + 1) / 2]
			else print (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

value() {	# value WORKLOAD LABEL METRIC: the median over the runs
	awk -v w="$1" -v l="$2" -v m="$3" '$1 == w && $2 == l && $3 == m { print $4 }' \
		"$work/figures" | median
}

# ratio A B: A / B with two decimals, or "-" when either is missing or zero
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || a + 0 == 0 || b + 0 == 0) print "-"
		else printf "%.2f\n", a / b
	}'
}

num() {		# num X FORMAT: X printed with FORMAT, or "-"
	awk -v a="$1" -v f="$2" 'BEGIN { if (a == "-") print "-"; else printf f "\n", a }'
}

echo
printf "%-12s | %-37s | %-37s\n" "" "CPU seconds (user+sys)" "peak RSS MiB"
printf "%-12s | %8s %8s %8s %8s | %8s %8s %8s %8s\n" "workload" \
	native tsan pvcheck pv/tsan native tsan pvcheck pv/tsan
: >"$work/ratios"
for name in "${names[@]}"; do
	row=()
	for metric in cpu rss; do
		n=$(value "$name" native $metric)
		t=$(value "$name" tsan $metric)
		p=$(value "$name" pv $metric)
		q=$(ratio "$p" "$t")
		fmt=%.2f
		[ $metric = rss ] && fmt=%.1f
		row+=("$(num "$n" $fmt)" "$(num "$t" $fmt)" "$(num "$p" $fmt)" "$q")
		[ "$q" != - ] && echo "$metric $p $t" >>"$work/ratios"
	done
	printf "%-12s | %8s %8s %8s %8s | %8s %8s %8s %8s\n" "$name" "${row[@]}"
done
awk -v n=${#names[@]} -v runs="$runs" '
	{ s[$1] += log($2 / $3); c[$1]++ }
	END {
		printf "geometric mean pvcheck/TSan: CPU %s, peak RSS %s (%d workload(s), medians of %d runs)\n",
			c["cpu"] ? sprintf("%.2f", exp(s["cpu"] / c["cpu"])) : "-",
			c["rss"] ? sprintf("%.2f", exp(s["rss"] / c["rss"])) : "-", n, runs
	}' "$work/ratios"

if [ -s "$work/phases" ]; then
	echo
	printf "%-22s %10s %10s %10s %9s\n" "phase wall seconds" native tsan pvcheck pv/tsan
	while read -r name phase; do
		n=$(value "$name" native "phase:$phase")
		t=$(value "$name" tsan "phase:$phase")
		p=$(value "$name" pv "phase:$phase")
		printf "%-22s %10s %10s %10s %9s\n" "$name/$phase" \
			"$(num "$n" %.4f)" "$(num "$t" %.4f)" "$(num "$p" %.4f)" "$(ratio "$p" "$t")"
	done <"$work/phases"
fi
exit $status
