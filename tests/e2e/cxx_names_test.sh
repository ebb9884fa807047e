#!/bin/bash
# C++ names in reports are demangled, as ThreadSanitizer's are: a global in
# a namespace, and frames in libstdc++ (named by its symbol table only).
# usage: cxx_names_test.sh PVCHECK WORKDIR
set -u
pvcheck=$1 work=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

cat >names.cc <<'CC'
#include <thread>
namespace app {
int counter;
}
static void bump()
{
	app::counter++;
}
int main()
{
	std::thread a(bump), b(bump);
	a.join();
	b.join();
}
CC
"$pvcheck" cc -o names names.cc || fail "pvcheck cc failed"
"$pvcheck" run -- ./names 2>names.err
grep -q "Location is global 'app::counter'" names.err || fail "the global is not named app::counter"
grep -q 'std::thread::_M_start_thread(' names.err || fail "libstdc++'s frame is not demangled"
grep -q '_Z' names.err && fail "a mangled name is left: $(grep -m1 _Z names.err)"

((fails == 0)) && echo "cxx_names_test: ok"
exit $((fails > 0))
