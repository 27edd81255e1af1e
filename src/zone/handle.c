/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone handles: a stable reference to one zone whose contents are
 * replaced version by version with RCU. */
#include "zone/zone.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <urcu.h>

struct zone_handle {
	/* Current version; written with rcu_xchg_pointer() by the one
	 * publisher, read with rcu_dereference() under rcu_read_lock(). */
	struct zone_contents *contents;
	atomic_uint refs;
	char zone_id[WIRE_SOURCE_ID_LEN];
};

struct zone_handle *zone_handle_new(const char *zone_id)
{
	struct zone_handle *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		return NULL;
	}
	atomic_init(&h->refs, 1);
	snprintf(h->zone_id, sizeof(h->zone_id), "%s",
		 zone_id != NULL ? zone_id : "");
	return h;
}

void zone_handle_ref(struct zone_handle *h)
{
	atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
}

void zone_handle_unref(struct zone_handle *h)
{
	if (h == NULL) {
		return;
	}
	if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1) {
		return;
	}
	/* The last holder is gone; whoever held it waited for readers
	 * before letting go (a snapshot is freed after a grace period). */
	zone_contents_free(h->contents);
	free(h);
}

const char *zone_handle_id(const struct zone_handle *h)
{
	return h->zone_id;
}

const struct zone_contents *zone_handle_contents(const struct zone_handle *h)
{
	return rcu_dereference(((struct zone_handle *)h)->contents);
}

void zone_handle_publish(struct zone_handle *h, struct zone_contents *z)
{
	struct zone_contents *old = rcu_xchg_pointer(&h->contents, z);
	if (old == NULL) {
		return;	/* nobody can be reading a version that never was */
	}
	synchronize_rcu();
	zone_contents_free(old);
}
