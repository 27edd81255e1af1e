/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rendering an answer into a response: header bits, sections within the
 * client's size, EDNS with Extended DNS Errors. */
#include "wire/wire.h"

#include <string.h>

/* Room for the EDE option data: INFO-CODE plus the text. */
#define EDE_DATA_MAX (2 + sizeof(((struct wire_answer *)0)->ede_text))

static uint16_t transport_limit(const struct wire_query_info *info, bool tcp)
{
	if (tcp) {
		return KNOT_WIRE_MAX_PKTSIZE;
	}
	if (!info->has_edns) {
		return WIRE_PLAIN_UDP_MAX;	/* RFC 1035 section 4.2.1 */
	}
	/* The client's size, capped at our own (Flag Day 2020), never
	 * below 512 (RFC 6891 section 6.2.5). */
	uint16_t limit = info->client_payload < WIRE_EDNS_PAYLOAD ?
		info->client_payload : WIRE_EDNS_PAYLOAD;
	return limit < WIRE_PLAIN_UDP_MAX ? WIRE_PLAIN_UDP_MAX : limit;
}

/* The limit less the room the answer's TSIG RR needs once signed. */
static uint16_t size_limit(const struct wire_query_info *info, bool tcp)
{
	uint16_t limit = transport_limit(info, tcp);
	if (info->tsig_reserve >= limit - KNOT_WIRE_HEADER_SIZE) {
		return KNOT_WIRE_HEADER_SIZE;
	}
	return (uint16_t)(limit - info->tsig_reserve);
}

/* Builds the response OPT in resp's memory: our payload, version 0, the
 * high bits of an extended RCODE, DO echoed (RFC 3225), EDE if any. */
static int opt_build(knot_pkt_t *resp, uint16_t rcode, bool do_bit,
		     bool has_ede, uint16_t ede_code, const char *ede_text,
		     knot_rrset_t *opt)
{
	knot_rrset_init_empty(opt);
	int ret = knot_edns_init(opt, WIRE_EDNS_PAYLOAD,
				 (uint8_t)(rcode >> 4), 0, &resp->mm);
	if (ret != KNOT_EOK) {
		return ret;
	}
	if (do_bit) {
		knot_edns_set_do(opt);
	}
	if (has_ede) {
		/* RFC 8914 section 2: INFO-CODE, then UTF-8 text that is
		 * not NUL-terminated. */
		uint8_t data[EDE_DATA_MAX];
		size_t text_len = ede_text != NULL ? strlen(ede_text) : 0;
		if (text_len > EDE_DATA_MAX - 2) {
			text_len = EDE_DATA_MAX - 2;
		}
		knot_wire_write_u16(data, ede_code);
		if (text_len > 0) {
			memcpy(data + 2, ede_text, text_len);
		}
		ret = knot_edns_add_option(opt, WIRE_EDNS_OPT_EDE,
					   (uint16_t)(2 + text_len), data,
					   &resp->mm);
		if (ret != KNOT_EOK) {
			knot_rrset_clear(opt, &resp->mm);
			return ret;
		}
	}
	return KNOT_EOK;
}

/* Puts the OPT last in the additional section; the packet frees it. */
static int opt_put(knot_pkt_t *resp, knot_rrset_t *opt)
{
	int ret = knot_pkt_reclaim(resp, (uint16_t)knot_edns_wire_size(opt));
	if (ret == KNOT_EOK) {
		ret = knot_pkt_begin(resp, KNOT_ADDITIONAL);
	}
	if (ret == KNOT_EOK) {
		ret = knot_pkt_put(resp, KNOT_COMPR_HINT_NONE, opt,
				   KNOT_PF_FREE | KNOT_PF_NOTRUNC);
	}
	if (ret != KNOT_EOK) {
		knot_rrset_clear(opt, &resp->mm);
	}
	return ret;
}

static bool rcode_is_failure(uint16_t rcode)
{
	return rcode == KNOT_RCODE_SERVFAIL || rcode == KNOT_RCODE_REFUSED ||
	       rcode == KNOT_RCODE_FORMERR || rcode == KNOT_RCODE_NOTIMPL;
}

static bool rdataset_has_name(const knot_rrset_t *ns, const knot_dname_t *name)
{
	const knot_rdata_t *rd = ns->rrs.rdata;
	for (uint16_t i = 0; i < ns->rrs.count; i++) {
		if (knot_dname_is_case_equal(knot_ns_name(rd), name)) {
			return true;
		}
		rd = knot_rdataset_next((knot_rdata_t *)rd);
	}
	return false;
}

/* In-domain glue (RFC 9471 section 2): an address of a name server that
 * an NS RRset in authority names and that lies at or below that NS
 * owner. Without it the referral cannot be followed. */
static bool is_in_domain_glue(const struct wire_answer *ans,
			      const knot_rrset_t *rr)
{
	if (rr->type != KNOT_RRTYPE_A && rr->type != KNOT_RRTYPE_AAAA) {
		return false;
	}
	const struct wire_section *auth = &ans->sections[KNOT_AUTHORITY];
	for (size_t i = 0; i < auth->count; i++) {
		const knot_rrset_t *ns = auth->items[i].rrset;
		if (ns->type == KNOT_RRTYPE_NS &&
		    wire_name_in_zone(rr->owner, ns->owner) &&
		    rdataset_has_name(ns, rr->owner)) {
			return true;
		}
	}
	return false;
}

