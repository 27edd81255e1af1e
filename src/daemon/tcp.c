/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS over TCP (RFC 7766): one non-blocking state machine per connection
 * in the worker that accepted it, with pipelined queries whose answers
 * may go out in any order. */
#include "daemon/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/error.h"
#include "common/log.h"
#include "common/loop.h"
#include "config/config.h"
#include "daemon/listeners.h"
#include "daemon/worker.h"
#include "resolve/resolve.h"

#include <urcu.h>

#define TCP_ACCEPT_BATCH 16	/* accepts per wake-up */
#define TCP_READ_ROUNDS 8	/* reads per wake-up */
#define TCP_RBUF_INITIAL 1024
#define TCP_MSG_MAX 65535	/* a two-byte length prefix allows no more */

/*
 * Life of a connection:
 *
 *   accept --> OPEN --(client sends FIN,    --> EOF: no more reads; answers
 *               |     or is in no VPC)           |   still computed and sent
 *               |                            | all answered and written
 *               | error, idle, slow message, v
 *               | bad framing
 *               +----------------------> CLOSED: fd closed; answers that
 *                                          |     come now are dropped
 *                                          | no query pending
 *                                          v
 *                                        freed (from a timer, once nothing
 *                                        up the stack looks at it)
 */

/* An answer, length prefix included, not yet fully written. */
struct tcp_out {
	struct tcp_out *next;
	size_t len;
	size_t off;			/* bytes already written */
	tcp_written_cb written;		/* or NULL; see tcp_reply_part() */
	void *written_arg;
	uint8_t data[];
};

struct tcp_conn {
	struct tcp_server *srv;
	struct tcp_conn *prev;		/* server's list */
	struct tcp_conn *next;
	struct loop_io io;
	struct loop_timer timer;	/* idle and message timeouts; then the
					 * deferred free */
	uint64_t active_ms;		/* last progress (loop time) */
	uint64_t msg_start_ms;		/* first byte of the partial message
					 * in rbuf; 0: none */
	struct zg_addr local;		/* getsockname() */
	struct zg_addr peer;
	uint8_t *rbuf;			/* received bytes not yet dispatched */
	size_t rlen;
	size_t rcap;
	struct tcp_out *out_head;	/* answers waiting to be written */
	struct tcp_out *out_tail;
	unsigned n_out;
	unsigned n_pending;		/* queries the resolver still owes */
	uint32_t events;		/* what io is watched for now */
	bool open;			/* fd valid, in the loop */
	bool eof;			/* client finished sending, or is
					 * in no VPC: nothing more is read */
	bool busy;			/* inside dispatch_frames() */
	bool free_scheduled;
};

/* A query handed to the resolver. */
struct tcp_query {
	struct worker_pending link;
	struct tcp_conn *conn;
};

struct tcp_server {
	struct worker *w;
	struct tcp_conn *conns;		/* open and closed-not-yet-freed */
	unsigned n_open;
	uint64_t limit_logged_ms;	/* last accept problem logged; 0: never */
};

static void conn_step(struct tcp_conn *conn);

/* Set before the workers start, read-only afterwards. */
static unsigned per_client_limit = TCP_PER_CLIENT_DEFAULT;

void tcp_set_per_client_limit(unsigned limit)
{
	per_client_limit = limit != 0 ? limit : TCP_PER_CLIENT_DEFAULT;
}

static struct loop *conn_loop(const struct tcp_conn *conn)
{
	return worker_loop(conn->srv->w);
}

static unsigned inflight(const struct tcp_conn *conn)
{
	return conn->n_pending + conn->n_out;
}

static void conn_log(const struct tcp_conn *conn, enum zg_log_level level,
		     const char *what)
{
	if (!zg_log_enabled(level)) {
		return;
	}
	char peer[ZG_ADDR_STRLEN];
	char local[ZG_ADDR_STRLEN];
	char fields[2 * ZG_ADDR_STRLEN + 24];
	addr_format(&conn->peer, true, peer, sizeof(peer));
	addr_format(&conn->local, true, local, sizeof(local));
	snprintf(fields, sizeof(fields), "client=%s listen=%s proto=tcp",
		 peer, local);
	zg_log(level, "daemon", fields, "%s", what);
}

