/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The update policy: which names and types a TSIG key may change. */
#include "update/update.h"

#include "wire/wire.h"

static bool grant_covers_name(const struct update_grant *g,
			      const knot_dname_t *apex,
			      const knot_dname_t *owner)
{
	switch (g->match) {
	case UPDATE_MATCH_ZONE:
		return wire_name_in_zone(owner, apex);
	case UPDATE_MATCH_NAME:
		return g->name != NULL && knot_dname_is_case_equal(owner,
								   g->name);
	case UPDATE_MATCH_SUBTREE:
		return g->name != NULL && wire_name_in_zone(owner, g->name);
	}
	return false;
}

static bool grant_covers_type(const struct update_grant *g,
			      const knot_dname_t *apex,
			      const knot_dname_t *owner, uint16_t type)
{
	if (g->n_types == 0) {
		/* The zone's own SOA and NS stay the operator's. */
		bool apex_record = (type == KNOT_RRTYPE_SOA ||
				    type == KNOT_RRTYPE_NS) &&
				   knot_dname_is_case_equal(owner, apex);
		return !apex_record;
	}
	if (type == KNOT_RRTYPE_ANY) {
		return false;	/* would touch types the grant does not list */
	}
	for (size_t i = 0; i < g->n_types; i++) {
		if (g->types[i] == type) {
			return true;
		}
	}
	return false;
}

bool update_policy_allows(const struct update_grant *grants, size_t n,
			  const knot_dname_t *key, const knot_dname_t *apex,
			  const knot_dname_t *owner, uint16_t type)
{
	if (key == NULL) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const struct update_grant *g = &grants[i];
		if (knot_dname_is_case_equal(g->key, key) &&
		    grant_covers_name(g, apex, owner) &&
		    grant_covers_type(g, apex, owner, type)) {
			return true;
		}
	}
	return false;
}
