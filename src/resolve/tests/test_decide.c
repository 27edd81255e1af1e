/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The candidate choice of shared/resolution.md section 2, as decide_step()
 * makes it for the query path and explain: longest match, zone before
 * rule, configured before built-in, fall-through only on a true NXDOMAIN
 * of a zone with proxy pattern record (RFC 8020: NODATA and empty
 * non-terminals never fall through), and the default upstream last. */
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
#include "resolve/decide.h"
#include "resolve/resolve.h"
#include "zone/zone.h"

static struct config *cfg;

static const knot_dname_t *dn(const char *text)
{
	static knot_dname_t bufs[4][KNOT_DNAME_MAXLEN];
	static int next;
	knot_dname_t *buf = bufs[next++ % 4];
	assert_non_null(knot_dname_from_str(buf, text, KNOT_DNAME_MAXLEN));
	return buf;
}

static char (*one_vpc(const char *vpc_id))[CONFIG_ID_LEN]
{
	char (*ids)[CONFIG_ID_LEN] = calloc(1, sizeof(*ids));
	strcpy(ids[0], vpc_id);
	return ids;
}

/* A zone with the standard SOA of bugcorpus.md and the given records
 * (NULL-terminated presentation lines); loaded unless lines is NULL. */
static void add_zone(const char *zone_id, const char *name,
		     enum config_proxy_pattern pattern, const char *const *lines)
{
	struct config_zone *zone = &cfg->zones[cfg->n_zones++];
	strcpy(zone->zone_id, zone_id);
	zone->name = strdup(name);
	zone->proxy_pattern = pattern;
	zone->handle = zone_handle_new(zone_id);
	zone->vpc_ids = one_vpc("vpc-a");
	zone->n_vpcs = 1;
	if (lines == NULL) {
		return;
	}

	char line[512], err[256];
	struct zone_builder *b = zone_builder_new(dn(name));
	assert_non_null(b);
	snprintf(line, sizeof(line),
		 "%s 3600 IN SOA ns1.%s hostmaster.%s 2026120401 3600 600 604800 300",
		 name, name, name);
	assert_int_equal(zone_builder_add_text(b, line, err, sizeof(err)), 0);
	for (size_t i = 0; lines[i] != NULL; i++) {
		assert_int_equal(zone_builder_add_text(b, lines[i], err,
						       sizeof(err)), 0);
	}
	struct zone_contents *z = zone_builder_finish(b, err, sizeof(err));
	assert_non_null(z);
	zone_handle_publish(zone->handle, z);
}

static void add_rule(const char *rule_id, const char *domain)
{
	struct config_rule *rule = &cfg->rules[cfg->n_rules++];
	strcpy(rule->rule_id, rule_id);
	rule->domain = strdup(domain);
	rule->vpc_ids = one_vpc("vpc-a");
	rule->n_vpcs = 1;
	rule->n_targets = 1;
	assert_int_equal(addr_parse("192.0.2.53", 53, &rule->targets[0]), 0);
}

static int setup(void **state)
{
	cfg = calloc(1, sizeof(*cfg));
	cfg->vpcs = calloc(1, sizeof(*cfg->vpcs));
	cfg->zones = calloc(8, sizeof(*cfg->zones));
	cfg->rules = calloc(8, sizeof(*cfg->rules));
	struct config_vpc *vpc = &cfg->vpcs[cfg->n_vpcs++];
	strcpy(vpc->vpc_id, "vpc-a");
	vpc->name = strdup("vpc-a");
	vpc->builtin_zones = true;
	vpc->cidrs = calloc(1, sizeof(*vpc->cidrs));
	assert_int_equal(prefix_parse("10.1.0.0/16", &vpc->cidrs[0]), 0);
	vpc->n_cidrs = 1;
	return 0;
}

static int teardown(void **state)
{
	config_free(cfg);
	cfg = NULL;
	return 0;
}

static void finish(void)
{
	char err[256] = "";
	if (config_finish(cfg, NULL, 0, err, sizeof(err)) != 0) {
		fail_msg("config_finish: %s", err);
	}
}

struct outcome {
	struct decision d;
	struct wire_answer ans;
};

static void decide(const char *name, uint16_t qtype, struct outcome *out)
{
	wire_answer_init(&out->ans);
	const struct config_vpc *vpc = config_find_vpc(cfg, "vpc-a");
	assert_non_null(vpc);
	assert_int_equal(decide_step(cfg, vpc, dn(name), qtype, &out->ans,
				     &out->d, NULL), 0);
}

