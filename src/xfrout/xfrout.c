/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transfer service: requests queued from the query path, checked
 * (zone, VPC, allow-list, TSIG), answered by transfer threads with AXFR,
 * IXFR from the journal, or a single SOA. */
#include "xfrout/xfrout.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <urcu.h>

#include "common/addr.h"
#include "common/error.h"
#include "common/log.h"
#include "config/config.h"
#include "resolve/resolve.h"
#include "resolve/service_queue.h"
#include "store/store.h"
#include "wire/wire.h"
#include "xfrout/xfrout_priv.h"
#include "zone/zone.h"

/* Extended DNS Error codes (RFC 8914) this module sets. */
#define EDE_OTHER 0
#define EDE_PROHIBITED 18
#define EDE_NOT_AUTHORITATIVE 20
#define EDE_NOT_SUPPORTED 21

struct xfrout {
	struct store *store;
	struct xfr_notifier *notifier;
	struct resolve_service_queue *queue;	/* XFROUT_THREADS */
};

/* What one request turned out to be, for its answer and its log line. */
struct xfr_req {
	struct xfrout *x;
	const struct resolve_service_job *job;
	knot_pkt_t *query;
	struct xfrout_tsig tsig;
	uint16_t qtype;
	char qname[KNOT_DNAME_TXT_MAXLEN + 1];
	char zone_id[CONFIG_ID_LEN];
	struct zone_handle *handle;	/* referenced */
	char source[ZG_ADDR_STRLEN];
};

static bool is_transfer(const struct xfr_req *r)
{
	return r->qtype == KNOT_RRTYPE_AXFR || r->qtype == KNOT_RRTYPE_IXFR;
}

