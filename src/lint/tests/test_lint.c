/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the configuration lint over hand-built snapshots: rules a
 * zone hides or nothing reaches, nesting, missing upstreams, built-in
 * reverse zones in front of reached networks (RFC 6303), zones under
 * signed TLDs and targets without a source of their family. Expected
 * findings follow shared/resolution.md section 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <urcu.h>

#include "common/error.h"
#include "config/config.h"
#include "lint/lint.h"
#include "zone/zone.h"

/*
 * Building snapshots
 */

static struct config *cfg_new(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	assert_non_null(cfg);
	cfg->vpcs = calloc(8, sizeof(*cfg->vpcs));
	cfg->zones = calloc(16, sizeof(*cfg->zones));
	cfg->rules = calloc(16, sizeof(*cfg->rules));
	cfg->endpoints = calloc(4, sizeof(*cfg->endpoints));
	cfg->upstreams = calloc(4, sizeof(*cfg->upstreams));
	return cfg;
}

/* cidrs: NULL-terminated. */
static void add_vpc(struct config *cfg, const char *vpc_id,
		    const char *const *cidrs, bool builtins)
{
	struct config_vpc *vpc = &cfg->vpcs[cfg->n_vpcs++];
	strcpy(vpc->vpc_id, vpc_id);
	vpc->name = strdup(vpc_id);
	vpc->builtin_zones = builtins;
	vpc->cidrs = calloc(8, sizeof(*vpc->cidrs));
	vpc->listeners = calloc(1, sizeof(*vpc->listeners));
	for (size_t i = 0; cidrs != NULL && cidrs[i] != NULL; i++) {
		assert_int_equal(prefix_parse(cidrs[i],
					      &vpc->cidrs[vpc->n_cidrs++]), 0);
	}
}

static char (*vpc_list(const char *const *ids, size_t *n))[CONFIG_ID_LEN]
{
	*n = 0;
	while (ids != NULL && ids[*n] != NULL) {
		(*n)++;
	}
	char (*out)[CONFIG_ID_LEN] = calloc(*n + 1, sizeof(*out));
	for (size_t i = 0; i < *n; i++) {
		strcpy(out[i], ids[i]);
	}
	return out;
}

/* records: master-file lines besides the SOA, NULL-terminated. */
static void add_zone(struct config *cfg, const char *zone_id,
		     const char *name, enum config_proxy_pattern proxy,
		     const char *const *vpcs, const char *const *records)
{
	struct config_zone *zone = &cfg->zones[cfg->n_zones++];
	strcpy(zone->zone_id, zone_id);
	zone->name = strdup(name);
	zone->proxy_pattern = proxy;
	zone->handle = zone_handle_new(zone_id);
	zone->vpc_ids = vpc_list(vpcs, &zone->n_vpcs);

	knot_dname_t apex[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(apex, name, sizeof(apex)));
	struct zone_builder *b = zone_builder_new(apex);
	char line[512], err[256];
	snprintf(line, sizeof(line),
		 "%s 3600 SOA ns1.%s hostmaster.%s 1 3600 600 604800 300",
		 name, name, name);
	assert_int_equal(zone_builder_add_text(b, line, err, sizeof(err)), 0);
	for (size_t i = 0; records != NULL && records[i] != NULL; i++) {
		assert_int_equal(zone_builder_add_text(b, records[i], err,
						       sizeof(err)), 0);
	}
	struct zone_contents *z = zone_builder_finish(b, err, sizeof(err));
	assert_non_null(z);
	zone_handle_publish(zone->handle, z);
}

