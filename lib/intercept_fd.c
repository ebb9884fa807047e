/* Descriptors, as ThreadSanitizer models them (fd.h): the calls that use a
 * descriptor read its granule, close writes it, so a close racing with a
 * read is reported; creation forgets the number's past. The calls' buffers
 * are the bytes they read or write. stdio streams are their descriptors:
 * fclose closes, fread/fwrite/fgets/fputs/fprintf use it, and what they
 * write or read is a message like write's or read's.
 *
 * Messages order their users: through a pipe, FIFO or socket, a write
 * happens before the read that gets its bytes, and a close before the end
 * of file. Both ends name one clock, a key they agree on without talking:
 * - pipes, FIFOs: the file (one inode for both ends); socketpairs: the
 *   first end's inode, aliased in the session; an eventfd: its id in the
 *   kernel's fdinfo (every eventfd has the same anonymous inode);
 * - connected stream sockets (TCP, AF_UNIX): per direction, the pair
 *   (receiver's address, sender's address), from getsockname/getpeername.
 *   An unnamed AF_UNIX client is "unnamed", so every client of one server
 *   path shares the keys of its direction (coarser: may hide a race);
 * - datagram sockets: the receiver's address (for IP, its port alone, since
 *   a receiver bound to the wildcard address gets datagrams sent to any of
 *   its addresses; for an AF_UNIX path, the file it names), from sendto's
 *   address or the connected peer.
 * Keys are cached per descriptor on first use and forgotten at close, bind
 * and connect. A connect happens before the accept that returns its
 * connection (keyed by the address connected to). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include "access.h"
#include "fd.h"
#include "init.h"
#include "intercept.h"
#include "session.h"
#include "shadow.h"
#include "thread.h"

/* ---- the descriptor's granule ---- */

static void fd_use(pv_thread *t, int fd, uintptr_t pc)
{
	uintptr_t a = pv_fd_addr(fd);
	if (a)
		pv_access(t, a, 8, 0, 0, pc);
}

/* A new descriptor with this number: its past is forgotten. Creating is a
 * write, so a use not ordered after it is a race (dup2's is a read, as
 * ThreadSanitizer's: programs dup2 over descriptors others still use). */
static void fd_new(pv_thread *t, int fd, int write, uintptr_t pc)
{
	if (!t) {
		pv_fd_forget(fd);
		return;
	}
	uintptr_t a = pv_fd_addr(fd);
	if (!a)
		return;
	pv_shadow_reset(a, 8);
	pv_access(t, a, 8, write, 0, pc);
	pv_fd_created(fd, t->tid, t->ctx, pc);
}

static void fd_gone(pv_thread *t, int fd, int write, uintptr_t pc)
{
	if (!t) {
		pv_fd_forget(fd);
		return;
	}
	uintptr_t a = pv_fd_addr(fd);
	if (!a)
		return;
	pv_access(t, a, 8, write, 0, pc);
	pv_shadow_reset(a, 8);
	pv_fd_forget(fd);
}

static void created(int fd, uintptr_t pc)
{
	if (fd >= 0)
		fd_new(program_thread(), fd, 1, pc);
}

/* A fork's child: the parent's other threads' uses are not its own. */
static void fd_after_fork_child(void)
{
	pv_fd_each_block(pv_shadow_reset);
}

void pv_descriptors_init(void)
{
	pthread_atfork(NULL, NULL, fd_after_fork_child);
}

static void read_buf(pv_thread *t, const void *p, size_t n, uintptr_t pc)
{
	if (p && n)
		pv_access_range(t, (uintptr_t)p, n, 0, pc);
}

static void write_buf(pv_thread *t, void *p, size_t n, uintptr_t pc)
{
	if (p && n)
		pv_access_range(t, (uintptr_t)p, n, 1, pc);
}

static void read_iov(pv_thread *t, const struct iovec *iov, size_t n, uintptr_t pc)
{
	for (size_t i = 0; iov && i < n; i++)
		read_buf(t, iov[i].iov_base, iov[i].iov_len, pc);
}

