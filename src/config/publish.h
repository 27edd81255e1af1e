/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Turning the store's state into the served configuration and zones:
 * rebuilds what changed, batches changes, publishes with RCU. */
#ifndef ZONEGATE_CONFIG_PUBLISH_H
#define ZONEGATE_CONFIG_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

struct store;
struct store_zone;
struct store_inbound;
struct store_record;
struct store_strv;
struct config;
struct config_publisher;

/*! Called after each publication of a new snapshot (a publication that
 *  only replaces zone contents does not call it), in the publishing
 *  thread, before config_publisher_sync() returns to its callers (the
 *  daemon opens and closes listener sockets here). cfg is the new
 *  current snapshot; it stays current at least until the hook returns. */
typedef void (*config_publish_hook)(void *arg, const struct config *cfg);

/*!
 * Creates a publisher reading from store. extra_listen are the daemon's
 * --dns-listen addresses (copied), included in every snapshot's listen
 * set. NULL on ENOMEM.
 */
struct config_publisher *config_publisher_new(struct store *store,
					      const struct zg_addr *extra_listen,
					      size_t n_extra_listen);

/*! Frees the publisher; the last published snapshot stays current until
 *  config_publish(NULL)-style shutdown by the daemon. Accepts NULL. */
void config_publisher_free(struct config_publisher *pub);

void config_publisher_set_hook(struct config_publisher *pub,
			       config_publish_hook hook, void *arg);

/*! Called after new contents of a zone are published, with the serial
 *  now served, in the publishing thread before config_publisher_sync()
 *  returns to its callers; it must not block (the transfer service
 *  only queues its NOTIFYs here). zone_id is valid during the call. */
typedef void (*config_zone_hook)(void *arg, const char *zone_id,
				 uint32_t serial);

void config_publisher_set_zone_hook(struct config_publisher *pub,
				    config_zone_hook hook, void *arg);

/*! Builds every zone and the snapshot from the store and publishes them
 *  (at start-up and after a restore). \retval 0 or an error (logged). */
int config_publisher_load_all(struct config_publisher *pub);

/*! Marks the snapshot (VPCs, rules, bindings, endpoints, upstreams) or
 *  one zone's records as changed. Thread-safe, cheap. */
void config_publisher_mark_config(struct config_publisher *pub);
void config_publisher_mark_zone(struct config_publisher *pub,
				const char *zone_id);

/*!
 * Rebuilds and publishes everything marked so far, batching marks made
 * by concurrent callers within a few milliseconds into one publication;
 * returns once a publication that includes the caller's marks is
 * current. Only the marked zones are rebuilt. Thread-safe; blocks, so
 * never call it from a DNS worker.
 * \retval 0 or an error (the previous configuration stays served).
 */
int config_publisher_sync(struct config_publisher *pub);

/*! The store version the served configuration and zones include: every
 *  change up to it is served. Thread-safe. */
uint64_t config_publisher_version(struct config_publisher *pub);

/*! The --dns-listen addresses given to config_publisher_new(); they stay
 *  valid and unchanged until config_publisher_free(). Thread-safe. */
const struct zg_addr *config_publisher_extra_listen(
	const struct config_publisher *pub, size_t *n);

/*
 * Generated records (glue.c): the A and AAAA records a private zone gets
 * at its default server name (shared/resolution.md section 3). They are
 * part of the served contents (queries, AXFR, export), never stored.
 */

/*!
 * Appends to lines the records generated for zone's default server name
 * `ns1.<zone>.`, one presentation line each ("ns1.corp.internal. 3600
 * IN A 10.0.0.53"): an A per distinct IPv4 and an AAAA per distinct
 * IPv6 listen address of the inbound endpoints whose VPC zone is bound
 * to (zone->vpcs), in the order of inbounds and their listeners, with
 * the TTL of the apex NS RRset (the SOA's TTL, which the publisher
 * gives the apex NS).
 *
 * Nothing is generated when the apex NS set lacks `ns1.<zone>.` (the
 * operator named other servers), and none of a type the operator has
 * records of at that name in recs (records of the zone, owners relative
 * as stored): the operator's records win, type by type. Unspecified
 * listen addresses (0.0.0.0, ::) and ones that do not parse are skipped.
 *
 * \retval 0 or ZG_ENOMEM (lines may then hold part of the records).
 */
int config_glue_lines(const struct store_zone *zone,
		      const struct store_inbound *inbounds, size_t n_inbounds,
		      const struct store_record *recs, size_t n_recs,
		      struct store_strv *lines);

/*!
 * The same for zone as stored now: reads the inbound endpoints in the
 * caller's transaction on store. What the publisher serves and what
 * `zone export` writes. \retval 0, ZG_ENOMEM, ZG_ESTORE.
 */
int config_zone_glue(struct store *store, const struct store_zone *zone,
		     const struct store_record *recs, size_t n_recs,
		     struct store_strv *lines);

#endif
