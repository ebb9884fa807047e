/* Busy forever without being blocked on anything the checker can see, so
 * no deadlock can be proven: only the timeout ends it. (A thread waiting
 * on a condition nobody can signal is a deadlock, which pvcheck reports.) */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	puts("working on something that never ends");
	fflush(stdout);
	for (;;)
		sleep(1);
}