/* The first got bytes of the vector were written. */
static void write_iov(pv_thread *t, const struct iovec *iov, size_t n, size_t got, uintptr_t pc)
{
	for (size_t i = 0; iov && i < n && got; i++) {
		size_t k = iov[i].iov_len < got ? iov[i].iov_len : got;
		write_buf(t, iov[i].iov_base, k, pc);
		got -= k;
	}
}

/* ---- channel keys ---- */

enum { TAG_STREAM = 0x5354, TAG_DGRAM = 0x4447, TAG_CONNECT = 0x434e };

static uint64_t mix_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static int unix_unnamed(const struct sockaddr_storage *a, socklen_t len)
{
	return a->ss_family == AF_UNIX && len <= offsetof(struct sockaddr_un, sun_path);
}

/* How an address is mixed: an IP address by its port alone (a datagram
 * receiver bound to the wildcard address gets what is sent to any of its
 * addresses); an AF_UNIX path by the file it names, found with stat (one
 * side may name it by a relative path, the other by an absolute one). */
enum { MIX_PORT_ONLY = 1, MIX_FILE = 2 };

/* An address in a form both ends see alike, mixed into *h: an IPv4 address
 * mapped into IPv6 is the IPv4 one. 0 when the family is not one of ours. */
static int mix_addr(uint64_t *h, const struct sockaddr *sa, socklen_t len, int how)
{
	if (!sa || len < sizeof(sa_family_t))
		return 0;
	const unsigned char *ip;
	in_port_t port;
	int n;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;
		ip = (const unsigned char *)&in->sin_addr;
		n = 4;
		port = in->sin_port;
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		int mapped = IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr);
		ip = in6->sin6_addr.s6_addr + (mapped ? 12 : 0);
		n = mapped ? 4 : 16;
		port = in6->sin6_port;
	} else if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *un = (const void *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t k = len > off ? len - off : 0;
		if (k > sizeof un->sun_path)
			k = sizeof un->sun_path;
		/* A path ends at its NUL; an abstract name (leading NUL) is all its bytes. */
		if (k && un->sun_path[0]) {
			char path[sizeof un->sun_path + 1];
			struct stat st;
			size_t m = 0;
			while (m < k && un->sun_path[m]) {
				path[m] = un->sun_path[m];
				m++;
			}
			path[m] = 0;
			k = m;
			if ((how & MIX_FILE) && !stat(path, &st)) {
				*h = mix_bytes(*h, "f", 1);
				*h = mix_bytes(*h, &st.st_dev, sizeof st.st_dev);
				*h = mix_bytes(*h, &st.st_ino, sizeof st.st_ino);
				return 1;
			}
		}
		*h = mix_bytes(*h, "u", 1);
		*h = mix_bytes(*h, &k, sizeof k);
		*h = mix_bytes(*h, un->sun_path, k);
		return 1;
	} else {
		return 0;
	}
	int port_only = how & MIX_PORT_ONLY;
	*h = mix_bytes(*h, port_only ? "p" : n == 4 ? "4" : "6", 1);
	if (!port_only)
		*h = mix_bytes(*h, ip, (size_t)n);
	*h = mix_bytes(*h, &port, sizeof port);
	return 1;
}

static pv_key dgram_key(const struct sockaddr *to, socklen_t len)
{
	uint64_t h = TAG_DGRAM;
	if (!to || !mix_addr(&h, to, len, MIX_PORT_ONLY | MIX_FILE))
		return 0;
	return pv_key_endpoint(h);
}

static int port_of(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port;
	if (a->ss_family == AF_INET6)
		return ((const struct sockaddr_in6 *)a)->sin6_port;
	return -1;
}

/* An eventfd's key, 0 when fd is none. All eventfds share one anonymous
 * inode; the kernel's fdinfo numbers each (its id is the same in every
 * process), and without that number (an old kernel) they share one key,
 * which is coarser but orders no less. */
