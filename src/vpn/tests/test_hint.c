/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the tunnel hint table: which targets sit behind a tunnel,
 * which tunnel decides, and when the hook is told. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <urcu.h>

#include "common/addr.h"
#include "vpn/vpn.h"

struct call {
	char connection_id[VPN_NAME_LEN];
	size_t n_prefixes;
	bool up;
};

static struct call calls[16];
static size_t n_calls;

static void hook(void *arg, const char *connection_id,
		 const struct zg_prefix *prefixes, size_t n, bool up)
{
	assert_ptr_equal(arg, &n_calls);
	assert_true(n_calls < 16);
	snprintf(calls[n_calls].connection_id, VPN_NAME_LEN, "%s",
		 connection_id);
	calls[n_calls].n_prefixes = n;
	calls[n_calls].up = up;
	n_calls++;
}

static int setup(void **state)
{
	rcu_register_thread();
	n_calls = 0;
	vpn_hint_set_hook(hook, &n_calls);
	return 0;
}

static int teardown(void **state)
{
	vpn_hint_set_hook(NULL, NULL);
	vpn_hint_reset();
	rcu_unregister_thread();
	return 0;
}

static struct vpn_hint_entry entry(const char *connection_id, bool up,
				   const char *p1, const char *p2)
{
	struct vpn_hint_entry e;
	memset(&e, 0, sizeof(e));
	snprintf(e.connection_id, sizeof(e.connection_id), "%s",
		 connection_id);
	e.up = up;
	assert_int_equal(prefix_parse(p1, &e.prefixes[e.n_prefixes++]), 0);
	if (p2 != NULL) {
		assert_int_equal(prefix_parse(p2, &e.prefixes[e.n_prefixes++]),
				 0);
	}
	return e;
}

static enum vpn_hint hint_of(const char *ip, char *decider)
{
	struct zg_addr addr;
	assert_int_equal(addr_parse(ip, 53, &addr), 0);
	return vpn_hint_target(&addr, decider);
}

static void test_targets_behind_a_down_tunnel_are_down(void **state)
{
	char decider[VPN_NAME_LEN];
	struct vpn_hint_entry e[1] = {
		entry("vco-1", false, "172.28.0.0/16", "10.9.0.0/24"),
	};
	assert_int_equal(hint_of("172.28.0.7", decider), VPN_HINT_NONE);
	assert_string_equal(decider, "");

	assert_int_equal(vpn_hint_publish(e, 1), 0);
	assert_int_equal(hint_of("172.28.0.7", decider), VPN_HINT_DOWN);
	assert_string_equal(decider, "vco-1");
	assert_int_equal(hint_of("10.9.0.200", NULL), VPN_HINT_DOWN);
	assert_int_equal(hint_of("10.9.1.1", NULL), VPN_HINT_NONE);
	assert_int_equal(hint_of("8.8.8.8", NULL), VPN_HINT_NONE);

	/* A new connection is reported as it is. */
	assert_int_equal(n_calls, 1);
	assert_string_equal(calls[0].connection_id, "vco-1");
	assert_int_equal(calls[0].n_prefixes, 2);
	assert_false(calls[0].up);
}

static void test_one_tunnel_up_is_a_path(void **state)
{
	char decider[VPN_NAME_LEN];
	struct vpn_hint_entry e[2] = {
		entry("vco-1", false, "172.28.0.0/16", NULL),
		entry("vco-2", true, "172.28.0.0/24", NULL),
	};
	assert_int_equal(vpn_hint_publish(e, 2), 0);
	assert_int_equal(hint_of("172.28.0.7", decider), VPN_HINT_UP);
	assert_string_equal(decider, "vco-2");
	assert_int_equal(hint_of("172.28.1.7", decider), VPN_HINT_DOWN);
	assert_string_equal(decider, "vco-1");
}

static void test_hook_hears_changes_only(void **state)
{
	struct vpn_hint_entry e[1] = {
		entry("vco-1", false, "172.28.0.0/16", NULL),
	};
	assert_int_equal(vpn_hint_publish(e, 1), 0);
	assert_int_equal(vpn_hint_publish(e, 1), 0);	/* no change */
	assert_int_equal(n_calls, 1);

	e[0].up = true;
	assert_int_equal(vpn_hint_publish(e, 1), 0);
	assert_int_equal(n_calls, 2);
	assert_true(calls[1].up);
	assert_int_equal(hint_of("172.28.0.7", NULL), VPN_HINT_UP);

	/* A route added while up: the new prefixes are reported. */
	e[0] = entry("vco-1", true, "172.28.0.0/16", "172.29.0.0/16");
	assert_int_equal(vpn_hint_publish(e, 1), 0);
	assert_int_equal(n_calls, 3);
	assert_int_equal(calls[2].n_prefixes, 2);

	/* Down, then deleted: a deleted connection holds nothing down. */
	e[0].up = false;
	assert_int_equal(vpn_hint_publish(e, 1), 0);
	assert_int_equal(vpn_hint_publish(NULL, 0), 0);
	assert_int_equal(n_calls, 5);
	assert_false(calls[3].up);
	assert_true(calls[4].up);
	assert_string_equal(calls[4].connection_id, "vco-1");
	assert_int_equal(hint_of("172.28.0.7", NULL), VPN_HINT_NONE);
}

static void test_ipv6_targets_match_ipv6_prefixes(void **state)
{
	struct vpn_hint_entry e[1] = {
		entry("vco-6", false, "fd00:28::/32", NULL),
	};
	assert_int_equal(vpn_hint_publish(e, 1), 0);
	assert_int_equal(hint_of("[fd00:28::7]:53", NULL), VPN_HINT_DOWN);
	assert_int_equal(hint_of("172.28.0.7", NULL), VPN_HINT_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_targets_behind_a_down_tunnel_are_down, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_one_tunnel_up_is_a_path,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hook_hears_changes_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ipv6_targets_match_ipv6_prefixes, setup,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
