/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Authoritative lookup in one zone (RFC 1034 section 4.3.2): exact
 * matches, CNAME chains, referrals, wildcards (RFC 4592) and negative
 * answers with the SOA (RFC 2308). */
#include "zone/zone.h"

#include <string.h>

#include "zone/zone_impl.h"

/* One lookup in progress; lives on the caller's stack. */
struct lookup {
	const struct zone_contents *z;
	uint16_t qtype;
	const struct wire_source *src;
	unsigned max_cnames;
	struct wire_answer *ans;
	struct zone_lookup_result *res;
};

/* What one name of a chain led to. */
enum step {
	STEP_DONE,	/* res->status is final */
	STEP_FOLLOW,	/* a CNAME inside the zone: go on at *next */
};

static int add(struct lookup *lk, int section, const knot_rrset_t *rr,
	       const knot_dname_t *owner, uint32_t ttl)
{
	return wire_answer_add(lk->ans, section, rr, owner, ttl, lk->src);
}

/* The SOA in authority with the negative TTL, once per zone per answer
 * (RFC 2308 section 3: TTL = min(SOA TTL, MINIMUM)). */
static int add_negative_soa(struct lookup *lk)
{
	const struct zone_contents *z = lk->z;
	if (wire_answer_has(lk->ans, KNOT_AUTHORITY, z->apex_name,
			    KNOT_RRTYPE_SOA)) {
		return 0;
	}
	return add(lk, KNOT_AUTHORITY, z->soa, NULL, z->neg_ttl);
}

static int finish(struct lookup *lk, enum zone_lookup_status status,
		  uint8_t rcode)
{
	lk->res->status = status;
	lk->ans->rcode = rcode;
	if (status == ZONE_NODATA || status == ZONE_NXDOMAIN) {
		return add_negative_soa(lk);
	}
	return 0;
}

static const struct zone_node *find_name(const struct zone_contents *z,
					 const knot_dname_t *name)
{
	struct wire_name_key key;
	if (wire_name_key_build(name, &key) != 0) {
		return NULL;
	}
	return zone_db_find(z, key.bytes, key.len);
}

/* Glue for a referral: addresses of the NS targets the zone holds, in
 * the additional section (RFC 1034 section 4.3.2 step 3b). */
static int add_glue(struct lookup *lk, const knot_rrset_t *ns)
{
	static const uint16_t types[] = { KNOT_RRTYPE_A, KNOT_RRTYPE_AAAA };
	const knot_rdata_t *rd = ns->rrs.rdata;

	for (uint16_t i = 0; i < ns->rrs.count; i++) {
		const knot_dname_t *target = knot_ns_name(rd);
		rd = knot_rdataset_next((knot_rdata_t *)rd);
		if (!wire_name_in_zone(target, lk->z->apex_name)) {
			continue;
		}
		const struct zone_node *node = find_name(lk->z, target);
		if (node == NULL) {
			continue;
		}
		for (size_t t = 0; t < 2; t++) {
			const knot_rrset_t *addr = zone_node_rrset(node, types[t]);
			if (addr == NULL ||
			    wire_answer_has(lk->ans, KNOT_ADDITIONAL,
					    addr->owner, types[t])) {
				continue;
			}
			int ret = add(lk, KNOT_ADDITIONAL, addr, NULL, addr->ttl);
			if (ret != 0) {
				return ret;
			}
		}
	}
	return 0;
}

/* A referral to the servers of cut: NS in authority, glue in
 * additional, never AA (RFC 1034 section 4.3.2 step 3b). */
static int referral(struct lookup *lk, const struct zone_node *cut)
{
	const knot_rrset_t *ns = zone_node_rrset(cut, KNOT_RRTYPE_NS);
	int ret = add(lk, KNOT_AUTHORITY, ns, NULL, ns->ttl);
	if (ret == 0) {
		ret = add_glue(lk, ns);
	}
	if (ret != 0) {
		return ret;
	}
	lk->ans->force_no_aa = true;
	memcpy(lk->res->cut_name, cut->owner, knot_dname_size(cut->owner));
	return finish(lk, ZONE_DELEGATION, KNOT_RCODE_NOERROR);
}

/* RFC 8482 allows a short answer to ANY; zonegate serves private data
 * to its own clients and gives every RRset, the way BIND does without
 * minimal-any. An empty non-terminal has none: NODATA. */
static int answer_any(struct lookup *lk, const struct zone_node *node,
		      const knot_dname_t *owner)
{
	if (node->n_rrsets == 0) {
		return finish(lk, ZONE_NODATA, KNOT_RCODE_NOERROR);
	}
	for (uint16_t i = 0; i < node->n_rrsets; i++) {
		const knot_rrset_t *rr = &node->rrsets[i];
		int ret = add(lk, KNOT_ANSWER, rr, owner, rr->ttl);
		if (ret != 0) {
			return ret;
		}
	}
	return finish(lk, ZONE_FOUND, KNOT_RCODE_NOERROR);
}

/* Adds the CNAME and decides where the chain goes. */
static int answer_cname(struct lookup *lk, const knot_rrset_t *cname,
			const knot_dname_t *owner, const knot_dname_t **next,
			enum step *step)
{
	if (lk->ans->cname_count >= lk->max_cnames) {
		lk->res->status = ZONE_CNAME_LIMIT;
		return 0;
	}
	int ret = add(lk, KNOT_ANSWER, cname, owner, cname->ttl);
	if (ret != 0) {
		return ret;
	}
	lk->ans->cname_count++;