static pv_key eventfd_key(int fd, const struct stat *st)
{
	char path[48], buf[512];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (strcmp(buf, "anon_inode:[eventfd]"))
		return 0;
	uint64_t id = 0;
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	int f = pv_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (f >= 0) {
		n = syscall(SYS_read, f, buf, sizeof buf - 1);
		pv_close(f);
		buf[n > 0 ? n : 0] = 0;
		const char *p = strstr(buf, "eventfd-id:");
		if (p)
			id = strtoull(p + 11, NULL, 10) + 1;
	}
	/* The anonymous inodes' file system has no other files: no clash. */
	return pv_session_file_key(st->st_dev, (ino_t)(st->st_ino ^ (id << 32)));
}

/* What fd's messages synchronise through; *cache is cleared when the
 * answer may change (a socket not yet connected or bound). */
static int classify(int fd, pv_key *send, pv_key *recv, int *cache)
{
	struct stat st;
	*send = *recv = 0;
	if (fstat(fd, &st)) {
		*cache = 0;
		return PV_FD_CHAN_NONE;
	}
	if (S_ISFIFO(st.st_mode)) {
		*send = *recv = pv_session_file_key(st.st_dev, st.st_ino);
		return PV_FD_CHAN_KEYS;
	}
	if (!(st.st_mode & S_IFMT)) {
		*send = *recv = eventfd_key(fd, &st);
		return *send ? PV_FD_CHAN_KEYS : PV_FD_CHAN_NONE;
	}
	if (!S_ISSOCK(st.st_mode))
		return PV_FD_CHAN_NONE;

	int type;
	socklen_t tl = sizeof type;
	struct sockaddr_storage self, peer;
	socklen_t sl = sizeof self, pl = sizeof peer;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) ||
	    getsockname(fd, (struct sockaddr *)&self, &sl)) {
		*cache = 0;
		return PV_FD_CHAN_NONE;
	}
	int connected = !getpeername(fd, (struct sockaddr *)&peer, &pl);
	if (connected && unix_unnamed(&self, sl) && unix_unnamed(&peer, pl)) {
		/* A socketpair: one channel in the session, both ends aliased. */
		*send = *recv = pv_session_file_key(st.st_dev, st.st_ino);
		return PV_FD_CHAN_KEYS;
	}
	if (type == SOCK_STREAM || type == SOCK_SEQPACKET) {
		uint64_t hs = TAG_STREAM, hr = TAG_STREAM;
		if (!connected) {
			*cache = 0;
			return PV_FD_CHAN_NONE;
		}
		if (!mix_addr(&hs, (struct sockaddr *)&peer, pl, 0) ||
		    !mix_addr(&hs, (struct sockaddr *)&self, sl, 0) ||
		    !mix_addr(&hr, (struct sockaddr *)&self, sl, 0) ||
		    !mix_addr(&hr, (struct sockaddr *)&peer, pl, 0))
			return PV_FD_CHAN_NONE;
		*send = pv_key_endpoint(hs);
		*recv = pv_key_endpoint(hr);
		return PV_FD_CHAN_KEYS;
	}
	if (type != SOCK_DGRAM)
		return PV_FD_CHAN_NONE;
	/* An IP socket not bound yet is bound by its first send; an unnamed
	 * AF_UNIX one stays unnamed (until bind) and gets nothing sent to it. */
	if (port_of(&self) == 0)
		*cache = 0;
	else if (!unix_unnamed(&self, sl))
		*recv = dgram_key((struct sockaddr *)&self, sl);
	if (connected)
		*send = dgram_key((struct sockaddr *)&peer, pl);
	return *send || *recv || !*cache ? PV_FD_CHAN_KEYS : PV_FD_CHAN_NONE;
}

static int chan_keys(int fd, pv_key *send, pv_key *recv)
{
	int state = pv_fd_chan(fd, send, recv);
	if (state != PV_FD_CHAN_UNKNOWN)
		return state;
	int cache = 1;
	state = classify(fd, send, recv, &cache);
	if (cache)
		pv_fd_set_chan(fd, state, *send, *recv);
	return state;
}

