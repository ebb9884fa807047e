/*
 * pzip: a block-parallel gzip compressor over zlib, the way a parallel gzip
 * works, for timing a race checker on real code (zlib is built from source
 * with the same instrumentation as this file).
 *
 * The reader (main thread) cuts the input into blocks and queues them; N
 * workers each take a block, deflate it as raw deflate primed with the last
 * 32 KiB of the block before (so the ratio is close to a serial gzip's),
 * end it on a byte boundary with Z_SYNC_FLUSH (Z_FINISH for the last one)
 * and compute its CRC; a writer thread appends the blocks in input order
 * behind a gzip header and combines their CRCs for the trailer.  At most
 * 2 * N blocks are in flight.  Then the whole stream is inflated back
 * (serially, as gunzip does) and compared with the input.
 *
 * usage: pzip [-t THREADS] [-b BLOCK_KIB] [-l LEVEL] [-s MIB | -i FILE]
 *             [-o OUT.gz]
 *
 * Without -i the input is MIB MiB of generated text (deterministic).
 * Prints "phase compress SECONDS", "phase verify SECONDS", the sizes, and
 * exits 1 if the round trip fails.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "zlib.h"

#define DICT (32 * 1024)		/* deflate's window */

struct block {
	size_t seq;
	const unsigned char *in;
	size_t len;
	int last;
	unsigned char *out;		/* the worker's deflate output */
	size_t outlen;
	unsigned long crc;
	struct block *next;		/* the queue's, then the done list's */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a block queued, or the end */
	pthread_cond_t done;		/* a block compressed */
	pthread_cond_t room;		/* a block written: fewer in flight */
	struct block *head, *tail;	/* queued, not yet taken */
	struct block *finished;		/* compressed, not yet written, any order */
	int in_flight;			/* queued + being compressed + unwritten */
	int end;			/* no more blocks will be queued */
} q = {
	PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
	NULL, NULL, NULL, 0, 0
};

static int level = 6;
static const unsigned char *input;	/* written before the workers start */
static size_t input_len;
static unsigned char *output;		/* the writer's */
static size_t output_len, output_cap;
static size_t nblocks;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "pzip: %s\n", what);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

/* --- input ----------------------------------------------------------- */

/* Text of words drawn with a skew, numbers and line breaks: it compresses
 * about as well as prose or source code (3x-4x at level 6). */
static unsigned char *generate(size_t len)
{
	static const char *const words[] = {
		"the", "of", "and", "a", "to", "in", "is", "thread", "mutex", "lock",
		"wait", "signal", "block", "deflate", "window", "match", "length",
		"distance", "literal", "tree", "huffman", "code", "stream", "buffer",
		"compress", "memory", "shadow", "clock", "epoch", "race", "report",
		"stack", "frame", "parallel", "queue", "worker", "writer", "reader",
	};
	const size_t nwords = sizeof words / sizeof *words;
	unsigned char *p = xmalloc(len);
	uint64_t x = 0x9e3779b97f4a7c15u;
	size_t i = 0, col = 0;
	while (i < len) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		unsigned r = (unsigned)(x >> 33);
		char tmp[24];
		int n;
		if (r % 11 == 0)
			n = snprintf(tmp, sizeof tmp, "%u", r % 100000);
		else {
			/* square of a uniform value: small indexes are common */
			size_t k = (size_t)((uint64_t)(r % 1024) * (r % 1024) * nwords >> 20);
			n = snprintf(tmp, sizeof tmp, "%s", words[k]);
		}
		col += n + 1;
		tmp[n++] = col > 72 ? '\n' : ' ';
		if (col > 72)
			col = 0;
		for (int j = 0; j < n && i < len; j++)
			p[i++] = (unsigned char)tmp[j];
	}
	return p;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "pzip: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	size_t cap = 1 << 20, n = 0;
	unsigned char *p = xmalloc(cap);
	size_t got;
	while ((got = fread(p + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			p = realloc(p, cap);
			if (!p)
				die("out of memory");
		}
	}
	fclose(f);
	*len = n;
	return p;
}

