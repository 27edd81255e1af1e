/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG over the messages of one transfer (RFC 8945 section 5.3.1):
 * unsigned messages between signed ones, at most 99 in a row, the last
 * one signed. The primary's MACs are computed here with GnuTLS from the
 * digest components the RFC lists, not with the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gnutls/crypto.h>

#include "common/error.h"
#include "msg_util.h"
#include "xfr/xfr_impl.h"

#define ZONE "onprem-sec.example."
/* 32 bytes, base64, and the same bytes for GnuTLS. */
#define SECRET "5JMiyAjXjcR8yLbxNp3Jdh5UoZwYqALuGvgUOZm/hp8="
#define FUDGE 300
#define MSG_ID 4242

/* Wire forms: the key name "xfr-key." and "hmac-sha256.". */
static const uint8_t KEY_WIRE[] = "\x07xfr-key";
static const uint8_t ALG_WIRE[] = "\x0bhmac-sha256";

/* The primary's side of one transfer. */
struct primary {
	uint8_t secret[64];
	size_t secret_len;
	uint8_t prior[64];	/* request MAC, then the last MAC sent */
	size_t prior_len;
	bool first;		/* the next signed message is the first */
	uint8_t *pending;	/* unsigned messages since the last signed */
	size_t pending_len;
};

struct fixture {
	knot_tsig_key_t key;
	struct xfr_tsig_ctx ctx;
	struct primary pri;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put48(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 6; i++) {
		p[i] = (uint8_t)(v >> (8 * (5 - i)));
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_int_equal(knot_tsig_key_init(&f->key, "hmac-sha256", "xfr-key.",
					    SECRET), 0);
	memcpy(f->pri.secret, f->key.secret.data, f->key.secret.size);
	f->pri.secret_len = f->key.secret.size;

	/* zonegate signs its AXFR request; the primary takes the request
	 * MAC from the TSIG it receives. */
	knot_pkt_t *q = knot_pkt_new(NULL, 512, NULL);
	knot_wire_set_id(q->wire, MSG_ID);
	knot_dname_t *qname = knot_dname_from_str_alloc(ZONE);
	assert_int_equal(knot_pkt_put_question(q, qname, KNOT_CLASS_IN,
					       KNOT_RRTYPE_AXFR), 0);
	free(qname);
	f->ctx.key = &f->key;
	assert_int_equal(xfr_tsig_sign_request(&f->ctx, q->wire, &q->size,
					       q->max_size), 0);
	knot_pkt_t *seen = util_parse(q->wire, q->size);
	assert_non_null(seen->tsig_rr);
	f->pri.prior_len = knot_tsig_rdata_mac_length(seen->tsig_rr);
	memcpy(f->pri.prior, knot_tsig_rdata_mac(seen->tsig_rr),
	       f->pri.prior_len);
	f->pri.first = true;
	knot_pkt_free(seen);
	knot_pkt_free(q);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	xfr_tsig_ctx_clear(&f->ctx);
	knot_tsig_key_deinit(&f->key);
	free(f->pri.pending);
	free(f);
	return 0;
}

/* One message of the AXFR answer, as rendered before any TSIG. */
static size_t message(uint8_t *wire, unsigned n)
{
	char line[128];
	snprintf(line, sizeof(line), "h%u." ZONE " 300 IN A 10.0.%u.%u",
		 n, n / 250, n % 250 + 1);
	const char *answer[] = { line, NULL };
	knot_pkt_t *pkt = util_reply(ZONE, KNOT_RRTYPE_AXFR, answer);
	knot_wire_set_id(pkt->wire, MSG_ID);
	size_t len = pkt->size;
	memcpy(wire, pkt->wire, len);
	knot_pkt_free(pkt);
	return len;
}

static void hmac_add(gnutls_hmac_hd_t h, const uint8_t *data, size_t len)
{
	assert_int_equal(gnutls_hmac(h, data, len), 0);
}

/*
 * The digest of a signed message (RFC 8945): the first one covers the
 * request MAC, the message and the TSIG variables (section 4.3.3); a
 * later one the prior MAC, every unsigned message since, the message
 * and the TSIG timers (section 5.3.1). MACs are preceded by their
 * length (section 4.3.2). skip_pending leaves the unsigned messages
 * out, as a primary that never sent them would.
 */
static void digest(struct primary *p, const uint8_t *msg, size_t len,
		   uint64_t now, bool skip_pending, uint8_t *mac)
{
	gnutls_hmac_hd_t h;
	assert_int_equal(gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, p->secret,
					  p->secret_len), 0);
	uint8_t mac_len[2];
	put16(mac_len, (uint16_t)p->prior_len);
	hmac_add(h, mac_len, 2);
	hmac_add(h, p->prior, p->prior_len);
	if (!p->first && !skip_pending) {
		hmac_add(h, p->pending, p->pending_len);
	}
	hmac_add(h, msg, len);
	uint8_t timers[8];
	put48(timers, now);
	put16(timers + 6, FUDGE);
	if (p->first) {
		/* Key name, class ANY, TTL 0, algorithm, timers, error
		 * 0, other length 0. */
		uint8_t rest[6] = { 0, 255, 0, 0, 0, 0 };
		uint8_t tail[4] = { 0, 0, 0, 0 };
		hmac_add(h, KEY_WIRE, sizeof(KEY_WIRE));
		hmac_add(h, rest, sizeof(rest));
		hmac_add(h, ALG_WIRE, sizeof(ALG_WIRE));
		hmac_add(h, timers, sizeof(timers));
		hmac_add(h, tail, sizeof(tail));
	} else {
		hmac_add(h, timers, sizeof(timers));
	}
	gnutls_hmac_deinit(h, mac);
}

