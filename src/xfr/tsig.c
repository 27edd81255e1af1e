/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG for the requests a secondary sends and the replies it verifies
 * (RFC 8945 sections 5.1, 5.3.1 and 5.4). */
#include "xfr/xfr_impl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libdnssec/error.h>
#include <libdnssec/tsig.h>

#include "common/error.h"

int xfr_tsig_key_from_store(const struct store_tsig_key *stored,
			    knot_tsig_key_t *key)
{
	memset(key, 0, sizeof(*key));
	int ret = knot_tsig_key_init(key, stored->algorithm, stored->meta.name,
				     stored->secret);
	return ret == KNOT_EOK ? 0 : ZG_EINVAL;
}

void xfr_tsig_ctx_clear(struct xfr_tsig_ctx *ctx)
{
	dnssec_tsig_free(ctx->running);
	ctx->running = NULL;
	ctx->verified = 0;
	ctx->unsigned_run = 0;
	ctx->mac_len = 0;
}

int xfr_tsig_sign_request(struct xfr_tsig_ctx *ctx, uint8_t *wire,
			  size_t *len, size_t max)
{
	xfr_tsig_ctx_clear(ctx);
	if (ctx->key == NULL) {
		return 0;
	}
	size_t mac_len = sizeof(ctx->mac);
	int ret = knot_tsig_sign(wire, len, max, NULL, 0, ctx->mac, &mac_len,
				 ctx->key, 0, 0);
	if (ret != KNOT_EOK) {
		return ret == KNOT_ESPACE ? ZG_ELIMIT : ZG_EINVAL;
	}
	ctx->mac_len = mac_len;
	return 0;
}

static void describe(int ret, char *why, size_t whylen)
{
	switch (ret) {
	case KNOT_TSIG_EBADKEY:
		snprintf(why, whylen, "the reply is signed with another key (BADKEY)");
		break;
	case KNOT_TSIG_EBADSIG:
		snprintf(why, whylen, "the reply's TSIG signature does not verify (BADSIG)");
		break;
	case KNOT_TSIG_EBADTIME:
		snprintf(why, whylen, "the reply's TSIG time is outside the fudge (BADTIME)");
		break;
	case KNOT_TSIG_EBADTRUNC:
		snprintf(why, whylen, "the reply's TSIG MAC is truncated (BADTRUNC)");
		break;
	default:
		snprintf(why, whylen, "the reply's TSIG is not valid: %s",
			 knot_strerror(ret));
		break;
	}
}

/* The name of a TSIG error: 16 is BADSIG here, not EDNS's BADVERS
 * (RFC 8945 section 3); the others share the RCODE table. */
static const char *tsig_error_name(uint16_t error)
{
	const knot_lookup_t *name = knot_lookup_by_id(
		error == KNOT_RCODE_BADSIG ? knot_tsig_rcode_names
					   : knot_rcode_names, error);
	return name != NULL ? name->name : "(unknown)";
}

/* What a TSIG error from the primary means for the operator: BADKEY
 * points at the key's name, BADSIG at its secret, BADTIME at a clock
 * (RFC 8945 section 5.2). */
static void server_error(const struct xfr_tsig_ctx *ctx,
			 const knot_rrset_t *tsig, char *why, size_t whylen)
{
	char key[KNOT_DNAME_TXT_MAXLEN + 1] = "";
	if (knot_dname_to_str(key, ctx->key->name, sizeof(key)) == NULL) {
		snprintf(key, sizeof(key), "(unprintable)");
	}
	uint16_t error = knot_tsig_rdata_error(tsig);
	switch (error) {
	case KNOT_RCODE_BADKEY:
		snprintf(why, whylen, "the primary does not know TSIG key %s (BADKEY)",
			 key);
		break;
	case KNOT_RCODE_BADSIG:
		snprintf(why, whylen, "the primary cannot verify the request signed with TSIG key %s (BADSIG): the key's secret differs there",
			 key);
		break;
	case KNOT_RCODE_BADTIME:
		snprintf(why, whylen, "the primary's clock and ours differ by more than the fudge of %u s (BADTIME)",
			 (unsigned)knot_tsig_rdata_fudge(tsig));
		break;
	case KNOT_RCODE_BADTRUNC:
		snprintf(why, whylen, "the primary refused the request's truncated TSIG MAC (BADTRUNC)");
		break;
	default:
		snprintf(why, whylen, "the primary answered with TSIG error %s",
			 tsig_error_name(error));
		break;
	}
}

