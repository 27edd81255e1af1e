/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Turning a target's reply into answer parts: the CNAME chain from the
 * question, bailiwick, and the SOA of negative answers. */
#include "forward/forward.h"

#include <string.h>

#include "common/error.h"

/* Names followed in one reply; a longer chain is cut here and the CNAME
 * limit of the resolver (12 in all steps) ends the query anyway. */
#define IMPORT_CHAIN_MAX 32
/* Distinct record types kept at one owner. */
#define IMPORT_TYPES_MAX 16

struct import {
	const knot_pkt_t *reply;
	const knot_pktsection_t *answer;
	const knot_pktsection_t *authority;
	uint16_t qclass;
	const knot_dname_t *bailiwick;	/* NULL: everything is in */
	const struct wire_source *src;
	struct wire_answer *ans;
};

/* Types kept at one owner, for the RRSIGs that go with them. */
struct type_set {
	uint16_t types[IMPORT_TYPES_MAX];
	size_t count;
};

static bool type_set_has(const struct type_set *set, uint16_t type)
{
	for (size_t i = 0; i < set->count; i++) {
		if (set->types[i] == type) {
			return true;
		}
	}
	return false;
}

static void type_set_add(struct type_set *set, uint16_t type)
{
	if (!type_set_has(set, type) && set->count < IMPORT_TYPES_MAX) {
		set->types[set->count++] = type;
	}
}

static bool in_bailiwick(const struct import *im, const knot_dname_t *name)
{
	return im->bailiwick == NULL || wire_name_in_zone(name, im->bailiwick);
}

static bool rr_at(const struct import *im, const knot_rrset_t *rr,
		  const knot_dname_t *owner)
{
	return rr->rclass == im->qclass &&
	       knot_dname_is_case_equal(rr->owner, owner);
}

/* RFC 2181 section 8: a TTL with the most significant bit set is read as
 * zero; passed on, clients would take it for 68 years or for negative. */
static uint32_t sane_ttl(uint32_t ttl)
{
	return ttl > 0x7fffffffu ? 0 : ttl;
}

/*
 * Adds to a section of the answer, as one RRset, every record of the
 * reply section sec with this owner and type (the parser gives one entry
 * per record). For RRSIG, only signatures covering a type in covers.
 * The TTL is the lowest of the records (RFC 2181 section 5.2), at most
 * ttl_cap. An RRset already in the answer is not added again.
 */
static int add_rrset(struct import *im, const knot_pktsection_t *sec,
		     int section, const knot_dname_t *owner, uint16_t type,
		     const struct type_set *covers, uint32_t ttl_cap)
{
	knot_rrset_t *merged = NULL;
	uint32_t ttl = ttl_cap;

	for (uint16_t i = 0; i < sec->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(sec, i);
		if (rr->type != type || !rr_at(im, rr, owner)) {
			continue;
		}
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t k = 0; k < rr->rrs.count;
		     k++, rd = knot_rdataset_next(rd)) {
			if (covers != NULL &&
			    !type_set_has(covers, knot_rrsig_type_covered(rd))) {
				continue;
			}
			if (merged == NULL) {
				merged = knot_rrset_new(rr->owner, type,
							rr->rclass, rr->ttl,
							NULL);
				if (merged == NULL) {
					return ZG_ENOMEM;
				}
			}
			if (knot_rrset_add_rdata(merged, rd->data, rd->len,
						 NULL) != KNOT_EOK) {
				knot_rrset_free(merged, NULL);
				return ZG_ENOMEM;
			}
			ttl = sane_ttl(rr->ttl) < ttl ? sane_ttl(rr->ttl) : ttl;
		}
	}
	if (merged == NULL) {
		return 0;
	}

	int ret = 0;
	if (!wire_answer_has(im->ans, section, merged->owner, type)) {
		ret = wire_answer_add(im->ans, section, merged, NULL, ttl,
				      im->src);
	}
	knot_rrset_free(merged, NULL);
	return ret;
}

