/*
 * Scratch buffer, fixed by making the function reentrant: the caller passes
 * the buffer, as with inet_ntop(), asctime_r() and strtok_r().  The function
 * keeps no state of its own, so any number of threads (or a signal handler,
 * or a recursive call) can use it at once.
 *
 * usage: fixed_reentrant [threads] [conversions]     (default 4 50000)
 */
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

/* The caller owns buf, which has room for IP_LEN chars. */
static const char *ip_to_str_r(uint32_t ip, char *buf)
{
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

	char buf[IP_LEN];	/* on this thread's stack: nobody else's */

	pthread_barrier_wait(&start);
	for (long n = 0; n < conversions; n++) {
		uint32_t ip = 10u << 24 | (uint32_t)id << 16 | (uint32_t)(n & 0xffff);
		const char *s = ip_to_str_r(ip, buf);

		r->buffer = s;
		if (!reads_as(s, ip) && r->garbled++ == 0) {
			r->asked = ip;
			for (int k = 0; k < IP_LEN; k++)
				r->seen[k] = s[k];
			r->seen[IP_LEN - 1] = '\0';
		}
	}
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
	printf("%d threads x %ld conversions, each into the caller's own buffer\n", nthreads, conversions);
	for (int t = 0; t < nthreads; t++) {
		struct result *r = &results[t];
		printf("thread %d: buffer at %p, %ld garbled", t, (void *)r->buffer, r->garbled);
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
	printf("no garbled result: each caller passed its own buffer\n");
	return 0;
}