static void conn_unlink_free(struct tcp_conn *conn)
{
	struct tcp_server *srv = conn->srv;

	if (conn->prev != NULL) {
		conn->prev->next = conn->next;
	} else {
		srv->conns = conn->next;
	}
	if (conn->next != NULL) {
		conn->next->prev = conn->prev;
	}
	while (conn->out_head != NULL) {
		struct tcp_out *out = conn->out_head;
		conn->out_head = out->next;
		if (out->written != NULL) {
			out->written(out->written_arg, false);
		}
		free(out);
	}
	free(conn->rbuf);
	free(conn);
}

static void conn_free_cb(struct loop_timer *timer)
{
	conn_unlink_free(timer->arg);
}

/*
 * Frees a closed connection nobody refers to any more. The free waits
 * for a timer, which runs from the loop itself: callers up the stack
 * (a read loop, a dispatch loop) may still look at the connection after
 * it closed.
 */
static void conn_maybe_free(struct tcp_conn *conn)
{
	if (conn->open || conn->n_pending > 0 || conn->free_scheduled) {
		return;
	}
	conn->free_scheduled = true;
	loop_timer_init(&conn->timer, conn_free_cb, conn);
	loop_timer_start(conn_loop(conn), &conn->timer, 0);
}

/* Closes the socket. The struct lives on until conn_maybe_free(). */
/* Messages of a multi-message answer that can no longer be written are
 * dropped at once, so their sender stops instead of waiting for room. */
static void drop_unwritten(struct tcp_conn *conn)
{
	while (conn->out_head != NULL) {
		struct tcp_out *out = conn->out_head;
		conn->out_head = out->next;
		if (out->written != NULL) {
			out->written(out->written_arg, false);
		}
		free(out);
	}
	conn->out_tail = NULL;
	conn->n_out = 0;
}

static void conn_close(struct tcp_conn *conn, const char *why)
{
	if (!conn->open) {
		return;
	}
	conn_log(conn, ZG_LOG_DEBUG, why);
	loop_io_del(conn_loop(conn), &conn->io);
	loop_timer_stop(conn_loop(conn), &conn->timer);
	/* Unread bytes make close() reset the connection, which can destroy
	 * an answer still on its way (a client in no VPC that sent more
	 * than its first query): read a bounded amount of them first. */
	uint8_t sink[1024];
	for (int i = 0; i < 16 && recv(conn->io.fd, sink, sizeof(sink),
				       MSG_DONTWAIT) > 0; i++) {
	}
	close(conn->io.fd);
	conn->io.fd = -1;
	conn->open = false;
	conn->srv->n_open--;
	drop_unwritten(conn);
}

/* Arms the timer for the earlier of the idle timeout and the deadline
 * of a partial message. */
static void conn_arm(struct tcp_conn *conn)
{
	uint64_t now = loop_now_ms(conn_loop(conn));
	uint64_t due = conn->active_ms + TCP_IDLE_TIMEOUT_MS;
	if (conn->msg_start_ms != 0 &&
	    conn->msg_start_ms + TCP_MESSAGE_TIMEOUT_MS < due) {
		due = conn->msg_start_ms + TCP_MESSAGE_TIMEOUT_MS;
	}
	loop_timer_start(conn_loop(conn), &conn->timer,
			 due > now ? due - now : 0);
}

static void conn_touch(struct tcp_conn *conn)
{
	conn->active_ms = loop_now_ms(conn_loop(conn));
	conn_arm(conn);
}

static void idle_cb(struct loop_timer *timer)
{
	struct tcp_conn *conn = timer->arg;
	uint64_t now = loop_now_ms(conn_loop(conn));

	/* Any byte resets the idle timeout, so a client dribbling a byte
	 * now and then could hold a connection for ever: a message must
	 * arrive whole within its own deadline. */
	if (conn->msg_start_ms != 0 &&
	    now >= conn->msg_start_ms + TCP_MESSAGE_TIMEOUT_MS) {
		conn_close(conn, "a query did not arrive whole within 5 s of its first byte; connection closed");
		conn_maybe_free(conn);
		return;
	}
	/* A query in progress ends within the resolver's total timeout;
	 * the client is not idle while it waits for it. */
	if (conn->n_pending > 0) {
		conn_touch(conn);
		return;
	}
	if (now < conn->active_ms + TCP_IDLE_TIMEOUT_MS) {
		conn_arm(conn);
		return;
	}
	conn_close(conn, "connection idle; closed");
	conn_maybe_free(conn);
}

