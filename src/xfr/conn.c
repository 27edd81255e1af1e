/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One request to a primary and its replies, over UDP or TCP (RFC 1035
 * section 4.2.2 framing), non-blocking in the service loop. */
#include "xfr/xfr_impl.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"

#define TCP_BUF (2 + 65535)

struct xfr_conn {
	struct loop *loop;
	struct loop_io io;
	struct loop_timer timer;
	bool tcp;
	bool connected;
	uint64_t timeout_ms;
	xfr_conn_msg_cb on_msg;
	xfr_conn_fail_cb on_fail;
	void *arg;

	/* What is still to be sent (TCP: with the length prefix). */
	uint8_t *out;
	size_t out_len, out_done;

	/* TCP: bytes of the message being read, prefix included. */
	uint8_t *in;
	size_t in_len;
};

static void conn_free(struct xfr_conn *c)
{
	loop_timer_stop(c->loop, &c->timer);
	if (c->io.fd >= 0) {
		loop_io_del(c->loop, &c->io);
		close(c->io.fd);
	}
	free(c->out);
	free(c->in);
	free(c);
}

void xfr_conn_close(struct xfr_conn *c)
{
	if (c != NULL) {
		conn_free(c);
	}
}

static void conn_fail(struct xfr_conn *c, int err)
{
	xfr_conn_fail_cb cb = c->on_fail;
	void *arg = c->arg;
	conn_free(c);
	cb(arg, err);
}

static void on_timeout(struct loop_timer *timer)
{
	conn_fail(timer->arg, ZG_ETIMEOUT);
}

/* Hands one message over; true when the connection still lives. */
static bool deliver(struct xfr_conn *c, const uint8_t *msg, size_t len)
{
	loop_timer_start(c->loop, &c->timer, c->timeout_ms);
	if (c->on_msg(c->arg, msg, len)) {
		return true;
	}
	conn_free(c);
	return false;
}

static int flush_out(struct xfr_conn *c)
{
	while (c->out_done < c->out_len) {
		ssize_t n = send(c->io.fd, c->out + c->out_done,
				 c->out_len - c->out_done, MSG_NOSIGNAL);
		if (n < 0) {
			return errno == EAGAIN || errno == EWOULDBLOCK
				? 0 : -errno;
		}
		c->out_done += (size_t)n;
	}
	return 0;
}

static void read_udp(struct xfr_conn *c)
{
	uint8_t buf[65535];
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(c->io.fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR) {
				conn_fail(c, -errno);
			}
			return;
		}
		if (!deliver(c, buf, (size_t)n)) {
			return;
		}
	}
}

/* Reads what is there and delivers each complete message. */
static void read_tcp(struct xfr_conn *c)
{
	for (;;) {
		size_t want = 2;
		if (c->in_len >= 2) {
			want = 2 + ((size_t)c->in[0] << 8 | c->in[1]);
		}
		if (c->in_len == want && want > 2) {
			c->in_len = 0;
			if (!deliver(c, c->in + 2, want - 2)) {
				return;
			}
			continue;
		}
		ssize_t n = recv(c->io.fd, c->in + c->in_len, want - c->in_len,
				 0);
		if (n == 0) {
			conn_fail(c, -ECONNRESET);
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR) {
				conn_fail(c, -errno);
			}
			return;
		}
		c->in_len += (size_t)n;
		if (c->in_len == 2 && c->in[0] == 0 && c->in[1] == 0) {
			conn_fail(c, ZG_EMALF);
			return;
		}
	}
}

static void on_io(struct loop_io *io, uint32_t events)
{
	struct xfr_conn *c = io->arg;

	if (!c->connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
		    soerr != 0) {
			conn_fail(c, soerr != 0 ? -soerr : -errno);
			return;
		}
		c->connected = true;
	}
	if (c->out_done < c->out_len) {
		int ret = flush_out(c);
		if (ret != 0) {
			conn_fail(c, ret);
			return;
		}
		if (c->out_done == c->out_len &&
		    loop_io_mod(c->loop, io, EPOLLIN) != 0) {
			conn_fail(c, -errno);
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		if (c->tcp) {
			read_tcp(c);
		} else {
			read_udp(c);
		}
	}
}

static int open_socket(bool tcp, const struct zg_addr *dst,
		       const struct zg_addr *src)
{
	int fd = socket(dst->ss.ss_family,
			(tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
			SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}
	if (src != NULL && bind(fd, (const struct sockaddr *)&src->ss,
				src->len) != 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (connect(fd, (const struct sockaddr *)&dst->ss, dst->len) != 0 &&
	    errno != EINPROGRESS) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int frame(struct xfr_conn *c, const uint8_t *query, size_t len)
{
	size_t prefix = c->tcp ? 2 : 0;
	c->out = malloc(len + prefix);
	if (c->out == NULL || (c->tcp && (c->in = malloc(TCP_BUF)) == NULL)) {
		return ZG_ENOMEM;
	}
	if (c->tcp) {
		c->out[0] = (uint8_t)(len >> 8);
		c->out[1] = (uint8_t)len;
	}
	memcpy(c->out + prefix, query, len);
	c->out_len = len + prefix;
	return 0;
}

struct xfr_conn *xfr_conn_open(struct loop *loop, bool tcp,
			       const struct zg_addr *dst,
			       const struct zg_addr *src,
			       const uint8_t *query, size_t len,
			       uint64_t timeout_ms, xfr_conn_msg_cb on_msg,
			       xfr_conn_fail_cb on_fail, void *arg, int *err)
{
	struct xfr_conn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		*err = ZG_ENOMEM;
		return NULL;
	}
	c->loop = loop;
	c->tcp = tcp;
	c->connected = !tcp;
	c->timeout_ms = timeout_ms;
	c->on_msg = on_msg;
	c->on_fail = on_fail;
	c->arg = arg;
	c->io.fd = -1;
	loop_timer_init(&c->timer, on_timeout, c);

	*err = frame(c, query, len);
	if (*err == 0) {
		c->io.fd = open_socket(tcp, dst, src);
		*err = c->io.fd < 0 ? c->io.fd : 0;
	}
	if (*err == 0) {
		c->io.cb = on_io;
		c->io.arg = c;
		*err = loop_io_add(loop, &c->io, EPOLLOUT | EPOLLIN);
	}
	if (*err != 0) {
		conn_free(c);
		return NULL;
	}
	loop_timer_start(loop, &c->timer, timeout_ms);
	return c;
}