/* Before bytes go out (or the end closes): whoever gets them sees our past.
 * to: a datagram's address, when given. */
static void sending(pv_thread *t, int fd, const struct sockaddr *to, socklen_t tolen)
{
	if (!t || !pv_session_active())
		return;
	int e = errno;
	pv_key s = 0, r = 0;
	if (chan_keys(fd, &s, &r) != PV_FD_CHAN_KEYS)
		s = 0;
	if (!s && to)
		s = dgram_key(to, tolen);
	if (s) {
		pv_session_release(s, &t->vc);
		pv_thread_tick(t);
	}
	errno = e;
}

/* After a read that got bytes, or the end of the stream. */
static void received(pv_thread *t, int fd, ssize_t n)
{
	if (n < 0 || !t || !pv_session_active())
		return;
	int e = errno;
	pv_key s, r;
	if (chan_keys(fd, &s, &r) == PV_FD_CHAN_KEYS && r)
		pv_session_acquire(&t->vc, r);
	errno = e;
}

/* ---- creating and closing ---- */

/* open's optional mode argument, read whatever the flags (as glibc does). */
#define OPEN_MODE(last)                                                 \
	({                                                              \
		va_list ap_;                                            \
		va_start(ap_, last);                                    \
		mode_t mode_ = (mode_t)va_arg(ap_, int);                \
		va_end(ap_);                                            \
		mode_;                                                  \
	})

PV_INTERCEPTOR int open(const char *path, int flags, ...)
{
	int fd = REAL(open)(path, flags, OPEN_MODE(flags));
	created(fd, CALLER_PC);
	return fd;
}

PV_INTERCEPTOR int open64(const char *path, int flags, ...)
{
	int fd = REAL(open64)(path, flags, OPEN_MODE(flags));
	created(fd, CALLER_PC);
	return fd;
}

PV_INTERCEPTOR int openat(int dir, const char *path, int flags, ...)
{
	int fd = REAL(openat)(dir, path, flags, OPEN_MODE(flags));
	created(fd, CALLER_PC);
	return fd;
}

PV_INTERCEPTOR int openat64(int dir, const char *path, int flags, ...)
{
	int fd = REAL(openat64)(dir, path, flags, OPEN_MODE(flags));
	created(fd, CALLER_PC);
	return fd;
}

PV_INTERCEPTOR int creat(const char *path, mode_t mode)
{
	int fd = REAL(creat)(path, mode);
	created(fd, CALLER_PC);
	return fd;
}

PV_INTERCEPTOR int mkstemp(char *tmpl)
{
	int fd = REAL(mkstemp)(tmpl);
	created(fd, CALLER_PC);
	return fd;
}

PV_INTERCEPTOR int mkostemp(char *tmpl, int flags)
{
	int fd = REAL(mkostemp)(tmpl, flags);
	created(fd, CALLER_PC);
	return fd;
}

PV_INTERCEPTOR int socket(int domain, int type, int protocol)
{
	int fd = REAL(socket)(domain, type, protocol);
	created(fd, CALLER_PC);
	return fd;
}

PV_INTERCEPTOR int pipe(int p[2])
{
	int r = REAL(pipe)(p);
	if (r == 0) {
		created(p[0], CALLER_PC);
		created(p[1], CALLER_PC);
	}
	return r;
}

PV_INTERCEPTOR int pipe2(int p[2], int flags)
{
	int r = REAL(pipe2)(p, flags);
	if (r == 0) {
		created(p[0], CALLER_PC);
		created(p[1], CALLER_PC);
	}
	return r;
}

PV_INTERCEPTOR int eventfd(unsigned int initval, int flags)
{
	int fd = REAL(eventfd)(initval, flags);
	created(fd, CALLER_PC);
	return fd;
}

