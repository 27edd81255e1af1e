/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RFC 2136 prerequisites (section 3.2, the table of 3.2.5) and the
 * prescan of the update section (3.4.1), against a zone given as
 * master-file lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "update/update.h"
#include "zone/zone.h"

/* The zone: c.example.com. is an empty non-terminal. */
static const char zone_text[] =
	"example.com. 3600 IN SOA ns1.example.com. h.example.com. 1 3600 600 604800 300\n"
	"example.com. 3600 IN NS ns1.example.com.\n"
	"www.example.com. 300 IN A 192.0.2.1\n"
	"www.example.com. 300 IN A 192.0.2.2\n"
	"mail.example.com. 300 IN MX 10 MX.Example.COM.\n"
	"b.c.example.com. 300 IN TXT \"x\"\n";

static knot_dname_t apex[KNOT_DNAME_MAXLEN];

static int pick(void *arg, const struct zone_file_rr *rr)
{
	struct update_node *node = arg;
	if (!knot_dname_is_case_equal(rr->owner, node->owner)) {
		return 0;
	}
	return update_node_add(node, rr->type, rr->ttl, rr->rdata,
			       rr->rdata_len);
}

static int zone_node(void *arg, struct update_node *node)
{
	uint64_t line = 0;
	return zone_file_parse(zone_text, strlen(zone_text), apex, pick, node,
			       &line, NULL, 0);
}

/* One parsed prerequisite or update RR. value NULL: empty rdata. */
struct rrs {
	knot_rrset_t rr[8];
	size_t n;
};

static int grab(void *arg, const struct zone_file_rr *rr)
{
	knot_rrset_t *out = arg;
	return knot_rrset_add_rdata(out, rr->rdata, rr->rdata_len, NULL);
}

static void add(struct rrs *s, const char *owner, uint16_t rclass,
		const char *type, uint32_t ttl, const char *value)
{
	knot_rrset_t *rr = &s->rr[s->n++];
	uint16_t code = 0;
	assert_int_equal(knot_rrtype_from_string(type, &code), 0);
	knot_rrset_init(rr, knot_dname_from_str_alloc(owner), code, rclass,
			ttl);
	if (value == NULL) {
		assert_int_equal(knot_rrset_add_rdata(rr, NULL, 0, NULL), 0);
		return;
	}
	char line[512];
	uint64_t at = 0;
	snprintf(line, sizeof(line), "%s 0 IN %s %s\n", owner, type, value);
	assert_int_equal(zone_file_parse(line, strlen(line), apex, grab, rr,
					 &at, NULL, 0), 0);
}

static void clear(struct rrs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->rr[i].owner);
		knot_rdataset_clear(&s->rr[i].rrs, NULL);
	}
	s->n = 0;
}

static uint16_t check(struct rrs *s)
{
	uint16_t rcode = update_check_prereqs(s->rr, s->n, apex, zone_node,
					      NULL);
	clear(s);
	return rcode;
}

static int setup(void **state)
{
	knot_dname_from_str(apex, "example.com.", sizeof(apex));
	return 0;
}

/* 2.4.1 / 2.4.3: RRset exists / does not exist (value independent). */
static void test_rrset_existence(void **state)
{
	struct rrs s = { 0 };
	add(&s, "www.example.com.", KNOT_CLASS_ANY, "A", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NOERROR);
	add(&s, "www.example.com.", KNOT_CLASS_ANY, "MX", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NXRRSET);
	add(&s, "www.example.com.", KNOT_CLASS_NONE, "A", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_YXRRSET);
	add(&s, "www.example.com.", KNOT_CLASS_NONE, "TXT", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NOERROR);
}

/* 2.4.4 / 2.4.5: name in use / not in use; an empty non-terminal holds
 * no RR, so it is not in use. */
static void test_name_in_use(void **state)
{
	struct rrs s = { 0 };
	add(&s, "WWW.example.com.", KNOT_CLASS_ANY, "ANY", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NOERROR);
	add(&s, "new.example.com.", KNOT_CLASS_ANY, "ANY", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NXDOMAIN);
	add(&s, "c.example.com.", KNOT_CLASS_ANY, "ANY", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NXDOMAIN);
	add(&s, "www.example.com.", KNOT_CLASS_NONE, "ANY", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_YXDOMAIN);
	add(&s, "c.example.com.", KNOT_CLASS_NONE, "ANY", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NOERROR);
	add(&s, "example.com.", KNOT_CLASS_ANY, "SOA", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NOERROR);
}

