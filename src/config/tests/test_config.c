/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the configuration snapshot: VPC classification (listener,
 * then longest CIDR; IPv4 and IPv6), the candidates of a name (longest
 * suffix on whole labels; zone, rule, built-in), upstream choice, the
 * listen set and publication (shared/resolution.md sections 1 and 2,
 * bugcorpus BC-01, BC-02, BC-26). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <urcu.h>

#include "config/config.h"
#include "zone/zone.h"

static knot_dname_t *dn(const char *text)
{
	static knot_dname_t bufs[4][KNOT_DNAME_MAXLEN];
	static int next;
	knot_dname_t *buf = bufs[next++ % 4];
	assert_non_null(knot_dname_from_str(buf, text, KNOT_DNAME_MAXLEN));
	return buf;
}

static struct config *cfg_new(size_t n_vpcs, size_t n_zones, size_t n_rules)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	assert_non_null(cfg);
	cfg->vpcs = calloc(n_vpcs + 1, sizeof(*cfg->vpcs));
	cfg->zones = calloc(n_zones + 1, sizeof(*cfg->zones));
	cfg->rules = calloc(n_rules + 1, sizeof(*cfg->rules));
	return cfg;
}

/* cidrs and listeners: NULL-terminated lists of text. */
static struct config_vpc *add_vpc(struct config *cfg, const char *vpc_id,
				  const char *const *cidrs,
				  const char *const *listeners, bool builtins)
{
	struct config_vpc *vpc = &cfg->vpcs[cfg->n_vpcs++];
	strcpy(vpc->vpc_id, vpc_id);
	vpc->name = strdup(vpc_id);
	vpc->builtin_zones = builtins;
	vpc->cidrs = calloc(8, sizeof(*vpc->cidrs));
	vpc->listeners = calloc(8, sizeof(*vpc->listeners));
	for (size_t i = 0; cidrs != NULL && cidrs[i] != NULL; i++) {
		assert_int_equal(prefix_parse(cidrs[i],
					      &vpc->cidrs[vpc->n_cidrs++]), 0);
	}
	for (size_t i = 0; listeners != NULL && listeners[i] != NULL; i++) {
		assert_int_equal(addr_parse(listeners[i], 53,
				 &vpc->listeners[vpc->n_listeners++]), 0);
	}
	return vpc;
}

static char (*vpc_list(const char *const *ids, size_t *n))[CONFIG_ID_LEN]
{
	*n = 0;
	while (ids[*n] != NULL) {
		(*n)++;
	}
	char (*out)[CONFIG_ID_LEN] = calloc(*n + 1, sizeof(*out));
	for (size_t i = 0; i < *n; i++) {
		strcpy(out[i], ids[i]);
	}
	return out;
}

/* The name is given only in presentation form, in any case: finish()
 * derives the wire form. */
static void add_zone(struct config *cfg, const char *zone_id,
		     const char *name, const char *const *vpcs)
{
	struct config_zone *zone = &cfg->zones[cfg->n_zones++];
	strcpy(zone->zone_id, zone_id);
	zone->name = strdup(name);
	zone->handle = zone_handle_new(zone_id);
	zone->vpc_ids = vpc_list(vpcs, &zone->n_vpcs);
}

static void add_rule(struct config *cfg, const char *rule_id,
		     const char *domain, const char *const *vpcs)
{
	struct config_rule *rule = &cfg->rules[cfg->n_rules++];
	strcpy(rule->rule_id, rule_id);
	rule->domain = strdup(domain);
	rule->vpc_ids = vpc_list(vpcs, &rule->n_vpcs);
}

static void finish(struct config *cfg)
{
	char err[256] = "";
	int ret = config_finish(cfg, NULL, 0, err, sizeof(err));
	if (ret != 0) {
		fail_msg("config_finish: %s", err);
	}
}

