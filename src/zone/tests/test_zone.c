/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of zone building and authoritative lookup against the expected
 * answers of shared/cases/bugcorpus.md (BC-03, 10, 16, 21-24, 26) and
 * RFC 1034, 2308, 3597, 4592, 6303, 6604 and 6761. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <urcu.h>

#include "zone/zone.h"

#define STD_SOA(z) \
	z " 3600 IN SOA ns1." z " hostmaster." z \
	" 2026120401 3600 600 604800 300", \
	z " 3600 IN NS ns1." z, \
	"ns1." z " 3600 IN A 10.0.0.2"

static knot_dname_t *dn(const char *text)
{
	static knot_dname_t bufs[4][KNOT_DNAME_MAXLEN];
	static int next;
	knot_dname_t *buf = bufs[next++ % 4];
	assert_non_null(knot_dname_from_str(buf, text, KNOT_DNAME_MAXLEN));
	return buf;
}

static struct zone_contents *build(const char *apex, const char *const *lines)
{
	struct zone_builder *b = zone_builder_new(dn(apex));
	assert_non_null(b);
	char err[256];
	for (size_t i = 0; lines[i] != NULL; i++) {
		int ret = zone_builder_add_text(b, lines[i], err, sizeof(err));
		if (ret != 0) {
			fail_msg("line '%s': %s", lines[i], err);
		}
	}
	struct zone_contents *z = zone_builder_finish(b, err, sizeof(err));
	if (z == NULL) {
		fail_msg("finish: %s", err);
	}
	return z;
}

/* One lookup and its answer. */
struct result {
	struct wire_answer ans;
	struct zone_lookup_result res;
};

static void lookup(const struct zone_contents *z, const char *qname,
		   uint16_t qtype, struct result *r)
{
	struct wire_source src = { .kind = WIRE_SRC_ZONE };
	strcpy(src.source_id, "zone-1");
	wire_answer_init(&r->ans);
	assert_int_equal(zone_lookup(z, dn(qname), qtype, &src, 12, &r->ans,
				     &r->res), 0);
}

static size_t count(const struct result *r, int section)
{
	return r->ans.sections[section].count;
}

static const knot_rrset_t *rr_at(const struct result *r, int section,
				 size_t i)
{
	assert_true(i < r->ans.sections[section].count);
	return r->ans.sections[section].items[i].rrset;
}

static void assert_rrset(const knot_rrset_t *rr, const char *owner,
			 uint16_t type, uint32_t ttl, uint16_t n)
{
	assert_true(knot_dname_is_case_equal(rr->owner, dn(owner)));
	assert_int_equal(rr->type, type);
	assert_int_equal(rr->ttl, ttl);
	assert_int_equal(rr->rrs.count, n);
}

static void assert_addr(const knot_rrset_t *rr, uint16_t i, const char *ip)
{
	uint8_t buf[16];
	int family = rr->type == KNOT_RRTYPE_AAAA ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(family, ip, buf), 1);
	const knot_rdata_t *rd = knot_rdataset_at(&rr->rrs, i);
	assert_int_equal(rd->len, family == AF_INET6 ? 16 : 4);
	assert_memory_equal(rd->data, buf, rd->len);
}

static void assert_target(const knot_rrset_t *rr, const char *target)
{
	assert_true(knot_dname_is_case_equal(knot_cname_name(rr->rrs.rdata),
					     dn(target)));
}

/* The negative SOA: owner, TTL and every RDATA field. */
static void assert_soa(const knot_rrset_t *rr, const char *owner,
		       uint32_t ttl, const char *mname, const char *rname,
		       uint32_t serial, uint32_t refresh, uint32_t retry,
		       uint32_t expire, uint32_t minimum)
{
	assert_rrset(rr, owner, KNOT_RRTYPE_SOA, ttl, 1);
	const knot_rdata_t *rd = rr->rrs.rdata;
	assert_true(knot_dname_is_case_equal(knot_soa_primary(rd), dn(mname)));
	assert_true(knot_dname_is_case_equal(knot_soa_mailbox(rd), dn(rname)));
	assert_int_equal(knot_soa_serial(rd), serial);
	assert_int_equal(knot_soa_refresh(rd), refresh);
	assert_int_equal(knot_soa_retry(rd), retry);
	assert_int_equal(knot_soa_expire(rd), expire);
	assert_int_equal(knot_soa_minimum(rd), minimum);
}

static void assert_std_soa(const struct result *r, const char *zone)
{
	char mname[256], rname[256];
	snprintf(mname, sizeof(mname), "ns1.%s", zone);
	snprintf(rname, sizeof(rname), "hostmaster.%s", zone);
	assert_int_equal(count(r, KNOT_AUTHORITY), 1);
	assert_soa(rr_at(r, KNOT_AUTHORITY, 0), zone, 300, mname, rname,
		   2026120401, 3600, 600, 604800, 300);
}

