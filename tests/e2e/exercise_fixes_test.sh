#!/bin/bash
# Every exercise accepts its case's own fixes. For each case with a [buggy]
# variant, 'pvcheck exercise' writes one exercise per other variant, that
# variant's source is copied over the exercise's buggy program, and one
# 'pvcheck' run checks all the copies (its job pool runs them in parallel).
# A fix the case expects clean under both checkers must pass. One the case
# expects either checker to report for certain (a false alarm its lesson
# explains) must be refused, since an exercise asks both for silence.
# The fixed variants show a fix on the whole program; textbook/TOPIC.NAME.patch
# is the smallest textbook fix as a learner would make it, applied to the
# exercise's own buggy program, so that its scaffolding must let it pass.
# usage: exercise_fixes_test.sh PVCHECK E2E_CHECK CASES TEXTBOOK_DIR WORKDIR
set -u
pvcheck=$1 e2e=$2 cases=$3 textbook=$4 work=$5
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# An expectation with a word other than clean and without '?': a certain report.
certain() {
	local w
	for w in ${1//,/ }; do
		[ "$w" != clean ] && [ "${w%\?}" = "$w" ] && return 0
	done
	return 1
}
rm -rf "$work" && mkdir -p "$work/ex" && cd "$work" || exit 1

"$pvcheck" list --json "$cases" >list.json 2>list.err || { echo "FAIL: list: $(cat list.err)"; exit 1; }
"$e2e" list list.json >variants.tsv || { echo "FAIL: cannot read list.json"; exit 1; }
awk -F'\t' '$3 == "buggy" { print $1 }' variants.tsv | sort -u >exercises.txt
[ -s exercises.txt ] || { echo "FAIL: no case with a [buggy] variant under $cases"; exit 1; }

# plan.tsv: exercise id (as pvcheck names the copy), what must happen, what it is
: >plan.tsv
while IFS=$'\t' read -r id dir name expect tsan sources; do
	grep -qxF "$id" exercises.txt && [ "$name" != buggy ] || continue
	ex=ex/${id//\//.}/$name
	if ! "$pvcheck" exercise --cases "$cases" "$id" "$ex" >exercise.out 2>&1; then
		fail "pvcheck exercise $id: $(cat exercise.out)"
		continue
	fi
	target=$(sed -n 's/^source *= *//p' "$ex/case.ini")
	read -r -a src <<<"$sources"
	if [ ${#src[@]} -ne 1 ] || [ -z "$target" ] || [ "${target// /}" != "$target" ]; then
		fail "$id [$name]: cannot apply ${sources} to the exercise's '$target' (one source each)"
		continue
	fi
	cp "$dir/${src[0]}" "$ex/$target" || { fail "cannot copy $dir/${src[0]}"; continue; }
	if [ "$expect" = clean ] && [ "$tsan" = clean ]; then
		want=pass
	elif certain "$expect" || certain "$tsan"; then
		want=refuse     # a checker must report something
	else
		want=either     # only words that may or may not appear: nothing certain to assert
	fi
	printf '%s\t%s\t%s [%s]\n' "${id//\//.}/$name" "$want" "$id" "$name" >>plan.tsv
done <variants.tsv

for p in "$textbook"/*.patch; do
	[ -e "$p" ] || continue
	base=$(basename "$p" .patch) id=$(basename "$p" .patch | tr . /)
	ex=ex/$base/textbook
	if ! "$pvcheck" exercise --cases "$cases" "$id" "$ex" >exercise.out 2>&1; then
		fail "pvcheck exercise $id: $(cat exercise.out)"
	elif ! patch -s -d "$ex" -p0 <"$p" >patch.out 2>&1; then
		fail "$p no longer applies to $id's buggy program: $(cat patch.out)"
	else
		printf '%s\t%s\t%s [%s]\n' "$base/textbook" pass "$id" "textbook fix $(basename "$p")" >>plan.tsv
	fi
done

planned=$(wc -l <plan.tsv)
[ "$planned" -gt 0 ] || { echo "FAIL: no fixes to apply"; exit 1; }
"$pvcheck" --json verdicts.json ex >check.txt 2>&1
status=$?
"$e2e" verdicts verdicts.json >verdicts.tsv || { echo "FAIL: no verdicts: $(tail -5 check.txt)"; exit 1; }

passed=0 refused=0 rejected=0
while IFS=$'\t' read -r exid want what; do
	row=$(awk -F'\t' -v id="$exid" '$1 == id' verdicts.tsv)
	pv=$(cut -f3 <<<"$row") ts=$(cut -f4 <<<"$row")
	if [ -z "$row" ]; then
		fail "$what: no verdict for its exercise $exid"
	elif [ "$want" = pass ]; then
		if [ "$pv" = clean ] && [ "$ts" = clean ]; then
			passed=$((passed + 1))
		else
			fail "$what: the exercise does not accept this fix (pvcheck: $pv, ThreadSanitizer: $ts)"
			rejected=$((rejected + 1))
			grep -A8 -E "^(MISMATCH|note:) $exid " check.txt | head -20
		fi
	elif [ "$want" = refuse ]; then
		if [ "$pv" != clean ] || [ "$ts" != clean ]; then
			refused=$((refused + 1))
			echo "note: $what is refused by its exercise as the case expects (pvcheck: $pv, ThreadSanitizer: $ts)"
		else
			fail "$what: its case expects pvcheck to report it, but the exercise passes it"
		fi
	else
		echo "note: $what: pvcheck $pv, ThreadSanitizer $ts (its case expects nothing certain)"
	fi
done <plan.tsv

# pvcheck exits 1 exactly when some exercise was refused.
if [ $((refused + rejected)) -gt 0 ]; then
	[ $status -eq 1 ] || fail "pvcheck exits $status with exercises refused, not 1"
else
	[ $status -eq 0 ] || fail "pvcheck exits $status though every fix passed: $(tail -5 check.txt)"
fi
echo "exercise fixes: $(wc -l <exercises.txt) exercises, $planned fixes: $passed accepted, $refused refused as expected"
[ $fails -eq 0 ] && echo "exercise fixes: all checks passed"
exit $((fails > 0))
