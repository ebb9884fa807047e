/*
 * Building H2O, fixed with semaphores in front of the barrier: h_slots (2)
 * and o_slot (1) admit exactly two hydrogens and one oxygen into the
 * molecule being built; the barrier holds them until all three are there.
 * Each thread gives its place back only after it has bonded, so the next
 * molecule cannot gather before every thread of this one has bonded.
 *
 * usage: fixed_semaphore [molecules]     (default 60)
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_barrier_t molecule;	/* three at a time */
static sem_t h_slots, o_slot;		/* 2 and 1: who may enter the current molecule */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *bonds;			/* who bonded, in order: guarded by lock */
static int nbonds;

static void bond(char atom)
{
	pthread_mutex_lock(&lock);
	bonds[nbonds++] = atom;
	pthread_mutex_unlock(&lock);
}

/* Take a place in the molecule being built, wait for the other two, bond,
 * and only then give the place to a thread of the next molecule. */
static void arrive(sem_t *slots, char atom)
{
	sem_wait(slots);
	pthread_barrier_wait(&molecule);
	bond(atom);
	sem_post(slots);
}

static void *hydrogen(void *arg)
{
	(void)arg;
	arrive(&h_slots, 'H');
	return NULL;
}

static void *oxygen(void *arg)
{
	(void)arg;
	arrive(&o_slot, 'O');
	return NULL;
}

int main(int argc, char **argv)
{
	int m = argc > 1 ? atoi(argv[1]) : 60;
	if (m < 1 || m > 1000) {
		fprintf(stderr, "usage: %s [molecules 1..1000]\n", argv[0]);
		return 2;
	}
	int n = 3 * m;
	bonds = calloc((size_t)n + 1, 1);
	pthread_t *t = calloc((size_t)n, sizeof *t);
	if (!bonds || !t) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	pthread_barrier_init(&molecule, NULL, 3);
	sem_init(&h_slots, 0, 2);
	sem_init(&o_slot, 0, 1);
	for (int i = 0; i < n; i++)	/* all hydrogens first, then the oxygens */
		pthread_create(&t[i], NULL, i < 2 * m ? hydrogen : oxygen, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&molecule);
	sem_destroy(&h_slots);
	sem_destroy(&o_slot);

	int bad = 0;
	for (int k = 0; k < m; k++) {
		int h = 0;
		for (int j = 0; j < 3; j++)
			h += bonds[3 * k + j] == 'H';
		bad += h != 2;
	}
	printf("%d molecules: bonds begin %.24s\n", m, bonds);
	printf("%d of them are not H2O\n", bad);
	free(bonds);
	free(t);
	return bad ? 1 : 0;
}
