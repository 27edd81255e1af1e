/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The messages of an exchange: the query sent to a target and the
 * checks that decide what a message coming back means. */
#include <stdio.h>
#include <string.h>

#include "forward/internal.h"
#include "wire/wire.h"

/* EDNS header flag DO (RFC 3225), in the OPT TTL's low 16 bits. */
#define EDNS_FLAG_DO 0x8000

void fwd_msg_build(struct forward_query *q, bool edns)
{
	const struct forward_request *req = &q->req;
	uint8_t *wire = q->wire;

	memset(wire, 0, KNOT_WIRE_HEADER_SIZE);
	knot_wire_set_rd(wire);
	if (req->cd_bit) {
		knot_wire_set_cd(wire);
	}
	knot_wire_set_qdcount(wire, 1);

	size_t pos = KNOT_WIRE_HEADER_SIZE;
	size_t name_len = knot_dname_size(req->qname);
	memcpy(wire + pos, req->qname, name_len);
	pos += name_len;
	knot_wire_write_u16(wire + pos, req->qtype);
	knot_wire_write_u16(wire + pos + 2, req->qclass);
	pos += 4;

	/* Our own OPT, never the client's: no Client Subnet or other
	 * option of the client leaves (resolution.md section 4). */
	if (edns) {
		knot_wire_set_arcount(wire, 1);
		wire[pos] = 0;				/* root owner */
		knot_wire_write_u16(wire + pos + 1, KNOT_RRTYPE_OPT);
		knot_wire_write_u16(wire + pos + 3, WIRE_EDNS_PAYLOAD);
		wire[pos + 5] = 0;			/* extended RCODE */
		wire[pos + 6] = 0;			/* version 0 */
		knot_wire_write_u16(wire + pos + 7,
				    req->do_bit ? EDNS_FLAG_DO : 0);
		knot_wire_write_u16(wire + pos + 9, 0);	/* no options */
		pos += 11;
	}
	q->wire_len = pos;
}

void fwd_msg_set_id(struct forward_query *q, uint16_t msg_id)
{
	q->msg_id = msg_id;
	knot_wire_set_id(q->wire, msg_id);
}

static const char *rcode_name(unsigned rcode)
{
	static const char *names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE",
	};
	if (rcode < sizeof(names) / sizeof(names[0])) {
		return names[rcode];
	}
	return "an unknown RCODE";
}

static bool question_matches(const struct forward_query *q,
			     const knot_pkt_t *pkt)
{
	/* Names compare case-insensitively (RFC 4343); a target may well
	 * change the case of the name it echoes. */
	return knot_pkt_qtype(pkt) == q->req.qtype &&
	       knot_pkt_qclass(pkt) == q->req.qclass &&
	       knot_dname_is_case_equal(knot_pkt_wire_qname(pkt), q->qname);
}

/* A reply without a question can still be a target refusing the query:
 * many servers send FORMERR to EDNS without echoing the question. It can
 * only make us leave the target, never give us data. */
static enum fwd_verdict judge_bare_error(const struct forward_query *q,
					 uint8_t rcode, char *why,
					 size_t why_len)
{
	if (rcode == KNOT_RCODE_FORMERR && q->edns) {
		return FWD_NO_EDNS;
	}
	if (rcode == KNOT_RCODE_FORMERR || rcode == KNOT_RCODE_SERVFAIL ||
	    rcode == KNOT_RCODE_NOTIMPL || rcode == KNOT_RCODE_REFUSED) {
		snprintf(why, why_len, "answered %s", rcode_name(rcode));
		return FWD_NEXT;
	}
	return FWD_IGNORE;
}

/* A recursive target asked with RD=1 must answer; a referral means it
 * does not recurse for this name, a lame answer (resolution.md 4). */