/* Appends a TSIG RR with mac (mac_len octets) to wire[0..*len). */
static void append_tsig(uint8_t *wire, size_t *len, const uint8_t *mac,
			size_t mac_len, uint64_t now)
{
	uint8_t *p = wire + *len;
	memcpy(p, KEY_WIRE, sizeof(KEY_WIRE));
	p += sizeof(KEY_WIRE);
	put16(p, KNOT_RRTYPE_TSIG);
	put16(p + 2, KNOT_CLASS_ANY);
	memset(p + 4, 0, 4);
	uint8_t *rdlen = p + 8;
	p += 10;
	uint8_t *rdata = p;
	memcpy(p, ALG_WIRE, sizeof(ALG_WIRE));
	p += sizeof(ALG_WIRE);
	put48(p, now);
	put16(p + 6, FUDGE);
	put16(p + 8, (uint16_t)mac_len);
	p += 10;
	memcpy(p, mac, mac_len);
	p += mac_len;
	put16(p, knot_wire_get_id(wire));	/* original ID */
	put16(p + 2, 0);			/* error */
	put16(p + 4, 0);			/* other length */
	p += 6;
	put16(rdlen, (uint16_t)(p - rdata));
	*len = (size_t)(p - wire);
	knot_wire_set_arcount(wire, knot_wire_get_arcount(wire) + 1);
}

/* Message n of the transfer, signed as the primary would sign it (the
 * MAC may be truncated to mac_len, 0 for the whole), parsed as received. */
static knot_pkt_t *signed_msg(struct primary *p, unsigned n, uint64_t now,
			      bool skip_pending, size_t mac_len)
{
	uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	size_t len = message(wire, n);
	uint8_t mac[32];
	digest(p, wire, len, now, skip_pending, mac);
	if (mac_len == 0) {
		mac_len = sizeof(mac);
	}
	append_tsig(wire, &len, mac, mac_len, now);
	memcpy(p->prior, mac, mac_len);
	p->prior_len = mac_len;
	p->first = false;
	p->pending_len = 0;
	return util_parse(wire, len);
}

static knot_pkt_t *unsigned_msg(struct primary *p, unsigned n)
{
	uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	size_t len = message(wire, n);
	p->pending = realloc(p->pending, p->pending_len + len);
	assert_non_null(p->pending);
	memcpy(p->pending + p->pending_len, wire, len);
	p->pending_len += len;
	return util_parse(wire, len);
}

/* Feeds pkt to the check and frees it; returns the check's verdict. */
static int feed(struct fixture *f, knot_pkt_t *pkt, char *why, size_t len)
{
	int ret = xfr_tsig_check_reply(&f->ctx, pkt, why, len);
	knot_pkt_free(pkt);
	return ret;
}

/*
 * Plays a transfer: 'S' a signed message, 'U' an unsigned one, numbered
 * in order, signed at now. Returns the verdict of the first message
 * refused (why says why), or 0 when every one was taken.
 */