/* targets: NULL-terminated "IP:PORT". */
static void add_rule(struct config *cfg, const char *rule_id,
		     const char *domain, const char *const *targets,
		     const char *const *vpcs, const char *endpoint_id)
{
	struct config_rule *rule = &cfg->rules[cfg->n_rules++];
	strcpy(rule->rule_id, rule_id);
	rule->domain = strdup(domain);
	rule->vpc_ids = vpc_list(vpcs, &rule->n_vpcs);
	for (size_t i = 0; targets[i] != NULL; i++) {
		assert_int_equal(addr_parse(targets[i], 53,
				 &rule->targets[rule->n_targets++]), 0);
	}
	for (size_t i = 0; endpoint_id != NULL && i < cfg->n_endpoints; i++) {
		if (strcmp(cfg->endpoints[i].endpoint_id, endpoint_id) == 0) {
			rule->endpoint = &cfg->endpoints[i];
		}
	}
	assert_true(endpoint_id == NULL || rule->endpoint != NULL);
}

static void add_endpoint(struct config *cfg, const char *endpoint_id,
			 const char *vpc_id, const char *const *sources)
{
	struct config_endpoint *ep = &cfg->endpoints[cfg->n_endpoints++];
	strcpy(ep->endpoint_id, endpoint_id);
	strcpy(ep->vpc_id, vpc_id);
	for (size_t i = 0; sources[i] != NULL; i++) {
		assert_int_equal(addr_parse_ip(sources[i],
					       &ep->sources[ep->n_sources++]),
				 0);
	}
}

static void add_global_upstream(struct config *cfg, const char *target)
{
	struct config_upstream *up = &cfg->upstreams[cfg->n_upstreams++];
	strcpy(up->upstream_id, "upstream-global");
	assert_int_equal(addr_parse(target, 53, &up->targets[0]), 0);
	up->n_targets = 1;
}

static struct lint_report lint(struct config *cfg)
{
	char err[256] = "";
	int ret = config_finish(cfg, NULL, 0, err, sizeof(err));
	if (ret != 0) {
		fail_msg("config_finish: %s", err);
	}
	struct lint_report rep = { 0 };
	rcu_read_lock();
	assert_int_equal(lint_run(cfg, &rep), 0);
	rcu_read_unlock();
	return rep;
}

/* Findings with code, in report order. */
static size_t count_code(const struct lint_report *rep, const char *code)
{
	size_t n = 0;
	for (size_t i = 0; i < rep->n; i++) {
		n += strcmp(rep->items[i].code, code) == 0;
	}
	return n;
}

static const struct lint_finding *find_code(const struct lint_report *rep,
					    const char *code)
{
	for (size_t i = 0; i < rep->n; i++) {
		if (strcmp(rep->items[i].code, code) == 0) {
			return &rep->items[i];
		}
	}
	fail_msg("no %s finding among %zu", code, rep->n);
	return NULL;
}

/* "id id id" */
static const char *ids_of(const struct lint_finding *f)
{
	static char out[512];
	out[0] = '\0';
	for (size_t i = 0; i < f->n_ids; i++) {
		strcat(out, i > 0 ? " " : "");
		strcat(out, f->ids[i]);
	}
	return out;
}

static void done(struct config *cfg, struct lint_report *rep)
{
	lint_report_clear(rep);
	config_free(cfg);
}

static const char *const V1[] = { "vpc-1", NULL };
static const char *const V2[] = { "vpc-2", NULL };
static const char *const V12[] = { "vpc-1", "vpc-2", NULL };
static const char *const OP1[] = { "192.0.2.53:53", NULL };
static const char *const OP2[] = { "192.0.2.54:53", NULL };
/* An upstream outside every built-in zone (public space; these tests
 * send nothing anywhere). */
static const char PUBLIC[] = "100.128.0.53";

/* A VPC with an upstream and no built-in zones: only the finding under
 * test shows. */
static struct config *quiet_cfg(void)
{
	struct config *cfg = cfg_new();
	add_vpc(cfg, "vpc-1", NULL, false);
	add_vpc(cfg, "vpc-2", NULL, false);
	add_global_upstream(cfg, "198.51.100.53");
	return cfg;
}

/*
 * Rules hidden or never reached
 */

