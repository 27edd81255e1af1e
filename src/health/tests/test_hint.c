/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hints from outside the query path: a target marked down at once (a
 * VPN tunnel to it went down) and probed at once when it comes back. */
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
	zg_log_init(ZG_LOG_ERROR, NULL);
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

static void probe_of(const struct health_key *key, struct health_probe *p)
{
	/* SOA of idc.example. */
	static const uint8_t name[] = { 3, 'i', 'd', 'c', 7, 'e', 'x', 'a',
					'm', 'p', 'l', 'e', 0 };
	memset(p, 0, sizeof(*p));
	p->key = *key;
	memcpy(p->name, name, sizeof(name));
	p->recursive = true;
}

static void test_hint_down_marks_down_at_once(void **state)
{
	struct health_key key;
	struct health_probe probe, claimed;
	struct health_view view;
	key_of(&key, "10.201.0.7", "ep-1");
	probe_of(&key, &probe);

	assert_true(health_hint_down(&key, &probe, 1000, "rule-1",
				     "the IPsec tunnel vco-1 to it is down"));
	health_view_get(&key, &view);
	assert_true(view.known);
	assert_int_equal(view.state, HEALTH_DOWN);
	assert_int_equal(view.timeouts, 0);	/* nothing timed out */
	/* Already down: nothing more happens. */
	assert_false(health_hint_down(&key, &probe, 1001, "rule-1", "again"));

	/* Probed on the usual schedule, as described. */
	assert_false(health_probe_claim(1000 + HEALTH_PROBE_INTERVAL_MS - 1,
					&claimed));
	assert_true(health_probe_claim(1000 + HEALTH_PROBE_INTERVAL_MS,
				       &claimed));
	assert_memory_equal(claimed.name, probe.name, 13);
	assert_true(claimed.recursive);

	/* Answering by another path brings it back as any target. */
	health_probe_done(&key, true, 5000, 1000 + HEALTH_PROBE_INTERVAL_MS);
	health_view_get(&key, &view);
	assert_int_equal(view.state, HEALTH_DOWN);
	assert_true(health_probe_claim(1000 + 2 * HEALTH_PROBE_INTERVAL_MS,
				       &claimed));
	health_probe_done(&key, true, 5000, 1000 + 2 * HEALTH_PROBE_INTERVAL_MS);
	health_view_get(&key, &view);
	assert_int_equal(view.state, HEALTH_UP);
}

static void test_hint_up_probes_now_and_one_answer_recovers(void **state)
{
	struct health_key key;
	struct health_probe probe, claimed;
	struct health_view view;
	key_of(&key, "10.201.0.7", "ep-1");
	probe_of(&key, &probe);
	assert_true(health_hint_down(&key, &probe, 1000, "rule-1", "down"));

	health_hint_up(&key, 1100);
	assert_true(health_probe_claim(1100, &claimed));
	health_probe_done(&key, true, 3000, 1150);
	health_view_get(&key, &view);
	assert_int_equal(view.state, HEALTH_UP);
	assert_int_equal(view.failures, 0);
}

static void test_hint_up_leaves_unknown_and_up_targets_alone(void **state)
{
	struct health_key key;
	struct health_probe claimed;
	struct health_view view;
	key_of(&key, "10.201.0.8", "ep-1");
	health_hint_up(&key, 1000);
	health_view_get(&key, &view);
	assert_false(view.known);
	assert_false(health_probe_claim(1000, &claimed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hint_down_marks_down_at_once,
				       reset),
		cmocka_unit_test_setup(
			test_hint_up_probes_now_and_one_answer_recovers, reset),
		cmocka_unit_test_setup(
			test_hint_up_leaves_unknown_and_up_targets_alone,
			reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
