/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone files: parsing RFC 1035 master-file text (directives, line
 * numbers, refusals) and the export/parse round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "zone/zone.h"

/* What the parse callback saw, one presentation line per record. */
struct seen {
	char lines[16][1100];
	size_t n;
};

static int collect(void *arg, const struct zone_file_rr *rr)
{
	struct seen *seen = arg;
	char owner[KNOT_DNAME_TXT_MAXLEN + 1];
	char type[16];
	knot_dname_to_str(owner, rr->owner, sizeof(owner));
	knot_rrtype_to_string(rr->type, type, sizeof(type));
	assert_true(seen->n < 16);
	snprintf(seen->lines[seen->n++], 1100, "%s %u %s %u@%u", owner,
		 rr->ttl, type, rr->rdata_len, (unsigned)rr->line);
	return 0;
}

static knot_dname_t *name(const char *text)
{
	knot_dname_t *d = knot_dname_from_str_alloc(text);
	assert_non_null(d);
	return d;
}

static void test_directives_set_origin_and_default_ttl(void **state)
{
	static const char text[] =
		"$TTL 600\n"				/* line 1 */
		"@ IN SOA ns1 hostmaster 7 3600 600 604800 300\n"
		"www 60 IN A 192.0.2.1\n"		/* own TTL */
		"mail IN A 192.0.2.2\n"			/* $TTL */
		"$ORIGIN sub.example.com.\n"
		"host IN AAAA 2001:db8::1\n";		/* line 6 */
	knot_dname_t *origin = name("example.com.");
	struct seen seen = { 0 };
	uint64_t line = 99;
	char err[256] = "";

	int ret = zone_file_parse(text, strlen(text), origin, collect, &seen,
				  &line, err, sizeof(err));

	assert_int_equal(ret, 0);
	assert_int_equal(line, 0);
	assert_int_equal(seen.n, 4);
	/* SOA rdata: ns1.example.com. (17 bytes), hostmaster.example.com.
	 * (24) and five 32-bit fields (20). */
	assert_string_equal(seen.lines[0], "example.com. 600 SOA 61@2");
	assert_string_equal(seen.lines[1], "www.example.com. 60 A 4@3");
	assert_string_equal(seen.lines[2], "mail.example.com. 600 A 4@4");
	assert_string_equal(seen.lines[3],
			    "host.sub.example.com. 600 AAAA 16@6");
	free(origin);
}

static void test_syntax_error_names_its_line(void **state)
{
	static const char text[] =
		"@ 300 IN SOA ns1 hostmaster 1 3600 600 604800 300\n"
		"a 300 IN A 192.0.2.1\n"
		"; a comment\n"
		"b 300 IN A 192.0.2.300\n"
		"c 300 IN A 192.0.2.3\n";
	knot_dname_t *origin = name("example.com.");
	struct seen seen = { 0 };
	uint64_t line = 0;
	char err[256] = "";

	int ret = zone_file_parse(text, strlen(text), origin, collect, &seen,
				  &line, err, sizeof(err));

	assert_int_equal(ret, ZG_EINVAL);
	assert_int_equal(line, 4);
	assert_memory_equal(err, "line 4: ", 8);
	assert_int_equal(seen.n, 2);	/* stops at the error */
	free(origin);
}

static void test_include_is_refused_with_its_line(void **state)
{
	static const char text[] =
		"a 300 IN A 192.0.2.1\n"
		"$INCLUDE /etc/passwd\n";
	knot_dname_t *origin = name("example.com.");
	struct seen seen = { 0 };
	uint64_t line = 0;
	char err[256] = "";

	int ret = zone_file_parse(text, strlen(text), origin, collect, &seen,
				  &line, err, sizeof(err));

	assert_int_equal(ret, ZG_EINVAL);
	assert_int_equal(line, 2);
	assert_non_null(strstr(err, "$INCLUDE"));
	assert_int_equal(seen.n, 1);
	free(origin);
}

static void test_class_other_than_in_is_refused(void **state)
{
	static const char text[] = "a 300 CH A 1234\n";
	knot_dname_t *origin = name("example.com.");
	struct seen seen = { 0 };
	uint64_t line = 0;
	char err[256] = "";

	int ret = zone_file_parse(text, strlen(text), origin, collect, &seen,
				  &line, err, sizeof(err));

	assert_int_equal(ret, ZG_EINVAL);
	assert_int_equal(line, 1);
	assert_int_equal(seen.n, 0);
	free(origin);
}

