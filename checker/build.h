/* The compile and link commands: one instrumented compile, a link with our
 * runtime (libpvrt) and one with LLVM's (-fsanitize=thread). */
#ifndef PVC_BUILD_H
#define PVC_BUILD_H

#include "util.h"

typedef struct {
	const char *cc;         /* clang; env PVCHECK_CC */
	const char *cxx;        /* clang++, for C++ sources and links; env PVCHECK_CXX */
	int link_cxx;           /* link with cxx (libstdc++): some object is C++ */
	int all_cxx;            /* compile every source with cxx ('pvcheck c++') */
	const char *runtime;    /* libpvrt.a; env PVCHECK_RUNTIME_LIB */
	const char *include;    /* pvcheck's headers; env PVCHECK_INCLUDE_DIR */
	const char *chanlib;    /* libpvchan.a, linked under both runtimes; env PVCHECK_CHAN_LIB */
} pvc_toolchain;

void pvc_toolchain_init(pvc_toolchain *t);

/* Whether src is C++ by its name (.cc .cpp .cxx .C ...). */
int pvc_is_cxx_source(const char *src);

/* clang -fsanitize=thread -g -O1 ... -c src -o obj (clang++ for C++) */
void pvc_compile_argv(const pvc_toolchain *t, const char *src, const char *obj,
		      char *const *cflags, pvc_list *argv);
/* The link of objs into out with libpvrt, or with LLVM's runtime when tsan.
 * A -shared library gets neither: the runtime belongs to the executable. */
void pvc_link_argv(const pvc_toolchain *t, int tsan, char *const *objs, const char *out,
		   char *const *ldflags, pvc_list *argv);

#endif
