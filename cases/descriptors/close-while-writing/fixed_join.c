/* The descriptor is closed only when nobody uses it: after the logger is
 * joined. The data file gets another number, or the same one, but only once
 * the log's descriptor is truly finished with. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int log_fd;
static int lines;

static void *logger(void *arg)
{
	(void)arg;
	for (int i = 0; i < lines; i++)
		if (write(log_fd, "log line\n", 9) != 9)
			break;
	return NULL;
}

int main(int argc, char **argv)
{
	char log_name[] = "/tmp/pvcheck-log-XXXXXX", data_name[] = "/tmp/pvcheck-data-XXXXXX";
	lines = argc > 1 ? atoi(argv[1]) : 20000;
	log_fd = mkstemp(log_name);
	int tmp = mkstemp(data_name);
	if (log_fd < 0 || tmp < 0)
		return 2;
	close(tmp);

	pthread_t t;
	pthread_create(&t, NULL, logger, NULL);
	usleep(1000);
	pthread_join(t, NULL); /* the fix: the logger is done with log_fd */
	close(log_fd);
	int data_fd = open(data_name, O_WRONLY | O_TRUNC);
	if (write(data_fd, "data\n", 5) != 5)
		return 2;
	close(data_fd);

	char buf[4096];
	long stray = 0;
	ssize_t n;
	int in = open(data_name, O_RDONLY);
	while ((n = read(in, buf, sizeof buf)) > 0)
		stray += n;
	close(in);
	stray -= 5;
	unlink(log_name);
	unlink(data_name);
	printf("log fd %d, data fd %d: %ld stray bytes of log in the data file\n", log_fd, data_fd,
	       stray);
	return stray > 0 ? 1 : 0;
}