PV_INTERCEPTOR int socketpair(int domain, int type, int protocol, int sv[2])
{
	int r = REAL(socketpair)(domain, type, protocol, sv);
	struct stat a, b;
	if (r == 0 && pv_runtime_ready() && !fstat(sv[0], &a) && !fstat(sv[1], &b))
		pv_session_alias_file(b.st_dev, b.st_ino, a.st_dev, a.st_ino);
	if (r == 0) {
		created(sv[0], CALLER_PC);
		created(sv[1], CALLER_PC);
	}
	return r;
}

PV_INTERCEPTOR int dup(int old)
{
	int fd = REAL(dup)(old);
	pv_thread *t = program_thread();
	if (fd >= 0 && t)
		fd_use(t, old, CALLER_PC);
	created(fd, CALLER_PC);
	return fd;
}

/* dup2 and dup3 close newfd first: a reader's end of file, as close. */
static int dup_over(int old, int r, pv_thread *t, uintptr_t pc)
{
	if (r < 0 || r == old)
		return r;
	if (t)
		fd_use(t, old, pc);
	fd_gone(t, r, 0, pc);
	fd_new(t, r, 0, pc);
	return r;
}

PV_INTERCEPTOR int dup2(int old, int fd)
{
	pv_thread *t = program_thread();
	if (old != fd)
		sending(t, fd, NULL, 0);
	return dup_over(old, REAL(dup2)(old, fd), t, CALLER_PC);
}

PV_INTERCEPTOR int dup3(int old, int fd, int flags)
{
	pv_thread *t = program_thread();
	if (old != fd)
		sending(t, fd, NULL, 0);
	return dup_over(old, REAL(dup3)(old, fd, flags), t, CALLER_PC);
}

/* Closing a writing end is what a reader's end of file waits for. */
PV_INTERCEPTOR int close(int fd)
{
	pv_thread *t = program_thread();
	sending(t, fd, NULL, 0);
	int e = errno;
	if (fd >= 0)
		fd_gone(t, fd, 1, CALLER_PC);
	errno = e;
	return REAL(close)(fd);
}

/* ---- sockets: names, connections ---- */

PV_INTERCEPTOR int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	int r = REAL(bind)(fd, addr, len);
	if (r == 0)
		pv_fd_set_chan(fd, PV_FD_CHAN_UNKNOWN, 0, 0);
	return r;
}

PV_INTERCEPTOR int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	pv_thread *t = program_thread();
	if (t) {
		int e = errno, type;
		socklen_t tl = sizeof type;
		uint64_t h = TAG_CONNECT;
		fd_use(t, fd, CALLER_PC);
		if (pv_session_active() && !getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) &&
		    (type == SOCK_STREAM || type == SOCK_SEQPACKET) && mix_addr(&h, addr, len, MIX_FILE)) {
			pv_session_release(pv_key_endpoint(h), &t->vc);
			pv_thread_tick(t);
		}
		errno = e;
	}
	int r = SCHED_SYSCALL(fd, POLLOUT, REAL(connect)(fd, addr, len));
	int e = errno;
	pv_fd_set_chan(fd, PV_FD_CHAN_UNKNOWN, 0, 0);
	errno = e;
	return r;
}

/* The connection's own address is the one its client connected to. */
static int accepted(int lfd, int fd, uintptr_t pc)
{
	pv_thread *t = program_thread();
	if (fd < 0)
		return fd;
	if (t) {
		int e = errno;
		struct sockaddr_storage self;
		socklen_t sl = sizeof self;
		uint64_t h = TAG_CONNECT;
		fd_use(t, lfd, pc);
		if (pv_session_active() && !getsockname(fd, (struct sockaddr *)&self, &sl) &&
		    mix_addr(&h, (struct sockaddr *)&self, sl, MIX_FILE))
			pv_session_acquire(&t->vc, pv_key_endpoint(h));
		errno = e;
	}
	fd_new(t, fd, 1, pc);
	return fd;
}

PV_INTERCEPTOR int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accepted(fd, SCHED_SYSCALL(fd, POLLIN, REAL(accept)(fd, addr, len)), CALLER_PC);
}

