/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The RTT estimator and timeout clamp (RFC 6298, resolution.md section 5),
 * the order targets are asked in, up/down hysteresis with probes, DNS
 * Cookies storage and rule quarantine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "common/log.h"
#include "health/health.h"

static int reset(void **state)
{
	(void)state;
	health_reset();
	return 0;
}

static void key_of(struct health_key *key, const char *target,
		   const char *path)
{
	struct zg_addr addr;
	assert_int_equal(addr_parse(target, 53, &addr), 0);
	health_key_init(key, &addr, path);
}

/* ---- RTT estimator ---------------------------------------------------- */

static void test_first_sample_sets_srtt_and_half_variance(void **state)
{
	struct health_rtt rtt = { 0 };
	health_rtt_sample(&rtt, 100000);
	/* RFC 6298 2.2: SRTT = R, RTTVAR = R/2. */
	assert_true(rtt.measured);
	assert_int_equal(rtt.srtt_us, 100000);
	assert_int_equal(rtt.rttvar_us, 50000);
	(void)state;
}

static void test_later_samples_are_smoothed(void **state)
{
	struct health_rtt rtt = { 0 };
	health_rtt_sample(&rtt, 100000);
	health_rtt_sample(&rtt, 200000);
	/* RFC 6298 2.3: RTTVAR = 3/4 * 50000 + 1/4 * |100000 - 200000|,
	 * SRTT = 7/8 * 100000 + 1/8 * 200000. */
	assert_int_equal(rtt.rttvar_us, 62500);
	assert_int_equal(rtt.srtt_us, 112500);
	health_rtt_sample(&rtt, 112500);
	assert_int_equal(rtt.rttvar_us, 46875);
	assert_int_equal(rtt.srtt_us, 112500);
	(void)state;
}

static void test_first_try_timeout_is_800_ms(void **state)
{
	struct health_rtt rtt = { 0 };
	assert_int_equal(health_rtt_timeout_ms(&rtt), 800);
	(void)state;
}

static void test_timeout_is_srtt_plus_four_variances_clamped(void **state)
{
	struct health_rtt rtt = { 0 };

	/* 100 ms: 100 + 4 * 50 = 300 ms, inside the clamp. */
	health_rtt_sample(&rtt, 100000);
	assert_int_equal(health_rtt_timeout_ms(&rtt), 300);

	/* 10 ms: 10 + 4 * 5 = 30 ms, raised to 250. */
	memset(&rtt, 0, sizeof(rtt));
	health_rtt_sample(&rtt, 10000);
	assert_int_equal(health_rtt_timeout_ms(&rtt), 250);

	/* 1 s: 1000 + 4 * 500 = 3000 ms, lowered to 1500. */
	memset(&rtt, 0, sizeof(rtt));
	health_rtt_sample(&rtt, 1000000);
	assert_int_equal(health_rtt_timeout_ms(&rtt), 1500);

	/* Rounded up to the next millisecond: 200.1 + 4 * 100.05. */
	memset(&rtt, 0, sizeof(rtt));
	health_rtt_sample(&rtt, 200100);
	assert_int_equal(health_rtt_timeout_ms(&rtt), 601);
	(void)state;
}

/* ---- ordering --------------------------------------------------------- */

static void measured(struct health_view *v, uint32_t srtt_us)
{
	v->known = true;
	v->rtt.measured = true;
	v->rtt.srtt_us = srtt_us;
	v->rtt.rttvar_us = srtt_us / 2;
}

static void test_unmeasured_targets_keep_configured_order(void **state)
{
	struct health_view views[3] = { 0 };
	struct health_choice c;
	health_order(views, 3, 99, 1000, &c);
	assert_int_equal(c.n_order, 3);
	assert_int_equal(c.order[0], 0);
	assert_int_equal(c.order[1], 1);
	assert_int_equal(c.order[2], 2);
	assert_int_equal(c.explore, -1);
	(void)state;
}

static void test_similar_targets_keep_configured_order(void **state)
{
	struct health_view views[2] = { 0 };
	/* 0.4 ms against 0.2 ms is within the 10 ms slack. */
	measured(&views[0], 400);
	measured(&views[1], 200);
	struct health_choice c;
	health_order(views, 2, 0, 1000, &c);
	assert_int_equal(c.n_order, 2);
	assert_int_equal(c.order[0], 0);
	assert_int_equal(c.order[1], 1);
	assert_int_equal(c.explore, -1);
	(void)state;
}

