/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Persistent, pipelined TCP connections to targets (RFC 7766): one per
 * target and source address per worker, the two-octet length framing of
 * RFC 1035 section 4.2.2, replies matched by ID in any order, closed
 * after FWD_TCP_IDLE_MS without queries. */
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

/*
 *   connect --EPOLLOUT, SO_ERROR 0--> open: write queued queries,
 *      |                                 read replies (any order)
 *      |                                   |        |
 *      +--error--> failed <--error, EOF----+        +--idle--> closed
 *
 * A failed connection reports every try still on it, then waits in the
 * graveyard; new tries open a new connection.
 */

/* Largest number of octets queued to write on one connection. */
#define CONN_OUT_MAX (FWD_TCP_MAX_PENDING * (2 + FWD_QUERY_MAX))

struct fwd_conn {
	struct fwd_grave grave;		/* first: used once released */
	struct loop_io io;
	struct forward_ctx *ctx;
	struct fwd_conn *prev;		/* in ctx->conns while usable */
	struct fwd_conn *next;
	bool listed;			/* in ctx->conns */
	bool open;			/* connected */
	bool failed;			/* closed; reports done */
	struct zg_addr target;
	struct zg_addr source;		/* port 0; unspecified: any */
	struct fwd_try *pending;	/* tries sent or queued */
	unsigned n_pending;
	unsigned answered;		/* replies read so far */
	uint32_t events;		/* epoll events watched now */
	uint8_t out[CONN_OUT_MAX];	/* framed queries not yet written */
	size_t out_len;
	uint8_t len_buf[2];		/* length prefix of the reply */
	size_t len_pos;
	uint8_t *in;			/* the reply, once its length is known */
	size_t in_len;
	size_t in_pos;
	struct loop_timer idle_timer;
};

static void conn_destroy(struct fwd_grave *grave)
{
	struct fwd_conn *c = (struct fwd_conn *)grave;
	free(c->in);
	free(c);
}

static void conn_unlist(struct fwd_conn *c)
{
	if (!c->listed) {
		return;
	}
	struct forward_ctx *ctx = c->ctx;
	if (c->prev != NULL) {
		c->prev->next = c->next;
	} else {
		ctx->conns = c->next;
	}
	if (c->next != NULL) {
		c->next->prev = c->prev;
	}
	c->prev = c->next = NULL;
	c->listed = false;
}

static void pending_remove(struct fwd_conn *c, struct fwd_try *t)
{
	if (t->prev != NULL) {
		t->prev->next = t->next;
	} else {
		c->pending = t->next;
	}
	if (t->next != NULL) {
		t->next->prev = t->prev;
	}
	t->prev = t->next = NULL;
	t->conn = NULL;
	c->n_pending--;
	if (c->n_pending == 0 && !c->failed) {
		loop_timer_start(c->ctx->loop, &c->idle_timer,
				 FWD_TCP_IDLE_MS);
	}
}

/* Closes the socket and buries the connection; no try is left on it. */
static void conn_close(struct fwd_conn *c)
{
	conn_unlist(c);
	loop_timer_stop(c->ctx->loop, &c->idle_timer);
	loop_io_del(c->ctx->loop, &c->io);
	if (c->io.fd >= 0) {
		close(c->io.fd);
		c->io.fd = -1;
	}
	c->failed = true;
	fwd_bury(c->ctx, &c->grave);
}

/* Ends the connection and reports each try still on it. A report may
 * end queries, which detach their other tries from this connection:
 * take one try at a time. */
static void conn_fail(struct fwd_conn *c, const char *what, int err)
{
	char why[128];
	if (err != 0) {
		snprintf(why, sizeof(why), "%s over TCP: %s", what,
			 strerror(err));
	} else {
		snprintf(why, sizeof(why), "%s over TCP", what);
	}
	bool reused = c->answered > 0;

	conn_unlist(c);
	c->failed = true;
	while (c->pending != NULL) {
		struct fwd_try *t = c->pending;
		pending_remove(c, t);
		fwd_try_tcp_failed(t, why, reused);
	}
	conn_close(c);
}

