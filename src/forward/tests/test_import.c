/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Turning a target's reply into answer parts: CNAME chains, re-entry,
 * bailiwick, the SOA of negative answers, DNSSEC records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "forward/forward.h"
#include "forward/tests/msgbuild.h"

struct fixture {
	struct wire_answer ans;
	struct wire_source src;
	struct forward_import_result result;
	knot_pkt_t *built;	/* being written */
	knot_pkt_t *reply;	/* parsed as the exchange parses it */
	/* For the reenter predicate: names at or below this one. */
	uint8_t reenter_zone[KNOT_DNAME_MAXLEN];
	int reenter_calls;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	wire_answer_init(&f->ans);
	f->src.kind = WIRE_SRC_RULE;
	strcpy(f->src.source_id, "rule-7");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	wire_answer_clear(&f->ans);
	knot_pkt_free(f->built);
	knot_pkt_free(f->reply);
	free(f);
	return 0;
}

static knot_pkt_t *reply_new(struct fixture *f, const char *qname,
			     uint16_t qtype, uint8_t rcode)
{
	f->built = tmsg_new(0x1234, qname, qtype, rcode, true);
	return f->built;
}

/* The reenter predicate of a rule: names outside its domain. */
static bool outside_zone(void *arg, const knot_dname_t *name)
{
	struct fixture *f = arg;
	f->reenter_calls++;
	return !wire_name_in_zone(name, f->reenter_zone);
}

/* The reenter predicate of a default upstream: names inside a zone the
 * VPC has. */
static bool inside_zone(void *arg, const knot_dname_t *name)
{
	struct fixture *f = arg;
	f->reenter_calls++;
	return wire_name_in_zone(name, f->reenter_zone);
}

static int import(struct fixture *f, const char *qname, uint16_t qtype,
		  const char *bailiwick, forward_reenter_fn reenter)
{
	f->reply = tmsg_reparse(f->built);
	uint8_t q[KNOT_DNAME_MAXLEN];
	uint8_t b[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(q, qname, sizeof(q)));
	if (bailiwick != NULL) {
		assert_non_null(knot_dname_from_str(b, bailiwick, sizeof(b)));
		memcpy(f->reenter_zone, b, sizeof(b));
	}
	return forward_import_reply(f->reply, q, qtype,
				    bailiwick != NULL ? b : NULL, reenter, f,
				    &f->src, &f->ans, &f->result);
}

static const knot_rrset_t *item(const struct fixture *f, int section,
				size_t i)
{
	assert_true(i < f->ans.sections[section].count);
	return f->ans.sections[section].items[i].rrset;
}

static void assert_owner(const knot_rrset_t *rr, const char *name)
{
	char text[KNOT_DNAME_TXT_MAXLEN];
	assert_non_null(knot_dname_to_str(text, rr->owner, sizeof(text)));
	assert_string_equal(text, name);
}

static void assert_rdata_name(const knot_rrset_t *rr, const char *name)
{
	char text[KNOT_DNAME_TXT_MAXLEN];
	assert_non_null(knot_dname_to_str(text, knot_cname_name(rr->rrs.rdata),
					  sizeof(text)));
	assert_string_equal(text, name);
}

static void assert_a(const knot_rrset_t *rr, uint16_t index, const char *ip)
{
	char text[INET_ADDRSTRLEN];
	assert_int_equal(rr->type, KNOT_RRTYPE_A);
	const knot_rdata_t *rd = knot_rdataset_at(&rr->rrs, index);
	assert_non_null(inet_ntop(AF_INET, rd->data, text, sizeof(text)));
	assert_string_equal(text, ip);
}

static size_t count(const struct fixture *f, int section)
{
	return f->ans.sections[section].count;
}

/* ------------------------------------------------------------------ */