/* The record types present at owner in a reply section, RRSIG aside. */
static void types_at(const struct import *im, const knot_pktsection_t *sec,
		     const knot_dname_t *owner, struct type_set *out)
{
	out->count = 0;
	for (uint16_t i = 0; i < sec->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(sec, i);
		if (rr->type != KNOT_RRTYPE_RRSIG && rr_at(im, rr, owner)) {
			type_set_add(out, rr->type);
		}
	}
}

/* Adds the given types at owner, then the signatures covering them. */
static int add_types(struct import *im, const knot_pktsection_t *sec,
		     int section, const knot_dname_t *owner,
		     const struct type_set *types, uint32_t ttl_cap)
{
	for (size_t i = 0; i < types->count; i++) {
		int ret = add_rrset(im, sec, section, owner, types->types[i],
				    NULL, ttl_cap);
		if (ret != 0) {
			return ret;
		}
	}
	return add_rrset(im, sec, section, owner, KNOT_RRTYPE_RRSIG, types,
			 ttl_cap);
}

/* The single CNAME target at owner, NULL when there is none, or
 * ZG_EMALF through *ret when the reply holds two (RFC 2181 10.1). */
static const knot_dname_t *cname_target(const struct import *im,
					const knot_dname_t *owner, int *ret)
{
	const knot_dname_t *target = NULL;

	for (uint16_t i = 0; i < im->answer->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(im->answer, i);
		if (rr->type != KNOT_RRTYPE_CNAME || !rr_at(im, rr, owner) ||
		    rr->rrs.count == 0) {
			continue;
		}
		const knot_dname_t *name = knot_cname_name(rr->rrs.rdata);
		if (rr->rrs.count > 1 ||
		    (target != NULL && !knot_dname_is_case_equal(target, name))) {
			*ret = ZG_EMALF;
			return NULL;
		}
		target = name;
	}
	return target;
}

/* A DNAME above a synthesised CNAME is what a validator checks
 * (RFC 6672 section 5.3.1): it goes with the CNAME when in bailiwick. */
