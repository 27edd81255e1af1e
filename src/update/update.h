/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Dynamic update (RFC 2136) of private zones: TSIG-signed requests,
 * checked against the zone's update policy, applied through the store
 * with the API's validation, one serial bump each, published before the
 * answer. */
#ifndef ZONEGATE_UPDATE_UPDATE_H
#define ZONEGATE_UPDATE_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

struct store;
struct config_publisher;
struct resolve_stream;
struct resolve_service_msg;

#define UPDATE_MAX_QUEUED 64	/* requests waiting for the update thread */
#define UPDATE_MAX_RRS 1000	/* prerequisites plus updates per request */

/*
 * Policy (like BIND's update-policy): a grant lets one TSIG key change
 * the whole zone, one name, or a name and everything below it, for the
 * types it lists; a grant without types allows every type except SOA
 * and NS at the apex.
 */
enum update_match {
	UPDATE_MATCH_ZONE = 0,
	UPDATE_MATCH_NAME,
	UPDATE_MATCH_SUBTREE,
};

struct update_grant {
	const knot_dname_t *key;	/* key name, wire */
	enum update_match match;
	const knot_dname_t *name;	/* NAME and SUBTREE; NULL for ZONE */
	const uint16_t *types;		/* none: see above */
	size_t n_types;
};

/*!
 * True when one of grants lets key change the RRs of type at owner in
 * the zone at apex. Names compare ignoring case, on whole labels. A
 * deletion of every type at a name (type ANY) needs a grant without a
 * type list. Pure; any thread.
 */
bool update_policy_allows(const struct update_grant *grants, size_t n,
			  const knot_dname_t *key, const knot_dname_t *apex,
			  const knot_dname_t *owner, uint16_t type);

/*
 * Prerequisites (RFC 2136 section 3.2), evaluated against what the zone
 * holds at each name they mention.
 */

/* The RRs of class IN at one name, one RRset of one RR each. */
struct update_node {
	knot_dname_t owner[KNOT_DNAME_MAXLEN];	/* set by the caller */
	knot_rrset_t *rrs;		/* owned, rdata malloc'ed */
	size_t n;
};

/*! Appends one RR to node (rdata copied). \retval 0 or ZG_ENOMEM. */
int update_node_add(struct update_node *node, uint16_t type, uint32_t ttl,
		    const uint8_t *rdata, uint16_t rdata_len);
void update_node_clear(struct update_node *node);

/*! Fills out (owner already set) with the zone's RRs at owner, none
 *  when the name holds no RR (an empty non-terminal holds none).
 *  \retval 0 or an error, which stops the check (SERVFAIL). */
typedef int (*update_node_fn)(void *arg, struct update_node *out);

/*!
 * Checks the prerequisite RRs (each with one RR, as a parsed message
 * holds them) of an update of the zone at apex, in order:
 * TTL not 0, or data with class ANY or NONE: FORMERR; owner outside the
 * zone: NOTZONE; ANY/ANY: name in use else NXDOMAIN; ANY/type: RRset
 * exists else NXRRSET; NONE/ANY: name not in use else YXDOMAIN;
 * NONE/type: RRset absent else YXRRSET; class IN: the RRs of each
 * name and type, compared as sets ignoring TTL and name case (RFC 4034
 * section 6.2), must equal the zone's RRset else NXRRSET.
 * \retval an RCODE (NOERROR when every prerequisite holds), or
 *         SERVFAIL when node failed.
 */
uint16_t update_check_prereqs(const knot_rrset_t *prereqs, size_t n,
			      const knot_dname_t *apex, update_node_fn node,
			      void *arg);

/*!
 * The prescan of the update section (RFC 2136 section 3.4.1): NOTZONE
 * for an owner outside the zone; FORMERR for meta types added, data or
 * a TTL with class ANY, a TTL with class NONE, or another class.
 * \retval NOERROR or that RCODE.
 */
uint16_t update_prescan(const knot_rrset_t *updates, size_t n,
			const knot_dname_t *apex);

/*
 * The service
 * -----------
 * One update thread takes requests from a bounded queue (a full queue
 * is answered SERVFAIL at once), so no DNS worker ever waits for the
 * store or the publisher. For each: the zone instance bound to the
 * request's VPC, TSIG (required), prerequisites, prescan, policy, then
 * the changes in one store transaction, published before the answer,
 * which is signed like the request.
 */
struct update_service;

/*! Starts the update thread. NULL on failure (logged). pub must
 *  outlive the service. */
struct update_service *update_service_new(struct store *store,
					  struct config_publisher *pub);

/*! Stops the thread; queued requests end without an answer. Accepts
 *  NULL. */
void update_service_free(struct update_service *u);

/*!
 * Takes an UPDATE message; msg is copied. reply is the service's until
 * it sends its answer. Worker thread (never blocks).
 * \retval 0 (reply taken) or ZG_ENOMEM (reply untouched).
 */
int update_request(struct update_service *u,
		   const struct resolve_service_msg *msg,
		   struct resolve_stream *reply);

#endif
