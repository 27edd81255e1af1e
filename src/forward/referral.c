/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Referrals from authoritative targets: where they point, and whether
 * they may be followed (only further down, inside the zone asked). */
#include <netinet/in.h>
#include <string.h>

#include "common/error.h"
#include "forward/internal.h"
#include "wire/wire.h"

/* A referral may be followed when its cut lies inside the request's
 * zone, strictly below the last cut followed (a server that delegates
 * to where we already are would loop), and at or above the name asked
 * (RFC 1034 section 4.3.2 step 3b). Anything else is upward, sideways
 * or lame. */
static bool cut_acceptable(const struct forward_query *q,
			   const knot_dname_t *cut)
{
	if (!wire_name_in_zone(cut, q->zone) ||
	    !wire_name_in_zone(q->qname, cut)) {
		return false;
	}
	if (q->has_cut && (knot_dname_is_case_equal(cut, q->cut) ||
			   !wire_name_in_zone(cut, q->cut))) {
		return false;
	}
	return true;
}

/* Adds the address records of the additional section owned by name. */
static void add_glue(const knot_pkt_t *pkt, const knot_dname_t *name,
		     struct fwd_referral *out)
{
	const knot_pktsection_t *add = knot_pkt_section(pkt, KNOT_ADDITIONAL);
	for (uint16_t i = 0; i < add->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(add, i);
		if ((rr->type != KNOT_RRTYPE_A && rr->type != KNOT_RRTYPE_AAAA) ||
		    !knot_dname_is_case_equal(rr->owner, name)) {
			continue;
		}
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t k = 0; k < rr->rrs.count;
		     k++, rd = knot_rdataset_next(rd)) {
			if (out->n_servers == FWD_MAX_LEVEL_TARGETS) {
				return;
			}
			struct zg_addr *a = &out->servers[out->n_servers];
			memset(a, 0, sizeof(*a));
			if (rr->type == KNOT_RRTYPE_A && rd->len == 4) {
				struct sockaddr_in *sin = (void *)&a->ss;
				sin->sin_family = AF_INET;
				memcpy(&sin->sin_addr, rd->data, 4);
				a->len = sizeof(*sin);
			} else if (rr->type == KNOT_RRTYPE_AAAA &&
				   rd->len == 16) {
				struct sockaddr_in6 *sin6 = (void *)&a->ss;
				sin6->sin6_family = AF_INET6;
				memcpy(&sin6->sin6_addr, rd->data, 16);
				a->len = sizeof(*sin6);
			} else {
				continue;
			}
			addr_set_port(a, 53);
			out->n_servers++;
		}
	}
}

int fwd_referral_read(const struct forward_query *q, const knot_pkt_t *pkt,
		      struct fwd_referral *out)
{
	memset(out, 0, sizeof(*out));
	const knot_pktsection_t *auth = knot_pkt_section(pkt, KNOT_AUTHORITY);
	const knot_dname_t *cut = NULL;

	for (uint16_t i = 0; i < auth->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(auth, i);
		if (rr->type != KNOT_RRTYPE_NS) {
			continue;
		}
		if (cut == NULL) {
			cut = rr->owner;
		} else if (!knot_dname_is_case_equal(cut, rr->owner)) {
			return ZG_EREFUSED;	/* two cuts: not a referral */
		}
	}
	if (cut == NULL || !cut_acceptable(q, cut)) {
		return ZG_EREFUSED;
	}
	knot_dname_copy_lower(out->cut, cut);

	for (uint16_t i = 0; i < auth->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(auth, i);
		if (rr->type != KNOT_RRTYPE_NS) {
			continue;
		}
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t k = 0; k < rr->rrs.count;
		     k++, rd = knot_rdataset_next(rd)) {
			add_glue(pkt, knot_ns_name(rd), out);
		}
	}
	/* LIMITATION: name servers without glue in the referral are not
	 * looked up, so a delegation whose servers lie outside the zone
	 * (and come without addresses) fails as lame. */
	return out->n_servers > 0 ? 0 : ZG_ENOENT;
}