static void test_in_bailiwick_answer_is_kept(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "www.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_a(p, KNOT_ANSWER, "www.corp.example.", 60, "10.10.0.5");
	tmsg_a(p, KNOT_ANSWER, "www.corp.example.", 60, "10.10.0.6");
	tmsg_name(p, KNOT_AUTHORITY, "corp.example.", KNOT_RRTYPE_NS, 3600,
		  "ns1.corp.example.");
	tmsg_a(p, KNOT_ADDITIONAL, "ns1.corp.example.", 3600, "10.10.0.1");

	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	/* Both records as one RRset; NS and glue are not copied. */
	assert_int_equal(count(f, KNOT_ANSWER), 1);
	const knot_rrset_t *rr = item(f, KNOT_ANSWER, 0);
	assert_owner(rr, "www.corp.example.");
	assert_int_equal(rr->ttl, 60);
	assert_int_equal(rr->rrs.count, 2);
	assert_a(rr, 0, "10.10.0.5");
	assert_a(rr, 1, "10.10.0.6");
	assert_int_equal(f->ans.sections[KNOT_ANSWER].items[0].src.kind,
			 WIRE_SRC_RULE);
	assert_string_equal(f->ans.sections[KNOT_ANSWER].items[0].src.source_id,
			    "rule-7");
	assert_int_equal(count(f, KNOT_AUTHORITY), 0);
	assert_int_equal(count(f, KNOT_ADDITIONAL), 0);
	assert_int_equal(f->ans.rcode, KNOT_RCODE_NOERROR);
	assert_int_equal(f->ans.cname_count, 0);
	assert_false(f->result.reenter);
}

static void test_out_of_bailiwick_records_are_dropped(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "www.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_a(p, KNOT_ANSWER, "www.corp.example.", 60, "10.10.0.5");
	/* Not on the chain: one outside the rule's domain, one inside. */
	tmsg_a(p, KNOT_ANSWER, "bank.example.", 86400, "203.0.113.66");
	tmsg_a(p, KNOT_ANSWER, "other.corp.example.", 60, "10.10.0.9");
	tmsg_name(p, KNOT_AUTHORITY, "example.", KNOT_RRTYPE_NS, 86400,
		  "ns.attacker.example.");
	tmsg_a(p, KNOT_ADDITIONAL, "ns.attacker.example.", 86400,
	       "203.0.113.66");

	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 1);
	assert_owner(item(f, KNOT_ANSWER, 0), "www.corp.example.");
	assert_a(item(f, KNOT_ANSWER, 0), 0, "10.10.0.5");
	assert_int_equal(count(f, KNOT_AUTHORITY), 0);
	assert_int_equal(count(f, KNOT_ADDITIONAL), 0);
}

static void test_cname_chain_inside_the_domain_is_followed(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "b.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_name(p, KNOT_ANSWER, "b.corp.example.", KNOT_RRTYPE_CNAME, 300,
		  "l.corp.example.");
	tmsg_name(p, KNOT_ANSWER, "l.corp.example.", KNOT_RRTYPE_CNAME, 200,
		  "g.corp.example.");
	tmsg_a(p, KNOT_ANSWER, "g.corp.example.", 100, "10.1.6.6");

	assert_int_equal(import(f, "b.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 3);
	assert_owner(item(f, KNOT_ANSWER, 0), "b.corp.example.");
	assert_rdata_name(item(f, KNOT_ANSWER, 0), "l.corp.example.");
	assert_int_equal(item(f, KNOT_ANSWER, 0)->ttl, 300);
	assert_owner(item(f, KNOT_ANSWER, 1), "l.corp.example.");
	assert_int_equal(item(f, KNOT_ANSWER, 1)->ttl, 200);
	assert_owner(item(f, KNOT_ANSWER, 2), "g.corp.example.");
	assert_a(item(f, KNOT_ANSWER, 2), 0, "10.1.6.6");
	assert_int_equal(f->ans.cname_count, 2);
	assert_false(f->result.reenter);
	assert_int_equal(f->ans.rcode, KNOT_RCODE_NOERROR);
}

static void test_cname_leaving_the_rule_domain_is_resolved_again(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "www.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_name(p, KNOT_ANSWER, "www.corp.example.", KNOT_RRTYPE_CNAME, 300,
		  "web.cloud.example.");
	tmsg_a(p, KNOT_ANSWER, "web.cloud.example.", 60, "203.0.113.9");

	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	/* The CNAME is kept; the target's data never comes from this
	 * rule's reply (resolution.md section 4). */
	assert_int_equal(count(f, KNOT_ANSWER), 1);
	assert_int_equal(item(f, KNOT_ANSWER, 0)->type, KNOT_RRTYPE_CNAME);
	assert_rdata_name(item(f, KNOT_ANSWER, 0), "web.cloud.example.");
	assert_true(f->result.reenter);
	assert_true(knot_dname_is_equal(f->result.next_name,
					tmsg_dname("web.cloud.example.", 4)));
	assert_int_equal(f->ans.cname_count, 1);
	assert_int_equal(f->ans.rcode, KNOT_RCODE_NOERROR);
}

