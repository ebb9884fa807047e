/* pvcheck cc [--tsan] [-c] -o OUT SRC... [flags]: compile a user's program
 * for pvcheck, sorting the flags between the compile and the link. C++
 * sources (by name, or after -x c++) are compiled and linked with clang++. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "build.h"
#include "commands.h"
#include "proc.h"

const char pvc_cc_help[] =
	"pvcheck cc [--tsan] [-c] -o OUT SRC... [cc flags]\n"
	"  Compile with clang -fsanitize=thread and link with pvcheck's runtime\n"
	"  (--tsan: with LLVM's ThreadSanitizer runtime); -l, -L, -Wl, flags go to\n"
	"  the link, the others to the compile. Exit status: clang's.\n"
	"pvcheck c++ [--tsan] [-c] -o OUT SRC... [c++ flags]\n"
	"  The same with every source compiled as C++ and the link clang++'s, for\n"
	"  CXX= (also as the pvcheck-c++ link; pvcheck-cc is 'pvcheck cc', for CC= or\n"
	"  -DCMAKE_C_COMPILER=).\n"
	"  --print-compile-flags, --print-link-flags [--tsan]: the flags, one a line,\n"
	"  that pvcheck adds (for build systems; find_package(pvcheck) uses them).\n";

static int usage(const char *msg)
{
	return pvc_usage_error("cc", pvc_cc_help, msg);
}

typedef struct {
	int tsan, compile_only, verbose;
	int print;      /* 1: the compile flags, 2: the link flags */
	int cxx; /* some source is C++: link with clang++ */
	const char *out;
	pvc_list sources, inputs, cflags, ldflags;
} cc_args;

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

static int is_source(const char *s)
{
	return ends_with(s, ".c") || ends_with(s, ".i") || ends_with(s, ".s") || ends_with(s, ".S") ||
	       pvc_is_cxx_source(s);
}

/* The language a -x flag names: 1 for C++, 0 for anything else. */
static int x_is_cxx(const char *lang)
{
	return !strcmp(lang, "c++") || !strcmp(lang, "c++-header");
}

static int is_link_flag(const char *s)
{
	static const char *const exact[] = { "-static", "-pie", "-no-pie", "-rdynamic", "-shared", NULL };
	if (!strncmp(s, "-l", 2) || !strncmp(s, "-L", 2) || !strncmp(s, "-Wl,", 4))
		return 1;
	for (int i = 0; exact[i]; i++)
		if (!strcmp(s, exact[i]))
			return 1;
	return 0;
}

/* Compile flags whose value is the next argument. */
static int takes_value(const char *s)
{
	static const char *const flags[] = {
		"-I", "-D", "-U", "-include", "-isystem", "-iquote", "-idirafter",
		"-x", "-MF", "-MT", "-MQ", NULL
	};
	for (int i = 0; flags[i]; i++)
		if (!strcmp(s, flags[i]))
			return 1;
	return 0;
}

static int parse(int argc, char **argv, cc_args *a)
{
	int x_cxx = 0; /* under -x c++ */
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "-x") && i + 1 < argc)
			x_cxx = x_is_cxx(argv[i + 1]);
		else if (!strncmp(s, "-x", 2) && s[2])
			x_cxx = x_is_cxx(s + 2);
		if (!strcmp(s, "--tsan"))
			a->tsan = 1;
		else if (!strcmp(s, "--print-compile-flags"))
			a->print = 1;
		else if (!strcmp(s, "--print-link-flags"))
			a->print = 2;
		else if (!strcmp(s, "--verbose"))
			a->verbose = 1;
		else if (!strcmp(s, "-c"))
			a->compile_only = 1;
		else if (!strcmp(s, "-o")) {
			if (++i == argc)
				return usage("-o needs a file name");
			a->out = argv[i];
		} else if (!strncmp(s, "-o", 2))
			a->out = s + 2;
		else if (!strcmp(s, "-l") || !strcmp(s, "-L")) {
			if (++i == argc)
				return usage("-l and -L need a value");
			pvc_list_take(&a->ldflags, pvc_printf("%s%s", s, argv[i]));
		} else if (!strcmp(s, "-pthread")) {
			pvc_list_add(&a->cflags, s);
			pvc_list_add(&a->ldflags, s);
		} else if (is_link_flag(s))
			pvc_list_add(&a->ldflags, s);
		else if (takes_value(s)) {
			if (++i == argc)
				return usage("a flag lacks its value");
			pvc_list_add(&a->cflags, s);
			pvc_list_add(&a->cflags, argv[i]);
		} else if (s[0] == '-')
			pvc_list_add(&a->cflags, s);
		else if (is_source(s)) {
			pvc_list_add(&a->sources, s);
			a->cxx |= x_cxx || pvc_is_cxx_source(s);
		}
		else
			pvc_list_add(&a->inputs, s);
	}
	if (!a->sources.n && !a->inputs.n && !a->print)
		return usage("no source files");
	if (a->compile_only && a->out && a->sources.n > 1)
		return usage("-c with -o takes one source file");
	return 0;
}