static void req_log(const struct xfr_req *r, enum zg_log_level level,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void req_log(const struct xfr_req *r, enum zg_log_level level,
		    const char *fmt, ...)
{
	if (!zg_log_enabled(level)) {
		return;
	}
	char fields[CONFIG_ID_LEN * 2 + ZG_ADDR_STRLEN + 64];
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(fields, sizeof(fields), "zone_id=%s vpc_id=%s remote=%s",
		 r->zone_id[0] != '\0' ? r->zone_id : "-",
		 r->job->has_vpc ? r->job->vpc_id : "-", r->source);
	char type[16] = "?";
	knot_rrtype_to_string(r->qtype, type, sizeof(type));
	zg_log(level, "xfrout", fields, "%s %s%s: %s", type, r->qname,
	       is_transfer(r) ? "" : " (signed query)", text);
}

/*
 * Answers
 */

/* Signs and sends every message of an answer; the last ends the reply.
 * \retval 0 or the stream's error (the reply is ended then). */
static int send_answer(struct xfr_req *r, struct xfr_answer *a)
{
	struct resolve_stream *st = r->job->reply;
	for (size_t i = 0; i < a->n_msgs; i++) {
		struct xfr_msg *m = &a->msgs[i];
		bool last = i + 1 == a->n_msgs;
		int ret = xfrout_tsig_sign(&r->tsig, m->wire, &m->len, m->cap);
		if (ret == 0) {
			ret = st->ops->send(st, m->wire, m->len, !last);
		}
		if (ret != 0) {
			st->ops->end(st);
			return ret;
		}
	}
	if (a->n_msgs == 0) {
		st->ops->end(st);
	}
	return 0;
}

/* An error answer (signed when the request's TSIG was good). */
static void send_error(struct xfr_req *r, uint16_t rcode, uint16_t ede,
		       const char *text)
{
	xfrout_send_error(r->job->reply, r->query, &r->tsig, rcode, ede, text);
}

static void send_tsig_error(struct xfr_req *r)
{
	xfrout_send_tsig_error(r->job->reply, r->query, &r->tsig);
}

/*
 * Checks
 */

/* The zone instance named qname and bound to the request's VPC (split
 * horizon: zones of one name are told apart by VPC). */
static bool find_zone(struct xfr_req *r)
{
	rcu_read_lock();
	const struct config *cfg = config_current();
	const struct config_zone *z = cfg != NULL ?
		config_find_zone_instance(cfg, knot_pkt_qname(r->query),
					  r->job->vpc_id) : NULL;
	if (z != NULL) {
		snprintf(r->zone_id, sizeof(r->zone_id), "%s", z->zone_id);
		r->handle = z->handle;
		zone_handle_ref(r->handle);
	}
	rcu_read_unlock();
	return z != NULL;
}

static bool source_allowed(const struct xfr_req *r,
			   const struct store_transfer *xfr)
{
	for (size_t i = 0; i < xfr->allow.n; i++) {
		struct zg_prefix prefix;
		if (prefix_parse(xfr->allow.v[i], &prefix) == 0 &&
		    prefix_contains(&prefix, &r->job->source)) {
			return true;
		}
	}
	return false;
}

/* Why the zone's transfer settings refuse the request, or NULL. */
static const char *policy_refusal(const struct xfr_req *r,
				  const struct store_zone *zone,
				  const struct store_transfer *xfr)
{
	if (strcmp(zone->kind, "private") != 0) {
		return "only private zones are transferred out";
	}
	if (!source_allowed(r, xfr)) {
		return "the source is not in the zone's transfer allow-list";
	}
	if (xfr->tsig_key[0] == '\0') {
		return NULL;
	}
	if (r->tsig.status != XFROUT_TSIG_OK) {
		return "the zone's transfers need TSIG";
	}
	knot_dname_t want[KNOT_DNAME_MAXLEN];
	if (knot_dname_from_str(want, xfr->tsig_key, sizeof(want)) == NULL ||
	    !knot_dname_is_case_equal(want, r->tsig.key_name)) {
		return "the request is signed with another key than the zone's";
	}
	return NULL;
}

/* The zone's transfer settings against the request. \retval 0 when the
 * transfer may go ahead; otherwise the answer is sent. */
static int check_policy(struct xfr_req *r)
{
	struct store *store = r->x->store;
	struct store_zone zone = { 0 };
	struct store_transfer xfr = { 0 };
	int ret = store_begin(store, NULL);
	if (ret == 0) {
		ret = store_zone_get(store, r->zone_id, &zone);
		if (ret == 0) {
			ret = store_transfer_get(store, r->zone_id, &xfr);
		}
		store_rollback(store);
	}

	const char *why = NULL;
	if (ret == ZG_ENOENT) {
		why = "the zone allows no transfers";
	} else if (ret == 0) {
		why = policy_refusal(r, &zone, &xfr);
	} else {
		req_log(r, ZG_LOG_WARNING, "cannot read the transfer settings: %s; answered SERVFAIL",
			zg_strerror(ret));
		send_error(r, KNOT_RCODE_SERVFAIL, EDE_OTHER, NULL);
	}
	if (why != NULL) {
		req_log(r, ZG_LOG_NOTICE, "refused: %s", why);
		send_error(r, KNOT_RCODE_REFUSED, EDE_PROHIBITED,
			   r->zone_id);
		ret = ZG_EREFUSED;
	}
	store_transfer_clear(&xfr);
	store_zone_clear(&zone);
	return ret;
}

/*
 * Serving
 */

/* The serial an IXFR request says the secondary has (RFC 1995 section
 * 3: the SOA in its authority section). */
static int client_serial(const struct xfr_req *r, uint32_t *serial)
{
	const knot_pktsection_t *auth = knot_pkt_section(r->query,
							 KNOT_AUTHORITY);
	for (uint16_t i = 0; i < auth->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(auth, i);
		if (rr->type == KNOT_RRTYPE_SOA && rr->rrs.count > 0) {
			*serial = knot_soa_serial(rr->rrs.rdata);
			return 0;
		}
	}
	return ZG_EINVAL;
}

/* The served serial, or ZG_ENOENT when the zone has no contents. */
static int served_serial(const struct xfr_req *r, uint32_t *serial)
{
	rcu_read_lock();
	const struct zone_contents *z = zone_handle_contents(r->handle);
	if (z != NULL) {
		*serial = zone_contents_serial(z);
	}
	rcu_read_unlock();
	return z != NULL ? 0 : ZG_ENOENT;
}

enum xfr_form {
	XFR_FORM_AXFR = 0,	/* the whole zone */
	XFR_FORM_IXFR,		/* the journal's difference */
	XFR_FORM_SOA,		/* the secondary is current */
};

/* Renders the answer of the given form from the contents served now,
 * which must be at serial (else ZG_ECONFLICT: a new version came).
 *
 * LIMITATION: the whole answer is rendered before the first message is
 * sent, so each transfer in progress holds a copy of the zone in wire
 * form (about the zone's size) until the secondary has read it. */
static int render(struct xfr_req *r, enum xfr_form form, uint32_t serial,
		  const struct xfrout_diff *diff, struct xfr_answer *a)
{
	size_t reserve = xfrout_tsig_reserve(&r->tsig);
	int ret;
	rcu_read_lock();
	const struct zone_contents *z = zone_handle_contents(r->handle);
	if (z == NULL || zone_contents_serial(z) != serial) {
		ret = ZG_ECONFLICT;
	} else if (form == XFR_FORM_SOA) {
		ret = xfr_render_soa(r->query, z, reserve, a);
	} else if (form == XFR_FORM_IXFR) {
		ret = xfr_render_ixfr(r->query, z, diff, reserve, a);
	} else {
		ret = xfr_render_axfr(r->query, z, reserve, a);
	}
	rcu_read_unlock();
	return ret;
}

/* Reads the journal from the secondary's serial to ours. \retval 0 with
 * diff filled, or an error when it cannot serve (AXFR form then). */
static int journal_diff(struct xfr_req *r, uint32_t from, uint32_t to,
			struct store_journal_entry **entries, size_t *n,
			struct xfrout_diff *diff)
{
	struct store *store = r->x->store;
	int ret = store_begin(store, NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_journal_read(store, r->zone_id, from, to, entries, n);
	store_rollback(store);
	if (ret == 0) {
		ret = xfrout_diff_compute(*entries, *n, diff);
	}
	return ret;
}

/* Chooses the form and renders it; a publication in between makes it
 * start again with the new version (a bounded number of times). */
static int build_answer(struct xfr_req *r, struct xfr_answer *a,
			enum xfr_form *form, uint32_t *serial)
{
	uint32_t theirs = 0;
	if (r->qtype == KNOT_RRTYPE_IXFR && client_serial(r, &theirs) != 0) {
		return ZG_EMALF;
	}
	int ret = ZG_ECONFLICT;
	for (int attempt = 0; attempt < 3 && ret == ZG_ECONFLICT; attempt++) {
		ret = served_serial(r, serial);
		if (ret != 0) {
			return ret;
		}
		*form = XFR_FORM_AXFR;
		struct store_journal_entry *entries = NULL;
		size_t n = 0;
		struct xfrout_diff diff = { 0 };
		if (r->qtype == KNOT_RRTYPE_IXFR &&
		    (theirs == *serial ||
		     xfrout_serial_compare(theirs, *serial) > 0 ||
		     !r->job->tcp)) {
			/* Current, or over UDP: the SOA alone tells the
			 * secondary to use TCP (RFC 1995 section 2). */
			*form = XFR_FORM_SOA;
		} else if (r->qtype == KNOT_RRTYPE_IXFR &&
			   journal_diff(r, theirs, *serial, &entries, &n,
					&diff) == 0) {
			*form = XFR_FORM_IXFR;
		}
		ret = render(r, *form, *serial, &diff, a);
		if (ret == ZG_EINVAL && *form == XFR_FORM_IXFR) {
			/* The journal does not match what is served. */
			*form = XFR_FORM_AXFR;
			ret = render(r, *form, *serial, NULL, a);
		}
		xfrout_diff_clear(&diff);
		store_journal_free(entries, n);
	}
	return ret;
}

static void serve(struct xfr_req *r)
{
	struct xfr_answer a = { 0 };
	enum xfr_form form = XFR_FORM_AXFR;
	uint32_t serial = 0;
	int ret = build_answer(r, &a, &form, &serial);
	if (ret == ZG_EMALF) {
		send_error(r, KNOT_RCODE_FORMERR, WIRE_EDE_NONE, NULL);
		return;
	}
	if (ret != 0) {
		req_log(r, ZG_LOG_WARNING, "cannot build the answer: %s; answered SERVFAIL",
			zg_strerror(ret));
		send_error(r, KNOT_RCODE_SERVFAIL, EDE_OTHER, NULL);
		return;
	}

	static const char *const forms[] = { "full zone", "incremental",
					     "current SOA only" };
	size_t n_msgs = a.n_msgs, n_rrs = a.n_rrs;
	ret = send_answer(r, &a);
	xfr_answer_clear(&a);
	if (ret != 0) {
		req_log(r, ZG_LOG_WARNING, "transfer at serial %" PRIu32 " broke off after it began: %s",
			serial, zg_strerror(ret));
		return;
	}
	req_log(r, ZG_LOG_INFO, "sent %s at serial %" PRIu32 " in %zu messages, %zu records%s",
		forms[form], serial, n_msgs, n_rrs,
		r->tsig.status == XFROUT_TSIG_OK ? ", signed" : "");
}

/* The whole life of one request in a transfer thread. */
static void handle_job(void *arg, const struct resolve_service_job *job)
{
	struct xfrout *x = arg;
	struct xfr_req r = { .x = x, .job = job };
	addr_format(&job->source, true, r.source, sizeof(r.source));
	snprintf(r.qname, sizeof(r.qname), "?");

	r.query = knot_pkt_new(NULL, (uint16_t)job->len, NULL);
	if (r.query == NULL) {
		job->reply->ops->end(job->reply);
		return;
	}
	memcpy(r.query->wire, job->wire, job->len);
	r.query->size = job->len;
	if (knot_pkt_parse(r.query, 0) != KNOT_EOK ||
	    knot_wire_get_qdcount(r.query->wire) != 1) {
		send_error(&r, KNOT_RCODE_FORMERR, WIRE_EDE_NONE, NULL);
		goto out;
	}
	r.qtype = knot_pkt_qtype(r.query);
	knot_dname_to_str(r.qname, knot_pkt_qname(r.query), sizeof(r.qname));

	if (xfrout_tsig_check(x->store, r.query, &r.tsig) != 0) {
		send_error(&r, KNOT_RCODE_SERVFAIL, EDE_OTHER, NULL);
		goto out;
	}
	if (r.tsig.status != XFROUT_TSIG_NONE &&
	    r.tsig.status != XFROUT_TSIG_OK) {
		static const char *const why[] = {
			"", "", "the key is unknown", "the signature is bad",
			"the signature time is outside the window",
			"the TSIG record is malformed",
		};
		req_log(&r, ZG_LOG_NOTICE, "refused: %s", why[r.tsig.status]);
		send_tsig_error(&r);
		goto out;
	}

	/* The query path resolves and signs every other query itself
	 * (resolve.c); only AXFR and IXFR are handed here, so anything
	 * else is a hand-off mistake, refused. */
	if (!is_transfer(&r)) {
		req_log(&r, ZG_LOG_DEBUG, "refused: a signed query of this type is resolved by the query path, not here");
		send_error(&r, KNOT_RCODE_REFUSED, EDE_OTHER, NULL);
		goto out;
	}

	/* AXFR needs TCP (RFC 5936 section 4.2). */
	if (r.qtype == KNOT_RRTYPE_AXFR && !job->tcp) {
		send_error(&r, KNOT_RCODE_REFUSED, EDE_NOT_SUPPORTED,
			   "AXFR needs TCP");
		goto out;
	}
	if (!job->has_vpc) {
		req_log(&r, ZG_LOG_NOTICE, "refused: no VPC for this source");
		send_error(&r, KNOT_RCODE_REFUSED, EDE_PROHIBITED,
			   "no VPC for this client");
		goto out;
	}
	if (!find_zone(&r)) {
		send_error(&r, KNOT_RCODE_NOTAUTH, EDE_NOT_AUTHORITATIVE,
			   job->vpc_id);
		goto out;
	}
	if (check_policy(&r) != 0) {
		goto out;
	}
	serve(&r);
out:
	zone_handle_unref(r.handle);
	xfrout_tsig_clear(&r.tsig);
	knot_pkt_free(r.query);
}

/*
 * Threads and queue
 */

struct xfrout *xfrout_new(struct store *store)
{
	struct xfrout *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		zg_log(ZG_LOG_ERROR, "xfrout", NULL, "cannot start zone transfers out: out of memory");
		return NULL;
	}
	x->store = store;
	x->notifier = xfr_notifier_new(store);
	if (x->notifier != NULL) {
		x->queue = resolve_service_queue_new("zg-xfrout",
						     XFROUT_THREADS,
						     XFROUT_MAX_QUEUED,
						     handle_job, x);
	}
	if (x->queue == NULL) {
		zg_log(ZG_LOG_ERROR, "xfrout", NULL, "cannot start the transfer and notify threads; zone transfers out are off");
		xfrout_free(x);
		return NULL;
	}
	return x;
}

void xfrout_free(struct xfrout *x)
{
	if (x == NULL) {
		return;
	}
	resolve_service_queue_free(x->queue);
	xfr_notifier_free(x->notifier);
	free(x);
}

/* Refuses at once when every transfer thread is busy and the queue is
 * full; the secondary retries later. Runs in the worker. */
int xfrout_request(struct xfrout *x, const struct resolve_service_msg *msg,
		   struct resolve_stream *reply)
{
	int ret = resolve_service_queue_push(x->queue, msg, reply);
	if (ret == ZG_ELIMIT) {
		resolve_service_refuse(msg, reply, KNOT_RCODE_REFUSED,
				       "too many transfers");
		return 0;
	}
	return ret;
}

void xfrout_zone_published(void *arg, const char *zone_id, uint32_t serial)
{
	struct xfrout *x = arg;
	xfr_notifier_queue(x->notifier, zone_id, serial);
}