static void test_zone_at_rule_name_hides_rule(void **state)
{
	struct config *cfg = quiet_cfg();
	add_zone(cfg, "zone-1", "corp.example.", CONFIG_PROXY_ZONE, V1, NULL);
	add_rule(cfg, "rule-1", "corp.example.", OP1, V1, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 2);
	const struct lint_finding *f = find_code(&rep, "zone-hides-rule");
	assert_int_equal(f->severity, LINT_WARNING);
	assert_string_equal(ids_of(f), "zone-1 rule-1 vpc-1");
	assert_non_null(strstr(f->message, "rule-1's targets are never asked from vpc-1"));
	assert_non_null(strstr(f->fix, "proxy pattern to record"));
	f = find_code(&rep, "rule-never-reached");
	assert_int_equal(f->severity, LINT_WARNING);
	assert_string_equal(ids_of(f), "rule-1 vpc-1");
	done(cfg, &rep);
}

static void test_record_proxy_zone_leaves_misses_to_rule(void **state)
{
	struct config *cfg = quiet_cfg();
	add_zone(cfg, "zone-1", "corp.example.", CONFIG_PROXY_RECORD, V1,
		 NULL);
	add_rule(cfg, "rule-1", "corp.example.", OP1, V1, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 1);
	assert_string_equal(rep.items[0].code, "zone-before-rule");
	assert_int_equal(rep.items[0].severity, LINT_INFO);
	done(cfg, &rep);
}

