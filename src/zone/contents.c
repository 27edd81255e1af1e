/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone contents: the node tree in a knot_db trie, its accessors, walking
 * it in canonical order, and freeing it. */
#include "zone/zone.h"

#include <stdlib.h>
#include <string.h>

#include "zone/zone_impl.h"

const knot_db_api_t *zone_db_api(void)
{
	return knot_db_trie_api();
}

struct zone_node *zone_db_find(const struct zone_contents *z,
			       const uint8_t *key, size_t len)
{
	const knot_db_api_t *api = zone_db_api();
	knot_db_txn_t txn;
	if (api->txn_begin(z->db, &txn, KNOT_DB_RDONLY) != KNOT_EOK) {
		return NULL;
	}
	knot_db_val_t k = { .data = (void *)key, .len = len };
	knot_db_val_t v = { 0 };
	int ret = api->find(&txn, &k, &v, 0);
	api->txn_abort(&txn);
	return ret == KNOT_EOK ? v.data : NULL;
}

const knot_rrset_t *zone_node_rrset(const struct zone_node *node,
				    uint16_t type)
{
	for (uint16_t i = 0; i < node->n_rrsets; i++) {
		if (node->rrsets[i].type == type) {
			return &node->rrsets[i];
		}
	}
	return NULL;
}

struct zone_node *zone_node_new(struct zone_contents *z,
				struct zone_node *parent,
				const knot_dname_t *owner, size_t size)
{
	struct zone_node *node = zone_arena_alloc(&z->arena,
						  sizeof(*node) + size);
	if (node == NULL) {
		return NULL;
	}
	*node = (struct zone_node){
		.owner = (knot_dname_t *)(node + 1),
		.parent = parent,
	};
	memcpy(node->owner, owner, size);
	return node;
}

struct zone_contents *zone_contents_new(const knot_dname_t *apex)
{
	struct wire_name_key key;
	if (wire_name_key_build(apex, &key) != 0) {
		return NULL;
	}
	struct zone_contents *z = calloc(1, sizeof(*z));
	if (z == NULL) {
		return NULL;
	}
	zone_arena_init(&z->arena);

	size_t size = knot_dname_size(apex);
	z->apex_name = zone_arena_alloc(&z->arena, size);
	struct zone_node *node = z->apex_name != NULL
		? zone_node_new(z, NULL, apex, size) : NULL;
	if (node == NULL) {
		goto fail;
	}
	wire_name_lower(apex, z->apex_name);
	wire_name_lower(apex, node->owner);
	z->apex_labels = key.labels;

	/* The trie takes its memory from the arena too: nothing of a
	 * finished zone is left in the malloc heap between the short-lived
	 * blocks of the next build, and freeing the zone is one pass over
	 * its chunks. */
	const knot_db_api_t *api = zone_db_api();
	struct knot_db_trie_opts opts = KNOT_DB_TRIE_OPTS_INITIALIZER;
	knot_mm_t mm;
	zone_arena_mm(&z->arena, &mm);
	if (api->init(&z->db, &mm, &opts) != KNOT_EOK) {
		goto fail;
	}
	knot_db_txn_t txn;
	knot_db_val_t k = { .data = key.bytes, .len = key.len };
	knot_db_val_t v = { .data = node, .len = sizeof(node) };
	if (api->txn_begin(z->db, &txn, 0) != KNOT_EOK ||
	    api->insert(&txn, &k, &v, 0) != KNOT_EOK) {
		goto fail;
	}
	api->txn_commit(&txn);
	z->apex = node;
	return z;

fail:
	zone_arena_free_all(&z->arena);
	free(z);
	return NULL;
}

/* The RRsets a build left in the malloc heap: a zone that was not
 * finished, or whose finish failed part way. */
static void free_build_rrsets(struct zone_contents *z)
{
	const knot_db_api_t *api = zone_db_api();
	knot_db_txn_t txn;
	if (api->txn_begin(z->db, &txn, KNOT_DB_RDONLY) != KNOT_EOK) {
		return;
	}
	/* The apex is always there, so the trie is never empty and the
	 * iterator starts on a node. */
	knot_db_iter_t *it = api->iter_begin(&txn, 0);
	while (it != NULL) {
		knot_db_val_t v;
		struct zone_node *node = api->iter_val(it, &v) == KNOT_EOK
			? v.data : NULL;
		if (node != NULL && node->cap_rrsets > 0) {
			for (uint16_t i = 0; i < node->n_rrsets; i++) {
				knot_rdataset_clear(&node->rrsets[i].rrs,
						    NULL);
			}
			free(node->rrsets);
		}
		it = api->iter_next(it);
	}
	api->txn_abort(&txn);
}

void zone_contents_free(struct zone_contents *z)
{
	if (z == NULL) {
		return;
	}
	if (!z->finished) {
		free_build_rrsets(z);
	}
	/* No deinit of the trie: it only returns its blocks to the arena,
	 * which goes whole. */
	zone_arena_free_all(&z->arena);
	free(z);
}

const knot_dname_t *zone_contents_apex(const struct zone_contents *z)
{
	return z->apex_name;
}

uint32_t zone_contents_serial(const struct zone_contents *z)
{
	return z->soa != NULL ? knot_soa_serial(z->soa->rrs.rdata) : 0;
}

size_t zone_contents_rr_count(const struct zone_contents *z)
{
	return z->rr_count;
}

int zone_contents_walk(const struct zone_contents *z,
		       int (*cb)(const knot_rrset_t *rr, void *arg), void *arg)
{
	const knot_db_api_t *api = zone_db_api();
	knot_db_txn_t txn;
	int ret = api->txn_begin(z->db, &txn, KNOT_DB_RDONLY);
	if (ret != KNOT_EOK) {
		return ZG_EINTERNAL;
	}

	/* The trie iterates keys bytewise, which is canonical order with
	 * the apex first (its key is a prefix of every other key). */
	knot_db_iter_t *it = api->iter_begin(&txn, KNOT_DB_SORTED);
	if (it == NULL) {
		api->txn_abort(&txn);
		return ZG_ENOMEM;
	}
	ret = 0;
	while (it != NULL && ret == 0) {
		knot_db_val_t v;
		if (api->iter_val(it, &v) == KNOT_EOK) {
			const struct zone_node *node = v.data;
			for (uint16_t i = 0; i < node->n_rrsets && ret == 0; i++) {
				ret = cb(&node->rrsets[i], arg);
			}
		}
		if (ret == 0) {
			it = api->iter_next(it);
		}
	}
	if (it != NULL) {
		api->iter_finish(it);
	}
	api->txn_abort(&txn);
	return ret;
}
