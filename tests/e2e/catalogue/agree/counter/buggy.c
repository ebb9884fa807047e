#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long counter;
static long per_thread;

static void *add(void *arg)
{
	for (long i = 0; i < per_thread; i++)
		counter++;
	return arg;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2;
	per_thread = argc > 2 ? atol(argv[2]) : 1000;
	pthread_t t[16];
	for (int i = 0; i < n && i < 16; i++)
		pthread_create(&t[i], NULL, add, NULL);
	for (int i = 0; i < n && i < 16; i++)
		pthread_join(t[i], NULL);
	printf("expected %ld, got %ld\n", n * per_thread, counter);
	return counter == n * per_thread ? 0 : 1;
}
