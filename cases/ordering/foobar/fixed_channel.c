/*
 * FooBar, fixed with two unbuffered channels: foo() prints and sends on
 * to_bar, then waits on to_foo; bar() receives on to_bar, prints and sends
 * on to_foo.  Each send happens before the receive that gets it, so the
 * prints are ordered and each sees the other's output.
 *
 * usage: fixed_channel [n]     (default 1000)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n;
static char *out;		/* "foobar" n times, written in turn */
static int pos;
static pv_chan *to_bar, *to_foo;	/* unbuffered: each hand-over is a meeting */

static void print(const char *s)
{
	memcpy(out + pos, s, 3);
	pos += 3;
}

static void *foo(void *arg)
{
	(void)arg;
	for (int i = 0; i < n; i++) {
		if (i)
			pv_chan_recv(to_foo, NULL);	/* bar printed the last "bar" */
		print("foo");
		pv_chan_send(to_bar, NULL);
	}
	return NULL;
}

static void *bar(void *arg)
{
	(void)arg;
	for (int i = 0; i < n; i++) {
		pv_chan_recv(to_bar, NULL);
		print("bar");
		if (i < n - 1)
			pv_chan_send(to_foo, NULL);
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
	to_bar = pv_chan_make(1, 0);
	to_foo = pv_chan_make(1, 0);
	if (!to_bar || !to_foo) {
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
	pv_chan_free(to_bar);
	pv_chan_free(to_foo);
	return bad < 0 ? 0 : 1;
}
