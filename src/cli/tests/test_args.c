/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the CLI's argument helpers: options, lists, --allow, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/args.h"
#include "common/error.h"

static const struct args_opt GLOBAL[] = {
	{ "json", false }, { "api-socket", true }, { "help", false },
	{ NULL, false },
};
static const struct args_opt LOCAL[] = {
	{ "cidr", true }, { "listen", true }, { "ttl", true },
	{ "no-builtin-zones", false }, { NULL, false },
};

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void test_options_mix_with_positionals(void **state)
{
	char *argv[] = {
		"prod", "--cidr", "172.17.0.0/16", "--json",
		"--cidr=fd00:17::/48", "extra", "--api-socket=/tmp/a.sock",
	};
	struct args_parsed p;
	char err[128] = "";

	assert_int_equal(args_parse(ARGC(argv), argv, GLOBAL, LOCAL, &p, err,
				    sizeof(err)), 0);
	assert_int_equal(p.npos, 2);
	assert_string_equal(p.pos[0], "prod");
	assert_string_equal(p.pos[1], "extra");
	assert_int_equal(args_count(&p, "cidr"), 2);
	assert_string_equal(args_nth(&p, "cidr", 0), "172.17.0.0/16");
	assert_string_equal(args_nth(&p, "cidr", 1), "fd00:17::/48");
	assert_null(args_nth(&p, "cidr", 2));
	assert_string_equal(args_get(&p, "cidr"), "fd00:17::/48");
	assert_true(args_has(&p, "json"));
	assert_false(args_has(&p, "listen"));
	assert_null(args_get(&p, "listen"));
	assert_string_equal(args_get(&p, "api-socket"), "/tmp/a.sock");
}

static void test_double_dash_ends_options(void **state)
{
	char *argv[] = { "zone", "--", "--ttl", "-x" };
	struct args_parsed p;
	char err[128];

	assert_int_equal(args_parse(ARGC(argv), argv, GLOBAL, LOCAL, &p, err,
				    sizeof(err)), 0);
	assert_int_equal(p.npos, 3);
	assert_string_equal(p.pos[1], "--ttl");
	assert_string_equal(p.pos[2], "-x");
	assert_int_equal(p.nopts, 0);
}

static void test_lone_dash_is_positional_and_dash_h_is_help(void **state)
{
	char *argv[] = { "-", "-h" };
	struct args_parsed p;
	char err[128];

	assert_int_equal(args_parse(ARGC(argv), argv, GLOBAL, LOCAL, &p, err,
				    sizeof(err)), 0);
	assert_int_equal(p.npos, 1);
	assert_string_equal(p.pos[0], "-");
	assert_true(args_has(&p, "help"));
}

static void test_a_value_may_start_with_dashes(void **state)
{
	/* The value of an option that takes one is the next argument,
	 * whatever it looks like. */
	char *argv[] = { "--listen", "--json" };
	struct args_parsed p;
	char err[128];

	assert_int_equal(args_parse(ARGC(argv), argv, GLOBAL, LOCAL, &p, err,
				    sizeof(err)), 0);
	assert_string_equal(args_get(&p, "listen"), "--json");
	assert_false(args_has(&p, "json"));
}

static void assert_refused(int argc, char **argv, const char *message)
{
	struct args_parsed p;
	char err[128] = "";

	assert_int_equal(args_parse(argc, argv, GLOBAL, LOCAL, &p, err,
				    sizeof(err)), ZG_EINVAL);
	assert_string_equal(err, message);
}

static void test_bad_options_are_refused_with_a_reason(void **state)
{
	char *unknown[] = { "x", "--bogus=1" };
	char *short_opt[] = { "-c" };
	char *missing[] = { "x", "--cidr" };
	char *flag_value[] = { "--json=yes" };
	char *too_many[] = { "1", "2", "3", "4", "5", "6", "7", "8", "9" };

	assert_refused(ARGC(unknown), unknown, "unknown option --bogus");
	assert_refused(ARGC(short_opt), short_opt, "unknown option -c");
	assert_refused(ARGC(missing), missing, "option --cidr needs a value");
	assert_refused(ARGC(flag_value), flag_value,
		       "option --json takes no value");
	assert_refused(ARGC(too_many), too_many, "too many arguments");
}