static size_t count(const struct outcome *out, int section)
{
	return out->ans.sections[section].count;
}

static void test_record_pattern_nxdomain_falls_through_to_rule(void **state)
{
	const char *lines[] = { "intra.a.example. 300 IN A 10.1.2.3", NULL };
	add_zone("zone-1", "a.example.", CONFIG_PROXY_RECORD, lines);
	add_rule("rule-1", "example.");
	finish();

	struct outcome out;
	decide("www.a.example.", KNOT_RRTYPE_A, &out);
	assert_int_equal(out.d.kind, DECISION_RULE);
	assert_string_equal(out.d.rule->rule_id, "rule-1");
	/* The zone's NXDOMAIN and its SOA are gone: the rule answers. */
	assert_int_equal(out.ans.rcode, KNOT_RCODE_NOERROR);
	assert_int_equal(count(&out, KNOT_AUTHORITY), 0);
	wire_answer_clear(&out.ans);
}

static void test_record_pattern_nodata_does_not_fall_through(void **state)
{
	const char *lines[] = { "intra.a.example. 300 IN A 10.1.2.3", NULL };
	add_zone("zone-1", "a.example.", CONFIG_PROXY_RECORD, lines);
	add_rule("rule-1", "example.");
	finish();

	struct outcome out;
	decide("intra.a.example.", KNOT_RRTYPE_AAAA, &out);
	assert_int_equal(out.d.kind, DECISION_ANSWERED);
	assert_int_equal(out.ans.rcode, KNOT_RCODE_NOERROR);
	assert_int_equal(count(&out, KNOT_ANSWER), 0);
	assert_int_equal(count(&out, KNOT_AUTHORITY), 1);
	/* RFC 2308 section 3: min(SOA TTL 3600, MINIMUM 300). */
	assert_int_equal(out.ans.sections[KNOT_AUTHORITY].items[0].rrset->ttl,
			 300);
	wire_answer_clear(&out.ans);
}

static void test_record_pattern_empty_non_terminal_stays(void **state)
{
	const char *lines[] = {
		"_sip._tcp.a.example. 300 IN SRV 10 5 5060 intra.a.example.",
		NULL,
	};
	add_zone("zone-1", "a.example.", CONFIG_PROXY_RECORD, lines);
	finish();

	struct outcome out;
	decide("_tcp.a.example.", KNOT_RRTYPE_SRV, &out);
	assert_int_equal(out.d.kind, DECISION_ANSWERED);
	assert_int_equal(out.ans.rcode, KNOT_RCODE_NOERROR);
	assert_int_equal(count(&out, KNOT_AUTHORITY), 1);
	wire_answer_clear(&out.ans);
}

static void test_zone_pattern_nxdomain_is_final(void **state)
{
	const char *lines[] = { "intra.a.example. 300 IN A 10.1.2.3", NULL };
	add_zone("zone-1", "a.example.", CONFIG_PROXY_ZONE, lines);
	add_rule("rule-1", "example.");
	finish();

	struct outcome out;
	decide("www.a.example.", KNOT_RRTYPE_A, &out);
	assert_int_equal(out.d.kind, DECISION_ANSWERED);
	assert_string_equal(out.d.resource_id, "zone-1");
	assert_int_equal(out.ans.rcode, KNOT_RCODE_NXDOMAIN);
	assert_int_equal(count(&out, KNOT_AUTHORITY), 1);
	wire_answer_clear(&out.ans);
}

static void test_zone_wins_a_tie_with_a_rule(void **state)
{
	const char *lines[] = { "www.corp.example. 300 IN A 10.1.2.3", NULL };
	add_rule("rule-1", "corp.example.");
	add_zone("zone-1", "corp.example.", CONFIG_PROXY_ZONE, lines);
	finish();

	struct outcome out;
	decide("www.corp.example.", KNOT_RRTYPE_A, &out);
	assert_int_equal(out.d.kind, DECISION_ANSWERED);
	assert_string_equal(out.d.resource_id, "zone-1");
	assert_int_equal(count(&out, KNOT_ANSWER), 1);
	wire_answer_clear(&out.ans);
}

