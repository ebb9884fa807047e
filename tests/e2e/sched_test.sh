#!/bin/bash
# The controlled scheduler through `pvcheck run --explore/--replay`: bugs
# that only some interleavings show are found by every exploration, each
# failing schedule replays the same ten times out of ten, fixed programs
# stay clean over every schedule, and a deadlock is seen at once.
# usage: sched_test.sh PVCHECK FIXTURES WORKDIR
set -u
pvcheck=$1 fixtures=$2 work=$3
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

for f in lost_update lost_update_fixed if_not_while while_fixed three_withdraw spurious_if lock_order \
	chan_order chan_asleep; do
	"$pvcheck" cc -o $f "$fixtures/$f.c" || fail "pvcheck cc $f"
done

# explore NAME SIGNATURE [OPTIONS...]: the exploration fails, the failing
# run's output has SIGNATURE, and its replay command does so 10 times of 10.
explore() {
	local f=$1 sig=$2
	shift 2
	for round in 1 2; do
		"$pvcheck" run --explore 1000 "$@" --json $f.json -- ./$f >$f.out 2>$f.err
		local rc=$?
		[ $rc -ne 0 ] || { fail "$f: exploration $round found nothing (status 0)"; return; }
		grep -q "$sig" $f.out || fail "$f: exploration $round: the failing run did not print '$sig'"
		grep -q 'failed (seed [0-9]*' $f.err || fail "$f: no failing seed named"
		grep -q '^pvcheck: the interleaving' $f.err || fail "$f: no interleaving shown"
	done
	local cmd
	cmd=$(grep -A1 'replay it with:' $f.err | tail -n1 | sed 's/^  pvcheck //')
	case "$cmd" in
	"run --replay "*) ;;
	*) fail "$f: no replay command (got '$cmd')"; return ;;
	esac
	# The JSON has the schedule: its replay command and its timeline.
	grep -q '"replay":[[:space:]]*"pvcheck run --replay' $f.json || fail "$f: no replay command in the JSON"
	grep -q '"timeline":[[:space:]]*\[[[:space:]]*{' $f.json || fail "$f: no timeline in the JSON"
	local ok=0
	for i in $(seq 10); do
		eval "\"\$pvcheck\" $cmd" >$f.replay.out 2>$f.replay.err
		[ $? -ne 0 ] && grep -q "$sig" $f.replay.out && ok=$((ok + 1))
	done
	[ $ok -eq 10 ] || fail "$f: the replay ($cmd) failed the same way $ok times of 10"
}

explore lost_update 'counter = [0-9]* (expected 10)' --strategy pct:3
grep -q 'counter = 10 (expected 10)' lost_update.out && fail "lost_update: the failing schedule lost nothing"
explore if_not_while 'woke to an empty queue' --strategy pct:3
explore three_withdraw 'balance = -1' --strategy pct:3
explore lost_update 'counter = [0-9]* (expected 10)' --strategy random
explore if_not_while 'woke to an empty queue' --strategy pos
explore spurious_if 'went on before ready' --strategy pct:3 --spurious

# The same programs made right, and the if that only spurious wake-ups expose.
for f in lost_update_fixed while_fixed spurious_if; do
	"$pvcheck" run --explore 300 --strategy pct:3 -- ./$f >$f.out 2>$f.err
	rc=$?
	[ $rc -eq 0 ] || fail "$f: a schedule failed (status $rc): $(grep 'failed' $f.err | head -n1)"
	grep -q '300 schedule(s) (pct:3, seeds 1 to 300): none failed' $f.err ||
		fail "$f: no line saying that 300 schedules passed"
done

# A deadlock in some schedules: ended with 67 at once, without the
# watchdog's second, and the same again on replay.
found=
for seed in $(seq 1 40); do
	"$pvcheck" run --replay $seed --strategy random -- ./lock_order >dl.out 2>dl.err
	[ $? -eq 67 ] && { found=$seed; break; }
done
if [ -z "$found" ]; then
	fail "lock_order: no schedule of 40 deadlocked"
else
	grep -q 'deadlock: threads wait for each other' dl.err || fail "lock_order: no deadlock report"
	start=$(date +%s%N)
	for i in $(seq 10); do
		"$pvcheck" run --replay $found --strategy random -- ./lock_order >/dev/null 2>&1
		[ $? -eq 67 ] || fail "lock_order: replay $i of seed $found did not deadlock"
	done
	ms=$((($(date +%s%N) - start) / 1000000))
	[ $ms -lt 8000 ] || fail "lock_order: 10 deadlocked replays took $ms ms: not seen at once"
fi

# Channels: who receives first is the schedule's, the same for a seed every
# time and not the same for every seed; a channel deadlock is seen at once.
orders=
for seed in 1 2 3 4 5 6 7 8; do
	"$pvcheck" run --replay $seed --strategy random -- ./chan_order >order.$seed 2>/dev/null ||
		fail "chan_order: seed $seed failed"
	for i in 1 2 3; do
		"$pvcheck" run --replay $seed --strategy random -- ./chan_order 2>/dev/null |
			cmp -s - order.$seed || fail "chan_order: seed $seed received in another order on replay $i"
	done
	orders="$orders$(cat order.$seed)
"
done
[ "$(sort -u <<<"$orders" | grep -c .)" -gt 1 ] || fail "chan_order: 8 seeds, one order of receipt"
start=$(date +%s%N)
"$pvcheck" run --replay 1 --strategy random -- ./chan_asleep >/dev/null 2>asleep.err
[ $? -eq 67 ] && grep -q 'deadlock' asleep.err || fail "chan_asleep: no deadlock reported: $(tail -3 asleep.err)"
ms=$((($(date +%s%N) - start) / 1000000))
[ $ms -lt 900 ] || fail "chan_asleep: the deadlock took $ms ms: the watchdog's, not seen at once"

# Bad arguments are named.
"$pvcheck" run --explore 10 --strategy pct:0 -- ./lost_update >/dev/null 2>bad.err
[ $? -eq 2 ] && grep -q "strategy 'pct:0'" bad.err || fail "--strategy pct:0 was not refused by name"
"$pvcheck" run --seed 3 -- ./lost_update >/dev/null 2>bad.err
[ $? -eq 2 ] && grep -q 'go with --explore' bad.err || fail "--seed without --explore was not refused"
"$pvcheck" run --explore many -- ./lost_update >/dev/null 2>bad.err
[ $? -eq 2 ] && grep -q -- '--explore needs' bad.err || fail "--explore many was not refused"
PVCHECK_OPTIONS=sched=fifo ./lost_update >/dev/null 2>bad.err
[ $? -eq 2 ] && grep -q "sched: expected random" bad.err || fail "sched=fifo was not refused by name"

[ $fails -eq 0 ] && echo "all schedule checks passed"
exit $((fails > 0))
