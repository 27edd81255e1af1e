/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RFC 2136 prerequisites (section 3.2) and the prescan of the update
 * section (section 3.4.1): pure checks over the message's RRs. */
#include "update/update.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "wire/wire.h"

int update_node_add(struct update_node *node, uint16_t type, uint32_t ttl,
		    const uint8_t *rdata, uint16_t rdata_len)
{
	knot_rrset_t *grown = realloc(node->rrs, (node->n + 1) *
				      sizeof(*grown));
	if (grown == NULL) {
		return ZG_ENOMEM;
	}
	node->rrs = grown;
	knot_rrset_t *rr = &grown[node->n];
	knot_rrset_init(rr, node->owner, type, KNOT_CLASS_IN, ttl);
	if (knot_rrset_add_rdata(rr, rdata, rdata_len, NULL) != KNOT_EOK) {
		return ZG_ENOMEM;
	}
	node->n++;
	return 0;
}

void update_node_clear(struct update_node *node)
{
	for (size_t i = 0; i < node->n; i++) {
		knot_rdataset_clear(&node->rrs[i].rrs, NULL);
	}
	free(node->rrs);
	node->rrs = NULL;
	node->n = 0;
}

static uint16_t rdata_len(const knot_rrset_t *rr)
{
	return rr->rrs.count > 0 ? rr->rrs.rdata->len : 0;
}

static bool is_meta(uint16_t type)
{
	return type == KNOT_RRTYPE_ANY || type == KNOT_RRTYPE_AXFR ||
	       type == KNOT_RRTYPE_IXFR || type == 253 /* MAILB */ ||
	       type == 254 /* MAILA */ || type == KNOT_RRTYPE_OPT ||
	       type == KNOT_RRTYPE_TSIG;
}

/* Rdata of rr in canonical form (RFC 4034 section 6.2) in buf. */
static int canonical(const knot_rrset_t *rr, uint8_t *buf, size_t buflen,
		     uint16_t *len)
{
	knot_rrset_t copy = *rr;
	if (knot_rdataset_copy(&copy.rrs, &rr->rrs, NULL) != KNOT_EOK) {
		return ZG_ENOMEM;
	}
	/* Only the rdata is made canonical here; owners compare apart. */
	uint8_t owner[KNOT_DNAME_MAXLEN];
	knot_dname_copy_lower(owner, rr->owner);
	copy.owner = owner;
	int ret = knot_rrset_rr_to_canonical(&copy);
	uint16_t n = rdata_len(&copy);
	if (ret == KNOT_EOK && n <= buflen) {
		memcpy(buf, copy.rrs.rdata->data, n);
		*len = n;
	}
	knot_rdataset_clear(&copy.rrs, NULL);
	return ret == KNOT_EOK && n <= buflen ? 0 : ZG_EINVAL;
}

static uint16_t load_node(const knot_dname_t *owner, update_node_fn fn,
			  void *arg, struct update_node *node)
{
	memset(node, 0, sizeof(*node));
	knot_dname_copy_lower(node->owner, owner);
	return fn(arg, node) == 0 ? KNOT_RCODE_NOERROR : KNOT_RCODE_SERVFAIL;
}

static bool node_has_type(const struct update_node *node, uint16_t type)
{
	for (size_t i = 0; i < node->n; i++) {
		if (node->rrs[i].type == type) {
			return true;
		}
	}
	return false;
}

/* Class ANY or NONE: existence of a name or an RRset. */
static uint16_t check_existence(const knot_rrset_t *rr, update_node_fn fn,
				void *arg)
{
	struct update_node node;
	uint16_t rcode = load_node(rr->owner, fn, arg, &node);
	if (rcode != KNOT_RCODE_NOERROR) {
		return rcode;
	}
	bool any = rr->type == KNOT_RRTYPE_ANY;
	bool exists = any ? node.n > 0 : node_has_type(&node, rr->type);
	update_node_clear(&node);
	if (rr->rclass == KNOT_CLASS_ANY && !exists) {
		return any ? KNOT_RCODE_NXDOMAIN : KNOT_RCODE_NXRRSET;
	}
	if (rr->rclass == KNOT_CLASS_NONE && exists) {
		return any ? KNOT_RCODE_YXDOMAIN : KNOT_RCODE_YXRRSET;
	}
	return KNOT_RCODE_NOERROR;
}

/* Whether set (one RR each) holds an RR of rr's type whose canonical
 * rdata equals want. */
static bool holds(const knot_rrset_t *set, size_t n, uint16_t type,
		  const uint8_t *want, uint16_t want_len)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t buf[KNOT_WIRE_MAX_PKTSIZE];
		uint16_t len = 0;
		if (set[i].type == type &&
		    canonical(&set[i], buf, sizeof(buf), &len) == 0 &&
		    len == want_len && memcmp(buf, want, len) == 0) {
			return true;
		}
	}
	return false;
}

