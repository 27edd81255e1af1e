/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG on NOTIFY in (BC-31 a-e, RFC 8945 section 5.2) and on the replies
 * to signed requests (RFC 8945 sections 5.3.1, 5.4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "msg_util.h"
#include "xfr/xfr_impl.h"

#define ZONE "onprem-sec.example."
/* 32 bytes, base64. */
#define SECRET "5JMiyAjXjcR8yLbxNp3Jdh5UoZwYqALuGvgUOZm/hp8="
#define OTHER_SECRET "nfQ4U0VkXRD7Zd8l0CpjwsV0TgWRdsxZgA0Zu7/8Y0Q="

struct fixture {
	knot_tsig_key_t key;
	knot_tsig_key_t wrong_secret;
	knot_tsig_key_t rogue;
	struct zg_addr primary;
	struct zg_addr stranger;
	struct zg_addr notifier;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_int_equal(knot_tsig_key_init(&f->key, "hmac-sha256", "xfr-key.",
					    SECRET), 0);
	assert_int_equal(knot_tsig_key_init(&f->wrong_secret, "hmac-sha256",
					    "xfr-key.", OTHER_SECRET), 0);
	assert_int_equal(knot_tsig_key_init(&f->rogue, "hmac-sha256",
					    "rogue-key.", SECRET), 0);
	assert_int_equal(addr_parse("192.0.2.10", 53, &f->primary), 0);
	assert_int_equal(addr_parse("192.0.2.77", 5300, &f->stranger), 0);
	assert_int_equal(addr_parse("192.0.2.11", 53, &f->notifier), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	knot_tsig_key_deinit(&f->key);
	knot_tsig_key_deinit(&f->wrong_secret);
	knot_tsig_key_deinit(&f->rogue);
	free(f);
	return 0;
}

/* A NOTIFY for ZONE with the primary's SOA, signed with key (or not). */
static knot_pkt_t *notify(const knot_tsig_key_t *key, uint8_t *mac,
			  size_t *mac_len)
{
	knot_pkt_t *q = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	knot_wire_set_id(q->wire, 777);
	knot_wire_set_opcode(q->wire, KNOT_OPCODE_NOTIFY);
	knot_wire_set_aa(q->wire);
	knot_dname_t *qname = knot_dname_from_str_alloc(ZONE);
	assert_int_equal(knot_pkt_put_question(q, qname, KNOT_CLASS_IN,
					       KNOT_RRTYPE_SOA), 0);
	free(qname);
	if (key != NULL) {
		size_t len = 64;
		uint8_t digest[64];
		assert_int_equal(knot_tsig_sign(q->wire, &q->size, q->max_size,
						NULL, 0, digest, &len, key, 0,
						0), 0);
		if (mac != NULL) {
			memcpy(mac, digest, len);
			*mac_len = len;
		}
	}
	knot_pkt_t *in = util_parse(q->wire, q->size);
	knot_pkt_free(q);
	return in;
}

static struct xfr_notify_view view(const struct fixture *f, bool with_key)
{
	return (struct xfr_notify_view){
		.primaries = &f->primary, .n_primaries = 1,
		.allow = &f->notifier, .n_allow = 1,
		.key = with_key ? &f->key : NULL,
	};
}

static void test_bc31a_signed_notify_from_primary_is_accepted(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *q = notify(&f->key, NULL, NULL);
	struct xfr_notify_view v = view(f, true);
	struct xfr_notify_verdict out;
	xfr_notify_check(q, &f->primary, &v, &out);
	assert_int_equal(out.rcode, KNOT_RCODE_NOERROR);
	assert_int_equal(out.tsig_error, 0);
	assert_true(out.sign);
	assert_true(out.accepted);
	knot_pkt_free(q);
}

static void test_bc31b_unknown_key_is_notauth_badkey(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *q = notify(&f->rogue, NULL, NULL);
	struct xfr_notify_view v = view(f, true);
	struct xfr_notify_verdict out;
	xfr_notify_check(q, &f->primary, &v, &out);
	assert_int_equal(out.rcode, KNOT_RCODE_NOTAUTH);
	assert_int_equal(out.tsig_error, KNOT_RCODE_BADKEY);
	assert_false(out.sign);
	assert_false(out.accepted);
	knot_pkt_free(q);
}

static void test_bc31c_wrong_secret_is_notauth_badsig(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *q = notify(&f->wrong_secret, NULL, NULL);
	struct xfr_notify_view v = view(f, true);
	struct xfr_notify_verdict out;
	xfr_notify_check(q, &f->primary, &v, &out);
	assert_int_equal(out.rcode, KNOT_RCODE_NOTAUTH);
	assert_int_equal(out.tsig_error, KNOT_RCODE_BADSIG);
	assert_false(out.sign);
	knot_pkt_free(q);
}

static void test_bc31d_unsigned_notify_when_key_required_is_refused(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *q = notify(NULL, NULL, NULL);
	struct xfr_notify_view v = view(f, true);
	struct xfr_notify_verdict out;
	xfr_notify_check(q, &f->primary, &v, &out);
	assert_int_equal(out.rcode, KNOT_RCODE_REFUSED);
	assert_non_null(strstr(out.reason, "not signed"));
	knot_pkt_free(q);
}

static void test_bc31e_notify_from_a_stranger_is_refused(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *q = notify(NULL, NULL, NULL);
	struct xfr_notify_view v = view(f, false);
	struct xfr_notify_verdict out;
	xfr_notify_check(q, &f->stranger, &v, &out);
	assert_int_equal(out.rcode, KNOT_RCODE_REFUSED);
	assert_non_null(strstr(out.reason, "not a primary"));
	knot_pkt_free(q);
}

static void test_allow_notify_address_is_accepted_and_port_ignored(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *q = notify(NULL, NULL, NULL);
	struct xfr_notify_view v = view(f, false);
	struct xfr_notify_verdict out;
	struct zg_addr from;
	assert_int_equal(addr_parse("192.0.2.11", 40000, &from), 0);
	xfr_notify_check(q, &from, &v, &out);
	assert_int_equal(out.rcode, KNOT_RCODE_NOERROR);
	assert_false(out.sign);
	knot_pkt_free(q);
}

static void test_signed_response_echoes_question_and_verifies(void **state)
{
	struct fixture *f = *state;
	uint8_t mac[64];
	size_t mac_len = 0;
	knot_pkt_t *q = notify(&f->key, mac, &mac_len);
	struct xfr_notify_view v = view(f, true);
	struct xfr_notify_verdict out;
	xfr_notify_check(q, &f->primary, &v, &out);

	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_int_equal(xfr_notify_render(q, &out, &f->key, resp), 0);
	knot_pkt_t *r = util_parse(resp->wire, resp->size);
	assert_true(knot_wire_get_qr(r->wire));
	assert_true(knot_wire_get_aa(r->wire));
	assert_int_equal(knot_wire_get_opcode(r->wire), KNOT_OPCODE_NOTIFY);
	assert_int_equal(knot_wire_get_rcode(r->wire), KNOT_RCODE_NOERROR);
	assert_int_equal(knot_wire_get_id(r->wire), 777);
	assert_int_equal(knot_pkt_qtype(r), KNOT_RRTYPE_SOA);
	assert_non_null(r->tsig_rr);
	/* The primary checks the response over its request's MAC. */
	assert_int_equal(knot_tsig_client_check(r->tsig_rr, r->wire, r->size,
						mac, mac_len, &f->key, 0), 0);
	knot_pkt_free(r);
	knot_pkt_free(resp);
	knot_pkt_free(q);
}

static void test_badkey_response_is_unsigned_with_the_error(void **state)
{
	struct fixture *f = *state;
	knot_pkt_t *q = notify(&f->rogue, NULL, NULL);
	struct xfr_notify_view v = view(f, true);
	struct xfr_notify_verdict out;
	xfr_notify_check(q, &f->primary, &v, &out);
	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_int_equal(xfr_notify_render(q, &out, NULL, resp), 0);
	knot_pkt_t *r = util_parse(resp->wire, resp->size);
	assert_int_equal(knot_wire_get_rcode(r->wire), KNOT_RCODE_NOTAUTH);
	assert_non_null(r->tsig_rr);
	assert_int_equal(knot_tsig_rdata_error(r->tsig_rr), KNOT_RCODE_BADKEY);
	assert_int_equal(knot_tsig_rdata_mac_length(r->tsig_rr), 0);
	knot_pkt_free(r);
	knot_pkt_free(resp);
	knot_pkt_free(q);
}

/* A primary's signed reply to a request whose MAC is req_mac. */
static knot_pkt_t *signed_reply(const knot_tsig_key_t *key,
				const uint8_t *prev, size_t prev_len,
				bool first, uint8_t *mac_out, size_t *mac_len)
{
	const char *answer[] = {
		ZONE " 300 IN SOA pri." ZONE " h." ZONE
		" 2026120402 60 30 120 60", NULL,
	};
	knot_pkt_t *plain = util_reply(ZONE, KNOT_RRTYPE_SOA, answer);
	uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	memcpy(wire, plain->wire, plain->size);
	size_t len = plain->size;
	knot_pkt_free(plain);
	size_t dlen = 64;
	if (first) {
		assert_int_equal(knot_tsig_sign(wire, &len, sizeof(wire), prev,
						prev_len, mac_out, &dlen, key,
						0, 0), 0);
	} else {
		assert_int_equal(knot_tsig_sign_next(wire, &len, sizeof(wire),
						     prev, prev_len, mac_out,
						     &dlen, key, wire, len), 0);
	}
	*mac_len = dlen;
	return util_parse(wire, len);
}

static void test_signed_replies_of_a_stream_verify(void **state)
{
	struct fixture *f = *state;
	struct xfr_tsig_ctx ctx = { .key = &f->key };
	uint8_t req[512];
	knot_pkt_t *q = notify(NULL, NULL, NULL);
	memcpy(req, q->wire, q->size);
	size_t len = q->size;
	knot_pkt_free(q);
	assert_int_equal(xfr_tsig_sign_request(&ctx, req, &len, sizeof(req)),
			 0);
	assert_true(ctx.mac_len > 0);

	uint8_t mac1[64], mac2[64];
	size_t l1 = 0, l2 = 0;
	char why[256] = "";
	knot_pkt_t *r1 = signed_reply(&f->key, ctx.mac, ctx.mac_len, true,
				      mac1, &l1);
	assert_int_equal(xfr_tsig_check_reply(&ctx, r1, why, sizeof(why)), 0);
	knot_pkt_t *r2 = signed_reply(&f->key, mac1, l1, false, mac2, &l2);
	assert_int_equal(xfr_tsig_check_reply(&ctx, r2, why, sizeof(why)), 0);
	assert_int_equal(ctx.verified, 2);
	xfr_tsig_ctx_clear(&ctx);
	knot_pkt_free(r1);
	knot_pkt_free(r2);
}

static void test_bc31g_unsigned_reply_to_signed_request_is_refused(void **state)
{
	struct fixture *f = *state;
	struct xfr_tsig_ctx ctx = { .key = &f->key };
	uint8_t req[512];
	knot_pkt_t *q = notify(NULL, NULL, NULL);
	memcpy(req, q->wire, q->size);
	size_t len = q->size;
	knot_pkt_free(q);
	assert_int_equal(xfr_tsig_sign_request(&ctx, req, &len, sizeof(req)),
			 0);
	const char *answer[] = {
		ZONE " 300 IN SOA pri." ZONE " h." ZONE
		" 2026120402 60 30 120 60", NULL,
	};
	knot_pkt_t *r = util_reply(ZONE, KNOT_RRTYPE_SOA, answer);
	char why[256] = "";
	assert_int_equal(xfr_tsig_check_reply(&ctx, r, why, sizeof(why)),
			 ZG_EREFUSED);
	assert_non_null(strstr(why, "not signed"));
	xfr_tsig_ctx_clear(&ctx);
	knot_pkt_free(r);
}

static void test_reply_signed_with_other_secret_is_refused(void **state)
{
	struct fixture *f = *state;
	struct xfr_tsig_ctx ctx = { .key = &f->key };
	uint8_t req[512];
	knot_pkt_t *q = notify(NULL, NULL, NULL);
	memcpy(req, q->wire, q->size);
	size_t len = q->size;
	knot_pkt_free(q);
	assert_int_equal(xfr_tsig_sign_request(&ctx, req, &len, sizeof(req)),
			 0);
	uint8_t mac[64];
	size_t l = 0;
	knot_pkt_t *r = signed_reply(&f->wrong_secret, ctx.mac, ctx.mac_len,
				     true, mac, &l);
	char why[256] = "";
	assert_int_equal(xfr_tsig_check_reply(&ctx, r, why, sizeof(why)),
			 ZG_EREFUSED);
	xfr_tsig_ctx_clear(&ctx);
	knot_pkt_free(r);
}

/* A signed request for ZONE; ctx keeps its MAC. Returns it parsed. */
static knot_pkt_t *signed_request(struct xfr_tsig_ctx *ctx)
{
	uint8_t req[512];
	knot_pkt_t *q = notify(NULL, NULL, NULL);
	memcpy(req, q->wire, q->size);
	size_t len = q->size;
	knot_pkt_free(q);
	assert_int_equal(xfr_tsig_sign_request(ctx, req, &len, sizeof(req)),
			 0);
	return util_parse(req, len);
}

/* An empty NOTAUTH reply for ZONE SOA, unsigned yet; its length. */
static size_t notauth_reply(uint8_t *wire)
{
	const char *none[] = { NULL };
	knot_pkt_t *plain = util_reply(ZONE, KNOT_RRTYPE_SOA, none);
	memcpy(wire, plain->wire, plain->size);
	size_t len = plain->size;
	knot_pkt_free(plain);
	knot_wire_set_rcode(wire, KNOT_RCODE_NOTAUTH);
	return len;
}

/* The primary's unsigned reply carrying TSIG error (RFC 8945 section
 * 5.3.2): NOTAUTH, a TSIG with an empty MAC. */
static knot_pkt_t *unsigned_error_reply(const knot_pkt_t *req,
					uint16_t error)
{
	uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	size_t len = notauth_reply(wire);
	assert_int_equal(knot_tsig_add(wire, &len, sizeof(wire), error,
				       req->tsig_rr), 0);
	knot_pkt_t *r = util_parse(wire, len);
	assert_int_equal(knot_tsig_rdata_mac_length(r->tsig_rr), 0);
	return r;
}

/* The reason the unsigned error reply from the primary is refused. */
static void assert_unsigned_error_says(const struct fixture *f,
				       uint16_t error, const char *expected)
{
	struct xfr_tsig_ctx ctx = { .key = &f->key };
	knot_pkt_t *req = signed_request(&ctx);
	knot_pkt_t *r = unsigned_error_reply(req, error);
	char why[256] = "";
	assert_int_equal(xfr_tsig_check_reply(&ctx, r, why, sizeof(why)),
			 ZG_EREFUSED);
	assert_string_equal(why, expected);
	xfr_tsig_ctx_clear(&ctx);
	knot_pkt_free(r);
	knot_pkt_free(req);
}

static void test_unsigned_badkey_from_the_primary_names_the_key(void **state)
{
	assert_unsigned_error_says(*state, KNOT_RCODE_BADKEY,
				   "the primary does not know TSIG key xfr-key. (BADKEY)");
}

static void test_unsigned_badsig_from_the_primary_points_at_the_secret(
	void **state)
{
	assert_unsigned_error_says(*state, KNOT_RCODE_BADSIG,
				   "the primary cannot verify the request signed with TSIG key xfr-key. (BADSIG): the key's secret differs there");
}

/* BADTIME comes signed (RFC 8945 section 5.2.3), with the request's
 * time and the server's own in Other Data; the MAC verifies. */
static void test_signed_badtime_from_the_primary_points_at_the_clocks(
	void **state)
{
	struct fixture *f = *state;
	struct xfr_tsig_ctx ctx = { .key = &f->key };
	knot_pkt_t *req = signed_request(&ctx);
	uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	size_t len = notauth_reply(wire);
	uint8_t mac[64];
	size_t mac_len = sizeof(mac);
	assert_int_equal(knot_tsig_sign(wire, &len, sizeof(wire), ctx.mac,
					ctx.mac_len, mac, &mac_len, &f->key,
					KNOT_RCODE_BADTIME,
					knot_tsig_rdata_time_signed(
						req->tsig_rr)), 0);
	knot_pkt_t *r = util_parse(wire, len);
	assert_int_equal(knot_tsig_rdata_error(r->tsig_rr),
			 KNOT_RCODE_BADTIME);
	char why[256] = "";
	assert_int_equal(xfr_tsig_check_reply(&ctx, r, why, sizeof(why)),
			 ZG_EREFUSED);
	/* libknot signs with a fudge of 300 s. */
	assert_string_equal(why, "the primary's clock and ours differ by more than the fudge of 300 s (BADTIME)");
	xfr_tsig_ctx_clear(&ctx);
	knot_pkt_free(r);
	knot_pkt_free(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bc31a_signed_notify_from_primary_is_accepted),
		cmocka_unit_test(test_bc31b_unknown_key_is_notauth_badkey),
		cmocka_unit_test(test_bc31c_wrong_secret_is_notauth_badsig),
		cmocka_unit_test(test_bc31d_unsigned_notify_when_key_required_is_refused),
		cmocka_unit_test(test_bc31e_notify_from_a_stranger_is_refused),
		cmocka_unit_test(test_allow_notify_address_is_accepted_and_port_ignored),
		cmocka_unit_test(test_signed_response_echoes_question_and_verifies),
		cmocka_unit_test(test_badkey_response_is_unsigned_with_the_error),
		cmocka_unit_test(test_signed_replies_of_a_stream_verify),
		cmocka_unit_test(test_bc31g_unsigned_reply_to_signed_request_is_refused),
		cmocka_unit_test(test_reply_signed_with_other_secret_is_refused),
		cmocka_unit_test(test_unsigned_badkey_from_the_primary_names_the_key),
		cmocka_unit_test(test_unsigned_badsig_from_the_primary_points_at_the_secret),
		cmocka_unit_test(test_signed_badtime_from_the_primary_points_at_the_clocks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