static int rebuild(void *arg, const struct zone_file_rr *rr)
{
	struct zone_builder *b = arg;
	knot_rrset_t set;
	knot_rrset_init(&set, (knot_dname_t *)rr->owner, rr->type,
			KNOT_CLASS_IN, rr->ttl);
	int ret = knot_rrset_add_rdata(&set, rr->rdata, rr->rdata_len, NULL);
	assert_int_equal(ret, KNOT_EOK);
	ret = zone_builder_add_rrset(b, &set);
	knot_rdataset_clear(&set.rrs, NULL);
	return ret;
}

static struct zone_contents *build(const char *apex, const char **lines)
{
	knot_dname_t *a = name(apex);
	struct zone_builder *b = zone_builder_new(a);
	assert_non_null(b);
	for (size_t i = 0; lines[i] != NULL; i++) {
		assert_int_equal(zone_builder_add_text(b, lines[i], NULL, 0),
				 0);
	}
	struct zone_contents *z = zone_builder_finish(b, NULL, 0);
	assert_non_null(z);
	free(a);
	return z;
}

static void test_export_lists_soa_first_one_line_per_rr(void **state)
{
	const char *lines[] = {
		"www.example.com. 300 IN A 192.0.2.1",
		"example.com. 3600 IN NS ns1.example.com.",
		"example.com. 3600 IN SOA ns1.example.com. "
		"hostmaster.example.com. 42 3600 600 604800 300",
		NULL,
	};
	struct zone_contents *z = build("example.com.", lines);
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(zone_file_export(z, &text, &len), 0);

	assert_int_equal(strlen(text), len);
	/* Owners are padded with blanks to a column, then tab-separated
	 * fields. */
	const char *soa = strstr(text, "\t3600\tIN\tSOA\tns1.example.com."
				 " hostmaster.example.com. 42 3600 600 604800"
				 " 300\n");
	const char *ns = strstr(text, "\t3600\tIN\tNS\tns1.example.com.\n");
	const char *a = strstr(text, "\t300\tIN\tA\t192.0.2.1\n");
	assert_memory_equal(text, ";; zone example.com. at serial 42\n"
			    "$ORIGIN example.com.\nexample.com. ", 68);
	assert_non_null(soa);
	assert_non_null(ns);
	assert_non_null(a);
	assert_true(soa < ns && ns < a);
	free(text);
	zone_contents_free(z);
}

/* Everything an export writes parses back into the same zone. */
static void test_export_round_trips_through_parse(void **state)
{
	const char *lines[] = {
		"example.com. 3600 IN SOA ns1.example.com. "
		"hostmaster.example.com. 42 3600 600 604800 300",
		"example.com. 3600 IN NS ns1.example.com.",
		"example.com. 3600 IN MX 10 mail.example.com.",
		"example.com. 300 IN TXT \"v=spf1 -all\" \"second string\"",
		"example.com. 300 IN CAA 0 issue \"ca.example.net\"",
		"_sip._tcp.example.com. 60 IN SRV 10 5 5060 sip.example.com.",
		"*.wild.example.com. 60 IN A 192.0.2.9",
		"odd.example.com. 60 IN TYPE65534 \\# 3 010203",
		"v6.example.com. 60 IN AAAA 2001:db8::1",
		NULL,
	};
	struct zone_contents *z = build("example.com.", lines);
	char *first = NULL, *second = NULL;
	size_t len1 = 0, len2 = 0;
	assert_int_equal(zone_file_export(z, &first, &len1), 0);

	knot_dname_t *apex = name("example.com.");
	struct zone_builder *b = zone_builder_new(apex);
	uint64_t line = 0;
	char err[256] = "";
	assert_int_equal(zone_file_parse(first, len1, apex, rebuild, b, &line,
					 err, sizeof(err)), 0);
	struct zone_contents *again = zone_builder_finish(b, NULL, 0);
	assert_non_null(again);
	assert_int_equal(zone_file_export(again, &second, &len2), 0);

	assert_string_equal(first, second);
	assert_int_equal(zone_contents_rr_count(again), 9);
	assert_int_equal(zone_contents_serial(again), 42);
	assert_non_null(strstr(first, "TYPE65534\t\\# 3 010203\n"));
	free(first);
	free(second);
	free(apex);
	zone_contents_free(z);
	zone_contents_free(again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directives_set_origin_and_default_ttl),
		cmocka_unit_test(test_syntax_error_names_its_line),
		cmocka_unit_test(test_include_is_refused_with_its_line),
		cmocka_unit_test(test_class_other_than_in_is_refused),
		cmocka_unit_test(test_export_lists_soa_first_one_line_per_rr),
		cmocka_unit_test(test_export_round_trips_through_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