static void assert_list(const char *text, const char *expected_json)
{
	json_t *array = json_array();
	json_t *expected = json_loads(expected_json, 0, NULL);

	assert_non_null(expected);
	assert_int_equal(args_append_list(array, text), 0);
	assert_true(json_equal(array, expected));
	json_decref(array);
	json_decref(expected);
}

static void test_comma_lists_are_split_and_trimmed(void **state)
{
	json_t *array = json_array();

	assert_list("127.0.0.70:53", "[\"127.0.0.70:53\"]");
	assert_list("10.0.0.1, 10.0.0.2 ,[::1]:5353",
		    "[\"10.0.0.1\", \"10.0.0.2\", \"[::1]:5353\"]");
	assert_int_equal(args_append_list(array, "a,,b"), ZG_EINVAL);
	assert_int_equal(args_append_list(array, ""), ZG_EINVAL);
	assert_int_equal(args_append_list(array, "a,"), ZG_EINVAL);
	json_decref(array);
}

static void assert_allow(const char *text, const char *protocol,
			 uint16_t port, const char *prefix)
{
	struct args_allow allow;

	assert_int_equal(args_parse_allow(text, &allow), 0);
	assert_string_equal(allow.protocol, protocol);
	assert_int_equal(allow.port, port);
	assert_string_equal(allow.prefix, prefix);
}

static void test_allow_splits_on_the_first_two_colons(void **state)
{
	assert_allow("udp:53:0.0.0.0/0", "udp", 53, "0.0.0.0/0");
	assert_allow("any:0:::/0", "any", 0, "::/0");
	assert_allow("tcp:853:2001:db8::/32", "tcp", 853, "2001:db8::/32");
	assert_allow("UDP:65535:fd00::1", "udp", 65535, "fd00::1");
	assert_allow("Tcp:53:10.0.0.0/8", "tcp", 53, "10.0.0.0/8");
}

static void test_allow_refuses_malformed_rules(void **state)
{
	const char *bad[] = {
		"icmp:0:0.0.0.0/0", "ud:53:0.0.0.0/0", "udp:65536:0.0.0.0/0",
		"udp::0.0.0.0/0", "udp:53", "udp:53:", "udp", "",
		"udp:5x:1.2.3.0/24", "udp:-1:1.2.3.0/24",
		"udp:53:10.0.0.1/8", "udp:53:300.0.0.0/8", "udp:53:::/129",
		":53:0.0.0.0/0",
	};
	struct args_allow allow;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(args_parse_allow(bad[i], &allow), ZG_EINVAL);
	}
}

static void test_allow_becomes_the_api_egress_object(void **state)
{
	struct args_allow allow;
	json_t *got, *expected = json_loads(
		"{\"protocol\": \"any\", \"port\": 0, \"prefix\": \"::/0\"}",
		0, NULL);

	assert_int_equal(args_parse_allow("any:0:::/0", &allow), 0);
	got = args_allow_to_json(&allow);
	assert_true(json_equal(got, expected));
	json_decref(got);
	json_decref(expected);
}

static void test_ids_are_told_from_names(void **state)
{
	assert_true(args_looks_like_id("vpc-1", "vpc"));
	assert_true(args_looks_like_id("vpc-120", "vpc"));
	assert_true(args_looks_like_id("ep-3", "ep"));
	assert_false(args_looks_like_id("vpc-", "vpc"));
	assert_false(args_looks_like_id("vpc-1a", "vpc"));
	assert_false(args_looks_like_id("vpcs-1", "vpc"));
	assert_false(args_looks_like_id("vpc1", "vpc"));
	assert_false(args_looks_like_id("prod", "vpc"));
	assert_false(args_looks_like_id("zone-1", "vpc"));
	assert_false(args_looks_like_id("ep-1", "rule"));
}

static void test_dns_names_compare_absolute_and_caseless(void **state)
{
	/* RFC 4343: ASCII case is not significant in DNS names. */
	assert_true(args_dns_name_equal("Corp.Example", "corp.example."));
	assert_true(args_dns_name_equal("corp.example.", "CORP.EXAMPLE."));
	assert_true(args_dns_name_equal(".", "."));
	assert_false(args_dns_name_equal("corp.example", "corp.example.com."));
	assert_false(args_dns_name_equal("corp.example", "xcorp.example."));
	assert_false(args_dns_name_equal("corp.example..", "corp.example."));
}

