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

static void node_free(struct zone_node *node)
{
	for (uint16_t i = 0; i < node->n_rrsets; i++) {
		knot_rdataset_clear(&node->rrsets[i].rrs, NULL);
	}
	free(node->rrsets);
	free(node->owner);
	free(node);
}

struct zone_contents *zone_contents_new(const knot_dname_t *apex)
{
	struct zone_contents *z = calloc(1, sizeof(*z));
	struct zone_node *node = calloc(1, sizeof(*node));
	if (z == NULL || node == NULL) {
		goto fail;
	}
	struct wire_name_key key;
	if (wire_name_key_build(apex, &key) != 0) {
		goto fail;
	}
	z->apex_name = malloc(knot_dname_size(apex));
	node->owner = malloc(knot_dname_size(apex));
	if (z->apex_name == NULL || node->owner == NULL) {
		goto fail;
	}
	wire_name_lower(apex, z->apex_name);
	wire_name_lower(apex, node->owner);
	z->apex_labels = key.labels;

	const knot_db_api_t *api = zone_db_api();
	struct knot_db_trie_opts opts = KNOT_DB_TRIE_OPTS_INITIALIZER;
	if (api->init(&z->db, NULL, &opts) != KNOT_EOK) {
		z->db = NULL;
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
	if (node != NULL) {
		free(node->owner);
		free(node);
	}
	if (z != NULL) {
		if (z->db != NULL) {
			zone_db_api()->deinit(z->db);
		}
		free(z->apex_name);
		free(z);
	}
	return NULL;
}

void zone_contents_free(struct zone_contents *z)
{
	if (z == NULL) {
		return;
	}
	const knot_db_api_t *api = zone_db_api();
	knot_db_txn_t txn;
	if (api->txn_begin(z->db, &txn, 0) == KNOT_EOK) {
		/* The apex is always there, so the trie is never empty
		 * and the iterator starts on a node. */
		knot_db_iter_t *it = api->iter_begin(&txn, 0);
		while (it != NULL) {
			knot_db_val_t v;
			if (api->iter_val(it, &v) == KNOT_EOK) {
				node_free(v.data);
			}
			it = api->iter_next(it);
		}
		api->txn_abort(&txn);
	}
	api->deinit(z->db);
	free(z->apex_name);
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
