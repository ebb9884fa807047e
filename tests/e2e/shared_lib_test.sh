#!/bin/bash
# A shared library built with `pvcheck cc -shared` leaves the runtime to the
# executable: a program linked with it, or one that dlopens it, gets one
# runtime, so one report per race (a copy in the library reported twice, or
# nothing once dlopened). Under --tsan the same shape reports once too.
# usage: shared_lib_test.sh PVCHECK WORKDIR
set -u
pvcheck=$1 work=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

cat >racy.c <<'C'
int hits;
void bump(void)
{
	hits++;
}
C
cat >main.c <<'C'
#include <pthread.h>
void bump(void);
static void *worker(void *arg)
{
	bump();
	return arg;
}
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, 0, worker, 0);
	pthread_create(&b, 0, worker, 0);
	pthread_join(a, 0);
	pthread_join(b, 0);
	return 0;
}
C
cat >dl.c <<'C'
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
static void (*bump)(void);
static void *worker(void *arg)
{
	bump();
	return arg;
}
int main(void)
{
	void *lib = dlopen("./libracy.so", RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	bump = (void (*)(void))dlsym(lib, "bump");
	pthread_t a, b;
	pthread_create(&a, 0, worker, 0);
	pthread_create(&b, 0, worker, 0);
	pthread_join(a, 0);
	pthread_join(b, 0);
	return 0;
}
C

"$pvcheck" cc -shared -fPIC -o libracy.so racy.c || fail "pvcheck cc -shared failed"
nm -D --defined-only libracy.so | grep -qE ' (__tsan_read4|pthread_create|pv_chan_send)$' &&
	fail "libracy.so carries a runtime of its own"
"$pvcheck" cc -o prog main.c -L. -lracy -Wl,-rpath,"$work" || fail "pvcheck cc of the program failed"
"$pvcheck" run --json prog.json -- ./prog 2>prog.err
[ $? -eq 66 ] || fail "pvcheck run did not exit 66"
n=$(grep -c '^WARNING: pvcheck: data race' prog.err)
[ "$n" = 1 ] || fail "$n race reports under pvcheck, not 1"
grep -q 'bump.*racy.c' prog.err || fail "the race is not placed in racy.c"
"$pvcheck" cc -o dl dl.c || fail "pvcheck cc of the dlopen program failed"
"$pvcheck" run -- ./dl 2>dl.err
n=$(grep -c '^WARNING: pvcheck: data race' dl.err)
[ "$n" = 1 ] || fail "$n race reports under pvcheck for the dlopened library, not 1: $(head -n1 dl.err)"

"$pvcheck" cc --tsan -shared -fPIC -o libracy.so racy.c || fail "pvcheck cc --tsan -shared failed"
"$pvcheck" cc --tsan -o prog.tsan main.c -L. -lracy -Wl,-rpath,"$work" ||
	fail "pvcheck cc --tsan of the program failed"
./prog.tsan 2>tsan.err
n=$(grep -c '^WARNING: ThreadSanitizer: data race' tsan.err)
[ "$n" = 1 ] || fail "$n race reports under ThreadSanitizer, not 1"

((fails == 0)) && echo "shared_lib_test: ok"
exit $((fails > 0))
