/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NOTIFY in (RFC 1996): which zone instance a NOTIFY means, whether its
 * sender and TSIG are accepted, the response, and the SOA check it
 * triggers. */
#include "xfr/xfr_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"

static bool addr_listed(const struct zg_addr *list, size_t n,
			const struct zg_addr *addr)
{
	for (size_t i = 0; i < n; i++) {
		if (addr_equal_ip(&list[i], addr)) {
			return true;
		}
	}
	return false;
}

/* Key names compare without case (RFC 8945 section 4.2). */
static bool same_key(const knot_rrset_t *tsig, const knot_tsig_key_t *key)
{
	return knot_dname_is_equal(tsig->owner, key->name) &&
	       knot_tsig_rdata_alg(tsig) == key->algorithm;
}

static void verdict(struct xfr_notify_verdict *out, uint16_t rcode,
		    uint16_t tsig_error, bool sign, const char *reason)
{
	out->rcode = rcode;
	out->tsig_error = tsig_error;
	out->sign = sign;
	out->accepted = rcode == KNOT_RCODE_NOERROR;
	out->reason = reason;
}

/* RFC 8945 section 5.2: the server checks the key, then the MAC, then
 * the time. Errors of the first two are answered unsigned. */
static bool check_tsig(const knot_pkt_t *pkt,
		       const struct xfr_notify_view *zone,
		       struct xfr_notify_verdict *out)
{
	const knot_rrset_t *tsig = pkt->tsig_rr;
	if (zone->key == NULL || !same_key(tsig, zone->key)) {
		verdict(out, KNOT_RCODE_NOTAUTH, KNOT_RCODE_BADKEY, false,
			"the TSIG key is not the zone's key (BADKEY)");
		return false;
	}
	int ret = knot_tsig_server_check(tsig, pkt->wire, pkt->size,
					 zone->key);
	if (ret == KNOT_TSIG_EBADTIME) {
		verdict(out, KNOT_RCODE_NOTAUTH, KNOT_RCODE_BADTIME, true,
			"the TSIG time is outside the fudge (BADTIME)");
		return false;
	}
	if (ret == KNOT_TSIG_EBADKEY) {
		verdict(out, KNOT_RCODE_NOTAUTH, KNOT_RCODE_BADKEY, false,
			"the TSIG key is not the zone's key (BADKEY)");
		return false;
	}
	if (ret != KNOT_EOK) {
		verdict(out, KNOT_RCODE_NOTAUTH, KNOT_RCODE_BADSIG, false,
			"the TSIG signature does not verify (BADSIG)");
		return false;
	}
	return true;
}

void xfr_notify_check(const knot_pkt_t *pkt, const struct zg_addr *source,
		      const struct xfr_notify_view *zone,
		      struct xfr_notify_verdict *out)
{
	bool signed_ok = false;
	if (pkt->tsig_rr != NULL) {
		if (!check_tsig(pkt, zone, out)) {
			return;
		}
		signed_ok = true;
	}

	/* RFC 1996 section 3.10: only the zone's masters are listened to;
	 * an allow-notify list adds the other addresses a multi-homed
	 * primary sends from. */
	if (!addr_listed(zone->primaries, zone->n_primaries, source) &&
	    !addr_listed(zone->allow, zone->n_allow, source)) {
		verdict(out, KNOT_RCODE_REFUSED, 0, signed_ok,
			"the sender is not a primary of the zone nor on its allow-notify list");
		return;
	}
	if (zone->key != NULL && !signed_ok) {
		verdict(out, KNOT_RCODE_REFUSED, 0, false,
			"the zone has a TSIG key and the NOTIFY is not signed");
		return;
	}
	verdict(out, KNOT_RCODE_NOERROR, 0, signed_ok, "accepted");
}

int xfr_notify_render(const knot_pkt_t *query,
		      const struct xfr_notify_verdict *v,
		      const knot_tsig_key_t *key, knot_pkt_t *resp)
{
	if (knot_pkt_init_response(resp, query) != KNOT_EOK) {
		return ZG_EINVAL;
	}
	knot_wire_set_aa(resp->wire);
	knot_wire_set_rcode(resp->wire, (uint8_t)v->rcode);

	const knot_rrset_t *tsig = query->tsig_rr;
	if (tsig == NULL) {
		return 0;
	}
	int ret;
	if (v->sign && key != NULL) {
		/* RFC 8945 section 5.3: the response is signed over the
		 * request's MAC. */
		uint8_t digest[64];
		size_t digest_len = sizeof(digest);
		ret = knot_tsig_sign(resp->wire, &resp->size, resp->max_size,
				     knot_tsig_rdata_mac(tsig),
				     knot_tsig_rdata_mac_length(tsig), digest,
				     &digest_len, key, v->tsig_error,
				     knot_tsig_rdata_time_signed(tsig));
	} else {
		/* An unsigned TSIG that carries the error (RFC 8945
		 * sections 5.2.1, 5.2.2: MAC empty). */
		ret = knot_tsig_add(resp->wire, &resp->size, resp->max_size,
				    v->tsig_error, tsig);
	}
	return ret == KNOT_EOK ? 0 : ZG_EINVAL;
}

/*
 * The service side: find the zone instance, copy what the check needs
 * under the lock, answer, and post the SOA check.
 */

/* The instance a NOTIFY for qname means (issue 4, item 6): the one bound
 * to the VPC of the listener or source when several share the name; else
 * the one whose key signed it; else the one the sender is a primary or
 * notifier of; else the first. Called with svc->lock held. */
