/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of TSIG on ordinary queries (RFC 8945): checking a request,
 * signing its answer over the request MAC, the NOTAUTH answers, and the
 * room kept for the TSIG RR when a UDP answer is fitted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "wire/wire.h"

#define KEY_NAME "client-key."
#define SECRET "qK1n9bX0oWfVt5mBz3rGJYc2uE8dHsLaPiN4vTxRkQw="
#define WRONG_SECRET "nfQ4U0VkXRD7Zd8l0CpjwsV0TgWRdsxZgA0Zu7/8Y0Q="

static void key_init(knot_tsig_key_t *key, const char *alg,
		     const char *secret)
{
	assert_int_equal(knot_tsig_key_init(key, alg, KEY_NAME, secret),
			 KNOT_EOK);
}

/* A query for www.corp.example. A signed by a client with key, and the
 * client's MAC (what the answer must be signed over). */
struct signed_query {
	knot_pkt_t *pkt;		/* parsed as the daemon parses it */
	uint8_t mac[64];
	size_t mac_len;
};

static void make_signed(const knot_tsig_key_t *key, struct signed_query *sq)
{
	knot_pkt_t *q = knot_pkt_new(NULL, 512, NULL);
	assert_non_null(q);
	knot_dname_t name[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(name, "www.corp.example.",
					    sizeof(name)));
	knot_wire_set_id(q->wire, 0x4321);
	assert_int_equal(knot_pkt_put_question(q, name, KNOT_CLASS_IN,
					       KNOT_RRTYPE_A), KNOT_EOK);
	sq->mac_len = sizeof(sq->mac);
	assert_int_equal(knot_tsig_sign(q->wire, &q->size, q->max_size, NULL,
					0, sq->mac, &sq->mac_len, key, 0, 0),
			 KNOT_EOK);

	sq->pkt = knot_pkt_new(NULL, q->size, NULL);
	assert_non_null(sq->pkt);
	memcpy(sq->pkt->wire, q->wire, q->size);
	sq->pkt->size = q->size;
	assert_int_equal(knot_pkt_parse(sq->pkt, 0), KNOT_EOK);
	assert_non_null(sq->pkt->tsig_rr);
	knot_pkt_free(q);
}

/* The response parsed as a client parses it: TSIG kept aside. */
static knot_pkt_t *reparse(const knot_pkt_t *resp)
{
	knot_pkt_t *p = knot_pkt_new(NULL, resp->size, NULL);
	assert_non_null(p);
	memcpy(p->wire, resp->wire, resp->size);
	p->size = resp->size;
	assert_int_equal(knot_pkt_parse(p, 0), KNOT_EOK);
	return p;
}

static void test_right_key_verifies_and_answer_is_signed_over_the_mac(
	void **state)
{
	knot_tsig_key_t key;
	key_init(&key, "hmac-sha256", SECRET);
	struct signed_query sq;
	make_signed(&key, &sq);

	struct wire_tsig t;
	assert_int_equal(wire_tsig_check(sq.pkt, &key, &t), 0);
	assert_int_equal(t.status, WIRE_TSIG_OK);
	/* HMAC-SHA256 MACs are 32 octets (RFC 8945 section 6). */
	assert_int_equal(t.request_mac_len, 32);
	assert_memory_equal(t.request_mac, sq.mac, 32);

	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_int_equal(knot_pkt_init_response(resp, sq.pkt), KNOT_EOK);
	assert_int_equal(wire_tsig_sign(&t, resp), 0);
	assert_int_equal(knot_wire_get_arcount(resp->wire), 1);

	/* The client checks the answer against its own request MAC. */
	knot_pkt_t *got = reparse(resp);
	assert_non_null(got->tsig_rr);
	assert_int_equal(knot_tsig_rdata_error(got->tsig_rr), 0);
	assert_int_equal(knot_tsig_client_check(got->tsig_rr, got->wire,
						got->size, sq.mac, sq.mac_len,
						&key, 0), KNOT_EOK);

	knot_pkt_free(got);
	knot_pkt_free(resp);
	wire_tsig_clear(&t);
	assert_int_equal(t.status, WIRE_TSIG_NONE);
	assert_null(t.key.secret.data);
	knot_pkt_free(sq.pkt);
	knot_tsig_key_deinit(&key);
}

static void test_bad_secret_unknown_key_and_other_algorithm_fail(
	void **state)
{
	knot_tsig_key_t key, wrong, sha1;
	key_init(&key, "hmac-sha256", SECRET);
	key_init(&wrong, "hmac-sha256", WRONG_SECRET);
	key_init(&sha1, "hmac-sha1", SECRET);
	struct signed_query sq;
	make_signed(&key, &sq);
	struct wire_tsig t;

	assert_int_equal(wire_tsig_check(sq.pkt, &wrong, &t), 0);
	assert_int_equal(t.status, WIRE_TSIG_BADSIG);
	assert_int_equal(wire_tsig_reserve(&t), 0);
	wire_tsig_clear(&t);

	assert_int_equal(wire_tsig_check(sq.pkt, NULL, &t), 0);
	assert_int_equal(t.status, WIRE_TSIG_BADKEY);
	wire_tsig_clear(&t);

	assert_int_equal(wire_tsig_check(sq.pkt, &sha1, &t), 0);
	assert_int_equal(t.status, WIRE_TSIG_BADKEY);
	wire_tsig_clear(&t);

	knot_pkt_free(sq.pkt);
	knot_tsig_key_deinit(&key);
	knot_tsig_key_deinit(&wrong);
	knot_tsig_key_deinit(&sha1);
}

