#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;

int main(void)
{
	puts("waiting for a signal that never comes");
	fflush(stdout);
	pthread_mutex_lock(&m);
	for (;;)
		pthread_cond_wait(&c, &m);
}