static int add_bytes(dnssec_tsig_ctx_t *hmac, const uint8_t *data,
		     size_t len)
{
	const dnssec_binary_t bin = { .data = (uint8_t *)data, .size = len };
	return dnssec_tsig_add(hmac, &bin) == DNSSEC_EOK ? 0 : ZG_ENOMEM;
}

/* Starts the MAC of the messages after a verified one: it begins with
 * that message's MAC, length first (RFC 8945 section 5.3.1, "Prior
 * MAC"). */
static int start_running(struct xfr_tsig_ctx *ctx, const uint8_t *mac,
			 size_t mac_len)
{
	dnssec_tsig_free(ctx->running);
	ctx->running = NULL;
	if (dnssec_tsig_new(&ctx->running, ctx->key->algorithm,
			    &ctx->key->secret) != DNSSEC_EOK) {
		ctx->running = NULL;
		return ZG_ENOMEM;
	}
	uint8_t len[2] = { (uint8_t)(mac_len >> 8), (uint8_t)mac_len };
	int ret = add_bytes(ctx->running, len, sizeof(len));
	if (ret == 0) {
		ret = add_bytes(ctx->running, mac, mac_len);
	}
	return ret;
}

/* Feeds a signed message as the MAC covers it: without its TSIG, ARCOUNT
 * decremented (both done by knot_pkt_parse) and with the original ID
 * (RFC 8945 section 4.3.1); then its timers (section 5.3.1). */
static int add_signed(struct xfr_tsig_ctx *ctx, const knot_pkt_t *pkt)
{
	const knot_rrset_t *tsig = pkt->tsig_rr;
	if (pkt->size < KNOT_WIRE_HEADER_SIZE) {
		return ZG_EMALF;
	}
	uint16_t id = knot_tsig_rdata_orig_id(tsig);
	uint8_t head[2] = { (uint8_t)(id >> 8), (uint8_t)id };
	uint64_t t = knot_tsig_rdata_time_signed(tsig);
	uint16_t fudge = knot_tsig_rdata_fudge(tsig);
	uint8_t timers[8] = {
		(uint8_t)(t >> 40), (uint8_t)(t >> 32), (uint8_t)(t >> 24),
		(uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)t,
		(uint8_t)(fudge >> 8), (uint8_t)fudge,
	};
	int ret = add_bytes(ctx->running, head, sizeof(head));
	if (ret == 0) {
		ret = add_bytes(ctx->running, pkt->wire + 2, pkt->size - 2);
	}
	if (ret == 0) {
		ret = add_bytes(ctx->running, timers, sizeof(timers));
	}
	return ret;
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint8_t diff = 0;
	for (size_t i = 0; i < len; i++) {
		diff |= a[i] ^ b[i];
	}
	return diff == 0;
}

/* The TSIG of a signed message after the first: key, MAC over everything
 * since the previous signed one, then time (RFC 8945 sections 5.3.1 and
 * 5.2, in that order). Returns a KNOT_TSIG_E* code or KNOT_EOK. */
static int check_next(struct xfr_tsig_ctx *ctx, const knot_pkt_t *pkt,
		      int *err)
{
	const knot_rrset_t *tsig = pkt->tsig_rr;
	const knot_tsig_key_t *key = ctx->key;
	if (!knot_dname_is_case_equal(tsig->owner, key->name) ||
	    knot_tsig_rdata_alg(tsig) != key->algorithm) {
		return KNOT_TSIG_EBADKEY;
	}
	size_t full = dnssec_tsig_algorithm_size(key->algorithm);
	size_t mac_len = knot_tsig_rdata_mac_length(tsig);
	if (mac_len > full || mac_len == 0) {
		return KNOT_TSIG_EBADSIG;
	}
	/* RFC 8945 section 5.2.2.1: a truncated MAC keeps at least half
	 * the hash and at least 10 octets. */
	if (mac_len < full / 2 || mac_len < 10) {
		return KNOT_TSIG_EBADTRUNC;
	}

	uint8_t digest[64];
	*err = add_signed(ctx, pkt);
	if (*err == 0 && (dnssec_tsig_size(ctx->running) > sizeof(digest) ||
			  dnssec_tsig_write(ctx->running, digest) !=
			  DNSSEC_EOK)) {
		*err = ZG_ENOMEM;
	}
	if (*err != 0) {
		return KNOT_ERROR;
	}
	if (!same_bytes(digest, knot_tsig_rdata_mac(tsig), mac_len)) {
		return KNOT_TSIG_EBADSIG;
	}

	int64_t skew = (int64_t)time(NULL) -
		       (int64_t)knot_tsig_rdata_time_signed(tsig);
	int64_t fudge = knot_tsig_rdata_fudge(tsig);
	if (skew > fudge || skew < -fudge) {
		return KNOT_TSIG_EBADTIME;
	}
	return KNOT_EOK;
}

