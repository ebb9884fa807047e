/*
 * Scratch buffer, fixed with thread-local storage: the buffer is
 * _Thread_local, so every thread has its own copy of it, as it has its own
 * errno.  ip_to_str() keeps its signature; the pointer it returns is still
 * overwritten by the same thread's next call, but no other thread can touch it.
 *
 * usage: fixed_tls [threads] [conversions]     (default 4 50000)
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 16
#define IP_LEN 16		/* "255.255.255.255" and its NUL */

static char *put_octet(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* One buffer per thread: created for each thread, gone when it exits. */
static const char *ip_to_str(uint32_t ip)
{
	static _Thread_local char buf[IP_LEN];
	char *p = buf;

	for (int shift = 24; shift >= 0; shift -= 8) {
		p = put_octet(p, ip >> shift & 255);
		*p++ = shift ? '.' : '\0';
	}
	return buf;
}

/* Does s read back as ip? */
static int reads_as(const char *s, uint32_t ip)
{
	uint32_t got = 0;
	unsigned octet = 0;
	int dots = 0, k;

	for (k = 0; k < IP_LEN && s[k]; k++) {
		if (s[k] == '.') {
			got = got << 8 | (octet & 255);
			octet = 0;
			dots++;
		} else {
			octet = octet * 10 + (unsigned)(s[k] - '0');
		}
	}
	got = got << 8 | (octet & 255);
	return k < IP_LEN && dots == 3 && octet < 256 && got == ip;
}

struct result {			/* one per thread: no sharing */
	long garbled;
	const char *buffer;	/* where ip_to_str's answer lived */
	int *errno_at;		/* where this thread's errno lives */
	uint32_t asked;		/* the first garbled conversion */
	char seen[IP_LEN];
};

static long conversions;
static struct result results[MAX_THREADS];
static pthread_barrier_t start;	/* lets all threads begin together, so they overlap */

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	struct result *r = &results[id];

	pthread_barrier_wait(&start);
	for (long n = 0; n < conversions; n++) {
		uint32_t ip = 10u << 24 | (uint32_t)id << 16 | (uint32_t)(n & 0xffff);
		const char *s = ip_to_str(ip);	/* this thread's own buffer */

		r->buffer = s;
		if (!reads_as(s, ip) && r->garbled++ == 0) {
			r->asked = ip;
			for (int k = 0; k < IP_LEN; k++)
				r->seen[k] = s[k];
			r->seen[IP_LEN - 1] = '\0';
		}
	}
	r->errno_at = &errno;
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4;
	conversions = argc > 2 ? atol(argv[2]) : 50000;
	if (nthreads < 1 || nthreads > MAX_THREADS || conversions < 1) {
		fprintf(stderr, "usage: %s [threads 1..%d] [conversions]\n", argv[0], MAX_THREADS);
		return 2;
	}

	pthread_t tid[MAX_THREADS];
	pthread_barrier_init(&start, NULL, nthreads);
	for (int t = 0; t < nthreads; t++)
		pthread_create(&tid[t], NULL, worker, (void *)(intptr_t)t);
	for (int t = 0; t < nthreads; t++)
		pthread_join(tid[t], NULL);
	pthread_barrier_destroy(&start);

	long garbled = 0;
	printf("%d threads x %ld conversions, a _Thread_local buffer\n", nthreads, conversions);
	for (int t = 0; t < nthreads; t++) {
		struct result *r = &results[t];
		printf("thread %d: buffer at %p, errno at %p, %ld garbled", t,
		       (void *)r->buffer, (void *)r->errno_at, r->garbled);
		if (r->garbled)
			printf(", e.g. asked for 10.%u.%u.%u, read back \"%s\"",
			       r->asked >> 16 & 255, r->asked >> 8 & 255, r->asked & 255, r->seen);
		printf("\n");
		garbled += r->garbled;
	}
	if (garbled) {
		printf("%ld of %ld results belonged to another thread or were torn\n",
		       garbled, nthreads * conversions);
		return 1;
	}
	printf("no garbled result: each thread has its own buffer (and its own errno)\n");
	return 0;
}