static void test_unsigned_query_is_none_and_signing_does_nothing(
	void **state)
{
	knot_pkt_t *q = knot_pkt_new(NULL, 512, NULL);
	knot_dname_t name[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(name, "www.corp.example.",
					    sizeof(name)));
	assert_int_equal(knot_pkt_put_question(q, name, KNOT_CLASS_IN,
					       KNOT_RRTYPE_A), KNOT_EOK);
	struct wire_tsig t;
	assert_int_equal(wire_tsig_check(q, NULL, &t), 0);
	assert_int_equal(t.status, WIRE_TSIG_NONE);

	size_t before = q->size;
	assert_int_equal(wire_tsig_sign(&t, q), 0);
	assert_int_equal(q->size, before);
	wire_tsig_clear(&t);
	knot_pkt_free(q);
}

/* RFC 8945 section 5.2: BADSIG is NOTAUTH with the TSIG error in an
 * unsigned TSIG RR (section 5.3.2: MAC size 0). */
static void test_badsig_answer_is_notauth_with_an_unsigned_tsig(void **state)
{
	knot_tsig_key_t key, wrong;
	key_init(&key, "hmac-sha256", SECRET);
	key_init(&wrong, "hmac-sha256", WRONG_SECRET);
	struct signed_query sq;
	make_signed(&key, &sq);
	struct wire_tsig t;
	assert_int_equal(wire_tsig_check(sq.pkt, &wrong, &t), 0);

	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	assert_int_equal(wire_tsig_render_error(sq.pkt, &t, resp), KNOT_EOK);
	assert_int_equal(knot_wire_get_rcode(resp->wire), KNOT_RCODE_NOTAUTH);
	assert_false(knot_wire_get_aa(resp->wire));
	assert_int_equal(knot_wire_get_ancount(resp->wire), 0);
	knot_pkt_t *got = reparse(resp);
	assert_non_null(got->tsig_rr);
	assert_int_equal(knot_tsig_rdata_error(got->tsig_rr), 16);
	assert_int_equal(knot_tsig_rdata_mac_length(got->tsig_rr), 0);

	knot_pkt_free(got);
	knot_pkt_free(resp);
	wire_tsig_clear(&t);
	knot_pkt_free(sq.pkt);
	knot_tsig_key_deinit(&key);
	knot_tsig_key_deinit(&wrong);
}

/* 27 A records for www.corp.example.: header 12, question 22, each RR
 * 16 with a compressed owner: 466 octets, which fits 512 unsigned but not
 * with room for a TSIG RR of key client-key. (89 octets: owner 12, fixed
 * 10, algorithm hmac-sha256. 13, time 6, fudge 2, MAC 2 + 32, original
 * ID 2, error 2, other 2 + 6). */
static void test_udp_answer_keeps_room_for_the_tsig(void **state)
{
	knot_tsig_key_t key;
	key_init(&key, "hmac-sha256", SECRET);
	struct signed_query sq;
	make_signed(&key, &sq);
	struct wire_tsig t;
	assert_int_equal(wire_tsig_check(sq.pkt, &key, &t), 0);
	assert_int_equal(wire_tsig_reserve(&t), 89);

	knot_dname_t owner[KNOT_DNAME_MAXLEN];
	assert_non_null(knot_dname_from_str(owner, "www.corp.example.",
					    sizeof(owner)));
	knot_rrset_t *rr = knot_rrset_new(owner, KNOT_RRTYPE_A, KNOT_CLASS_IN,
					  300, NULL);
	for (uint8_t i = 0; i < 27; i++) {
		uint8_t addr[4] = { 10, 1, 2, i };
		assert_int_equal(knot_rrset_add_rdata(rr, addr, 4, NULL),
				 KNOT_EOK);
	}
	struct wire_answer ans;
	wire_answer_init(&ans);
	struct wire_source src = { .kind = WIRE_SRC_ZONE };
	assert_int_equal(wire_answer_add(&ans, KNOT_ANSWER, rr, NULL, 300,
					 &src), 0);

	struct wire_query_info info;
	uint16_t rcode = 0;
	assert_int_equal(wire_query_check(sq.pkt, &info, &rcode), 0);
	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);

	assert_int_equal(wire_answer_render(&ans, sq.pkt, &info, false, resp),
			 KNOT_EOK);
	assert_int_equal(resp->size, 466);
	assert_false(knot_wire_get_tc(resp->wire));

	knot_pkt_clear(resp);
	info.tsig_reserve = wire_tsig_reserve(&t);
	assert_int_equal(wire_answer_render(&ans, sq.pkt, &info, false, resp),
			 KNOT_EOK);
	assert_true(knot_wire_get_tc(resp->wire));
	assert_int_equal(knot_wire_get_ancount(resp->wire), 0);
	assert_int_equal(wire_tsig_sign(&t, resp), 0);
	assert_true(resp->size <= 512);
	assert_int_equal(resp->size, 12 + 22 + 89 - 6);

	knot_pkt_free(resp);
	wire_answer_clear(&ans);
	knot_rrset_free(rr, NULL);
	wire_tsig_clear(&t);
	knot_pkt_free(sq.pkt);
	knot_tsig_key_deinit(&key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_key_verifies_and_answer_is_signed_over_the_mac),
		cmocka_unit_test(test_bad_secret_unknown_key_and_other_algorithm_fail),
		cmocka_unit_test(test_unsigned_query_is_none_and_signing_does_nothing),
		cmocka_unit_test(test_badsig_answer_is_notauth_with_an_unsigned_tsig),
		cmocka_unit_test(test_udp_answer_keeps_room_for_the_tsig),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
