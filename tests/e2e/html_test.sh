#!/bin/bash
# The HTML report in a real browser: headless Chromium renders the pages of
# `pvcheck run --html` (a race with locks held, a lock-order inversion and a
# deadlock, a race between two processes) and of the catalogue (`pvcheck --html`, with its filters set from
# the address), and the rendered DOM is checked; the screenshots are kept.
# usage: html_test.sh PVCHECK FIXTURES CATALOGUE WORKDIR
# (doc/html-report.png in the repository is this test's report.png.)
set -u
pvcheck=$1 fixtures=$2 cat=$3 work=$4
here=$(dirname "$0")
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
browser=$(command -v chromium || command -v chromium-browser) ||
	{ echo "SKIP: no chromium (ci/setup.sh installs it)"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
chrome() { # URL, then chromium's own options
	local url=$1
	shift
	timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$work/profile" "$@" "$url" 2>>chrome.log
}
dom() { "/usr/bin/python3" "$here/check_html_dom.py" "$@" || fail "DOM: $1 $2"; }

"$pvcheck" cc -o race "$fixtures/race_lock_held.c" && "$pvcheck" cc -o cycle "$fixtures/dl_mutex_cycle.c" &&
	"$pvcheck" cc -o xproc "$fixtures/xproc_race_anon_shared.c" || fail "cannot build the fixtures"
"$pvcheck" run --html race.html -- ./race >/dev/null 2>&1
"$pvcheck" run --html cycle.html -- ./cycle >/dev/null 2>&1
"$pvcheck" run --html xproc.html -- ./xproc >/dev/null 2>&1
"$pvcheck" -j2 --html cat.html "$cat/agree" "$cat/wrong" "$cat/broken" >/dev/null 2>&1
for p in race cycle cat; do
	[ -s $p.html ] || fail "no $p.html"
done
grep -Eq '<(script|link|img)[^>]* (src|href)=' race.html cat.html && fail "a page loads something"

chrome "file://$work/race.html" --dump-dom >race.dom
dom run race.dom
chrome "file://$work/cycle.html" --dump-dom >cycle.dom
dom deadlock cycle.dom
chrome "file://$work/xproc.html" --dump-dom >xproc.dom
dom xproc xproc.dom
chrome "file://$work/cat.html#topic=wrong&verdict=mismatch" --dump-dom >cat.dom
dom catalogue cat.dom

chrome "file://$work/race.html" --window-size=1280,760 --screenshot="$work/report.png" >/dev/null
chrome "file://$work/cat.html" --window-size=1280,900 --screenshot="$work/catalogue.png" >/dev/null
for png in report.png catalogue.png; do
	[ "$(head -c 8 "$png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "$png is not a PNG screenshot"
	[ "$(stat -c %s "$png" 2>/dev/null || echo 0)" -gt 20000 ] || fail "$png is too small to show the page"
done

[ $fails -eq 0 ] && echo "html: all passed"
exit $((fails > 0))
