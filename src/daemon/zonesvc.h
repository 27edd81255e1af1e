/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The zone services the daemon offers on its DNS listeners: zone
 * transfers out and dynamic updates, wired to the query path, with the
 * reply streams that carry their answers back to the workers. */
#ifndef ZONEGATE_DAEMON_ZONESVC_H
#define ZONEGATE_DAEMON_ZONESVC_H

struct store;
struct config_publisher;
struct zonesvc;

/* Messages of one stream sent but not yet written to the client; a
 * transfer thread waits beyond it (flow control). */
#define ZONESVC_STREAM_WINDOW 8

/*!
 * Starts the transfer and update services and registers them with the
 * query path (resolve_set_service for XFR and UPDATE) and the publisher
 * (NOTIFY on each zone publication). Call before the workers start.
 * NULL on failure (logged).
 *
 * Each request gets a resolve_stream: sends from the service threads
 * are copied and posted to the worker loop that took the request, where
 * they go out through the transport's callback (tcp_reply_part() for
 * all but the last message of a TCP answer).
 */
struct zonesvc *zonesvc_start(struct store *store,
			      struct config_publisher *pub);

/*!
 * Closes the services and stops their threads while the workers still
 * run: requests that arrive now get SERVFAIL from the query path, and
 * requests in progress end (their streams refuse further sends; what
 * was posted is still delivered). Call before the publisher is freed,
 * then zonesvc_free() once the workers are freed. Accepts NULL.
 */
void zonesvc_stop(struct zonesvc *svc);

/*! Frees what is left (streams whose last message the stopped workers
 *  never delivered). Accepts NULL. */
void zonesvc_free(struct zonesvc *svc);

#endif
