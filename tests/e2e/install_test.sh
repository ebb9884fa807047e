#!/bin/bash
# cmake --install into a temporary prefix, then, as a user would: the
# installed pvcheck finds its own runtime (even after the prefix moves);
# an outside CMake project uses find_package(pvcheck) and pvcheck_add_test
# for C and C++ targets; CC="pvcheck cc" CXX="pvcheck c++" and
# -DCMAKE_C_COMPILER=pvcheck-cc build for pvcheck; pkg-config finds pvchan.
# usage: install_test.sh BUILD_DIR WORKDIR
set -u
build=$1 work=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work/proj" && cd "$work" || exit 1

cmake --install "$build" --prefix "$work/staged" >install.log 2>&1 || { cat install.log; exit 1; }
for f in bin/pvcheck bin/pvcheck-cc bin/pvcheck-c++ lib/libpvrt.a lib/libpvchan.a include/pvchan.h \
	share/man/man1/pvcheck.1 share/bash-completion/completions/pvcheck share/doc/pvcheck/README.md \
	share/pvcheck/cases lib/cmake/pvcheck/pvcheckConfig.cmake lib/pkgconfig/pvchan.pc; do
	[ -e "staged/$f" ] || fail "install lacks $f"
done
# Moved after install: nothing may point back at the build tree or the old prefix.
mv staged prefix
pv=$work/prefix/bin/pvcheck
"$pv" cc --print-link-flags >link.txt
grep -qx "$work/prefix/lib/libpvrt.a" link.txt || fail "installed pvcheck does not link its own runtime: $(cat link.txt)"
grep -Eq "^$build/(lib|checker)/" link.txt && fail "installed pvcheck uses the build tree"
"$pv" cc --print-compile-flags | grep -qx -- "-I$work/prefix/include" || fail "installed pvcheck does not use its include dir"
"$pv" --version | grep -q '^pvcheck [0-9]' || fail "installed pvcheck --version"
"$pv" list | grep -q 'lost-update/counter' || fail "installed pvcheck list does not find the installed catalogue"
grep -q '^\.TH PVCHECK 1' prefix/share/man/man1/pvcheck.1 || fail "the man page is not pvcheck(1)"
if command -v man >/dev/null; then
	MANWIDTH=80 man -l prefix/share/man/man1/pvcheck.1 2>/dev/null | grep -q 'find data races' || fail "man cannot render pvcheck(1)"
fi
bash -c "source prefix/share/bash-completion/completions/pvcheck && COMP_WORDS=(pvcheck ru) COMP_CWORD=1 _pvcheck && printf '%s\n' \"\${COMPREPLY[@]}\"" >compl.txt
grep -qx run compl.txt || fail "bash completion does not complete 'ru' to run"
export PKG_CONFIG_PATH=$work/prefix/lib/pkgconfig
inc=$(pkg-config --cflags-only-I pvchan | sed 's/^-I//; s/ *$//')
lib=$(pkg-config --libs-only-L pvchan | sed 's/^-L//; s/ *$//')
[ "$(realpath "$inc")" = "$work/prefix/include" ] || fail "pvchan.pc: include dir $inc"
[ "$(realpath "$lib")" = "$work/prefix/lib" ] || fail "pvchan.pc: lib dir $lib"
pkg-config --libs-only-l pvchan | grep -q -- '-lpvchan' || fail "pvchan.pc: no -lpvchan"
unset PKG_CONFIG_PATH

