/* tests/e2e/fixtures/race_chan_buffered.c with the order its flaky runs
 * take: the receiver reads all 16 bytes before main writes message[0]
 * (main spins on a relaxed flag, which gives no happens-before).  The race
 * is real, yet pvcheck and ThreadSanitizer both miss it, every run: the
 * receiver's 8 one-byte reads of the granule message[0..7] in one epoch
 * overflow its four shadow cells, and the read of byte 0 is evicted before
 * main's write of byte 0 is checked.  Read only m[0], or the 16 bytes in
 * reverse order (byte 0 last), and both checkers report it.  Under load the fixture takes this
 * order often (e2e.race_chan_buffered failed 9 of 20 runs at load ~25).
 *
 *   build/checker/pvcheck cc -o r repro/race_chan_buffered_read_first.c
 *   build/checker/pvcheck run -- ./r        # no report (expected: a race)
 */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>

static pv_chan *c;
static char message[16];
static int read_done;

static void *receiver(void *arg)
{
	char *m;
	pv_chan_recv(c, &m);
	int n = 0;
	for (int i = 0; i < 16; i++)
		n += m[i]; /* RACE */
	__atomic_store_n(&read_done, 1, __ATOMIC_RELAXED);
	printf("%d\n", n);
	return arg;
}

int main(void)
{
	c = pv_chan_make(sizeof(char *), 1);
	pthread_t t;
	pthread_create(&t, NULL, receiver, NULL);
	snprintf(message, sizeof message, "first");
	char *m = message;
	pv_chan_send(c, &m);
	while (!__atomic_load_n(&read_done, __ATOMIC_RELAXED))
		;
	message[0] = 'F'; /* RACE */
	pthread_join(t, NULL);
	pv_chan_free(c);
	return 0;
}
