/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of query checks, response rendering (AA, TC, EDNS, EDE) and name
 * helpers, with values taken from RFC 1035, 2181, 6891, 8914 and 9471. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/wire.h"

/* Query options for make_query(). */
struct qopts {
	const char *qname;
	uint16_t qtype;
	bool edns;
	uint16_t payload;
	uint8_t version;
	bool do_bit;
	bool rd;
	bool cd;
	uint8_t opcode;
};

/* Builds a query the way a client would and parses it the way the
 * daemon does (a fresh packet over the received bytes). */
static knot_pkt_t *make_query(const struct qopts *o)
{
	knot_pkt_t *q = knot_pkt_new(NULL, 512, NULL);
	assert_non_null(q);
	knot_dname_t name[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(name, o->qname, sizeof(name)));
	knot_wire_set_id(q->wire, 0x1234);
	assert_int_equal(knot_pkt_put_question(q, name, KNOT_CLASS_IN,
					       o->qtype), KNOT_EOK);
	knot_wire_set_opcode(q->wire, o->opcode);
	if (o->rd) {
		knot_wire_set_rd(q->wire);
	}
	if (o->cd) {
		knot_wire_set_cd(q->wire);
	}
	if (o->edns) {
		knot_rrset_t opt;
		assert_int_equal(knot_edns_init(&opt, o->payload, 0, o->version,
						&q->mm), KNOT_EOK);
		if (o->do_bit) {
			knot_edns_set_do(&opt);
		}
		assert_int_equal(knot_pkt_begin(q, KNOT_ADDITIONAL), KNOT_EOK);
		assert_int_equal(knot_pkt_put(q, 0, &opt, KNOT_PF_FREE),
				 KNOT_EOK);
	}

	knot_pkt_t *p = knot_pkt_new(NULL, (uint16_t)q->size, NULL);
	assert_non_null(p);
	memcpy(p->wire, q->wire, q->size);
	p->size = q->size;
	knot_pkt_free(q);
	(void)knot_pkt_parse(p, 0);
	return p;
}

static knot_pkt_t *parse_raw(const uint8_t *wire, size_t len)
{
	knot_pkt_t *p = knot_pkt_new(NULL, (uint16_t)len, NULL);
	assert_non_null(p);
	memcpy(p->wire, wire, len);
	p->size = len;
	(void)knot_pkt_parse(p, 0);
	return p;
}

static knot_rrset_t *make_a_set(const char *owner, uint16_t type,
				unsigned first, unsigned count)
{
	knot_dname_t name[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(name, owner, sizeof(name)));
	knot_rrset_t *rr = knot_rrset_new(name, type, KNOT_CLASS_IN, 300, NULL);
	assert_non_null(rr);
	for (unsigned i = 0; i < count; i++) {
		uint8_t addr[16] = { 10, 1, 7, 0 };
		uint8_t len = type == KNOT_RRTYPE_AAAA ? 16 : 4;
		addr[len - 1] = (uint8_t)(first + i);
		addr[len - 2] = (uint8_t)((first + i) >> 8);
		assert_int_equal(knot_rrset_add_rdata(rr, addr, len, NULL),
				 KNOT_EOK);
	}
	return rr;
}

static knot_rrset_t *make_name_set(const char *owner, uint16_t type,
				   const char *const *targets, size_t n)
{
	knot_dname_t name[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(name, owner, sizeof(name)));
	knot_rrset_t *rr = knot_rrset_new(name, type, KNOT_CLASS_IN, 300, NULL);
	assert_non_null(rr);
	for (size_t i = 0; i < n; i++) {
		knot_dname_t t[KNOT_DNAME_MAXLEN];
		assert_non_null(knot_dname_from_str(t, targets[i], sizeof(t)));
		assert_int_equal(knot_rrset_add_rdata(rr, t,
				 (uint16_t)knot_dname_size(t), NULL), KNOT_EOK);
	}
	return rr;
}

static void add(struct wire_answer *ans, int section, knot_rrset_t *rr,
		enum wire_source_kind kind)
{
	struct wire_source src = { .kind = kind };
	strcpy(src.source_id, "zone-1");
	assert_int_equal(wire_answer_add(ans, section, rr, NULL, rr->ttl,
					 &src), 0);
	knot_rrset_free(rr, NULL);
}

