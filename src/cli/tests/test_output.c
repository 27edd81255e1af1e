/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the CLI's human-readable output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/output.h"

/* Captures what print writes for value into a string. */
struct capture {
	char *text;
	size_t len;
	FILE *f;
};

static void capture_start(struct capture *c)
{
	c->text = NULL;
	c->f = open_memstream(&c->text, &c->len);
	assert_non_null(c->f);
}

static void capture_end(struct capture *c, const char *expected)
{
	assert_int_equal(fclose(c->f), 0);
	assert_string_equal(c->text, expected);
	free(c->text);
}

static json_t *load(const char *text)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);

	assert_non_null(v);
	return v;
}

static void assert_value(const char *json, const char *expected)
{
	json_t *v = load(json);
	char *text = output_value(v);

	assert_string_equal(text, expected);
	free(text);
	json_decref(v);
}

static void test_values_are_printed_for_people(void **state)
{
	char *none = output_value(NULL);

	assert_string_equal(none, "-");
	free(none);
	assert_value("\"prod\"", "prod");
	assert_value("42", "42");
	assert_value("true", "true");
	assert_value("null", "-");
	assert_value("[]", "-");
	assert_value("[\"172.17.0.0/16\", \"fd00:17::/48\"]",
		     "172.17.0.0/16,fd00:17::/48");
	assert_value("[{\"protocol\": \"udp\", \"port\": 53, "
		     "\"prefix\": \"0.0.0.0/0\"}, {\"protocol\": \"any\", "
		     "\"port\": 0, \"prefix\": \"::/0\"}]",
		     "udp:53:0.0.0.0/0,any:0:::/0");
	assert_value("{\"a\": 1}", "{\"a\":1}");
}

static void test_summary_puts_id_and_name_first(void **state)
{
	static const char *const keys[] = { "cidrs", "listen", NULL };
	json_t *vpc = load("{\"id\": \"vpc-1\", \"name\": \"prod\", "
			   "\"cidrs\": [\"172.17.0.0/16\"], "
			   "\"listen\": [\"127.0.0.53:53\"], \"version\": 1}");
	struct capture c;

	capture_start(&c);
	output_summary(c.f, vpc, keys);
	capture_end(&c, "vpc-1  prod  cidrs=172.17.0.0/16 listen=127.0.0.53:53\n");
	json_decref(vpc);
}

static void test_summary_quotes_values_with_blanks(void **state)
{
	static const char *const keys[] = { "value", "source", NULL };
	json_t *obj = load("{\"id\": \"rec-1\", \"value\": \"10 mx.example.\", "
			   "\"source\": null}");
	struct capture c;

	capture_start(&c);
	output_summary(c.f, obj, keys);
	capture_end(&c, "rec-1  value=\"10 mx.example.\" source=-\n");
	json_decref(obj);
}

static void test_table_has_header_and_aligned_columns(void **state)
{
	static const struct output_column cols[] = {
		{ "ID", "id" }, { "NAME", "name" }, { "CIDRS", "cidrs" },
		{ NULL, NULL },
	};
	json_t *items = load("[{\"id\": \"vpc-1\", \"name\": \"production\", "
			     "\"cidrs\": [\"10.0.0.0/8\"]}, "
			     "{\"id\": \"vpc-12\", \"name\": \"dev\", "
			     "\"cidrs\": []}]");
	struct capture c;

	capture_start(&c);
	output_table(c.f, items, cols);
	capture_end(&c, "ID      NAME        CIDRS\n"
			"vpc-1   production  10.0.0.0/8\n"
			"vpc-12  dev         -\n");
	json_decref(items);
}

static void test_empty_table_prints_the_header(void **state)
{
	static const struct output_column cols[] = {
		{ "ID", "id" }, { "NAME", "name" }, { NULL, NULL },
	};
	json_t *items = json_array();
	struct capture c;

	capture_start(&c);
	output_table(c.f, items, cols);
	capture_end(&c, "ID  NAME\n");
	json_decref(items);
}

static void test_show_flattens_nested_objects(void **state)
{
	json_t *zone = load("{\"id\": \"zone-1\", \"name\": \"corp.example.\", "
			    "\"soa\": {\"ttl\": 3600, \"mname\": \"ns1.\"}, "
			    "\"vpcs\": [\"vpc-1\", \"vpc-2\"]}");
	struct capture c;

	capture_start(&c);
	output_show(c.f, zone);
	capture_end(&c, "id:        zone-1\n"
			"name:      corp.example.\n"
			"soa.ttl:   3600\n"
			"soa.mname: ns1.\n"
			"vpcs:      vpc-1,vpc-2\n");
	json_decref(zone);
}

static void test_explain_prints_each_step(void **state)
{
	json_t *reply = load(
		"{\"vpc\": \"vpc-1\", \"steps\": ["
		"{\"step\": \"zone-fallthrough\", \"name\": \"www.example.com.\","
		" \"resource\": \"zone-1\", \"matched\": \"www.example.com.\","
		" \"targets\": [], \"reason\": \"record pattern, no data\"},"
		"{\"step\": \"rule\", \"name\": \"www.example.com.\","
		" \"resource\": \"rule-2\", \"matched\": \"example.com.\","
		" \"targets\": [\"127.0.0.70:53\", \"127.0.0.71:53\"],"
		" \"reason\": \"rule to-idc matches\"}]}");
	struct capture c;

	capture_start(&c);
	output_explain(c.f, reply);
	capture_end(&c, "vpc:       vpc-1\n"
			" 1. zone-fallthrough  www.example.com.\n"
			"     resource: zone-1\n"
			"     matched:  www.example.com.\n"
			"     targets:  -\n"
			"     reason:   record pattern, no data\n"
			" 2. rule  www.example.com.\n"
			"     resource: rule-2\n"
			"     matched:  example.com.\n"
			"     targets:  127.0.0.70:53,127.0.0.71:53\n"
			"     reason:   rule to-idc matches\n");
	json_decref(reply);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_are_printed_for_people),
		cmocka_unit_test(test_summary_puts_id_and_name_first),
		cmocka_unit_test(test_summary_quotes_values_with_blanks),
		cmocka_unit_test(test_table_has_header_and_aligned_columns),
		cmocka_unit_test(test_empty_table_prints_the_header),
		cmocka_unit_test(test_show_flattens_nested_objects),
		cmocka_unit_test(test_explain_prints_each_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