/* BC-08 a: the public chain into a zone the VPC holds stops there. */
static void test_upstream_cname_into_a_local_zone_stops_there(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "mydb.db.example.net.", KNOT_RRTYPE_A, 0);
	tmsg_name(p, KNOT_ANSWER, "mydb.db.example.net.", KNOT_RRTYPE_CNAME,
		  300, "mydb.privatelink.db.example.net.");
	tmsg_name(p, KNOT_ANSWER, "mydb.privatelink.db.example.net.",
		  KNOT_RRTYPE_CNAME, 300, "cr7.cloudapp.example.net.");
	tmsg_a(p, KNOT_ANSWER, "cr7.cloudapp.example.net.", 60, "203.0.113.40");
	f->src.kind = WIRE_SRC_UPSTREAM;

	f->reply = tmsg_reparse(f->built);
	uint8_t q[KNOT_DNAME_MAXLEN];
	knot_dname_from_str(q, "mydb.db.example.net.", sizeof(q));
	knot_dname_from_str(f->reenter_zone, "privatelink.db.example.net.",
			    sizeof(f->reenter_zone));
	assert_int_equal(forward_import_reply(f->reply, q, KNOT_RRTYPE_A, NULL,
					      inside_zone, f, &f->src, &f->ans,
					      &f->result), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 1);
	assert_owner(item(f, KNOT_ANSWER, 0), "mydb.db.example.net.");
	assert_true(f->result.reenter);
	assert_true(knot_dname_is_equal(
		f->result.next_name,
		tmsg_dname("mydb.privatelink.db.example.net.", 4)));
	assert_int_equal(f->ans.cname_count, 1);
	assert_int_equal(f->reenter_calls, 1);
}

/* BC-23 c: NODATA with the target's SOA, TTL min(600, 120) = 120. */
static void test_negative_soa_is_kept_and_trimmed_to_minimum(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA, 0);
	tmsg_soa(p, KNOT_AUTHORITY, "onprem.example.", 600,
		 "ns.onprem.example.", "h.onprem.example.", 9, 3600, 600,
		 86400, 120);

	assert_int_equal(import(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA,
				"onprem.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 0);
	assert_int_equal(count(f, KNOT_AUTHORITY), 1);
	const knot_rrset_t *soa = item(f, KNOT_AUTHORITY, 0);
	assert_int_equal(soa->type, KNOT_RRTYPE_SOA);
	assert_owner(soa, "onprem.example.");
	assert_int_equal(soa->ttl, 120);
	/* RDATA untouched: MINIMUM still 120, serial 9. */
	assert_int_equal(knot_soa_minimum(soa->rrs.rdata), 120);
	assert_int_equal(knot_soa_serial(soa->rrs.rdata), 9);
	assert_int_equal(f->ans.rcode, KNOT_RCODE_NOERROR);
}

/* Empties the answer and drops the replies, for another import. */
static void start_again(struct fixture *f)
{
	wire_answer_clear(&f->ans);
	wire_answer_init(&f->ans);
	knot_pkt_free(f->built);
	knot_pkt_free(f->reply);
	f->built = NULL;
	f->reply = NULL;
}

/* RFC 2181 section 8: a TTL with the top bit set is read as 0, for data
 * and for the SOA TTL and MINIMUM of a negative answer. */
static void test_ttl_with_the_top_bit_set_is_zero(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "www.onprem.example.", KNOT_RRTYPE_A, 0);
	tmsg_a(p, KNOT_ANSWER, "www.onprem.example.", 0x80000000u,
	       "192.0.2.81");
	assert_int_equal(import(f, "www.onprem.example.", KNOT_RRTYPE_A,
				"onprem.example.", outside_zone), 0);
	assert_int_equal(item(f, KNOT_ANSWER, 0)->ttl, 0);
	start_again(f);

	p = reply_new(f, "www.onprem.example.", KNOT_RRTYPE_A, 0);
	tmsg_a(p, KNOT_ANSWER, "www.onprem.example.", 0x7fffffffu,
	       "192.0.2.81");
	assert_int_equal(import(f, "www.onprem.example.", KNOT_RRTYPE_A,
				"onprem.example.", outside_zone), 0);
	assert_int_equal(item(f, KNOT_ANSWER, 0)->ttl, 0x7fffffffu);
	start_again(f);

	p = reply_new(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA, 3);
	tmsg_soa(p, KNOT_AUTHORITY, "onprem.example.", 600,
		 "ns.onprem.example.", "h.onprem.example.", 9, 3600, 600,
		 86400, 0xffffffffu);
	assert_int_equal(import(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA,
				"onprem.example.", outside_zone), 0);
	assert_int_equal(item(f, KNOT_AUTHORITY, 0)->ttl, 0);
	start_again(f);

	p = reply_new(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA, 3);
	tmsg_soa(p, KNOT_AUTHORITY, "onprem.example.", 0xfffffff0u,
		 "ns.onprem.example.", "h.onprem.example.", 9, 3600, 600,
		 86400, 120);
	assert_int_equal(import(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA,
				"onprem.example.", outside_zone), 0);
	assert_int_equal(item(f, KNOT_AUTHORITY, 0)->ttl, 0);
}

