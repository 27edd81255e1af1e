/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG for the requests a secondary sends and the replies it verifies
 * (RFC 8945 sections 5.1, 5.3.1 and 5.4). */
#include "xfr/xfr_impl.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"

int xfr_tsig_key_from_store(const struct store_tsig_key *stored,
			    knot_tsig_key_t *key)
{
	memset(key, 0, sizeof(*key));
	int ret = knot_tsig_key_init(key, stored->algorithm, stored->meta.name,
				     stored->secret);
	return ret == KNOT_EOK ? 0 : ZG_EINVAL;
}

int xfr_tsig_sign_request(struct xfr_tsig_ctx *ctx, uint8_t *wire,
			  size_t *len, size_t max)
{
	ctx->verified = 0;
	ctx->mac_len = 0;
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

int xfr_tsig_check_reply(struct xfr_tsig_ctx *ctx, const knot_pkt_t *pkt,
			 char *why, size_t whylen)
{
	if (ctx->key == NULL) {
		return 0;
	}
	const knot_rrset_t *tsig = pkt->tsig_rr;
	if (tsig == NULL) {
		snprintf(why, whylen, "the reply is not signed although the zone has a TSIG key");
		return ZG_EREFUSED;
	}

	int ret;
	if (ctx->verified == 0) {
		ret = knot_tsig_client_check(tsig, pkt->wire, pkt->size,
					     ctx->mac, ctx->mac_len, ctx->key,
					     0);
	} else {
		ret = knot_tsig_client_check_next(tsig, pkt->wire, pkt->size,
						  ctx->mac, ctx->mac_len,
						  ctx->key, ctx->time_signed);
	}
	if (ret != KNOT_EOK) {
		describe(ret, why, whylen);
		return ZG_EREFUSED;
	}

	/* The next message is signed over this one's MAC. */
	size_t mac_len = knot_tsig_rdata_mac_length(tsig);
	if (mac_len > sizeof(ctx->mac)) {
		snprintf(why, whylen, "the reply's TSIG MAC is too long");
		return ZG_EREFUSED;
	}
	memcpy(ctx->mac, knot_tsig_rdata_mac(tsig), mac_len);
	ctx->mac_len = mac_len;
	ctx->time_signed = knot_tsig_rdata_time_signed(tsig);
	ctx->verified++;
	return 0;
}
