/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the API's input validation: names, CIDRs and their overlap,
 * forwarding targets, record values and the CNAME rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>

#include "validate/validate.h"
#include "common/error.h"

static char msg[512];

static void assert_domain(const char *in, const char *expected)
{
	char out[VALIDATE_NAME_LEN];
	assert_int_equal(validate_domain(in, true, out, sizeof(out), msg,
					     sizeof(msg)), 0);
	assert_string_equal(out, expected);
}

static void assert_bad_domain(const char *in)
{
	char out[VALIDATE_NAME_LEN];
	assert_int_equal(validate_domain(in, false, out, sizeof(out), msg,
					     sizeof(msg)), ZG_EINVAL);
}

static void test_zone_names_become_absolute_and_lower_case(void **state)
{
	assert_domain("Corp.Example", "corp.example.");
	assert_domain("corp.example.", "corp.example.");
	assert_domain("alidns-example.com", "alidns-example.com.");
	assert_domain("_msdcs.corp.example", "_msdcs.corp.example.");
	assert_domain("10.in-addr.arpa", "10.in-addr.arpa.");
	assert_domain(".", ".");
}

static void test_bad_names_are_refused(void **state)
{
	assert_bad_domain("");
	assert_bad_domain(".");			/* root not allowed here */
	assert_bad_domain("a..b");
	assert_bad_domain(".a");
	assert_bad_domain("exa mple.com");
	assert_bad_domain("*.example.com");
	assert_bad_domain("-a.example.com");
	assert_bad_domain("a-.example.com");
	char label64[80];
	memset(label64, 'a', 64);
	label64[64] = '\0';
	assert_bad_domain(label64);
	/* 127 labels of two characters: 254 characters without the dot. */
	char longname[300] = "";
	for (int i = 0; i < 85; i++) {
		strcat(longname, "ab.");
	}
	assert_bad_domain(longname);
	assert_non_null(strstr(msg, "253"));
}

/* RFC 1035 section 3.1: at most 255 octets on the wire, i.e. 254
 * presentation characters with the final dot when nothing is escaped;
 * an escaped dot is one octet. */
static void test_name_fits_wire_at_255_octets(void **state)
{
	char name[300];
	/* 63+63+63+61 characters and four dots: 254, 255 octets. */
	snprintf(name, sizeof(name), "%0*d.%0*d.%0*d.%0*d.", 63, 0, 63, 0, 63,
		 0, 61, 0);
	assert_int_equal(strlen(name), 254);
	assert_true(validate_name_fits_wire(name));
	snprintf(name, sizeof(name), "%0*d.%0*d.%0*d.%0*d.", 63, 0, 63, 0, 63,
		 0, 62, 0);
	assert_false(validate_name_fits_wire(name));
	/* "a\.b" is one label of three octets. */
	snprintf(name, sizeof(name), "a\\.b.%0*d.%0*d.%0*d.%0*d.", 63, 0, 63,
		 0, 63, 0, 57, 0);
	assert_int_equal(strlen(name), 255);
	assert_true(validate_name_fits_wire(name));
	assert_true(validate_name_fits_wire("hostmaster.corp.example."));
	assert_true(validate_name_fits_wire("."));
}

static void assert_owner(const char *zone, const char *in, const char *rel,
			 const char *fqdn)
{
	char r[VALIDATE_NAME_LEN], f[VALIDATE_NAME_LEN];
	assert_int_equal(validate_owner(zone, in, r, sizeof(r), f,
					    sizeof(f), msg, sizeof(msg)), 0);
	assert_string_equal(r, rel);
	assert_string_equal(f, fqdn);
}

static void test_record_owners_are_relative_to_the_zone(void **state)
{
	assert_owner("corp.example.", "@", "@", "corp.example.");
	assert_owner("corp.example.", "WWW", "www", "www.corp.example.");
	assert_owner("corp.example.", "www.Corp.Example.", "www",
		     "www.corp.example.");
	assert_owner("corp.example.", "corp.example.", "@", "corp.example.");
	assert_owner("corp.example.", "*.app", "*.app",
		     "*.app.corp.example.");
	assert_owner("corp.example.", "_sip._tcp", "_sip._tcp",
		     "_sip._tcp.corp.example.");
	assert_owner(".", "www", "www", "www.");

	char r[VALIDATE_NAME_LEN], f[VALIDATE_NAME_LEN];
	/* Whole labels: notcorp.example. is not inside corp.example. */
	assert_int_equal(validate_owner("corp.example.", "notcorp.example.",
					    r, sizeof(r), f, sizeof(f), msg,
					    sizeof(msg)), ZG_EINVAL);
	assert_non_null(strstr(msg, "not inside the zone corp.example."));
	assert_int_equal(validate_owner("corp.example.", "a.*", r,
					    sizeof(r), f, sizeof(f), msg,
					    sizeof(msg)), ZG_EINVAL);
}

static void assert_grant(const char *zone, const char *in,
			 const char *fqdn)
{
	char f[VALIDATE_NAME_LEN];
	assert_int_equal(validate_grant_name(zone, in, f, sizeof(f), msg,
						 sizeof(msg)), 0);
	assert_string_equal(f, fqdn);
}

/* BIND's update-policy names are absolute: the final dot is optional,
 * and the zone's name is never appended. */
