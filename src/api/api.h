/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The management API: REST + JSON over HTTP on a unix socket
 * (docs/api.md). Validation lives here; no DNS logic. */
#ifndef ZONEGATE_API_API_H
#define ZONEGATE_API_API_H

#include <stdbool.h>

struct store;
struct config_publisher;
struct api_server;
struct cache;

/*!
 * Starts serving on a unix socket at path (created mode 0660, an old
 * socket file nobody answers on is replaced; its directory is created if
 * missing).
 * Requests run in libmicrohttpd's own threads, never in DNS workers.
 * Every change is committed to store, then published through pub
 * (config_publisher_sync()) before the reply is sent.
 *
 * \return the server, or NULL with the reason logged.
 */
struct api_server *api_start(const char *path, struct store *store,
			     struct config_publisher *pub);

/*!
 * True when a server answers on the unix socket at path: another
 * zonegated serves its API there. api_start() refuses such a path
 * instead of replacing the socket file; the daemon asks before it
 * opens its DNS listeners. A stale socket file (nobody listening) is
 * not in use.
 */
bool api_socket_in_use(const char *path);

/*!
 * Sets the answer cache that /v1/cache/flush and /v1/cache/stats act on
 * (without one they answer 500). Call before api_start(); not
 * thread-safe. The cache must outlive the server.
 */
void api_set_cache(struct cache *cache);

/*! Stops serving, waits for requests in progress, removes the socket
 *  file. Accepts NULL. */
void api_stop(struct api_server *api);

struct xfr_service;

/*! Lets the API reach the secondary-zone service (refresh requests).
 *  Call once, right after api_start(); until then a refresh request
 *  answers 500. Thread-safe. */
void api_set_xfr(struct api_server *api, struct xfr_service *xfr);

struct vpn_manager;

/*! Lets the API reach the VPN manager (tunnel status, and a nudge after
 *  each change of a VPN resource). Call once, right after api_start();
 *  until then status requests answer 500. Thread-safe. */
void api_set_vpn(struct api_server *api, struct vpn_manager *vpn);

#endif
