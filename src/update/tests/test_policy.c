/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Update policy matching: which names and types a TSIG key may change
 * (grants like BIND's update-policy: zone, name, subtree; types). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "update/update.h"

static knot_dname_t *dn(const char *text)
{
	knot_dname_t *d = knot_dname_from_str_alloc(text);
	assert_non_null(d);
	return d;
}

struct names {
	knot_dname_t *apex, *acme_key, *admin_key, *other_key;
	knot_dname_t *acme_name, *sub;
};

static int setup(void **state)
{
	struct names *n = calloc(1, sizeof(*n));
	n->apex = dn("example.com.");
	n->acme_key = dn("acme.");
	n->admin_key = dn("admin.");
	n->other_key = dn("other.");
	n->acme_name = dn("_acme-challenge.www.example.com.");
	n->sub = dn("dyn.example.com.");
	*state = n;
	return 0;
}

static int teardown(void **state)
{
	struct names *n = *state;
	free(n->apex);
	free(n->acme_key);
	free(n->admin_key);
	free(n->other_key);
	free(n->acme_name);
	free(n->sub);
	free(n);
	return 0;
}

static bool allows(const struct update_grant *g, size_t n,
		   const knot_dname_t *key, const knot_dname_t *apex,
		   const char *owner, uint16_t type)
{
	knot_dname_t *o = dn(owner);
	bool ok = update_policy_allows(g, n, key, apex, o, type);
	free(o);
	return ok;
}

/* An ACME client's key granted one name and TXT touches nothing else. */
static void test_acme_key_may_change_only_its_txt(void **state)
{
	struct names *n = *state;
	static const uint16_t txt[] = { KNOT_RRTYPE_TXT };
	struct update_grant g = {
		.key = n->acme_key, .match = UPDATE_MATCH_NAME,
		.name = n->acme_name, .types = txt, .n_types = 1,
	};

	assert_true(allows(&g, 1, n->acme_key, n->apex,
			   "_ACME-challenge.www.example.com.",
			   KNOT_RRTYPE_TXT));
	assert_false(allows(&g, 1, n->acme_key, n->apex,
			    "_acme-challenge.www.example.com.",
			    KNOT_RRTYPE_A));
	assert_false(allows(&g, 1, n->acme_key, n->apex,
			    "www.example.com.", KNOT_RRTYPE_TXT));
	assert_false(allows(&g, 1, n->acme_key, n->apex,
			    "x._acme-challenge.www.example.com.",
			    KNOT_RRTYPE_TXT));
	/* Deleting every type at the name is more than TXT. */
	assert_false(allows(&g, 1, n->acme_key, n->apex,
			    "_acme-challenge.www.example.com.",
			    KNOT_RRTYPE_ANY));
	assert_false(allows(&g, 1, n->other_key, n->apex,
			    "_acme-challenge.www.example.com.",
			    KNOT_RRTYPE_TXT));
	assert_false(update_policy_allows(&g, 1, NULL, n->apex, n->acme_name,
					  KNOT_RRTYPE_TXT));
}

/* A grant without types covers every type but the apex SOA and NS. */
static void test_zone_grant_without_types_spares_apex_soa_and_ns(void **state)
{
	struct names *n = *state;
	struct update_grant g = {
		.key = n->admin_key, .match = UPDATE_MATCH_ZONE,
	};

	assert_true(allows(&g, 1, n->admin_key, n->apex, "www.example.com.",
			   KNOT_RRTYPE_A));
	assert_true(allows(&g, 1, n->admin_key, n->apex, "example.com.",
			   KNOT_RRTYPE_MX));
	assert_false(allows(&g, 1, n->admin_key, n->apex, "example.com.",
			    KNOT_RRTYPE_SOA));
	assert_false(allows(&g, 1, n->admin_key, n->apex, "EXAMPLE.com.",
			    KNOT_RRTYPE_NS));
	/* NS below the apex is a delegation, an ordinary record. */
	assert_true(allows(&g, 1, n->admin_key, n->apex, "sub.example.com.",
			   KNOT_RRTYPE_NS));
	assert_true(allows(&g, 1, n->admin_key, n->apex, "www.example.com.",
			   KNOT_RRTYPE_ANY));
	assert_false(allows(&g, 1, n->admin_key, n->apex, "example.org.",
			    KNOT_RRTYPE_A));
}

static void test_subtree_grant_matches_whole_labels(void **state)
{
	struct names *n = *state;
	static const uint16_t types[] = { KNOT_RRTYPE_A, KNOT_RRTYPE_AAAA };
	struct update_grant g = {
		.key = n->admin_key, .match = UPDATE_MATCH_SUBTREE,
		.name = n->sub, .types = types, .n_types = 2,
	};

	assert_true(allows(&g, 1, n->admin_key, n->apex, "dyn.example.com.",
			   KNOT_RRTYPE_A));
	assert_true(allows(&g, 1, n->admin_key, n->apex,
			   "host.dyn.example.com.", KNOT_RRTYPE_AAAA));
	assert_false(allows(&g, 1, n->admin_key, n->apex,
			    "xdyn.example.com.", KNOT_RRTYPE_A));
	assert_false(allows(&g, 1, n->admin_key, n->apex,
			    "host.dyn.example.com.", KNOT_RRTYPE_TXT));
}

/* Several grants: any one that covers the change is enough. */
static void test_any_matching_grant_allows(void **state)
{
	struct names *n = *state;
	static const uint16_t txt[] = { KNOT_RRTYPE_TXT };
	struct update_grant g[] = {
		{ .key = n->acme_key, .match = UPDATE_MATCH_NAME,
		  .name = n->acme_name, .types = txt, .n_types = 1 },
		{ .key = n->admin_key, .match = UPDATE_MATCH_SUBTREE,
		  .name = n->sub },
	};

	assert_true(allows(g, 2, n->admin_key, n->apex, "a.dyn.example.com.",
			   KNOT_RRTYPE_CNAME));
	assert_false(allows(g, 2, n->admin_key, n->apex,
			    "_acme-challenge.www.example.com.",
			    KNOT_RRTYPE_TXT));
	assert_false(allows(g, 2, n->acme_key, n->apex, "a.dyn.example.com.",
			    KNOT_RRTYPE_A));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_acme_key_may_change_only_its_txt, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_zone_grant_without_types_spares_apex_soa_and_ns,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_subtree_grant_matches_whole_labels, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_any_matching_grant_allows,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
