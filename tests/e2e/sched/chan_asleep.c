/* Every thread waits on a channel nobody will use: under control the
 * deadlock is seen as soon as the last one blocks. */
#include <pthread.h>
#include <pvchan.h>

static pv_chan *c;

static void *receiver(void *arg)
{
	int x;
	pv_chan_recv(c, &x);
	return arg;
}

int main(void)
{
	c = pv_chan_make(sizeof(int), 0);
	pthread_t t;
	pthread_create(&t, 0, receiver, 0);
	int x;
	pv_chan_recv(c, &x);
	pthread_join(t, 0);
	return 0;
}
