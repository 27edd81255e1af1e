/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Address and prefix parsing and matching, IPv4 and IPv6 alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "common/addr.h"
#include "common/error.h"

static void assert_formats(const char *text, uint16_t port, const char *want)
{
	struct zg_addr addr;
	char buf[ZG_ADDR_STRLEN];
	assert_int_equal(addr_parse(text, port, &addr), 0);
	addr_format(&addr, true, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_parse_addresses_with_and_without_port(void **state)
{
	assert_formats("192.0.2.1", 53, "192.0.2.1:53");
	assert_formats("192.0.2.1:5353", 53, "192.0.2.1:5353");
	assert_formats("::1", 53, "[::1]:53");
	assert_formats("[::1]:5353", 53, "[::1]:5353");
	assert_formats("[2001:db8::1]", 53, "[2001:db8::1]:53");
}

static void test_parse_rejects_malformed_addresses(void **state)
{
	struct zg_addr addr;
	const char *bad[] = {
		"", "192.0.2.1:", "192.0.2.1:0", "192.0.2.1:65536",
		"192.0.2.256", "[192.0.2.1]:53", "[::1", "[::1]x", "host:53",
		"::1]:53",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(addr_parse(bad[i], 53, &addr), ZG_EINVAL);
	}
}

/* Ports are 1-65535 (port 0 is reserved, RFC 6335 section 6); the
 * refusal can name the port as the reason. */
static void test_port_out_of_range_is_told_apart(void **state)
{
	assert_true(addr_port_out_of_range("[::1]:99999"));
	assert_true(addr_port_out_of_range("192.0.2.1:0"));
	assert_true(addr_port_out_of_range("192.0.2.1:65536"));
	assert_true(addr_port_out_of_range("192.0.2.1:0000"));
	assert_true(addr_port_out_of_range("192.0.2.1:123456789012345678901"));
	assert_false(addr_port_out_of_range("192.0.2.1:65535"));
	assert_false(addr_port_out_of_range("192.0.2.1:00053"));
	assert_false(addr_port_out_of_range("[::1]:1"));
	assert_false(addr_port_out_of_range("192.0.2.1"));
	assert_false(addr_port_out_of_range("2001:db8::1"));
	assert_false(addr_port_out_of_range("192.0.2.1:"));
	assert_false(addr_port_out_of_range("192.0.2.1:-1"));
	assert_false(addr_port_out_of_range("192.0.2.1:5x"));
	assert_false(addr_port_out_of_range(NULL));
}

static void test_prefix_refuses_host_bits(void **state)
{
	struct zg_prefix p;
	assert_int_equal(prefix_parse("10.0.0.0/8", &p), 0);
	assert_int_equal(prefix_parse("10.0.0.1/8", &p), ZG_EINVAL);
	assert_int_equal(prefix_parse("2001:db8::/32", &p), 0);
	assert_int_equal(prefix_parse("2001:db8::1/32", &p), ZG_EINVAL);
	assert_int_equal(prefix_parse("10.0.0.0/33", &p), ZG_EINVAL);
	assert_int_equal(prefix_parse("::/129", &p), ZG_EINVAL);
	assert_int_equal(prefix_parse("10.0.0.0/", &p), ZG_EINVAL);
}

/* One network, one spelling: the prefix length is plain decimal digits
 * with no sign, blanks or leading zeros; the address must parse whole. */
static void test_prefix_length_is_strict_decimal(void **state)
{
	struct zg_prefix p;
	assert_int_equal(prefix_parse("10.5.0.0/16", &p), 0);
	assert_int_equal(p.len, 16);
	assert_int_equal(prefix_parse("0.0.0.0/0", &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(prefix_parse("::/0", &p), 0);
	assert_int_equal(prefix_parse("fd00::/128", &p), 0);
	assert_int_equal(p.len, 128);

	const char *const bad[] = {
		"10.5.0.0/016", "10.5.0.0/0016", "10.5.0.0/00", "10.5.0.0/+16",
		"10.5.0.0/-1", "10.5.0.0/ 16", "10.5.0.0/16 ", " 10.5.0.0/16",
		"10.5.0.0 /16", "10.5.0.0/1 6", "10.5.0.0/0x10", "10.5.0.0/16/16",
		"10.5.0.0/1e1", "10.5.0.0/\t16", "fd00::/0128", "fd00::/+64",
		"10.0.0.0/4294967304", "010.5.0.0/16", "1.2.3/24",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (prefix_parse(bad[i], &p) != ZG_EINVAL) {
			fail_msg("'%s' was accepted as a CIDR", bad[i]);
		}
	}
}

static void test_bare_address_is_a_host_prefix(void **state)
{
	struct zg_prefix p;
	char buf[ZG_ADDR_STRLEN];
	assert_int_equal(prefix_parse("192.0.2.7", &p), 0);
	prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.7/32");
	assert_int_equal(prefix_parse("fd00::7", &p), 0);
	prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "fd00::7/128");
}

static void test_prefix_contains_same_family_only(void **state)
{
	struct zg_prefix v4, v6, all4;
	struct zg_addr in4, out4, in6, mapped;
	assert_int_equal(prefix_parse("172.17.0.0/16", &v4), 0);
	assert_int_equal(prefix_parse("fd00:17::/48", &v6), 0);
	assert_int_equal(prefix_parse("0.0.0.0/0", &all4), 0);
	assert_int_equal(addr_parse_ip("172.17.255.9", &in4), 0);
	assert_int_equal(addr_parse_ip("172.18.0.1", &out4), 0);
	assert_int_equal(addr_parse_ip("fd00:17:0:ffff::1", &in6), 0);
	assert_int_equal(addr_parse_ip("::ffff:172.17.0.1", &mapped), 0);

	assert_true(prefix_contains(&v4, &in4));
	assert_false(prefix_contains(&v4, &out4));
	assert_true(prefix_contains(&v6, &in6));
	assert_false(prefix_contains(&v6, &in4));
	/* A v4-mapped IPv6 address is IPv6: it never matches a v4 CIDR. */
	assert_false(prefix_contains(&v4, &mapped));
	assert_true(prefix_contains(&all4, &in4));
	assert_false(prefix_contains(&all4, &in6));
}

static void test_prefix_overlap(void **state)
{
	struct zg_prefix a, b, c, d;
	assert_int_equal(prefix_parse("10.0.0.0/8", &a), 0);
	assert_int_equal(prefix_parse("10.1.0.0/16", &b), 0);
	assert_int_equal(prefix_parse("11.0.0.0/8", &c), 0);
	assert_int_equal(prefix_parse("::/0", &d), 0);
	assert_true(prefix_overlaps(&a, &b));
	assert_true(prefix_overlaps(&b, &a));
	assert_false(prefix_overlaps(&a, &c));
	assert_false(prefix_overlaps(&a, &d));
}

static void test_special_addresses(void **state)
{
	struct zg_addr a;
	assert_int_equal(addr_parse_ip("0.0.0.0", &a), 0);
	assert_true(addr_is_unspecified(&a));
	assert_int_equal(addr_parse_ip("::", &a), 0);
	assert_true(addr_is_unspecified(&a));
	assert_int_equal(addr_parse_ip("224.0.0.251", &a), 0);
	assert_true(addr_is_multicast_or_broadcast(&a));
	assert_int_equal(addr_parse_ip("255.255.255.255", &a), 0);
	assert_true(addr_is_multicast_or_broadcast(&a));
	assert_int_equal(addr_parse_ip("ff02::fb", &a), 0);
	assert_true(addr_is_multicast_or_broadcast(&a));
	assert_int_equal(addr_parse_ip("127.0.0.1", &a), 0);
	assert_false(addr_is_unspecified(&a));
	assert_false(addr_is_multicast_or_broadcast(&a));
}

static void test_equality_ignores_or_checks_port(void **state)
{
	struct zg_addr a, b;
	assert_int_equal(addr_parse("10.0.0.2:53", 53, &a), 0);
	assert_int_equal(addr_parse("10.0.0.2:5353", 53, &b), 0);
	assert_true(addr_equal_ip(&a, &b));
	assert_false(addr_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_addresses_with_and_without_port),
		cmocka_unit_test(test_parse_rejects_malformed_addresses),
		cmocka_unit_test(test_port_out_of_range_is_told_apart),
		cmocka_unit_test(test_prefix_refuses_host_bits),
		cmocka_unit_test(test_prefix_length_is_strict_decimal),
		cmocka_unit_test(test_bare_address_is_a_host_prefix),
		cmocka_unit_test(test_prefix_contains_same_family_only),
		cmocka_unit_test(test_prefix_overlap),
		cmocka_unit_test(test_special_addresses),
		cmocka_unit_test(test_equality_ignores_or_checks_port),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