/* The ids of the candidates, "zone-1 rule-2 builtin-..." */
static const char *cand_ids(const struct config *cfg, const char *vpc_id,
			    const char *qname)
{
	static char out[1024];
	struct config_candidate cands[64];
	const struct config_vpc *vpc = config_find_vpc(cfg, vpc_id);
	assert_non_null(vpc);
	size_t n = config_candidates(cfg, vpc, dn(qname), cands, 64);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *id = "?";
		switch (cands[i].kind) {
		case CONFIG_CAND_ZONE:
			id = cands[i].u.zone->zone_id;
			assert_ptr_equal(cands[i].name, cands[i].u.zone->apex);
			break;
		case CONFIG_CAND_RULE:
			id = cands[i].u.rule->rule_id;
			assert_ptr_equal(cands[i].name,
					 cands[i].u.rule->domain_wire);
			break;
		case CONFIG_CAND_BUILTIN:
			id = zone_handle_id(cands[i].u.builtin);
			break;
		}
		size_t len = strlen(out);
		snprintf(out + len, sizeof(out) - len, "%s%s", len ? " " : "",
			 id);
	}
	return out;
}

static const char *const VPC_A[] = { "vpc-a", NULL };
static const char *const VPC_B[] = { "vpc-b", NULL };

/* BC-01: the longest rule wins; whole labels only. */
static void test_longest_suffix_rule_wins(void **state)
{
	struct config *cfg = cfg_new(2, 1, 2);
	add_vpc(cfg, "vpc-a", NULL, NULL, false);
	add_vpc(cfg, "vpc-b", NULL, NULL, false);
	add_rule(cfg, "rule-1", "corp.example.", VPC_A);
	add_rule(cfg, "rule-2", "DEV.corp.example.", VPC_A);
	add_zone(cfg, "zone-1", "example.com.", VPC_A);
	finish(cfg);

	assert_string_equal(cand_ids(cfg, "vpc-a", "app.dev.corp.example."),
			    "rule-2 rule-1");
	assert_string_equal(cand_ids(cfg, "vpc-a", "dev.corp.example."),
			    "rule-2 rule-1");
	assert_string_equal(cand_ids(cfg, "vpc-a", "APP.Corp.EXAMPLE."),
			    "rule-1");
	assert_string_equal(cand_ids(cfg, "vpc-a", "x.mydev.corp.example."),
			    "rule-1");
	assert_string_equal(cand_ids(cfg, "vpc-a", "www.notcorp.example."), "");
	assert_string_equal(cand_ids(cfg, "vpc-a", "superexample.com."), "");
	assert_string_equal(cand_ids(cfg, "vpc-a", "www.example.com."),
			    "zone-1");
	/* Nothing is bound to vpc-b (BC-02c). */
	assert_string_equal(cand_ids(cfg, "vpc-b", "app.dev.corp.example."),
			    "");

	/* Names were normalised to lower case, both spellings. */
	assert_string_equal(cfg->rules[1].domain, "dev.corp.example.");
	assert_true(knot_dname_is_equal(cfg->rules[1].domain_wire,
					dn("dev.corp.example.")));

	/* A cut-off list keeps the longest first. */
	struct config_candidate one[1];
	assert_int_equal(config_candidates(cfg, config_find_vpc(cfg, "vpc-a"),
					   dn("a.dev.corp.example."), one, 1),
			 1);
	assert_string_equal(one[0].u.rule->rule_id, "rule-2");
	config_free(cfg);
}

/* BC-02: the same domain bound differently per VPC. */
static void test_same_domain_per_vpc(void **state)
{
	struct config *cfg = cfg_new(3, 0, 2);
	add_vpc(cfg, "vpc-a", NULL, NULL, false);
	add_vpc(cfg, "vpc-b", NULL, NULL, false);
	add_vpc(cfg, "vpc-c", NULL, NULL, false);
	add_rule(cfg, "rule-a", "corp.example.", VPC_A);
	add_rule(cfg, "rule-b", "corp.example.", VPC_B);
	finish(cfg);
	assert_string_equal(cand_ids(cfg, "vpc-a", "db.corp.example."),
			    "rule-a");
	assert_string_equal(cand_ids(cfg, "vpc-b", "db.corp.example."),
			    "rule-b");
	assert_string_equal(cand_ids(cfg, "vpc-c", "db.corp.example."), "");
	config_free(cfg);
}

/* Section 2.1: on equal names a zone comes before a rule, whatever the
 * order they were configured in. */
