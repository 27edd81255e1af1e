/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The address a zone's NOTIFYs leave from: the zone's notify_source, else
 * the first listener of its VPCs of the target's family (inbound
 * endpoints first, as store_transfer_sources() orders them), else the
 * first listen address of the daemon of that family. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "common/addr.h"
#include "store/store.h"
#include "xfrout/xfrout.h"

/* The sources of a zone bound to one VPC with an inbound endpoint on
 * [fd00:a::5]:53 and 10.0.0.5:53, and a VPC listener on 10.0.0.3:5353. */
static const char *const zone_sources[] = {
	"[fd00:a::5]:53", "10.0.0.5:53", "10.0.0.3:5353", NULL,
};

static void strv(struct store_strv *out, const char *const *items)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; items[i] != NULL; i++) {
		assert_int_equal(store_strv_push(out, items[i]), 0);
	}
}

static void assert_source(bool found, const struct zg_addr *addr,
			  const char *want)
{
	char text[ZG_ADDR_STRLEN];
	assert_true(found);
	addr_format(addr, true, text, sizeof(text));
	assert_string_equal(text, want);
}

static void test_notify_source_of_the_family_wins(void **state)
{
	struct store_strv sources;
	struct zg_addr out;
	strv(&sources, zone_sources);

	assert_source(xfrout_notify_source("10.0.0.3", &sources, NULL, 0,
					   AF_INET, &out), &out, "10.0.0.3:0");
	assert_source(xfrout_notify_source("fd00:a::5", &sources, NULL, 0,
					   AF_INET6, &out), &out,
		      "[fd00:a::5]:0");
	store_strv_clear(&sources);
}

/* Without notify_source: the first source of the family, an inbound
 * endpoint listener before the VPC's own, the port dropped. A
 * notify_source of the other family leaves the choice automatic. */
static void test_first_source_of_the_family_without_a_pin(void **state)
{
	struct store_strv sources;
	struct zg_addr out;
	strv(&sources, zone_sources);

	assert_source(xfrout_notify_source("", &sources, NULL, 0, AF_INET,
					   &out), &out, "10.0.0.5:0");
	assert_source(xfrout_notify_source("", &sources, NULL, 0, AF_INET6,
					   &out), &out, "[fd00:a::5]:0");
	assert_source(xfrout_notify_source("fd00:a::5", &sources, NULL, 0,
					   AF_INET, &out), &out, "10.0.0.5:0");
	store_strv_clear(&sources);
}

/* A zone without listeners of its own falls back to the daemon's listen
 * addresses, the unspecified ones skipped; none of the family: the
 * kernel picks. */
static void test_fallback_to_the_listen_addresses(void **state)
{
	struct store_strv none = { 0 };
	struct zg_addr listen[3], out;
	assert_int_equal(addr_parse("0.0.0.0:53", 53, &listen[0]), 0);
	assert_int_equal(addr_parse("[::1]:53", 53, &listen[1]), 0);
	assert_int_equal(addr_parse("10.0.0.2:53", 53, &listen[2]), 0);

	assert_source(xfrout_notify_source("", &none, listen, 3, AF_INET,
					   &out), &out, "10.0.0.2:0");
	assert_source(xfrout_notify_source("", NULL, listen, 3, AF_INET6,
					   &out), &out, "[::1]:0");
	assert_false(xfrout_notify_source("", &none, listen, 1, AF_INET,
					  &out));
	assert_false(xfrout_notify_source("", &none, NULL, 0, AF_INET6,
					  &out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify_source_of_the_family_wins),
		cmocka_unit_test(test_first_source_of_the_family_without_a_pin),
		cmocka_unit_test(test_fallback_to_the_listen_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
