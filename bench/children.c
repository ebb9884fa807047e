/* A forking server's life: N short-lived children (default 70000), each
 * exiting at once, each waited for. Under pvcheck every child takes a
 * thread slot of the session and a clock for its exit; both must be given
 * back, or the 65535th child aborts the program.
 *
 *   children [N]      prints "phase children SECONDS" and "maxrss_kib KIB" */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 70000;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0)
			_exit(0);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "child %d: bad status\n", i);
			return 3;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("phase children %.6f\n", (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
	printf("maxrss_kib %ld\n", ru.ru_maxrss);
	return 0;
}
