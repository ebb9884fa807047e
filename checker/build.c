#include <stdlib.h>
#include <string.h>
#include "build.h"
#include "paths.h"

#ifndef PV_CLANG
#define PV_CLANG "clang"
#endif
#ifndef PV_CLANGXX
#define PV_CLANGXX "clang++"
#endif
#ifndef PV_RUNTIME_LIB
#define PV_RUNTIME_LIB "libpvrt.a"
#endif
#ifndef PV_CHAN_LIB
#define PV_CHAN_LIB "libpvchan.a"
#endif
#ifndef PV_INCLUDE_DIR
#define PV_INCLUDE_DIR "include"
#endif
#ifndef PV_REL_LIBDIR
#define PV_REL_LIBDIR "../lib"
#endif
#ifndef PV_REL_INCLUDEDIR
#define PV_REL_INCLUDEDIR "../include"
#endif

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

/* The installed headers, when pvchan.h is among them. */
static const char *own_include(void)
{
	if (!pvc_own_file(PV_REL_INCLUDEDIR "/pvchan.h", NULL))
		return PV_INCLUDE_DIR;
	return pvc_own_file(PV_REL_INCLUDEDIR, PV_INCLUDE_DIR);
}

void pvc_toolchain_init(pvc_toolchain *t)
{
	t->cc = env_or("PVCHECK_CC", PV_CLANG);
	t->cxx = env_or("PVCHECK_CXX", PV_CLANGXX);
	t->link_cxx = 0;
	t->all_cxx = 0;
	t->runtime = env_or("PVCHECK_RUNTIME_LIB", pvc_own_file(PV_REL_LIBDIR "/libpvrt.a", PV_RUNTIME_LIB));
	t->include = env_or("PVCHECK_INCLUDE_DIR", own_include());
	t->chanlib = env_or("PVCHECK_CHAN_LIB", pvc_own_file(PV_REL_LIBDIR "/libpvchan.a", PV_CHAN_LIB));
}

static void add_all(pvc_list *l, char *const *v)
{
	for (; v && *v; v++)
		pvc_list_add(l, *v);
}

int pvc_is_cxx_source(const char *src)
{
	static const char *const exts[] = { "cc", "cpp", "cxx", "c++", "cp", "CPP", "C", "ii", NULL };
	const char *dot = strrchr(src, '.');
	for (int i = 0; dot && exts[i]; i++)
		if (!strcmp(dot + 1, exts[i]))
			return 1;
	return 0;
}

static int has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return 1;
	return 0;
}

void pvc_compile_argv(const pvc_toolchain *t, const char *src, const char *obj,
		      char *const *cflags, pvc_list *argv)
{
	static char *const base[] = {
		"-fsanitize=thread", "-g", "-O1", "-fno-omit-frame-pointer", NULL
	};
	pvc_list_add(argv, t->all_cxx || pvc_is_cxx_source(src) ? t->cxx : t->cc);
	add_all(argv, base);
	pvc_list_take(argv, pvc_printf("-I%s", t->include));
	add_all(argv, cflags);
	pvc_list_add(argv, "-c");
	pvc_list_add(argv, src);
	pvc_list_add(argv, "-o");
	pvc_list_add(argv, obj);
}

void pvc_link_argv(const pvc_toolchain *t, int tsan, char *const *objs, const char *out,
		   char *const *ldflags, pvc_list *argv)
{
	/* The whole archive: interceptors must win over libc even when unreferenced. */
	static char *const libs[] = {
		"-Wl,--no-whole-archive", "-lunwind", "-ldw", "-lelf", "-ldl", "-lpthread", "-lrt",
		/* Instrumented shared libraries, even dlopen'ed ones, use the
		 * executable's runtime. */
		"-Wl,--export-dynamic-symbol=__tsan_*",
		/* The dynamic annotations, which such libraries may call too. */
		"-Wl,--export-dynamic-symbol=Annotate*", "-Wl,--export-dynamic-symbol=WTFAnnotate*",
		"-Wl,--export-dynamic-symbol=RunningOnValgrind",
		"-Wl,--export-dynamic-symbol=ValgrindSlowdown",
		"-Wl,--export-dynamic-symbol=ThreadSanitizerQuery", NULL
	};
	int shared = has(ldflags, "-shared");
	pvc_list_add(argv, t->link_cxx ? t->cxx : t->cc);
	if (tsan)
		pvc_list_add(argv, "-fsanitize=thread");
	add_all(argv, objs);
	pvc_list_add(argv, "-o");
	pvc_list_add(argv, out);
	add_all(argv, ldflags);
	/* A shared library leaves both libraries to the executable that loads
	 * it: a second copy of the runtime would report everything twice. */
	if (shared)
		return;
	/* Channels (pvchan.h) for every program, under either runtime; an
	 * archive, so only programs that use them get them. */
	pvc_list_add(argv, t->chanlib);
	if (!tsan) {
		pvc_list_add(argv, "-Wl,--whole-archive");
		pvc_list_add(argv, t->runtime);
		add_all(argv, libs);
	}
}