static void queue_out(struct tcp_conn *conn, const uint8_t *frame_head,
		      const uint8_t *wire, size_t len, size_t done,
		      tcp_written_cb written, void *written_arg)
{
	size_t total = 2 + len;
	struct tcp_out *out = malloc(sizeof(*out) + total - done);
	if (out == NULL) {
		conn_close(conn, "out of memory for an answer; connection closed");
		if (written != NULL) {
			written(written_arg, false);
		}
		return;
	}
	out->next = NULL;
	out->len = total - done;
	out->off = 0;
	out->written = written;
	out->written_arg = written_arg;

	uint8_t *p = out->data;
	if (done < 2) {
		memcpy(p, frame_head + done, 2 - done);
		p += 2 - done;
		done = 2;
	}
	memcpy(p, wire + (done - 2), len - (done - 2));

	if (conn->out_tail != NULL) {
		conn->out_tail->next = out;
	} else {
		conn->out_head = out;
	}
	conn->out_tail = out;
	conn->n_out++;
}

/* Sends one answer with its length prefix (RFC 1035 section 4.2.2);
 * what the socket does not take now is queued. written (may be NULL)
 * learns when the whole message is written or dropped. */
static void conn_send(struct tcp_conn *conn, const uint8_t *wire, size_t len,
		      tcp_written_cb written, void *written_arg)
{
	uint8_t head[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	size_t done = 0;

	if (conn->out_head == NULL) {
		struct iovec iov[2] = {
			{ .iov_base = head, .iov_len = 2 },
			{ .iov_base = (void *)wire, .iov_len = len },
		};
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t n = sendmsg(conn->io.fd, &msg,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			conn_close(conn, "cannot write the answer; connection closed");
			if (written != NULL) {
				written(written_arg, false);
			}
			return;
		}
		if (n > 0) {
			done = (size_t)n;
			conn_touch(conn);
		}
		if (done == 2 + len) {
			if (written != NULL) {
				written(written_arg, true);
			}
			return;
		}
	}
	queue_out(conn, head, wire, len, done, written, written_arg);
}

/* Writes queued answers until the socket is full. */
static void conn_flush(struct tcp_conn *conn)
{
	while (conn->open && conn->out_head != NULL) {
		struct tcp_out *out = conn->out_head;
		ssize_t n = send(conn->io.fd, out->data + out->off,
				 out->len - out->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				conn_close(conn, "cannot write an answer; connection closed");
			}
			return;
		}
		conn_touch(conn);
		out->off += (size_t)n;
		if (out->off == out->len) {
			conn->out_head = out->next;
			if (conn->out_head == NULL) {
				conn->out_tail = NULL;
			}
			conn->n_out--;
			if (out->written != NULL) {
				out->written(out->written_arg, true);
			}
			free(out);
		}
	}
}

static void query_discard(struct worker_pending *link)
{
	free((char *)link - offsetof(struct tcp_query, link));
}

/* The resolver's reply callback; may run inside resolve_query(). */
static void tcp_answer(void *arg, const uint8_t *wire, size_t len)
{
	struct tcp_query *q = arg;
	struct tcp_conn *conn = q->conn;

	worker_pending_remove(&q->link);
	free(q);
	conn->n_pending--;

	if (conn->open && len > 0 && len <= TCP_MSG_MAX) {
		conn_send(conn, wire, len, NULL, NULL);
	}
	conn_step(conn);
}

bool tcp_is_reply(resolve_reply_cb cb)
{
	return cb == tcp_answer;
}

