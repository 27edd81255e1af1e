/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS over TCP (RFC 7766): accepting connections and answering the
 * queries framed on them, several at a time, in the accepting worker. */
#ifndef ZONEGATE_DAEMON_TCP_H
#define ZONEGATE_DAEMON_TCP_H

struct worker;
struct listener_socket;

/* Limits of one worker's TCP service. */
#define TCP_MAX_CONNECTIONS 256	/* open connections per worker */
#define TCP_MAX_INFLIGHT 32	/* per connection: queries being answered
				 * plus answers not yet written */
#define TCP_IDLE_TIMEOUT_MS 10000 /* no progress in either direction */

/* One worker's TCP connections. Worker thread only. */
struct tcp_server;

/*! NULL on ENOMEM. */
struct tcp_server *tcp_server_new(struct worker *w);

/*!
 * Closes every connection and frees the server. Call in the worker's
 * thread after its loop stopped and its resolver was freed (so no
 * answer can arrive any more). Accepts NULL.
 */
void tcp_server_free(struct tcp_server *srv);

/*!
 * Accepts the connections waiting on the listening socket sock (a
 * bounded number per call) into w's loop. Worker thread only.
 */
void tcp_accept_ready(struct worker *w, struct listener_socket *sock);

#endif
