/*
 * Writer starvation: a readers-writer lock that prefers readers (The
 * Little Book of Semaphores' "lightswitch", 4.2).  The first reader in
 * locks the room against writers and the last one out unlocks it; a reader
 * may always join readers already inside.  While readers overlap, the room
 * never empties, and a writer waits until every reader has finished all its
 * work.  The program counts the reader entries that got in after the writer
 * asked, and exits 1 when the writer had to let more than a few pass.
 * Pacing, only to make the case certain: a reader about to leave waits
 * (at most 20 ms, and not for readers that are done) until another reader
 * is inside, as readers that arrive faster than they leave do.
 *
 * usage: buggy [readers] [rounds]     (default 3 100)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_READERS 8

static struct rwlock {
	pthread_mutex_t mutex;	/* guards readers */
	int readers;		/* inside the room */
	sem_t room_empty;	/* 1 when nobody is inside */
} rw = { .mutex = PTHREAD_MUTEX_INITIALIZER };

static void read_lock(struct rwlock *l)
{
	pthread_mutex_lock(&l->mutex);
	if (++l->readers == 1)		/* the first reader locks the writers out */
		sem_wait(&l->room_empty);
	pthread_mutex_unlock(&l->mutex);	/* the bug: later readers never wait */
}

static void read_unlock(struct rwlock *l)
{
	pthread_mutex_lock(&l->mutex);
	if (--l->readers == 0)		/* the last reader lets them in */
		sem_post(&l->room_empty);
	pthread_mutex_unlock(&l->mutex);
}

static void write_lock(struct rwlock *l)
{
	sem_wait(&l->room_empty);
}

static void write_unlock(struct rwlock *l)
{
	sem_post(&l->room_empty);
}

static void init_lock(struct rwlock *l)
{
	sem_init(&l->room_empty, 0, 1);
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