/* The one exception to bailiwick: an SOA above the rule's domain that
 * is an ancestor of the name, for the negative TTL. */
static void test_negative_soa_of_an_ancestor_above_the_domain_is_kept(
	void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "x.corp.example.", KNOT_RRTYPE_A,
				  KNOT_RCODE_NXDOMAIN);
	tmsg_soa(p, KNOT_AUTHORITY, "example.", 60, "ns.example.",
		 "h.example.", 1, 3600, 600, 86400, 900);

	assert_int_equal(import(f, "x.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_AUTHORITY), 1);
	assert_owner(item(f, KNOT_AUTHORITY, 0), "example.");
	assert_int_equal(item(f, KNOT_AUTHORITY, 0)->ttl, 60);
	assert_int_equal(f->ans.rcode, KNOT_RCODE_NXDOMAIN);
}

static void test_soa_of_an_unrelated_zone_is_dropped(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA, 0);
	tmsg_soa(p, KNOT_AUTHORITY, "attacker.example.", 600,
		 "ns.attacker.example.", "h.attacker.example.", 1, 3600, 600,
		 86400, 86400);

	assert_int_equal(import(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA,
				"onprem.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 0);
	assert_int_equal(count(f, KNOT_AUTHORITY), 0);
	assert_int_equal(f->ans.rcode, KNOT_RCODE_NOERROR);
}

/* RFC 6604: the RCODE is that of the last name of the chain. */
static void test_nxdomain_at_the_end_of_a_chain(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "dang.corp.example.", KNOT_RRTYPE_A,
				  KNOT_RCODE_NXDOMAIN);
	tmsg_name(p, KNOT_ANSWER, "dang.corp.example.", KNOT_RRTYPE_CNAME, 300,
		  "ghost.corp.example.");
	tmsg_soa(p, KNOT_AUTHORITY, "corp.example.", 3600,
		 "ns1.corp.example.", "hostmaster.corp.example.", 2026120401,
		 3600, 600, 604800, 300);

	assert_int_equal(import(f, "dang.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(f->ans.rcode, KNOT_RCODE_NXDOMAIN);
	assert_int_equal(count(f, KNOT_ANSWER), 1);
	assert_rdata_name(item(f, KNOT_ANSWER, 0), "ghost.corp.example.");
	assert_int_equal(f->ans.cname_count, 1);
	assert_int_equal(count(f, KNOT_AUTHORITY), 1);
	assert_owner(item(f, KNOT_AUTHORITY, 0), "corp.example.");
	assert_int_equal(item(f, KNOT_AUTHORITY, 0)->ttl, 300);
	assert_false(f->result.reenter);
}

static void test_positive_answer_carries_no_soa(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "www.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_a(p, KNOT_ANSWER, "www.corp.example.", 60, "10.10.0.5");
	tmsg_soa(p, KNOT_AUTHORITY, "corp.example.", 3600, "ns1.corp.example.",
		 "h.corp.example.", 1, 3600, 600, 604800, 300);

	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 1);
	assert_int_equal(count(f, KNOT_AUTHORITY), 0);
}

static void test_signatures_and_unknown_types_pass_through(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "www.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_a(p, KNOT_ANSWER, "www.corp.example.", 60, "10.10.0.5");
	tmsg_rrsig(p, KNOT_ANSWER, "www.corp.example.", 60, KNOT_RRTYPE_A, 3,
		   "corp.example.");
	/* A signature over a type that is not in the answer stays out. */
	tmsg_rrsig(p, KNOT_ANSWER, "www.corp.example.", 60, KNOT_RRTYPE_MX, 3,
		   "corp.example.");

	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 2);
	assert_int_equal(item(f, KNOT_ANSWER, 0)->type, KNOT_RRTYPE_A);
	const knot_rrset_t *sig = item(f, KNOT_ANSWER, 1);
	assert_int_equal(sig->type, KNOT_RRTYPE_RRSIG);
	assert_int_equal(sig->rrs.count, 1);
	assert_int_equal(knot_rrsig_type_covered(sig->rrs.rdata),
			 KNOT_RRTYPE_A);
	assert_int_equal(sig->ttl, 60);

	/* An unknown type (RFC 3597) is data like any other. */
	wire_answer_clear(&f->ans);
	knot_pkt_free(f->built);
	knot_pkt_free(f->reply);
	f->reply = NULL;
	p = reply_new(f, "www.corp.example.", 65400, 0);
	const uint8_t opaque[] = { 0xde, 0xad, 0xbe, 0xef };
	tmsg_raw(p, KNOT_ANSWER, "www.corp.example.", 65400, 30, opaque,
		 sizeof(opaque));
	assert_int_equal(import(f, "www.corp.example.", 65400,
				"corp.example.", outside_zone), 0);
	assert_int_equal(count(f, KNOT_ANSWER), 1);
	const knot_rrset_t *rr = item(f, KNOT_ANSWER, 0);
	assert_int_equal(rr->type, 65400);
	assert_int_equal(rr->rrs.rdata->len, 4);
	assert_memory_equal(rr->rrs.rdata->data, opaque, 4);
}

static void test_negative_proof_goes_with_the_soa(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA, 0);
	tmsg_soa(p, KNOT_AUTHORITY, "onprem.example.", 600,
		 "ns.onprem.example.", "h.onprem.example.", 9, 3600, 600,
		 86400, 120);
	tmsg_rrsig(p, KNOT_AUTHORITY, "onprem.example.", 600, KNOT_RRTYPE_SOA,
		   2, "onprem.example.");
	const uint8_t nsec[] = { 2, 'v', '5', 6, 'o', 'n', 'p', 'r', 'e', 'm',
				 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
				 0, 1, 0x40 };	/* bitmap: A */
	tmsg_raw(p, KNOT_AUTHORITY, "v4.onprem.example.", KNOT_RRTYPE_NSEC,
		 120, nsec, sizeof(nsec));
	tmsg_rrsig(p, KNOT_AUTHORITY, "v4.onprem.example.", 120,
		   KNOT_RRTYPE_NSEC, 3, "onprem.example.");

	assert_int_equal(import(f, "v4.onprem.example.", KNOT_RRTYPE_AAAA,
				"onprem.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_AUTHORITY), 4);
	assert_int_equal(item(f, KNOT_AUTHORITY, 0)->type, KNOT_RRTYPE_SOA);
	assert_int_equal(item(f, KNOT_AUTHORITY, 0)->ttl, 120);
	/* Its signature lives as long as the SOA it signs. */
	assert_int_equal(item(f, KNOT_AUTHORITY, 1)->type, KNOT_RRTYPE_RRSIG);
	assert_int_equal(item(f, KNOT_AUTHORITY, 1)->ttl, 120);
	assert_int_equal(item(f, KNOT_AUTHORITY, 2)->type, KNOT_RRTYPE_NSEC);
	assert_int_equal(item(f, KNOT_AUTHORITY, 3)->type, KNOT_RRTYPE_RRSIG);
}

static void test_cname_beside_other_data_is_malformed(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "www.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_name(p, KNOT_ANSWER, "www.corp.example.", KNOT_RRTYPE_CNAME, 300,
		  "web.corp.example.");
	tmsg_a(p, KNOT_ANSWER, "www.corp.example.", 60, "10.10.0.5");

	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), ZG_EMALF);
}