cd proj
cat >racy.c <<'C'
#include <pthread.h>
static long counter;
static void *add(void *arg) { for (int i = 0; i < 1000; i++) counter++; return arg; }
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, 0, add, 0);
	pthread_create(&b, 0, add, 0);
	pthread_join(a, 0);
	pthread_join(b, 0);
	return 0;
}
C
sed 's/counter++;/__atomic_fetch_add(\&counter, 1, __ATOMIC_RELAXED);/' racy.c >fixed.c
cat >chan.cc <<'C'
#include <pvchan.h>
#include <thread>
static int payload;
int main()
{
	pv_chan *c = pv_chan_make(sizeof(int), 0);
	std::thread t([c] { payload = 42; int one = 1; pv_chan_send(c, &one); });
	int v;
	pv_chan_recv(c, &v);
	int seen = payload;
	t.join();
	pv_chan_free(c);
	return seen == 42 ? 0 : 1;
}
C
cat >CMakeLists.txt <<'CM'
cmake_minimum_required(VERSION 3.18)
project(outside C CXX)
find_package(pvcheck REQUIRED)
find_package(Threads REQUIRED)
enable_testing()
add_executable(racy racy.c)
target_link_libraries(racy PRIVATE Threads::Threads)
add_executable(fixed fixed.c)
target_link_libraries(fixed PRIVATE Threads::Threads)
# pvchan needs one of the checkers' runtimes: only its checked builds are built.
add_executable(chan EXCLUDE_FROM_ALL chan.cc)
target_link_libraries(chan PRIVATE Threads::Threads pvcheck::pvchan)
pvcheck_add_test(racy racy)
pvcheck_add_test(fixed fixed)
pvcheck_add_test(chan chan TIMEOUT 30)
CM
grep -q "pv_chan_make" "$work/prefix/include/pvchan.h" || fail "pvchan.h has no pv_chan_make"
cmake -S . -B b -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	-DCMAKE_PREFIX_PATH="$work/prefix" >configure.log 2>&1 || { cat configure.log; fail "find_package(pvcheck)"; }
cmake --build b >build.log 2>&1 || { tail -20 build.log; fail "building with pvcheck_add_test"; }
ctest --test-dir b >ctest.log 2>&1
for t in racy.pvcheck racy.tsan; do
	grep -Eq "Test +#[0-9]+: $t .*Failed" ctest.log || fail "$t does not fail on the race: $(grep "$t" ctest.log)"
done
for t in fixed.pvcheck fixed.tsan chan.pvcheck chan.tsan; do
	grep -Eq "Test +#[0-9]+: $t .*Passed" ctest.log || fail "$t does not pass: $(grep "$t" ctest.log)"
done
ctest --test-dir b -R racy.pvcheck --output-on-failure 2>&1 | grep -q 'WARNING: pvcheck: data race' ||
	fail "racy.pvcheck is not pvcheck's report"
ctest --test-dir b -R racy.tsan --output-on-failure 2>&1 | grep -q 'WARNING: ThreadSanitizer: data race' ||
	fail "racy.tsan is not ThreadSanitizer's report"

# The installed command as the project's compiler, for C and C++.
cat >CMakeLists.txt <<'CM'
cmake_minimum_required(VERSION 3.18)
project(outside C CXX)
add_executable(racy racy.c)
target_link_libraries(racy PRIVATE pthread)
add_executable(chan chan.cc)
target_link_libraries(chan PRIVATE pthread)
CM
rm -rf b
CC="$pv cc" CXX="$pv c++" cmake -S . -B cc >cc.log 2>&1 || { cat cc.log; fail "CC=pvcheck cc: configure"; }
cmake --build cc >>cc.log 2>&1 || { tail -20 cc.log; fail "CC=pvcheck cc: build"; }
"$pv" run -- cc/racy >/dev/null 2>run.err
[ $? = 66 ] || fail "a program built with CC='pvcheck cc' does not report its race"
"$pv" run -- cc/chan >/dev/null 2>&1 || fail "a C++ program built with CXX='pvcheck c++' does not run clean"
cmake -S . -B cm -DCMAKE_C_COMPILER="$work/prefix/bin/pvcheck-cc" \
	-DCMAKE_CXX_COMPILER="$work/prefix/bin/pvcheck-c++" >cm.log 2>&1 || { cat cm.log; fail "CMAKE_C_COMPILER=pvcheck-cc"; }
cmake --build cm >>cm.log 2>&1 || { tail -20 cm.log; fail "CMAKE_C_COMPILER=pvcheck-cc: build"; }
"$pv" run -- cm/racy >/dev/null 2>&1
[ $? = 66 ] || fail "a program built with CMAKE_C_COMPILER=pvcheck-cc does not report its race"
"$pv" run -- cm/chan >/dev/null 2>&1 || fail "a C++ program built with CMAKE_CXX_COMPILER=pvcheck-c++ does not run clean"

[ $fails -eq 0 ] && echo "install: all passed"
exit $((fails > 0))
