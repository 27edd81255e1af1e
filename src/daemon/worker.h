/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS worker threads: each runs its own loop with its own forwarder and
 * resolver, and answers UDP and TCP queries from the listener sockets. */
#ifndef ZONEGATE_DAEMON_WORKER_H
#define ZONEGATE_DAEMON_WORKER_H

#include <stddef.h>

struct loop;
struct resolve_ctx;
struct listener_socket;
struct tcp_server;
struct udp_batch;
struct worker;

/*
 * A query handed to the resolver whose reply has not come back yet.
 * Linked into its worker's list so that what the resolver never answers
 * (it drops pending queries when freed at shutdown) is still freed.
 */
struct worker_pending {
	struct worker_pending *prev;
	struct worker_pending *next;
	/*! Frees the query without answering; called at shutdown only. */
	void (*discard)(struct worker_pending *pending);
};

/*!
 * Creates worker number index with its loop, forwarder, resolver and TCP
 * server; no thread runs yet. NULL on failure (logged).
 */
struct worker *worker_new(unsigned index);

/*! Starts the worker's thread. \retval 0 or -errno (logged). */
int worker_start(struct worker *w);

/*!
 * Stops the loop and joins the thread, which on its way out frees the
 * resolver and forwarder, every query still pending and every TCP
 * connection. Harmless on a worker that never started.
 */
void worker_stop(struct worker *w);

/*! Frees a stopped worker and its loop. Accepts NULL. */
void worker_free(struct worker *w);

/*! The worker running the calling thread, NULL outside workers. Lets a
 *  zone service called from the query path find the loop to post its
 *  reply to. */
struct worker *worker_current(void);

struct loop *worker_loop(struct worker *w);
struct resolve_ctx *worker_resolver(struct worker *w);
struct tcp_server *worker_tcp(struct worker *w);
struct udp_batch *worker_udp_batch(struct worker *w);
unsigned worker_index(const struct worker *w);

/*! Tracks a query until its reply or shutdown. Worker thread only. */
void worker_pending_add(struct worker *w, struct worker_pending *pending);

/*! Stops tracking a query (its reply came). Worker thread only. */
void worker_pending_remove(struct worker_pending *pending);

#endif
