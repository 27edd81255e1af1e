/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The address records generated for a private zone's default server name
 * `ns1.<zone>.` from its VPCs' inbound endpoint listeners
 * (shared/resolution.md section 3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/publish.h"

#include "store/store.h"

/* corp.internal. with the defaults of a new zone, bound to vpc-a. */
static void zone_init(struct store_zone *z)
{
	memset(z, 0, sizeof(*z));
	strcpy(z->meta.name, "corp.internal.");
	strcpy(z->meta.resource_id, "zone-1");
	strcpy(z->kind, "private");
	z->soa.ttl = 3600;
	assert_int_equal(store_strv_push(&z->ns, "ns1.corp.internal."), 0);
	assert_int_equal(store_strv_push(&z->vpcs, "vpc-a"), 0);
}

static void inbound_init(struct store_inbound *ib, const char *vpc_id,
			 const char *const *listen, size_t n)
{
	memset(ib, 0, sizeof(*ib));
	strcpy(ib->vpc_id, vpc_id);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(store_strv_push(&ib->listen, listen[i]), 0);
	}
}

static void record_init(struct store_record *r, const char *name,
			const char *type)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->meta.name, name);
	strcpy(r->type, type);
	r->ttl = 60;
}

/* vpc-a: 10.0.0.53 (twice, two ports), 2001:db8::53, 0.0.0.0;
 * vpc-b: 10.9.9.9. */
static void inbounds_init(struct store_inbound ibs[2])
{
	static const char *const a[] = {
		"10.0.0.53:53", "[2001:db8::53]:53", "10.0.0.53:5353",
		"0.0.0.0:53",
	};
	static const char *const b[] = { "10.9.9.9:53" };
	inbound_init(&ibs[0], "vpc-a", a, 4);
	inbound_init(&ibs[1], "vpc-b", b, 1);
}

/* The zone, the two endpoints and the lines generated. */
struct fx {
	struct store_zone z;
	struct store_inbound ibs[2];
	struct store_strv lines;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	zone_init(&f->z);
	inbounds_init(f->ibs);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_zone_clear(&f->z);
	store_inbound_clear(&f->ibs[0]);
	store_inbound_clear(&f->ibs[1]);
	store_strv_clear(&f->lines);
	free(f);
	return 0;
}

static int generate(struct fx *f, const struct store_inbound *ibs, size_t n,
		    const struct store_record *recs, size_t n_recs)
{
	return config_glue_lines(&f->z, ibs, n, recs, n_recs, &f->lines);
}

static void test_bound_vpc_listeners_give_a_and_aaaa_once_each(void **state)
{
	struct fx *f = *state;

	assert_int_equal(generate(f, f->ibs, 2, NULL, 0), 0);

	assert_int_equal(f->lines.n, 2);
	assert_string_equal(f->lines.v[0],
			    "ns1.corp.internal. 3600 IN A 10.0.0.53");
	assert_string_equal(f->lines.v[1],
			    "ns1.corp.internal. 3600 IN AAAA 2001:db8::53");
}

static void test_ttl_is_the_apex_ns_ttl(void **state)
{
	struct fx *f = *state;
	f->z.soa.ttl = 86400;

	assert_int_equal(generate(f, f->ibs, 1, NULL, 0), 0);

	assert_int_equal(f->lines.n, 2);
	assert_string_equal(f->lines.v[0],
			    "ns1.corp.internal. 86400 IN A 10.0.0.53");
}

static void test_each_zone_instance_gets_its_own_vpcs(void **state)
{
	struct fx *f = *state;
	strcpy(f->z.vpcs.v[0], "vpc-b");

	assert_int_equal(generate(f, f->ibs, 2, NULL, 0), 0);

	assert_int_equal(f->lines.n, 1);
	assert_string_equal(f->lines.v[0],
			    "ns1.corp.internal. 3600 IN A 10.9.9.9");
}

static void test_nothing_without_inbound_endpoints(void **state)
{
	struct fx *f = *state;

	assert_int_equal(generate(f, f->ibs, 0, NULL, 0), 0);
	assert_int_equal(f->lines.n, 0);

	/* An endpoint of a VPC the zone is not bound to counts neither. */
	assert_int_equal(generate(f, &f->ibs[1], 1, NULL, 0), 0);
	assert_int_equal(f->lines.n, 0);
}

static void test_nothing_when_ns_is_not_the_default(void **state)
{
	struct fx *f = *state;
	strcpy(f->z.ns.v[0], "dns.example.com.");

	assert_int_equal(generate(f, f->ibs, 2, NULL, 0), 0);

	assert_int_equal(f->lines.n, 0);
}

static void test_operator_records_win_type_by_type(void **state)
{
	struct fx *f = *state;
	struct store_record recs[2];
	record_init(&recs[0], "www", "AAAA");
	record_init(&recs[1], "ns1", "A");

	assert_int_equal(generate(f, f->ibs, 2, recs, 2), 0);

	assert_int_equal(f->lines.n, 1);
	assert_string_equal(f->lines.v[0],
			    "ns1.corp.internal. 3600 IN AAAA 2001:db8::53");

	/* An AAAA of the operator's at ns1 leaves nothing generated. */
	store_strv_clear(&f->lines);
	strcpy(recs[0].meta.name, "ns1");
	assert_int_equal(generate(f, f->ibs, 2, recs, 2), 0);
	assert_int_equal(f->lines.n, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_bound_vpc_listeners_give_a_and_aaaa_once_each),
		T(test_ttl_is_the_apex_ns_ttl),
		T(test_each_zone_instance_gets_its_own_vpcs),
		T(test_nothing_without_inbound_endpoints),
		T(test_nothing_when_ns_is_not_the_default),
		T(test_operator_records_win_type_by_type),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
