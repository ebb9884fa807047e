/* Two senders and one receiver on an unbuffered channel: the order of
 * the values received is the schedule's, the same for one seed every time. */
#include <pthread.h>
#include <pvchan.h>
#include <stdio.h>
static pv_chan *c;
static void *sender(void *arg)
{
	int v = (int)(long)arg;
	for (int i = 0; i < 3; i++) {
		int x = v * 10 + i;
		pv_chan_send(c, &x);
	}
	return NULL;
}
int main(void)
{
	c = pv_chan_make(sizeof(int), 0);
	pthread_t a, b;
	pthread_create(&a, 0, sender, (void *)1L);
	pthread_create(&b, 0, sender, (void *)2L);
	for (int i = 0; i < 6; i++) {
		int x;
		pv_chan_recv(c, &x);
		printf("%d ", x);
	}
	printf("\n");
	pthread_join(a, 0);
	pthread_join(b, 0);
	pv_chan_free(c);
	return 0;
}
