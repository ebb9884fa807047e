/*
 * Writer starvation, fixed with glibc's rwlock told to prefer writers:
 * PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP makes a new reader wait when
 * a writer is waiting (so a thread must not take the read lock twice: it
 * could wait for a writer that waits for it).  glibc's default,
 * PTHREAD_RWLOCK_PREFER_READER_NP, starves writers just like the
 * lightswitch does: see glibc_default.c.
 *
 * usage: fixed_rwlock [readers] [rounds]     (default 3 100)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_READERS 8

static pthread_rwlock_t rw;

static void read_lock(pthread_rwlock_t *l)
{
	pthread_rwlock_rdlock(l);
}

static void read_unlock(pthread_rwlock_t *l)
{
	pthread_rwlock_unlock(l);
}

static void write_lock(pthread_rwlock_t *l)
{
	pthread_rwlock_wrlock(l);
}

static void write_unlock(pthread_rwlock_t *l)
{
	pthread_rwlock_unlock(l);
}

static void init_lock(pthread_rwlock_t *l)
{
	pthread_rwlockattr_t a;
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(l, &a);
	pthread_rwlockattr_destroy(&a);
}

/* The measuring instrument and the pacing: plain atomics, no lock. */
static atomic_int inside, entries, readers_done;
static int value;			/* the shared data: read by readers, written by the writer */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int nreaders;

static void until_another_reader_inside(void)
{
	for (double end = now_ms() + 20; atomic_load(&inside) < 2 && now_ms() < end &&
					 atomic_load(&readers_done) < nreaders - 1;)
		usleep(50);
}

static int rounds;

static void *reader(void *arg)
{
	long seen = 0;

	(void)arg;
	for (int r = 0; r < rounds; r++) {
		read_lock(&rw);
		atomic_fetch_add(&entries, 1);
		atomic_fetch_add(&inside, 1);
		seen += value;
		usleep(100);			/* reading */
		until_another_reader_inside();
		atomic_fetch_sub(&inside, 1);
		read_unlock(&rw);
	}
	atomic_fetch_add(&readers_done, 1);
	return (void *)seen;
}

static int passed;			/* reader entries after the writer asked */
static int readers_left;		/* readers still working when the writer got in */

static void *writer(void *arg)
{
	(void)arg;
	while (atomic_load(&entries) < 3)	/* ask once the readers are at it */
		usleep(100);
	int asked = atomic_load(&entries);
	write_lock(&rw);
	passed = atomic_load(&entries) - asked;
	readers_left = *(int *)arg - atomic_load(&readers_done);
	value++;
	write_unlock(&rw);
	return NULL;
}

int main(int argc, char **argv)
{
	nreaders = argc > 1 ? atoi(argv[1]) : 3;
	rounds = argc > 2 ? atoi(argv[2]) : 100;
	if (nreaders < 2 || nreaders > MAX_READERS || rounds < 10) {
		fprintf(stderr, "usage: %s [readers 2..%d] [rounds >= 10]\n", argv[0], MAX_READERS);
		return 2;
	}
	init_lock(&rw);
	pthread_t r[MAX_READERS], w;
	for (int i = 0; i < nreaders; i++)
		pthread_create(&r[i], NULL, reader, NULL);
	pthread_create(&w, NULL, writer, &nreaders);
	for (int i = 0; i < nreaders; i++)
		pthread_join(r[i], NULL);
	pthread_join(w, NULL);

	printf("%d readers x %d rounds; the writer asked after 3 reader entries\n", nreaders, rounds);
	printf("reader entries that went in while the writer waited: %d\n", passed);
	printf("readers still working when the writer got in: %d of %d\n", readers_left, nreaders);
	if (passed > 2 * nreaders) {
		printf("writer starvation: readers kept the room busy\n");
		return 1;
	}
	return 0;
}