static int run_tool(pvc_list *argv, int verbose)
{
	if (verbose) {
		for (size_t i = 0; i < argv->n; i++)
			fprintf(stderr, "%s%s", i ? " " : "", argv->v[i]);
		fputc('\n', stderr);
	}
	pvc_proc_spec spec = { .argv = argv->v };
	pvc_proc_result res;
	if (pvc_proc_run(&spec, &res)) {
		fprintf(stderr, "pvcheck: cannot run %s: %s\n", argv->v[0], strerror(errno));
		return 1;
	}
	return pvc_proc_exit_code(res.status);
}

static char *object_name(const char *src)
{
	char *o = pvc_strdup(pvc_basename(src));
	char *dot = strrchr(o, '.');
	if (dot)
		*dot = 0;
	char *name = pvc_printf("%s.o", o);
	free(o);
	return name;
}

static int compile_all(const pvc_toolchain *t, cc_args *a, const char *dir, pvc_list *objs)
{
	for (size_t i = 0; i < a->sources.n; i++) {
		char *obj;
		if (a->compile_only)
			obj = a->out ? pvc_strdup(a->out) : object_name(a->sources.v[i]);
		else {
			char *base = object_name(a->sources.v[i]);
			obj = pvc_printf("%s/%zu-%s", dir, i, base);
			free(base);
		}
		pvc_list argv = {0};
		pvc_compile_argv(t, a->sources.v[i], obj, a->cflags.v, &argv);
		int rc = run_tool(&argv, a->verbose);
		pvc_list_free(&argv);
		pvc_list_take(objs, obj);
		if (rc)
			return rc;
	}
	return 0;
}

/* What pvcheck adds to a compile or a link, as a build system needs it. */
static int print_flags(const pvc_toolchain *t, const cc_args *a)
{
	pvc_list argv = {0};
	char *none[] = { NULL };
	if (a->print == 1)
		pvc_compile_argv(t, "-", "-", NULL, &argv);
	else
		pvc_link_argv(t, a->tsan, none, "-", NULL, &argv);
	/* All but the compiler, -c, -o and the "-" files. */
	for (size_t i = 1; i < argv.n; i++)
		if (strcmp(argv.v[i], "-") && strcmp(argv.v[i], "-o") && strcmp(argv.v[i], "-c"))
			puts(argv.v[i]);
	pvc_list_free(&argv);
	return 0;
}

int pvc_cmd_cc(int argc, char **argv)
{
	return pvc_cmd_compile(argc, argv, 0);
}

int pvc_cmd_compile(int argc, char **argv, int cxx)
{
	cc_args a = { .cxx = cxx };
	if (argc == 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		fputs(pvc_cc_help, stdout);
		return 0;
	}
	if (parse(argc, argv, &a))
		return 2;
	pvc_toolchain t;
	pvc_toolchain_init(&t);
	t.link_cxx = a.cxx;
	t.all_cxx = cxx;
	if (a.print)
		return print_flags(&t, &a);
	if (!a.compile_only && !a.tsan && !pvc_exists(t.runtime)) {
		fprintf(stderr, "pvcheck: runtime library %s not found (build the pvrt target, "
			"or set PVCHECK_RUNTIME_LIB)\n", t.runtime);
		return 1;
	}
	char tmpl[] = "/tmp/pvcheck-cc-XXXXXX";
	const char *tmpdir = getenv("TMPDIR");
	char *dir = tmpdir && *tmpdir ? pvc_printf("%s/pvcheck-cc-XXXXXX", tmpdir) : pvc_strdup(tmpl);
	if (!a.compile_only && !mkdtemp(dir)) {
		fprintf(stderr, "pvcheck: cannot make a temporary directory: %s\n", strerror(errno));
		free(dir);
		return 1;
	}
	pvc_list objs = {0};
	int rc = compile_all(&t, &a, dir, &objs);
	if (!rc && !a.compile_only) {
		for (size_t i = 0; i < a.inputs.n; i++)
			pvc_list_add(&objs, a.inputs.v[i]);
		pvc_list link = {0};
		pvc_link_argv(&t, a.tsan, objs.v, a.out ? a.out : "a.out", a.ldflags.v, &link);
		rc = run_tool(&link, a.verbose);
		pvc_list_free(&link);
	}
	if (!a.compile_only)
		pvc_rmtree(dir);
	free(dir);
	pvc_list_free(&objs);
	pvc_list_free(&a.sources);
	pvc_list_free(&a.inputs);
	pvc_list_free(&a.cflags);
	pvc_list_free(&a.ldflags);
	return rc;
}