/* An unsigned message in a signed exchange: allowed between signed ones
 * only, at most XFR_TSIG_MAX_UNSIGNED in a row; its bytes as received
 * go into the next signed message's MAC (RFC 8945 section 5.3.1). */
static int take_unsigned(struct xfr_tsig_ctx *ctx, const knot_pkt_t *pkt,
			 char *why, size_t whylen)
{
	if (ctx->verified == 0) {
		snprintf(why, whylen, "the reply is not signed although the zone has a TSIG key");
		return ZG_EREFUSED;
	}
	if (ctx->unsigned_run >= XFR_TSIG_MAX_UNSIGNED) {
		snprintf(why, whylen, "more than %d messages in a row of the transfer are not signed (RFC 8945 section 5.3.1)",
			 XFR_TSIG_MAX_UNSIGNED);
		return ZG_EREFUSED;
	}
	if (add_bytes(ctx->running, pkt->wire, pkt->size) != 0) {
		snprintf(why, whylen, "out of memory");
		return ZG_ENOMEM;
	}
	ctx->unsigned_run++;
	return 0;
}

int xfr_tsig_check_reply(struct xfr_tsig_ctx *ctx, const knot_pkt_t *pkt,
			 char *why, size_t whylen)
{
	if (ctx->key == NULL) {
		return 0;
	}
	const knot_rrset_t *tsig = pkt->tsig_rr;
	if (tsig == NULL) {
		return take_unsigned(ctx, pkt, why, whylen);
	}

	/* RFC 8945 section 5.3.2: a server that cannot verify the request
	 * (unknown key, bad MAC) answers with an unsigned TSIG holding the
	 * error. It cannot be verified, but it can only refuse, and it
	 * says why far better than a failed verification would. */
	if (knot_tsig_rdata_error(tsig) != 0 &&
	    knot_tsig_rdata_mac_length(tsig) == 0) {
		server_error(ctx, tsig, why, whylen);
		return ZG_EREFUSED;
	}

	int ret;
	int err = 0;
	if (ctx->verified == 0) {
		ret = knot_tsig_client_check(tsig, pkt->wire, pkt->size,
					     ctx->mac, ctx->mac_len, ctx->key,
					     0);
	} else {
		ret = check_next(ctx, pkt, &err);
	}
	if (err != 0) {
		snprintf(why, whylen, "cannot check the reply's TSIG: %s",
			 zg_strerror(err));
		return err;
	}
	if (ret != KNOT_EOK) {
		describe(ret, why, whylen);
		return ZG_EREFUSED;
	}
	if (knot_tsig_rdata_error(tsig) != 0) {
		server_error(ctx, tsig, why, whylen);
		return ZG_EREFUSED;
	}

	/* The next signed message covers this one's MAC. */
	size_t mac_len = knot_tsig_rdata_mac_length(tsig);
	if (mac_len > sizeof(ctx->mac)) {
		snprintf(why, whylen, "the reply's TSIG MAC is too long");
		return ZG_EREFUSED;
	}
	memcpy(ctx->mac, knot_tsig_rdata_mac(tsig), mac_len);
	ctx->mac_len = mac_len;
	ctx->time_signed = knot_tsig_rdata_time_signed(tsig);
	ctx->verified++;
	ctx->unsigned_run = 0;
	if (start_running(ctx, ctx->mac, ctx->mac_len) != 0) {
		snprintf(why, whylen, "out of memory");
		return ZG_ENOMEM;
	}
	return 0;
}

int xfr_tsig_check_end(const struct xfr_tsig_ctx *ctx, char *why,
		       size_t whylen)
{
	if (ctx->key == NULL || ctx->unsigned_run == 0) {
		return 0;
	}
	snprintf(why, whylen, "the last %zu messages of the transfer are not signed; RFC 8945 section 5.3.1 requires the last one to be",
		 ctx->unsigned_run);
	return ZG_EREFUSED;
}
