/*
 * FooBar, fixed with two semaphores: foo_turn starts at 1, bar_turn at 0.
 * foo() waits for its turn, prints and posts bar_turn; bar() waits for
 * that, prints and posts foo_turn.  Exactly one of the two counts is 1 at
 * any time: a baton passed back and forth.
 *
 * usage: fixed_semaphore [n]     (default 1000)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int n;
static char *out;		/* "foobar" n times, written in turn */
static int pos;
static sem_t foo_turn, bar_turn;

static void print(const char *s)
{
	memcpy(out + pos, s, 3);
	pos += 3;
}

static void *foo(void *arg)
{
	(void)arg;
	for (int i = 0; i < n; i++) {
		sem_wait(&foo_turn);
		print("foo");
		sem_post(&bar_turn);
	}
	return NULL;
}

static void *bar(void *arg)
{
	(void)arg;
	for (int i = 0; i < n; i++) {
		sem_wait(&bar_turn);
		print("bar");
		sem_post(&foo_turn);
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
	sem_init(&foo_turn, 0, 1);
	sem_init(&bar_turn, 0, 0);
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
	sem_destroy(&foo_turn);
	sem_destroy(&bar_turn);
	return bad < 0 ? 0 : 1;
}