static void test_longer_rule_beats_shorter_zone(void **state)
{
	const char *lines[] = { "intra.example.com. 300 IN A 10.1.2.3", NULL };
	add_zone("zone-1", "example.com.", CONFIG_PROXY_RECORD, lines);
	add_rule("rule-1", "onprem.example.com.");
	finish();

	struct outcome out;
	decide("h.onprem.example.com.", KNOT_RRTYPE_A, &out);
	assert_int_equal(out.d.kind, DECISION_RULE);
	assert_string_equal(out.d.resource_id, "rule-1");
	wire_answer_clear(&out.ans);
}

static void test_configured_rule_beats_builtin_reverse_zone(void **state)
{
	add_rule("rule-1", "0.232.10.in-addr.arpa.");
	finish();

	/* BC-26 a and b. */
	struct outcome out;
	decide("24.0.232.10.in-addr.arpa.", KNOT_RRTYPE_PTR, &out);
	assert_int_equal(out.d.kind, DECISION_RULE);
	wire_answer_clear(&out.ans);

	decide("24.1.232.10.in-addr.arpa.", KNOT_RRTYPE_PTR, &out);
	assert_int_equal(out.d.kind, DECISION_ANSWERED);
	assert_int_equal(out.ans.rcode, KNOT_RCODE_NXDOMAIN);
	const knot_rrset_t *soa =
		out.ans.sections[KNOT_AUTHORITY].items[0].rrset;
	assert_int_equal(soa->type, KNOT_RRTYPE_SOA);
	assert_true(knot_dname_is_equal(soa->owner, dn("10.in-addr.arpa.")));
	assert_int_equal(soa->ttl, 10800);
	assert_int_equal(out.ans.sections[KNOT_AUTHORITY].items[0].src.kind,
			 WIRE_SRC_BUILTIN);
	wire_answer_clear(&out.ans);
}

static void test_builtins_off_for_the_vpc(void **state)
{
	cfg->vpcs[0].builtin_zones = false;
	finish();

	struct outcome out;
	decide("24.1.232.10.in-addr.arpa.", KNOT_RRTYPE_PTR, &out);
	/* No upstream either: REFUSED, never the built-in answer. */
	assert_int_equal(out.d.kind, DECISION_NO_UPSTREAM);
	wire_answer_clear(&out.ans);
}

static void test_unmatched_name_goes_to_the_vpc_upstream(void **state)
{
	cfg->upstreams = calloc(1, sizeof(*cfg->upstreams));
	cfg->n_upstreams = 1;
	strcpy(cfg->upstreams[0].upstream_id, "upstream-global");
	cfg->upstreams[0].n_targets = 1;
	assert_int_equal(addr_parse("198.51.100.53", 53,
				    &cfg->upstreams[0].targets[0]), 0);
	add_rule("rule-1", "corp.example.");
	finish();

	struct outcome out;
	/* Whole labels: notcorp.example is not under corp.example. */
	decide("www.notcorp.example.", KNOT_RRTYPE_A, &out);
	assert_int_equal(out.d.kind, DECISION_UPSTREAM);
	assert_string_equal(out.d.resource_id, "upstream-global");
	wire_answer_clear(&out.ans);
}

static void test_no_upstream_configured(void **state)
{
	finish();

	struct outcome out;
	decide("www.example.org.", KNOT_RRTYPE_A, &out);
	assert_int_equal(out.d.kind, DECISION_NO_UPSTREAM);
	wire_answer_clear(&out.ans);
}

static void test_cname_leaving_the_zone_names_the_target(void **state)
{
	const char *lines[] = {
		"web.app.example.com. 300 IN CNAME svc.onprem.example.",
		NULL,
	};
	add_zone("zone-1", "app.example.com.", CONFIG_PROXY_ZONE, lines);
	add_rule("rule-1", "onprem.example.");
	finish();

	struct outcome out;
	decide("web.app.example.com.", KNOT_RRTYPE_A, &out);
	assert_int_equal(out.d.kind, DECISION_CNAME);
	assert_true(knot_dname_is_equal(out.d.next_name,
					dn("svc.onprem.example.")));
	assert_int_equal(count(&out, KNOT_ANSWER), 1);
	assert_int_equal(out.ans.cname_count, 1);
	wire_answer_clear(&out.ans);
}