static void test_cname_loop_stops_at_the_repeated_name(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "loop1.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_name(p, KNOT_ANSWER, "loop1.corp.example.", KNOT_RRTYPE_CNAME,
		  300, "loop2.corp.example.");
	tmsg_name(p, KNOT_ANSWER, "loop2.corp.example.", KNOT_RRTYPE_CNAME,
		  300, "LOOP1.corp.example.");

	assert_int_equal(import(f, "loop1.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 2);
	assert_owner(item(f, KNOT_ANSWER, 0), "loop1.corp.example.");
	assert_owner(item(f, KNOT_ANSWER, 1), "loop2.corp.example.");
	assert_int_equal(f->ans.rcode, KNOT_RCODE_NOERROR);
	assert_false(f->result.reenter);
}

static void test_asking_for_the_cname_itself_does_not_follow(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "web.corp.example.", KNOT_RRTYPE_CNAME, 0);
	tmsg_name(p, KNOT_ANSWER, "web.corp.example.", KNOT_RRTYPE_CNAME, 300,
		  "svc.elsewhere.example.");

	assert_int_equal(import(f, "web.corp.example.", KNOT_RRTYPE_CNAME,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 1);
	assert_false(f->result.reenter);
	assert_int_equal(f->ans.cname_count, 0);
	assert_int_equal(f->reenter_calls, 0);
}

static void test_names_keep_the_case_of_the_reply(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "WWW.Corp.Example.", KNOT_RRTYPE_A, 0);
	tmsg_a(p, KNOT_ANSWER, "WWW.Corp.Example.", 60, "10.10.0.5");

	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 1);
	assert_owner(item(f, KNOT_ANSWER, 0), "WWW.Corp.Example.");
}