/* Renders ans as the answer to q and returns the response. */
static knot_pkt_t *render(const struct wire_answer *ans, knot_pkt_t *q,
			  bool tcp)
{
	struct wire_query_info info;
	uint16_t rcode = 0;
	assert_int_equal(wire_query_check(q, &info, &rcode), 0);
	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_non_null(resp);
	assert_int_equal(wire_answer_render(ans, q, &info, tcp, resp), 0);
	assert_int_equal(resp->max_size, KNOT_WIRE_MAX_PKTSIZE);
	return resp;
}

/* mid.corp.example. is 18 octets; question = 18 + 4; each A record with a
 * compressed owner is 2 + 2 + 2 + 4 + 2 + 4 = 16 octets; an OPT without
 * options is 11 octets (RFC 6891 section 6.1.2). */
#define MID_QUESTION (KNOT_WIRE_HEADER_SIZE + 18 + 4)
#define A_RR_SIZE 16
#define OPT_SIZE 11

/* BC-16a: 40 A records (652 octets) do not fit 512 without EDNS. */
static void test_udp_without_edns_truncates_to_empty_answer(void **state)
{
	struct qopts o = { "mid.corp.example.", KNOT_RRTYPE_A, .rd = true };
	knot_pkt_t *q = make_query(&o);
	struct wire_answer ans;
	wire_answer_init(&ans);
	add(&ans, KNOT_ANSWER, make_a_set("mid.corp.example.", KNOT_RRTYPE_A,
					  1, 40), WIRE_SRC_ZONE);

	knot_pkt_t *r = render(&ans, q, false);
	assert_true(knot_wire_get_tc(r->wire));
	assert_true(knot_wire_get_aa(r->wire));
	assert_int_equal(knot_wire_get_rcode(r->wire), KNOT_RCODE_NOERROR);
	assert_int_equal(knot_wire_get_ancount(r->wire), 0);
	assert_int_equal(knot_wire_get_nscount(r->wire), 0);
	assert_int_equal(knot_wire_get_arcount(r->wire), 0);
	assert_int_equal(r->size, MID_QUESTION);
	assert_true(r->size <= 512);

	knot_pkt_free(r);
	knot_pkt_free(q);
	wire_answer_clear(&ans);
}

/* BC-16b: with EDNS 1232 the same 40 records fit. */
static void test_edns_1232_carries_40_records(void **state)
{
	struct qopts o = { "mid.corp.example.", KNOT_RRTYPE_A, .edns = true,
			   .payload = 1232, .rd = true };
	knot_pkt_t *q = make_query(&o);
	struct wire_answer ans;
	wire_answer_init(&ans);
	add(&ans, KNOT_ANSWER, make_a_set("mid.corp.example.", KNOT_RRTYPE_A,
					  1, 40), WIRE_SRC_ZONE);

	knot_pkt_t *r = render(&ans, q, false);
	assert_false(knot_wire_get_tc(r->wire));
	assert_true(knot_wire_get_aa(r->wire));
	assert_int_equal(knot_wire_get_ancount(r->wire), 40);
	assert_int_equal(knot_wire_get_arcount(r->wire), 1);
	assert_int_equal(r->size, MID_QUESTION + 40 * A_RR_SIZE + OPT_SIZE);

	knot_pkt_free(r);
	knot_pkt_free(q);
	wire_answer_clear(&ans);
}

/* BC-16c and d: a client offering 4096 still gets at most 1232 over UDP;
 * over TCP all 100 records come. */