void tcp_reply_part(void *arg, const uint8_t *wire, size_t len,
		    tcp_written_cb written, void *written_arg)
{
	struct tcp_query *q = arg;
	struct tcp_conn *conn = q->conn;

	if (!conn->open || len == 0 || len > TCP_MSG_MAX) {
		written(written_arg, false);
		return;
	}
	conn_send(conn, wire, len, written, written_arg);
	conn_step(conn);
}

void tcp_reply_abort(void *arg)
{
	struct tcp_query *q = arg;
	struct tcp_conn *conn = q->conn;

	worker_pending_remove(&q->link);
	free(q);
	conn->n_pending--;
	conn_close(conn, "a multi-message answer broke off; connection closed");
	conn_step(conn);
}

/* A client in no VPC is answered REFUSED and nothing else (resolution.md
 * section 1.4); it gets no more of the connections VPC clients need. */
static bool client_in_no_vpc(const struct tcp_conn *conn)
{
	rcu_read_lock();
	const struct config *cfg = config_current();
	bool none = cfg == NULL ||
		    config_classify(cfg, &conn->local, &conn->peer) == NULL;
	rcu_read_unlock();
	return none;
}

static void dispatch_query(struct tcp_conn *conn, const uint8_t *wire,
			   size_t len)
{
	struct worker *w = conn->srv->w;

	struct tcp_query *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		conn_close(conn, "out of memory for a query; connection closed");
		return;
	}
	q->conn = conn;
	q->link.discard = query_discard;
	worker_pending_add(w, &q->link);
	conn->n_pending++;

	int ret = resolve_query(worker_resolver(w), wire, len, &conn->local,
				&conn->peer, true, tcp_answer, q);
	if (ret != 0) {
		worker_pending_remove(&q->link);
		free(q);
		conn->n_pending--;
		conn_close(conn, "cannot start resolving a query; connection closed");
	}
}

/* Makes room for a frame of total bytes (length prefix included). */
static bool ensure_capacity(struct tcp_conn *conn, size_t total)
{
	if (total <= conn->rcap) {
		return true;
	}
	uint8_t *buf = realloc(conn->rbuf, total);
	if (buf == NULL) {
		return false;
	}
	conn->rbuf = buf;
	conn->rcap = total;
	return true;
}

/*
 * Hands every complete frame to the resolver while the connection is
 * under its in-flight limit; frames beyond it wait in the buffer. An
 * answer may arrive (and even close the connection) inside each
 * dispatch, so the state is checked again after each one.
 */
static void dispatch_frames(struct tcp_conn *conn)
{
	size_t pos = 0;

	while (conn->open && inflight(conn) < TCP_MAX_INFLIGHT &&
	       conn->rlen - pos >= 2) {
		size_t len = ((size_t)conn->rbuf[pos] << 8) | conn->rbuf[pos + 1];
		if (len == 0) {
			conn_close(conn, "empty message; connection closed");
			return;
		}
		if (conn->rlen - pos < 2 + len) {
			break;
		}
		const uint8_t *wire = conn->rbuf + pos + 2;
		pos += 2 + len;
		conn->msg_start_ms = 0;
		if (client_in_no_vpc(conn)) {
			/* This query gets its REFUSED; then the connection
			 * closes, whatever else the client sent. */
			conn->eof = true;
			pos = conn->rlen;
			dispatch_query(conn, wire, len);
			conn_log(conn, ZG_LOG_DEBUG, "client in no VPC; the connection closes after the answer");
			break;
		}
		dispatch_query(conn, wire, len);
	}
	if (!conn->open) {
		return;
	}

	memmove(conn->rbuf, conn->rbuf + pos, conn->rlen - pos);
	conn->rlen -= pos;
	if (conn->rlen >= 2) {
		size_t len = ((size_t)conn->rbuf[0] << 8) | conn->rbuf[1];
		if (!ensure_capacity(conn, 2 + len)) {
			conn_close(conn, "out of memory for a query; connection closed");
		}
	}
}

static bool has_complete_frame(const struct tcp_conn *conn)
{
	if (conn->rlen < 2) {
		return false;
	}
	size_t len = ((size_t)conn->rbuf[0] << 8) | conn->rbuf[1];
	return conn->rlen >= 2 + len;
}