/* Every RR of the class-IN prerequisites at (owner, type) is in the
 * zone and the zone has no other: the RRsets are equal as sets. */
static uint16_t check_value_group(const knot_rrset_t *prereqs, size_t n,
				  size_t first, update_node_fn fn, void *arg)
{
	const knot_rrset_t *lead = &prereqs[first];
	struct update_node node;
	uint16_t rcode = load_node(lead->owner, fn, arg, &node);
	if (rcode != KNOT_RCODE_NOERROR) {
		return rcode;
	}
	uint8_t buf[KNOT_WIRE_MAX_PKTSIZE];
	uint16_t len = 0;
	for (size_t i = first; rcode == KNOT_RCODE_NOERROR && i < n; i++) {
		const knot_rrset_t *p = &prereqs[i];
		if (p->rclass != KNOT_CLASS_IN || p->type != lead->type ||
		    !knot_dname_is_case_equal(p->owner, lead->owner)) {
			continue;
		}
		if (canonical(p, buf, sizeof(buf), &len) != 0 ||
		    !holds(node.rrs, node.n, p->type, buf, len)) {
			rcode = KNOT_RCODE_NXRRSET;
		}
	}
	for (size_t i = 0; rcode == KNOT_RCODE_NOERROR && i < node.n; i++) {
		const knot_rrset_t *z = &node.rrs[i];
		if (z->type != lead->type) {
			continue;
		}
		bool listed = false;
		for (size_t j = first; !listed && j < n; j++) {
			const knot_rrset_t *p = &prereqs[j];
			listed = p->rclass == KNOT_CLASS_IN &&
				 p->type == z->type &&
				 knot_dname_is_case_equal(p->owner,
							  lead->owner) &&
				 canonical(z, buf, sizeof(buf), &len) == 0 &&
				 holds(p, 1, p->type, buf, len);
		}
		if (!listed) {
			rcode = KNOT_RCODE_NXRRSET;
		}
	}
	update_node_clear(&node);
	return rcode;
}

/* Whether an earlier class-IN prerequisite already opened this group. */
static bool group_seen(const knot_rrset_t *prereqs, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		if (prereqs[j].rclass == KNOT_CLASS_IN &&
		    prereqs[j].type == prereqs[i].type &&
		    knot_dname_is_case_equal(prereqs[j].owner,
					     prereqs[i].owner)) {
			return true;
		}
	}
	return false;
}

uint16_t update_check_prereqs(const knot_rrset_t *prereqs, size_t n,
			      const knot_dname_t *apex, update_node_fn node,
			      void *arg)
{
	/* In order, as the pseudo code of section 3.2.5: the first
	 * prerequisite that fails gives the RCODE. */
	for (size_t i = 0; i < n; i++) {
		const knot_rrset_t *rr = &prereqs[i];
		if (rr->ttl != 0) {
			return KNOT_RCODE_FORMERR;
		}
		if (!wire_name_in_zone(rr->owner, apex)) {
			return KNOT_RCODE_NOTZONE;
		}
		if (rr->rclass == KNOT_CLASS_IN) {
			continue;	/* value dependent: after the loop */
		}
		if ((rr->rclass != KNOT_CLASS_ANY &&
		     rr->rclass != KNOT_CLASS_NONE) || rdata_len(rr) != 0) {
			return KNOT_RCODE_FORMERR;
		}
		uint16_t rcode = check_existence(rr, node, arg);
		if (rcode != KNOT_RCODE_NOERROR) {
			return rcode;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (prereqs[i].rclass != KNOT_CLASS_IN ||
		    group_seen(prereqs, i)) {
			continue;
		}
		uint16_t rcode = check_value_group(prereqs, n, i, node, arg);
		if (rcode != KNOT_RCODE_NOERROR) {
			return rcode;
		}
	}
	return KNOT_RCODE_NOERROR;
}

uint16_t update_prescan(const knot_rrset_t *updates, size_t n,
			const knot_dname_t *apex)
{
	for (size_t i = 0; i < n; i++) {
		const knot_rrset_t *rr = &updates[i];
		if (!wire_name_in_zone(rr->owner, apex)) {
			return KNOT_RCODE_NOTZONE;
		}
		switch (rr->rclass) {
		case KNOT_CLASS_IN:
			if (is_meta(rr->type)) {
				return KNOT_RCODE_FORMERR;
			}
			break;
		case KNOT_CLASS_ANY:
			if (rr->ttl != 0 || rdata_len(rr) != 0 ||
			    (is_meta(rr->type) &&
			     rr->type != KNOT_RRTYPE_ANY)) {
				return KNOT_RCODE_FORMERR;
			}
			break;
		case KNOT_CLASS_NONE:
			if (rr->ttl != 0 || is_meta(rr->type)) {
				return KNOT_RCODE_FORMERR;
			}
			break;
		default:
			return KNOT_RCODE_FORMERR;
		}
	}
	return KNOT_RCODE_NOERROR;
}
