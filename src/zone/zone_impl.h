/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private to the zone module: how zone contents are laid out. */
#ifndef ZONEGATE_ZONE_ZONE_IMPL_H
#define ZONEGATE_ZONE_ZONE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "wire/wire.h"

/* One chunk of a zone arena, from malloc. */
struct zone_arena_chunk {
	struct zone_arena_chunk *next;
	size_t size;			/* bytes of data[] */
	uint64_t data[];
};

/* Freed blocks of one size, kept for the next request of that size. */
struct zone_arena_bin {
	void *head;			/* singly linked through each block */
	size_t size;			/* bytes of each block */
};

/* Blocks of the knot_mm_t allocator up to ZONE_ARENA_BINS * 8 bytes are
 * reused after a free; that covers every block the node trie asks for
 * (keys, trie_t, arrays of at most 17 children). */
#define ZONE_ARENA_BINS 48

/*
 * The memory of one zone version. Whatever a zone holds after
 * zone_builder_finish() (nodes, owners, RRset arrays, rdata, the trie) is
 * carved from its chunks, and all of it goes at once in
 * zone_arena_free_all(): a version is only ever freed whole, after an
 * RCU grace period. Blocks are not zeroed. Not thread-safe: only the
 * builder allocates. Readers use the blocks without a lock.
 */
struct zone_arena {
	struct zone_arena_chunk *chunks; /* current chunk first; owned */
	uint8_t *pos;			/* free space of the current chunk */
	uint8_t *end;
	size_t next_chunk;		/* bytes to ask malloc for next */
	size_t chunk_bytes;		/* bytes of all chunks' data */
	size_t used_bytes;		/* bytes handed out (rounded) */
	struct zone_arena_bin bins[ZONE_ARENA_BINS];
};

/*! An empty arena (no chunk yet). */
void zone_arena_init(struct zone_arena *a);

/*! size bytes aligned to 8, uninitialised, valid until free_all; NULL on
 *  ENOMEM. A block is never freed alone. */
void *zone_arena_alloc(struct zone_arena *a, size_t size);

/*! Frees every chunk; a is empty again and may be reused. */
void zone_arena_free_all(struct zone_arena *a);

/*!
 * Fills mm with a libknot allocator on a, for knot_db and other libknot
 * structures. Its free() puts a block in the bin of its size (the block
 * carries an 8-byte header naming the bin); bigger blocks stay allocated
 * until free_all. a must stay where it is while mm is in use.
 */
void zone_arena_mm(struct zone_arena *a, knot_mm_t *mm);

/*
 * One owner name of a zone. An empty non-terminal is a node without
 * RRsets. Nodes are created by the builder and never change after
 * zone_builder_finish(), so readers need no lock.
 *
 * The node and its owner are one block of the zone's arena. While the
 * zone is built, the RRset array and each rdataset are malloc'd (they
 * grow record by record; cap_rrsets > 0); finishing moves them into the
 * arena at their exact size, one block per node (cap_rrsets == 0).
 */
struct zone_node {
	knot_dname_t *owner;		/* lower case; follows the node */
	knot_rrset_t *rrsets;		/* SOA first, then by type; each
					 * owner points to ->owner */
	uint16_t n_rrsets;
	uint16_t cap_rrsets;		/* 0: rrsets and rdata in the arena */
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
	knot_db_t *db;			/* key -> struct zone_node *; its
					 * memory is the arena's */
	knot_dname_t *apex_name;	/* lower case; in the arena */
	struct zone_node *apex;
	uint8_t apex_labels;
	bool finished;			/* every node's RRsets are in the
					 * arena (cap_rrsets == 0) */
	const knot_rrset_t *soa;	/* at the apex; set by finish */
	uint32_t neg_ttl;		/* min(SOA TTL, MINIMUM), RFC 2308 */
	size_t rr_count;
	struct zone_arena arena;	/* everything above points into it */
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

/*! A node for owner (lower case, size bytes) below parent, with no
 *  RRsets, in z's arena; not yet in the trie. NULL on ENOMEM. */
struct zone_node *zone_node_new(struct zone_contents *z,
				struct zone_node *parent,
				const knot_dname_t *owner, size_t size);

#endif
