#!/bin/bash
# A shared library built with `pvcheck cc -shared` that calls the dynamic
# annotations finds them in the executable's runtime, as under
# ThreadSanitizer, even when the executable itself calls none and loads
# the library with dlopen: its benign race is not reported.
# usage: annotate_shared_test.sh PVCHECK WORKDIR
set -u
pvcheck=$1 work=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1

cat >flag.c <<'C'
#include <stddef.h>
void AnnotateBenignRaceSized(const char *file, int line, const volatile void *addr, size_t size,
			     const char *desc);
int flag;
void flag_init(void)
{
	AnnotateBenignRaceSized(__FILE__, __LINE__, &flag, sizeof flag, "set-once flag");
}
void flag_set(void)
{
	flag = 1;
}
C
cat >dl.c <<'C'
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
static void (*set)(void);
static void *worker(void *arg)
{
	set();
	return arg;
}
int main(void)
{
	void *lib = dlopen("./libflag.so", RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	((void (*)(void))dlsym(lib, "flag_init"))();
	set = (void (*)(void))dlsym(lib, "flag_set");
	pthread_t a, b;
	pthread_create(&a, 0, worker, 0);
	pthread_create(&b, 0, worker, 0);
	pthread_join(a, 0);
	pthread_join(b, 0);
	return 0;
}
C

for tsan in "" --tsan; do
	"$pvcheck" cc $tsan -shared -fPIC -o libflag.so flag.c || fail "pvcheck cc $tsan -shared failed"
	"$pvcheck" cc $tsan -o dl dl.c || fail "pvcheck cc $tsan of the program failed"
	if [ -z "$tsan" ]; then
		"$pvcheck" run -- ./dl 2>dl.err
	else
		./dl 2>dl.err
	fi
	r=$?
	[ $r -eq 0 ] || fail "${tsan:-pvcheck}: exit $r: $(head -n1 dl.err)"
	grep -q 'data race' dl.err && fail "${tsan:-pvcheck}: the benign race was reported"
done

((fails == 0)) && echo "annotate_shared_test: ok"
exit $((fails > 0))
