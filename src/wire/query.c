/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checks a client's query before it is resolved: what gets no answer,
 * which error RCODE the rest gets. */
#include "wire/wire.h"

#include <string.h>

/* Types that only exist inside messages: asking for them is malformed.
 * TKEY is not here: it is a real (unsupported) request, see below. */
static bool qtype_is_message_only(uint16_t qtype)
{
	return qtype == KNOT_RRTYPE_OPT || qtype == KNOT_RRTYPE_TSIG;
}

static bool qtype_is_transfer(uint16_t qtype)
{
	return qtype == KNOT_RRTYPE_AXFR || qtype == KNOT_RRTYPE_IXFR;
}

static void fill_info(const knot_pkt_t *pkt, struct wire_query_info *info)
{
	const uint8_t *wire = pkt->wire;

	memset(info, 0, sizeof(*info));
	info->qtype = knot_pkt_qtype(pkt);
	info->qclass = knot_pkt_qclass(pkt);
	info->rd_bit = knot_wire_get_rd(wire) != 0;
	info->cd_bit = knot_wire_get_cd(wire) != 0;
	if (pkt->opt_rr != NULL) {
		uint16_t payload = knot_edns_get_payload(pkt->opt_rr);
		info->has_edns = true;
		info->do_bit = knot_edns_do(pkt->opt_rr);
		info->edns_version = knot_edns_get_version(pkt->opt_rr);
		/* Sizes below 512 mean 512 (RFC 6891 section 6.2.5). */
		info->client_payload = payload < WIRE_PLAIN_UDP_MAX ?
			WIRE_PLAIN_UDP_MAX : payload;
	}
}

int wire_query_check(const knot_pkt_t *pkt, struct wire_query_info *info,
		     uint16_t *rcode)
{
	*rcode = KNOT_RCODE_NOERROR;
	if (pkt == NULL || pkt->size < KNOT_WIRE_HEADER_SIZE ||
	    knot_wire_get_qr(pkt->wire)) {
		return WIRE_EDROP;
	}

	/* NOTIFY and UPDATE come with secondary zones; until then every
	 * opcode but QUERY is unknown to us (RFC 1035 section 4.1.1). */
	if (knot_wire_get_opcode(pkt->wire) != KNOT_OPCODE_QUERY) {
		*rcode = KNOT_RCODE_NOTIMPL;
		return ZG_EMALF;
	}

	/* knot_pkt_parse() leaves parsed short of size when it failed or
	 * found trailing bytes; both make the query malformed. */
	if (knot_wire_get_qdcount(pkt->wire) != 1 || pkt->qname_size == 0 ||
	    pkt->parsed != pkt->size) {
		*rcode = KNOT_RCODE_FORMERR;
		return ZG_EMALF;
	}

	fill_info(pkt, info);
	if (qtype_is_message_only(info->qtype)) {
		*rcode = KNOT_RCODE_FORMERR;
		return ZG_EMALF;
	}
	if (info->qtype == KNOT_RRTYPE_TKEY) {
		*rcode = KNOT_RCODE_NOTIMPL;
		return ZG_EMALF;
	}

	/* Checked after the question so the BADVERS answer can echo it
	 * (RFC 6891 section 6.1.3). */
	if (info->has_edns && info->edns_version > 0) {
		*rcode = KNOT_RCODE_BADVERS;
		return ZG_EMALF;
	}

	if (qtype_is_transfer(info->qtype)) {
		*rcode = KNOT_RCODE_REFUSED;
		return ZG_EMALF;
	}
	return 0;
}