static void test_rule_hidden_in_one_vpc_is_still_reached(void **state)
{
	struct config *cfg = quiet_cfg();
	add_zone(cfg, "zone-1", "corp.example.", CONFIG_PROXY_ZONE, V1, NULL);
	add_rule(cfg, "rule-1", "corp.example.", OP1, V12, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(count_code(&rep, "zone-hides-rule"), 1);
	assert_int_equal(count_code(&rep, "rule-never-reached"), 0);
	done(cfg, &rep);
}

static void test_unbound_rule_is_never_reached(void **state)
{
	struct config *cfg = quiet_cfg();
	add_rule(cfg, "rule-1", "corp.example.", OP1, NULL, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 1);
	const struct lint_finding *f = find_code(&rep, "rule-never-reached");
	assert_string_equal(ids_of(f), "rule-1");
	assert_non_null(strstr(f->message, "bound to no VPC"));
	assert_non_null(strstr(f->fix, "zonegate rule bind rule-1 --vpc VPC"));
	done(cfg, &rep);
}

static void test_zone_bound_to_another_vpc_hides_nothing(void **state)
{
	struct config *cfg = quiet_cfg();
	add_zone(cfg, "zone-1", "corp.example.", CONFIG_PROXY_ZONE, V2, NULL);
	add_rule(cfg, "rule-1", "corp.example.", OP1, V1, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 0);
	done(cfg, &rep);
}

/*
 * Nesting: the longest match answers
 */

static void test_zone_above_rule_keeps_the_rule_reached(void **state)
{
	/* The rule is the longer match below its domain (section 2 step
	 * 1): it is not hidden; the zone loses the names under it. */
	static const char *const recs[] = {
		"www.corp.example. 300 A 10.1.2.3",
		"a.dev.corp.example. 300 A 10.1.2.4",
		"b.dev.corp.example. 300 TXT \"x\"",
		NULL,
	};
	struct config *cfg = quiet_cfg();
	add_zone(cfg, "zone-1", "corp.example.", CONFIG_PROXY_ZONE, V1, recs);
	add_rule(cfg, "rule-1", "dev.corp.example.", OP1, V1, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 1);
	const struct lint_finding *f = &rep.items[0];
	assert_string_equal(f->code, "nested-rule-in-zone");
	assert_int_equal(f->severity, LINT_WARNING);
	assert_string_equal(ids_of(f), "rule-1 zone-1 vpc-1");
	assert_non_null(strstr(f->message, "so the 2 records zone-1 holds there are never served to vpc-1"));
	done(cfg, &rep);
}

static void test_clean_split_is_info(void **state)
{
	static const char *const recs[] = {
		"www.corp.example. 300 A 10.1.2.3",
		/* The delegation's NS at the cut is the parent's side. */
		"dev.corp.example. 300 NS ns.dev.corp.example.",
		NULL,
	};
	struct config *cfg = quiet_cfg();
	add_zone(cfg, "zone-1", "corp.example.", CONFIG_PROXY_ZONE, V1, recs);
	add_zone(cfg, "zone-2", "dev.corp.example.", CONFIG_PROXY_ZONE, V1,
		 NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 1);
	assert_string_equal(rep.items[0].code, "nested-zone-in-zone");
	assert_int_equal(rep.items[0].severity, LINT_INFO);
	assert_string_equal(ids_of(&rep.items[0]), "zone-2 zone-1 vpc-1");
	done(cfg, &rep);
}

static void test_only_the_nearest_enclosing_one_is_reported(void **state)
{
	static const char *const T3[] = { "192.0.2.55:53", NULL };
	struct config *cfg = quiet_cfg();
	add_rule(cfg, "rule-1", "example.", OP1, V1, NULL);
	add_rule(cfg, "rule-2", "corp.example.", OP2, V1, NULL);
	add_rule(cfg, "rule-3", "dev.corp.example.", T3, V1, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 2);
	assert_string_equal(ids_of(&rep.items[0]), "rule-2 rule-1 vpc-1");
	assert_string_equal(ids_of(&rep.items[1]), "rule-3 rule-2 vpc-1");
	assert_string_equal(rep.items[0].code, "nested-rule-in-rule");
	done(cfg, &rep);
}

static void test_nested_rule_with_same_targets_is_redundant(void **state)
{
	struct config *cfg = quiet_cfg();
	add_rule(cfg, "rule-1", "corp.example.", OP1, V1, NULL);
	add_rule(cfg, "rule-2", "dev.corp.example.", OP1, V1, NULL);
	add_zone(cfg, "zone-1", "x.corp.example.", CONFIG_PROXY_ZONE, V1,
		 NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 2);
	const struct lint_finding *f = find_code(&rep, "nested-rule-in-rule");
	assert_non_null(strstr(f->message, "same targets"));
	assert_non_null(strstr(f->fix, "delete rule-2"));
	f = find_code(&rep, "nested-zone-in-rule");
	assert_string_equal(ids_of(f), "zone-1 rule-1 vpc-1");
	done(cfg, &rep);
}

static void test_nesting_across_vpcs_is_not_reported(void **state)
{
	struct config *cfg = quiet_cfg();
	add_zone(cfg, "zone-1", "corp.example.", CONFIG_PROXY_ZONE, V1, NULL);
	add_rule(cfg, "rule-1", "dev.corp.example.", OP1, V2, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 0);
	done(cfg, &rep);
}

/*
 * Upstreams
 */

static void test_vpc_without_upstream_is_reported(void **state)
{
	struct config *cfg = cfg_new();
	add_vpc(cfg, "vpc-1", NULL, false);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 1);
	const struct lint_finding *f = &rep.items[0];
	assert_string_equal(f->code, "no-default-upstream");
	assert_int_equal(f->severity, LINT_WARNING);
	assert_string_equal(ids_of(f), "vpc-1");
	assert_non_null(strstr(f->message, "REFUSED (EDE 20)"));
	assert_non_null(strstr(f->fix, "zonegate upstream set IP --vpc vpc-1"));
	done(cfg, &rep);
}

/*
 * Built-in reverse zones (RFC 6303)
 */

static void test_reverse_names_at_label_boundaries(void **state)
{
	static const struct {
		const char *prefix;
		const char *name;
	} cases[] = {
		{ "10.1.0.0/16", "1.10.in-addr.arpa." },
		{ "172.28.0.0/16", "28.172.in-addr.arpa." },
		{ "172.16.0.0/12", "172.in-addr.arpa." },
		{ "192.0.2.53", "53.2.0.192.in-addr.arpa." },
		{ "0.0.0.0/0", "in-addr.arpa." },
		{ "fd00::/8", "d.f.ip6.arpa." },
		{ "2001:db8::/32", "8.b.d.0.1.0.0.2.ip6.arpa." },
		{ "fe80::/10", "e.f.ip6.arpa." },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zg_prefix p;
		assert_int_equal(prefix_parse(cases[i].prefix, &p), 0);
		knot_dname_t name[KNOT_DNAME_MAXLEN];
		assert_int_equal(lint_reverse_name(&p, name), 0);
		char text[KNOT_DNAME_TXT_MAXLEN + 1];
		knot_dname_to_str(text, name, sizeof(text));
		assert_string_equal(text, cases[i].name);
	}
}