	const knot_dname_t *target = knot_cname_name(cname->rrs.rdata);
	if (!wire_name_in_zone(target, lk->z->apex_name)) {
		/* Resolved again from the start, possibly by another
		 * zone or a rule (shared/resolution.md section 3). */
		memcpy(lk->res->next_name, target, knot_dname_size(target));
		return finish(lk, ZONE_CNAME_OUT, KNOT_RCODE_NOERROR);
	}
	*next = target;
	*step = STEP_FOLLOW;
	return 0;
}

/* Answers at an existing node (owner set when it is a wildcard being
 * expanded for the name asked). */
static int answer_node(struct lookup *lk, const struct zone_node *node,
		       const knot_dname_t *owner, const knot_dname_t **next,
		       enum step *step)
{
	if (lk->qtype == KNOT_RRTYPE_ANY) {
		return answer_any(lk, node, owner);
	}
	const knot_rrset_t *cname = zone_node_rrset(node, KNOT_RRTYPE_CNAME);
	if (cname != NULL && lk->qtype != KNOT_RRTYPE_CNAME) {
		return answer_cname(lk, cname, owner, next, step);
	}
	const knot_rrset_t *rr = zone_node_rrset(node, lk->qtype);
	if (rr == NULL) {
		return finish(lk, ZONE_NODATA, KNOT_RCODE_NOERROR);
	}
	int ret = add(lk, KNOT_ANSWER, rr, owner, rr->ttl);
	if (ret != 0) {
		return ret;
	}
	return finish(lk, ZONE_FOUND, KNOT_RCODE_NOERROR);
}

/* The source of synthesis "*.<encloser>" (RFC 4592 section 2.2.1), where
 * the encloser's key is the first len bytes of key. */
static const struct zone_node *find_wildcard(const struct zone_contents *z,
					     const struct wire_name_key *key,
					     size_t len)
{
	uint8_t buf[KNOT_DNAME_MAXLEN + 2];
	memcpy(buf, key->bytes, len);
	buf[len] = '*';
	buf[len + 1] = 0;
	return zone_db_find(z, buf, len + 2);
}

/* One name of the chain. */
static int step_name(struct lookup *lk, const knot_dname_t *name,
		     const knot_dname_t **next, enum step *step)
{
	const struct zone_contents *z = lk->z;
	struct wire_name_key key;
	if (wire_name_key_build(name, &key) != 0) {
		return ZG_EINVAL;
	}

	/* The node itself, else the closest encloser: the deepest
	 * existing ancestor (the apex at worst). */
	unsigned k = key.labels;
	const struct zone_node *node = zone_db_find(z, key.bytes, key.len);
	bool exact = node != NULL;
	while (node == NULL && k > z->apex_labels) {
		k--;
		node = zone_db_find(z, key.bytes, key.ends[k]);
	}
	if (node == NULL) {
		return ZG_EINTERNAL;	/* the apex always exists */
	}

	/* Below a cut the delegated servers answer; the parent side of a
	 * cut still answers DS (RFC 4035 section 3.1.4.1). */
	if (node->cut != NULL &&
	    !(exact && node->cut == node && lk->qtype == KNOT_RRTYPE_DS)) {
		return referral(lk, node->cut);
	}
	if (exact) {
		return answer_node(lk, node, NULL, next, step);
	}

	/* Any existing name, empty non-terminals included, is a closer
	 * encloser and so blocks a wildcard higher up (RFC 4592 section
	 * 2.2.2); only "*.<closest encloser>" can apply. */
	const struct zone_node *wild = find_wildcard(z, &key, key.ends[k]);
	if (wild != NULL) {
		if (wild->cut != NULL) {
			return referral(lk, wild->cut);
		}
		return answer_node(lk, wild, name, next, step);
	}
	return finish(lk, ZONE_NXDOMAIN, KNOT_RCODE_NXDOMAIN);
}

int zone_lookup(const struct zone_contents *z, const knot_dname_t *qname,
		uint16_t qtype, const struct wire_source *src,
		unsigned max_cnames, struct wire_answer *ans,
		struct zone_lookup_result *res)
{
	if (z == NULL || qname == NULL || src == NULL || ans == NULL ||
	    res == NULL) {
		return ZG_EINVAL;
	}
	res->status = ZONE_FOUND;
	res->next_name[0] = 0;
	res->cut_name[0] = 0;
	if (!wire_name_in_zone(qname, z->apex_name)) {
		return ZG_EINVAL;
	}

	struct lookup lk = {
		.z = z, .qtype = qtype, .src = src, .max_cnames = max_cnames,
		.ans = ans, .res = res,
	};
	const knot_dname_t *name = qname;
	for (;;) {
		/* A name that already owns a CNAME in the answer closes a
		 * loop: stop there with NOERROR, each RRset once (RFC 1034
		 * section 3.6.2; BIND does the same). */
		if (qtype != KNOT_RRTYPE_CNAME &&
		    wire_answer_has(ans, KNOT_ANSWER, name, KNOT_RRTYPE_CNAME)) {
			return finish(&lk, ZONE_CNAME_LOOP, KNOT_RCODE_NOERROR);
		}
		enum step step = STEP_DONE;
		const knot_dname_t *next = NULL;
		int ret = step_name(&lk, name, &next, &step);
		if (ret != 0 || step == STEP_DONE) {
			return ret;
		}
		name = next;
	}
}