static void test_absolute_name_has_one_final_dot(void **state)
{
	char buf[32];

	assert_int_equal(args_absolute_name("corp.example", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "corp.example.");
	assert_int_equal(args_absolute_name("corp.example.", buf,
					    sizeof(buf)), 0);
	assert_string_equal(buf, "corp.example.");
	assert_int_equal(args_absolute_name(".", buf, sizeof(buf)), 0);
	assert_string_equal(buf, ".");
	assert_int_equal(args_absolute_name("abc", buf, 5), 0);
	assert_string_equal(buf, "abc.");
	assert_int_equal(args_absolute_name("abcd", buf, 5), ZG_ELIMIT);
}

static void test_numbers_are_checked_against_bounds(void **state)
{
	uint32_t n = 7;

	assert_int_equal(args_parse_uint("0", 10, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(args_parse_uint("4294967295", UINT32_MAX, &n), 0);
	assert_int_equal(n, 4294967295u);
	assert_int_equal(args_parse_uint("11", 10, &n), ZG_EINVAL);
	assert_int_equal(args_parse_uint("4294967296", UINT32_MAX, &n),
			 ZG_EINVAL);
	assert_int_equal(args_parse_uint("99999999999999999999999", UINT32_MAX,
					 &n), ZG_EINVAL);
	assert_int_equal(args_parse_uint("", 10, &n), ZG_EINVAL);
	assert_int_equal(args_parse_uint("-1", 10, &n), ZG_EINVAL);
	assert_int_equal(args_parse_uint("1x", 10, &n), ZG_EINVAL);
	assert_int_equal(args_parse_uint(" 1", 10, &n), ZG_EINVAL);
}

static void test_url_encoding_keeps_only_unreserved(void **state)
{
	const char *cases[][2] = {
		{ "10 mail.example.com.", "10%20mail.example.com." },
		{ "a/b?c&d=e#f", "a%2Fb%3Fc%26d%3De%23f" },
		{ "\"v=spf1 -all\"", "%22v%3Dspf1%20-all%22" },
		{ "vpc-1_x.~", "vpc-1_x.~" },
		{ "\xc3\xa9", "%C3%A9" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *enc = args_url_encode(cases[i][0]);

		assert_non_null(enc);
		assert_string_equal(enc, cases[i][1]);
		free(enc);
	}
}

static void test_record_types_are_upper_cased(void **state)
{
	char buf[16];

	assert_int_equal(args_record_type("mx", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "MX");
	assert_int_equal(args_record_type("Type65", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "TYPE65");
	assert_int_equal(args_record_type("", buf, sizeof(buf)), ZG_EINVAL);
	assert_int_equal(args_record_type("A-B", buf, sizeof(buf)), ZG_EINVAL);
	assert_int_equal(args_record_type("ABCDEFGHIJKLMNOP", buf,
					  sizeof(buf)), ZG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_mix_with_positionals),
		cmocka_unit_test(test_double_dash_ends_options),
		cmocka_unit_test(test_lone_dash_is_positional_and_dash_h_is_help),
		cmocka_unit_test(test_a_value_may_start_with_dashes),
		cmocka_unit_test(test_bad_options_are_refused_with_a_reason),
		cmocka_unit_test(test_comma_lists_are_split_and_trimmed),
		cmocka_unit_test(test_allow_splits_on_the_first_two_colons),
		cmocka_unit_test(test_allow_refuses_malformed_rules),
		cmocka_unit_test(test_allow_becomes_the_api_egress_object),
		cmocka_unit_test(test_ids_are_told_from_names),
		cmocka_unit_test(test_dns_names_compare_absolute_and_caseless),
		cmocka_unit_test(test_absolute_name_has_one_final_dot),
		cmocka_unit_test(test_numbers_are_checked_against_bounds),
		cmocka_unit_test(test_url_encoding_keeps_only_unreserved),
		cmocka_unit_test(test_record_types_are_upper_cased),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