static void test_udp_capped_at_1232_and_tcp_carries_all(void **state)
{
	struct qopts o = { "huge.corp.example.", KNOT_RRTYPE_A, .edns = true,
			   .payload = 4096, .rd = true };
	knot_pkt_t *q = make_query(&o);
	struct wire_answer ans;
	wire_answer_init(&ans);
	add(&ans, KNOT_ANSWER, make_a_set("huge.corp.example.", KNOT_RRTYPE_A,
					  1, 100), WIRE_SRC_ZONE);
	size_t question = KNOT_WIRE_HEADER_SIZE + 19 + 4;

	knot_pkt_t *r = render(&ans, q, false);
	assert_true(knot_wire_get_tc(r->wire));
	assert_int_equal(knot_wire_get_ancount(r->wire), 0);
	assert_int_equal(knot_wire_get_arcount(r->wire), 1);	/* OPT kept */
	assert_non_null(r->opt_rr);
	assert_int_equal(r->size, question + OPT_SIZE);
	knot_pkt_free(r);

	r = render(&ans, q, true);
	assert_false(knot_wire_get_tc(r->wire));
	assert_true(knot_wire_get_aa(r->wire));
	assert_int_equal(knot_wire_get_ancount(r->wire), 100);
	assert_int_equal(r->size, question + 100 * A_RR_SIZE + OPT_SIZE);
	knot_pkt_free(r);

	knot_pkt_free(q);
	wire_answer_clear(&ans);
}

/* RFC 6891 section 6.2.5: sizes below 512 are treated as 512. */
static void test_edns_payload_below_512_means_512(void **state)
{
	struct qopts o = { "mid.corp.example.", KNOT_RRTYPE_A, .edns = true,
			   .payload = 100 };
	knot_pkt_t *q = make_query(&o);
	struct wire_query_info info;
	uint16_t rcode;
	assert_int_equal(wire_query_check(q, &info, &rcode), 0);
	assert_int_equal(info.client_payload, 512);

	/* 29 records: 34 + 464 + 11 = 509 fit 512; 30 would not. */
	struct wire_answer ans;
	wire_answer_init(&ans);
	add(&ans, KNOT_ANSWER, make_a_set("mid.corp.example.", KNOT_RRTYPE_A,
					  1, 30), WIRE_SRC_ZONE);
	knot_pkt_t *r = render(&ans, q, false);
	assert_true(knot_wire_get_tc(r->wire));
	knot_pkt_free(r);
	wire_answer_clear(&ans);

	add(&ans, KNOT_ANSWER, make_a_set("mid.corp.example.", KNOT_RRTYPE_A,
					  1, 29), WIRE_SRC_ZONE);
	r = render(&ans, q, false);
	assert_false(knot_wire_get_tc(r->wire));
	assert_int_equal(r->size, MID_QUESTION + 29 * A_RR_SIZE + OPT_SIZE);
	knot_pkt_free(r);

	knot_pkt_free(q);
	wire_answer_clear(&ans);
}

/* RFC 2181 section 9: additional data that does not fit is left out
 * without TC. */
static void test_additional_dropped_first_without_tc(void **state)
{
	struct qopts o = { "corp.example.", KNOT_RRTYPE_A };
	knot_pkt_t *q = make_query(&o);
	struct wire_answer ans;
	wire_answer_init(&ans);
	add(&ans, KNOT_ANSWER, make_a_set("corp.example.", KNOT_RRTYPE_A, 1, 2),
	    WIRE_SRC_ZONE);
	add(&ans, KNOT_ADDITIONAL, make_a_set("mail.corp.example.",
					      KNOT_RRTYPE_A, 1, 40),
	    WIRE_SRC_ZONE);

	knot_pkt_t *r = render(&ans, q, false);
	assert_false(knot_wire_get_tc(r->wire));
	assert_int_equal(knot_wire_get_ancount(r->wire), 2);
	assert_int_equal(knot_wire_get_arcount(r->wire), 0);
	assert_true(r->size <= 512);

	knot_pkt_free(r);
	knot_pkt_free(q);
	wire_answer_clear(&ans);
}

/* RFC 9471: in-domain glue that does not fit sets TC; the referral's NS
 * stays. */