static void test_zone_instance_found_by_apex_and_vpc(void **state)
{
	static const char *const VPC_AB[] = { "vpc-a", "vpc-b", NULL };
	static const char *const VPC_C[] = { "vpc-c", NULL };
	struct config *cfg = cfg_new(3, 3, 0);
	add_vpc(cfg, "vpc-a", NULL, NULL, false);
	add_vpc(cfg, "vpc-b", NULL, NULL, false);
	add_vpc(cfg, "vpc-c", NULL, NULL, false);
	add_zone(cfg, "zone-1", "corp.example.", VPC_AB);
	add_zone(cfg, "zone-2", "corp.example.", VPC_C);
	add_zone(cfg, "zone-3", "db.corp.example.", VPC_A);
	finish(cfg);

	const struct config_zone *z;
	z = config_find_zone_instance(cfg, dn("Corp.Example."), "vpc-b");
	assert_non_null(z);
	assert_string_equal(z->zone_id, "zone-1");
	z = config_find_zone_instance(cfg, dn("corp.example."), "vpc-c");
	assert_non_null(z);
	assert_string_equal(z->zone_id, "zone-2");
	/* Only the apex names an instance, not a name below it. */
	assert_null(config_find_zone_instance(cfg, dn("www.corp.example."),
					      "vpc-a"));
	assert_null(config_find_zone_instance(cfg, dn("db.corp.example."),
					      "vpc-b"));
	assert_null(config_find_zone_instance(cfg, dn("corp.example."),
					      "vpc-x"));
	config_free(cfg);
}

static void test_zone_beats_rule_on_equal_name(void **state)
{
	struct config *cfg = cfg_new(1, 1, 2);
	add_vpc(cfg, "vpc-a", NULL, NULL, false);
	add_rule(cfg, "rule-1", "example.com.", VPC_A);
	add_zone(cfg, "zone-1", "example.com.", VPC_A);
	add_rule(cfg, "rule-2", "onprem.example.com.", VPC_A);
	finish(cfg);
	assert_string_equal(cand_ids(cfg, "vpc-a", "www.example.com."),
			    "zone-1 rule-1");
	assert_string_equal(cand_ids(cfg, "vpc-a", "example.com."),
			    "zone-1 rule-1");
	/* BC-04f: a more specific rule comes before the zone. */
	assert_string_equal(cand_ids(cfg, "vpc-a", "h.onprem.example.com."),
			    "rule-2 zone-1 rule-1");
	config_free(cfg);
}

/* BC-26: configured zones and rules come before the built-in zone of
 * the same name or an enclosing one; the built-in stays as a later
 * candidate. */
