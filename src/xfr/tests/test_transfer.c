/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Transfers in: the three IXFR reply forms of RFC 1995 (BC-28), AXFR
 * streams over several messages, limits, diff application and the
 * stored snapshot. Zone data is V1/V2 of shared/cases/bugcorpus.md G. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "msg_util.h"
#include "wire/wire.h"
#include "xfr/xfr_impl.h"
#include "zone/zone.h"

#define Z "onprem-sec.example."
#define SOA1 Z " 300 IN SOA pri." Z " h." Z " 2026120401 60 30 120 60"
#define SOA2 Z " 300 IN SOA pri." Z " h." Z " 2026120402 60 30 120 60"
#define NS Z " 300 IN NS pri." Z
#define PRI "pri." Z " 300 IN A 192.0.2.10"
#define OLD "old." Z " 300 IN A 10.50.0.1"
#define KEEP "keep." Z " 300 IN A 10.50.0.3"
#define NEW "new." Z " 300 IN A 10.50.0.2"

static const uint8_t *apex(void)
{
	static uint8_t wire[KNOT_DNAME_MAXLEN];
	knot_dname_from_str(wire, Z, sizeof(wire));
	return wire;
}

static struct zone_contents *v1(void)
{
	const char *lines[] = { SOA1, NS, PRI, OLD, KEEP, NULL };
	struct zone_builder *b = zone_builder_new(apex());
	for (size_t i = 0; lines[i] != NULL; i++) {
		assert_int_equal(zone_builder_add_text(b, lines[i], NULL, 0),
				 0);
	}
	struct zone_contents *z = zone_builder_finish(b, NULL, 0);
	assert_non_null(z);
	return z;
}

/* Feeds one message of answer records into r. */
static int feed(struct xfr_reply *r, uint16_t qtype,
		const char *const *answer)
{
	knot_pkt_t *pkt = util_reply(Z, qtype, answer);
	int ret = xfr_reply_feed(r, pkt, pkt->size);
	knot_pkt_free(pkt);
	return ret;
}

static void ixfr_from_v1(struct xfr_reply *r)
{
	xfr_reply_init(r, apex(), true, 2026120401u, 1000, 1000000);
}

/* The status and A address of name in z. */
static int lookup_a(const struct zone_contents *z, const char *name,
		    char *addr, size_t len)
{
	uint8_t qname[KNOT_DNAME_MAXLEN];
	knot_dname_from_str(qname, name, sizeof(qname));
	struct wire_answer ans;
	wire_answer_init(&ans);
	struct zone_lookup_result res;
	struct wire_source src = { .kind = WIRE_SRC_ZONE };
	assert_int_equal(zone_lookup(z, qname, KNOT_RRTYPE_A, &src, 12, &ans,
				     &res), 0);
	addr[0] = '\0';
	if (res.status == ZONE_FOUND) {
		const knot_rrset_t *rr = ans.sections[0].items[0].rrset;
		char text[256];
		knot_rrset_txt_dump_data(rr, 0, text, sizeof(text),
					 &KNOT_DUMP_STYLE_DEFAULT);
		snprintf(addr, len, "%.63s", text);
	}
	wire_answer_clear(&ans);
	return res.status;
}

static void test_bc28a_incremental_reply_is_read_as_one_diff(void **state)
{
	struct xfr_reply r;
	ixfr_from_v1(&r);
	const char *msg[] = { SOA2, SOA1, OLD, SOA2, NEW, SOA2, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), 0);

	assert_true(r.done);
	assert_int_equal(r.kind, XFR_REPLY_INCREMENTAL);
	assert_int_equal(r.new_serial, 2026120402u);
	assert_int_equal(r.n_diffs, 1);
	assert_int_equal(r.diffs[0].from_serial, 2026120401u);
	assert_int_equal(r.diffs[0].to_serial, 2026120402u);
	assert_int_equal(r.diffs[0].del_end - r.diffs[0].del_start, 2);
	assert_int_equal(r.diffs[0].add_end - r.diffs[0].add_start, 2);
	assert_int_equal(r.rrs[r.diffs[0].del_start + 1].type,
			 KNOT_RRTYPE_A);
	xfr_reply_clear(&r);
}

static void test_bc28b_axfr_style_reply_is_the_whole_zone(void **state)
{
	struct xfr_reply r;
	ixfr_from_v1(&r);
	const char *msg[] = { SOA2, NS, PRI, KEEP, NEW, SOA2, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), 0);

	assert_true(r.done);
	assert_int_equal(r.kind, XFR_REPLY_FULL);
	/* The leading SOA is zone data; the final one is not repeated. */
	assert_int_equal(r.n_rrs, 5);
	assert_int_equal(r.rrs[0].type, KNOT_RRTYPE_SOA);
	xfr_reply_clear(&r);
}