static void test_in_domain_glue_left_out_sets_tc(void **state)
{
	struct qopts o = { "www.sub.corp.example.", KNOT_RRTYPE_A };
	knot_pkt_t *q = make_query(&o);
	struct wire_answer ans;
	wire_answer_init(&ans);
	const char *ns[] = { "ns1.sub.corp.example." };
	add(&ans, KNOT_AUTHORITY, make_name_set("sub.corp.example.",
						KNOT_RRTYPE_NS, ns, 1),
	    WIRE_SRC_ZONE);
	add(&ans, KNOT_ADDITIONAL, make_a_set("ns1.sub.corp.example.",
					      KNOT_RRTYPE_A, 1, 40),
	    WIRE_SRC_ZONE);
	ans.force_no_aa = true;

	knot_pkt_t *r = render(&ans, q, false);
	assert_true(knot_wire_get_tc(r->wire));
	assert_false(knot_wire_get_aa(r->wire));
	assert_int_equal(knot_wire_get_nscount(r->wire), 1);
	assert_int_equal(knot_wire_get_arcount(r->wire), 0);
	knot_pkt_free(r);

	/* Sibling glue (not below the cut) may go without TC. */
	wire_answer_clear(&ans);
	const char *sib[] = { "ns1.other.corp.example." };
	add(&ans, KNOT_AUTHORITY, make_name_set("sub.corp.example.",
						KNOT_RRTYPE_NS, sib, 1),
	    WIRE_SRC_ZONE);
	add(&ans, KNOT_ADDITIONAL, make_a_set("ns1.other.corp.example.",
					      KNOT_RRTYPE_A, 1, 40),
	    WIRE_SRC_ZONE);
	r = render(&ans, q, false);
	assert_false(knot_wire_get_tc(r->wire));
	assert_int_equal(knot_wire_get_arcount(r->wire), 0);
	knot_pkt_free(r);

	knot_pkt_free(q);
	wire_answer_clear(&ans);
}

/* BC-03a/BC-07 AA policy: AA only when every RRset of answer and
 * authority is from a zone served locally. */
static void test_aa_only_for_local_sources(void **state)
{
	struct qopts o = { "web.app.example.com.", KNOT_RRTYPE_A,
			   .edns = true, .payload = 1232, .rd = true };
	knot_pkt_t *q = make_query(&o);
	struct wire_answer ans;
	wire_answer_init(&ans);
	const char *target[] = { "svc.onprem.example." };
	add(&ans, KNOT_ANSWER, make_name_set("web.app.example.com.",
					     KNOT_RRTYPE_CNAME, target, 1),
	    WIRE_SRC_ZONE);
	assert_true(wire_answer_is_authoritative(&ans));
	knot_pkt_t *r = render(&ans, q, false);
	assert_true(knot_wire_get_aa(r->wire));
	knot_pkt_free(r);

	add(&ans, KNOT_ANSWER, make_a_set("svc.onprem.example.",
					  KNOT_RRTYPE_A, 80, 1), WIRE_SRC_RULE);
	assert_false(wire_answer_is_authoritative(&ans));
	r = render(&ans, q, false);
	assert_false(knot_wire_get_aa(r->wire));
	assert_int_equal(knot_wire_get_ancount(r->wire), 2);
	knot_pkt_free(r);
	wire_answer_clear(&ans);

	/* Built-in zones are authoritative too (BC-26b). */
	add(&ans, KNOT_AUTHORITY, make_a_set("10.in-addr.arpa.",
					     KNOT_RRTYPE_A, 1, 1),
	    WIRE_SRC_BUILTIN);
	ans.rcode = KNOT_RCODE_NXDOMAIN;
	r = render(&ans, q, false);
	assert_true(knot_wire_get_aa(r->wire));
	assert_int_equal(knot_wire_get_rcode(r->wire), KNOT_RCODE_NXDOMAIN);
	knot_pkt_free(r);

	/* A referral never has AA, whatever its sources. */
	ans.force_no_aa = true;
	r = render(&ans, q, false);
	assert_false(knot_wire_get_aa(r->wire));
	knot_pkt_free(r);
	wire_answer_clear(&ans);

	/* An answer with no records (SERVFAIL) is not authoritative. */
	ans.rcode = KNOT_RCODE_SERVFAIL;
	assert_false(wire_answer_is_authoritative(&ans));
	r = render(&ans, q, false);
	assert_false(knot_wire_get_aa(r->wire));
	assert_int_equal(knot_wire_get_rcode(r->wire), KNOT_RCODE_SERVFAIL);
	knot_pkt_free(r);

	knot_pkt_free(q);
	wire_answer_clear(&ans);
}

/* The question is echoed byte for byte, case kept; RD and CD copied,
 * RA set, QR set, ID kept, DO echoed (RFC 3225). */
