/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The messages of an exchange: the query sent to a target and the
 * checks that decide what a message coming back means. */
#include <stdio.h>
#include <string.h>

#include "forward/internal.h"
#include "wire/wire.h"

/* EDNS header flag DO (RFC 3225), in the OPT TTL's low 16 bits. */
#define EDNS_FLAG_DO 0x8000

/* Writes our OPT record at wire + pos: payload 1232, DO copied, and the
 * COOKIE option when t sends one. Returns the new position. */
static size_t write_opt(const struct forward_query *q, const struct fwd_try *t,
			uint8_t *wire, size_t pos, const uint8_t server_cookie[],
			size_t server_cookie_len)
{
	size_t cookie_len = t->cookie ? HEALTH_CLIENT_COOKIE_LEN +
					server_cookie_len : 0;
	size_t rdlen = t->cookie ? 4 + cookie_len : 0;

	wire[pos] = 0;				/* root owner */
	knot_wire_write_u16(wire + pos + 1, KNOT_RRTYPE_OPT);
	knot_wire_write_u16(wire + pos + 3, WIRE_EDNS_PAYLOAD);
	wire[pos + 5] = 0;			/* extended RCODE */
	wire[pos + 6] = 0;			/* version 0 */
	knot_wire_write_u16(wire + pos + 7, q->req.do_bit ? EDNS_FLAG_DO : 0);
	knot_wire_write_u16(wire + pos + 9, (uint16_t)rdlen);
	pos += 11;
	if (t->cookie) {
		/* RFC 7873 section 5.1: the client cookie, then the
		 * server cookie last received from this server. */
		knot_wire_write_u16(wire + pos, FWD_EDNS_OPT_COOKIE);
		knot_wire_write_u16(wire + pos + 2, (uint16_t)cookie_len);
		memcpy(wire + pos + 4, t->client_cookie,
		       HEALTH_CLIENT_COOKIE_LEN);
		memcpy(wire + pos + 4 + HEALTH_CLIENT_COOKIE_LEN,
		       server_cookie, server_cookie_len);
		pos += rdlen;
	}
	return pos;
}

void fwd_msg_build(const struct forward_query *q, struct fwd_try *t,
		   const uint8_t server_cookie[], size_t server_cookie_len)
{
	const struct forward_request *req = &q->req;
	uint8_t *wire = t->wire;

	memset(wire, 0, KNOT_WIRE_HEADER_SIZE);
	/* Authoritative targets are asked without recursion, so that a
	 * referral shows where the data lives (resolution.md section 4). */
	if (!req->authoritative) {
		knot_wire_set_rd(wire);
	}
	if (req->cd_bit) {
		knot_wire_set_cd(wire);
	}
	knot_wire_set_qdcount(wire, 1);

	size_t pos = KNOT_WIRE_HEADER_SIZE;
	size_t name_len = knot_dname_size(t->qname);
	memcpy(wire + pos, t->qname, name_len);
	pos += name_len;
	knot_wire_write_u16(wire + pos, req->qtype);
	knot_wire_write_u16(wire + pos + 2, req->qclass);
	pos += 4;

	/* Our own OPT, never the client's: no Client Subnet or other
	 * option of the client leaves (resolution.md section 4). */
	if (t->edns) {
		knot_wire_set_arcount(wire, 1);
		pos = write_opt(q, t, wire, pos, server_cookie,
				server_cookie_len);
	}
	t->wire_len = pos;
}