static void test_bc28c_single_soa_means_up_to_date(void **state)
{
	struct xfr_reply r;
	ixfr_from_v1(&r);
	const char *msg[] = { SOA1, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), 0);
	assert_true(r.done);
	assert_int_equal(r.kind, XFR_REPLY_UPTODATE);
	assert_int_equal(r.new_serial, 2026120401u);
	xfr_reply_clear(&r);
}

static void test_newer_soa_alone_in_first_message_waits_for_more(void **state)
{
	struct xfr_reply r;
	ixfr_from_v1(&r);
	const char *first[] = { SOA2, NULL };
	const char *second[] = { SOA1, OLD, SOA2, NULL };
	const char *third[] = { NEW, SOA2, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, first), 0);
	assert_false(r.done);
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, second), 0);
	assert_false(r.done);
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, third), 0);
	assert_true(r.done);
	assert_int_equal(r.kind, XFR_REPLY_INCREMENTAL);
	xfr_reply_clear(&r);
}

static void test_axfr_over_several_messages(void **state)
{
	struct xfr_reply r;
	xfr_reply_init(&r, apex(), false, 0, 1000, 1000000);
	const char *m1[] = { SOA1, NS, NULL };
	const char *m2[] = { PRI, OLD, NULL };
	const char *m3[] = { KEEP, SOA1, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, m1), 0);
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, m2), 0);
	assert_false(r.done);
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, m3), 0);
	assert_true(r.done);
	assert_int_equal(r.kind, XFR_REPLY_FULL);
	assert_int_equal(r.n_rrs, 5);
	assert_int_equal(r.messages, 3);
	xfr_reply_clear(&r);
}

static void test_first_record_not_soa_is_malformed(void **state)
{
	struct xfr_reply r;
	xfr_reply_init(&r, apex(), false, 0, 1000, 1000000);
	const char *msg[] = { NS, SOA1, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, msg), ZG_EMALF);
	xfr_reply_clear(&r);
}

static void test_message_after_final_soa_is_malformed(void **state)
{
	struct xfr_reply r;
	xfr_reply_init(&r, apex(), false, 0, 1000, 1000000);
	const char *m1[] = { SOA1, NS, SOA1, NULL };
	const char *m2[] = { KEEP, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, m1), 0);
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, m2), ZG_EMALF);
	xfr_reply_clear(&r);
}

static void test_broken_diff_chain_is_malformed(void **state)
{
	struct xfr_reply r;
	ixfr_from_v1(&r);
	/* The second diff must start at the serial the first ended at. */
	const char *msg[] = {
		Z " 300 IN SOA pri." Z " h." Z " 2026120403 60 30 120 60",
		SOA1, SOA2, SOA1, NULL,
	};
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), ZG_EMALF);
	xfr_reply_clear(&r);
}

static void test_record_limit_refuses_the_transfer(void **state)
{
	struct xfr_reply r;
	xfr_reply_init(&r, apex(), false, 0, 4, 1000000);
	const char *msg[] = { SOA1, NS, PRI, OLD, KEEP, SOA1, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, msg), ZG_ELIMIT);
	assert_non_null(strstr(r.err, "more than 4 records"));
	xfr_reply_clear(&r);
}

/* max_records bounds the zone: the diffs of an IXFR, deletions
 * included, may hold more records than the zone; the caller checks the
 * zone they make. */
static void test_ixfr_diffs_are_not_bounded_by_the_record_limit(void **state)
{
	struct xfr_reply r;
	xfr_reply_init(&r, apex(), true, 2026120401u, 4, 1000000);
	const char *msg[] = { SOA2, SOA1, OLD, KEEP, SOA2, NEW, KEEP, SOA2,
			      NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), 0);
	assert_true(r.done);
	assert_int_equal(r.kind, XFR_REPLY_INCREMENTAL);
	assert_int_equal(r.n_rrs, 6);
	xfr_reply_clear(&r);
}

static void test_byte_limit_refuses_the_transfer(void **state)
{
	struct xfr_reply r;
	xfr_reply_init(&r, apex(), false, 0, 1000, 100);
	const char *msg[] = { SOA1, NS, PRI, OLD, KEEP, SOA1, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, msg), ZG_ELIMIT);
	xfr_reply_clear(&r);
}

