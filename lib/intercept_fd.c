/* Descriptors: messages through pipes, sockets and FIFOs (a write happens
 * before the read that gets its bytes). */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "init.h"
#include "intercept.h"
#include "session.h"
#include "thread.h"

static int channel_key(int fd, pv_key *k)
{
	struct stat st;
	if (fstat(fd, &st) || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 0;
	*k = pv_session_file_key(st.st_dev, st.st_ino);
	return 1;
}

/* Before bytes go out (or the end closes): whoever gets them sees our past. */
static void sending(int fd)
{
	pv_thread *t = program_thread();
	pv_key k;
	if (t && pv_session_active() && channel_key(fd, &k)) {
		pv_session_release(k, &t->vc);
		pv_thread_tick(t);
	}
}

/* After a read that got bytes, or the end of the stream. */
static ssize_t received(int fd, ssize_t n)
{
	pv_thread *t = program_thread();
	pv_key k;
	if (n >= 0 && t && pv_session_active() && channel_key(fd, &k))
		pv_session_acquire(&t->vc, k);
	return n;
}

int socketpair(int domain, int type, int protocol, int sv[2])
{
	int r = REAL(socketpair)(domain, type, protocol, sv);
	struct stat a, b;
	if (r == 0 && pv_runtime_ready() && !fstat(sv[0], &a) && !fstat(sv[1], &b))
		pv_session_alias_file(b.st_dev, b.st_ino, a.st_dev, a.st_ino);
	return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	sending(fd);
	return REAL(write)(fd, buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	sending(fd);
	return REAL(writev)(fd, iov, n);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	sending(fd);
	return REAL(send)(fd, buf, n, flags);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	sending(fd);
	return REAL(sendto)(fd, buf, n, flags, to, tolen);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	sending(fd);
	return REAL(sendmsg)(fd, msg, flags);
}

ssize_t read(int fd, void *buf, size_t n)
{
	return received(fd, REAL(read)(fd, buf, n));
}

ssize_t readv(int fd, const struct iovec *iov, int n)
{
	return received(fd, REAL(readv)(fd, iov, n));
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return received(fd, REAL(recv)(fd, buf, n, flags));
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	return received(fd, REAL(recvfrom)(fd, buf, n, flags, from, fromlen));
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	return received(fd, REAL(recvmsg)(fd, msg, flags));
}

/* Closing a writing end is what a reader's end of file waits for. */
int close(int fd)
{
	sending(fd);
	return REAL(close)(fd);
}
