/*
 * Building H2O, fixed with a mutex and a condition variable: h_in and o_in
 * count the atoms in the molecule being built; a thread enters only while
 * there is room for its kind, bonds, and waits for the molecule to be
 * complete (a generation count, so a thread of the next molecule does not
 * count as completion).  The third atom starts the next molecule.
 *
 * usage: fixed_condvar [molecules]     (default 60)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static char *bonds;			/* who bonded, in order: guarded by lock */
static int nbonds;
static int h_in, o_in;			/* atoms in the molecule being built */
static int built;			/* molecules complete: a generation count */

/* Enter the molecule being built when it has room for this atom, bond,
 * and wait until the molecule is complete.  The thread that completes it
 * starts the next one and wakes everybody: the waiters for room and the
 * waiters for completion share one condition variable. */
static void arrive(int *in, int room, char atom)
{
	pthread_mutex_lock(&lock);
	while (*in == room)
		pthread_cond_wait(&changed, &lock);
	(*in)++;
	bonds[nbonds++] = atom;
	if (h_in == 2 && o_in == 1) {
		h_in = o_in = 0;
		built++;
		pthread_cond_broadcast(&changed);
	} else {
		for (int mine = built; built == mine;)
			pthread_cond_wait(&changed, &lock);
	}
	pthread_mutex_unlock(&lock);
}

static void *hydrogen(void *arg)
{
	(void)arg;
	arrive(&h_in, 2, 'H');
	return NULL;
}

static void *oxygen(void *arg)
{
	(void)arg;
	arrive(&o_in, 1, 'O');
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
	for (int i = 0; i < n; i++)	/* all hydrogens first, then the oxygens */
		pthread_create(&t[i], NULL, i < 2 * m ? hydrogen : oxygen, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);

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