static void test_records_outside_the_zone_are_skipped(void **state)
{
	struct xfr_reply r;
	xfr_reply_init(&r, apex(), false, 0, 1000, 1000000);
	const char *msg[] = { SOA1, NS, "other.example. 300 IN A 192.0.2.1",
			      SOA1, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, msg), 0);
	assert_true(r.done);
	assert_int_equal(r.n_rrs, 2);
	assert_int_equal(r.out_of_zone, 1);
	xfr_reply_clear(&r);
}

static void test_incremental_diff_turns_v1_into_v2(void **state)
{
	struct zone_contents *base = v1();
	struct xfr_reply r;
	ixfr_from_v1(&r);
	const char *msg[] = { SOA2, SOA1, OLD, SOA2, NEW, SOA2, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), 0);

	char err[256] = "";
	size_t skipped = 99;
	struct zone_contents *z = xfr_apply(base, &r, &skipped, err,
					    sizeof(err));
	assert_non_null(z);
	assert_int_equal(skipped, 0);
	assert_int_equal(zone_contents_serial(z), 2026120402u);
	assert_int_equal(zone_contents_rr_count(z), 5);

	char addr[64];
	assert_int_equal(lookup_a(z, "new." Z, addr, sizeof(addr)), ZONE_FOUND);
	assert_string_equal(addr, "10.50.0.2");
	assert_int_equal(lookup_a(z, "keep." Z, addr, sizeof(addr)),
			 ZONE_FOUND);
	assert_string_equal(addr, "10.50.0.3");
	assert_int_equal(lookup_a(z, "old." Z, addr, sizeof(addr)),
			 ZONE_NXDOMAIN);
	/* The base is left as it was. */
	assert_int_equal(zone_contents_serial(base), 2026120401u);
	assert_int_equal(lookup_a(base, "old." Z, addr, sizeof(addr)),
			 ZONE_FOUND);

	zone_contents_free(z);
	zone_contents_free(base);
	xfr_reply_clear(&r);
}

static void test_axfr_style_reply_replaces_the_zone(void **state)
{
	struct zone_contents *base = v1();
	struct xfr_reply r;
	ixfr_from_v1(&r);
	const char *msg[] = { SOA2, NS, PRI, KEEP, NEW, SOA2, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), 0);
	char err[256] = "";
	size_t skipped = 0;
	struct zone_contents *z = xfr_apply(base, &r, &skipped, err,
					    sizeof(err));
	assert_non_null(z);
	char addr[64];
	assert_int_equal(lookup_a(z, "old." Z, addr, sizeof(addr)),
			 ZONE_NXDOMAIN);
	assert_int_equal(lookup_a(z, "new." Z, addr, sizeof(addr)), ZONE_FOUND);
	assert_int_equal(zone_contents_rr_count(z), 5);
	zone_contents_free(z);
	zone_contents_free(base);
	xfr_reply_clear(&r);
}

static void test_several_diffs_apply_in_order(void **state)
{
	struct zone_contents *base = v1();
	struct xfr_reply r;
	ixfr_from_v1(&r);
	/* V1 -> V2 adds new; V2 -> V3 deletes the new record again and
	 * changes keep. */
	const char *soa3 = Z " 300 IN SOA pri." Z " h." Z
			   " 2026120403 60 30 120 60";
	const char *msg[] = {
		soa3,
		SOA1, OLD, SOA2, NEW,
		SOA2, NEW, KEEP, soa3, "keep." Z " 300 IN A 10.50.0.4",
		soa3, NULL,
	};
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), 0);
	assert_int_equal(r.n_diffs, 2);
	char err[256] = "";
	size_t skipped = 0;
	struct zone_contents *z = xfr_apply(base, &r, &skipped, err,
					    sizeof(err));
	assert_non_null(z);
	assert_int_equal(zone_contents_serial(z), 2026120403u);
	char addr[64];
	assert_int_equal(lookup_a(z, "new." Z, addr, sizeof(addr)),
			 ZONE_NXDOMAIN);
	assert_int_equal(lookup_a(z, "keep." Z, addr, sizeof(addr)),
			 ZONE_FOUND);
	assert_string_equal(addr, "10.50.0.4");
	zone_contents_free(z);
	zone_contents_free(base);
	xfr_reply_clear(&r);
}