static struct xfr_zone *pick_zone(struct xfr_service *svc,
				  const knot_pkt_t *pkt,
				  const struct zg_addr *source,
				  const char *vpc_id)
{
	const knot_dname_t *qname = knot_pkt_qname(pkt);
	struct xfr_zone *first = NULL, *by_key = NULL, *by_addr = NULL;
	for (struct xfr_zone *z = svc->zones; z != NULL; z = z->next) {
		if (!knot_dname_is_equal(z->apex, qname)) {
			continue;
		}
		if (vpc_id != NULL && store_strv_has(&z->vpcs, vpc_id)) {
			return z;
		}
		first = first != NULL ? first : z;
		if (by_key == NULL && pkt->tsig_rr != NULL && z->has_key &&
		    knot_dname_is_equal(pkt->tsig_rr->owner, z->key.name)) {
			by_key = z;
		}
		if (by_addr == NULL &&
		    (addr_listed(z->primaries, z->n_primaries, source) ||
		     addr_listed(z->allow, z->n_allow, source))) {
			by_addr = z;
		}
	}
	return by_key != NULL ? by_key : by_addr != NULL ? by_addr : first;
}

/* zone_id is "" when no zone instance was found. */
static void log_verdict(const char *zone_id, const char *qname,
			const struct zg_addr *source,
			const struct xfr_notify_verdict *v)
{
	char fields[3 * STORE_NAME_LEN];
	char src[ZG_ADDR_STRLEN];
	addr_format(source, true, src, sizeof(src));
	if (zone_id[0] != '\0') {
		snprintf(fields, sizeof(fields),
			 "zone_id=%s name=%s source=%s", zone_id, qname, src);
	} else {
		snprintf(fields, sizeof(fields), "name=%s source=%s", qname,
			 src);
	}
	if (v->accepted) {
		zg_log(ZG_LOG_INFO, "xfr", fields,
		       "notify accepted; checking the primary's SOA now");
	} else {
		const char *rcode = v->rcode == KNOT_RCODE_REFUSED ? "REFUSED"
			: v->rcode == KNOT_RCODE_NOTAUTH ? "NOTAUTH" : "FORMERR";
		zg_log(ZG_LOG_WARNING, "xfr", fields,
		       "notify refused with %s: %s", rcode, v->reason);
	}
}

/* Decides for a well-formed NOTIFY. Fills *zone_id when accepted. */
static void decide(struct xfr_service *svc,
		   const struct resolve_service_msg *msg,
		   struct xfr_notify_verdict *v, knot_tsig_key_t *key_copy,
		   char *zone_id, size_t zone_id_len)
{
	const knot_pkt_t *pkt = msg->pkt;
	char qname[KNOT_DNAME_TXT_MAXLEN + 1] = "";
	knot_dname_to_str(qname, knot_pkt_qname(pkt), sizeof(qname));

	pthread_mutex_lock(&svc->lock);
	struct xfr_zone *z = pick_zone(svc, pkt, msg->source, msg->vpc_id);
	if (z == NULL) {
		/* Not a zone we are secondary for (BIND answers NOTAUTH). */
		verdict(v, KNOT_RCODE_NOTAUTH, 0, false,
			"zonegate is not a secondary for this zone");
	} else {
		struct xfr_notify_view view = {
			.primaries = z->primaries,
			.n_primaries = z->n_primaries,
			.allow = z->allow,
			.n_allow = z->n_allow,
			.key = z->has_key ? &z->key : NULL,
		};
		xfr_notify_check(pkt, msg->source, &view, v);
		if (v->sign && z->has_key &&
		    knot_tsig_key_copy(key_copy, &z->key) != KNOT_EOK) {
			v->sign = false;
		}
		snprintf(zone_id, zone_id_len, "%s", z->zone_id);
	}
	pthread_mutex_unlock(&svc->lock);
	log_verdict(zone_id, qname, msg->source, v);
}

static bool well_formed(const knot_pkt_t *pkt)
{
	/* RFC 1996 section 3.7: QDCOUNT 1, QTYPE SOA. */
	return knot_wire_get_qdcount(pkt->wire) == 1 &&
	       knot_pkt_qtype(pkt) == KNOT_RRTYPE_SOA &&
	       knot_pkt_qclass(pkt) == KNOT_CLASS_IN;
}

int xfr_notify_service(void *arg, const struct resolve_service_msg *msg,
		       resolve_reply_cb cb, void *cb_arg)
{
	struct xfr_service *svc = arg;
	struct xfr_notify_verdict v = { 0 };
	knot_tsig_key_t key = { 0 };
	char zone_id[STORE_ID_LEN] = "";

	if (!well_formed(msg->pkt)) {
		verdict(&v, KNOT_RCODE_FORMERR, 0, false,
			"a NOTIFY asks for one SOA question");
		log_verdict("", "-", msg->source, &v);
	} else {
		decide(svc, msg, &v, &key, zone_id, sizeof(zone_id));
	}

	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	if (resp == NULL) {
		knot_tsig_key_deinit(&key);
		return ZG_ENOMEM;
	}
	int ret = xfr_notify_render(msg->pkt, &v, key.name != NULL ? &key
				    : NULL, resp);
	if (ret == 0) {
		cb(cb_arg, resp->wire, resp->size);
	} else {
		cb(cb_arg, NULL, 0);
	}
	knot_pkt_free(resp);
	knot_tsig_key_deinit(&key);

	if (v.accepted && xfr_service_refresh(svc, zone_id) != 0) {
		zg_log(ZG_LOG_WARNING, "xfr", NULL,
		       "out of memory: the notify for %s is answered but no SOA check is scheduled; the refresh timer still runs",
		       zone_id);
	}
	return 0;
}