/* --- workers ------------------------------------------------------------ */

static void deflate_block(z_stream *s, struct block *b)
{
	if (deflateReset(s) != Z_OK)
		die("deflateReset failed");
	if (b->in > input) {
		size_t dict = b->in - input < DICT ? (size_t)(b->in - input) : DICT;
		if (deflateSetDictionary(s, b->in - dict, (uInt)dict) != Z_OK)
			die("deflateSetDictionary failed");
	}
	size_t cap = deflateBound(s, b->len) + 64;
	b->out = xmalloc(cap);
	s->next_in = (unsigned char *)b->in;
	s->avail_in = (uInt)b->len;
	int flush = b->last ? Z_FINISH : Z_SYNC_FLUSH;
	for (;;) {
		s->next_out = b->out + b->outlen;
		s->avail_out = (uInt)(cap - b->outlen);
		int rc = deflate(s, flush);
		b->outlen = cap - s->avail_out;
		if (rc == Z_STREAM_ERROR)
			die("deflate failed");
		if (s->avail_out != 0 && s->avail_in == 0)
			break;		/* all input taken and all output given */
		cap *= 2;
		b->out = realloc(b->out, cap);
		if (!b->out)
			die("out of memory");
	}
	b->crc = crc32(0, b->in, (uInt)b->len);
}