static void test_deleting_a_missing_record_fails(void **state)
{
	struct zone_contents *base = v1();
	struct xfr_reply r;
	ixfr_from_v1(&r);
	const char *msg[] = { SOA2, SOA1, NEW, SOA2, SOA2, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), 0);
	char err[256] = "";
	size_t skipped = 0;
	assert_null(xfr_apply(base, &r, &skipped, err, sizeof(err)));
	assert_non_null(strstr(err, "new.onprem-sec.example."));
	zone_contents_free(base);
	xfr_reply_clear(&r);
}

static void test_diff_from_another_serial_fails(void **state)
{
	struct zone_contents *base = v1();
	struct xfr_reply r;
	xfr_reply_init(&r, apex(), true, 2026120400u, 1000, 1000000);
	const char *soa0 = Z " 300 IN SOA pri." Z " h." Z
			   " 2026120400 60 30 120 60";
	const char *msg[] = { SOA2, soa0, SOA2, NEW, SOA2, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_IXFR, msg), 0);
	char err[256] = "";
	size_t skipped = 0;
	assert_null(xfr_apply(base, &r, &skipped, err, sizeof(err)));
	assert_non_null(strstr(err, "starts at serial 2026120400"));
	zone_contents_free(base);
	xfr_reply_clear(&r);
}

static void test_unknown_types_load_from_a_transfer(void **state)
{
	/* RFC 3597: a type the server has no name for. */
	struct xfr_reply r;
	xfr_reply_init(&r, apex(), false, 0, 1000, 1000000);
	const char *msg[] = { SOA1, NS, "x." Z " 300 IN TYPE65400 \\# 3 abcdef",
			      SOA1, NULL };
	assert_int_equal(feed(&r, KNOT_RRTYPE_AXFR, msg), 0);
	char err[256] = "";
	size_t skipped = 0;
	struct zone_contents *z = xfr_apply(NULL, &r, &skipped, err,
					    sizeof(err));
	assert_non_null(z);
	assert_int_equal(skipped, 0);
	assert_int_equal(zone_contents_rr_count(z), 3);
	zone_contents_free(z);
	xfr_reply_clear(&r);
}

static void test_snapshot_round_trip_keeps_every_record(void **state)
{
	struct zone_contents *z = v1();
	uint8_t *blob = NULL;
	size_t len = 0;
	assert_int_equal(xfr_snapshot_encode(z, &blob, &len), 0);
	char err[256] = "";
	struct zone_contents *back = xfr_snapshot_decode(apex(), blob, len, err,
							 sizeof(err));
	assert_non_null(back);

	char *a = calloc(1, 8192), *b = calloc(1, 8192);
	assert_int_equal(zone_contents_walk(z, util_append_rrset_text, a), 0);
	assert_int_equal(zone_contents_walk(back, util_append_rrset_text, b), 0);
	assert_string_equal(a, b);
	assert_int_equal(zone_contents_serial(back), 2026120401u);

	/* A damaged blob is refused, not half loaded. */
	assert_null(xfr_snapshot_decode(apex(), blob, len - 3, err,
					sizeof(err)));
	free(a);
	free(b);
	free(blob);
	zone_contents_free(back);
	zone_contents_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bc28a_incremental_reply_is_read_as_one_diff),
		cmocka_unit_test(test_bc28b_axfr_style_reply_is_the_whole_zone),
		cmocka_unit_test(test_bc28c_single_soa_means_up_to_date),
		cmocka_unit_test(test_newer_soa_alone_in_first_message_waits_for_more),
		cmocka_unit_test(test_axfr_over_several_messages),
		cmocka_unit_test(test_first_record_not_soa_is_malformed),
		cmocka_unit_test(test_message_after_final_soa_is_malformed),
		cmocka_unit_test(test_broken_diff_chain_is_malformed),
		cmocka_unit_test(test_record_limit_refuses_the_transfer),
		cmocka_unit_test(test_ixfr_diffs_are_not_bounded_by_the_record_limit),
		cmocka_unit_test(test_byte_limit_refuses_the_transfer),
		cmocka_unit_test(test_records_outside_the_zone_are_skipped),
		cmocka_unit_test(test_incremental_diff_turns_v1_into_v2),
		cmocka_unit_test(test_axfr_style_reply_replaces_the_zone),
		cmocka_unit_test(test_several_diffs_apply_in_order),
		cmocka_unit_test(test_deleting_a_missing_record_fails),
		cmocka_unit_test(test_diff_from_another_serial_fails),
		cmocka_unit_test(test_unknown_types_load_from_a_transfer),
		cmocka_unit_test(test_snapshot_round_trip_keeps_every_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