static void update_events(struct tcp_conn *conn)
{
	uint32_t want = 0;

	if (!conn->eof && inflight(conn) < TCP_MAX_INFLIGHT) {
		want |= EPOLLIN;
	}
	if (conn->out_head != NULL) {
		want |= EPOLLOUT;
	}
	if (want == conn->events) {
		return;
	}
	int ret = loop_io_mod(conn_loop(conn), &conn->io, want);
	if (ret != 0) {
		conn_close(conn, "cannot change what the connection waits for; closed");
		return;
	}
	conn->events = want;
}

/*
 * Moves the connection on after anything happened: dispatches waiting
 * frames, closes it when the client is done and everything is
 * answered, adjusts what the loop watches, frees it when closed and
 * idle. Re-entered from an answer given inside dispatch, it leaves the
 * work to the outer call.
 */
static void conn_step(struct tcp_conn *conn)
{
	if (conn->busy) {
		return;
	}
	conn->busy = true;
	if (conn->open) {
		dispatch_frames(conn);
	}
	conn->busy = false;

	/* The deadline of a partial message runs from its first byte, and
	 * only while it is up to the client to send the rest. */
	bool partial = conn->rlen > 0 && !has_complete_frame(conn) &&
		       !conn->eof && inflight(conn) < TCP_MAX_INFLIGHT;
	if (!partial) {
		conn->msg_start_ms = 0;
	} else if (conn->open && conn->msg_start_ms == 0) {
		conn->msg_start_ms = loop_now_ms(conn_loop(conn));
		conn_arm(conn);
	}

	if (conn->open && conn->eof && conn->n_pending == 0 &&
	    conn->out_head == NULL && !has_complete_frame(conn)) {
		conn_close(conn, "client finished; connection closed");
	}
	if (conn->open) {
		update_events(conn);
	}
	conn_maybe_free(conn);
}

static void conn_read(struct tcp_conn *conn)
{
	for (int round = 0; round < TCP_READ_ROUNDS; round++) {
		if (!conn->open || conn->eof ||
		    inflight(conn) >= TCP_MAX_INFLIGHT ||
		    conn->rlen == conn->rcap) {
			return;
		}
		ssize_t n = recv(conn->io.fd, conn->rbuf + conn->rlen,
				 conn->rcap - conn->rlen, MSG_DONTWAIT);
		if (n > 0) {
			conn->rlen += (size_t)n;
			conn_touch(conn);
			conn_step(conn);
			continue;
		}
		if (n == 0) {
			conn->eof = true;
			return;
		}
		if (errno == EINTR) {
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			conn_close(conn, "cannot read; connection closed");
		}
		return;
	}
}

static void conn_io_cb(struct loop_io *io, uint32_t events)
{
	struct tcp_conn *conn = io->arg;

	/* EPOLLHUP: the client reset the connection or shut down both
	 * directions; nothing could be written back. */
	if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
		conn_close(conn, "connection reset by the client");
		conn_maybe_free(conn);
		return;
	}
	if ((events & EPOLLOUT) != 0) {
		conn_flush(conn);
	}
	if ((events & EPOLLIN) != 0) {
		conn_read(conn);
	}
	conn_step(conn);
}

static struct tcp_conn *conn_new(struct tcp_server *srv, int fd,
				 const struct zg_addr *peer)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct zg_addr local;

	/* For a wildcard listener only the accepted socket knows which
	 * address the client connected to; it classifies the queries. */
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0 ||
	    addr_from_sockaddr((struct sockaddr *)&ss, sslen, &local) != 0) {
		return NULL;
	}
	struct tcp_conn *conn = calloc(1, sizeof(*conn));
	uint8_t *rbuf = malloc(TCP_RBUF_INITIAL);
	if (conn == NULL || rbuf == NULL) {
		free(conn);
		free(rbuf);
		return NULL;
	}
	conn->srv = srv;
	conn->local = local;
	conn->peer = *peer;
	conn->rbuf = rbuf;
	conn->rcap = TCP_RBUF_INITIAL;
	conn->io.fd = fd;
	conn->io.cb = conn_io_cb;
	conn->io.arg = conn;
	conn->events = EPOLLIN;
	loop_timer_init(&conn->timer, idle_cb, conn);

	if (loop_io_add(worker_loop(srv->w), &conn->io, EPOLLIN) != 0) {
		free(rbuf);
		free(conn);
		return NULL;
	}
	conn->open = true;
	conn->next = srv->conns;
	if (srv->conns != NULL) {
		srv->conns->prev = conn;
	}
	srv->conns = conn;
	srv->n_open++;
	conn_touch(conn);
	return conn;
}

