/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside the update module: applying update RRs to a zone in the store
 * (RFC 2136 section 3.4.2). Not for other modules. */
#ifndef ZONEGATE_UPDATE_UPDATE_PRIV_H
#define ZONEGATE_UPDATE_UPDATE_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "update/update.h"

struct validate_rdata_parser;
struct store;
struct store_zone;

/* One update being applied inside the caller's write transaction. */
struct update_apply {
	struct store *store;
	struct store_zone *zone;	/* read by the caller; SOA and NS are
					 * edited here and written by
					 * update_apply_finish() */
	const knot_dname_t *apex;	/* lower case */
	bool zone_changed;
	bool serial_set;		/* an SOA with a newer serial came */
	size_t changes;			/* records and fields changed */
	struct validate_rdata_parser *parser; /* for the update's values; made
					  * on first use, freed by
					  * update_apply_clear() */
	char why[512];			/* set when ZG_EREFUSED */
};

/*!
 * Applies one RR of a prescanned update section: class IN adds (a
 * duplicate only sets the RRset's TTL; a CNAME replaces a CNAME), class
 * ANY deletes an RRset or, with type ANY, every RRset at the name, class
 * NONE deletes one RR. The apex SOA and NS map to the zone's fields: an
 * SOA with a newer serial replaces them (RFC 2136 section 3.4.2.2), the
 * last apex NS is never deleted (section 3.4.2.4). Additions get the
 * API's validation: its record types, names and values, CNAME
 * exclusivity, no DS at the apex, no data a delegation would hide
 * (validate_delegation()), RRsets that fit a DNS message
 * (validate_rrset_size()), one TTL per RRset. The caller applies the
 * RRs of one update in one transaction and rolls it back on a refusal,
 * so an update is applied whole or not at all.
 * \retval 0, ZG_EREFUSED (why says what the API refuses), ZG_ESTORE,
 *         ZG_ENOMEM.
 */
int update_apply_rr(struct update_apply *a, const knot_rrset_t *rr);

/*! Frees what applying the update held (not the zone or the store).
 *  Accepts a cleared or never used struct. */
void update_apply_clear(struct update_apply *a);

/*! Writes the zone's fields when the update changed them.
 *  \retval 0 or the store's error. */
int update_apply_finish(struct update_apply *a);

/*! Fills node with the zone's RRs at node->owner as the publisher
 *  would serve them (records, and SOA and NS at the apex): an
 *  update_node_fn over struct update_apply. */
int update_apply_node(void *arg, struct update_node *node);

#endif
