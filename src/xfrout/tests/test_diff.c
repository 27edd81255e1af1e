/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IXFR differences from journal entries (RFC 1995 section 4: one
 * condensed difference) and RFC 1982 serial comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "store/store.h"
#include "xfrout/xfrout.h"

/* Journal entries written as "kind owner type ttl value" (owner "-" for
 * soa and ns entries; soa takes its serial from the value's third
 * field). */
static struct store_journal_entry *journal(const char *const *lines,
					   size_t *n)
{
	*n = 0;
	while (lines[*n] != NULL) {
		(*n)++;
	}
	struct store_journal_entry *e = calloc(*n, sizeof(*e));
	for (size_t i = 0; i < *n; i++) {
		char owner[64], value[256];
		unsigned ttl;
		int used = 0;
		assert_int_equal(sscanf(lines[i], "%7s %63s %15s %u %n",
					e[i].kind, owner, e[i].type, &ttl,
					&used), 4);
		snprintf(value, sizeof(value), "%s", lines[i] + used);
		snprintf(e[i].owner, sizeof(e[i].owner), "%s",
			 strcmp(owner, "-") == 0 ? "" : owner);
		e[i].ttl = ttl;
		e[i].value = strdup(value);
		if (strcmp(e[i].kind, "soa") == 0) {
			unsigned serial = 0;
			sscanf(value, "%*s %*s %u", &serial);
			e[i].serial = serial;
		}
	}
	return e;
}

static void free_journal(struct store_journal_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].value);
	}
	free(e);
}

#define SOA(serial) "soa - SOA 3600 ns1.example.com. " \
	"hostmaster.example.com. " #serial " 3600 600 604800 300"

static void test_changes_of_several_versions_condense(void **state)
{
	const char *lines[] = {
		SOA(1), "ns - NS 3600 ns1.example.com.",
		"add www A 300 192.0.2.1",
		"del old A 300 192.0.2.9",
		SOA(2), "ns - NS 3600 ns1.example.com.",
		"add tmp TXT 60 \"x\"",
		SOA(3), "ns - NS 3600 ns1.example.com.",
		"del tmp TXT 60 \"x\"",
		"add mail MX 300 10 mx.example.com.",
		SOA(4), "ns - NS 3600 ns1.example.com.",
		NULL,
	};
	size_t n;
	struct store_journal_entry *e = journal(lines, &n);
	struct xfrout_diff d;

	assert_int_equal(xfrout_diff_compute(e, n, &d), 0);

	assert_int_equal(d.old_soa->serial, 1);
	assert_int_equal(d.new_soa->serial, 4);
	/* tmp TXT came and went: it is in neither list. */
	assert_int_equal(d.n_del, 1);
	assert_string_equal(d.del[0].owner, "old");
	assert_string_equal(d.del[0].value, "192.0.2.9");
	assert_int_equal(d.n_add, 2);
	assert_string_equal(d.add[0].owner, "www");
	assert_string_equal(d.add[1].owner, "mail");
	assert_string_equal(d.add[1].type, "MX");
	assert_int_equal(d.add[1].ttl, 300);
	xfrout_diff_clear(&d);
	free_journal(e, n);
}

/* A TTL change is a different RR (RFC 1995 compares whole RRs): the old
 * one is deleted and the new one added. */
static void test_ttl_change_deletes_and_adds(void **state)
{
	const char *lines[] = {
		SOA(7), "ns - NS 3600 ns1.example.com.",
		"del www A 300 192.0.2.1", "add www A 60 192.0.2.1",
		SOA(8), "ns - NS 3600 ns1.example.com.",
		NULL,
	};
	size_t n;
	struct store_journal_entry *e = journal(lines, &n);
	struct xfrout_diff d;

	assert_int_equal(xfrout_diff_compute(e, n, &d), 0);

	assert_int_equal(d.n_del, 1);
	assert_int_equal(d.del[0].ttl, 300);
	assert_int_equal(d.n_add, 1);
	assert_int_equal(d.add[0].ttl, 60);
	xfrout_diff_clear(&d);
	free_journal(e, n);
}

