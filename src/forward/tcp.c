/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One query over TCP after a truncated UDP reply: non-blocking connect,
 * the two-octet length framing of RFC 1035 section 4.2.2, partial reads
 * and writes. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "forward/internal.h"

enum tcp_state {
	TCP_CONNECTING,
	TCP_WRITING,
	TCP_READING,
};

struct fwd_tcp {
	struct fwd_grave grave;		/* first: used once released */
	struct loop_io io;
	struct forward_query *q;
	enum tcp_state state;
	uint8_t out[2 + FWD_QUERY_MAX];	/* length prefix and query */
	size_t out_len;
	size_t out_pos;
	uint8_t len_buf[2];		/* length prefix of the reply */
	size_t len_pos;
	uint8_t *in;			/* the reply, once its length is known */
	size_t in_len;
	size_t in_pos;
};

static void tcp_destroy(struct fwd_grave *grave)
{
	struct fwd_tcp *tcp = (struct fwd_tcp *)grave;
	free(tcp->in);
	free(tcp);
}

void fwd_tcp_release(struct forward_ctx *ctx, struct fwd_tcp *tcp)
{
	if (tcp == NULL) {
		return;
	}
	loop_io_del(ctx->loop, &tcp->io);
	close(tcp->io.fd);
	tcp->q = NULL;
	fwd_bury(ctx, &tcp->grave);
}

/* Reports the end to the query; the caller returns at once after it, as
 * the query may have released this connection. */
static void tcp_fail(struct fwd_tcp *tcp, const char *what, int err)
{
	char why[128];
	snprintf(why, sizeof(why), "%s over TCP: %s", what, strerror(err));
	fwd_query_tcp_done(tcp->q, NULL, 0, why);
}

/* \retval 1 when everything is written, 0 to wait, -errno. */
static int tcp_write(struct fwd_tcp *tcp)
{
	while (tcp->out_pos < tcp->out_len) {
		ssize_t n = send(tcp->io.fd, tcp->out + tcp->out_pos,
				 tcp->out_len - tcp->out_pos, MSG_NOSIGNAL);
		if (n < 0) {
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		}
		tcp->out_pos += (size_t)n;
	}
	return 1;
}

/* Reads into buf up to want bytes. \retval 1 when done, 0 to wait,
 * -errno, or -ECONNRESET when the target closed too early. */
static int tcp_read_some(int fd, uint8_t *buf, size_t want, size_t *pos)
{
	while (*pos < want) {
		ssize_t n = recv(fd, buf + *pos, want - *pos, 0);
		if (n < 0) {
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		}
		if (n == 0) {
			return -ECONNRESET;
		}
		*pos += (size_t)n;
	}
	return 1;
}

/* \retval 1 when the whole reply is in, 0 to wait, -errno. */
static int tcp_read(struct fwd_tcp *tcp)
{
	int ret = tcp_read_some(tcp->io.fd, tcp->len_buf, 2, &tcp->len_pos);
	if (ret != 1) {
		return ret;
	}
	if (tcp->in == NULL) {
		tcp->in_len = knot_wire_read_u16(tcp->len_buf);
		if (tcp->in_len < KNOT_WIRE_HEADER_SIZE) {
			return -EPROTO;
		}
		tcp->in = malloc(tcp->in_len);
		if (tcp->in == NULL) {
			return -ENOMEM;
		}
	}
	return tcp_read_some(tcp->io.fd, tcp->in, tcp->in_len, &tcp->in_pos);
}

static int connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
		return errno;
	}
	return err;
}

static void tcp_event(struct loop_io *io, uint32_t events)
{
	struct fwd_tcp *tcp = io->arg;
	int ret;

	if (tcp->state == TCP_CONNECTING) {
		int err = connect_result(io->fd);
		if (err != 0) {
			tcp_fail(tcp, "cannot connect", err);
			return;
		}
		tcp->state = TCP_WRITING;
	}

	if (tcp->state == TCP_WRITING) {
		ret = tcp_write(tcp);
		if (ret < 0) {
			tcp_fail(tcp, "cannot send the query", -ret);
			return;
		}
		if (ret == 0) {
			return;
		}
		tcp->state = TCP_READING;
		ret = loop_io_mod(tcp->q->ctx->loop, io, EPOLLIN);
		if (ret != 0) {
			tcp_fail(tcp, "cannot wait for the reply", -ret);
			return;
		}
		return;
	}

	ret = tcp_read(tcp);
	if (ret < 0) {
		tcp_fail(tcp, "cannot read the reply", -ret);
		return;
	}
	if (ret == 1) {
		fwd_query_tcp_done(tcp->q, tcp->in, tcp->in_len, NULL);
	}
}

static int tcp_connect(int fd, const struct zg_addr *source,
		       const struct zg_addr *target)
{
	if (!addr_is_unspecified(source)) {
		/* The port is chosen at connect time, so that the source
		 * address alone does not exhaust ephemeral ports. Only an
		 * optimisation: without it bind takes a port at once. */
		int one = 1;
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
				 sizeof(one));
		struct zg_addr local = *source;
		addr_set_port(&local, 0);
		if (bind(fd, (struct sockaddr *)&local.ss, local.len) != 0) {
			return -errno;
		}
	}
	if (connect(fd, (const struct sockaddr *)&target->ss,
		    target->len) != 0 && errno != EINPROGRESS) {
		return -errno;
	}
	return 0;
}

int fwd_tcp_start(struct forward_query *q, const struct zg_addr *source,
		  const struct zg_addr *target)
{
	int fd = fwd_socket(target, SOCK_STREAM);
	if (fd < 0) {
		return fd;
	}
	int ret = tcp_connect(fd, source, target);
	struct fwd_tcp *tcp = NULL;
	if (ret == 0) {
		tcp = calloc(1, sizeof(*tcp));
		ret = tcp != NULL ? 0 : ZG_ENOMEM;
	}
	if (ret == 0) {
		tcp->io.fd = fd;
		tcp->io.cb = tcp_event;
		tcp->io.arg = tcp;
		/* Even an immediate connect reports through EPOLLOUT, so the
		 * query never hears back from inside this call. */
		ret = loop_io_add(q->ctx->loop, &tcp->io, EPOLLOUT);
	}
	if (ret != 0) {
		free(tcp);
		close(fd);
		return ret;
	}

	tcp->grave.destroy = tcp_destroy;
	tcp->q = q;
	tcp->state = TCP_CONNECTING;
	knot_wire_write_u16(tcp->out, (uint16_t)q->wire_len);
	memcpy(tcp->out + 2, q->wire, q->wire_len);
	tcp->out_len = q->wire_len + 2;
	q->tcp = tcp;
	return 0;
}