/* 2.4.2: the listed RRs must be exactly the zone's RRset (a set:
 * order, TTL and case of names do not matter). */
static void test_value_dependent_rrset_must_match_exactly(void **state)
{
	struct rrs s = { 0 };
	add(&s, "www.example.com.", KNOT_CLASS_IN, "A", 0, "192.0.2.2");
	add(&s, "www.example.com.", KNOT_CLASS_IN, "A", 0, "192.0.2.1");
	assert_int_equal(check(&s), KNOT_RCODE_NOERROR);

	add(&s, "www.example.com.", KNOT_CLASS_IN, "A", 0, "192.0.2.1");
	assert_int_equal(check(&s), KNOT_RCODE_NXRRSET);

	add(&s, "www.example.com.", KNOT_CLASS_IN, "A", 0, "192.0.2.1");
	add(&s, "www.example.com.", KNOT_CLASS_IN, "A", 0, "192.0.2.2");
	add(&s, "www.example.com.", KNOT_CLASS_IN, "A", 0, "192.0.2.3");
	assert_int_equal(check(&s), KNOT_RCODE_NXRRSET);

	add(&s, "mail.example.com.", KNOT_CLASS_IN, "MX", 0,
	    "10 mx.EXAMPLE.com.");
	assert_int_equal(check(&s), KNOT_RCODE_NOERROR);

	add(&s, "nothing.example.com.", KNOT_CLASS_IN, "A", 0, "192.0.2.1");
	assert_int_equal(check(&s), KNOT_RCODE_NXRRSET);
}

/* 3.2.1 and 3.2.2: the form is checked before anything else. */
static void test_malformed_prerequisites(void **state)
{
	struct rrs s = { 0 };
	add(&s, "www.example.com.", KNOT_CLASS_ANY, "A", 300, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_FORMERR);
	add(&s, "www.example.com.", KNOT_CLASS_ANY, "A", 0, "192.0.2.1");
	assert_int_equal(check(&s), KNOT_RCODE_FORMERR);
	add(&s, "www.example.com.", KNOT_CLASS_CH, "A", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_FORMERR);
	add(&s, "www.example.org.", KNOT_CLASS_ANY, "A", 0, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NOTZONE);
	/* In order: the first failing prerequisite decides. */
	add(&s, "new.example.com.", KNOT_CLASS_ANY, "ANY", 0, NULL);
	add(&s, "www.example.com.", KNOT_CLASS_NONE, "A", 60, NULL);
	assert_int_equal(check(&s), KNOT_RCODE_NXDOMAIN);
}

/* 3.4.1: the prescan of the update section. */
static void test_prescan_of_updates(void **state)
{
	struct rrs s = { 0 };
	add(&s, "www.example.com.", KNOT_CLASS_IN, "A", 300, "192.0.2.9");
	add(&s, "www.example.com.", KNOT_CLASS_ANY, "ANY", 0, NULL);
	add(&s, "www.example.com.", KNOT_CLASS_NONE, "A", 0, "192.0.2.1");
	assert_int_equal(update_prescan(s.rr, s.n, apex), KNOT_RCODE_NOERROR);
	clear(&s);

	add(&s, "www.example.org.", KNOT_CLASS_IN, "A", 300, "192.0.2.9");
	assert_int_equal(update_prescan(s.rr, s.n, apex), KNOT_RCODE_NOTZONE);
	clear(&s);
	add(&s, "www.example.com.", KNOT_CLASS_IN, "ANY", 300, NULL);
	assert_int_equal(update_prescan(s.rr, s.n, apex), KNOT_RCODE_FORMERR);
	clear(&s);
	add(&s, "www.example.com.", KNOT_CLASS_ANY, "A", 300, NULL);
	assert_int_equal(update_prescan(s.rr, s.n, apex), KNOT_RCODE_FORMERR);
	clear(&s);
	add(&s, "www.example.com.", KNOT_CLASS_NONE, "A", 60, "192.0.2.1");
	assert_int_equal(update_prescan(s.rr, s.n, apex), KNOT_RCODE_FORMERR);
	clear(&s);
	add(&s, "www.example.com.", KNOT_CLASS_ANY, "AXFR", 0, NULL);
	assert_int_equal(update_prescan(s.rr, s.n, apex), KNOT_RCODE_FORMERR);
	clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rrset_existence),
		cmocka_unit_test(test_name_in_use),
		cmocka_unit_test(test_value_dependent_rrset_must_match_exactly),
		cmocka_unit_test(test_malformed_prerequisites),
		cmocka_unit_test(test_prescan_of_updates),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