static void test_records_of_other_types_at_the_name_are_dropped(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "www.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_a(p, KNOT_ANSWER, "www.corp.example.", 60, "10.10.0.5");
	tmsg_aaaa(p, KNOT_ANSWER, "www.corp.example.", 60, "2001:db8::5");

	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 1);
	assert_int_equal(item(f, KNOT_ANSWER, 0)->type, KNOT_RRTYPE_A);
}

/* Without a predicate, the bailiwick alone decides: a target outside it
 * is handed back as the next name, its records are not taken. */
static void test_bailiwick_alone_hands_back_an_outside_target(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "www.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_name(p, KNOT_ANSWER, "www.corp.example.", KNOT_RRTYPE_CNAME, 300,
		  "web.cloud.example.");
	tmsg_a(p, KNOT_ANSWER, "web.cloud.example.", 60, "203.0.113.9");

	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", NULL), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 1);
	assert_int_equal(item(f, KNOT_ANSWER, 0)->type, KNOT_RRTYPE_CNAME);
	assert_true(f->result.reenter);
	assert_true(knot_dname_is_equal(f->result.next_name,
					tmsg_dname("web.cloud.example.", 4)));
}

/* A wildcard expansion (RRSIG labels below the owner's) keeps the NSEC
 * proving no closer name exists (RFC 4035 section 3.1.3.3). */