void fwd_msg_set_id(struct fwd_try *t, uint16_t msg_id)
{
	t->msg_id = msg_id;
	knot_wire_set_id(t->wire, msg_id);
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

/* Names compare case-insensitively (RFC 4343): a target may well change
 * the case it echoes. With 0x20 the case must come back as sent; a
 * mismatch in case alone is reported apart, so that the target can be
 * asked again without it. Returns 1 for a match, 0 for none, -1 for a
 * match except for case under 0x20. */
static int question_matches(const struct forward_query *q,
			    const struct fwd_try *t, const knot_pkt_t *pkt)
{
	if (knot_pkt_qtype(pkt) != q->req.qtype ||
	    knot_pkt_qclass(pkt) != q->req.qclass) {
		return 0;
	}
	const knot_dname_t *echoed = knot_pkt_wire_qname(pkt);
	if (!knot_dname_is_case_equal(echoed, t->qname)) {
		return 0;
	}
	if (t->case_random &&
	    memcmp(echoed, t->qname, knot_dname_size(t->qname)) != 0) {
		return -1;
	}
	return 1;
}

/* A reply without a question can still be a target refusing the query:
 * many servers send FORMERR to EDNS without echoing the question. It can
 * only make us leave the target, never give us data. */
static enum fwd_verdict judge_bare_error(const struct fwd_try *t,
					 uint8_t rcode, char *why,
					 size_t why_len)
{
	if (rcode == KNOT_RCODE_FORMERR && t->edns) {
		return FWD_NO_EDNS;
	}
	if (rcode == KNOT_RCODE_FORMERR || rcode == KNOT_RCODE_SERVFAIL ||
	    rcode == KNOT_RCODE_NOTIMPL || rcode == KNOT_RCODE_REFUSED) {
		snprintf(why, why_len, "answered %s", rcode_name(rcode));
		return FWD_NEXT;
	}
	return FWD_IGNORE;
}

/* A referral: NOERROR, no answer, NS and no SOA in authority, AA clear.
 * From a recursive target asked with RD=1 it means the target does not
 * recurse for this name: a lame answer (resolution.md 4). */
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

/*
 * RFC 7873 section 5.3: a reply to a query with a cookie must carry our
 * client cookie, or it is forged; a server cookie beside it is kept for
 * the next query. A reply without any COOKIE option is accepted from a
 * target that never sent one (it does not support cookies) and ignored
 * from one that did. Returns false when the reply must be ignored.
 */
static bool check_cookie(const struct fwd_try *t, const knot_pkt_t *pkt,
			 struct fwd_cookie_seen *seen)
{
	if (!t->cookie) {
		return true;
	}
	const uint8_t *opt = pkt->opt_rr != NULL ?
		knot_edns_get_option(pkt->opt_rr, FWD_EDNS_OPT_COOKIE, NULL) :
		NULL;
	if (opt == NULL) {
		seen->missing = true;
		return !t->server_cookie_sent;
	}
	uint16_t len = knot_edns_opt_get_length(opt);
	const uint8_t *data = opt + KNOT_EDNS_OPTION_HDRLEN;
	if (len < HEALTH_CLIENT_COOKIE_LEN ||
	    memcmp(data, t->client_cookie, HEALTH_CLIENT_COOKIE_LEN) != 0) {
		return false;
	}
	size_t server_len = len - HEALTH_CLIENT_COOKIE_LEN;
	if (server_len >= 8 && server_len <= HEALTH_SERVER_COOKIE_MAX) {
		memcpy(seen->server, data + HEALTH_CLIENT_COOKIE_LEN,
		       server_len);
		seen->server_len = server_len;
	}
	return true;
}

/* The reply parsed and matched the question: what its content means. */
static enum fwd_verdict judge_content(const struct forward_query *q,
				      const struct fwd_try *t,
				      const knot_pkt_t *pkt, char *why,
				      size_t why_len)
{
	uint8_t rcode = knot_wire_get_rcode(pkt->wire);
	uint16_t ext_rcode = knot_pkt_ext_rcode(pkt);
	bool tcp = t->transport == FWD_TCP;

	if (rcode == KNOT_RCODE_FORMERR && ext_rcode == rcode && t->edns) {
		return FWD_NO_EDNS;
	}
	if (ext_rcode == FWD_RCODE_BADCOOKIE && t->cookie) {
		return FWD_BADCOOKIE;
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
		if (q->req.authoritative) {
			return FWD_REFERRAL;
		}
		snprintf(why, why_len, "answered with a referral (lame)");
		return FWD_NEXT;
	}
	return FWD_ACCEPT;
}

/* The full parse failed: a malformed reply to our question fails the
 * target, anything else may be forged and is ignored. */
static enum fwd_verdict judge_unparsable(const struct forward_query *q,
					 const struct fwd_try *t,
					 const knot_pkt_t *pkt, char *why,
					 size_t why_len)
{
	knot_pkt_t *head = knot_pkt_new(pkt->wire, pkt->size, NULL);
	if (head == NULL) {
		return FWD_IGNORE;
	}
	enum fwd_verdict verdict = FWD_IGNORE;
	if (knot_pkt_parse_question(head) == KNOT_EOK &&
	    question_matches(q, t, head) == 1) {
		snprintf(why, why_len, "sent a malformed reply");
		verdict = FWD_NEXT;
	}
	knot_pkt_free(head);
	return verdict;
}

enum fwd_verdict fwd_msg_judge(const struct forward_query *q,
			       const struct fwd_try *t, knot_pkt_t *pkt,
			       struct fwd_cookie_seen *cookie, char *why,
			       size_t why_len)
{
	const uint8_t *wire = pkt->wire;

	memset(cookie, 0, sizeof(*cookie));
	if (pkt->size < KNOT_WIRE_HEADER_SIZE ||
	    knot_wire_get_id(wire) != t->msg_id || !knot_wire_get_qr(wire) ||
	    knot_wire_get_opcode(wire) != KNOT_OPCODE_QUERY) {
		return FWD_IGNORE;
	}

	uint16_t qdcount = knot_wire_get_qdcount(wire);
	if (qdcount == 0) {
		return judge_bare_error(t, knot_wire_get_rcode(wire), why,
					why_len);
	}
	if (qdcount != 1) {
		return FWD_IGNORE;
	}

	/* Keep the case of names as the target wrote them: records pass
	 * through untouched. */
	int ret = knot_pkt_parse(pkt, KNOT_PF_NOCANON);
	if (ret != KNOT_EOK && ret != KNOT_ETRAIL) {
		return judge_unparsable(q, t, pkt, why, why_len);
	}
	int match = question_matches(q, t, pkt);
	if (match == 0) {
		return FWD_IGNORE;
	}
	if (!check_cookie(t, pkt, cookie)) {
		return FWD_IGNORE;
	}
	if (match < 0) {
		return FWD_CASE;
	}
	return judge_content(q, t, pkt, why, why_len);
}