PV_INTERCEPTOR int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return accepted(fd, SCHED_SYSCALL(fd, POLLIN, REAL(accept4)(fd, addr, len, flags)), CALLER_PC);
}

/* ---- messages ---- */

/* A call that sends: the descriptor is used, the buffer read, then our past released. */
#define SENDS(fd, to, tolen, reads)                                     \
	pv_thread *t = program_thread();                                \
	if (t) {                                                        \
		fd_use(t, fd, CALLER_PC);                               \
		reads;                                                  \
		sending(t, fd, to, tolen);                              \
	}

PV_INTERCEPTOR ssize_t write(int fd, const void *buf, size_t n)
{
	SENDS(fd, NULL, 0, read_buf(t, buf, n, CALLER_PC));
	return REAL(write)(fd, buf, n);
}

PV_INTERCEPTOR ssize_t writev(int fd, const struct iovec *iov, int n)
{
	SENDS(fd, NULL, 0, read_iov(t, iov, n > 0 ? (size_t)n : 0, CALLER_PC));
	return REAL(writev)(fd, iov, n);
}

/* Files have no channel: pwrite only uses the descriptor and reads the buffer. */
static void positioned_write(int fd, const void *buf, size_t n, uintptr_t pc)
{
	pv_thread *t = program_thread();
	if (t) {
		fd_use(t, fd, pc);
		read_buf(t, buf, n, pc);
	}
}

PV_INTERCEPTOR ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	positioned_write(fd, buf, n, CALLER_PC);
	return REAL(pwrite)(fd, buf, n, off);
}

PV_INTERCEPTOR ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	positioned_write(fd, buf, n, CALLER_PC);
	return REAL(pwrite64)(fd, buf, n, off);
}

PV_INTERCEPTOR ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	SENDS(fd, NULL, 0, read_buf(t, buf, n, CALLER_PC));
	return REAL(send)(fd, buf, n, flags);
}

PV_INTERCEPTOR ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	SENDS(fd, to, tolen, read_buf(t, buf, n, CALLER_PC));
	return REAL(sendto)(fd, buf, n, flags, to, tolen);
}

PV_INTERCEPTOR ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	SENDS(fd, msg ? msg->msg_name : NULL, msg ? msg->msg_namelen : 0,
	      if (msg) read_iov(t, msg->msg_iov, msg->msg_iovlen, CALLER_PC));
	return REAL(sendmsg)(fd, msg, flags);
}

/* A call that receives: the descriptor is used; after it, what was sent
 * before is ours, then the bytes got are written. */
#define RECEIVES(fd, call, writes)                                      \
	pv_thread *t = program_thread();                                \
	if (t)                                                          \
		fd_use(t, fd, CALLER_PC);                               \
	ssize_t r = SCHED_SYSCALL(fd, POLLIN, call);                    \
	if (t) {                                                        \
		received(t, fd, r);                                     \
		if (r > 0) {                                            \
			int e_ = errno;                                 \
			writes;                                         \
			errno = e_;                                     \
		}                                                       \
	}                                                               \
	return r

PV_INTERCEPTOR ssize_t read(int fd, void *buf, size_t n)
{
	RECEIVES(fd, REAL(read)(fd, buf, n), write_buf(t, buf, (size_t)r, CALLER_PC));
}

PV_INTERCEPTOR ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	RECEIVES(fd, REAL(pread)(fd, buf, n, off), write_buf(t, buf, (size_t)r, CALLER_PC));
}

PV_INTERCEPTOR ssize_t pread64(int fd, void *buf, size_t n, off64_t off)
{
	RECEIVES(fd, REAL(pread64)(fd, buf, n, off), write_buf(t, buf, (size_t)r, CALLER_PC));
}

PV_INTERCEPTOR ssize_t readv(int fd, const struct iovec *iov, int n)
{
	RECEIVES(fd, REAL(readv)(fd, iov, n),
		 write_iov(t, iov, n > 0 ? (size_t)n : 0, (size_t)r, CALLER_PC));
}

