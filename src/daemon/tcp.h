/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS over TCP (RFC 7766): accepting connections and answering the
 * queries framed on them, several at a time, in the accepting worker. */
#ifndef ZONEGATE_DAEMON_TCP_H
#define ZONEGATE_DAEMON_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolve/resolve.h"

struct worker;
struct listener_socket;

/* Limits of one worker's TCP service. */
#define TCP_MAX_CONNECTIONS 256	/* open connections per worker */
#define TCP_MAX_INFLIGHT 32	/* per connection: queries being answered
				 * plus answers not yet written */
#define TCP_IDLE_TIMEOUT_MS 10000 /* no progress in either direction */
#define TCP_MESSAGE_TIMEOUT_MS 5000 /* a query must arrive whole within
				     * this time of its first byte */
#define TCP_PER_CLIENT_DEFAULT 16 /* open connections per client address
				   * per worker, unless set otherwise */

/* One worker's TCP connections. Worker thread only. */
struct tcp_server;

/*! NULL on ENOMEM. */
struct tcp_server *tcp_server_new(struct worker *w);

/*!
 * Sets how many connections one client address may hold open in each
 * worker (zonegated --tcp-max-per-client); 0 restores
 * TCP_PER_CLIENT_DEFAULT. More are closed as soon as they are accepted.
 * Call before the workers start.
 */
void tcp_set_per_client_limit(unsigned limit);

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

/*
 * Multi-message answers (zone transfers, RFC 5936 section 2.2). The
 * reply callback and argument that tcp.c passes to resolve_query()
 * finish a query with its last message; before that, tcp_reply_part()
 * sends the others. All of these run in the worker thread that owns the
 * connection (zone services post there; see daemon/zonesvc.h).
 */

/*! Learns that a message passed to tcp_reply_part() was written to the
 *  socket (ok) or dropped because the connection closed (!ok). Called
 *  exactly once, in the worker thread, possibly before tcp_reply_part()
 *  returns. */
typedef void (*tcp_written_cb)(void *arg, bool ok);

/*! True when cb is the TCP transport's reply callback, so its argument
 *  can take tcp_reply_part() and tcp_reply_abort(). */
bool tcp_is_reply(resolve_reply_cb cb);

/*! Sends one message of the answer to the query arg (the reply argument
 *  of a TCP query) without finishing the query. */
void tcp_reply_part(void *arg, const uint8_t *wire, size_t len,
		    tcp_written_cb written, void *written_arg);

/*! Finishes the query arg without a last message and closes its
 *  connection: the client sees a multi-message answer break off. */
void tcp_reply_abort(void *arg);

#endif