static bool is_referral(const knot_pkt_t *pkt)
{
	if (knot_wire_get_rcode(pkt->wire) != KNOT_RCODE_NOERROR ||
	    knot_wire_get_aa(pkt->wire) ||
	    knot_pkt_section(pkt, KNOT_ANSWER)->count > 0) {
		return false;
	}
	const knot_pktsection_t *auth = knot_pkt_section(pkt, KNOT_AUTHORITY);
	bool has_ns = false;
	for (uint16_t i = 0; i < auth->count; i++) {
		uint16_t type = knot_pkt_rr(auth, i)->type;
		if (type == KNOT_RRTYPE_SOA) {
			return false;
		}
		has_ns = has_ns || type == KNOT_RRTYPE_NS;
	}
	return has_ns;
}

/* The reply parsed and matched the question: what its content means. */
static enum fwd_verdict judge_content(const struct forward_query *q,
				      const knot_pkt_t *pkt, bool tcp,
				      char *why, size_t why_len)
{
	uint8_t rcode = knot_wire_get_rcode(pkt->wire);
	uint16_t ext_rcode = knot_pkt_ext_rcode(pkt);

	if (rcode == KNOT_RCODE_FORMERR && ext_rcode == rcode && q->edns) {
		return FWD_NO_EDNS;
	}
	if (ext_rcode != rcode) {
		snprintf(why, why_len, "answered extended RCODE %u",
			 (unsigned)ext_rcode);
		return FWD_NEXT;
	}
	if (knot_wire_get_tc(pkt->wire)) {
		if (!tcp) {
			return FWD_USE_TCP;
		}
		snprintf(why, why_len, "set TC over TCP");
		return FWD_NEXT;
	}
	if (rcode != KNOT_RCODE_NOERROR && rcode != KNOT_RCODE_NXDOMAIN) {
		snprintf(why, why_len, "answered %s", rcode_name(rcode));
		return FWD_NEXT;
	}
	if (is_referral(pkt)) {
		snprintf(why, why_len, "answered with a referral (lame)");
		return FWD_NEXT;
	}
	return FWD_ACCEPT;
}

/* The full parse failed: a malformed reply to our question fails the
 * target, anything else may be forged and is ignored. */
static enum fwd_verdict judge_unparsable(const struct forward_query *q,
					 const knot_pkt_t *pkt, char *why,
					 size_t why_len)
{
	knot_pkt_t *head = knot_pkt_new(pkt->wire, pkt->size, NULL);
	if (head == NULL) {
		return FWD_IGNORE;
	}
	enum fwd_verdict verdict = FWD_IGNORE;
	if (knot_pkt_parse_question(head) == KNOT_EOK &&
	    question_matches(q, head)) {
		snprintf(why, why_len, "sent a malformed reply");
		verdict = FWD_NEXT;
	}
	knot_pkt_free(head);
	return verdict;
}

enum fwd_verdict fwd_msg_judge(const struct forward_query *q, knot_pkt_t *pkt,
			       bool tcp, char *why, size_t why_len)
{
	const uint8_t *wire = pkt->wire;

	if (pkt->size < KNOT_WIRE_HEADER_SIZE ||
	    knot_wire_get_id(wire) != q->msg_id || !knot_wire_get_qr(wire) ||
	    knot_wire_get_opcode(wire) != KNOT_OPCODE_QUERY) {
		return FWD_IGNORE;
	}

	uint16_t qdcount = knot_wire_get_qdcount(wire);
	if (qdcount == 0) {
		return judge_bare_error(q, knot_wire_get_rcode(wire), why,
					why_len);
	}
	if (qdcount != 1) {
		return FWD_IGNORE;
	}

	/* Keep the case of names as the target wrote them: records pass
	 * through untouched. */
	int ret = knot_pkt_parse(pkt, KNOT_PF_NOCANON);
	if (ret != KNOT_EOK && ret != KNOT_ETRAIL) {
		return judge_unparsable(q, pkt, why, why_len);
	}
	if (!question_matches(q, pkt)) {
		return FWD_IGNORE;
	}
	return judge_content(q, pkt, tcp, why, why_len);
}