PV_INTERCEPTOR ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	RECEIVES(fd, REAL(recv)(fd, buf, n, flags),
		 write_buf(t, buf, (flags & MSG_TRUNC) && (size_t)r > n ? n : (size_t)r, CALLER_PC));
}

PV_INTERCEPTOR ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	RECEIVES(fd, REAL(recvfrom)(fd, buf, n, flags, from, fromlen),
		 write_buf(t, buf, (flags & MSG_TRUNC) && (size_t)r > n ? n : (size_t)r, CALLER_PC));
}

/* Descriptors passed with SCM_RIGHTS are new here. */
static void passed_fds(struct msghdr *msg, uintptr_t pc)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			pv_memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
			created(fd, pc);
		}
	}
}

/* glibc's eventfd_write and eventfd_read call write and read inside libc. */
PV_INTERCEPTOR int eventfd_write(int fd, eventfd_t value)
{
	SENDS(fd, NULL, 0, (void)0);
	return REAL(eventfd_write)(fd, value);
}

PV_INTERCEPTOR int eventfd_read(int fd, eventfd_t *value)
{
	pv_thread *t = program_thread();
	if (t)
		fd_use(t, fd, CALLER_PC);
	int r = SCHED_SYSCALL(fd, POLLIN, REAL(eventfd_read)(fd, value));
	if (t && r == 0) {
		int e = errno;
		received(t, fd, (ssize_t)sizeof *value);
		write_buf(t, value, sizeof *value, CALLER_PC);
		errno = e;
	}
	return r;
}

PV_INTERCEPTOR ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	RECEIVES(fd, REAL(recvmsg)(fd, msg, flags),
		 write_iov(t, msg->msg_iov, msg->msg_iovlen, (size_t)r, CALLER_PC);
		 if (msg->msg_controllen) passed_fds(msg, CALLER_PC));
}

/* ---- stdio: a stream is its descriptor ---- */

/* clang's _FORTIFY_SOURCE turns printf and fprintf into these (not reads). */
extern int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);
extern int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
extern int __vprintf_chk(int flag, const char *fmt, va_list ap);
extern int __printf_chk(int flag, const char *fmt, ...);

static int stream_fd(FILE *f)
{
	return f ? fileno(f) : -1;
}

/* The stream's descriptor is used by the running thread, if the program's. */
static pv_thread *stream_use(FILE *f, uintptr_t pc)
{
	pv_thread *t = program_thread();
	int fd;
	if (t && (fd = stream_fd(f)) >= 0) {
		int e = errno;
		fd_use(t, fd, pc);
		errno = e;
	}
	return t;
}

/* Bytes put in a stream's buffer reach its descriptor later, never before
 * this: our past so far goes with them. */
static void stream_send(pv_thread *t, FILE *f)
{
	int fd = stream_fd(f);
	if (t && fd >= 0)
		sending(t, fd, NULL, 0);
}

/* After a read from a stream that got bytes or its end. */
static void stream_got(pv_thread *t, FILE *f, int got)
{
	int fd = stream_fd(f);
	if (t && fd >= 0 && (got || feof(f)))
		received(t, fd, 0);
}

PV_INTERCEPTOR FILE *fopen(const char *path, const char *mode)
{
	FILE *f = REAL(fopen)(path, mode);
	created(stream_fd(f), CALLER_PC);
	return f;
}

PV_INTERCEPTOR FILE *fopen64(const char *path, const char *mode)
{
	FILE *f = REAL(fopen64)(path, mode);
	created(stream_fd(f), CALLER_PC);
	return f;
}

PV_INTERCEPTOR FILE *tmpfile(void)
{
	FILE *f = REAL(tmpfile)();
	created(stream_fd(f), CALLER_PC);
	return f;
}

PV_INTERCEPTOR FILE *fdopen(int fd, const char *mode)
{
	FILE *f = REAL(fdopen)(fd, mode);
	created(stream_fd(f), CALLER_PC);
	return f;
}

