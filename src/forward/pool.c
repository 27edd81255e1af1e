/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-worker pools of UDP sockets, one pool per source address, each
 * socket bound to a port chosen with getrandom() and replaced after a
 * few uses (RFC 5452 section 9.2). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "forward/internal.h"

/* Ports below this need privileges and hold well-known services. */
#define FWD_PORT_MIN 1024
/* Random ports tried before giving up on a socket (EADDRINUSE). */
#define FWD_BIND_ATTEMPTS 32
/* Random IDs tried to find one not waiting on the socket already. */
#define FWD_ID_ATTEMPTS 16
/* Datagrams read per readiness event before letting others run. */
#define FWD_READ_BURST 32

int fwd_socket(const struct zg_addr *addr, int type)
{
	int family = addr_family(addr);
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return -errno;
	}

	/* FREEBIND: a source may be an address that moves between hosts
	 * and is not held here yet (resolution.md section 1). V6ONLY: no
	 * v4-mapped traffic on IPv6 sockets. */
	int one = 1;
	int ret;
	if (family == AF_INET6) {
		ret = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				 sizeof(one));
		if (ret == 0) {
			ret = setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one,
					 sizeof(one));
		}
	} else {
		ret = setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	}
	if (ret != 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static void sock_destroy(struct fwd_grave *grave)
{
	free((struct fwd_sock *)grave);
}

static void sock_close(struct fwd_sock *sock)
{
	struct fwd_pool *pool = sock->pool;

	loop_io_del(pool->ctx->loop, &sock->io);
	close(sock->io.fd);
	sock->io.fd = -1;
	if (sock->slot >= 0) {
		pool->active[sock->slot] = NULL;
	}
	if (sock->prev != NULL) {
		sock->prev->next = sock->next;
	} else {
		pool->socks = sock->next;
	}
	if (sock->next != NULL) {
		sock->next->prev = sock->prev;
	}
	fwd_bury(pool->ctx, &sock->grave);
}

static struct fwd_try *find_try(struct fwd_sock *sock, uint16_t msg_id)
{
	for (struct fwd_try *t = sock->tries; t != NULL; t = t->next) {
		if (t->msg_id == msg_id) {
			return t;
		}
	}
	return NULL;
}

static void sock_readable(struct loop_io *io, uint32_t events)
{
	struct fwd_sock *sock = io->arg;
	struct forward_ctx *ctx = sock->pool->ctx;

	/* Each reply may end a query and run its callback, which may close
	 * this socket: stop reading once it is no longer watched. */
	for (int i = 0; i < FWD_READ_BURST && io->added; i++) {
		struct sockaddr_storage ss;
		socklen_t ss_len = sizeof(ss);
		ssize_t n = recvfrom(io->fd, ctx->rx, sizeof(ctx->rx), 0,
				     (struct sockaddr *)&ss, &ss_len);
		if (n < 0) {
			return;	/* EAGAIN, or an error nobody waits for */
		}
		struct zg_addr from;
		if (n < KNOT_WIRE_HEADER_SIZE ||
		    addr_from_sockaddr((struct sockaddr *)&ss, ss_len,
				       &from) != 0) {
			continue;
		}
		struct fwd_try *t = find_try(sock, knot_wire_get_id(ctx->rx));
		if (t != NULL) {
			fwd_try_reply(t, &from, ctx->rx, (size_t)n);
		}
	}
}

static int random_port(struct forward_ctx *ctx, uint16_t *port)
{
	for (;;) {
		uint16_t value;
		int ret = fwd_random(ctx, &value, sizeof(value));
		if (ret != 0) {
			return ret;
		}
		if (value >= FWD_PORT_MIN) {
			*port = value;
			return 0;
		}
	}
}

static int bind_random_port(struct forward_ctx *ctx, int fd,
			    const struct zg_addr *source, uint16_t *port)
{
	for (int i = 0; i < FWD_BIND_ATTEMPTS; i++) {
		int ret = random_port(ctx, port);
		if (ret != 0) {
			return ret;
		}
		struct zg_addr local = *source;
		addr_set_port(&local, *port);
		if (bind(fd, (struct sockaddr *)&local.ss, local.len) == 0) {
			return 0;
		}
		if (errno != EADDRINUSE) {
			return -errno;
		}
	}
	return -EADDRINUSE;
}

static void warn_socket_failure(struct fwd_pool *pool, int err)
{
	struct forward_ctx *ctx = pool->ctx;
	uint64_t now = loop_now_ms(ctx->loop);

	if (ctx->socket_warned &&
	    now - ctx->socket_warned_ms < FWD_WARN_INTERVAL_MS) {
		return;
	}
	ctx->socket_warned = true;
	ctx->socket_warned_ms = now;

	char fields[ZG_ADDR_STRLEN + 8] = "source=any";
	if (!addr_is_unspecified(&pool->source)) {
		char text[ZG_ADDR_STRLEN];
		addr_format(&pool->source, false, text, sizeof(text));
		snprintf(fields, sizeof(fields), "source=%s", text);
	}
	zg_log(ZG_LOG_WARNING, "forward", fields,
	       "cannot open a UDP socket: %s; forwarded queries from this source fail until one opens (next such warning in 60 s at most)",
	       zg_strerror(err));
}

static int sock_open(struct fwd_pool *pool, int slot, struct fwd_sock **out)
{
	struct forward_ctx *ctx = pool->ctx;

	int fd = fwd_socket(&pool->source, SOCK_DGRAM);
	if (fd < 0) {
		warn_socket_failure(pool, fd);
		return fd;
	}
	uint16_t port = 0;
	int ret = bind_random_port(ctx, fd, &pool->source, &port);
	struct fwd_sock *sock = NULL;
	if (ret == 0) {
		sock = calloc(1, sizeof(*sock));
		ret = sock != NULL ? 0 : ZG_ENOMEM;
	}
	if (ret == 0) {
		sock->io.fd = fd;
		sock->io.cb = sock_readable;
		sock->io.arg = sock;
		ret = loop_io_add(ctx->loop, &sock->io, EPOLLIN);
	}
	if (ret != 0) {
		warn_socket_failure(pool, ret);
		free(sock);
		close(fd);
		return ret;
	}

	sock->grave.destroy = sock_destroy;
	sock->pool = pool;
	sock->slot = slot;
	sock->port = port;
	sock->next = pool->socks;
	if (pool->socks != NULL) {
		pool->socks->prev = sock;
	}
	pool->socks = sock;
	pool->active[slot] = sock;
	if (!loop_timer_running(&ctx->sweeper)) {
		loop_timer_start(ctx->loop, &ctx->sweeper, FWD_SWEEP_MS);
	}
	*out = sock;
	return 0;
}

static struct fwd_pool *pool_get(struct forward_ctx *ctx,
				 const struct zg_addr *source)
{
	for (struct fwd_pool *pool = ctx->pools; pool != NULL;
	     pool = pool->next) {
		if (addr_equal_ip(&pool->source, source)) {
			return pool;
		}
	}
	struct fwd_pool *pool = calloc(1, sizeof(*pool));
	if (pool == NULL) {
		return NULL;
	}
	pool->ctx = ctx;
	pool->source = *source;
	pool->next = ctx->pools;
	ctx->pools = pool;
	return pool;
}

/* A random socket of the pool, opened when its slot is empty. */
static int pool_pick(struct fwd_pool *pool, struct fwd_sock **out)
{
	uint8_t slot;
	int ret = fwd_random(pool->ctx, &slot, sizeof(slot));
	if (ret != 0) {
		return ret;
	}
	slot %= FWD_POOL_SOCKETS;
	if (pool->active[slot] != NULL) {
		*out = pool->active[slot];
		return 0;
	}
	return sock_open(pool, slot, out);
}

static int unique_id(struct forward_ctx *ctx, struct fwd_sock *sock,
		     uint16_t *msg_id)
{
	for (int i = 0; i < FWD_ID_ATTEMPTS; i++) {
		int ret = fwd_random(ctx, msg_id, sizeof(*msg_id));
		if (ret != 0) {
			return ret;
		}
		if (find_try(sock, *msg_id) == NULL) {
			return 0;
		}
	}
	return ZG_ELIMIT;
}

static void try_attach(struct fwd_sock *sock, struct fwd_try *t,
		       uint16_t msg_id)
{
	t->sock = sock;
	t->msg_id = msg_id;
	t->prev = NULL;
	t->next = sock->tries;
	if (sock->tries != NULL) {
		sock->tries->prev = t;
	}
	sock->tries = t;
	sock->inflight++;
}

int fwd_pool_send(struct forward_ctx *ctx, struct fwd_try *t)
{
	struct fwd_pool *pool = pool_get(ctx, &t->source);
	if (pool == NULL) {
		return ZG_ENOMEM;
	}
	struct fwd_sock *sock;
	int ret = pool_pick(pool, &sock);
	uint16_t msg_id = 0;
	if (ret == 0) {
		ret = unique_id(ctx, sock, &msg_id);
	}
	if (ret != 0) {
		return ret;
	}

	fwd_msg_set_id(t, msg_id);
	if (sendto(sock->io.fd, t->wire, t->wire_len, 0,
		   (const struct sockaddr *)&t->target.ss, t->target.len) < 0) {
		return -errno;
	}
	try_attach(sock, t, msg_id);
	sock->uses++;
	sock->last_used_ms = loop_now_ms(ctx->loop);

	/* Retired: no new tries; closed when its last reply is in. */
	if (sock->uses >= FWD_SOCKET_USES && sock->slot >= 0) {
		pool->active[sock->slot] = NULL;
		sock->slot = -1;
	}
	return 0;
}

void fwd_udp_detach(struct fwd_try *t)
{
	struct fwd_sock *sock = t->sock;
	if (sock == NULL) {
		return;
	}
	if (t->prev != NULL) {
		t->prev->next = t->next;
	} else {
		sock->tries = t->next;
	}
	if (t->next != NULL) {
		t->next->prev = t->prev;
	}
	t->prev = t->next = NULL;
	t->sock = NULL;
	sock->inflight--;
	if (sock->slot < 0 && sock->inflight == 0) {
		sock_close(sock);
	}
}

void fwd_pool_sweep(struct forward_ctx *ctx, bool everything)
{
	uint64_t now = loop_now_ms(ctx->loop);
	struct fwd_pool **link = &ctx->pools;

	while (*link != NULL) {
		struct fwd_pool *pool = *link;
		struct fwd_sock *sock = pool->socks;
		while (sock != NULL) {
			struct fwd_sock *next = sock->next;
			bool idle = sock->inflight == 0 &&
				    now - sock->last_used_ms >= FWD_IDLE_MS;
			if (everything || idle) {
				while (sock->tries != NULL) {
					fwd_udp_detach(sock->tries);
				}
				if (sock->io.fd >= 0) {
					sock_close(sock);
				}
			}
			sock = next;
		}
		if (pool->socks == NULL) {
			*link = pool->next;
			free(pool);
		} else {
			link = &pool->next;
		}
	}
}
