/* pvcheck: build and run concurrent C programs under our runtime and under
 * ThreadSanitizer, and compare what each finds with what a case expects. */
#include <stdio.h>
#include <string.h>
#include "catalog.h"
#include "commands.h"
#include "paths.h"
#include "util.h"

static const char env_help[] =
	"Environment: PVCHECK_CC, PVCHECK_RUNTIME_LIB, PVCHECK_INCLUDE_DIR override the\n"
	"clang, libpvrt.a and include directory found at build time; PVCHECK_OPTIONS and\n"
	"TSAN_OPTIONS are passed on to the runtimes (pvcheck's reads the TSAN_OPTIONS keys\n"
	"suppressions, exitcode, halt_on_error, report_thread_leaks, detect_deadlocks and\n"
	"atexit_sleep_ms; PVCHECK_OPTIONS wins). PVCHECK_CHAN_LIB: libpvchan.a (channels).\n";

/* Every command's own help, then what they share. */
static void help(void)
{
	const char *const texts[] = { pvc_check_help, pvc_cc_help, pvc_run_help, pvc_list_help,
				      pvc_explain_help, pvc_exercise_help };
	fputs("usage:\n  pvcheck --version\n", stdout);
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		printf("  %.*s\n", (int)strcspn(texts[i], "\n"), texts[i]);
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		printf("\n%s", texts[i]);
	printf("\nFor list, explain and exercise:\n%s\n%s", PVC_CATALOG_HELP, env_help);
}

/* A first word that is neither a command nor a path nor an option. */
static int unknown_command(const char *word)
{
	fprintf(stderr, "pvcheck: '%s' is neither a command nor an existing path\n"
		"commands: cc, c++, run, list, explain, exercise; or give directories of cases to check. "
		"Try 'pvcheck --help'.\n", word);
	return PVC_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("pvcheck %s\n", PVC_VERSION);
		return 0;
	}
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "help"))) {
		help();
		return 0;
	}
	/* Installed as pvcheck-cc and pvcheck-c++ too: a compiler for CC=. */
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (!strcmp(self, "pvcheck-cc"))
		return pvc_cmd_cc(argc - 1, argv + 1);
	if (!strcmp(self, "pvcheck-c++"))
		return pvc_cmd_compile(argc - 1, argv + 1, 1);
	if (argc > 1 && !strcmp(argv[1], "cc"))
		return pvc_cmd_cc(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "c++"))
		return pvc_cmd_compile(argc - 2, argv + 2, 1);
	if (argc > 1 && !strcmp(argv[1], "run"))
		return pvc_cmd_run(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "list"))
		return pvc_cmd_list(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "explain"))
		return pvc_cmd_explain(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "exercise"))
		return pvc_cmd_exercise(argc - 1, argv + 1);
	if (argc > 1 && argv[1][0] != '-' && !strchr(argv[1], '/') && !pvc_exists(argv[1]))
		return unknown_command(argv[1]);
	return pvc_cmd_check(argc, argv);
}