static void test_builtin_hides_reverse_of_rule_target(void **state)
{
	static const char *const DC[] = { "172.28.1.53:53", NULL };
	struct config *cfg = cfg_new();
	add_vpc(cfg, "vpc-1", NULL, true);
	add_global_upstream(cfg, PUBLIC);
	add_rule(cfg, "rule-1", "corp.example.", DC, V1, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 1);
	const struct lint_finding *f = &rep.items[0];
	assert_string_equal(f->code, "builtin-hides-reverse");
	assert_int_equal(f->severity, LINT_WARNING);
	assert_string_equal(ids_of(f),
			    "vpc-1 rule-1 builtin-28.172.in-addr.arpa");
	assert_non_null(strstr(f->message, "reverse names of 172.28.1.53 (target of rule-1) fall in the built-in zone 28.172.in-addr.arpa."));
	assert_non_null(strstr(f->fix, "add a rule for 28.172.in-addr.arpa. bound to vpc-1"));
	done(cfg, &rep);
}

static void test_addresses_with_one_fix_are_one_finding(void **state)
{
	static const char *const DC1[] = { "172.28.1.53:53", NULL };
	static const char *const DC2[] = { "172.28.9.9:53", NULL };
	static const char *const OTHER[] = { "172.29.0.1:53", NULL };
	struct config *cfg = cfg_new();
	add_vpc(cfg, "vpc-1", NULL, true);
	add_global_upstream(cfg, PUBLIC);
	add_rule(cfg, "rule-1", "a.example.", DC1, V1, NULL);
	add_rule(cfg, "rule-2", "b.example.", DC2, V1, NULL);
	add_rule(cfg, "rule-3", "c.example.", OTHER, V1, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 2);
	assert_string_equal(ids_of(&rep.items[0]),
			    "vpc-1 rule-1 builtin-28.172.in-addr.arpa rule-2");
	assert_non_null(strstr(rep.items[0].message,
			       "172.28.1.53 and 1 other address (target of rule-1)"));
	assert_string_equal(ids_of(&rep.items[1]),
			    "vpc-1 rule-3 builtin-29.172.in-addr.arpa");
	done(cfg, &rep);
}