static void test_header_bits_and_question_echoed(void **state)
{
	struct qopts o = { "MiD.CoRp.ExAmPlE.", KNOT_RRTYPE_A, .edns = true,
			   .payload = 1232, .do_bit = true, .rd = true,
			   .cd = true };
	knot_pkt_t *q = make_query(&o);
	struct wire_answer ans;
	wire_answer_init(&ans);
	add(&ans, KNOT_ANSWER, make_a_set("mid.corp.example.", KNOT_RRTYPE_A,
					  1, 1), WIRE_SRC_ZONE);

	knot_pkt_t *r = render(&ans, q, false);
	assert_int_equal(knot_wire_get_id(r->wire), 0x1234);
	assert_true(knot_wire_get_qr(r->wire));
	assert_true(knot_wire_get_ra(r->wire));
	assert_true(knot_wire_get_rd(r->wire));
	assert_true(knot_wire_get_cd(r->wire));
	assert_false(knot_wire_get_ad(r->wire));
	assert_int_equal(knot_wire_get_qdcount(r->wire), 1);
	assert_memory_equal(r->wire + KNOT_WIRE_HEADER_SIZE,
			    q->wire + KNOT_WIRE_HEADER_SIZE, 18 + 4);
	assert_memory_equal(r->wire + KNOT_WIRE_HEADER_SIZE, "\x03MiD", 4);
	assert_non_null(r->opt_rr);
	assert_true(knot_edns_do(r->opt_rr));
	assert_int_equal(knot_edns_get_payload(r->opt_rr), 1232);
	knot_pkt_free(r);
	knot_pkt_free(q);

	/* No EDNS in the query: no OPT in the answer, RD clear stays
	 * clear. */
	struct qopts o2 = { "mid.corp.example.", KNOT_RRTYPE_A };
	q = make_query(&o2);
	r = render(&ans, q, false);
	assert_null(r->opt_rr);
	assert_int_equal(knot_wire_get_arcount(r->wire), 0);
	assert_false(knot_wire_get_rd(r->wire));
	assert_true(knot_wire_get_ra(r->wire));
	knot_pkt_free(r);
	knot_pkt_free(q);

	wire_answer_clear(&ans);
}

/* RFC 8914 section 2: OPTION-CODE 15, OPTION-LENGTH, INFO-CODE, text
 * without NUL. The OPT is the last 11 + 4 + 2 + 6 octets. */
static void test_ede_encoded_as_rfc8914(void **state)
{
	struct qopts o = { "secret.corp.example.", KNOT_RRTYPE_A,
			   .edns = true, .payload = 1232, .rd = true };
	knot_pkt_t *q = make_query(&o);
	struct wire_answer ans;
	wire_answer_init(&ans);
	ans.rcode = KNOT_RCODE_SERVFAIL;
	wire_answer_set_ede(&ans, 22, "rule-7");

	knot_pkt_t *r = render(&ans, q, false);
	static const uint8_t expect[] = {
		0x00,			/* owner: root */
		0x00, 0x29,		/* TYPE OPT */
		0x04, 0xd0,		/* UDP payload 1232 */
		0x00, 0x00, 0x00, 0x00,	/* ext RCODE, version, DO, Z */
		0x00, 0x0c,		/* RDLENGTH 12 */
		0x00, 0x0f,		/* OPTION-CODE 15 (EDE) */
		0x00, 0x08,		/* OPTION-LENGTH 2 + 6 */
		0x00, 0x16,		/* INFO-CODE 22 */
		'r', 'u', 'l', 'e', '-', '7',
	};
	assert_int_equal(knot_wire_get_rcode(r->wire), KNOT_RCODE_SERVFAIL);
	assert_int_equal(knot_wire_get_arcount(r->wire), 1);
	assert_true(r->size > sizeof(expect));
	assert_memory_equal(r->wire + r->size - sizeof(expect), expect,
			    sizeof(expect));
	knot_pkt_free(r);

	/* The same through wire_render_error(), with REFUSED and EDE 18. */
	knot_pkt_t *e = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_int_equal(wire_render_error(q, KNOT_RCODE_REFUSED, 18, NULL, e),
			 0);
	static const uint8_t expect2[] = {
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x06, 0x00, 0x0f, 0x00, 0x02, 0x00, 0x12,
	};
	assert_int_equal(knot_wire_get_rcode(e->wire), KNOT_RCODE_REFUSED);
	assert_false(knot_wire_get_aa(e->wire));
	assert_int_equal(knot_wire_get_qdcount(e->wire), 1);
	assert_memory_equal(e->wire + e->size - sizeof(expect2), expect2,
			    sizeof(expect2));
	knot_pkt_free(e);

	knot_pkt_free(q);
	wire_answer_clear(&ans);
}