static void test_configured_beats_builtin(void **state)
{
	struct config *cfg = cfg_new(2, 1, 3);
	add_vpc(cfg, "vpc-a", NULL, NULL, true);
	add_vpc(cfg, "vpc-b", NULL, NULL, true);
	add_rule(cfg, "rule-rev", "0.232.10.in-addr.arpa.", VPC_A);
	add_rule(cfg, "rule-home", "lab.home.arpa.", VPC_A);
	add_rule(cfg, "rule-h2", "home.arpa.", VPC_B);
	add_zone(cfg, "zone-172", "16.172.in-addr.arpa.", VPC_A);
	finish(cfg);

	assert_string_equal(cand_ids(cfg, "vpc-a", "24.0.232.10.in-addr.arpa."),
			    "rule-rev builtin-10.in-addr.arpa");
	assert_string_equal(cand_ids(cfg, "vpc-a", "24.1.232.10.in-addr.arpa."),
			    "builtin-10.in-addr.arpa");
	assert_string_equal(cand_ids(cfg, "vpc-b", "24.0.232.10.in-addr.arpa."),
			    "builtin-10.in-addr.arpa");
	assert_string_equal(cand_ids(cfg, "vpc-a", "5.0.16.172.in-addr.arpa."),
			    "zone-172 builtin-16.172.in-addr.arpa");
	assert_string_equal(cand_ids(cfg, "vpc-b", "5.0.16.172.in-addr.arpa."),
			    "builtin-16.172.in-addr.arpa");
	assert_string_equal(cand_ids(cfg, "vpc-a", "nas.lab.home.arpa."),
			    "rule-home builtin-home.arpa");
	assert_string_equal(cand_ids(cfg, "vpc-a", "tv.home.arpa."),
			    "builtin-home.arpa");
	/* Same name as the built-in: the rule still comes first. */
	assert_string_equal(cand_ids(cfg, "vpc-b", "tv.home.arpa."),
			    "rule-h2 builtin-home.arpa");
	assert_string_equal(cand_ids(cfg, "vpc-a", "8.8.8.8.in-addr.arpa."), "");
	assert_string_equal(cand_ids(cfg, "vpc-a",
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."),
		"builtin-ip6-loopback");
	assert_string_equal(cand_ids(cfg, "vpc-a", "x.localhost."),
			    "builtin-localhost");
	assert_string_equal(cand_ids(cfg, "vpc-a", "invalid."),
			    "builtin-invalid");
	config_free(cfg);
}

/* Built-in zones can be turned off per VPC (section 2). */
static void test_builtins_off_per_vpc(void **state)
{
	struct config *cfg = cfg_new(2, 0, 0);
	add_vpc(cfg, "vpc-on", NULL, NULL, true);
	add_vpc(cfg, "vpc-off", NULL, NULL, false);
	finish(cfg);
	assert_string_equal(cand_ids(cfg, "vpc-on", "1.0.0.10.in-addr.arpa."),
			    "builtin-10.in-addr.arpa");
	assert_string_equal(cand_ids(cfg, "vpc-off", "1.0.0.10.in-addr.arpa."),
			    "");
	config_free(cfg);
}

/* Used to decide whether an upstream CNAME target is resolved again:
 * zones and rules count, built-in zones do not. */
static void test_vpc_covers_zones_and_rules_only(void **state)
{
	struct config *cfg = cfg_new(1, 1, 1);
	add_vpc(cfg, "vpc-a", NULL, NULL, true);
	add_zone(cfg, "zone-1", "privatelink.db.example.net.", VPC_A);
	add_rule(cfg, "rule-1", "onprem.example.", VPC_A);
	finish(cfg);
	const struct config_vpc *vpc = config_find_vpc(cfg, "vpc-a");
	assert_true(config_vpc_covers(cfg, vpc,
				      dn("mydb.privatelink.db.example.net.")));
	assert_true(config_vpc_covers(cfg, vpc, dn("ONPREM.example.")));
	assert_false(config_vpc_covers(cfg, vpc, dn("db.example.net.")));
	assert_false(config_vpc_covers(cfg, vpc, dn("x.home.arpa.")));
	assert_false(config_vpc_covers(cfg, vpc, dn("xonprem.example.")));
	config_free(cfg);
}

/* A rule for the root catches every name, last. */
static void test_root_rule_is_last_candidate(void **state)
{
	struct config *cfg = cfg_new(1, 1, 1);
	add_vpc(cfg, "vpc-a", NULL, NULL, false);
	add_rule(cfg, "rule-root", ".", VPC_A);
	add_zone(cfg, "zone-1", "corp.example.", VPC_A);
	finish(cfg);
	assert_string_equal(cand_ids(cfg, "vpc-a", "a.corp.example."),
			    "zone-1 rule-root");
	assert_string_equal(cand_ids(cfg, "vpc-a", "example.org."),
			    "rule-root");
	assert_string_equal(cfg->rules[0].domain, ".");
	config_free(cfg);
}

static struct zg_addr addr(const char *text)
{
	struct zg_addr a;
	assert_int_equal(addr_parse(text, 53, &a), 0);
	return a;
}

static const char *classify(const struct config *cfg, const char *local,
			    const char *source)
{
	struct zg_addr l = addr(local);
	struct zg_addr s = addr(source);
	const struct config_vpc *vpc = config_classify(cfg, &l, &s);
	return vpc != NULL ? vpc->vpc_id : "none";
}

/* Section 1: listener address (IP and port) first, then the longest
 * CIDR holding the source, then nothing. */
static void test_classify_listener_then_longest_prefix(void **state)
{
	struct config *cfg = cfg_new(3, 0, 0);
	const char *a_cidrs[] = { "10.1.0.0/16", NULL };
	const char *a_listen[] = { "10.0.0.2:53", NULL };
	const char *b_cidrs[] = { "10.0.0.0/8", NULL };
	const char *b_listen[] = { "10.0.0.3", NULL };
	const char *c_cidrs[] = { "10.1.2.0/24", NULL };
	add_vpc(cfg, "vpc-a", a_cidrs, a_listen, false);
	add_vpc(cfg, "vpc-b", b_cidrs, b_listen, false);
	add_vpc(cfg, "vpc-c", c_cidrs, NULL, false);
	finish(cfg);

	/* Listener beats any CIDR. */
	assert_string_equal(classify(cfg, "10.0.0.3:53", "10.1.0.10:4000"),
			    "vpc-b");
	assert_string_equal(classify(cfg, "10.0.0.2:53", "10.2.0.10:4000"),
			    "vpc-a");
	/* Another address or port: by source, longest prefix. */
	assert_string_equal(classify(cfg, "10.0.0.9:53", "10.1.0.10:4000"),
			    "vpc-a");
	assert_string_equal(classify(cfg, "10.0.0.2:5353", "10.1.2.10:4000"),
			    "vpc-c");
	assert_string_equal(classify(cfg, "10.0.0.9:53", "10.9.9.9:4000"),
			    "vpc-b");
	assert_string_equal(classify(cfg, "10.0.0.9:53", "192.0.2.1:4000"),
			    "none");
	struct zg_addr s = addr("10.1.0.10");
	assert_ptr_equal(config_classify(cfg, NULL, &s),
			 config_find_vpc(cfg, "vpc-a"));
	config_free(cfg);
}

/* Overlapping CIDRs are allowed when both VPCs have listeners: the
 * listener decides. */
static void test_overlapping_cidrs_with_listeners(void **state)
{
	struct config *cfg = cfg_new(2, 0, 0);
	const char *cidrs[] = { "10.5.0.0/16", NULL };
	const char *l1[] = { "10.0.0.2", NULL };
	const char *l2[] = { "10.0.0.3", NULL };
	add_vpc(cfg, "vpc-1", cidrs, l1, false);
	add_vpc(cfg, "vpc-2", cidrs, l2, false);
	finish(cfg);
	assert_string_equal(classify(cfg, "10.0.0.2:53", "10.5.0.7:999"),
			    "vpc-1");
	assert_string_equal(classify(cfg, "10.0.0.3:53", "10.5.0.7:999"),
			    "vpc-2");
	config_free(cfg);
}

/* Section 1.3: a source address never names two VPCs. When two VPCs
 * (both with listeners) hold the source with prefixes of the same
 * longest length, a query on a shared listener belongs to no VPC; a
 * longer prefix of a third VPC still wins, and the listeners still
 * decide on their own addresses. */
static void test_equal_prefixes_of_two_vpcs_name_no_vpc(void **state)
{
	struct config *cfg = cfg_new(3, 0, 0);
	const char *same[] = { "10.5.0.0/16", "fd00:5::/48", NULL };
	const char *l1[] = { "10.0.0.2", NULL };
	const char *l2[] = { "10.0.0.3", NULL };
	const char *narrow[] = { "10.5.7.0/24", NULL };
	add_vpc(cfg, "vpc-1", same, l1, false);
	add_vpc(cfg, "vpc-2", same, l2, false);
	add_vpc(cfg, "vpc-3", narrow, NULL, false);
	finish(cfg);

	assert_string_equal(classify(cfg, "10.0.0.9:53", "10.5.0.7:999"),
			    "none");
	assert_string_equal(classify(cfg, "[fd00:a::2]:53",
				     "[fd00:5::7]:999"), "none");
	struct zg_addr s = addr("10.5.0.7");
	assert_null(config_classify(cfg, NULL, &s));
	assert_string_equal(classify(cfg, "10.0.0.9:53", "10.5.7.7:999"),
			    "vpc-3");
	assert_string_equal(classify(cfg, "10.0.0.2:53", "10.5.0.7:999"),
			    "vpc-1");
	assert_string_equal(classify(cfg, "10.0.0.3:53", "10.5.0.7:999"),
			    "vpc-2");
	config_free(cfg);
}

/* IPv6 works like IPv4 everywhere; families never match each other. */
static void test_ipv6_classification_and_listeners(void **state)
{
	struct config *cfg = cfg_new(3, 0, 0);
	const char *wide[] = { "2001:db8::/32", NULL };
	const char *narrow[] = { "2001:db8:1::/48", "10.7.0.0/16", NULL };
	const char *l6[] = { "[2001:db8::53]:53", NULL };
	const char *v4all[] = { "0.0.0.0/0", NULL };
	add_vpc(cfg, "vpc-wide", wide, NULL, false);
	add_vpc(cfg, "vpc-narrow", narrow, l6, false);
	add_vpc(cfg, "vpc-v4", v4all, NULL, false);
	finish(cfg);

	assert_string_equal(classify(cfg, "[::1]:53", "[2001:db8:1::10]:5000"),
			    "vpc-narrow");
	assert_string_equal(classify(cfg, "[::1]:53", "[2001:db8:2::10]:5000"),
			    "vpc-wide");
	assert_string_equal(classify(cfg, "[::1]:53", "[2001:db9::1]:5000"),
			    "none");
	assert_string_equal(classify(cfg, "[2001:db8::53]:53",
				     "[2001:db8:2::10]:5000"), "vpc-narrow");
	assert_string_equal(classify(cfg, "127.0.0.1:53", "10.7.1.1:5000"),
			    "vpc-narrow");
	assert_string_equal(classify(cfg, "127.0.0.1:53", "10.8.1.1:5000"),
			    "vpc-v4");
	config_free(cfg);
}

/* Section 2.4: the VPC's own default upstream, else the global one. */
static void test_upstream_own_else_global(void **state)
{
	struct config *cfg = cfg_new(2, 0, 0);
	add_vpc(cfg, "vpc-a", NULL, NULL, false);
	add_vpc(cfg, "vpc-b", NULL, NULL, false);
	cfg->upstreams = calloc(2, sizeof(*cfg->upstreams));
	strcpy(cfg->upstreams[0].upstream_id, "upstream-global");
	strcpy(cfg->upstreams[1].upstream_id, "upstream-vpc-b");
	cfg->n_upstreams = 2;
	finish(cfg);
	assert_ptr_equal(cfg->global_upstream, &cfg->upstreams[0]);
	assert_ptr_equal(config_find_vpc(cfg, "vpc-a")->upstream,
			 &cfg->upstreams[0]);
	assert_ptr_equal(config_find_vpc(cfg, "vpc-b")->upstream,
			 &cfg->upstreams[1]);
	config_free(cfg);

	cfg = cfg_new(1, 0, 0);
	add_vpc(cfg, "vpc-a", NULL, NULL, false);
	finish(cfg);
	assert_null(cfg->global_upstream);
	assert_null(config_find_vpc(cfg, "vpc-a")->upstream);
	assert_null(config_find_vpc(cfg, "vpc-x"));
	assert_null(config_find_rule(cfg, "rule-x"));
	config_free(cfg);
}

static void test_binding_to_unknown_vpc_is_refused(void **state)
{
	struct config *cfg = cfg_new(1, 0, 1);
	add_vpc(cfg, "vpc-a", NULL, NULL, false);
	const char *ghost[] = { "vpc-ghost", NULL };
	add_rule(cfg, "rule-9", "corp.example.", ghost);
	char err[128];
	assert_int_equal(config_finish(cfg, NULL, 0, err, sizeof(err)),
			 ZG_EINVAL);
	assert_string_equal(err, "rule rule-9 is bound to unknown VPC vpc-ghost");
	config_free(cfg);

	cfg = cfg_new(1, 1, 0);
	add_vpc(cfg, "vpc-a", NULL, NULL, false);
	add_zone(cfg, "zone-3", "corp.example.", ghost);
	assert_int_equal(config_finish(cfg, NULL, 0, err, sizeof(err)),
			 ZG_EINVAL);
	assert_string_equal(err, "zone zone-3 is bound to unknown VPC vpc-ghost");
	config_free(cfg);
}

/* The listen set: every VPC listener and --dns-listen address, once. */
static void test_listen_set_deduplicated(void **state)
{
	struct config *cfg = cfg_new(2, 0, 0);
	const char *l1[] = { "10.0.0.2", "[2001:db8::53]:53", NULL };
	const char *l2[] = { "10.0.0.2:53", "10.0.0.2:5353", NULL };
	add_vpc(cfg, "vpc-1", NULL, l1, false);
	add_vpc(cfg, "vpc-2", NULL, l2, false);
	struct zg_addr extra[2] = { addr("127.0.0.1:53"),
				    addr("[2001:db8::53]:53") };
	assert_int_equal(config_finish(cfg, extra, 2, NULL, 0), 0);
	assert_int_equal(cfg->n_listen, 4);
	struct zg_addr want[4] = { addr("10.0.0.2:53"),
				   addr("[2001:db8::53]:53"),
				   addr("10.0.0.2:5353"), addr("127.0.0.1:53") };
	for (size_t i = 0; i < 4; i++) {
		assert_true(addr_equal(&cfg->listen[i], &want[i]));
	}
	config_free(cfg);
}

static void *get_builtin(void *arg)
{
	return config_builtin_handle(dn("10.in-addr.arpa."));
}

/* Built-in handles are created once, from any thread. */
static void test_builtin_handles_shared_and_thread_safe(void **state)
{
	config_builtins_free();
	pthread_t threads[4];
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_create(&threads[i], NULL, get_builtin,
						NULL), 0);
	}
	void *got[4];
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(threads[i], &got[i]), 0);
		assert_non_null(got[i]);
		assert_ptr_equal(got[i], got[0]);
	}
	struct zone_handle *h = config_builtin_handle(dn("10.IN-ADDR.arpa."));
	assert_ptr_equal(h, got[0]);
	assert_string_equal(zone_handle_id(h), "builtin-10.in-addr.arpa");
	rcu_read_lock();
	const struct zone_contents *z = zone_handle_contents(h);
	assert_non_null(z);
	assert_int_equal(zone_contents_serial(z), 1);
	rcu_read_unlock();
	assert_null(config_builtin_handle(dn("example.com.")));
	h = config_builtin_handle(dn(
		"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."));
	assert_string_equal(zone_handle_id(h), "builtin-ip6-unspecified");
	config_builtins_free();
	config_builtins_free();
}