static void expect(const struct result *r, enum zone_lookup_status status,
		   uint8_t rcode, size_t an, size_t ns, size_t ar)
{
	assert_int_equal(r->res.status, status);
	assert_int_equal(r->ans.rcode, rcode);
	assert_int_equal(count(r, KNOT_ANSWER), an);
	assert_int_equal(count(r, KNOT_AUTHORITY), ns);
	assert_int_equal(count(r, KNOT_ADDITIONAL), ar);
	assert_false(r->ans.force_no_aa);
	assert_true(wire_answer_is_authoritative(&r->ans) || an + ns == 0);
}

/* BC-03: a private zone shadows the public one. */
static void test_bc03_missing_name_is_nxdomain(void **state)
{
	const char *lines[] = { STD_SOA("example.com."),
		"intra.example.com. 300 IN A 10.1.2.3", NULL };
	struct zone_contents *z = build("example.com.", lines);
	struct result r;

	lookup(z, "intra.example.com.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "intra.example.com.",
		     KNOT_RRTYPE_A, 300, 1);
	assert_addr(rr_at(&r, KNOT_ANSWER, 0), 0, "10.1.2.3");
	assert_int_equal(r.ans.sections[KNOT_ANSWER].items[0].src.kind,
			 WIRE_SRC_ZONE);
	assert_string_equal(r.ans.sections[KNOT_ANSWER].items[0].src.source_id,
			    "zone-1");
	wire_answer_clear(&r.ans);

	lookup(z, "www.example.com.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_NXDOMAIN, KNOT_RCODE_NXDOMAIN, 0, 1, 0);
	assert_std_soa(&r, "example.com.");
	wire_answer_clear(&r.ans);

	zone_contents_free(z);
}

static const char *const bc10_lines[] = { STD_SOA("corp.example."),
	"b.corp.example. 300 IN CNAME l.corp.example.",
	"l.corp.example. 300 IN CNAME g.corp.example.",
	"g.corp.example. 300 IN A 10.1.6.6",
	"dang.corp.example. 300 IN CNAME ghost.corp.example.",
	"loop1.corp.example. 300 IN CNAME loop2.corp.example.",
	"loop2.corp.example. 300 IN CNAME loop1.corp.example.",
	NULL };

/* BC-10a: an in-zone chain is followed to the end, in order. */
static void test_bc10_chain_followed_in_order(void **state)
{
	struct zone_contents *z = build("corp.example.", bc10_lines);
	struct result r;
	lookup(z, "b.corp.example.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 3, 0, 0);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "b.corp.example.",
		     KNOT_RRTYPE_CNAME, 300, 1);
	assert_target(rr_at(&r, KNOT_ANSWER, 0), "l.corp.example.");
	assert_rrset(rr_at(&r, KNOT_ANSWER, 1), "l.corp.example.",
		     KNOT_RRTYPE_CNAME, 300, 1);
	assert_target(rr_at(&r, KNOT_ANSWER, 1), "g.corp.example.");
	assert_rrset(rr_at(&r, KNOT_ANSWER, 2), "g.corp.example.",
		     KNOT_RRTYPE_A, 300, 1);
	assert_addr(rr_at(&r, KNOT_ANSWER, 2), 0, "10.1.6.6");
	assert_int_equal(r.ans.cname_count, 2);
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

/* BC-10b: a chain ending at a missing name is NXDOMAIN (RFC 6604). */
static void test_bc10_dangling_chain_is_nxdomain(void **state)
{
	struct zone_contents *z = build("corp.example.", bc10_lines);
	struct result r;
	lookup(z, "dang.corp.example.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_NXDOMAIN, KNOT_RCODE_NXDOMAIN, 1, 1, 0);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "dang.corp.example.",
		     KNOT_RRTYPE_CNAME, 300, 1);
	assert_target(rr_at(&r, KNOT_ANSWER, 0), "ghost.corp.example.");
	assert_std_soa(&r, "corp.example.");
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

/* BC-10c: a loop stops at the first repeated name, NOERROR, each RRset
 * once. */
static void test_bc10_loop_stops_at_repeated_name(void **state)
{
	struct zone_contents *z = build("corp.example.", bc10_lines);
	struct result r;
	lookup(z, "loop1.corp.example.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_CNAME_LOOP, KNOT_RCODE_NOERROR, 2, 0, 0);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "loop1.corp.example.",
		     KNOT_RRTYPE_CNAME, 300, 1);
	assert_target(rr_at(&r, KNOT_ANSWER, 0), "loop2.corp.example.");
	assert_rrset(rr_at(&r, KNOT_ANSWER, 1), "loop2.corp.example.",
		     KNOT_RRTYPE_CNAME, 300, 1);
	assert_target(rr_at(&r, KNOT_ANSWER, 1), "loop1.corp.example.");
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

/* BC-07 (zone part): a CNAME leaving the zone hands the target back;
 * qtype CNAME gets the CNAME alone. */
static void test_cname_out_of_zone_returns_next_name(void **state)
{
	const char *lines[] = { STD_SOA("app.example.com."),
		"web.app.example.com. 300 IN CNAME svc.onprem.example.", NULL };
	struct zone_contents *z = build("app.example.com.", lines);
	struct result r;

	lookup(z, "web.app.example.com.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_CNAME_OUT, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_true(knot_dname_is_equal(r.res.next_name,
					dn("svc.onprem.example.")));
	assert_int_equal(r.ans.cname_count, 1);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "web.app.example.com.",
		     KNOT_RRTYPE_CNAME, 300, 1);
	wire_answer_clear(&r.ans);

	lookup(z, "web.app.example.com.", KNOT_RRTYPE_CNAME, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_target(rr_at(&r, KNOT_ANSWER, 0), "svc.onprem.example.");
	assert_int_equal(r.ans.cname_count, 0);
	wire_answer_clear(&r.ans);

	/* A later step coming back to a name already answered is a loop
	 * across zones. */
	lookup(z, "web.app.example.com.", KNOT_RRTYPE_A, &r);
	struct zone_lookup_result res2;
	struct wire_source src = { .kind = WIRE_SRC_ZONE };
	assert_int_equal(zone_lookup(z, dn("web.app.example.com."),
				     KNOT_RRTYPE_A, &src, 12, &r.ans, &res2),
			 0);
	assert_int_equal(res2.status, ZONE_CNAME_LOOP);
	assert_int_equal(count(&r, KNOT_ANSWER), 1);
	wire_answer_clear(&r.ans);

	zone_contents_free(z);
}

/* shared/resolution.md section 5: at most 12 CNAMEs in one answer. */
static void test_cname_limit_stops_the_chain(void **state)
{
	const char *lines[32] = { STD_SOA("corp.example.") };
	char buf[20][128];
	size_t n = 3;
	for (int i = 0; i < 14; i++) {
		snprintf(buf[i], sizeof(buf[i]),
			 "c%d.corp.example. 300 IN CNAME c%d.corp.example.",
			 i, i + 1);
		lines[n++] = buf[i];
	}
	lines[n++] = "c14.corp.example. 300 IN A 10.9.9.9";
	lines[n] = NULL;
	struct zone_contents *z = build("corp.example.", lines);
	struct result r;

	lookup(z, "c0.corp.example.", KNOT_RRTYPE_A, &r);
	assert_int_equal(r.res.status, ZONE_CNAME_LIMIT);
	assert_int_equal(count(&r, KNOT_ANSWER), 12);
	assert_int_equal(r.ans.cname_count, 12);
	wire_answer_clear(&r.ans);

	/* Twelve CNAMEs and the address fit the limit. */
	lookup(z, "c2.corp.example.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 13, 0, 0);
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

/* BC-16: record counts and large RRsets. */
static void test_bc16_large_rrsets_and_counts(void **state)
{
	const char *lines[160] = { STD_SOA("corp.example.") };
	static char buf[160][64];
	size_t n = 3;
	for (int i = 1; i <= 40; i++) {
		snprintf(buf[n], sizeof(buf[n]),
			 "mid.corp.example. 300 IN A 10.1.7.%d", i);
		lines[n] = buf[n];
		n++;
	}
	for (int i = 1; i <= 100; i++) {
		snprintf(buf[n], sizeof(buf[n]),
			 "huge.corp.example. 300 IN A 10.1.8.%d", i);
		lines[n] = buf[n];
		n++;
	}
	lines[n] = NULL;
	struct zone_contents *z = build("corp.example.", lines);
	assert_int_equal(zone_contents_rr_count(z), 3 + 40 + 100);
	assert_int_equal(zone_contents_serial(z), 2026120401);

	struct result r;
	lookup(z, "mid.corp.example.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "mid.corp.example.",
		     KNOT_RRTYPE_A, 300, 40);
	wire_answer_clear(&r.ans);
	lookup(z, "huge.corp.example.", KNOT_RRTYPE_A, &r);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "huge.corp.example.",
		     KNOT_RRTYPE_A, 300, 100);
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

static const char *const bc21_lines[] = { STD_SOA("corp.example."),
	"*.corp.example. 300 IN A 10.1.0.99",
	"host.corp.example. 300 IN TXT \"v=1\"",
	"real.deep.corp.example. 300 IN A 10.1.0.7",
	NULL };

/* BC-21a, b, h: synthesis from the wildcard, owner = the name asked. */
static void test_bc21_wildcard_synthesis_owner_is_qname(void **state)
{
	struct zone_contents *z = build("corp.example.", bc21_lines);
	struct result r;
	const char *names[] = { "x.corp.example.", "a.b.c.corp.example.",
				"*.corp.example." };
	for (size_t i = 0; i < 3; i++) {
		lookup(z, names[i], KNOT_RRTYPE_A, &r);
		expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
		assert_rrset(rr_at(&r, KNOT_ANSWER, 0), names[i],
			     KNOT_RRTYPE_A, 300, 1);
		assert_true(knot_dname_is_equal(rr_at(&r, KNOT_ANSWER, 0)->owner,
						dn(names[i])));
		assert_addr(rr_at(&r, KNOT_ANSWER, 0), 0, "10.1.0.99");
		wire_answer_clear(&r.ans);
	}
	zone_contents_free(z);
}

/* BC-21c-g: existing names, empty non-terminals included, block the
 * wildcard; a wildcard without the type gives NODATA. */
static void test_bc21_existing_names_block_wildcard(void **state)
{
	struct zone_contents *z = build("corp.example.", bc21_lines);
	struct result r;

	lookup(z, "host.corp.example.", KNOT_RRTYPE_A, &r);		/* c */
	expect(&r, ZONE_NODATA, KNOT_RCODE_NOERROR, 0, 1, 0);
	assert_std_soa(&r, "corp.example.");
	wire_answer_clear(&r.ans);

	lookup(z, "sub.host.corp.example.", KNOT_RRTYPE_A, &r);	/* d */
	expect(&r, ZONE_NXDOMAIN, KNOT_RCODE_NXDOMAIN, 0, 1, 0);
	assert_std_soa(&r, "corp.example.");
	wire_answer_clear(&r.ans);

	lookup(z, "deep.corp.example.", KNOT_RRTYPE_A, &r);		/* e */
	expect(&r, ZONE_NODATA, KNOT_RCODE_NOERROR, 0, 1, 0);
	assert_std_soa(&r, "corp.example.");
	wire_answer_clear(&r.ans);

	lookup(z, "nope.deep.corp.example.", KNOT_RRTYPE_A, &r);	/* f */
	expect(&r, ZONE_NXDOMAIN, KNOT_RCODE_NXDOMAIN, 0, 1, 0);
	wire_answer_clear(&r.ans);

	lookup(z, "x.corp.example.", KNOT_RRTYPE_MX, &r);		/* g */
	expect(&r, ZONE_NODATA, KNOT_RCODE_NOERROR, 0, 1, 0);
	assert_std_soa(&r, "corp.example.");
	wire_answer_clear(&r.ans);

	zone_contents_free(z);
}

static const char *const bc22_lines[] = { STD_SOA("corp.example."),
	"_ldap._tcp.dc.corp.example. 300 IN SRV 0 100 389 dc1.corp.example.",
	"dc1.corp.example. 300 IN A 10.1.0.20",
	NULL };

static void check_bc22(const struct zone_contents *z)
{
	struct result r;
	lookup(z, "_tcp.dc.corp.example.", KNOT_RRTYPE_SRV, &r);	/* a */
	expect(&r, ZONE_NODATA, KNOT_RCODE_NOERROR, 0, 1, 0);
	assert_std_soa(&r, "corp.example.");
	wire_answer_clear(&r.ans);

	lookup(z, "dc.corp.example.", KNOT_RRTYPE_A, &r);		/* b */
	expect(&r, ZONE_NODATA, KNOT_RCODE_NOERROR, 0, 1, 0);
	wire_answer_clear(&r.ans);

	lookup(z, "_ldap._tcp.dc.corp.example.", KNOT_RRTYPE_SRV, &r); /* c */
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "_ldap._tcp.dc.corp.example.",
		     KNOT_RRTYPE_SRV, 300, 1);
	wire_answer_clear(&r.ans);
}

/* BC-22a-c: empty non-terminals are NODATA (RFC 8020). */
static void test_bc22_empty_non_terminals_are_nodata(void **state)
{
	struct zone_contents *z = build("corp.example.", bc22_lines);
	check_bc22(z);
	zone_contents_free(z);
}

static int copy_rrset(const knot_rrset_t *rr, void *arg)
{
	return zone_builder_add_rrset(arg, rr);
}

/* BC-22e: the same zone received as RRsets (a transfer) derives the same
 * empty non-terminals. */
static void test_bc22_ents_derived_from_transferred_rrsets(void **state)
{
	struct zone_contents *src = build("corp.example.", bc22_lines);
	struct zone_builder *b = zone_builder_new(dn("corp.example."));
	assert_non_null(b);
	assert_int_equal(zone_contents_walk(src, copy_rrset, b), 0);
	struct zone_contents *z = zone_builder_finish(b, NULL, 0);
	assert_non_null(z);
	assert_int_equal(zone_contents_rr_count(z), zone_contents_rr_count(src));
	check_bc22(z);
	zone_contents_free(z);
	zone_contents_free(src);
}

/* BC-23a/b: a missing type is NODATA with the SOA, never NXDOMAIN. */
static void test_bc23_missing_type_is_nodata(void **state)
{
	const char *lines[] = { STD_SOA("corp.example."),
		"v4.corp.example. 300 IN A 10.1.0.21", NULL };
	struct zone_contents *z = build("corp.example.", lines);
	const uint16_t types[] = { KNOT_RRTYPE_AAAA, KNOT_RRTYPE_HTTPS };
	for (size_t i = 0; i < 2; i++) {
		struct result r;
		lookup(z, "v4.corp.example.", types[i], &r);
		expect(&r, ZONE_NODATA, KNOT_RCODE_NOERROR, 0, 1, 0);
		assert_std_soa(&r, "corp.example.");
		wire_answer_clear(&r.ans);
	}
	zone_contents_free(z);
}

/* BC-24: the negative SOA's TTL is min(SOA TTL, MINIMUM), RDATA as is;
 * positive answers keep the zone's TTL. */
static void test_bc24_negative_ttl_is_min_of_ttl_and_minimum(void **state)
{
	const char *long_lines[] = {
		"long.example. 3600 IN SOA ns1.long.example. h.long.example. 1 3600 600 604800 300",
		"long.example. 3600 IN NS ns1.long.example.",
		"ns1.long.example. 3600 IN A 10.0.0.2", NULL };
	const char *short_lines[] = {
		"short.example. 60 IN SOA ns1.short.example. h.short.example. 1 3600 600 604800 3600",
		"short.example. 60 IN NS ns1.short.example.", NULL };
	struct zone_contents *zl = build("long.example.", long_lines);
	struct zone_contents *zs = build("short.example.", short_lines);
	struct result r;

	lookup(zl, "nx.long.example.", KNOT_RRTYPE_A, &r);		/* a */
	expect(&r, ZONE_NXDOMAIN, KNOT_RCODE_NXDOMAIN, 0, 1, 0);
	assert_soa(rr_at(&r, KNOT_AUTHORITY, 0), "long.example.", 300,
		   "ns1.long.example.", "h.long.example.", 1, 3600, 600,
		   604800, 300);
	wire_answer_clear(&r.ans);

	lookup(zs, "nx.short.example.", KNOT_RRTYPE_A, &r);		/* b */
	expect(&r, ZONE_NXDOMAIN, KNOT_RCODE_NXDOMAIN, 0, 1, 0);
	assert_soa(rr_at(&r, KNOT_AUTHORITY, 0), "short.example.", 60,
		   "ns1.short.example.", "h.short.example.", 1, 3600, 600,
		   604800, 3600);
	wire_answer_clear(&r.ans);

	lookup(zl, "long.example.", KNOT_RRTYPE_SOA, &r);		/* c */
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_soa(rr_at(&r, KNOT_ANSWER, 0), "long.example.", 3600,
		   "ns1.long.example.", "h.long.example.", 1, 3600, 600,
		   604800, 300);
	wire_answer_clear(&r.ans);

	lookup(zl, "ns1.long.example.", KNOT_RRTYPE_AAAA, &r);		/* d */
	expect(&r, ZONE_NODATA, KNOT_RCODE_NOERROR, 0, 1, 0);
	assert_int_equal(rr_at(&r, KNOT_AUTHORITY, 0)->ttl, 300);
	wire_answer_clear(&r.ans);

	zone_contents_free(zl);
	zone_contents_free(zs);
}

static void assert_builtin_nxdomain(const char *zone, const char *qname,
				    uint16_t qtype)
{
	struct zone_contents *z = zone_builtin_build(dn(zone));
	assert_non_null(z);
	struct result r;
	struct wire_source src = { .kind = WIRE_SRC_BUILTIN };
	wire_answer_init(&r.ans);
	assert_int_equal(zone_lookup(z, dn(qname), qtype, &src, 12, &r.ans,
				     &r.res), 0);
	expect(&r, ZONE_NXDOMAIN, KNOT_RCODE_NXDOMAIN, 0, 1, 0);
	assert_soa(rr_at(&r, KNOT_AUTHORITY, 0), zone, 10800, zone,
		   "nobody.invalid.", 1, 3600, 1200, 604800, 10800);
	assert_int_equal(r.ans.sections[KNOT_AUTHORITY].items[0].src.kind,
			 WIRE_SRC_BUILTIN);
	assert_true(wire_answer_is_authoritative(&r.ans));
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

/* BC-26b, e, g: the built-in zones answer NXDOMAIN with their SOA
 * (RFC 6303 section 3). */
static void test_bc26_builtin_zones_answer_nxdomain(void **state)
{
	assert_builtin_nxdomain("10.in-addr.arpa.", "24.1.232.10.in-addr.arpa.",
				KNOT_RRTYPE_PTR);
	assert_builtin_nxdomain("16.172.in-addr.arpa.",
				"5.0.16.172.in-addr.arpa.", KNOT_RRTYPE_PTR);
	assert_builtin_nxdomain("home.arpa.", "tv.home.arpa.", KNOT_RRTYPE_A);

	struct zone_contents *z = zone_builtin_build(dn("home.arpa."));
	struct result r;
	lookup(z, "home.arpa.", KNOT_RRTYPE_NS, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "home.arpa.", KNOT_RRTYPE_NS,
		     10800, 1);
	assert_target(rr_at(&r, KNOT_ANSWER, 0), "home.arpa.");
	assert_int_equal(zone_contents_rr_count(z), 2);
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

static bool names_contain(const char *name)
{
	for (const char *const *n = zone_builtin_names(); *n != NULL; n++) {
		if (strcmp(*n, name) == 0) {
			return true;
		}
	}
	return false;
}

/* shared/resolution.md section 2: the complete list, each zone buildable. */
static void test_builtin_list_is_complete(void **state)
{
	size_t n = 0;
	for (const char *const *p = zone_builtin_names(); *p != NULL; p++) {
		struct zone_contents *z = zone_builtin_build(dn(*p));
		assert_non_null(z);
		assert_int_equal(zone_contents_serial(z), 1);
		zone_contents_free(z);
		n++;
	}
	/* 10, 16-31.172, 168.192, 64-127.100, 7 more in-addr.arpa, 8
	 * ip6.arpa, home.arpa, localhost, invalid. */
	assert_int_equal(n, 1 + 16 + 1 + 64 + 7 + 8 + 3);
	const char *must[] = { "10.in-addr.arpa.", "16.172.in-addr.arpa.",
		"31.172.in-addr.arpa.", "168.192.in-addr.arpa.",
		"64.100.in-addr.arpa.", "127.100.in-addr.arpa.",
		"0.in-addr.arpa.", "127.in-addr.arpa.", "254.169.in-addr.arpa.",
		"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
		"113.0.203.in-addr.arpa.", "255.255.255.255.in-addr.arpa.",
		"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
		"d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.",
		"a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.",
		"8.b.d.0.1.0.0.2.ip6.arpa.", "home.arpa.", "localhost.",
		"invalid." };
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		if (!names_contain(must[i])) {
			fail_msg("missing built-in zone %s", must[i]);
		}
	}
	assert_false(names_contain("15.172.in-addr.arpa."));
	assert_false(names_contain("32.172.in-addr.arpa."));
	assert_false(names_contain("63.100.in-addr.arpa."));
	assert_false(names_contain("128.100.in-addr.arpa."));
}

/* RFC 6761 section 6.3: localhost and names below it are loopback. */
static void test_localhost_answers_loopback(void **state)
{
	struct zone_contents *z = zone_builtin_build(dn("localhost."));
	struct result r;
	lookup(z, "localhost.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_addr(rr_at(&r, KNOT_ANSWER, 0), 0, "127.0.0.1");
	wire_answer_clear(&r.ans);
	lookup(z, "app.localhost.", KNOT_RRTYPE_AAAA, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "app.localhost.",
		     KNOT_RRTYPE_AAAA, 10800, 1);
	assert_addr(rr_at(&r, KNOT_ANSWER, 0), 0, "::1");
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

static const char *const deleg_lines[] = { STD_SOA("corp.example."),
	"sub.corp.example. 300 IN NS ns1.sub.corp.example.",
	"sub.corp.example. 300 IN NS ns.other.example.",
	"sub.corp.example. 300 IN DS 12345 13 2 "
	"2BB183AF5F22588179A53B0A98631FAD1A292118B2B1F1A6A9C1B2C3D4E5F601",
	"ns1.sub.corp.example. 300 IN A 10.1.9.9",
	"ns1.sub.corp.example. 300 IN AAAA 2001:db8::9",
	NULL };

static void expect_referral(const struct result *r)
{
	assert_int_equal(r->res.status, ZONE_DELEGATION);
	assert_int_equal(r->ans.rcode, KNOT_RCODE_NOERROR);
	assert_true(r->ans.force_no_aa);
	assert_true(knot_dname_is_equal(r->res.cut_name,
					dn("sub.corp.example.")));
	assert_int_equal(count(r, KNOT_ANSWER), 0);
	assert_int_equal(count(r, KNOT_AUTHORITY), 1);
	assert_rrset(rr_at(r, KNOT_AUTHORITY, 0), "sub.corp.example.",
		     KNOT_RRTYPE_NS, 300, 2);
	assert_int_equal(count(r, KNOT_ADDITIONAL), 2);
	assert_rrset(rr_at(r, KNOT_ADDITIONAL, 0), "ns1.sub.corp.example.",
		     KNOT_RRTYPE_A, 300, 1);
	assert_addr(rr_at(r, KNOT_ADDITIONAL, 0), 0, "10.1.9.9");
	assert_rrset(rr_at(r, KNOT_ADDITIONAL, 1), "ns1.sub.corp.example.",
		     KNOT_RRTYPE_AAAA, 300, 1);
}

/* RFC 1034 section 4.3.2 step 3b: names at or below a cut get a
 * referral with glue; DS stays with the parent (RFC 4035 3.1.4.1). */
static void test_delegation_gives_referral_with_glue(void **state)
{
	struct zone_contents *z = build("corp.example.", deleg_lines);
	struct result r;
	const char *names[] = { "www.sub.corp.example.", "sub.corp.example.",
				"ns1.sub.corp.example.", "a.b.sub.corp.example." };
	for (size_t i = 0; i < 4; i++) {
		lookup(z, names[i], KNOT_RRTYPE_A, &r);
		expect_referral(&r);
		wire_answer_clear(&r.ans);
	}
	lookup(z, "sub.corp.example.", KNOT_RRTYPE_NS, &r);
	expect_referral(&r);
	wire_answer_clear(&r.ans);

	lookup(z, "sub.corp.example.", KNOT_RRTYPE_DS, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "sub.corp.example.",
		     KNOT_RRTYPE_DS, 300, 1);
	wire_answer_clear(&r.ans);

	/* The apex NS is no delegation. */
	lookup(z, "corp.example.", KNOT_RRTYPE_NS, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

/* RFC 4343: names match case-insensitively; owners are stored lower
 * case. */
static void test_lookup_is_case_insensitive(void **state)
{
	const char *lines[] = { STD_SOA("Example.COM."),
		"MiXeD.Example.com. 300 IN A 10.1.2.4", NULL };
	struct zone_contents *z = build("EXAMPLE.com.", lines);
	assert_true(knot_dname_is_equal(zone_contents_apex(z),
					dn("example.com.")));
	struct result r;
	lookup(z, "MIXED.EXAMPLE.COM.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	assert_true(knot_dname_is_equal(rr_at(&r, KNOT_ANSWER, 0)->owner,
					dn("mixed.example.com.")));
	wire_answer_clear(&r.ans);
	lookup(z, "Nope.Example.Com.", KNOT_RRTYPE_A, &r);
	expect(&r, ZONE_NXDOMAIN, KNOT_RCODE_NXDOMAIN, 0, 1, 0);
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

/* RFC 3597: unknown types in generic form are stored and served as
 * given; known types may use the generic form too. */
static void test_unknown_type_rfc3597(void **state)
{
	const char *lines[] = { STD_SOA("example.com."),
		"x.example.com. 300 IN TYPE65400 \\# 4 0a0b0c0d",
		"y.example.com. 300 IN A \\# 4 0a000001", NULL };
	struct zone_contents *z = build("example.com.", lines);
	struct result r;
	lookup(z, "x.example.com.", 65400, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 1, 0, 0);
	const knot_rrset_t *rr = rr_at(&r, KNOT_ANSWER, 0);
	assert_rrset(rr, "x.example.com.", 65400, 300, 1);
	assert_int_equal(rr->rrs.rdata->len, 4);
	assert_memory_equal(rr->rrs.rdata->data, "\x0a\x0b\x0c\x0d", 4);
	wire_answer_clear(&r.ans);

	lookup(z, "y.example.com.", KNOT_RRTYPE_A, &r);
	assert_addr(rr_at(&r, KNOT_ANSWER, 0), 0, "10.0.0.1");
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

/* RFC 2181 section 5.2: one TTL per RRset, the last given; identical
 * records once. */
static void test_rrset_ttl_last_wins_and_duplicates_once(void **state)
{
	const char *lines[] = { STD_SOA("example.com."),
		"t.example.com. 300 IN A 10.0.0.1",
		"t.example.com. 300 IN A 10.0.0.1",
		"t.example.com. 600 IN A 10.0.0.2", NULL };
	struct zone_contents *z = build("example.com.", lines);
	assert_int_equal(zone_contents_rr_count(z), 3 + 2);
	struct result r;
	lookup(z, "t.example.com.", KNOT_RRTYPE_A, &r);
	assert_rrset(rr_at(&r, KNOT_ANSWER, 0), "t.example.com.",
		     KNOT_RRTYPE_A, 600, 2);
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

/* RFC 8482 choice: ANY gets every RRset at the name. */
static void test_any_returns_every_rrset(void **state)
{
	const char *lines[] = { STD_SOA("example.com."),
		"m.example.com. 300 IN A 10.0.0.1",
		"m.example.com. 300 IN TXT \"hello\"",
		"m.example.com. 300 IN MX 10 mail.example.com.", NULL };
	struct zone_contents *z = build("example.com.", lines);
	struct result r;
	lookup(z, "m.example.com.", KNOT_RRTYPE_ANY, &r);
	expect(&r, ZONE_FOUND, KNOT_RCODE_NOERROR, 3, 0, 0);
	wire_answer_clear(&r.ans);
	zone_contents_free(z);
}

static void test_builder_refuses_bad_input(void **state)
{
	struct zone_builder *b = zone_builder_new(dn("example.com."));
	char err[256];
	assert_int_equal(zone_builder_add_text(b,
		"www.other.com. 300 IN A 10.0.0.1", err, sizeof(err)),
		ZG_EINVAL);
	assert_non_null(strstr(err, "outside"));
	assert_int_equal(zone_builder_add_text(b,
		"$INCLUDE /etc/passwd", err, sizeof(err)), ZG_EINVAL);
	assert_int_equal(zone_builder_add_text(b,
		"a.example.com. 300 IN A 10.0.0.1\n$ORIGIN evil.", err,
		sizeof(err)), ZG_EINVAL);
	assert_int_equal(zone_builder_add_text(b,
		"a.example.com. 300 IN A 10.0.0.1\nb.example.com. 300 IN A 10.0.0.2",
		err, sizeof(err)), ZG_EINVAL);
	assert_int_equal(zone_builder_add_text(b,
		"a.example.com. 300 CH A 10.0.0.1", err, sizeof(err)),
		ZG_EINVAL);
	assert_int_equal(zone_builder_add_text(b,
		"a.example.com. 300 IN A 10.0.0.300", err, sizeof(err)),
		ZG_EINVAL);
	assert_int_equal(zone_builder_add_text(b,
		"a.example.com. 300 IN TXT ( \"open", err, sizeof(err)),
		ZG_EINVAL);
	assert_int_equal(zone_builder_add_text(b,
		" 300 IN A 10.0.0.1", err, sizeof(err)), ZG_EINVAL);
	/* After all that the scanner still parses a good record, and a
	 * relative owner is relative to the apex. */
	assert_int_equal(zone_builder_add_text(b,
		"rel 300 IN A 10.0.0.9", err, sizeof(err)), 0);

	struct zone_contents *z = zone_builder_finish(b, err, sizeof(err));
	assert_null(z);
	assert_string_equal(err, "zone example.com. has no SOA at its apex");

	zone_builder_free(zone_builder_new(dn("example.com.")));
	zone_builder_free(NULL);
}

struct walked {
	char names[16][64];
	uint16_t types[16];
	size_t n;
};

static int record_walk(const knot_rrset_t *rr, void *arg)
{
	struct walked *w = arg;
	knot_dname_to_str(w->names[w->n], rr->owner, sizeof(w->names[0]));
	w->types[w->n++] = rr->type;
	return 0;
}

/* RFC 4034 section 6.1 canonical order, apex first and SOA first. */
static void test_walk_in_canonical_order(void **state)
{
	const char *lines[] = {
		"z.example. 300 IN A 10.0.0.1",
		"example. 300 IN TXT \"t\"",
		"example. 3600 IN NS ns.example.",
		"example. 3600 IN SOA ns.example. h.example. 1 2 3 4 5",
		"a.example. 300 IN A 10.0.0.2",
		"yljkjljk.a.example. 300 IN A 10.0.0.3",
		"Z.a.example. 300 IN A 10.0.0.4",
		"zABC.a.EXAMPLE. 300 IN A 10.0.0.5",
		"*.z.example. 300 IN A 10.0.0.6",
		NULL };
	struct zone_contents *z = build("example.", lines);
	struct walked w = { .n = 0 };
	assert_int_equal(zone_contents_walk(z, record_walk, &w), 0);
	const char *names[] = { "example.", "example.", "example.",
		"a.example.", "yljkjljk.a.example.", "z.a.example.",
		"zabc.a.example.", "z.example.", "\\*.z.example." };
	const uint16_t types[] = { KNOT_RRTYPE_SOA, KNOT_RRTYPE_NS,
		KNOT_RRTYPE_TXT, KNOT_RRTYPE_A, KNOT_RRTYPE_A, KNOT_RRTYPE_A,
		KNOT_RRTYPE_A, KNOT_RRTYPE_A, KNOT_RRTYPE_A };
	assert_int_equal(w.n, 9);
	for (size_t i = 0; i < w.n; i++) {
		if (strcmp(w.names[i], names[i]) != 0 &&
		    !(i == 8 && strcmp(w.names[i], "*.z.example.") == 0)) {
			fail_msg("walk %zu: %s, expected %s", i, w.names[i],
				 names[i]);
		}
		assert_int_equal(w.types[i], types[i]);
	}
	zone_contents_free(z);
}

/* Publication: readers see the new version; the old one is freed after
 * the grace period (ASan reports a leak or a use after free). */
static void test_handle_publishes_versions(void **state)
{
	rcu_register_thread();
	struct zone_handle *h = zone_handle_new("zone-7");
	assert_non_null(h);
	assert_string_equal(zone_handle_id(h), "zone-7");
	rcu_read_lock();
	assert_null(zone_handle_contents(h));
	rcu_read_unlock();

	const char *v1[] = { STD_SOA("example.com."), NULL };
	zone_handle_publish(h, build("example.com.", v1));
	rcu_read_lock();
	assert_int_equal(zone_contents_serial(zone_handle_contents(h)),
			 2026120401);
	rcu_read_unlock();

	const char *v2[] = {
		"example.com. 3600 IN SOA ns1.example.com. h.example.com. 2026120402 3600 600 604800 300",
		NULL };
	zone_handle_publish(h, build("example.com.", v2));
	rcu_read_lock();
	assert_int_equal(zone_contents_serial(zone_handle_contents(h)),
			 2026120402);
	rcu_read_unlock();

	zone_handle_ref(h);
	zone_handle_unref(h);
	zone_handle_unref(h);
	zone_handle_unref(NULL);
	rcu_unregister_thread();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bc03_missing_name_is_nxdomain),
		cmocka_unit_test(test_bc10_chain_followed_in_order),
		cmocka_unit_test(test_bc10_dangling_chain_is_nxdomain),
		cmocka_unit_test(test_bc10_loop_stops_at_repeated_name),
		cmocka_unit_test(test_cname_out_of_zone_returns_next_name),
		cmocka_unit_test(test_cname_limit_stops_the_chain),
		cmocka_unit_test(test_bc16_large_rrsets_and_counts),
		cmocka_unit_test(test_bc21_wildcard_synthesis_owner_is_qname),
		cmocka_unit_test(test_bc21_existing_names_block_wildcard),
		cmocka_unit_test(test_bc22_empty_non_terminals_are_nodata),
		cmocka_unit_test(test_bc22_ents_derived_from_transferred_rrsets),
		cmocka_unit_test(test_bc23_missing_type_is_nodata),
		cmocka_unit_test(test_bc24_negative_ttl_is_min_of_ttl_and_minimum),
		cmocka_unit_test(test_bc26_builtin_zones_answer_nxdomain),
		cmocka_unit_test(test_builtin_list_is_complete),
		cmocka_unit_test(test_localhost_answers_loopback),
		cmocka_unit_test(test_delegation_gives_referral_with_glue),
		cmocka_unit_test(test_lookup_is_case_insensitive),
		cmocka_unit_test(test_unknown_type_rfc3597),
		cmocka_unit_test(test_rrset_ttl_last_wins_and_duplicates_once),
		cmocka_unit_test(test_any_returns_every_rrset),
		cmocka_unit_test(test_builder_refuses_bad_input),
		cmocka_unit_test(test_walk_in_canonical_order),
		cmocka_unit_test(test_handle_publishes_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