/* RFC 6891 section 6.1.3: version 1 gets BADVERS (16): header RCODE 0,
 * OPT extended RCODE 1, version 0. */
static void test_edns_version_1_gets_badvers(void **state)
{
	struct qopts o = { "x.corp.example.", KNOT_RRTYPE_A, .edns = true,
			   .payload = 1232, .version = 1 };
	knot_pkt_t *q = make_query(&o);
	struct wire_query_info info;
	uint16_t rcode = 0;
	assert_int_equal(wire_query_check(q, &info, &rcode), ZG_EMALF);
	assert_int_equal(rcode, KNOT_RCODE_BADVERS);

	knot_pkt_t *e = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_int_equal(wire_render_error(q, rcode, WIRE_EDE_NONE, NULL, e), 0);
	static const uint8_t expect[] = {
		0x00, 0x00, 0x29, 0x04, 0xd0,
		0x01, 0x00, 0x00, 0x00,	/* ext RCODE 1, version 0 */
		0x00, 0x00,
	};
	assert_int_equal(knot_wire_get_rcode(e->wire), 0);
	assert_int_equal(e->size, KNOT_WIRE_HEADER_SIZE + 16 + 4 +
			 sizeof(expect));
	assert_memory_equal(e->wire + e->size - sizeof(expect), expect,
			    sizeof(expect));

	/* The response parses back as BADVERS. */
	knot_pkt_t *back = parse_raw(e->wire, e->size);
	assert_int_equal(knot_pkt_ext_rcode(back), KNOT_RCODE_BADVERS);
	knot_pkt_free(back);
	knot_pkt_free(e);
	knot_pkt_free(q);
}

static void test_malformed_queries_get_formerr(void **state)
{
	struct wire_query_info info;
	uint16_t rcode;

	/* QDCOUNT 0. */
	static const uint8_t noq[12] = { 0x12, 0x34, 0x01, 0x00 };
	knot_pkt_t *q = parse_raw(noq, sizeof(noq));
	assert_int_equal(wire_query_check(q, &info, &rcode), ZG_EMALF);
	assert_int_equal(rcode, KNOT_RCODE_FORMERR);
	knot_pkt_t *e = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_int_equal(wire_render_error(q, rcode, WIRE_EDE_NONE, NULL, e), 0);
	assert_int_equal(e->size, KNOT_WIRE_HEADER_SIZE);
	assert_int_equal(knot_wire_get_id(e->wire), 0x1234);
	assert_true(knot_wire_get_qr(e->wire));
	assert_int_equal(knot_wire_get_rcode(e->wire), KNOT_RCODE_FORMERR);
	knot_pkt_free(e);
	knot_pkt_free(q);

	/* QDCOUNT 2. */
	static const uint8_t twoq[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0,
		0x01, 'a', 0x00, 0x00, 0x01, 0x00, 0x01,
		0x01, 'b', 0x00, 0x00, 0x01, 0x00, 0x01,
	};
	q = parse_raw(twoq, sizeof(twoq));
	assert_int_equal(wire_query_check(q, &info, &rcode), ZG_EMALF);
	assert_int_equal(rcode, KNOT_RCODE_FORMERR);
	knot_pkt_free(q);

	/* Trailing bytes after the question. */
	static const uint8_t trail[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0,
		0x01, 'a', 0x00, 0x00, 0x01, 0x00, 0x01, 0xde, 0xad,
	};
	q = parse_raw(trail, sizeof(trail));
	assert_int_equal(wire_query_check(q, &info, &rcode), ZG_EMALF);
	assert_int_equal(rcode, KNOT_RCODE_FORMERR);
	knot_pkt_free(q);

	/* QTYPE OPT only exists inside messages. */
	struct qopts o = { "a.example.", KNOT_RRTYPE_OPT };
	q = make_query(&o);
	assert_int_equal(wire_query_check(q, &info, &rcode), ZG_EMALF);
	assert_int_equal(rcode, KNOT_RCODE_FORMERR);
	knot_pkt_free(q);
}

