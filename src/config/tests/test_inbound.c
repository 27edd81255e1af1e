/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inbound endpoints in the configuration snapshot: a query to an
 * inbound listener belongs to the endpoint's VPC when its source is
 * allowed and to no VPC otherwise (shared/resolution.md section 1.2);
 * inbound listeners are in the listen set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"

static struct zg_addr addr(const char *text, uint16_t port)
{
	struct zg_addr a;
	assert_int_equal(addr_parse(text, port, &a), 0);
	return a;
}

/* vpc-a: 10.1.0.0/16; vpc-b: 10.2.0.0/16 with listener 10.0.0.3:53;
 * in-1: listener 10.0.0.5:53 answering as vpc-a for 192.0.2.0/24 and
 * 2001:db8::/32. */
static struct config *build(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	cfg->vpcs = calloc(3, sizeof(*cfg->vpcs));
	cfg->zones = calloc(1, sizeof(*cfg->zones));
	cfg->rules = calloc(1, sizeof(*cfg->rules));
	cfg->inbounds = calloc(2, sizeof(*cfg->inbounds));
	static const char *const ids[] = { "vpc-a", "vpc-b" };
	static const char *const cidrs[] = { "10.1.0.0/16", "10.2.0.0/16" };
	for (size_t i = 0; i < 2; i++) {
		struct config_vpc *vpc = &cfg->vpcs[cfg->n_vpcs++];
		strcpy(vpc->vpc_id, ids[i]);
		vpc->name = strdup(ids[i]);
		vpc->cidrs = calloc(1, sizeof(*vpc->cidrs));
		vpc->listeners = calloc(1, sizeof(*vpc->listeners));
		assert_int_equal(prefix_parse(cidrs[i], &vpc->cidrs[0]), 0);
		vpc->n_cidrs = 1;
	}
	cfg->vpcs[1].listeners[0] = addr("10.0.0.3", 53);
	cfg->vpcs[1].n_listeners = 1;

	struct config_inbound *ib = &cfg->inbounds[cfg->n_inbounds++];
	strcpy(ib->inbound_id, "in-1");
	strcpy(ib->vpc_id, "vpc-a");
	ib->listeners = calloc(2, sizeof(*ib->listeners));
	ib->listeners[ib->n_listeners++] = addr("10.0.0.5", 53);
	ib->listeners[ib->n_listeners++] = addr("10.0.0.3", 53);
	ib->allow = calloc(2, sizeof(*ib->allow));
	assert_int_equal(prefix_parse("192.0.2.0/24", &ib->allow[0]), 0);
	assert_int_equal(prefix_parse("2001:db8::/32", &ib->allow[1]), 0);
	ib->n_allow = 2;

	struct zg_addr extra = addr("10.0.0.2", 53);
	char err[128] = "";
	assert_int_equal(config_finish(cfg, &extra, 1, err, sizeof(err)), 0);
	return cfg;
}

static void test_allowed_source_answers_as_the_endpoint_vpc(void **state)
{
	struct config *cfg = build();
	struct zg_addr local = addr("10.0.0.5", 53);
	struct zg_addr onprem = addr("192.0.2.77", 40000);

	const struct config_vpc *vpc = config_classify(cfg, &local, &onprem);

	assert_non_null(vpc);
	assert_string_equal(vpc->vpc_id, "vpc-a");
	config_free(cfg);
}

/* A source outside the allow-list gets no VPC, even one whose CIDR
 * would hold it through the shared listener. */
static void test_source_outside_allow_list_has_no_vpc(void **state)
{
	struct config *cfg = build();
	struct zg_addr local = addr("10.0.0.5", 53);
	struct zg_addr vpc_b_client = addr("10.2.0.10", 40000);
	struct zg_addr shared = addr("10.0.0.2", 53);

	assert_null(config_classify(cfg, &local, &vpc_b_client));
	assert_null(config_classify(cfg, &local, NULL));
	assert_string_equal(config_classify(cfg, &shared,
					    &vpc_b_client)->vpc_id, "vpc-b");
	config_free(cfg);
}

static void test_port_and_family_must_match_the_listener(void **state)
{
	struct config *cfg = build();
	struct zg_addr other_port = addr("10.0.0.5", 5353);
	struct zg_addr onprem6 = addr("2001:db8::7", 40000);
	struct zg_addr local = addr("10.0.0.5", 53);

	/* Not the endpoint's listener: classified by source, which is in
	 * no VPC. */
	assert_null(config_classify(cfg, &other_port,
				    &(struct zg_addr){ 0 }));
	assert_string_equal(config_classify(cfg, &local, &onprem6)->vpc_id,
			    "vpc-a");
	config_free(cfg);
}

static void test_inbound_listeners_join_the_listen_set(void **state)
{
	struct config *cfg = build();
	struct zg_addr want[] = {
		addr("10.0.0.3", 53), addr("10.0.0.5", 53),
		addr("10.0.0.2", 53),
	};

	/* VPC listeners, then inbound ones (10.0.0.3 only once), then
	 * --dns-listen. */
	assert_int_equal(cfg->n_listen, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(addr_equal(&cfg->listen[i], &want[i]));
	}
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed_source_answers_as_the_endpoint_vpc),
		cmocka_unit_test(test_source_outside_allow_list_has_no_vpc),
		cmocka_unit_test(test_port_and_family_must_match_the_listener),
		cmocka_unit_test(test_inbound_listeners_join_the_listen_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
