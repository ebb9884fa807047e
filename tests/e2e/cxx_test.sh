#!/bin/bash
# C++ beyond the fixtures: names in reports are demangled, as
# ThreadSanitizer's are (a global in a namespace, frames in libstdc++, named
# by its symbol table only); -x c++ compiles a .c file as C++; a catalogue
# case in C++ builds under both runtimes.
# usage: cxx_test.sh PVCHECK WORKDIR
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

# -x c++: a .c file that is C++ only.
printf '#include <atomic>\nint main() { std::atomic<int> a{0}; return a.load(); }\n' >plus.c
"$pvcheck" cc -o plus -x c++ plus.c || fail "pvcheck cc -x c++ failed"
"$pvcheck" cc --tsan -o plus.tsan -x c++ plus.c || fail "pvcheck cc --tsan -x c++ failed"
./plus || fail "the -x c++ program failed"

mkdir -p cat/cxx
cat >cat/cxx/case.ini <<'INI'
[case]
title = A C++ case
[buggy]
expect = race
source = names.cc
INI
cp names.cc cat/cxx/
"$pvcheck" cat >cat.out 2>&1 || fail "the C++ case: $(cat cat.out)"

((fails == 0)) && echo "cxx_test: ok"
exit $((fails > 0))