static void test_other_opcodes_get_notimp(void **state)
{
	struct wire_query_info info;
	uint16_t rcode;
	const uint8_t opcodes[] = { KNOT_OPCODE_IQUERY, KNOT_OPCODE_STATUS,
				    KNOT_OPCODE_NOTIFY, KNOT_OPCODE_UPDATE };
	for (size_t i = 0; i < sizeof(opcodes); i++) {
		struct qopts o = { "corp.example.", KNOT_RRTYPE_SOA,
				   .opcode = opcodes[i] };
		knot_pkt_t *q = make_query(&o);
		assert_int_equal(wire_query_check(q, &info, &rcode), ZG_EMALF);
		assert_int_equal(rcode, KNOT_RCODE_NOTIMPL);
		knot_pkt_t *e = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
		assert_int_equal(wire_render_error(q, rcode, WIRE_EDE_NONE,
						   NULL, e), 0);
		assert_int_equal(knot_wire_get_opcode(e->wire), opcodes[i]);
		assert_int_equal(knot_wire_get_rcode(e->wire),
				 KNOT_RCODE_NOTIMPL);
		knot_pkt_free(e);
		knot_pkt_free(q);
	}
}

static void test_responses_are_dropped_and_transfers_refused(void **state)
{
	struct wire_query_info info;
	uint16_t rcode;
	static const uint8_t resp[] = {
		0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0, 0, 0, 0, 0, 0,
		0x01, 'a', 0x00, 0x00, 0x01, 0x00, 0x01,
	};
	knot_pkt_t *q = parse_raw(resp, sizeof(resp));
	assert_int_equal(wire_query_check(q, &info, &rcode), WIRE_EDROP);
	knot_pkt_free(q);

	/* Shorter than a header: nothing to answer to. */
	q = knot_pkt_new(NULL, 512, NULL);
	assert_non_null(q);
	memset(q->wire, 0, 5);
	q->size = 5;
	assert_int_equal(wire_query_check(q, &info, &rcode), WIRE_EDROP);
	knot_pkt_free(q);

	const uint16_t xfr[] = { KNOT_RRTYPE_AXFR, KNOT_RRTYPE_IXFR };
	for (size_t i = 0; i < 2; i++) {
		struct qopts o = { "corp.example.", xfr[i] };
		q = make_query(&o);
		assert_int_equal(wire_query_check(q, &info, &rcode), ZG_EMALF);
		assert_int_equal(rcode, KNOT_RCODE_REFUSED);
		knot_pkt_free(q);
	}
}

static void test_query_info_reports_flags(void **state)
{
	struct qopts o = { "Www.Example.com.", KNOT_RRTYPE_AAAA, .edns = true,
			   .payload = 4096, .do_bit = true, .rd = true,
			   .cd = true };
	knot_pkt_t *q = make_query(&o);
	struct wire_query_info info;
	uint16_t rcode = 99;
	assert_int_equal(wire_query_check(q, &info, &rcode), 0);
	assert_int_equal(rcode, 0);
	assert_int_equal(info.qtype, KNOT_RRTYPE_AAAA);
	assert_int_equal(info.qclass, KNOT_CLASS_IN);
	assert_true(info.has_edns);
	assert_true(info.do_bit);
	assert_true(info.cd_bit);
	assert_true(info.rd_bit);
	assert_int_equal(info.client_payload, 4096);
	assert_int_equal(info.edns_version, 0);
	knot_pkt_free(q);
}

static knot_dname_t *dn(const char *text, knot_dname_t *buf)
{
	assert_non_null(knot_dname_from_str(buf, text, KNOT_DNAME_MAXLEN));
	return buf;
}