static void test_grant_names_are_fully_qualified(void **state)
{
	assert_grant("corp.example.", "_acme-challenge.corp.example",
		     "_acme-challenge.corp.example.");
	assert_grant("corp.example.", "_Acme-Challenge.WWW.corp.example.",
		     "_acme-challenge.www.corp.example.");
	assert_grant("corp.example.", "corp.example", "corp.example.");
	assert_grant("corp.example.", "@", "corp.example.");
	assert_grant("corp.example.", "*.dyn.corp.example",
		     "*.dyn.corp.example.");
	assert_grant(".", "www", "www.");

	char f[VALIDATE_NAME_LEN];
	assert_int_equal(validate_grant_name("corp.example.",
						 "_acme-challenge.www", f,
						 sizeof(f), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_string_equal(msg, "_acme-challenge.www. is not inside the zone corp.example.; names in an update policy are fully qualified, as in BIND's update-policy (for this name in the zone write _acme-challenge.www.corp.example.)");
	assert_int_equal(validate_grant_name("corp.example.",
						 "www.other.example.", f,
						 sizeof(f), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_string_equal(msg,
			    "www.other.example. is not inside the zone corp.example.");
	assert_int_equal(validate_grant_name("corp.example.", "a b", f,
						 sizeof(f), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_string_equal(msg,
			    "the name holds ' '; use letters, digits, '-' and '_'");
	assert_int_equal(validate_grant_name("corp.example.", "", f,
						 sizeof(f), msg, sizeof(msg)),
			 ZG_EINVAL);
}

/* "www.corp.example" in zone corp.example. is relative (RFC 1035
 * section 5.1) and names www.corp.example.corp.example. */
static void test_relative_owner_repeating_the_zone_is_noticed(void **state)
{
	assert_true(validate_owner_repeats_zone("corp.example.",
					   "www.corp.example"));
	assert_true(validate_owner_repeats_zone("corp.example.",
					   "WWW.Corp.Example"));
	assert_true(validate_owner_repeats_zone("corp.example.", "corp.example"));
	assert_false(validate_owner_repeats_zone("corp.example.",
					    "www.corp.example."));
	assert_false(validate_owner_repeats_zone("corp.example.",
					    "www.notcorp.example"));
	assert_false(validate_owner_repeats_zone("corp.example.", "www"));
	assert_false(validate_owner_repeats_zone("corp.example.", "example"));
	assert_false(validate_owner_repeats_zone("corp.example.", "@"));
	assert_false(validate_owner_repeats_zone(".", "www"));
}

static void test_resource_names_cannot_look_like_ids(void **state)
{
	assert_int_equal(validate_resource_name("prod", "vpc", msg,
						    sizeof(msg)), 0);
	assert_int_equal(validate_resource_name("vpc-prod", "vpc", msg,
						    sizeof(msg)), 0);
	assert_int_equal(validate_resource_name("vpc-12", "vpc", msg,
						    sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_resource_name("", "vpc", msg,
						    sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_resource_name("a b", "vpc", msg,
						    sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_resource_name("-x", "vpc", msg,
						    sizeof(msg)), ZG_EINVAL);
	/* Path steps and control characters are no names. */
	assert_int_equal(validate_resource_name(".", "vpc", msg,
						    sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_resource_name("..", "vpc", msg,
						    sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_resource_name("...", "ep", msg,
						    sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_resource_name("a\tb", "vpc", msg,
						    sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_resource_name("a\x7f", "vpc", msg,
						    sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_resource_name("a\nb", "rule", msg,
						    sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_resource_name("a.b", "vpc", msg,
						    sizeof(msg)), 0);
	assert_int_equal(validate_resource_name(".a", "vpc", msg,
						    sizeof(msg)), 0);
}

/* A zone's first label may not look like an id of any kind: the CLI
 * would take "zone-1" (or "vpc-1") for an id. */
static void test_zone_names_cannot_start_like_ids(void **state)
{
	const char *kind = NULL;
	const char *const bad[] = {
		"zone-1.", "zone-1.example.", "vpc-12.corp.", "rec-3.",
		"ep-4.", "rule-5.x.", "in-6.", "vgw-7.", "cgw-8.", "vco-9.",
		"vrt-10.",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (!validate_zone_name_looks_like_id(bad[i], &kind)) {
			fail_msg("%s was not taken for an id", bad[i]);
		}
	}
	assert_true(validate_zone_name_looks_like_id("zone-1.example.", &kind));
	assert_string_equal(kind, "zone");

	const char *const good[] = {
		"zone.example.", "zone-a.", "zone-.x.", "example.zone-1.",
		"zone1.", "vpcs-1.", "in.", "zone-1a.", ".",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		if (validate_zone_name_looks_like_id(good[i], &kind)) {
			fail_msg("%s was taken for an id", good[i]);
		}
	}
}

static void test_cidr_with_host_bits_is_refused_with_the_network(void **state)
{
	struct zg_prefix p;
	char canon[64];
	assert_int_equal(validate_cidr("172.17.0.0/16", &p, canon,
					   sizeof(canon), msg, sizeof(msg)), 0);
	assert_string_equal(canon, "172.17.0.0/16");
	assert_int_equal(validate_cidr("fd00:17::/48", &p, canon,
					   sizeof(canon), msg, sizeof(msg)), 0);
	assert_string_equal(canon, "fd00:17::/48");

	assert_int_equal(validate_cidr("10.0.0.1/8", &p, canon,
					   sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_string_equal(msg,
			    "10.0.0.1/8 has host bits set; the network is 10.0.0.0/8");
	assert_int_equal(validate_cidr("fd00:17::1/48", &p, canon,
					   sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_non_null(strstr(msg, "fd00:17::/48"));
	assert_int_equal(validate_cidr("10.0.0.0/33", &p, canon,
					   sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_int_equal(validate_cidr("prod", &p, canon, sizeof(canon),
					   msg, sizeof(msg)), ZG_EINVAL);
}

static struct zg_prefix prefix(const char *text)
{
	struct zg_prefix p;
	assert_int_equal(prefix_parse(text, &p), 0);
	return p;
}

static void test_overlapping_cidrs_need_listeners_on_both(void **state)
{
	struct zg_prefix a[] = { prefix("10.1.0.0/16"), prefix("10.9.0.0/16") };
	struct zg_prefix b[] = { prefix("10.0.0.0/8") };
	struct zg_prefix c[] = { prefix("192.168.0.0/16") };
	struct validate_vpc_cidrs others[] = {
		{ .vpc_id = "vpc-2", .cidrs = c, .n_cidrs = 1 },
		{ .vpc_id = "vpc-3", .cidrs = b, .n_cidrs = 1 },
	};
	struct validate_vpc_cidrs vpc = { .vpc_id = "vpc-1", .cidrs = a,
				     .n_cidrs = 2 };
	struct validate_overlap where = { 0 };

	assert_true(validate_find_cidr_conflict(&vpc, others, 2, &where));
	assert_int_equal(where.cidr, 0);
	assert_int_equal(where.other, 1);
	assert_int_equal(where.other_cidr, 0);

	/* One side with listeners is not enough. */
	vpc.has_listeners = true;
	assert_true(validate_find_cidr_conflict(&vpc, others, 2, &where));
	others[1].has_listeners = true;
	assert_false(validate_find_cidr_conflict(&vpc, others, 2, &where));

	/* A VPC never conflicts with itself (an update). */
	vpc.has_listeners = false;
	others[1].vpc_id = "vpc-1";
	assert_false(validate_find_cidr_conflict(&vpc, others, 2, &where));

	/* IPv4 and IPv6 never overlap. */
	struct zg_prefix v6[] = { prefix("::/0") };
	struct validate_vpc_cidrs six = { .vpc_id = "vpc-9", .cidrs = v6,
				     .n_cidrs = 1 };
	assert_false(validate_find_cidr_conflict(&six, others, 1, &where));
}

static struct zg_addr addr(const char *text)
{
	struct zg_addr a;
	assert_int_equal(addr_parse(text, 53, &a), 0);
	return a;
}

static int target(const char *in, const struct zg_addr *own, size_t n_own)
{
	struct zg_addr out;
	char canon[ZG_ADDR_STRLEN];
	return validate_target(in, own, n_own, &out, canon, sizeof(canon),
				   msg, sizeof(msg));
}

static void test_targets_that_loop_or_cannot_answer_are_refused(void **state)
{
	struct zg_addr own[] = { addr("127.0.0.53:53"), addr("[::1]:5353") };

	assert_int_equal(target("127.0.0.53", own, 2), ZG_EINVAL);
	assert_string_equal(msg,
			    "target 127.0.0.53:53 is one of zonegate's own listener addresses; zonegate would forward to itself");
	assert_int_equal(target("[::1]:5353", own, 2), ZG_EINVAL);
	/* Same address, another port: a different server. */
	assert_int_equal(target("127.0.0.53:5300", own, 2), 0);

	assert_int_equal(target("0.0.0.0", own, 2), ZG_EINVAL);
	assert_non_null(strstr(msg, "unspecified"));
	assert_int_equal(target("::", own, 2), ZG_EINVAL);
	assert_int_equal(target("224.0.0.251", own, 2), ZG_EINVAL);
	assert_non_null(strstr(msg, "multicast or broadcast"));
	assert_int_equal(target("255.255.255.255", own, 2), ZG_EINVAL);
	assert_int_equal(target("[ff02::fb]:53", own, 2), ZG_EINVAL);
	assert_int_equal(target("10.0.0.1:0", own, 2), ZG_EINVAL);
	assert_int_equal(target("example.com", own, 2), ZG_EINVAL);

	/* Loopback and shared address space are fine. */
	assert_int_equal(target("127.0.0.70:53", own, 2), 0);
	assert_int_equal(target("100.64.0.1", own, 2), 0);
}

static void test_wildcard_listener_owns_loopback_on_its_port(void **state)
{
	struct zg_addr own[] = { addr("0.0.0.0:53") };
	assert_int_equal(target("127.0.0.70:53", own, 1), ZG_EINVAL);
	assert_int_equal(target("127.0.0.70:5353", own, 1), 0);
	assert_int_equal(target("[::1]:53", own, 1), 0);
}

static void test_egress_rules_match_protocol_port_and_prefix(void **state)
{
	struct validate_egress rules[] = {
		{ .protocol = IPPROTO_UDP, .port = 53,
		  .prefix = prefix("10.0.0.0/8") },
		{ .protocol = 0, .port = 0, .prefix = prefix("192.0.2.0/24") },
	};
	struct zg_addr t = addr("10.1.2.3:53");
	assert_true(validate_egress_allows(rules, 2, IPPROTO_UDP, &t));
	assert_false(validate_egress_allows(rules, 2, IPPROTO_TCP, &t));
	t = addr("10.1.2.3:5353");
	assert_false(validate_egress_allows(rules, 2, IPPROTO_UDP, &t));
	t = addr("192.0.2.9:5353");
	assert_true(validate_egress_allows(rules, 2, IPPROTO_TCP, &t));
	t = addr("[2001:db8::1]:53");
	assert_false(validate_egress_allows(rules, 2, IPPROTO_UDP, &t));
	assert_false(validate_egress_allows(NULL, 0, IPPROTO_UDP, &t));
}

static void test_record_types_outside_the_list_are_refused(void **state)
{
	char out[16];
	uint16_t code = 0;
	assert_int_equal(validate_rtype("aaaa", out, sizeof(out), &code,
					    msg, sizeof(msg)), 0);
	assert_string_equal(out, "AAAA");
	assert_int_equal(code, 28);
	assert_int_equal(validate_rtype("caa", out, sizeof(out), &code,
					    msg, sizeof(msg)), 0);
	assert_int_equal(code, 257);
	assert_int_equal(validate_rtype("SOA", out, sizeof(out), &code,
					    msg, sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_rtype("DNAME", out, sizeof(out), &code,
					    msg, sizeof(msg)), ZG_EINVAL);
}

static int rdata(uint16_t type, const char *value, char **canon)
{
	return validate_rdata("corp.example.", "www.corp.example.", type,
				  value, canon, msg, sizeof(msg));
}

static void assert_canon(uint16_t type, const char *value,
			 const char *expected)
{
	char *canon = NULL;
	assert_int_equal(rdata(type, value, &canon), 0);
	assert_string_equal(canon, expected);
	free(canon);
}

static void test_record_values_parse_for_their_type(void **state)
{
	assert_canon(KNOT_RRTYPE_A, "10.1.2.3", "10.1.2.3");
	assert_canon(KNOT_RRTYPE_AAAA, "2001:DB8::0:1", "2001:db8::1");
	/* Relative names in values are relative to the zone. */
	assert_canon(KNOT_RRTYPE_MX, "10 mail", "10 mail.corp.example.");
	assert_canon(KNOT_RRTYPE_MX, "10 mail.example.com.",
		     "10 mail.example.com.");
	assert_canon(KNOT_RRTYPE_CNAME, "web.example.net.", "web.example.net.");
	assert_canon(KNOT_RRTYPE_TXT, "\"hello world\"", "\"hello world\"");
	assert_canon(KNOT_RRTYPE_SRV, "0 5 5060 sip.example.com.",
		     "0 5 5060 sip.example.com.");
	assert_canon(KNOT_RRTYPE_CAA, "0 issue \"ca.example.net\"",
		     "0 issue \"ca.example.net\"");

	char *canon = NULL;
	assert_int_equal(rdata(KNOT_RRTYPE_A, "10.1.2", &canon), ZG_EINVAL);
	assert_null(canon);
	assert_non_null(strstr(msg, "not valid A data"));
	assert_int_equal(rdata(KNOT_RRTYPE_A, "2001:db8::1", &canon),
			 ZG_EINVAL);
	assert_int_equal(rdata(KNOT_RRTYPE_AAAA, "10.1.2.3", &canon),
			 ZG_EINVAL);
	assert_int_equal(rdata(KNOT_RRTYPE_MX, "mail.example.com.", &canon),
			 ZG_EINVAL);
	assert_int_equal(rdata(KNOT_RRTYPE_A, "", &canon), ZG_EINVAL);
	/* A second line would smuggle in another record. */
	assert_int_equal(rdata(KNOT_RRTYPE_A, "10.1.2.3\nevil 0 IN A 1.2.3.4",
			       &canon), ZG_EINVAL);
	assert_non_null(strstr(msg, "control character"));
	assert_int_equal(rdata(KNOT_RRTYPE_A, "10.1.2.3 10.1.2.4", &canon),
			 ZG_EINVAL);
}

static void assert_type(const char *in, const char *name, uint16_t number)
{
	char out[16];
	uint16_t code = 0;
	assert_int_equal(validate_rtype(in, out, sizeof(out), &code, msg,
					    sizeof(msg)), 0);
	assert_string_equal(out, name);
	assert_int_equal(code, number);
}

/* Beyond the nine of the first API: every type with data of its own,
 * by mnemonic or by number (RFC 3597 section 5). */
static void test_types_of_real_zone_files_are_accepted(void **state)
{
	assert_type("tlsa", "TLSA", 52);
	assert_type("SSHFP", "SSHFP", 44);
	assert_type("naptr", "NAPTR", 35);
	assert_type("HINFO", "HINFO", 13);
	assert_type("svcb", "SVCB", 64);
	assert_type("https", "HTTPS", 65);
	assert_type("LOC", "LOC", 29);
	assert_type("uri", "URI", 256);
	assert_type("DS", "DS", 43);
	assert_type("SPF", "SPF", 99);
	assert_type("type1", "A", 1);
	assert_type("TYPE65400", "TYPE65400", 65400);
	assert_type("type65280", "TYPE65280", 65280);
	assert_type("TYPE11", "TYPE11", 11);
}

static void assert_type_refused(const char *in, const char *why)
{
	char out[16];
	uint16_t code = 0;
	assert_int_equal(validate_rtype(in, out, sizeof(out), &code, msg,
					    sizeof(msg)), ZG_EINVAL);
	if (strstr(msg, why) == NULL) {
		fail_msg("%s: '%s' lacks '%s'", in, msg, why);
	}
}

static void test_meta_obsolete_dnssec_and_dname_types_are_refused(void **state)
{
	const char *const dnssec[] = { "RRSIG", "NSEC", "DNSKEY", "NSEC3",
				       "NSEC3PARAM", "CDS", "CDNSKEY",
				       "ZONEMD", "KEY", "SIG", "TYPE32768",
				       "TYPE32769" };
	for (size_t i = 0; i < sizeof(dnssec) / sizeof(*dnssec); i++) {
		assert_type_refused(dnssec[i], "does not sign zones");
	}
	const char *const meta[] = { "OPT", "TSIG", "TKEY", "ANY", "AXFR",
				     "IXFR", "TYPE128", "TYPE200",
				     "TYPE254" };
	for (size_t i = 0; i < sizeof(meta) / sizeof(*meta); i++) {
		assert_type_refused(meta[i], "meta or query type");
	}
	const char *const old[] = { "TYPE3", "TYPE4", "NULL", "TYPE30",
				    "TYPE38" };
	for (size_t i = 0; i < sizeof(old) / sizeof(*old); i++) {
		assert_type_refused(old[i], "obsolete");
	}
	assert_type_refused("TYPE0", "reserved");
	assert_type_refused("TYPE65535", "reserved");
	assert_type_refused("dname", "DNAME");
	assert_type_refused("DNAME", "use a CNAME");
	assert_type_refused("SOA", "soa field");
	assert_type_refused("FOO", "not a record type");
	assert_type_refused("TYPE65536", "not a record type");
	assert_type_refused("", "not a record type");
}

/* Canonical forms as RFC 6698, 4255, 3403, 1035, 9460, 1876, 7553 and
 * 4034 write them, names made absolute. */
static void test_values_of_other_types_become_canonical(void **state)
{
	assert_canon(KNOT_RRTYPE_TLSA, "3 1 1 0123456789abcdef0123456789abcdef"
		     "0123456789abcdef0123456789abcdef",
		     "3 1 1 0123456789ABCDEF0123456789ABCDEF"
		     "0123456789ABCDEF0123456789ABCDEF");
	assert_canon(KNOT_RRTYPE_SSHFP,
		     "4 2 0123456789abcdef0123456789abcdef"
		     "0123456789abcdef0123456789abcdef",
		     "4 2 0123456789ABCDEF0123456789ABCDEF"
		     "0123456789ABCDEF0123456789ABCDEF");
	assert_canon(KNOT_RRTYPE_NAPTR, "100 10 S SIP+D2U \"\" _sip._udp",
		     "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.corp.example.");
	assert_canon(KNOT_RRTYPE_HINFO, "PC Linux", "\"PC\" \"Linux\"");
	assert_canon(KNOT_RRTYPE_SVCB,
		     "1 svc alpn=h2,h3 port=8443 ipv6hint=2001:db8::1",
		     "1 svc.corp.example. alpn=h2,h3 port=8443 "
		     "ipv6hint=2001:db8::1");
	assert_canon(KNOT_RRTYPE_HTTPS, "0 www.example.net.",
		     "0 www.example.net.");
	assert_canon(KNOT_RRTYPE_HTTPS, "1 . alpn=h2",
		     "1 . alpn=h2");
	assert_canon(KNOT_RRTYPE_LOC, "52 22 23.000 N 4 53 32.000 E -2.00m",
		     "52 22 23 N  4 53 32 E  -2m  1m 10000m 10m");
	assert_canon(KNOT_RRTYPE_URI, "10 1 \"https://www.example.net/\"",
		     "10 1 \"https://www.example.net/\"");
	assert_canon(KNOT_RRTYPE_DS, "12345 13 2 0123456789abcdef0123456789"
		     "abcdef0123456789abcdef0123456789abcdef",
		     "12345 13 2 0123456789ABCDEF0123456789ABCDEF"
		     "0123456789ABCDEF0123456789ABCDEF");

	char *canon = NULL;
	assert_int_equal(rdata(KNOT_RRTYPE_TLSA, "3 1 1 012", &canon),
			 ZG_EINVAL);
	assert_non_null(strstr(msg, "not valid TLSA data"));
	assert_int_equal(rdata(KNOT_RRTYPE_SVCB, "1 . mandatory=alpn",
			       &canon), ZG_EINVAL);
	assert_int_equal(rdata(KNOT_RRTYPE_NAPTR, "100 10 S", &canon),
			 ZG_EINVAL);
	assert_int_equal(rdata(KNOT_RRTYPE_LOC, "91 0 0 N 0 0 0 E 0m",
			       &canon), ZG_EINVAL);
	assert_null(canon);
}

/* One parser serves values of any zone, also after a value it refused
 * (which can leave a scanner inside a record). */
static void test_parser_serves_many_zones_and_recovers(void **state)
{
	struct validate_rdata_parser *p = validate_rdata_parser_new();
	assert_non_null(p);
	char *canon = NULL;
	assert_int_equal(validate_rdata_parse(p, "a.example.", "x.a.example.",
					 KNOT_RRTYPE_MX, "10 mail", &canon,
					 msg, sizeof(msg)), 0);
	assert_string_equal(canon, "10 mail.a.example.");
	free(canon);
	assert_int_equal(validate_rdata_parse(p, "a.example.", "x.a.example.",
					 KNOT_RRTYPE_TXT, "\"open ( x", &canon,
					 msg, sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_rdata_parse(p, "a.example.", "x.a.example.",
					 KNOT_RRTYPE_MX, "10 (", &canon,
					 msg, sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_rdata_parse(p, "b.example.", "x.b.example.",
					 KNOT_RRTYPE_MX, "10 mail", &canon,
					 msg, sizeof(msg)), 0);
	assert_string_equal(canon, "10 mail.b.example.");
	free(canon);
	const uint8_t wire[] = { 0x00, 0x0a, 0x04, 'm', 'a', 'i', 'l', 0x00 };
	assert_int_equal(validate_rdata_parse_wire(p, "b.example.", "x.b.example.",
					      KNOT_RRTYPE_MX, wire,
					      sizeof(wire), &canon, msg,
					      sizeof(msg)), 0);
	assert_string_equal(canon, "10 mail.");
	free(canon);
	validate_rdata_parser_free(p);
}

/* RFC 3597: "\# LEN HEX" for any type; a known type comes back in its
 * own form, and its octets must make a record of it. */
static void test_generic_form_round_trips(void **state)
{
	assert_canon(65400, "\\# 4 0a000001", "\\# 4 0A000001");
	assert_canon(65400, "\\# 0", "\\# 0");
	assert_canon(KNOT_RRTYPE_A, "\\# 4 0a000001", "10.0.0.1");
	assert_canon(KNOT_RRTYPE_MX, "\\# 3 000a 00", "10 .");

	char *canon = NULL;
	assert_int_equal(rdata(65400, "\\# 3 0a000001", &canon), ZG_EINVAL);
	assert_int_equal(rdata(65400, "10.0.0.1", &canon), ZG_EINVAL);
	/* Three octets are no IPv4 address, and 01 00 is no name. */
	assert_int_equal(rdata(KNOT_RRTYPE_A, "\\# 3 0a0000", &canon),
			 ZG_EINVAL);
	assert_non_null(strstr(msg, "RFC 3597"));
	assert_int_equal(rdata(KNOT_RRTYPE_MX, "\\# 4 000a0100", &canon),
			 ZG_EINVAL);
	assert_int_equal(rdata(KNOT_RRTYPE_CNAME, "\\# 3 01410a", &canon),
			 ZG_EINVAL);
	assert_null(canon);
}

static void test_cname_cannot_share_its_name(void **state)
{
	struct validate_rr a[] = { { "A", "10.1.2.3" } };
	struct validate_rr cname[] = { { "CNAME", "web.example.net." } };
	const char *www = "www.corp.example.";

	assert_int_equal(validate_rrset(www, false, "CNAME", "x.example.",
					 a, 1, msg, sizeof(msg)),
			 VALIDATE_RRSET_CNAME_CONFLICT);
	assert_non_null(strstr(msg, "www.corp.example. already has A data"));
	assert_int_equal(validate_rrset(www, false, "A", "10.1.2.4", cname,
					 1, msg, sizeof(msg)),
			 VALIDATE_RRSET_CNAME_CONFLICT);
	assert_non_null(strstr(msg, "already has CNAME data"));
	assert_int_equal(validate_rrset(www, false, "CNAME", "other.example.",
					 cname, 1, msg, sizeof(msg)),
			 VALIDATE_RRSET_CNAME_CONFLICT);
	assert_non_null(strstr(msg, "at most one CNAME"));
	assert_int_equal(validate_rrset("corp.example.", true, "CNAME",
					 "x.example.", NULL, 0, msg,
					 sizeof(msg)),
			 VALIDATE_RRSET_CNAME_CONFLICT);

	assert_int_equal(validate_rrset(www, false, "CNAME",
					 "WEB.example.net.", cname, 1, msg,
					 sizeof(msg)), VALIDATE_RRSET_DUPLICATE);
	assert_int_equal(validate_rrset(www, false, "A", "10.1.2.3", a, 1,
					 msg, sizeof(msg)), VALIDATE_RRSET_DUPLICATE);
	assert_int_equal(validate_rrset(www, false, "A", "10.1.2.4", a, 1,
					 msg, sizeof(msg)), VALIDATE_RRSET_OK);
	assert_int_equal(validate_rrset(www, false, "CNAME", "x.example.",
					 NULL, 0, msg, sizeof(msg)),
			 VALIDATE_RRSET_OK);
}

/* ::ffff:a.b.c.d never matches what IPv4 clients and servers use: the
 * IPv4 form is asked for, for every kind of address and for CIDRs of
 * the mapped block (RFC 4291 section 2.5.5.2). */
static void test_ipv4_mapped_addresses_are_refused(void **state)
{
	struct zg_addr a;
	struct zg_prefix p;
	char canon[ZG_ADDR_STRLEN + 8];
	assert_int_equal(validate_listener("[::ffff:10.0.0.9]:53", &a,
					       canon, sizeof(canon), msg,
					       sizeof(msg)), ZG_EINVAL);
	assert_non_null(strstr(msg, "IPv4 form 10.0.0.9"));
	assert_int_equal(validate_source("::ffff:10.0.255.12", &a, canon,
					     sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_non_null(strstr(msg, "IPv4 form 10.0.255.12"));
	assert_int_equal(validate_target("[::FFFF:192.0.2.53]:53", NULL, 0,
					     &a, canon, sizeof(canon), msg,
					     sizeof(msg)), ZG_EINVAL);
	assert_non_null(strstr(msg, "IPv4 form 192.0.2.53"));
	assert_int_equal(validate_cidr("::ffff:10.6.0.0/112", &p, canon,
					   sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_non_null(strstr(msg, "IPv4 form 10.6.0.0/16"));
	assert_int_equal(validate_cidr("::ffff:0:0/96", &p, canon,
					   sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
	/* Wider prefixes merely contain the block; ::ffff:0:0:0/96 (SIIT)
	 * and ordinary addresses are not mapped. */
	assert_int_equal(validate_cidr("::/64", &p, canon, sizeof(canon),
					   msg, sizeof(msg)), 0);
	assert_int_equal(validate_cidr("::ffff:0:0:0/96", &p, canon,
					   sizeof(canon), msg, sizeof(msg)), 0);
	assert_int_equal(validate_source("fd00::ffff:a00:9", &a, canon,
					     sizeof(canon), msg, sizeof(msg)),
			 0);
}

/* An RRset must fit a DNS message (65535 octets, RFC 1035 4.2.2): the
 * sum of its records on the wire, and an answer holding it. */
static void test_rrset_must_fit_a_dns_message(void **state)
{
	/* 200 strings of 255 octets: 51200 octets of rdata per value. */
	size_t len = 200 * 258;
	char *big = malloc(len + 1);
	assert_non_null(big);
	for (size_t i = 0; i < 200; i++) {
		char *s = big + i * 258;
		s[0] = '"';
		memset(s + 1, 'y', 255);
		s[256] = '"';
		s[257] = ' ';
	}
	big[len - 1] = '\0';
	const char *one[] = { big };
	const char *two[] = { big, big };
	assert_int_equal(validate_rrset_size(".", "www.corp.example.",
					      KNOT_RRTYPE_TXT, one, 1, msg,
					      sizeof(msg)), 0);
	assert_int_equal(validate_rrset_size(".", "www.corp.example.",
					      KNOT_RRTYPE_TXT, two, 2, msg,
					      sizeof(msg)), ZG_ELIMIT);
	assert_non_null(strstr(msg, "65535"));
	free(big);

	/* "\"a\"" is 2 octets of rdata; owner www.corp.example. is 18:
	 * 30 octets a record. 2184 records: 65520, and the answer (45 +
	 * 14 a record) fits too; 2185: 65550, too many. */
	enum { N = 2185 };
	const char **small = calloc(N, sizeof(*small));
	assert_non_null(small);
	for (size_t i = 0; i < N; i++) {
		small[i] = "\"a\"";
	}
	assert_int_equal(validate_rrset_size(".", "www.corp.example.",
					      KNOT_RRTYPE_TXT, small, N - 1,
					      msg, sizeof(msg)), 0);
	assert_int_equal(validate_rrset_size(".", "www.corp.example.",
					      KNOT_RRTYPE_TXT, small, N, msg,
					      sizeof(msg)), ZG_ELIMIT);
	assert_non_null(strstr(msg, "65550"));
	free(small);

	/* Text can be far shorter than the wire: each "::" of an SVCB
	 * ipv6hint is 16 octets. 100 of them: rdata 2 + 1 + 4 + 1600 =
	 * 1607 octets, 1635 a record; 40 records take 65400, 41 take
	 * 67035. */
	char svcb[16 + 3 * 100];
	size_t at = (size_t)snprintf(svcb, sizeof(svcb), "1 . ipv6hint=");
	for (size_t i = 0; i < 100; i++) {
		at += (size_t)snprintf(svcb + at, sizeof(svcb) - at, "%s::",
				       i > 0 ? "," : "");
	}
	const char *hints[41];
	for (size_t i = 0; i < 41; i++) {
		hints[i] = svcb;
	}
	assert_int_equal(validate_rrset_size(".", "www.corp.example.",
					      KNOT_RRTYPE_SVCB, hints, 40, msg,
					      sizeof(msg)), 0);
	assert_int_equal(validate_rrset_size(".", "www.corp.example.",
					      KNOT_RRTYPE_SVCB, hints, 41, msg,
					      sizeof(msg)), ZG_ELIMIT);
	assert_non_null(strstr(msg, "67035"));
}

/* RFC 1034 section 4.2.1: below the apex a name with NS is a zone cut;
 * other data there is hidden by the delegation, except A/AAAA glue for
 * a server named like the cut. */
static void test_data_at_a_delegation_is_refused(void **state)
{
	const struct validate_rr a_www[] = { { "A", "10.1.2.3" },
					{ "TXT", "\"x\"" } };
	assert_int_equal(validate_delegation("sub.corp.example.", false, "NS",
					      "ns.other.example.", a_www, 2,
					      msg, sizeof(msg)), ZG_EINVAL);
	assert_non_null(strstr(msg, "hide"));
	const struct validate_rr ns[] = { { "NS", "ns.other.example." } };
	const char *const hidden[] = { "A", "AAAA", "MX", "TXT", "SRV",
				       "CAA", "PTR" };
	for (size_t i = 0; i < sizeof(hidden) / sizeof(*hidden); i++) {
		assert_int_equal(validate_delegation("sub.corp.example.",
						      false, hidden[i], "x",
						      ns, 1, msg, sizeof(msg)),
				 ZG_EINVAL);
		assert_non_null(strstr(msg, "hidden by the delegation"));
	}
	/* More NS at the cut, glue for a server named like the cut, any
	 * data at the apex, and names below the cut (glue) are fine. */
	assert_int_equal(validate_delegation("sub.corp.example.", false, "NS",
					      "ns2.other.example.", ns, 1, msg,
					      sizeof(msg)), 0);
	const struct validate_rr self_ns[] = { { "NS", "sub.corp.example." } };
	assert_int_equal(validate_delegation("sub.corp.example.", false, "A",
					      "10.9.9.9", self_ns, 1, msg,
					      sizeof(msg)), 0);
	const struct validate_rr glue[] = { { "AAAA", "fd00::53" } };
	assert_int_equal(validate_delegation("sub.corp.example.", false, "NS",
					      "sub.corp.example.", glue, 1,
					      msg, sizeof(msg)), 0);
	assert_int_equal(validate_delegation("sub.corp.example.", false, "MX",
					      "10 mx.", self_ns, 1, msg,
					      sizeof(msg)), ZG_EINVAL);
	assert_int_equal(validate_delegation("corp.example.", true, "MX",
					      "10 mx.", ns, 1, msg,
					      sizeof(msg)), 0);
	assert_int_equal(validate_delegation("www.corp.example.", false, "A",
					      "10.1.1.1", a_www, 2, msg,
					      sizeof(msg)), 0);
}

/* DS is the parent side of a cut (RFC 4035 section 2.4): it sits beside
 * NS, and never at the apex. */
static void test_ds_sits_at_a_delegation_not_at_the_apex(void **state)
{
	const char *ds = "12345 13 2 0123456789ABCDEF";
	const struct validate_rr ns[] = { { "NS", "ns.other.example." } };
	const struct validate_rr ds_rr[] = { { "DS", ds } };
	assert_int_equal(validate_delegation("sub.corp.example.", false, "DS",
					      ds, ns, 1, msg, sizeof(msg)), 0);
	assert_int_equal(validate_delegation("sub.corp.example.", false, "NS",
					      "ns.other.example.", ds_rr, 1,
					      msg, sizeof(msg)), 0);
	assert_int_equal(validate_rrset("sub.corp.example.", false, "DS", ds,
					 ns, 1, msg, sizeof(msg)),
			 VALIDATE_RRSET_OK);
	assert_int_equal(validate_rrset("corp.example.", true, "DS", ds,
					 NULL, 0, msg, sizeof(msg)),
			 VALIDATE_RRSET_MISPLACED);
	assert_non_null(strstr(msg, "parent zone"));
}

static size_t node_bad(const char *owner, bool apex,
		       const struct validate_rr *rrs, size_t n)
{
	size_t bad = 99;
	msg[0] = '\0';
	if (validate_node(owner, apex, rrs, n, &bad, msg, sizeof(msg)) == 0) {
		return SIZE_MAX;
	}
	return bad;
}

/* A zone file states a name whole: the order of its lines changes
 * nothing but which line is named, the first one that breaks a rule. */
static void test_whole_name_is_checked_in_any_order(void **state)
{
	const char *sub = "sub.corp.example.";
	const struct validate_rr fine[] = {
		{ "A", "10.0.0.1" }, { "NS", "sub.corp.example." },
		{ "DS", "1 13 2 AB" }, { "NS", "ns.other.example." },
		{ "AAAA", "fd00::1" },
	};
	assert_int_equal(node_bad(sub, false, fine, 5), SIZE_MAX);

	/* Glue before the NS that makes it glue is still glue, but TXT
	 * at a cut is hidden: named at the NS that comes after it. */
	const struct validate_rr hidden[] = {
		{ "TXT", "\"x\"" }, { "A", "10.0.0.1" },
		{ "NS", "ns.other.example." },
	};
	assert_int_equal(node_bad(sub, false, hidden, 3), 2);
	assert_non_null(strstr(msg, "already has TXT data"));
	const struct validate_rr hidden2[] = {
		{ "NS", "ns.other.example." }, { "A", "10.0.0.1" },
	};
	assert_int_equal(node_bad(sub, false, hidden2, 2), 1);
	assert_non_null(strstr(msg, "hidden by the delegation"));

	const struct validate_rr cnames[] = {
		{ "CNAME", "a.example." }, { "CNAME", "b.example." },
	};
	assert_int_equal(node_bad(sub, false, cnames, 2), 1);
	assert_non_null(strstr(msg, "at most one CNAME"));
	const struct validate_rr beside[] = {
		{ "MX", "10 mx.example." }, { "TXT", "\"x\"" },
		{ "CNAME", "a.example." },
	};
	assert_int_equal(node_bad(sub, false, beside, 3), 2);
	assert_non_null(strstr(msg, "already has MX data"));

	/* The earliest conflict wins: line 1 (the CNAME beside the A)
	 * comes before line 2 (the TXT at the cut). */
	const struct validate_rr two[] = {
		{ "A", "10.0.0.1" }, { "CNAME", "a.example." },
		{ "NS", "ns.example." }, { "TXT", "\"x\"" },
	};
	assert_int_equal(node_bad(sub, false, two, 4), 1);

	const struct validate_rr apex[] = {
		{ "MX", "10 mx.example." }, { "DS", "1 13 2 AB" },
	};
	assert_int_equal(node_bad("corp.example.", true, apex, 2), 1);
	assert_non_null(strstr(msg, "parent zone"));
	const struct validate_rr apex_cname[] = { { "CNAME", "a.example." } };
	assert_int_equal(node_bad("corp.example.", true, apex_cname, 1), 0);
	assert_int_equal(node_bad("corp.example.", true, fine + 4, 1),
			 SIZE_MAX);
}

/* Duplicates sort side by side: names compare without case. */
static void test_values_order_as_they_compare(void **state)
{
	assert_int_equal(validate_value_cmp("MX", "10 MX.example.",
				       "10 mx.example."), 0);
	assert_int_equal(validate_value_cmp("CNAME", "A.example.", "a.example."),
			 0);
	assert_true(validate_value_cmp("TXT", "\"A\"", "\"a\"") != 0);
	assert_true(validate_value_cmp("A", "10.0.0.1", "10.0.0.2") < 0);
}

static struct validate_set_rr set_rr(const char *rel, const char *fqdn,
			       const char *type, uint16_t code,
			       const char *value, uint32_t ttl)
{
	return (struct validate_set_rr){ .rel = rel, .fqdn = fqdn, .type = type,
				    .code = code, .value = value,
				    .ttl = ttl };
}

/* A zone file's records at once: the first of an RRset sets its TTL, a
 * record given twice counts once, names compare without case in MX. */
static void test_record_set_takes_first_ttl_and_drops_duplicates(void **state)
{
	const char *www = "www.corp.example.";
	struct validate_set_rr set[] = {
		set_rr("www", www, "A", 1, "10.0.0.1", 300),
		set_rr("@", "corp.example.", "MX", 15, "10 mx.example.", 60),
		set_rr("www", www, "A", 1, "10.0.0.2", 30),
		set_rr("@", "corp.example.", "MX", 15, "10 MX.example.", 90),
		set_rr("www", www, "A", 1, "10.0.0.1", 600),
		set_rr("www", www, "TXT", 16, "\"a\"", 5),
	};
	size_t bad = 99;

	assert_int_equal(validate_record_set(set, 6, &bad, msg, sizeof(msg)),
			 0);

	const uint32_t ttl[] = { 300, 60, 300, 60, 300, 5 };
	const bool dup[] = { false, false, false, true, true, false };
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(set[i].ttl, ttl[i]);
		assert_int_equal(set[i].duplicate, dup[i]);
	}
	assert_int_equal(bad, 99);
}

/* The first record at which the set breaks a rule is named, whatever
 * the rule: here the DS at the apex (index 2) comes before the CNAME
 * beside an A (index 3) and the data at a delegation (index 4). */
static void test_record_set_names_its_first_broken_record(void **state)
{
	const char *sub = "sub.corp.example.", *www = "www.corp.example.";
	struct validate_set_rr set[] = {
		set_rr("sub", sub, "NS", 2, "ns.example.", 300),
		set_rr("www", www, "A", 1, "10.0.0.1", 300),
		set_rr("@", "corp.example.", "DS", 43, "1 13 2 AB", 300),
		set_rr("www", www, "CNAME", 5, "x.example.", 300),
		set_rr("sub", sub, "TXT", 16, "\"hidden\"", 300),
	};
	size_t bad = 99;

	assert_int_equal(validate_record_set(set, 5, &bad, msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(msg, "parent zone"));

	assert_int_equal(validate_record_set(set + 3, 2, &bad, msg,
					      sizeof(msg)), 0);
	assert_int_equal(validate_record_set(set, 2, &bad, msg,
					      sizeof(msg)), 0);
	struct validate_set_rr two[] = { set[1], set[0], set[4], set[3] };
	assert_int_equal(validate_record_set(two, 4, &bad, msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(msg, "hidden by the delegation"));
}

/* TXT "0000" to "1985" at www.corp.example.: 5 octets of rdata, 33 a
 * record; 1985 take 65505 octets, 1986 take 65538, too many. The 1986th
 * is named, though other records come between. */
static void test_record_set_names_the_record_that_overflows(void **state)
{
	enum { N = 1986 };
	struct validate_set_rr *set = calloc(2 * N, sizeof(*set));
	assert_non_null(set);
	for (size_t i = 0; i < N; i++) {
		set[2 * i] = set_rr("www", "www.corp.example.", "TXT", 16,
				    "\"a\"", 60);
		char *v = malloc(16);
		snprintf(v, 16, "\"%04zu\"", i);
		set[2 * i].value = v;
		set[2 * i + 1] = set_rr("other", "other.corp.example.", "A",
					1, "10.0.0.1", 60);
	}
	size_t bad = 0;

	assert_int_equal(validate_record_set(set, 2 * N, &bad, msg,
					      sizeof(msg)), ZG_EINVAL);

	assert_int_equal(bad, 2 * (N - 1));
	assert_non_null(strstr(msg, "65538 octets"));
	for (size_t i = 0; i < N; i++) {
		free((char *)set[2 * i].value);
	}
	free(set);
}

/* 20,000 names of a file: checked in O(n log n); the smoke check is
 * that it ends, with every record kept and a late conflict found. */
static void test_record_set_of_many_names_is_checked_whole(void **state)
{
	enum { N = 20000 };
	struct validate_set_rr *set = calloc(N + 1, sizeof(*set));
	char (*names)[2][40] = calloc(N + 1, sizeof(*names));
	assert_non_null(set);
	assert_non_null(names);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i][0], sizeof(names[i][0]), "h%zu", i);
		snprintf(names[i][1], sizeof(names[i][1]),
			 "h%zu.corp.example.", i);
		set[i] = set_rr(names[i][0], names[i][1], "A", 1,
				"10.0.0.1", 60);
	}
	size_t bad = 0;
	assert_int_equal(validate_record_set(set, N, &bad, msg, sizeof(msg)),
			 0);
	for (size_t i = 0; i < N; i++) {
		assert_false(set[i].duplicate);
	}
	set[N] = set_rr(names[7][0], names[7][1], "CNAME", 5, "x.example.",
			60);
	assert_int_equal(validate_record_set(set, N + 1, &bad, msg,
					      sizeof(msg)), ZG_EINVAL);
	assert_int_equal(bad, N);
	free(names);
	free(set);
}

/* ';' outside quotes starts a comment in master files: such a value
 * would lose its tail, so it is refused; quoted or escaped it is data. */
static void test_unquoted_semicolon_in_a_value_is_refused(void **state)
{
	char *canon = NULL;
	const char *const bad[] = { "a ; comment", "1.2.3.4 ; x", "a;b",
				    "\"a\" ;\"b\"" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		uint16_t type = i == 1 ? KNOT_RRTYPE_A : KNOT_RRTYPE_TXT;
		assert_int_equal(validate_rdata("corp.example.",
						    "www.corp.example.", type,
						    bad[i], &canon, msg,
						    sizeof(msg)), ZG_EINVAL);
		assert_null(canon);
		assert_non_null(strstr(msg, "';'"));
	}
	assert_int_equal(validate_rdata("corp.example.",
					    "www.corp.example.",
					    KNOT_RRTYPE_TXT, "\"a;b\"", &canon,
					    msg, sizeof(msg)), 0);
	assert_string_equal(canon, "\"a;b\"");
	free(canon);
	assert_int_equal(validate_rdata("corp.example.",
					    "www.corp.example.",
					    KNOT_RRTYPE_TXT, "a\\;b", &canon,
					    msg, sizeof(msg)), 0);
	assert_string_equal(canon, "\"a;b\"");
	free(canon);
	assert_int_equal(validate_rdata("corp.example.",
					    "www.corp.example.",
					    KNOT_RRTYPE_TXT, "\"q\\\";\"", &canon,
					    msg, sizeof(msg)), 0);
	free(canon);
}

/* Ports are 1-65535 (RFC 6335 section 6): the message says so. */
static void test_port_out_of_range_is_named(void **state)
{
	struct zg_addr a;
	char canon[ZG_ADDR_STRLEN];
	assert_int_equal(target("[::1]:99999", NULL, 0), ZG_EINVAL);
	assert_string_equal(msg, "'[::1]:99999': the port must be 1-65535");
	assert_int_equal(target("192.0.2.53:0", NULL, 0), ZG_EINVAL);
	assert_string_equal(msg, "'192.0.2.53:0': the port must be 1-65535");
	assert_int_equal(target("192.0.2.53:x", NULL, 0), ZG_EINVAL);
	assert_string_equal(msg,
			    "'192.0.2.53:x' is not IP[:PORT] (IPv6 with a port as [IP]:PORT)");
	assert_int_equal(validate_listener("10.0.0.2:65536", &a, canon,
					       sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_string_equal(msg, "'10.0.0.2:65536': the port must be 1-65535");
	assert_int_equal(validate_listener("10.0.0.2:", &a, canon,
					       sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_string_equal(msg,
			    "'10.0.0.2:' is not ADDR[:PORT] (IPv6 with a port as [ADDR]:PORT)");
}

static void test_listeners_and_sources(void **state)
{
	struct zg_addr a;
	char canon[ZG_ADDR_STRLEN];
	assert_int_equal(validate_listener("127.0.0.53", &a, canon,
					       sizeof(canon), msg, sizeof(msg)),
			 0);
	assert_string_equal(canon, "127.0.0.53:53");
	assert_int_equal(validate_listener("[::1]:5353", &a, canon,
					       sizeof(canon), msg, sizeof(msg)),
			 0);
	assert_string_equal(canon, "[::1]:5353");
	assert_int_equal(validate_listener("0.0.0.0:53", &a, canon,
					       sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
	assert_int_equal(validate_source("127.0.0.60", &a, canon,
					     sizeof(canon), msg, sizeof(msg)),
			 0);
	assert_string_equal(canon, "127.0.0.60");
	assert_int_equal(validate_source("127.0.0.60:53", &a, canon,
					     sizeof(canon), msg, sizeof(msg)),
			 ZG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_names_become_absolute_and_lower_case),
		cmocka_unit_test(test_bad_names_are_refused),
		cmocka_unit_test(test_name_fits_wire_at_255_octets),
		cmocka_unit_test(test_record_owners_are_relative_to_the_zone),
		cmocka_unit_test(test_grant_names_are_fully_qualified),
		cmocka_unit_test(test_relative_owner_repeating_the_zone_is_noticed),
		cmocka_unit_test(test_resource_names_cannot_look_like_ids),
		cmocka_unit_test(test_zone_names_cannot_start_like_ids),
		cmocka_unit_test(test_cidr_with_host_bits_is_refused_with_the_network),
		cmocka_unit_test(test_overlapping_cidrs_need_listeners_on_both),
		cmocka_unit_test(test_targets_that_loop_or_cannot_answer_are_refused),
		cmocka_unit_test(test_wildcard_listener_owns_loopback_on_its_port),
		cmocka_unit_test(test_egress_rules_match_protocol_port_and_prefix),
		cmocka_unit_test(test_record_types_outside_the_list_are_refused),
		cmocka_unit_test(test_record_values_parse_for_their_type),
		cmocka_unit_test(test_types_of_real_zone_files_are_accepted),
		cmocka_unit_test(test_meta_obsolete_dnssec_and_dname_types_are_refused),
		cmocka_unit_test(test_values_of_other_types_become_canonical),
		cmocka_unit_test(test_generic_form_round_trips),
		cmocka_unit_test(test_parser_serves_many_zones_and_recovers),
		cmocka_unit_test(test_ds_sits_at_a_delegation_not_at_the_apex),
		cmocka_unit_test(test_whole_name_is_checked_in_any_order),
		cmocka_unit_test(test_values_order_as_they_compare),
		cmocka_unit_test(test_record_set_takes_first_ttl_and_drops_duplicates),
		cmocka_unit_test(test_record_set_names_its_first_broken_record),
		cmocka_unit_test(test_record_set_names_the_record_that_overflows),
		cmocka_unit_test(test_record_set_of_many_names_is_checked_whole),
		cmocka_unit_test(test_cname_cannot_share_its_name),
		cmocka_unit_test(test_port_out_of_range_is_named),
		cmocka_unit_test(test_listeners_and_sources),
		cmocka_unit_test(test_unquoted_semicolon_in_a_value_is_refused),
		cmocka_unit_test(test_data_at_a_delegation_is_refused),
		cmocka_unit_test(test_rrset_must_fit_a_dns_message),
		cmocka_unit_test(test_ipv4_mapped_addresses_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