static void test_rule_for_the_reverse_zone_clears_it(void **state)
{
	static const char *const DC[] = { "172.28.1.53:53", NULL };
	struct config *cfg = cfg_new();
	add_vpc(cfg, "vpc-1", NULL, true);
	add_global_upstream(cfg, PUBLIC);
	add_rule(cfg, "rule-1", "corp.example.", DC, V1, NULL);
	add_rule(cfg, "rule-2", "28.172.in-addr.arpa.", DC, V1, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(count_code(&rep, "builtin-hides-reverse"), 0);
	done(cfg, &rep);
}

static void test_endpoint_sources_and_cidrs_are_reached(void **state)
{
	static const char *const CIDRS[] = { "10.1.0.0/16", NULL };
	static const char *const SRC[] = { "10.0.255.10", "10.0.255.11",
					   NULL };
	struct config *cfg = cfg_new();
	add_vpc(cfg, "vpc-1", CIDRS, true);
	add_global_upstream(cfg, "198.51.100.53");
	add_endpoint(cfg, "ep-1", "vpc-1", SRC);
	add_rule(cfg, "rule-1", "corp.example.", OP1, V1, "ep-1");
	struct lint_report rep = lint(cfg);

	/* The target 192.0.2.53 and the upstream 198.51.100.53 lie in
	 * documentation networks (RFC 5737), whose built-in zones hide
	 * them too: the target, the two sources (one finding: one fix),
	 * the upstream, the CIDR. */
	assert_int_equal(rep.n, 4);
	assert_int_equal(count_code(&rep, "builtin-hides-reverse"), 4);
	const struct lint_finding *f = &rep.items[0];
	assert_int_equal(f->severity, LINT_WARNING);
	assert_string_equal(ids_of(f), "vpc-1 rule-1 builtin-2.0.192.in-addr.arpa");
	f = &rep.items[1];
	assert_string_equal(ids_of(f), "vpc-1 ep-1 builtin-10.in-addr.arpa");
	assert_non_null(strstr(f->message, "10.0.255.10 and 1 other address (source address of ep-1)"));
	assert_non_null(strstr(f->fix, "add a rule for 0.10.in-addr.arpa."));
	f = &rep.items[2];
	assert_string_equal(ids_of(f), "vpc-1 upstream-global builtin-100.51.198.in-addr.arpa");
	/* Warnings (addresses) come before the info of the CIDR. */
	f = &rep.items[rep.n - 1];
	assert_int_equal(f->severity, LINT_INFO);
	assert_string_equal(ids_of(f), "vpc-1 builtin-10.in-addr.arpa");
	assert_non_null(strstr(f->message, "10.1.0.0/16 (CIDR of vpc-1)"));
	assert_non_null(strstr(f->fix, "add a rule for 1.10.in-addr.arpa."));
	done(cfg, &rep);
}

static void test_cidr_over_several_builtins_is_one_finding(void **state)
{
	static const char *const CIDRS[] = { "172.16.0.0/12", NULL };
	struct config *cfg = cfg_new();
	add_vpc(cfg, "vpc-1", CIDRS, true);
	add_global_upstream(cfg, PUBLIC);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 1);
	const struct lint_finding *f = &rep.items[0];
	assert_int_equal(f->n_ids, LINT_MAX_IDS);
	assert_non_null(strstr(f->message, "built-in zones 16.172.in-addr.arpa., 17.172.in-addr.arpa., 18.172.in-addr.arpa. and 13 more"));
	done(cfg, &rep);
}

static void test_no_reverse_finding_without_builtins(void **state)
{
	static const char *const CIDRS[] = { "10.1.0.0/16", NULL };
	struct config *cfg = cfg_new();
	add_vpc(cfg, "vpc-1", CIDRS, false);
	add_global_upstream(cfg, "10.9.9.9");
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 0);
	done(cfg, &rep);
}

/*
 * Signed public TLDs and targets without a source
 */