static int add_dnames(struct import *im, const knot_dname_t *name)
{
	struct type_set dname = { .types = { KNOT_RRTYPE_DNAME }, .count = 1 };

	for (uint16_t i = 0; i < im->answer->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(im->answer, i);
		if (rr->type != KNOT_RRTYPE_DNAME || rr->rclass != im->qclass ||
		    knot_dname_is_case_equal(rr->owner, name) ||
		    !wire_name_in_zone(name, rr->owner) ||
		    !in_bailiwick(im, rr->owner)) {
			continue;
		}
		int ret = add_types(im, im->answer, KNOT_ANSWER, rr->owner,
				    &dname, UINT32_MAX);
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

/* How the walk along the chain ended. */
enum chain_end {
	CHAIN_DATA,	/* records of qtype at the last name */
	CHAIN_NONE,	/* no records of qtype: a negative answer */
	CHAIN_LOOP,	/* a CNAME led back to a name already followed */
	CHAIN_REENTER,	/* a CNAME target must be resolved again */
};

struct chain {
	const knot_dname_t *names[IMPORT_CHAIN_MAX];
	size_t count;
	const knot_dname_t *signer;	/* of a wildcard answer, or NULL */
};

static bool chain_has(const struct chain *chain, const knot_dname_t *name)
{
	for (size_t i = 0; i < chain->count; i++) {
		if (knot_dname_is_case_equal(chain->names[i], name)) {
			return true;
		}
	}
	return false;
}

/* The zone that signed a wildcard expansion at owner, whose NSEC proof
 * of no closer match must travel with the answer (RFC 4035 3.1.3.3). */
static const knot_dname_t *wildcard_signer(const struct import *im,
					   const knot_dname_t *owner)
{
	size_t labels = knot_dname_labels(owner, NULL);

	for (uint16_t i = 0; i < im->answer->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(im->answer, i);
		if (rr->type != KNOT_RRTYPE_RRSIG || !rr_at(im, rr, owner) ||
		    rr->rrs.count == 0) {
			continue;
		}
		if (knot_rrsig_labels(rr->rrs.rdata) < labels) {
			return knot_rrsig_signer_name(rr->rrs.rdata);
		}
	}
	return NULL;
}

/* Keeps what the reply holds at one name of the chain. Returns how the
 * chain goes on; *next is the CNAME target when it does. */
static int import_name(struct import *im, const knot_dname_t *name,
		       uint16_t qtype, const knot_dname_t **next,
		       enum chain_end *end)
{
	struct type_set present;
	types_at(im, im->answer, name, &present);
	*next = NULL;

	/* Asked for the CNAME itself, or for everything: nothing to follow. */
	bool follow = qtype != KNOT_RRTYPE_CNAME && qtype != KNOT_RRTYPE_ANY &&
		      qtype != KNOT_RRTYPE_RRSIG;
	struct type_set data = { .count = 0 };
	if (qtype == KNOT_RRTYPE_ANY) {
		data = present;
	} else if (type_set_has(&present, qtype)) {
		type_set_add(&data, qtype);
	}
	bool has_cname = follow && type_set_has(&present, KNOT_RRTYPE_CNAME);

	if (has_cname && data.count > 0) {
		return ZG_EMALF;	/* CNAME and other data (RFC 2181 10.1) */
	}
	if (qtype == KNOT_RRTYPE_RRSIG) {
		size_t before = im->ans->sections[KNOT_ANSWER].count;
		int ret = add_rrset(im, im->answer, KNOT_ANSWER, name,
				    KNOT_RRTYPE_RRSIG, NULL, UINT32_MAX);
		*end = im->ans->sections[KNOT_ANSWER].count > before ?
			       CHAIN_DATA : CHAIN_NONE;
		return ret;
	}
	if (!has_cname) {
		*end = data.count > 0 ? CHAIN_DATA : CHAIN_NONE;
		return add_types(im, im->answer, KNOT_ANSWER, name, &data,
				 UINT32_MAX);
	}

	int ret = 0;
	*next = cname_target(im, name, &ret);
	if (ret != 0) {
		return ret;
	}
	ret = add_dnames(im, name);
	if (ret != 0) {
		return ret;
	}
	struct type_set cname = { .types = { KNOT_RRTYPE_CNAME }, .count = 1 };
	return add_types(im, im->answer, KNOT_ANSWER, name, &cname,
			 UINT32_MAX);
}

/* Walks the CNAME chain from qname through the answer section. */
static int import_chain(struct import *im, const knot_dname_t *qname,
			uint16_t qtype, forward_reenter_fn reenter,
			void *reenter_arg, struct chain *chain,
			struct forward_import_result *result,
			enum chain_end *end)
{
	const knot_dname_t *name = qname;

	chain->names[chain->count++] = name;
	for (;;) {
		if (!in_bailiwick(im, name)) {
			*end = CHAIN_NONE;	/* nothing here may be kept */
			return 0;
		}
		const knot_dname_t *next;
		int ret = import_name(im, name, qtype, &next, end);
		if (ret != 0 || next == NULL) {
			if (ret == 0 && *end == CHAIN_DATA) {
				chain->signer = wildcard_signer(im, name);
			}
			return ret;
		}
		im->ans->cname_count++;

		/* RFC 1034 3.6.2: stop at the first repeated name, also
		 * one answered by a CNAME in an earlier step. */
		if (chain_has(chain, next) || chain->count == IMPORT_CHAIN_MAX ||
		    wire_answer_has(im->ans, KNOT_ANSWER, next,
				    KNOT_RRTYPE_CNAME)) {
			*end = CHAIN_LOOP;
			return 0;
		}
		if ((reenter != NULL && reenter(reenter_arg, next)) ||
		    !in_bailiwick(im, next)) {
			result->reenter = true;
			memcpy(result->next_name, next, knot_dname_size(next));
			*end = CHAIN_REENTER;
			return 0;
		}
		chain->names[chain->count++] = next;
		name = next;
	}
}

/* An SOA explains a negative answer about last when it is the zone of
 * last, or of the bailiwick (resolution.md section 4). */
static bool soa_acceptable(const struct import *im, const knot_dname_t *owner,
			   const knot_dname_t *last)
{
	return wire_name_in_zone(last, owner) ||
	       (im->bailiwick != NULL && wire_name_in_zone(owner, im->bailiwick));
}

/* Keeps NSEC and NSEC3 records of the authority section at or below
 * zone, and in bailiwick, with their signatures. */
static int import_proofs(struct import *im, const knot_dname_t *zone,
			 uint32_t ttl_cap)
{
	for (uint16_t i = 0; i < im->authority->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(im->authority, i);
		if ((rr->type != KNOT_RRTYPE_NSEC &&
		     rr->type != KNOT_RRTYPE_NSEC3) ||
		    rr->rclass != im->qclass ||
		    !wire_name_in_zone(rr->owner, zone) ||
		    !in_bailiwick(im, rr->owner)) {
			continue;
		}
		struct type_set proof = { .types = { rr->type }, .count = 1 };
		int ret = add_types(im, im->authority, KNOT_AUTHORITY,
				    rr->owner, &proof, ttl_cap);
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

/* The SOA of a negative answer, with TTL min(SOA TTL, MINIMUM) as
 * RFC 2308 section 3 asks of whoever serves the negative answer. */
static int import_negative(struct import *im, const knot_dname_t *last)
{
	const knot_rrset_t *soa = NULL;

	for (uint16_t i = 0; i < im->authority->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(im->authority, i);
		if (rr->type == KNOT_RRTYPE_SOA && rr->rclass == im->qclass &&
		    rr->rrs.count > 0 && soa_acceptable(im, rr->owner, last)) {
			soa = rr;
			break;
		}
	}
	if (soa == NULL) {
		return 0;
	}

	/* MINIMUM is a TTL here (RFC 2308 section 4): the same rule. */
	uint32_t minimum = sane_ttl(knot_soa_minimum(soa->rrs.rdata));
	uint32_t soa_ttl = sane_ttl(soa->ttl);
	uint32_t neg_ttl = soa_ttl < minimum ? soa_ttl : minimum;
	struct type_set soa_type = { .types = { KNOT_RRTYPE_SOA }, .count = 1 };
	int ret = add_types(im, im->authority, KNOT_AUTHORITY, soa->owner,
			    &soa_type, neg_ttl);
	if (ret != 0) {
		return ret;
	}
	/* RFC 9077: the proofs live no longer than the negative answer. */
	return import_proofs(im, soa->owner, neg_ttl);
}

int forward_import_reply(const knot_pkt_t *reply, const knot_dname_t *qname,
			 uint16_t qtype, const knot_dname_t *bailiwick,
			 forward_reenter_fn reenter, void *reenter_arg,
			 const struct wire_source *src, struct wire_answer *ans,
			 struct forward_import_result *result)
{
	struct import im = {
		.reply = reply,
		.answer = knot_pkt_section(reply, KNOT_ANSWER),
		.authority = knot_pkt_section(reply, KNOT_AUTHORITY),
		.qclass = knot_pkt_qclass(reply),
		.bailiwick = bailiwick,
		.src = src,
		.ans = ans,
	};
	struct chain chain = { .count = 0 };
	enum chain_end end = CHAIN_NONE;

	result->reenter = false;
	result->next_name[0] = '\0';

	int ret = import_chain(&im, qname, qtype, reenter, reenter_arg, &chain,
			       result, &end);
	if (ret != 0) {
		return ret;
	}

	switch (end) {
	case CHAIN_DATA:
		ans->rcode = knot_wire_get_rcode(reply->wire);
		if (chain.signer != NULL) {
			ret = import_proofs(&im, chain.signer, UINT32_MAX);
		}
		return ret;
	case CHAIN_NONE:
		ans->rcode = knot_wire_get_rcode(reply->wire);
		return import_negative(&im, chain.names[chain.count - 1]);
	case CHAIN_LOOP:
	case CHAIN_REENTER:
		/* The reply's RCODE is about a name we do not take from it;
		 * the names kept so far exist. */
		ans->rcode = KNOT_RCODE_NOERROR;
		return 0;
	}
	return 0;
}