static void test_much_faster_target_is_preferred(void **state)
{
	struct health_view views[3] = { 0 };
	measured(&views[0], 90000);	/* 90 ms */
	measured(&views[1], 60000);	/* 60 ms: not within 30 ms of 20 */
	measured(&views[2], 20000);	/* 20 ms */
	struct health_choice c;
	health_order(views, 3, 50, 1000, &c);
	assert_int_equal(c.n_order, 3);
	assert_int_equal(c.order[0], 2);
	/* The slower ones by SRTT. */
	assert_int_equal(c.order[1], 1);
	assert_int_equal(c.order[2], 0);
	(void)state;
}

static void test_failing_target_goes_last(void **state)
{
	struct health_view views[3] = { 0 };
	views[0].known = true;
	views[0].failures = 2;
	views[1].known = true;
	views[1].failures = 1;
	struct health_choice c;
	health_order(views, 3, 50, 1000, &c);
	assert_int_equal(c.n_order, 3);
	assert_int_equal(c.order[0], 2);
	assert_int_equal(c.order[1], 1);	/* fewest failures first */
	assert_int_equal(c.order[2], 0);
	(void)state;
}

static void test_down_targets_are_left_out(void **state)
{
	struct health_view views[2] = { 0 };
	views[0].known = true;
	views[0].state = HEALTH_DOWN;
	struct health_choice c;
	health_order(views, 2, 0, 1000, &c);
	assert_int_equal(c.n_order, 1);
	assert_int_equal(c.order[0], 1);

	views[1].known = true;
	views[1].state = HEALTH_DOWN;
	health_order(views, 2, 0, 1000, &c);
	assert_int_equal(c.n_order, 0);
	assert_int_equal(c.explore, -1);
	(void)state;
}

static void test_deprioritised_target_is_explored_now_and_then(void **state)
{
	struct health_view views[2] = { 0 };
	views[0].known = true;
	views[0].failures = 1;
	views[0].last_sent_ms = 10000;
	measured(&views[1], 300);
	views[1].last_sent_ms = 10000;
	struct health_choice c;

	/* Random draw 4 of 100: under 5 %. */
	health_order(views, 2, 104, 11000, &c);
	assert_int_equal(c.order[0], 1);
	assert_int_equal(c.explore, 0);

	/* Draw 5 of 100: not this time... */
	health_order(views, 2, 5, 11000, &c);
	assert_int_equal(c.explore, -1);

	/* ...unless it was not asked for 5 s. */
	health_order(views, 2, 5, 15000, &c);
	assert_int_equal(c.explore, 0);
	(void)state;
}

static void test_oldest_deprioritised_target_is_explored(void **state)
{
	struct health_view views[3] = { 0 };
	measured(&views[0], 200);
	views[1].known = true;
	views[1].failures = 1;
	views[1].last_sent_ms = 900;
	views[2].known = true;
	views[2].failures = 1;
	views[2].last_sent_ms = 100;
	struct health_choice c;
	health_order(views, 3, 0, 1000, &c);
	assert_int_equal(c.order[0], 0);
	assert_int_equal(c.explore, 2);
	(void)state;
}

/* ---- health and hysteresis ------------------------------------------- */

static void probe_of(struct health_probe *p, const struct health_key *key)
{
	memset(p, 0, sizeof(*p));
	p->key = *key;
	p->recursive = true;
	static const uint8_t corp[] = "\4corp\7example";
	memcpy(p->name, corp, sizeof(corp));
}

static void test_three_failures_in_a_row_mark_down(void **state)
{
	struct health_key key;
	struct health_probe probe;
	struct health_view v;
	key_of(&key, "192.0.2.53", "ep-1");
	probe_of(&probe, &key);

	assert_false(health_note_failure(&key, 1000, &probe, "rule-1"));
	assert_false(health_note_failure(&key, 1100, &probe, "rule-1"));
	health_view_get(&key, &v);
	assert_int_equal(v.state, HEALTH_UP);
	assert_int_equal(v.failures, 2);

	assert_true(health_note_failure(&key, 1200, &probe, "rule-1"));
	health_view_get(&key, &v);
	assert_int_equal(v.state, HEALTH_DOWN);
	assert_int_equal(v.changed_ms, 1200);
	assert_true(v.changed_unix_s > 0);
	(void)state;
}

static void test_any_reply_resets_the_failures(void **state)
{
	struct health_key key;
	struct health_view v;
	key_of(&key, "192.0.2.53", "ep-1");

	health_note_failure(&key, 1000, NULL, NULL);
	health_note_failure(&key, 1100, NULL, NULL);
	health_note_reply(&key, 300, 1200, NULL);
	health_note_failure(&key, 1300, NULL, NULL);
	health_note_failure(&key, 1400, NULL, NULL);
	health_view_get(&key, &v);
	assert_int_equal(v.state, HEALTH_UP);
	assert_int_equal(v.failures, 2);
	assert_int_equal(v.rtt.srtt_us, 300);
	(void)state;
}

