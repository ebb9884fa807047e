#!/bin/bash
# The cost of one controlled schedule against a plain run under pvcheck's
# runtime, for a few catalogue programs, and schedules per second.
# usage: bench/sched_cost.sh [PVCHECK [RUNS]]   (from the source tree; builds in a temp dir)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
pvcheck=${1:-$src/build/checker/pvcheck}
runs=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name, source, arguments
programs=(
	"lost-update/fixed_mutex|cases/lost-update/counter/fixed_mutex.c|4 2000"
	"lost-update/fixed_atomic|cases/lost-update/counter/fixed_atomic.c|4 2000"
	"if-not-while/fixed_while|cases/condvar/if-not-while/fixed_while.c|3"
	"withdraw/fixed_mutex|cases/check-then-act/withdraw/fixed_mutex.c|4 30"
	"double-checked/fixed_once|cases/init/double-checked/fixed_once.c|4"
)

now_ns() { date +%s%N; }

# ms per run of exe with PVCHECK_OPTIONS=$2, each run with its own seed.
per_run() {
	local exe=$1 opts=$2 args=$3 start end
	start=$(now_ns)
	for i in $(seq "$runs"); do
		PVCHECK_OPTIONS="stderr=0 ${opts//SEED/$i}" "$exe" $args >/dev/null 2>&1 || true
	done
	end=$(now_ns)
	echo $(((end - start) / runs / 1000))
}

printf "%-26s %12s %14s %14s %10s\n" program "plain (us)" "pct:3 (us)" "random (us)" "sched/s"
for p in "${programs[@]}"; do
	IFS='|' read -r name file args <<<"$p"
	exe=$work/$(echo "$name" | tr / _)
	"$pvcheck" cc -o "$exe" "$src/$file" >/dev/null
	plain=$(per_run "$exe" "" "$args")
	pct=$(per_run "$exe" "sched='pct:3' sched_seed=SEED" "$args")
	rnd=$(per_run "$exe" "sched=random sched_seed=SEED" "$args")
	printf "%-26s %12d %14d %14d %10d\n" "$name" "$plain" "$pct" "$rnd" $((1000000 / (pct > 0 ? pct : 1)))
done
