/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG on ordinary queries (RFC 8945): checking a request, signing its
 * answer, and the answers to requests whose check fails. */
#include "wire/wire.h"

#include <string.h>

/* Keeps the request's MAC: the answer's signature covers it (RFC 8945
 * section 5.3.1). */
static void keep_request_mac(struct wire_tsig *t, const knot_rrset_t *rr)
{
	size_t len = knot_tsig_rdata_mac_length(rr);
	if (len > sizeof(t->request_mac)) {
		len = 0;
	}
	if (len > 0) {
		memcpy(t->request_mac, knot_tsig_rdata_mac(rr), len);
	}
	t->request_mac_len = len;
	t->time_signed = knot_tsig_rdata_time_signed(rr);
}

static enum wire_tsig_status verify(const knot_pkt_t *query,
				    const knot_tsig_key_t *key)
{
	switch (knot_tsig_server_check(query->tsig_rr, query->wire,
				       query->size, key)) {
	case KNOT_EOK:
		return WIRE_TSIG_OK;
	case KNOT_TSIG_EBADTIME:
		return WIRE_TSIG_BADTIME;
	case KNOT_TSIG_EBADKEY:
		return WIRE_TSIG_BADKEY;
	default:
		return WIRE_TSIG_BADSIG;
	}
}

int wire_tsig_check(const knot_pkt_t *query, const knot_tsig_key_t *key,
		    struct wire_tsig *out)
{
	memset(out, 0, sizeof(*out));
	const knot_rrset_t *rr = query->tsig_rr;
	if (rr == NULL) {
		return 0;
	}
	if (!knot_tsig_rdata_is_ok(rr)) {
		out->status = WIRE_TSIG_FORMERR;
		return 0;
	}
	keep_request_mac(out, rr);

	/* A known name with another algorithm is no key the request could
	 * have been signed with either. */
	if (key == NULL || key->algorithm != knot_tsig_rdata_alg(rr)) {
		out->status = WIRE_TSIG_BADKEY;
		return 0;
	}
	out->status = verify(query, key);
	if (out->status != WIRE_TSIG_OK && out->status != WIRE_TSIG_BADTIME) {
		return 0;
	}
	if (knot_tsig_key_copy(&out->key, key) != KNOT_EOK) {
		memset(out, 0, sizeof(*out));
		return ZG_ENOMEM;
	}
	return 0;
}

uint16_t wire_tsig_reserve(const struct wire_tsig *t)
{
	if (t->status != WIRE_TSIG_OK) {
		return 0;
	}
	return (uint16_t)knot_tsig_wire_maxsize(&t->key);
}

int wire_tsig_sign(const struct wire_tsig *t, knot_pkt_t *resp)
{
	if (t->status != WIRE_TSIG_OK) {
		return 0;
	}
	if (resp->size + wire_tsig_reserve(t) > resp->max_size) {
		return ZG_ELIMIT;
	}
	uint8_t digest[64];
	size_t digest_len = sizeof(digest);
	int ret = knot_tsig_sign(resp->wire, &resp->size, resp->max_size,
				 t->request_mac, t->request_mac_len, digest,
				 &digest_len, &t->key, KNOT_RCODE_NOERROR,
				 t->time_signed);
	return ret == KNOT_EOK ? 0 : ZG_EINVAL;
}

int wire_tsig_render_error(const knot_pkt_t *query, const struct wire_tsig *t,
			   knot_pkt_t *resp)
{
	int ret = knot_pkt_init_response(resp, query);
	if (ret != KNOT_EOK) {
		return ret;
	}
	knot_wire_clear_aa(resp->wire);
	if (t->status == WIRE_TSIG_FORMERR) {
		knot_wire_set_rcode(resp->wire, KNOT_RCODE_FORMERR);
		return KNOT_EOK;
	}
	knot_wire_set_rcode(resp->wire, KNOT_RCODE_NOTAUTH);

	if (t->status == WIRE_TSIG_BADTIME) {
		/* Signed over the request MAC; libknot adds the server's
		 * time as other data (section 5.2.3). */
		uint8_t digest[64];
		size_t digest_len = sizeof(digest);
		return knot_tsig_sign(resp->wire, &resp->size, resp->max_size,
				      t->request_mac, t->request_mac_len,
				      digest, &digest_len, &t->key,
				      KNOT_RCODE_BADTIME, t->time_signed);
	}
	/* BADKEY and BADSIG go unsigned (section 5.3.2). */
	uint16_t tsig_rcode = t->status == WIRE_TSIG_BADKEY ?
		KNOT_RCODE_BADKEY : KNOT_RCODE_BADSIG;
	return knot_tsig_add(resp->wire, &resp->size, resp->max_size,
			     tsig_rcode, query->tsig_rr);
}

void wire_tsig_clear(struct wire_tsig *t)
{
	if (t->key.secret.data != NULL) {
		explicit_bzero(t->key.secret.data, t->key.secret.size);
	}
	knot_tsig_key_deinit(&t->key);
	explicit_bzero(t, sizeof(*t));
}