static void test_wildcard_answer_keeps_its_proof(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *p = reply_new(f, "x.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_a(p, KNOT_ANSWER, "x.corp.example.", 300, "10.1.0.99");
	tmsg_rrsig(p, KNOT_ANSWER, "x.corp.example.", 300, KNOT_RRTYPE_A, 2,
		   "corp.example.");
	const uint8_t nsec[] = { 1, 'y', 4, 'c', 'o', 'r', 'p', 7, 'e', 'x',
				 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0x40 };
	tmsg_raw(p, KNOT_AUTHORITY, "host.corp.example.", KNOT_RRTYPE_NSEC,
		 300, nsec, sizeof(nsec));
	tmsg_rrsig(p, KNOT_AUTHORITY, "host.corp.example.", 300,
		   KNOT_RRTYPE_NSEC, 3, "corp.example.");
	tmsg_name(p, KNOT_AUTHORITY, "corp.example.", KNOT_RRTYPE_NS, 3600,
		  "ns1.corp.example.");

	assert_int_equal(import(f, "x.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", outside_zone), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 2);
	assert_int_equal(count(f, KNOT_AUTHORITY), 2);
	assert_int_equal(item(f, KNOT_AUTHORITY, 0)->type, KNOT_RRTYPE_NSEC);
	assert_owner(item(f, KNOT_AUTHORITY, 0), "host.corp.example.");
	assert_int_equal(item(f, KNOT_AUTHORITY, 1)->type, KNOT_RRTYPE_RRSIG);
}

/* A chain that comes back to a name answered by a CNAME in an earlier
 * step (of another zone or rule) stops there. */
static void test_chain_into_a_name_of_an_earlier_step_stops(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *earlier = tmsg_new(1, "start.zone.example.",
				       KNOT_RRTYPE_A, 0, true);
	tmsg_name(earlier, KNOT_ANSWER, "start.zone.example.",
		  KNOT_RRTYPE_CNAME, 300, "www.corp.example.");
	knot_pkt_t *parsed = tmsg_reparse(earlier);
	const knot_rrset_t *cname = knot_pkt_rr(
		knot_pkt_section(parsed, KNOT_ANSWER), 0);
	struct wire_source zone_src = { .kind = WIRE_SRC_ZONE };
	assert_int_equal(wire_answer_add(&f->ans, KNOT_ANSWER, cname, NULL,
					 300, &zone_src), 0);
	knot_pkt_free(parsed);
	knot_pkt_free(earlier);

	knot_pkt_t *p = reply_new(f, "www.corp.example.", KNOT_RRTYPE_A, 0);
	tmsg_name(p, KNOT_ANSWER, "www.corp.example.", KNOT_RRTYPE_CNAME, 300,
		  "start.zone.example.");
	assert_int_equal(import(f, "www.corp.example.", KNOT_RRTYPE_A,
				"corp.example.", NULL), 0);

	assert_int_equal(count(f, KNOT_ANSWER), 2);
	assert_false(f->result.reenter);
	assert_int_equal(f->ans.rcode, KNOT_RCODE_NOERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_in_bailiwick_answer_is_kept),
		T(test_out_of_bailiwick_records_are_dropped),
		T(test_cname_chain_inside_the_domain_is_followed),
		T(test_cname_leaving_the_rule_domain_is_resolved_again),
		T(test_upstream_cname_into_a_local_zone_stops_there),
		T(test_negative_soa_is_kept_and_trimmed_to_minimum),
		T(test_ttl_with_the_top_bit_set_is_zero),
		T(test_negative_soa_of_an_ancestor_above_the_domain_is_kept),
		T(test_soa_of_an_unrelated_zone_is_dropped),
		T(test_nxdomain_at_the_end_of_a_chain),
		T(test_positive_answer_carries_no_soa),
		T(test_signatures_and_unknown_types_pass_through),
		T(test_negative_proof_goes_with_the_soa),
		T(test_cname_beside_other_data_is_malformed),
		T(test_cname_loop_stops_at_the_repeated_name),
		T(test_asking_for_the_cname_itself_does_not_follow),
		T(test_names_keep_the_case_of_the_reply),
		T(test_records_of_other_types_at_the_name_are_dropped),
		T(test_bailiwick_alone_hands_back_an_outside_target),
		T(test_wildcard_answer_keeps_its_proof),
		T(test_chain_into_a_name_of_an_earlier_step_stops),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