/* Answer and authority go in whole or not at all (KNOT_ESPACE). The
 * additional section takes what fits, RRset by RRset (RFC 2181 section
 * 9); *glue_lost tells whether in-domain glue was left out. */
static int put_sections(const struct wire_answer *ans, knot_pkt_t *resp,
			bool *glue_lost)
{
	*glue_lost = false;
	for (int s = KNOT_ANSWER; s <= KNOT_ADDITIONAL; s++) {
		int ret = knot_pkt_begin(resp, (knot_section_t)s);
		if (ret != KNOT_EOK) {
			return ret;
		}
		const struct wire_section *sec = &ans->sections[s];
		for (size_t i = 0; i < sec->count; i++) {
			const knot_rrset_t *rr = sec->items[i].rrset;
			ret = knot_pkt_put(resp, KNOT_COMPR_HINT_NONE, rr,
					   KNOT_PF_NOTRUNC);
			if (ret == KNOT_ESPACE && s == KNOT_ADDITIONAL) {
				if (is_in_domain_glue(ans, rr)) {
					*glue_lost = true;
				}
				continue;
			}
			if (ret != KNOT_EOK) {
				return ret;
			}
		}
	}
	return KNOT_EOK;
}

static void set_header(knot_pkt_t *resp, uint16_t rcode, bool aa)
{
	knot_wire_set_ra(resp->wire);
	knot_wire_set_rcode(resp->wire, KNOT_EDNS_RCODE_LO(rcode));
	if (aa) {
		knot_wire_set_aa(resp->wire);
	}
}

/* One attempt: with every section, or (truncated) with none but OPT. */
static int render_once(const struct wire_answer *ans, const knot_pkt_t *query,
		       const struct wire_query_info *info, bool truncated,
		       knot_pkt_t *resp)
{
	int ret = knot_pkt_init_response(resp, query);
	if (ret != KNOT_EOK) {
		return ret;
	}
	bool aa = !ans->force_no_aa && !rcode_is_failure(ans->rcode) &&
		  wire_answer_is_authoritative(ans);
	set_header(resp, ans->rcode, aa);

	knot_rrset_t opt;
	if (info->has_edns) {
		ret = opt_build(resp, ans->rcode, info->do_bit, ans->has_ede,
				ans->ede_code, ans->ede_text, &opt);
		if (ret != KNOT_EOK) {
			return ret;
		}
		/* The OPT must fit whatever else is left out. */
		ret = knot_pkt_reserve(resp, (uint16_t)knot_edns_wire_size(&opt));
		if (ret != KNOT_EOK) {
			knot_rrset_clear(&opt, &resp->mm);
			return ret;
		}
	}

	bool glue_lost = false;
	if (!truncated) {
		ret = put_sections(ans, resp, &glue_lost);
		if (ret != KNOT_EOK) {
			if (info->has_edns) {
				knot_rrset_clear(&opt, &resp->mm);
			}
			return ret;
		}
	}
	if (truncated || glue_lost) {
		knot_wire_set_tc(resp->wire);
	}

	if (info->has_edns) {
		return opt_put(resp, &opt);
	}
	return KNOT_EOK;
}

int wire_answer_render(const struct wire_answer *ans, const knot_pkt_t *query,
		       const struct wire_query_info *info, bool tcp,
		       knot_pkt_t *resp)
{
	if (ans == NULL || query == NULL || info == NULL || resp == NULL) {
		return KNOT_EINVAL;
	}
	size_t saved_max = resp->max_size;
	uint16_t limit = size_limit(info, tcp);
	if (limit < resp->max_size) {
		resp->max_size = limit;
	}

	/* An answer or authority section that does not fit is never sent
	 * in part: TC with both left empty tells the client to use TCP
	 * (RFC 2181 section 9, RFC 1035 section 4.2.1). */
	int ret = render_once(ans, query, info, false, resp);
	if (ret == KNOT_ESPACE) {
		ret = render_once(ans, query, info, true, resp);
	}
	resp->max_size = saved_max;
	return ret;
}

int wire_render_error(const knot_pkt_t *query, uint16_t rcode,
		      uint16_t ede_code, const char *ede_text, knot_pkt_t *resp)
{
	if (query == NULL || resp == NULL ||
	    query->size < KNOT_WIRE_HEADER_SIZE) {
		return KNOT_EINVAL;
	}

	/* Echoes the question when the query had one that parsed;
	 * otherwise the header alone with QDCOUNT 0. */
	int ret = knot_pkt_init_response(resp, query);
	if (ret != KNOT_EOK) {
		return ret;
	}
	set_header(resp, rcode, false);
	if (query->opt_rr == NULL) {
		return KNOT_EOK;
	}

	knot_rrset_t opt;
	ret = opt_build(resp, rcode, knot_edns_do(query->opt_rr),
			ede_code != WIRE_EDE_NONE, ede_code, ede_text, &opt);
	if (ret != KNOT_EOK) {
		return ret;
	}
	ret = knot_pkt_reserve(resp, (uint16_t)knot_edns_wire_size(&opt));
	if (ret != KNOT_EOK) {
		knot_rrset_clear(&opt, &resp->mm);
		return ret;
	}
	return opt_put(resp, &opt);
}