static int play(struct fixture *f, const char *script, char *why,
		size_t len)
{
	uint64_t now = (uint64_t)time(NULL);
	for (unsigned n = 0; script[n] != '\0'; n++) {
		knot_pkt_t *pkt = script[n] == 'S'
			? signed_msg(&f->pri, n, now, false, 0)
			: unsigned_msg(&f->pri, n);
		int ret = feed(f, pkt, why, len);
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

/* "S", then count 'U's, then tail. */
static const char *gap(char *buf, size_t count, const char *tail)
{
	buf[0] = 'S';
	memset(buf + 1, 'U', count);
	strcpy(buf + 1 + count, tail);
	return buf;
}

static void test_every_message_signed_verifies(void **state)
{
	struct fixture *f = *state;
	char why[256] = "";
	assert_int_equal(play(f, "SSS", why, sizeof(why)), 0);
	assert_int_equal(f->ctx.verified, 3);
	assert_int_equal(xfr_tsig_check_end(&f->ctx, why, sizeof(why)), 0);
}

static void test_unsigned_messages_between_signed_ones_verify(void **state)
{
	struct fixture *f = *state;
	char why[256] = "";
	assert_int_equal(play(f, "SUUSUS", why, sizeof(why)), 0);
	assert_int_equal(f->ctx.verified, 3);
	assert_int_equal(xfr_tsig_check_end(&f->ctx, why, sizeof(why)), 0);
}

static void test_99_unsigned_in_a_row_are_accepted(void **state)
{
	struct fixture *f = *state;
	char why[256] = "", script[128];
	assert_int_equal(play(f, gap(script, 99, "S"), why, sizeof(why)), 0);
	assert_int_equal(xfr_tsig_check_end(&f->ctx, why, sizeof(why)), 0);
}

static void test_100th_unsigned_in_a_row_is_refused(void **state)
{
	struct fixture *f = *state;
	char why[256] = "", script[128];
	assert_int_equal(play(f, gap(script, 100, "S"), why, sizeof(why)),
			 ZG_EREFUSED);
	assert_int_equal(f->ctx.unsigned_run, 99);
	assert_non_null(strstr(why, "more than 99 messages in a row"));
}

static void test_unsigned_last_message_is_refused_at_the_end(void **state)
{
	struct fixture *f = *state;
	char why[256] = "";
	assert_int_equal(play(f, "SUU", why, sizeof(why)), 0);
	assert_int_equal(xfr_tsig_check_end(&f->ctx, why, sizeof(why)),
			 ZG_EREFUSED);
	assert_non_null(strstr(why, "last 2 messages of the transfer are not signed"));
}

static void test_first_message_unsigned_is_refused(void **state)
{
	struct fixture *f = *state;
	char why[256] = "";
	assert_int_equal(play(f, "US", why, sizeof(why)), ZG_EREFUSED);
	assert_non_null(strstr(why, "not signed"));
}

/* An unsigned message the primary never sent (injected on the way):
 * the next MAC does not cover it. */
static void test_injected_unsigned_message_fails_the_next_mac(void **state)
{
	struct fixture *f = *state;
	uint64_t now = (uint64_t)time(NULL);
	char why[256] = "";
	assert_int_equal(play(f, "SU", why, sizeof(why)), 0);
	assert_int_equal(feed(f, signed_msg(&f->pri, 2, now, true, 0), why,
			      sizeof(why)), ZG_EREFUSED);
	assert_non_null(strstr(why, "BADSIG"));
}

/* An unsigned message changed on the way. */
static void test_altered_unsigned_message_fails_the_next_mac(void **state)
{
	struct fixture *f = *state;
	uint64_t now = (uint64_t)time(NULL);
	char why[256] = "";
	assert_int_equal(play(f, "S", why, sizeof(why)), 0);
	knot_pkt_t *u = unsigned_msg(&f->pri, 1);
	u->wire[u->size - 1] ^= 0x01;	/* last octet of the A record */
	assert_int_equal(feed(f, u, why, sizeof(why)), 0);
	assert_int_equal(feed(f, signed_msg(&f->pri, 2, now, false, 0), why,
			      sizeof(why)), ZG_EREFUSED);
	assert_non_null(strstr(why, "BADSIG"));
}

static void test_signed_message_outside_the_fudge_is_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t now = (uint64_t)time(NULL);
	char why[256] = "";
	assert_int_equal(feed(f, signed_msg(&f->pri, 0, now, false, 0), why,
			      sizeof(why)), 0);
	assert_int_equal(feed(f, signed_msg(&f->pri, 1, now - 2 * FUDGE,
					    false, 0), why, sizeof(why)),
			 ZG_EREFUSED);
	assert_non_null(strstr(why, "BADTIME"));
}

/* RFC 8945 section 5.2.2.1: half the hash (16 of 32 octets) is the
 * shortest MAC accepted. */
static void test_mac_truncated_to_half_verifies_shorter_is_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t now = (uint64_t)time(NULL);
	char why[256] = "";
	assert_int_equal(feed(f, signed_msg(&f->pri, 0, now, false, 0), why,
			      sizeof(why)), 0);
	assert_int_equal(feed(f, signed_msg(&f->pri, 1, now, false, 16), why,
			      sizeof(why)), 0);
	assert_int_equal(feed(f, signed_msg(&f->pri, 2, now, false, 15), why,
			      sizeof(why)), ZG_EREFUSED);
	assert_non_null(strstr(why, "BADTRUNC"));
}

