/*
 * Building H2O (LeetCode 1117): hydrogen and oxygen threads arrive in any
 * order and must leave in molecules, two hydrogens and one oxygen each,
 * every thread of a molecule bonding before any thread of the next.  Here a
 * three-party barrier groups them: it makes threads leave in threes, but
 * any three: nothing admits only two hydrogens and one oxygen into a group.
 * The hydrogens are started first, as a burst of them would arrive.
 *
 * usage: buggy [molecules]     (default 60)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_barrier_t molecule;	/* three at a time */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *bonds;			/* who bonded, in order: guarded by lock */
static int nbonds;

static void bond(char atom)
{
	pthread_mutex_lock(&lock);
	bonds[nbonds++] = atom;
	pthread_mutex_unlock(&lock);
}

static void *hydrogen(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&molecule);	/* the bug: any three threads pass */
	bond('H');
	return NULL;
}

static void *oxygen(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&molecule);
	bond('O');
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
	for (int i = 0; i < n; i++)	/* all hydrogens first, then the oxygens */
		pthread_create(&t[i], NULL, i < 2 * m ? hydrogen : oxygen, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&molecule);

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