static void test_down_target_is_probed_and_needs_two_answers(void **state)
{
	struct health_key key;
	struct health_probe probe, claimed;
	struct health_view v;
	key_of(&key, "192.0.2.53", "ep-1");
	probe_of(&probe, &key);
	for (int i = 0; i < HEALTH_DOWN_AFTER; i++) {
		health_note_failure(&key, 1000, &probe, "rule-1");
	}

	/* Not before the probe interval. */
	assert_false(health_probe_claim(2999, &claimed));
	assert_true(health_probe_claim(3000, &claimed));
	assert_true(memcmp(&claimed.key, &key, sizeof(key)) == 0);
	assert_memory_equal(claimed.name, probe.name, 14);
	assert_true(claimed.recursive);
	/* One probe in flight at a time. */
	assert_false(health_probe_claim(5000, &claimed));

	health_probe_done(&key, true, 2000, 3010);
	health_view_get(&key, &v);
	assert_int_equal(v.state, HEALTH_DOWN);
	assert_int_equal(v.probe_successes, 1);

	/* A failed probe starts the count again. */
	assert_true(health_probe_claim(5010, &claimed));
	health_probe_done(&key, false, 0, 6510);
	health_view_get(&key, &v);
	assert_int_equal(v.probe_successes, 0);

	assert_true(health_probe_claim(7010, &claimed));
	health_probe_done(&key, true, 2000, 7020);
	assert_true(health_probe_claim(9020, &claimed));
	health_probe_done(&key, true, 4000, 9030);
	health_view_get(&key, &v);
	assert_int_equal(v.state, HEALTH_UP);
	assert_int_equal(v.failures, 0);
	assert_int_equal(v.changed_ms, 9030);
	/* The RTT starts afresh from the last probe. */
	assert_int_equal(v.rtt.srtt_us, 4000);
	assert_int_equal(v.rtt.rttvar_us, 2000);
	assert_false(health_probe_claim(20000, &claimed));
	(void)state;
}

static void test_unreported_probe_is_claimed_again(void **state)
{
	struct health_key key;
	struct health_probe probe, claimed;
	key_of(&key, "192.0.2.54", "ep-1");
	probe_of(&probe, &key);
	for (int i = 0; i < HEALTH_DOWN_AFTER; i++) {
		health_note_failure(&key, 0, &probe, NULL);
	}
	assert_true(health_probe_claim(2000, &claimed));
	assert_false(health_probe_claim(4999, &claimed));
	assert_true(health_probe_claim(5000, &claimed));
	(void)state;
}

static void test_paths_are_separate_targets(void **state)
{
	struct health_key a, b;
	struct health_view v;
	key_of(&a, "192.0.2.53", "ep-1");
	key_of(&b, "192.0.2.53", "ep-2");
	for (int i = 0; i < HEALTH_DOWN_AFTER; i++) {
		health_note_failure(&a, 0, NULL, NULL);
	}
	health_view_get(&a, &v);
	assert_int_equal(v.state, HEALTH_DOWN);
	health_view_get(&b, &v);
	assert_false(v.known);
	assert_int_equal(v.state, HEALTH_UP);
	(void)state;
}

static void test_idle_entries_are_forgotten(void **state)
{
	struct health_key key;
	struct health_view v;
	struct health_probe claimed;
	key_of(&key, "192.0.2.53", "ep-1");
	health_note_sent(&key, 1000);
	health_view_use(&key, 5000, &v);
	assert_true(v.known);

	assert_false(health_probe_claim(5000 + HEALTH_IDLE_MS - 1, &claimed));
	health_view_get(&key, &v);
	assert_true(v.known);
	assert_false(health_probe_claim(5000 + HEALTH_IDLE_MS + 1000,
					&claimed));
	health_view_get(&key, &v);
	assert_false(v.known);
	(void)state;
}

/* ---- cookies and 0x20 -------------------------------------------------- */

static void test_client_cookie_is_per_target_and_stable(void **state)
{
	struct health_key a, b;
	uint8_t ca[8], ca2[8], cb[8], server[32];
	size_t server_len = 99;
	key_of(&a, "192.0.2.53", "ep-1");
	key_of(&b, "192.0.2.54", "ep-1");

	assert_true(health_cookie_get(&a, ca, server, &server_len));
	assert_int_equal(server_len, 0);
	assert_true(health_cookie_get(&a, ca2, server, &server_len));
	assert_memory_equal(ca, ca2, 8);
	assert_true(health_cookie_get(&b, cb, server, &server_len));
	assert_memory_not_equal(ca, cb, 8);
	(void)state;
}