static void test_record_deleted_and_added_back_cancels(void **state)
{
	const char *lines[] = {
		SOA(1), "ns - NS 3600 ns1.example.com.",
		"del www A 300 192.0.2.1",
		SOA(2), "ns - NS 3600 ns1.example.com.",
		"add WWW A 300 192.0.2.1",
		SOA(3), "ns - NS 3600 ns1.example.com.",
		NULL,
	};
	size_t n;
	struct store_journal_entry *e = journal(lines, &n);
	struct xfrout_diff d;

	assert_int_equal(xfrout_diff_compute(e, n, &d), 0);

	assert_int_equal(d.n_del, 0);
	assert_int_equal(d.n_add, 0);
	xfrout_diff_clear(&d);
	free_journal(e, n);
}

/* Apex NS come from the versions' closing groups; an SOA TTL change
 * changes the TTL of every apex NS. */
static void test_apex_ns_changes_come_from_the_versions(void **state)
{
	const char *lines[] = {
		SOA(1), "ns - NS 3600 ns1.example.com.",
		"ns - NS 3600 ns2.example.com.",
		"soa - SOA 600 ns1.example.com. hostmaster.example.com. 2 "
		"3600 600 604800 300",
		"ns - NS 600 ns1.example.com.", "ns - NS 600 ns3.example.com.",
		NULL,
	};
	size_t n;
	struct store_journal_entry *e = journal(lines, &n);
	struct xfrout_diff d;

	assert_int_equal(xfrout_diff_compute(e, n, &d), 0);

	assert_int_equal(d.n_del, 2);
	assert_string_equal(d.del[0].owner, "@");
	assert_string_equal(d.del[0].value, "ns1.example.com.");
	assert_int_equal(d.del[0].ttl, 3600);
	assert_string_equal(d.del[1].value, "ns2.example.com.");
	assert_int_equal(d.n_add, 2);
	assert_string_equal(d.add[0].value, "ns1.example.com.");
	assert_int_equal(d.add[0].ttl, 600);
	assert_string_equal(d.add[1].value, "ns3.example.com.");
	xfrout_diff_clear(&d);
	free_journal(e, n);
}

static void test_entries_must_run_from_version_to_version(void **state)
{
	const char *no_end[] = {
		SOA(1), "add www A 300 192.0.2.1", NULL,
	};
	const char *no_start[] = {
		"add www A 300 192.0.2.1", SOA(2), NULL,
	};
	const char *tail[] = {
		SOA(1), SOA(2), "add www A 300 192.0.2.1", NULL,
	};
	const char *const *cases[] = { no_end, no_start, tail };
	for (size_t c = 0; c < 3; c++) {
		size_t n;
		struct store_journal_entry *e = journal(cases[c], &n);
		struct xfrout_diff d;
		assert_int_equal(xfrout_diff_compute(e, n, &d), ZG_EINVAL);
		free_journal(e, n);
	}
}

static void set_entry(struct store_journal_entry *e, const char *kind,
		      const char *owner, const char *type, uint32_t ttl,
		      const char *value, uint32_t serial)
{
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	snprintf(e->owner, sizeof(e->owner), "%s", owner);
	snprintf(e->type, sizeof(e->type), "%s", type);
	e->ttl = ttl;
	e->serial = serial;
	e->value = strdup(value);
	assert_non_null(e->value);
}

static void set_version(struct store_journal_entry *e, uint32_t serial)
{
	char soa[128];
	snprintf(soa, sizeof(soa), "ns1.example.com. hostmaster.example.com."
		 " %u 3600 600 604800 300", serial);
	set_entry(&e[0], "soa", "", "SOA", 3600, soa, serial);
	set_entry(&e[1], "ns", "", "NS", 3600, "ns1.example.com.", 0);
}

enum { MANY = 20000 };

/* "10.<net>.<i / 256>.<i % 256>" */
static void address(char *out, size_t len, int net, size_t i)
{
	snprintf(out, len, "10.%d.%zu.%zu", net, i / 256, i % 256);
}

/*
 * 20,000 records changed at once, then half of the change undone in the
 * next version (the old address back under the owner in upper case, the
 * new one deleted): the difference holds the other half, each RR once,
 * in the order of its first entry. A quadratic condensation would take
 * minutes here; this is a smoke check of size, not a timing.
 */