static void test_unloaded_zone_is_not_ready(void **state)
{
	add_zone("zone-1", "sec.example.", CONFIG_PROXY_ZONE, NULL);
	finish();

	struct outcome out;
	decide("www.sec.example.", KNOT_RRTYPE_A, &out);
	assert_int_equal(out.d.kind, DECISION_NOT_READY);
	assert_string_equal(out.d.resource_id, "zone-1");
	wire_answer_clear(&out.ans);
}

static void test_explain_reports_fallthrough_then_rule(void **state)
{
	const char *lines[] = { "intra.a.example. 300 IN A 10.1.2.3", NULL };
	add_zone("zone-1", "a.example.", CONFIG_PROXY_RECORD, lines);
	add_rule("rule-1", "example.");
	finish();

	struct resolve_explanation ex;
	assert_int_equal(resolve_explain(cfg, "vpc-a", "www.a.example",
					 KNOT_RRTYPE_A, &ex), 0);
	assert_int_equal(ex.n_steps, 2);
	assert_int_equal(ex.steps[0].kind, RESOLVE_STEP_ZONE_FALLTHROUGH);
	assert_string_equal(ex.steps[0].resource_id, "zone-1");
	assert_int_equal(ex.steps[1].kind, RESOLVE_STEP_RULE);
	assert_string_equal(ex.steps[1].resource_id, "rule-1");
	assert_string_equal(ex.steps[1].matched, "example.");
	assert_int_equal(ex.steps[1].n_targets, 1);

	assert_int_equal(resolve_explain(cfg, "vpc-zz", "www.a.example",
					 KNOT_RRTYPE_A, &ex), ZG_ENOENT);
}

/* A delegation answers with a referral, and says which servers a query
 * with RD set asks instead (resolution.md section 3): the glue, port 53,
 * and where the referral starts in the answer. */
static void test_delegation_names_its_servers_from_the_glue(void **state)
{
	const char *lines[] = {
		"sub.a.example. 3600 IN NS ns.sub.a.example.",
		"ns.sub.a.example. 3600 IN A 192.0.2.54",
		"ns.sub.a.example. 3600 IN AAAA 2001:db8::54",
		NULL,
	};
	add_zone("zone-1", "a.example.", CONFIG_PROXY_ZONE, lines);
	finish();

	struct outcome out;
	decide("www.sub.a.example.", KNOT_RRTYPE_A, &out);
	assert_int_equal(out.d.kind, DECISION_ANSWERED);
	assert_true(out.d.delegation);
	assert_true(knot_dname_is_equal(out.d.cut_name,
					dn("sub.a.example.")));
	assert_int_equal(out.d.n_glue, 2);
	struct zg_addr v4, v6;
	assert_int_equal(addr_parse("192.0.2.54:53", 0, &v4), 0);
	assert_int_equal(addr_parse("[2001:db8::54]:53", 0, &v6), 0);
	assert_true(addr_equal(&out.d.glue[0], &v4) ||
		    addr_equal(&out.d.glue[1], &v4));
	assert_true(addr_equal(&out.d.glue[0], &v6) ||
		    addr_equal(&out.d.glue[1], &v6));
	/* The referral was the first thing in the answer. */
	assert_int_equal(out.d.counts_before[KNOT_AUTHORITY], 0);
	assert_int_equal(out.d.counts_before[KNOT_ADDITIONAL], 0);
	assert_int_equal(count(&out, KNOT_AUTHORITY), 1);
	wire_answer_clear(&out.ans);

	decide("www.a.example.", KNOT_RRTYPE_A, &out);
	assert_false(out.d.delegation);
	wire_answer_clear(&out.ans);
}

int main(void)
{
	rcu_register_thread();
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_record_pattern_nxdomain_falls_through_to_rule),
		T(test_record_pattern_nodata_does_not_fall_through),
		T(test_record_pattern_empty_non_terminal_stays),
		T(test_zone_pattern_nxdomain_is_final),
		T(test_zone_wins_a_tie_with_a_rule),
		T(test_longer_rule_beats_shorter_zone),
		T(test_configured_rule_beats_builtin_reverse_zone),
		T(test_builtins_off_for_the_vpc),
		T(test_unmatched_name_goes_to_the_vpc_upstream),
		T(test_no_upstream_configured),
		T(test_cname_leaving_the_zone_names_the_target),
		T(test_unloaded_zone_is_not_ready),
		T(test_explain_reports_fallthrough_then_rule),
		T(test_delegation_names_its_servers_from_the_glue),
#undef T
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	config_builtins_free();
	rcu_unregister_thread();
	return ret;
}