static void test_server_cookie_is_remembered_and_forgotten(void **state)
{
	struct health_key key;
	uint8_t client[8], server[32];
	size_t len = 0;
	struct health_view v;
	const uint8_t from_server[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
					  9, 10, 11, 12, 13, 14, 15, 16 };
	key_of(&key, "192.0.2.53", "ep-1");
	health_cookie_get(&key, client, server, &len);

	/* RFC 7873 4.2: 8 to 32 octets; others are not a server cookie. */
	health_cookie_set_server(&key, from_server, 7);
	health_cookie_get(&key, client, server, &len);
	assert_int_equal(len, 0);

	health_cookie_set_server(&key, from_server, 16);
	health_cookie_get(&key, client, server, &len);
	assert_int_equal(len, 16);
	assert_memory_equal(server, from_server, 16);
	health_view_get(&key, &v);
	assert_true(v.cookie_known);

	health_cookie_forget(&key);
	health_cookie_get(&key, client, server, &len);
	assert_int_equal(len, 0);
	(void)state;
}

static void test_case_randomisation_can_be_disabled(void **state)
{
	struct health_key key;
	struct health_view v;
	key_of(&key, "192.0.2.53", "ep-1");
	health_note_sent(&key, 0);
	health_view_get(&key, &v);
	assert_false(v.case_disabled);
	health_case_disable(&key, "rule-1");
	health_view_get(&key, &v);
	assert_true(v.case_disabled);
	(void)state;
}

/* ---- quarantine ------------------------------------------------------- */

static void test_quarantine_lasts_its_duration(void **state)
{
	assert_false(health_rule_quarantined("rule-1", 0));
	assert_true(health_quarantine_rule("rule-1", 0, 1000));
	/* Joining an active quarantine is not a new one. */
	assert_false(health_quarantine_rule("rule-1", 0, 2000));
	assert_true(health_rule_quarantined("rule-1", 1000 +
					    HEALTH_QUARANTINE_MS - 1));
	assert_false(health_rule_quarantined("rule-2", 2000));
	assert_false(health_rule_quarantined("rule-1", 1000 +
					     HEALTH_QUARANTINE_MS));
	(void)state;
}

static void test_repeated_quarantine_doubles(void **state)
{
	struct health_quarantine_view v;
	assert_true(health_quarantine_rule("rule-3", 0, 0));
	uint64_t t = HEALTH_QUARANTINE_MS;
	assert_true(health_quarantine_rule("rule-3", 0, t));
	health_quarantine_get("rule-3", t, &v);
	assert_true(v.quarantined);
	assert_int_equal(v.count, 2);
	assert_int_equal(v.until_ms, t + 2 * HEALTH_QUARANTINE_MS);

	health_quarantine_lift("rule-3");
	assert_false(health_rule_quarantined("rule-3", t + 1));
	health_quarantine_get("rule-3", t + 1, &v);
	assert_false(v.quarantined);
	(void)state;
}

int main(void)
{
	/* State changes are logged at warning and notice; keep the test
	 * output to the results. */
	zg_log_init(ZG_LOG_ERROR, NULL);
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup(name, reset)
		T(test_first_sample_sets_srtt_and_half_variance),
		T(test_later_samples_are_smoothed),
		T(test_first_try_timeout_is_800_ms),
		T(test_timeout_is_srtt_plus_four_variances_clamped),
		T(test_unmeasured_targets_keep_configured_order),
		T(test_similar_targets_keep_configured_order),
		T(test_much_faster_target_is_preferred),
		T(test_failing_target_goes_last),
		T(test_down_targets_are_left_out),
		T(test_deprioritised_target_is_explored_now_and_then),
		T(test_oldest_deprioritised_target_is_explored),
		T(test_three_failures_in_a_row_mark_down),
		T(test_any_reply_resets_the_failures),
		T(test_down_target_is_probed_and_needs_two_answers),
		T(test_unreported_probe_is_claimed_again),
		T(test_paths_are_separate_targets),
		T(test_idle_entries_are_forgotten),
		T(test_client_cookie_is_per_target_and_stable),
		T(test_server_cookie_is_remembered_and_forgotten),
		T(test_case_randomisation_can_be_disabled),
		T(test_quarantine_lasts_its_duration),
		T(test_repeated_quarantine_doubles),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
