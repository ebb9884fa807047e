/*
 * Building H2O, fixed with channels and a builder thread: each atom sends
 * the builder a channel of its own and waits on it; the builder receives two
 * hydrogens and one oxygen, bonds them and releases the three.  Grouping is
 * one thread's plain loop; nothing is shared but the channels.
 *
 * usage: fixed_channel [molecules]     (default 60)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
#include <stdlib.h>

static pv_chan *h_arrive, *o_arrive;	/* an atom gives its release channel */
static char *bonds;			/* who bonded, in order: written by the builder only */
static int nbonds;

/* An atom: say that it is here and wait until it is part of a molecule.
 * The release channel is freed by main after the joins: the builder may
 * still be inside its send when the atom's receive returns. */
static void arrive(pv_chan *arrivals, pv_chan *released)
{
	pv_chan_send(arrivals, &released);
	pv_chan_recv(released, NULL);
}

static void *hydrogen(void *arg)
{
	arrive(h_arrive, arg);
	return NULL;
}

static void *oxygen(void *arg)
{
	arrive(o_arrive, arg);
	return NULL;
}

/* The builder takes two hydrogens and one oxygen, however they arrive,
 * bonds them and lets the three go: only it touches the molecule. */
static void *builder(void *arg)
{
	int m = *(int *)arg;
	for (int k = 0; k < m; k++) {
		pv_chan *atom[3];
		pv_chan_recv(h_arrive, &atom[0]);
		pv_chan_recv(h_arrive, &atom[1]);
		pv_chan_recv(o_arrive, &atom[2]);
		for (int j = 0; j < 3; j++) {
			bonds[nbonds++] = j < 2 ? 'H' : 'O';
			pv_chan_send(atom[j], NULL);
		}
	}
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
	pv_chan **released = calloc((size_t)n, sizeof *released);
	if (!bonds || !t || !released) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	h_arrive = pv_chan_make(sizeof(pv_chan *), 0);
	o_arrive = pv_chan_make(sizeof(pv_chan *), 0);
	if (!h_arrive || !o_arrive) {
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	pthread_t b;
	pthread_create(&b, NULL, builder, &m);
	for (int i = 0; i < n; i++)	/* all hydrogens first, then the oxygens */
		if (!(released[i] = pv_chan_make(1, 0)) ||
		    pthread_create(&t[i], NULL, i < 2 * m ? hydrogen : oxygen, released[i])) {
			fprintf(stderr, "out of memory\n");
			return 2;
		}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_join(b, NULL);
	pv_chan_free(h_arrive);
	pv_chan_free(o_arrive);
	for (int i = 0; i < n; i++)
		pv_chan_free(released[i]);
	free(released);

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