/* Publication: readers see the new snapshot; the old one is freed
 * after the grace period (ASan checks). */
static void test_publish_replaces_current(void **state)
{
	struct config *c1 = cfg_new(1, 1, 0);
	add_vpc(c1, "vpc-1", NULL, NULL, true);
	const char *v1[] = { "vpc-1", NULL };
	add_zone(c1, "zone-1", "corp.example.", v1);
	finish(c1);
	struct config *c2 = cfg_new(1, 0, 0);
	add_vpc(c2, "vpc-2", NULL, NULL, false);
	finish(c2);

	config_publish(c1);
	rcu_read_lock();
	assert_ptr_equal(config_current(), c1);
	rcu_read_unlock();
	config_publish(c2);
	rcu_read_lock();
	assert_ptr_equal(config_current(), c2);
	assert_non_null(config_find_vpc(config_current(), "vpc-2"));
	rcu_read_unlock();
	config_publish(NULL);
	rcu_read_lock();
	assert_null(config_current());
	rcu_read_unlock();
	config_free(NULL);
	config_builtins_free();
}

static int setup(void **state)
{
	rcu_register_thread();
	return 0;
}

static int teardown(void **state)
{
	config_builtins_free();
	rcu_unregister_thread();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_suffix_rule_wins),
		cmocka_unit_test(test_same_domain_per_vpc),
		cmocka_unit_test(test_zone_instance_found_by_apex_and_vpc),
		cmocka_unit_test(test_zone_beats_rule_on_equal_name),
		cmocka_unit_test(test_configured_beats_builtin),
		cmocka_unit_test(test_builtins_off_per_vpc),
		cmocka_unit_test(test_vpc_covers_zones_and_rules_only),
		cmocka_unit_test(test_root_rule_is_last_candidate),
		cmocka_unit_test(test_classify_listener_then_longest_prefix),
		cmocka_unit_test(test_overlapping_cidrs_with_listeners),
		cmocka_unit_test(test_equal_prefixes_of_two_vpcs_name_no_vpc),
		cmocka_unit_test(test_ipv6_classification_and_listeners),
		cmocka_unit_test(test_upstream_own_else_global),
		cmocka_unit_test(test_binding_to_unknown_vpc_is_refused),
		cmocka_unit_test(test_listen_set_deduplicated),
		cmocka_unit_test(test_builtin_handles_shared_and_thread_safe),
		cmocka_unit_test(test_publish_replaces_current),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