static void test_zone_under_signed_tld_is_flagged(void **state)
{
	struct config *cfg = quiet_cfg();
	add_zone(cfg, "zone-1", "example.com.", CONFIG_PROXY_ZONE, V1, NULL);
	add_zone(cfg, "zone-2", "corp.example.", CONFIG_PROXY_ZONE, V1, NULL);
	add_zone(cfg, "zone-3", "Intra.ORG.", CONFIG_PROXY_RECORD, V2, NULL);
	add_zone(cfg, "zone-4", "unused.net.", CONFIG_PROXY_ZONE, NULL, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(count_code(&rep, "zone-shadows-signed"), 2);
	const struct lint_finding *f = &rep.items[0];
	assert_string_equal(ids_of(f), "zone-1 vpc-1");
	assert_non_null(strstr(f->message, "names under com., a DNSSEC-signed public TLD"));
	assert_non_null(strstr(f->message, "heuristic"));
	assert_non_null(strstr(f->fix, "set the proxy pattern to record"));
	f = &rep.items[1];
	assert_string_equal(ids_of(f), "zone-3 vpc-2");
	assert_null(strstr(f->fix, "set the proxy pattern to record"));
	assert_int_equal(count_code(&rep, "zone-unbound"), 1);

	char tld[16];
	knot_dname_t name[KNOT_DNAME_MAXLEN];
	knot_dname_from_str(name, "com.", sizeof(name));
	assert_true(lint_under_signed_tld(name, tld, sizeof(tld)));
	assert_string_equal(tld, "com.");
	knot_dname_from_str(name, "home.arpa.", sizeof(name));
	assert_false(lint_under_signed_tld(name, tld, sizeof(tld)));
	done(cfg, &rep);
}

static void test_target_without_source_of_its_family(void **state)
{
	static const char *const SRC4[] = { "10.0.255.10", NULL };
	static const char *const V6[] = { "[2001:db8::53]:53", NULL };
	static const char *const MIXED[] = { "192.0.2.53:53",
					     "[2001:db8::53]:53", NULL };
	struct config *cfg = quiet_cfg();
	add_endpoint(cfg, "ep-1", "vpc-1", SRC4);
	add_rule(cfg, "rule-1", "a.example.", V6, V1, "ep-1");
	add_rule(cfg, "rule-2", "b.example.", MIXED, V1, "ep-1");
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 2);
	assert_int_equal(rep.items[0].severity, LINT_ERROR);
	assert_string_equal(ids_of(&rep.items[0]), "rule-1 ep-1");
	assert_non_null(strstr(rep.items[0].message, "every query of the rule gets SERVFAIL"));
	assert_int_equal(rep.items[1].severity, LINT_WARNING);
	assert_string_equal(ids_of(&rep.items[1]), "rule-2 ep-1");
	assert_non_null(strstr(rep.items[1].message, "1 target ([2001:db8::53]:53)"));
	assert_int_equal(lint_count(&rep, LINT_ERROR), 1);
	assert_int_equal(lint_count(&rep, LINT_WARNING), 1);
	done(cfg, &rep);
}

static void test_clean_configuration_has_no_findings(void **state)
{
	struct config *cfg = quiet_cfg();
	add_zone(cfg, "zone-1", "corp.example.", CONFIG_PROXY_ZONE, V1, NULL);
	add_rule(cfg, "rule-1", "onprem.example.", OP1, V12, NULL);
	struct lint_report rep = lint(cfg);

	assert_int_equal(rep.n, 0);
	assert_string_equal(lint_severity_name(LINT_INFO), "info");
	done(cfg, &rep);
}

int main(void)
{
	rcu_register_thread();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_at_rule_name_hides_rule),
		cmocka_unit_test(test_record_proxy_zone_leaves_misses_to_rule),
		cmocka_unit_test(test_rule_hidden_in_one_vpc_is_still_reached),
		cmocka_unit_test(test_unbound_rule_is_never_reached),
		cmocka_unit_test(test_zone_bound_to_another_vpc_hides_nothing),
		cmocka_unit_test(test_zone_above_rule_keeps_the_rule_reached),
		cmocka_unit_test(test_clean_split_is_info),
		cmocka_unit_test(test_only_the_nearest_enclosing_one_is_reported),
		cmocka_unit_test(test_nested_rule_with_same_targets_is_redundant),
		cmocka_unit_test(test_nesting_across_vpcs_is_not_reported),
		cmocka_unit_test(test_vpc_without_upstream_is_reported),
		cmocka_unit_test(test_reverse_names_at_label_boundaries),
		cmocka_unit_test(test_builtin_hides_reverse_of_rule_target),
		cmocka_unit_test(test_addresses_with_one_fix_are_one_finding),
		cmocka_unit_test(test_rule_for_the_reverse_zone_clears_it),
		cmocka_unit_test(test_endpoint_sources_and_cidrs_are_reached),
		cmocka_unit_test(test_cidr_over_several_builtins_is_one_finding),
		cmocka_unit_test(test_no_reverse_finding_without_builtins),
		cmocka_unit_test(test_zone_under_signed_tld_is_flagged),
		cmocka_unit_test(test_target_without_source_of_its_family),
		cmocka_unit_test(test_clean_configuration_has_no_findings),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	config_builtins_free();
	rcu_unregister_thread();
	return failed;
}
