#include <pthread.h>
#include <stdio.h>

static int value;

static void *set(void *arg)
{
	value = 42;
	return arg;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, set, NULL);
	pthread_join(t, NULL);
	printf("value %d\n", value);
	return 0;
}
