/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private to the zone module: how zone contents are laid out. */
#ifndef ZONEGATE_ZONE_ZONE_IMPL_H
#define ZONEGATE_ZONE_ZONE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "wire/wire.h"

/*
 * One owner name of a zone. An empty non-terminal is a node without
 * RRsets. Nodes are created by the builder and never change after
 * zone_builder_finish(), so readers need no lock.
 */
struct zone_node {
	knot_dname_t *owner;		/* lower case; owned */
	knot_rrset_t *rrsets;		/* owned; SOA first, then by type;
					 * each owner points to ->owner */
	uint16_t n_rrsets;
	uint16_t cap_rrsets;
	struct zone_node *parent;	/* NULL at the apex */
	/* The topmost delegation (NS below the apex) at or above this
	 * node, or NULL: names at or below it are answered by referral. */
	const struct zone_node *cut;
};

/*
 * Nodes are kept in a knot_db trie (knot_db_trie_api()) keyed by the
 * wire_name_key of their owner: lower case, labels from the root down,
 * so iteration is in canonical order and every ancestor's key is a
 * prefix of its descendants' keys.
 */
struct zone_contents {
	knot_db_t *db;			/* key -> struct zone_node * */
	knot_dname_t *apex_name;	/* lower case; owned */
	struct zone_node *apex;
	uint8_t apex_labels;
	const knot_rrset_t *soa;	/* at the apex; set by finish */
	uint32_t neg_ttl;		/* min(SOA TTL, MINIMUM), RFC 2308 */
	size_t rr_count;
};

/*! The trie API every zone uses. */
const knot_db_api_t *zone_db_api(void);

/*! The node stored under the first len bytes of key, or NULL. */
struct zone_node *zone_db_find(const struct zone_contents *z,
			       const uint8_t *key, size_t len);

/*! The RRset of this type at node, or NULL. */
const knot_rrset_t *zone_node_rrset(const struct zone_node *node,
				    uint16_t type);

/*! Empty contents with only the apex node. NULL on ENOMEM. */
struct zone_contents *zone_contents_new(const knot_dname_t *apex);

#endif
