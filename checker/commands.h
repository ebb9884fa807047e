/* The subcommands; each returns the process exit status. */
#ifndef PVC_COMMANDS_H
#define PVC_COMMANDS_H

#define PVC_EXIT_FOUND 66     /* pvcheck run: the runtime reported something */
#define PVC_EXIT_USAGE 2

int pvc_cmd_cc(int argc, char **argv);
/* cc's work; cxx: 'pvcheck c++', every source C++ and the link clang++'s. */
int pvc_cmd_compile(int argc, char **argv, int cxx);
int pvc_cmd_run(int argc, char **argv);
int pvc_cmd_check(int argc, char **argv);
int pvc_cmd_list(int argc, char **argv);
int pvc_cmd_explain(int argc, char **argv);
int pvc_cmd_exercise(int argc, char **argv);

/* Each command's help text: its usage line first; main.c prints them all
 * for 'pvcheck --help', each command its own for 'pvcheck CMD --help'. */
extern const char pvc_check_help[], pvc_cc_help[], pvc_run_help[], pvc_list_help[],
	pvc_explain_help[], pvc_exercise_help[];

/* PVCHECK_OPTIONS for a run whose reports go to json_path: the user's
 * options first, ours last so that they win; suppressions (NULL: none) is
 * a suppressions file. */
char *pvc_runtime_options(const char *json_path, const char *suppressions);
/* TSAN_OPTIONS likewise. */
char *pvc_tsan_options(const char *suppressions);

#endif
