#!/bin/bash
# Machine output for users' programs and for the catalogue: SARIF as code
# scanning reads it, JUnit valid under the strict Ant schema (junit.xsd),
# JSON valid under doc/pvcheck-report.schema.json.
# usage: machine_output_test.sh PVCHECK FIXTURES CATALOGUE SRCDIR WORKDIR
set -u
pvcheck=$1 fixtures=$2 catalogue=$3 src=$4 work=$5
here=$(dirname "$0")
py=/usr/bin/python3   # Debian's, with python3-jsonschema
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work/src" && cd "$work" || exit 1
version=$("$pvcheck" --version | sed -n 's/^pvcheck //p')
[ -n "$version" ] || fail "pvcheck --version does not say its version"

schema() { "$py" "$here/validate_json.py" "$src/doc/pvcheck-report.schema.json" "$@" || fail "JSON schema: $*"; }
xsd() { xmllint --noout --schema "$here/junit.xsd" "$1" 2>"$1.lint" || fail "JUnit schema: $(cat "$1.lint")"; }
sarif() { "$py" "$here/check_sarif.py" "$1" "$src/README.md" "$version" "${@:2}" || fail "SARIF: $1"; }

for f in race_global_ww dl_lock_order leak_threads clean_mutex_counter; do
	cp "$fixtures/$f.c" src/
	"$pvcheck" cc -o "src/$f" "src/$f.c" || fail "cannot build $f"
	"$pvcheck" run --json "$f.json" --sarif "$f.sarif" --junit "$f.xml" -- "src/$f" >/dev/null 2>&1
	schema "$f.json"
	xsd "$f.xml"
	sarif "$f.sarif"
done
grep -q '"uri":[[:space:]]*"src/race_global_ww.c"' race_global_ww.sarif ||
	fail "the race's location is not src/race_global_ww.c relative to %SRCROOT%"
grep -q '<failure type="race" message="Data race on global &apos;shared&apos;: write of size 4 by thread T[0-9] in writer (race_global_ww.c:9) races with previous write' race_global_ww.xml ||
	fail "the JUnit failure does not say what raced with what"
grep -q 'tests="1" failures="0"' clean_mutex_counter.xml || fail "a clean run is not one passing testcase"
[ "$("$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' clean_mutex_counter.sarif)" = 0 ] ||
	fail "a clean run has SARIF results"
# A broken schema check would pass anything: an old report without version must fail.
"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["version"]; json.dump(d, open("nover.json","w"))' race_global_ww.json
"$py" "$here/validate_json.py" "$src/doc/pvcheck-report.schema.json" nover.json >/dev/null && fail "the schema accepts a report without version"
sed 's/ hostname="[^"]*"//' race_global_ww.xml >nohost.xml
xmllint --noout --schema "$here/junit.xsd" nohost.xml 2>/dev/null && fail "junit.xsd accepts a testsuite without hostname"

# The catalogue: a race and a lock-order inversion both checkers find are
# one alert each (ThreadSanitizer's lock cycle adds a stack without frames).
mkdir -p cat/order/ab
cp "$fixtures/dl_lock_order.c" cat/order/ab/buggy.c
printf '[case]\ntitle = two locks, two orders\n[buggy]\nexpect = lock-order\ntsan = lock-order\n' \
	>cat/order/ab/case.ini
"$pvcheck" --jobs 2 --json cat.json --junit cat.xml --sarif cat.sarif "$catalogue/agree" "$catalogue/broken" \
	cat >cat.out 2>&1
grep -Eq '^order/ab +buggy +lock-order +lock-order +lock-order +ok' cat.out || fail "the lock-order case: $(cat cat.out)"
"$py" - cat.sarif <<'PY' || fail "the catalogue's SARIF does not merge both checkers' findings"
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
both = {r["ruleId"] for r in runs[0]["results"] if r["properties"]["foundBy"] == ["pvcheck", "ThreadSanitizer"]}
sys.exit(0 if {"race", "lock-order"} <= both and not runs[1]["results"] else 1)
PY
schema cat.json
xsd cat.xml
sarif cat.sarif --catalogue

[ $fails -eq 0 ] && echo "machine output: all passed"
exit $((fails > 0))