/* RFC 8945 section 4.3.1: the MAC covers the original ID, whatever ID
 * the header carries now. */
static void test_mac_covers_the_original_id(void **state)
{
	struct fixture *f = *state;
	uint64_t now = (uint64_t)time(NULL);
	char why[256] = "";
	assert_int_equal(feed(f, signed_msg(&f->pri, 0, now, false, 0), why,
			      sizeof(why)), 0);
	knot_pkt_t *s = signed_msg(&f->pri, 1, now, false, 0);
	knot_wire_set_id(s->wire, MSG_ID + 1);
	assert_int_equal(feed(f, s, why, sizeof(why)), 0);
}

/* libknot's continuation signing (what Knot DNS sends) agrees. */
static void test_knot_signed_continuation_after_unsigned_ones(void **state)
{
	struct fixture *f = *state;
	char why[256] = "";
	assert_int_equal(play(f, "SU", why, sizeof(why)), 0);

	/* knot_tsig_sign_next covers to_sign: here the unsigned message
	 * followed by the message being signed. */
	uint8_t wire[KNOT_WIRE_MAX_PKTSIZE];
	size_t len = message(wire, 2);
	size_t cover_len = f->pri.pending_len + len;
	uint8_t *cover = malloc(cover_len);
	memcpy(cover, f->pri.pending, f->pri.pending_len);
	memcpy(cover + f->pri.pending_len, wire, len);
	uint8_t mac[64];
	size_t mac_len = sizeof(mac);
	assert_int_equal(knot_tsig_sign_next(wire, &len, sizeof(wire),
					     f->pri.prior, f->pri.prior_len,
					     mac, &mac_len, &f->key, cover,
					     cover_len), 0);
	free(cover);
	assert_int_equal(feed(f, util_parse(wire, len), why, sizeof(why)), 0);
	assert_int_equal(xfr_tsig_check_end(&f->ctx, why, sizeof(why)), 0);
}

static void test_new_request_forgets_the_previous_exchange(void **state)
{
	struct fixture *f = *state;
	char why[256] = "";
	assert_int_equal(play(f, "SU", why, sizeof(why)), 0);
	uint8_t req[512];
	knot_pkt_t *q = util_reply(ZONE, KNOT_RRTYPE_SOA,
				   (const char *[]){ NULL });
	memcpy(req, q->wire, q->size);
	size_t len = q->size;
	knot_pkt_free(q);
	assert_int_equal(xfr_tsig_sign_request(&f->ctx, req, &len,
					       sizeof(req)), 0);
	assert_int_equal(f->ctx.verified, 0);
	assert_int_equal(f->ctx.unsigned_run, 0);
	assert_null(f->ctx.running);
	assert_int_equal(xfr_tsig_check_end(&f->ctx, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_every_message_signed_verifies),
		T(test_unsigned_messages_between_signed_ones_verify),
		T(test_99_unsigned_in_a_row_are_accepted),
		T(test_100th_unsigned_in_a_row_is_refused),
		T(test_unsigned_last_message_is_refused_at_the_end),
		T(test_first_message_unsigned_is_refused),
		T(test_injected_unsigned_message_fails_the_next_mac),
		T(test_altered_unsigned_message_fails_the_next_mac),
		T(test_signed_message_outside_the_fudge_is_refused),
		T(test_mac_truncated_to_half_verifies_shorter_is_refused),
		T(test_mac_covers_the_original_id),
		T(test_knot_signed_continuation_after_unsigned_ones),
		T(test_new_request_forgets_the_previous_exchange),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