/* RFC 1034 section 3.1: suffix means ancestor by whole labels. */
static void test_name_in_zone_on_whole_labels(void **state)
{
	knot_dname_t a[KNOT_DNAME_MAXLEN], b[KNOT_DNAME_MAXLEN];
	assert_true(wire_name_in_zone(dn("example.com.", a),
				      dn("example.com.", b)));
	assert_true(wire_name_in_zone(dn("WWW.Example.COM.", a),
				      dn("example.com.", b)));
	assert_false(wire_name_in_zone(dn("superexample.com.", a),
				       dn("example.com.", b)));
	assert_false(wire_name_in_zone(dn("com.", a), dn("example.com.", b)));
	assert_true(wire_name_in_zone(dn("a.b.", a), dn(".", b)));
	assert_false(wire_name_in_zone(dn("x.mydev.corp.example.", a),
				       dn("dev.corp.example.", b)));
}

static void test_name_lower_and_key(void **state)
{
	knot_dname_t a[KNOT_DNAME_MAXLEN];
	uint8_t low[KNOT_DNAME_MAXLEN];
	wire_name_lower(dn("WwW.ExAmple.COM.", a), low);
	assert_memory_equal(low, "\x03www\x07""example\x03""com\x00", 17);

	struct wire_name_key key;
	assert_int_equal(wire_name_key_build(a, &key), 0);
	assert_int_equal(key.labels, 3);
	assert_int_equal(key.len, 16);
	assert_memory_equal(key.bytes, "com\0example\0www\0", 16);
	assert_int_equal(key.ends[0], 0);
	assert_int_equal(key.ends[1], 4);
	assert_int_equal(key.ends[2], 12);
	assert_int_equal(key.ends[3], 16);

	assert_int_equal(wire_name_key_build(dn(".", a), &key), 0);
	assert_int_equal(key.labels, 0);
	assert_int_equal(key.len, 0);
}

/* Wildcard synthesis: the copy carries the query name as owner and the
 * TTL asked for; has() compares owners case-insensitively. */
static void test_answer_add_owner_override_and_has(void **state)
{
	struct wire_answer ans;
	wire_answer_init(&ans);
	knot_rrset_t *rr = make_a_set("*.corp.example.", KNOT_RRTYPE_A, 99, 1);
	knot_dname_t qn[KNOT_DNAME_MAXLEN];
	struct wire_source src = { .kind = WIRE_SRC_ZONE };
	assert_int_equal(wire_answer_add(&ans, KNOT_ANSWER, rr,
					 dn("x.corp.example.", qn), 60, &src),
			 0);
	knot_rrset_free(rr, NULL);

	const knot_rrset_t *got = ans.sections[KNOT_ANSWER].items[0].rrset;
	assert_true(knot_dname_is_equal(got->owner, qn));
	assert_int_equal(got->ttl, 60);
	assert_int_equal(got->rrs.count, 1);
	assert_true(wire_answer_has(&ans, KNOT_ANSWER,
				    dn("X.Corp.Example.", qn), KNOT_RRTYPE_A));
	assert_false(wire_answer_has(&ans, KNOT_ANSWER, qn, KNOT_RRTYPE_AAAA));
	assert_false(wire_answer_has(&ans, KNOT_AUTHORITY, qn, KNOT_RRTYPE_A));
	wire_answer_clear(&ans);
	assert_int_equal(ans.sections[KNOT_ANSWER].count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_without_edns_truncates_to_empty_answer),
		cmocka_unit_test(test_edns_1232_carries_40_records),
		cmocka_unit_test(test_udp_capped_at_1232_and_tcp_carries_all),
		cmocka_unit_test(test_edns_payload_below_512_means_512),
		cmocka_unit_test(test_additional_dropped_first_without_tc),
		cmocka_unit_test(test_in_domain_glue_left_out_sets_tc),
		cmocka_unit_test(test_aa_only_for_local_sources),
		cmocka_unit_test(test_header_bits_and_question_echoed),
		cmocka_unit_test(test_ede_encoded_as_rfc8914),
		cmocka_unit_test(test_edns_version_1_gets_badvers),
		cmocka_unit_test(test_malformed_queries_get_formerr),
		cmocka_unit_test(test_other_opcodes_get_notimp),
		cmocka_unit_test(test_responses_are_dropped_and_transfers_refused),
		cmocka_unit_test(test_query_info_reports_flags),
		cmocka_unit_test(test_name_in_zone_on_whole_labels),
		cmocka_unit_test(test_name_lower_and_key),
		cmocka_unit_test(test_answer_add_owner_override_and_has),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
