/*
 * FooBar alternately (LeetCode 1115): one thread prints "foo" n times,
 * another "bar" n times, and the output must be "foobar" n times.  Here both
 * print under one mutex.  That makes each print whole (no race on the
 * output) but says nothing about whose turn it is: a mutex gives mutual
 * exclusion, not order, and the thread that just unlocked usually takes the
 * lock again at once.
 *
 * usage: buggy [n]     (default 1000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n;
static char *out;		/* "foobar" n times, written in turn */
static int pos;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void print(const char *s)
{
	memcpy(out + pos, s, 3);
	pos += 3;
}

static void *foo(void *arg)
{
	(void)arg;
	for (int i = 0; i < n; i++) {
		pthread_mutex_lock(&lock);	/* the bug: exclusion, not alternation */
		print("foo");
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *bar(void *arg)
{
	(void)arg;
	for (int i = 0; i < n; i++) {
		pthread_mutex_lock(&lock);
		print("bar");
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	n = argc > 1 ? atoi(argv[1]) : 1000;
	if (n < 1 || n > 1000000) {
		fprintf(stderr, "usage: %s [n 1..1000000]\n", argv[0]);
		return 2;
	}
	out = calloc((size_t)n * 6 + 1, 1);
	if (!out) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	pthread_t t[2];
	pthread_create(&t[0], NULL, bar, NULL);	/* bar starts first: it must still wait */
	pthread_create(&t[1], NULL, foo, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);

	int bad = -1;
	for (int i = 0; i < n && bad < 0; i++)
		if (memcmp(out + 6 * i, "foobar", 6))
			bad = i;
	printf("n=%d: %s\n", n, bad < 0 ? "\"foobar\" every time" : "out of turn");
	if (bad >= 0)
		printf("pair %d is \"%.6s\", the output begins \"%.30s\"\n", bad, out + 6 * bad, out);
	free(out);
	return bad < 0 ? 0 : 1;
}
