/* pvcheck: build and run concurrent C programs under our runtime and under
 * ThreadSanitizer, and compare what each finds with what a case expects. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "util.h"

static const char help[] =
	"usage: pvcheck [options] [PATH...]        check every case under PATH (default: cases/)\n"
	"       pvcheck cc [--tsan] [-c] -o OUT SRC... [cc flags]\n"
	"       pvcheck run [--json FILE] [--timeout SEC] -- PROG [ARGS]\n"
	"       pvcheck list [--json] [PATH...]        the catalogue by topic\n"
	"       pvcheck explain CASE                   a case's question and lesson\n"
	"       pvcheck exercise CASE [DIR]            the buggy program, to fix yourself\n"
	"\n"
	"Checking cases (directories with a case.ini, see cases/README.md):\n"
	"  -j, --jobs N      run N variants at a time (default: the number of CPUs)\n"
	"  --json FILE       write every variant, both verdicts and all findings as JSON\n"
	"  --junit FILE      write JUnit XML (a testsuite per case, a testcase per variant)\n"
	"  --sarif FILE      write SARIF 2.1.0 (one run per checker)\n"
	"  --keep DIR        build and run in DIR and keep it (default: a temporary directory)\n"
	"  -v, --verbose     show commands and progress\n"
	"  Exit status: 0 when every pvcheck verdict agrees with its expectation, 1 when\n"
	"  one does not (a bad case.ini counts), 2 on usage errors.\n"
	"\n"
	"pvcheck cc compiles with clang -fsanitize=thread and links with pvcheck's runtime\n"
	"(--tsan: with LLVM's ThreadSanitizer runtime); -l, -L, -Wl, flags go to the link,\n"
	"the others to the compile. Exit status: clang's.\n"
	"\n"
	"pvcheck run runs such a program; the runtime prints its reports on stderr.\n"
	"  --json FILE       also write {\"findings\":[...]} to FILE\n"
	"  --timeout SEC     kill the program (and its children) after SEC seconds\n"
	"  Exit status: 66 when something was reported, else the program's own\n"
	"  (128+N when killed by signal N, 124 on timeout).\n"
	"\n"
	"Learning. CASE is a case id (lost-update/counter), a name no other case has\n"
	"(counter), or a case directory. The catalogue: --cases DIR, else $PVCHECK_CASES,\n"
	"else ./cases, else the cases/ of pvcheck's source tree.\n"
	"  list [--json]     every topic's cases: id, title, each variant's expected\n"
	"                    verdicts (with PATH...: the cases under PATH). Exit status 1\n"
	"                    when a case.ini is unusable (listed with its file:line).\n"
	"  explain CASE      the title, the question, then the lesson (README.md)\n"
	"  exercise CASE [DIR]\n"
	"                    copy the buggy program into DIR (default ./NAME) with a\n"
	"                    case.ini that expects it clean, a Makefile (make, make run,\n"
	"                    make check) and a README. Fix it; 'pvcheck DIR' then says what\n"
	"                    each checker still finds where, with the case's hint, and\n"
	"                    exits 0 only when both checkers and the program's check pass.\n"
	"\n"
	"Environment: PVCHECK_CC, PVCHECK_RUNTIME_LIB, PVCHECK_INCLUDE_DIR override the\n"
	"clang, libpvrt.a and include directory found at build time; PVCHECK_OPTIONS and\n"
	"TSAN_OPTIONS are passed on to the runtimes. PVCHECK_CHAN_LIB: libpvchan.a (channels).\n";

int pvc_usage(const char *cmd, const char *msg)
{
	fprintf(stderr, "pvcheck%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", msg);
	fprintf(stderr, "Try 'pvcheck --help'.\n");
	return PVC_EXIT_USAGE;
}

/* A first word that is neither a command nor a path nor an option. */
static int unknown_command(const char *word)
{
	fprintf(stderr, "pvcheck: '%s' is neither a command nor an existing path\n"
		"commands: cc, run, list, explain, exercise; or give directories of cases to check. "
		"Try 'pvcheck --help'.\n", word);
	return PVC_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "help"))) {
		fputs(help, stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "cc"))
		return pvc_cmd_cc(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "run"))
		return pvc_cmd_run(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "list"))
		return pvc_cmd_list(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "explain"))
		return pvc_cmd_explain(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "exercise"))
		return pvc_cmd_exercise(argc - 2, argv + 2);
	if (argc > 1 && argv[1][0] != '-' && !strchr(argv[1], '/') && !pvc_exists(argv[1]))
		return unknown_command(argv[1]);
	return pvc_cmd_check(argc - 1, argv + 1);
}