static void idle_cb(struct loop_timer *timer)
{
	struct fwd_conn *c = timer->arg;
	if (c->n_pending == 0) {
		conn_close(c);
	}
}

static int watch(struct fwd_conn *c, uint32_t events)
{
	if (c->events == events) {
		return 0;
	}
	int ret = loop_io_mod(c->ctx->loop, &c->io, events);
	if (ret == 0) {
		c->events = events;
	}
	return ret;
}

/* Writes what is queued. \retval 0 or -errno. */
static int conn_write(struct fwd_conn *c)
{
	size_t pos = 0;
	while (pos < c->out_len) {
		ssize_t n = send(c->io.fd, c->out + pos, c->out_len - pos,
				 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				break;
			}
			return -errno;
		}
		pos += (size_t)n;
	}
	memmove(c->out, c->out + pos, c->out_len - pos);
	c->out_len -= pos;
	return watch(c, c->out_len > 0 ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

/* Reads into buf up to want bytes. \retval 1 when done, 0 to wait,
 * -errno, or -ECONNRESET when the target closed. */
static int read_some(int fd, uint8_t *buf, size_t want, size_t *pos)
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

/* Reads one whole reply. \retval 1 when it is in, 0 to wait, -errno. */
static int read_reply(struct fwd_conn *c)
{
	int ret = read_some(c->io.fd, c->len_buf, 2, &c->len_pos);
	if (ret != 1) {
		return ret;
	}
	if (c->in == NULL) {
		c->in_len = knot_wire_read_u16(c->len_buf);
		if (c->in_len < KNOT_WIRE_HEADER_SIZE) {
			return -EPROTO;
		}
		c->in = malloc(c->in_len);
		if (c->in == NULL) {
			return -ENOMEM;
		}
	}
	return read_some(c->io.fd, c->in, c->in_len, &c->in_pos);
}

static struct fwd_try *find_pending(struct fwd_conn *c, uint16_t msg_id)
{
	for (struct fwd_try *t = c->pending; t != NULL; t = t->next) {
		if (t->msg_id == msg_id) {
			return t;
		}
	}
	return NULL;
}

/* Hands one reply to its try. Replies to tries that were detached
 * (their query ended) are dropped. */
static void deliver(struct fwd_conn *c)
{
	uint8_t *wire = c->in;
	size_t len = c->in_len;
	c->in = NULL;
	c->in_len = c->in_pos = c->len_pos = 0;
	c->answered++;

	struct fwd_try *t = find_pending(c, knot_wire_get_id(wire));
	if (t != NULL) {
		pending_remove(c, t);
		fwd_try_reply(t, NULL, wire, len);
	}
	free(wire);
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

static void conn_event(struct loop_io *io, uint32_t events)
{
	struct fwd_conn *c = io->arg;

	if (!c->open) {
		int err = connect_result(io->fd);
		if (err != 0) {
			conn_fail(c, "cannot connect", err);
			return;
		}
		c->open = true;
	}
	if (events & EPOLLOUT) {
		int ret = conn_write(c);
		if (ret < 0) {
			conn_fail(c, "cannot send the query", -ret);
			return;
		}
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		return;
	}
	/* Replies one by one; each may end queries, none closes the
	 * connection but a read failure here. */
	for (;;) {
		int ret = read_reply(c);
		if (ret < 0) {
			conn_fail(c, ret == -ECONNRESET ?
				  "the target closed the connection" :
				  "cannot read the reply", ret == -ECONNRESET ?
				  0 : -ret);
			return;
		}
		if (ret == 0) {
			return;
		}
		deliver(c);
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

static int conn_open(struct forward_ctx *ctx, const struct zg_addr *target,
		     const struct zg_addr *source, struct fwd_conn **out)
{
	int fd = fwd_socket(target, SOCK_STREAM);
	if (fd < 0) {
		return fd;
	}
	int ret = tcp_connect(fd, source, target);
	struct fwd_conn *c = NULL;
	if (ret == 0) {
		c = calloc(1, sizeof(*c));
		ret = c != NULL ? 0 : ZG_ENOMEM;
	}
	if (ret == 0) {
		c->io.fd = fd;
		c->io.cb = conn_event;
		c->io.arg = c;
		/* Even an immediate connect reports through EPOLLOUT, so no
		 * try hears back from inside fwd_tcp_send(). */
		c->events = EPOLLIN | EPOLLOUT;
		ret = loop_io_add(ctx->loop, &c->io, c->events);
	}
	if (ret != 0) {
		free(c);
		close(fd);
		return ret;
	}

	c->grave.destroy = conn_destroy;
	c->ctx = ctx;
	c->target = *target;
	c->source = *source;
	loop_timer_init(&c->idle_timer, idle_cb, c);
	c->next = ctx->conns;
	if (ctx->conns != NULL) {
		ctx->conns->prev = c;
	}
	ctx->conns = c;
	c->listed = true;
	*out = c;
	return 0;
}

/* A usable connection to target from source with room for one more. */
static struct fwd_conn *conn_find(struct forward_ctx *ctx,
				  const struct zg_addr *target,
				  const struct zg_addr *source)
{
	for (struct fwd_conn *c = ctx->conns; c != NULL; c = c->next) {
		if (addr_equal(&c->target, target) &&
		    addr_equal_ip(&c->source, source) &&
		    addr_family(&c->source) == addr_family(source) &&
		    c->n_pending < FWD_TCP_MAX_PENDING &&
		    c->out_len + 2 + FWD_QUERY_MAX <= CONN_OUT_MAX) {
			return c;
		}
	}
	return NULL;
}

static int unique_id(struct forward_ctx *ctx, struct fwd_conn *c,
		     uint16_t *msg_id)
{
	for (int i = 0; i < 16; i++) {
		int ret = fwd_random(ctx, msg_id, sizeof(*msg_id));
		if (ret != 0) {
			return ret;
		}
		if (find_pending(c, *msg_id) == NULL) {
			return 0;
		}
	}
	return ZG_ELIMIT;
}

int fwd_tcp_send(struct forward_ctx *ctx, struct fwd_try *t, bool *reused)
{
	struct fwd_conn *c = conn_find(ctx, &t->target, &t->source);
	*reused = c != NULL && c->open;
	int ret = c != NULL ? 0 : conn_open(ctx, &t->target, &t->source, &c);
	uint16_t msg_id = 0;
	if (ret == 0) {
		ret = unique_id(ctx, c, &msg_id);
	}
	if (ret != 0) {
		return ret;
	}

	fwd_msg_set_id(t, msg_id);
	knot_wire_write_u16(c->out + c->out_len, (uint16_t)t->wire_len);
	memcpy(c->out + c->out_len + 2, t->wire, t->wire_len);
	c->out_len += 2 + t->wire_len;
	/* Written when the socket says it can take it: never from inside
	 * this call, so a failure is reported from the loop. */
	if (c->open) {
		ret = watch(c, EPOLLIN | EPOLLOUT);
		if (ret != 0) {
			c->out_len -= 2 + t->wire_len;
			return ret;
		}
	}

	loop_timer_stop(ctx->loop, &c->idle_timer);
	t->conn = c;
	t->prev = NULL;
	t->next = c->pending;
	if (c->pending != NULL) {
		c->pending->prev = t;
	}
	c->pending = t;
	c->n_pending++;
	return 0;
}

void fwd_tcp_detach(struct fwd_try *t)
{
	if (t->conn != NULL) {
		pending_remove(t->conn, t);
	}
}

void fwd_tcp_close_all(struct forward_ctx *ctx)
{
	while (ctx->conns != NULL) {
		struct fwd_conn *c = ctx->conns;
		while (c->pending != NULL) {
			pending_remove(c, c->pending);
		}
		conn_close(c);
	}
}