/* Logs a problem with accepting at most every 10 s per worker: it
 * comes back with every connection attempt. */
static void log_accept_problem(struct tcp_server *srv, const char *what)
{
	uint64_t now = loop_now_ms(worker_loop(srv->w));

	if (srv->limit_logged_ms != 0 && now - srv->limit_logged_ms < 10000) {
		return;
	}
	srv->limit_logged_ms = now;
	char fields[32];
	snprintf(fields, sizeof(fields), "worker=%u", worker_index(srv->w));
	zg_log(ZG_LOG_WARNING, "daemon", fields, "%s", what);
}

/* How many open connections of the worker come from peer's address. */
static unsigned open_from(const struct tcp_server *srv,
			  const struct zg_addr *peer)
{
	unsigned n = 0;
	for (const struct tcp_conn *c = srv->conns; c != NULL; c = c->next) {
		if (c->open && addr_equal_ip(&c->peer, peer)) {
			n++;
		}
	}
	return n;
}

/* One accept(); \retval false when nothing more is waiting now. */
static bool accept_one(struct tcp_server *srv, struct listener_socket *sock)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	struct zg_addr peer;

	int fd = accept4(sock->fd, (struct sockaddr *)&ss, &sslen,
			 SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			return false;	/* none left, or another worker */
		}
		if (errno == ECONNABORTED || errno == EINTR ||
		    errno == EPROTO) {
			return true;
		}
		/* LIMITATION: out of file descriptors or memory, the
		 * waiting connection keeps the listener readable, so the
		 * worker wakes again at once and spends CPU until a
		 * descriptor is free; queries are still answered. */
		char what[160];
		snprintf(what, sizeof(what), "cannot accept a TCP connection: %s; retrying",
			 zg_strerror(-errno));
		log_accept_problem(srv, what);
		return false;
	}
	if (srv->n_open >= TCP_MAX_CONNECTIONS) {
		log_accept_problem(srv, "too many TCP connections open in this worker; new ones are closed at once until some end");
		close(fd);
		return true;
	}
	if (addr_from_sockaddr((struct sockaddr *)&ss, sslen, &peer) != 0) {
		close(fd);
		return true;
	}
	/* One client address cannot take every connection of the worker
	 * from the others. */
	if (open_from(srv, &peer) >= per_client_limit) {
		log_accept_problem(srv, "a client address holds too many TCP connections in this worker (--tcp-max-per-client); its new ones are closed at once");
		close(fd);
		return true;
	}

	/* Answers are whole messages written at once; Nagle would only hold
	 * back the next answer of a pipelined connection. */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	struct tcp_conn *conn = conn_new(srv, fd, &peer);
	if (conn == NULL) {
		close(fd);
		return true;
	}
	conn_log(conn, ZG_LOG_DEBUG, "connection accepted");
	return true;
}

void tcp_accept_ready(struct worker *w, struct listener_socket *sock)
{
	struct tcp_server *srv = worker_tcp(w);

	for (int i = 0; i < TCP_ACCEPT_BATCH; i++) {
		if (!accept_one(srv, sock)) {
			return;
		}
	}
}

struct tcp_server *tcp_server_new(struct worker *w)
{
	struct tcp_server *srv = calloc(1, sizeof(*srv));
	if (srv == NULL) {
		return NULL;
	}
	srv->w = w;
	return srv;
}

void tcp_server_free(struct tcp_server *srv)
{
	if (srv == NULL) {
		return;
	}
	while (srv->conns != NULL) {
		struct tcp_conn *conn = srv->conns;
		conn_close(conn, "daemon stopping; connection closed");
		loop_timer_stop(conn_loop(conn), &conn->timer);
		conn_unlink_free(conn);
	}
	free(srv);
}
