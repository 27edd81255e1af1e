/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TSIG of the answer to a signed NOTIFY (RFC 8945 section 5.3): only
 * an answer signed with the key over the NOTIFY's MAC counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "xfrout/xfrout_priv.h"

#define ZONE "corp.example."
#define SECRET "qK1n9bX0oWfVt5mBz3rGJYc2uE8dHsLaPiN4vTxRkQw="
#define OTHER_SECRET "nfQ4U0VkXRD7Zd8l0CpjwsV0TgWRdsxZgA0Zu7/8Y0Q="

struct fixture {
	knot_tsig_key_t key;		/* zonegate's and the secondary's */
	knot_tsig_key_t wrong_secret;	/* same name, other secret */
	knot_tsig_key_t other_name;	/* other name, same secret */
	uint8_t notify[512];		/* the signed NOTIFY as sent */
	size_t notify_len;
	uint8_t mac[64];		/* its MAC */
	size_t mac_len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_int_equal(knot_tsig_key_init(&f->key, "hmac-sha256",
					    "xfr-out.", SECRET), 0);
	assert_int_equal(knot_tsig_key_init(&f->wrong_secret, "hmac-sha256",
					    "xfr-out.", OTHER_SECRET), 0);
	assert_int_equal(knot_tsig_key_init(&f->other_name, "hmac-sha256",
					    "someone-else.", SECRET), 0);

	knot_pkt_t *q = knot_pkt_new(f->notify, sizeof(f->notify), NULL);
	knot_wire_set_id(q->wire, 5151);
	knot_dname_t *zone = knot_dname_from_str_alloc(ZONE);
	assert_int_equal(knot_pkt_put_question(q, zone, KNOT_CLASS_IN,
					       KNOT_RRTYPE_SOA), 0);
	free(zone);
	knot_wire_set_opcode(q->wire, KNOT_OPCODE_NOTIFY);
	knot_wire_set_aa(q->wire);
	f->notify_len = q->size;
	knot_pkt_free(q);
	f->mac_len = sizeof(f->mac);
	assert_int_equal(knot_tsig_sign(f->notify, &f->notify_len,
					sizeof(f->notify), NULL, 0, f->mac,
					&f->mac_len, &f->key, 0, 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	knot_tsig_key_deinit(&f->key);
	knot_tsig_key_deinit(&f->wrong_secret);
	knot_tsig_key_deinit(&f->other_name);
	free(f);
	return 0;
}

/* The secondary's answer: the NOTIFY echoed with QR, its TSIG dropped
 * (so its ARCOUNT too). */
static size_t answer_wire(const struct fixture *f, uint8_t *wire)
{
	knot_pkt_t *q = knot_pkt_new(NULL, 512, NULL);
	memcpy(q->wire, f->notify, f->notify_len);
	q->size = f->notify_len;
	assert_int_equal(knot_pkt_parse(q, 0), 0);
	memcpy(wire, q->wire, q->size);
	size_t len = q->size;
	knot_pkt_free(q);
	knot_wire_set_qr(wire);
	return len;
}

/* Signs wire with key over request_mac (as a secondary does, RFC 8945
 * section 4.3.3), or adds an unsigned TSIG with tsig_error. */
static knot_pkt_t *answer(const struct fixture *f,
			  const knot_tsig_key_t *key, const uint8_t *mac,
			  size_t mac_len, uint16_t tsig_error)
{
	uint8_t wire[512];
	size_t len = answer_wire(f, wire);
	if (key != NULL && tsig_error == 0) {
		uint8_t digest[64];
		size_t dlen = sizeof(digest);
		assert_int_equal(knot_tsig_sign(wire, &len, sizeof(wire), mac,
						mac_len, digest, &dlen, key, 0,
						0), 0);
	} else if (key != NULL) {
		/* An unsigned TSIG that only carries the error. */
		knot_pkt_t *req = knot_pkt_new(NULL, 512, NULL);
		memcpy(req->wire, f->notify, f->notify_len);
		req->size = f->notify_len;
		assert_int_equal(knot_pkt_parse(req, 0), 0);
		assert_int_equal(knot_tsig_add(wire, &len, sizeof(wire),
					       tsig_error, req->tsig_rr), 0);
		knot_pkt_free(req);
	}
	knot_pkt_t *pkt = knot_pkt_new(NULL, 512, NULL);
	memcpy(pkt->wire, wire, len);
	pkt->size = len;
	assert_int_equal(knot_pkt_parse(pkt, 0), 0);
	return pkt;
}

static int check(const struct fixture *f, knot_pkt_t *pkt, char *why,
		 size_t len)
{
	int ret = xfrout_tsig_check_answer(pkt, &f->key, f->mac, f->mac_len,
					   why, len);
	knot_pkt_free(pkt);
	return ret;
}

static void test_answer_signed_over_the_notify_mac_counts(void **state)
{
	struct fixture *f = *state;
	char why[160] = "";
	assert_int_equal(check(f, answer(f, &f->key, f->mac, f->mac_len, 0),
			       why, sizeof(why)), 0);
}

static void test_unsigned_answer_is_refused(void **state)
{
	struct fixture *f = *state;
	char why[160] = "";
	assert_int_equal(check(f, answer(f, NULL, NULL, 0, 0), why,
			       sizeof(why)), ZG_EREFUSED);
	assert_string_equal(why, "the answer is not signed");
}

static void test_answer_signed_with_another_secret_is_refused(void **state)
{
	struct fixture *f = *state;
	char why[160] = "";
	assert_int_equal(check(f, answer(f, &f->wrong_secret, f->mac,
					 f->mac_len, 0), why, sizeof(why)),
			 ZG_EREFUSED);
	assert_non_null(strstr(why, "BADSIG"));
}

static void test_answer_signed_with_another_key_is_refused(void **state)
{
	struct fixture *f = *state;
	char why[160] = "";
	assert_int_equal(check(f, answer(f, &f->other_name, f->mac,
					 f->mac_len, 0), why, sizeof(why)),
			 ZG_EREFUSED);
	assert_non_null(strstr(why, "BADKEY"));
}

/* Signed with the key, but over another request's MAC: an answer to
 * some other NOTIFY, replayed. */
static void test_answer_over_another_mac_is_refused(void **state)
{
	struct fixture *f = *state;
	uint8_t other[64];
	memcpy(other, f->mac, f->mac_len);
	other[0] ^= 0x01;
	char why[160] = "";
	assert_int_equal(check(f, answer(f, &f->key, other, f->mac_len, 0),
			       why, sizeof(why)), ZG_EREFUSED);
	assert_non_null(strstr(why, "BADSIG"));
}

static void test_unsigned_badkey_answer_is_refused_with_the_error(void **state)
{
	struct fixture *f = *state;
	char why[160] = "";
	assert_int_equal(check(f, answer(f, &f->key, NULL, 0,
					 KNOT_RCODE_BADKEY), why,
			       sizeof(why)), ZG_EREFUSED);
	assert_non_null(strstr(why, "not signed and reports TSIG error BADKEY"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_answer_signed_over_the_notify_mac_counts),
		T(test_unsigned_answer_is_refused),
		T(test_answer_signed_with_another_secret_is_refused),
		T(test_answer_signed_with_another_key_is_refused),
		T(test_answer_over_another_mac_is_refused),
		T(test_unsigned_badkey_answer_is_refused_with_the_error),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