static void *worker(void *arg)
{
	(void)arg;
	z_stream s;
	memset(&s, 0, sizeof s);
	if (deflateInit2(&s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2 failed");
	for (;;) {
		pthread_mutex_lock(&q.lock);
		while (!q.head && !q.end)
			pthread_cond_wait(&q.work, &q.lock);
		struct block *b = q.head;
		if (b) {
			q.head = b->next;
			if (!q.head)
				q.tail = NULL;
		}
		pthread_mutex_unlock(&q.lock);
		if (!b)
			break;
		deflate_block(&s, b);
		pthread_mutex_lock(&q.lock);
		b->next = q.finished;
		q.finished = b;
		pthread_cond_broadcast(&q.done);
		pthread_mutex_unlock(&q.lock);
	}
	deflateEnd(&s);
	return NULL;
}

/* --- writer --------------------------------------------------------------- */

static void put(const void *p, size_t n)
{
	if (output_len + n > output_cap) {
		while (output_len + n > output_cap)
			output_cap = output_cap ? 2 * output_cap : 1 << 16;
		output = realloc(output, output_cap);
		if (!output)
			die("out of memory");
	}
	memcpy(output + output_len, p, n);
	output_len += n;
}

static void put_le32(unsigned long v)
{
	unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff };
	put(b, 4);
}

/* Take block seq off the done list once a worker has put it there. */
static struct block *take_done(size_t seq)
{
	pthread_mutex_lock(&q.lock);
	for (;;) {
		for (struct block **pp = &q.finished; *pp; pp = &(*pp)->next)
			if ((*pp)->seq == seq) {
				struct block *b = *pp;
				*pp = b->next;
				pthread_mutex_unlock(&q.lock);
				return b;
			}
		pthread_cond_wait(&q.done, &q.lock);
	}
}

static void *writer(void *arg)
{
	(void)arg;
	static const unsigned char header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	put(header, sizeof header);
	unsigned long crc = crc32(0, NULL, 0);
	for (size_t seq = 0; seq < nblocks; seq++) {
		struct block *b = take_done(seq);
		put(b->out, b->outlen);
		crc = crc32_combine(crc, b->crc, (z_off_t)b->len);
		free(b->out);
		free(b);
		pthread_mutex_lock(&q.lock);
		q.in_flight--;
		pthread_cond_signal(&q.room);
		pthread_mutex_unlock(&q.lock);
	}
	put_le32(crc);
	put_le32((unsigned long)(input_len & 0xffffffffu));
	return NULL;
}

/* --- the run -------------------------------------------------------------- */

static void compress_all(int nthreads, size_t block)
{
	nblocks = input_len ? (input_len + block - 1) / block : 1;
	pthread_t tid[nthreads], wtid;
	for (int t = 0; t < nthreads; t++)
		if (pthread_create(&tid[t], NULL, worker, NULL))
			die("cannot create a worker");
	if (pthread_create(&wtid, NULL, writer, NULL))
		die("cannot create the writer");
	for (size_t seq = 0; seq < nblocks; seq++) {
		struct block *b = xmalloc(sizeof *b);
		memset(b, 0, sizeof *b);
		b->seq = seq;
		b->in = input + seq * block;
		b->len = seq + 1 < nblocks ? block : input_len - seq * block;
		b->last = seq + 1 == nblocks;
		pthread_mutex_lock(&q.lock);
		while (q.in_flight >= 2 * nthreads)
			pthread_cond_wait(&q.room, &q.lock);
		q.in_flight++;
		if (q.tail)
			q.tail->next = b;
		else
			q.head = b;
		q.tail = b;
		pthread_cond_signal(&q.work);
		pthread_mutex_unlock(&q.lock);
	}
	pthread_mutex_lock(&q.lock);
	q.end = 1;
	pthread_cond_broadcast(&q.work);
	pthread_mutex_unlock(&q.lock);
	for (int t = 0; t < nthreads; t++)
		pthread_join(tid[t], NULL);
	pthread_join(wtid, NULL);
}

/* Inflate the gzip stream back (checking its CRC and length) and compare. */
static int verify(void)
{
	unsigned char *back = xmalloc(input_len + 1);
	z_stream s;
	memset(&s, 0, sizeof s);
	if (inflateInit2(&s, 15 + 16) != Z_OK)
		die("inflateInit2 failed");
	s.next_in = output;
	s.avail_in = (uInt)output_len;
	s.next_out = back;
	s.avail_out = (uInt)input_len + 1;
	int rc = inflate(&s, Z_FINISH);
	int ok = rc == Z_STREAM_END && s.total_out == input_len && s.avail_in == 0 &&
		 memcmp(back, input, input_len) == 0;
	if (!ok)
		fprintf(stderr, "pzip: round trip failed: inflate %d (%s), %lu of %zu bytes\n",
			rc, s.msg ? s.msg : "no message", s.total_out, input_len);
	inflateEnd(&s);
	free(back);
	return ok;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-t THREADS] [-b BLOCK_KIB] [-l LEVEL] [-s MIB | -i FILE] "
		"[-o OUT.gz]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	int nthreads = 2, opt;
	size_t block_kib = 128, mib = 8;
	const char *in_path = NULL, *out_path = NULL;
	while ((opt = getopt(argc, argv, "t:b:l:s:i:o:")) != -1) {
		switch (opt) {
		case 't': nthreads = atoi(optarg); break;
		case 'b': block_kib = strtoul(optarg, NULL, 10); break;
		case 'l': level = atoi(optarg); break;
		case 's': mib = strtoul(optarg, NULL, 10); break;
		case 'i': in_path = optarg; break;
		case 'o': out_path = optarg; break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc || nthreads < 1 || nthreads > 256 || block_kib < 1 ||
	    level < 0 || level > 9)
		usage(argv[0]);
	if (in_path)
		input = read_file(in_path, &input_len);
	else {
		input_len = mib << 20;
		input = generate(input_len);
	}
	if (input_len > 0xffffffffu)
		die("input larger than 4 GiB");

	double t0 = now();
	compress_all(nthreads, block_kib << 10);
	double t1 = now();
	int ok = verify();
	double t2 = now();
	printf("phase compress %.6f\n", t1 - t0);
	printf("phase verify %.6f\n", t2 - t1);
	printf("bytes in %zu out %zu blocks %zu threads %d\n", input_len, output_len,
	       nblocks, nthreads);
	if (out_path) {
		FILE *f = fopen(out_path, "wb");
		if (!f || fwrite(output, 1, output_len, f) != output_len || fclose(f)) {
			fprintf(stderr, "pzip: cannot write %s\n", out_path);
			ok = 0;
		}
	}
	if (!ok)
		printf("FAILED: round trip\n");
	return ok ? 0 : 1;
}
