/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG on the server side (RFC 8945): finding the key a request names,
 * checking its signature, signing each message of the answer, and the
 * answers to requests whose signature fails; and, for the NOTIFYs this
 * side sends, checking the signature of their answers. */
#include "xfrout/xfrout.h"
#include "xfrout/xfrout_priv.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "resolve/resolve.h"
#include "store/store.h"
#include "wire/wire.h"

int xfrout_key_find(struct store *store, const knot_dname_t *name,
		    knot_tsig_key_t *out)
{
	char text[KNOT_DNAME_TXT_MAXLEN + 1];
	uint8_t lower[KNOT_DNAME_MAXLEN];
	memset(out, 0, sizeof(*out));
	knot_dname_copy_lower(lower, name);
	if (knot_dname_to_str(text, lower, sizeof(text)) == NULL) {
		return ZG_ENOENT;
	}

	struct store_tsig_key key = { 0 };
	int ret = store_begin(store, NULL);
	if (ret != 0) {
		return ZG_ESTORE;
	}
	ret = store_tsig_get(store, text, &key);
	store_rollback(store);
	if (ret != 0) {
		store_tsig_key_clear(&key);
		return ret;
	}

	/* libknot parses the algorithm name and decodes the secret. */
	ret = knot_tsig_key_init(out, key.algorithm, text, key.secret);
	store_tsig_key_clear(&key);
	if (ret != KNOT_EOK) {
		memset(out, 0, sizeof(*out));
		return ret == KNOT_ENOMEM ? ZG_ENOMEM : ZG_ENOENT;
	}
	return 0;
}

void xfrout_tsig_clear(struct xfrout_tsig *t)
{
	knot_tsig_key_deinit(&t->key);
	memset(t, 0, sizeof(*t));
}

/* Keeps the request's MAC: the answer's first signature covers it. */
static void keep_request_mac(struct xfrout_tsig *t, const knot_rrset_t *rr)
{
	size_t len = knot_tsig_rdata_mac_length(rr);
	if (len > sizeof(t->digest)) {
		len = 0;
	}
	if (len > 0) {
		memcpy(t->digest, knot_tsig_rdata_mac(rr), len);
	}
	t->digest_len = len;
	t->time_signed = knot_tsig_rdata_time_signed(rr);
}

int xfrout_tsig_check(struct store *store, const knot_pkt_t *query,
		      struct xfrout_tsig *out)
{
	memset(out, 0, sizeof(*out));
	const knot_rrset_t *rr = query->tsig_rr;
	if (rr == NULL) {
		out->status = XFROUT_TSIG_NONE;
		return 0;
	}
	knot_dname_copy_lower(out->key_name, rr->owner);
	if (!knot_tsig_rdata_is_ok(rr)) {
		out->status = XFROUT_TSIG_FORMERR;
		return 0;
	}
	keep_request_mac(out, rr);

	int ret = xfrout_key_find(store, rr->owner, &out->key);
	if (ret == ZG_ENOENT ||
	    (ret == 0 && out->key.algorithm != knot_tsig_rdata_alg(rr))) {
		/* Unknown name, or known with another algorithm: either way
		 * no key the request could have been signed with. */
		knot_tsig_key_deinit(&out->key);
		memset(&out->key, 0, sizeof(out->key));
		out->status = XFROUT_TSIG_BADKEY;
		return 0;
	}
	if (ret != 0) {
		return ret;
	}

	ret = knot_tsig_server_check(rr, query->wire, query->size,
				     &out->key);
	switch (ret) {
	case KNOT_EOK:
		out->status = XFROUT_TSIG_OK;
		break;
	case KNOT_TSIG_EBADTIME:
		out->status = XFROUT_TSIG_BADTIME;
		break;
	case KNOT_TSIG_EBADKEY:
		out->status = XFROUT_TSIG_BADKEY;
		break;
	default:
		out->status = XFROUT_TSIG_BADSIG;
		break;
	}
	return 0;
}

size_t xfrout_tsig_reserve(const struct xfrout_tsig *t)
{
	if (t->status != XFROUT_TSIG_OK && t->status != XFROUT_TSIG_BADTIME) {
		return 0;
	}
	return knot_tsig_wire_maxsize(&t->key);
}

int xfrout_tsig_sign(struct xfrout_tsig *t, uint8_t *wire, size_t *len,
		     size_t max_len)
{
	if (t->status != XFROUT_TSIG_OK) {
		return 0;
	}
	size_t digest_len = sizeof(t->digest);
	int ret;
	if (t->signed_count == 0) {
		ret = knot_tsig_sign(wire, len, max_len, t->digest,
				     t->digest_len, t->digest, &digest_len,
				     &t->key, KNOT_RCODE_NOERROR,
				     t->time_signed);
	} else {
		/* Continuation messages chain on the previous digest
		 * (RFC 8945 section 5.3.1). */
		ret = knot_tsig_sign_next(wire, len, max_len, t->digest,
					  t->digest_len, t->digest,
					  &digest_len, &t->key, wire, *len);
	}
	if (ret != KNOT_EOK) {
		return ZG_EINVAL;
	}
	t->digest_len = digest_len;
	t->signed_count++;
	return 0;
}