PV_INTERCEPTOR FILE *freopen(const char *path, const char *mode, FILE *old)
{
	int fd = stream_fd(old);
	if (fd >= 0)
		fd_gone(program_thread(), fd, 1, CALLER_PC);
	FILE *f = REAL(freopen)(path, mode, old);
	created(stream_fd(f), CALLER_PC);
	return f;
}

PV_INTERCEPTOR int fclose(FILE *f)
{
	pv_thread *t = program_thread();
	int fd = stream_fd(f);
	if (fd >= 0) {
		sending(t, fd, NULL, 0);
		fd_gone(t, fd, 1, CALLER_PC);
	}
	return REAL(fclose)(f);
}

PV_INTERCEPTOR size_t fread(void *p, size_t size, size_t n, FILE *f)
{
	pv_thread *t = stream_use(f, CALLER_PC);
	size_t r = SCHED_SYSCALL(stream_fd(f), POLLIN, REAL(fread)(p, size, n, f));
	stream_got(t, f, r > 0);
	if (t && r)
		write_buf(t, p, r * size, CALLER_PC);
	return r;
}

PV_INTERCEPTOR size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	pv_thread *t = stream_use(f, CALLER_PC);
	if (t)
		read_buf(t, p, size * n, CALLER_PC);
	stream_send(t, f);
	return REAL(fwrite)(p, size, n, f);
}

static size_t str_size(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n + 1;
}

PV_INTERCEPTOR char *fgets(char *s, int n, FILE *f)
{
	pv_thread *t = stream_use(f, CALLER_PC);
	char *r = SCHED_SYSCALL(stream_fd(f), POLLIN, REAL(fgets)(s, n, f));
	stream_got(t, f, r != NULL);
	if (t && r)
		write_buf(t, s, str_size(s), CALLER_PC);
	return r;
}

PV_INTERCEPTOR int fputs(const char *s, FILE *f)
{
	pv_thread *t = stream_use(f, CALLER_PC);
	if (t)
		read_buf(t, s, str_size(s), CALLER_PC);
	stream_send(t, f);
	return REAL(fputs)(s, f);
}

PV_INTERCEPTOR int puts(const char *s)
{
	pv_thread *t = stream_use(stdout, CALLER_PC);
	if (t)
		read_buf(t, s, str_size(s), CALLER_PC);
	stream_send(t, stdout);
	return REAL(puts)(s);
}

PV_INTERCEPTOR int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	stream_send(stream_use(f, CALLER_PC), f);
	return REAL(vfprintf)(f, fmt, ap);
}

PV_INTERCEPTOR int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	stream_send(stream_use(f, CALLER_PC), f);
	int r = REAL(vfprintf)(f, fmt, ap);
	va_end(ap);
	return r;
}

PV_INTERCEPTOR int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	stream_send(stream_use(f, CALLER_PC), f);
	return REAL(__vfprintf_chk)(f, flag, fmt, ap);
}

PV_INTERCEPTOR int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	stream_send(stream_use(f, CALLER_PC), f);
	int r = REAL(__vfprintf_chk)(f, flag, fmt, ap);
	va_end(ap);
	return r;
}

PV_INTERCEPTOR int vprintf(const char *fmt, va_list ap)
{
	stream_send(stream_use(stdout, CALLER_PC), stdout);
	return REAL(vfprintf)(stdout, fmt, ap);
}

PV_INTERCEPTOR int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	stream_send(stream_use(stdout, CALLER_PC), stdout);
	int r = REAL(vfprintf)(stdout, fmt, ap);
	va_end(ap);
	return r;
}

PV_INTERCEPTOR int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	stream_send(stream_use(stdout, CALLER_PC), stdout);
	int r = REAL(__vfprintf_chk)(stdout, flag, fmt, ap);
	va_end(ap);
	return r;
}

PV_INTERCEPTOR int fflush(FILE *f)
{
	if (f)
		stream_send(stream_use(f, CALLER_PC), f);
	return REAL(fflush)(f);
}