static void test_many_changed_records_condense_exactly(void **state)
{
	size_t n = 2 + 2 * MANY + 2 + MANY + 2;
	struct store_journal_entry *e = calloc(n, sizeof(*e));
	assert_non_null(e);
	char owner[32], value[32];
	size_t at = 0;
	set_version(&e[at], 1);
	at += 2;
	for (size_t i = 0; i < MANY; i++) {
		snprintf(owner, sizeof(owner), "r%zu", i);
		address(value, sizeof(value), 0, i);
		set_entry(&e[at++], "del", owner, "A", 300, value, 0);
		address(value, sizeof(value), 1, i);
		set_entry(&e[at++], "add", owner, "A", 300, value, 0);
	}
	set_version(&e[at], 2);
	at += 2;
	for (size_t i = 0; i < MANY; i += 2) {
		snprintf(owner, sizeof(owner), "R%zu", i);
		address(value, sizeof(value), 0, i);
		set_entry(&e[at++], "add", owner, "A", 300, value, 0);
		snprintf(owner, sizeof(owner), "r%zu", i);
		address(value, sizeof(value), 1, i);
		set_entry(&e[at++], "del", owner, "A", 300, value, 0);
	}
	set_version(&e[at], 3);
	at += 2;
	assert_int_equal(at, n);
	struct xfrout_diff d;

	assert_int_equal(xfrout_diff_compute(e, n, &d), 0);

	assert_int_equal(d.old_soa->serial, 1);
	assert_int_equal(d.new_soa->serial, 3);
	assert_int_equal(d.n_del, MANY / 2);
	assert_int_equal(d.n_add, MANY / 2);
	for (size_t k = 0; k < MANY / 2; k++) {
		size_t i = 2 * k + 1;
		snprintf(owner, sizeof(owner), "r%zu", i);
		address(value, sizeof(value), 0, i);
		assert_string_equal(d.del[k].owner, owner);
		assert_string_equal(d.del[k].type, "A");
		assert_int_equal(d.del[k].ttl, 300);
		assert_string_equal(d.del[k].value, value);
		address(value, sizeof(value), 1, i);
		assert_string_equal(d.add[k].owner, owner);
		assert_string_equal(d.add[k].value, value);
	}
	xfrout_diff_clear(&d);
	for (size_t i = 0; i < n; i++) {
		free(e[i].value);
	}
	free(e);
}

/* An RR added, deleted and added again counts by its first and last
 * entries only, however many lie between. */
static void test_only_first_and_last_entry_of_an_rr_count(void **state)
{
	const char *lines[] = {
		SOA(1), "ns - NS 3600 ns1.example.com.",
		"add a TXT 60 \"x\"", "del b TXT 60 \"y\"",
		SOA(2), "ns - NS 3600 ns1.example.com.",
		"del a TXT 60 \"x\"", "add b TXT 60 \"y\"",
		SOA(3), "ns - NS 3600 ns1.example.com.",
		"add a TXT 60 \"x\"", "del b TXT 60 \"y\"",
		SOA(4), "ns - NS 3600 ns1.example.com.",
		NULL,
	};
	size_t n;
	struct store_journal_entry *e = journal(lines, &n);
	struct xfrout_diff d;

	assert_int_equal(xfrout_diff_compute(e, n, &d), 0);

	assert_int_equal(d.n_add, 1);
	assert_string_equal(d.add[0].owner, "a");
	assert_int_equal(d.n_del, 1);
	assert_string_equal(d.del[0].owner, "b");
	xfrout_diff_clear(&d);
	free_journal(e, n);
}

/* RFC 1982 section 3.2 and shared/cases/bugcorpus.md BC-30. */
static void test_serial_comparison_wraps(void **state)
{
	assert_true(xfrout_serial_compare(1158658354u, 4000000000u) > 0);
	assert_true(xfrout_serial_compare(0, 4294967295u) > 0);
	assert_true(xfrout_serial_compare(4294967295u, 0) < 0);
	assert_true(xfrout_serial_compare(2026120401u, 2026120402u) < 0);
	assert_int_equal(xfrout_serial_compare(7, 7), 0);
	/* Distance exactly 2^31 is undefined. */
	assert_int_equal(xfrout_serial_compare(2147483649u, 1), 0);
	assert_int_equal(xfrout_serial_compare(1, 2147483649u), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_of_several_versions_condense),
		cmocka_unit_test(test_ttl_change_deletes_and_adds),
		cmocka_unit_test(test_record_deleted_and_added_back_cancels),
		cmocka_unit_test(test_apex_ns_changes_come_from_the_versions),
		cmocka_unit_test(test_entries_must_run_from_version_to_version),
		cmocka_unit_test(test_serial_comparison_wraps),
		cmocka_unit_test(test_many_changed_records_condense_exactly),
		cmocka_unit_test(test_only_first_and_last_entry_of_an_rr_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