int xfrout_tsig_error(const knot_pkt_t *query, struct xfrout_tsig *t,
		      knot_pkt_t *resp)
{
	int ret = knot_pkt_init_response(resp, query);
	if (ret != KNOT_EOK) {
		return ret;
	}
	knot_wire_clear_aa(resp->wire);
	if (t->status == XFROUT_TSIG_FORMERR) {
		knot_wire_set_rcode(resp->wire, KNOT_RCODE_FORMERR);
		return KNOT_EOK;
	}
	knot_wire_set_rcode(resp->wire, KNOT_RCODE_NOTAUTH);

	if (t->status == XFROUT_TSIG_BADTIME) {
		/* Signed with the request MAC; libknot adds the server's
		 * time as other data (section 5.2.3). */
		size_t digest_len = sizeof(t->digest);
		ret = knot_tsig_sign(resp->wire, &resp->size, resp->max_size,
				     t->digest, t->digest_len, t->digest,
				     &digest_len, &t->key, KNOT_RCODE_BADTIME,
				     t->time_signed);
		return ret;
	}
	uint16_t tsig_rcode = t->status == XFROUT_TSIG_BADKEY
		? KNOT_RCODE_BADKEY : KNOT_RCODE_BADSIG;
	return knot_tsig_add(resp->wire, &resp->size, resp->max_size,
			     tsig_rcode, query->tsig_rr);
}

void xfrout_send_error(struct resolve_stream *st, const knot_pkt_t *query,
		       struct xfrout_tsig *t, uint16_t rcode, uint16_t ede,
		       const char *text)
{
	knot_pkt_t *resp = knot_pkt_new(NULL, 1024 + xfrout_tsig_reserve(t),
					NULL);
	int ret = resp != NULL && query != NULL ? 0 : ZG_ENOMEM;
	if (ret == 0 && wire_render_error(query, rcode, ede, text, resp) !=
	    KNOT_EOK) {
		ret = ZG_EINVAL;
	}
	if (ret == 0) {
		knot_wire_clear_ra(resp->wire);
		ret = xfrout_tsig_sign(t, resp->wire, &resp->size,
				       resp->max_size);
	}
	if (ret == 0) {
		(void)st->ops->send(st, resp->wire, resp->size, false);
	} else {
		st->ops->end(st);
	}
	knot_pkt_free(resp);
}

void xfrout_send_tsig_error(struct resolve_stream *st,
			    const knot_pkt_t *query, struct xfrout_tsig *t)
{
	knot_pkt_t *resp = knot_pkt_new(NULL, 1024 + xfrout_tsig_reserve(t),
					NULL);
	if (resp != NULL && xfrout_tsig_error(query, t, resp) == KNOT_EOK) {
		(void)st->ops->send(st, resp->wire, resp->size, false);
	} else {
		st->ops->end(st);
	}
	knot_pkt_free(resp);
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

int xfrout_tsig_check_answer(const knot_pkt_t *answer,
			     const knot_tsig_key_t *key,
			     const uint8_t *request_mac,
			     size_t request_mac_len, char *why,
			     size_t whylen)
{
	const knot_rrset_t *rr = answer->tsig_rr;
	if (rr == NULL) {
		snprintf(why, whylen, "the answer is not signed");
		return ZG_EREFUSED;
	}
	uint16_t error = knot_tsig_rdata_error(rr);
	if (error != 0 && knot_tsig_rdata_mac_length(rr) == 0) {
		/* Section 5.3.2: BADKEY and BADSIG come unsigned; they say
		 * nothing trustworthy, only why the peer refused. */
		snprintf(why, whylen, "the answer is not signed and reports TSIG error %s",
			 tsig_error_name(error));
		return ZG_EREFUSED;
	}

	int ret = knot_tsig_client_check(rr, answer->wire, answer->size,
					 request_mac, request_mac_len, key, 0);
	switch (ret) {
	case KNOT_EOK:
		break;
	case KNOT_TSIG_EBADKEY:
		snprintf(why, whylen, "the answer is signed with another key (BADKEY)");
		return ZG_EREFUSED;
	case KNOT_TSIG_EBADTIME:
		snprintf(why, whylen, "the answer's TSIG time is outside the fudge (BADTIME)");
		return ZG_EREFUSED;
	default:
		snprintf(why, whylen, "the answer's TSIG signature does not verify (BADSIG)");
		return ZG_EREFUSED;
	}
	if (error != 0) {
		snprintf(why, whylen, "the answer reports TSIG error %s",
			 tsig_error_name(error));
		return ZG_EREFUSED;
	}
	return 0;
}
