/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dynamic update service: one thread takes RFC 2136 requests from
 * the query path, checks and applies them in one store transaction,
 * publishes the zone, and answers. */
#include "update/update.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu.h>

#include "common/addr.h"
#include "common/error.h"
#include "common/log.h"
#include "config/config.h"
#include "config/publish.h"
#include "resolve/resolve.h"
#include "resolve/service_queue.h"
#include "store/store.h"
#include "update/update_priv.h"
#include "wire/wire.h"
#include "xfrout/xfrout.h"

#define EDE_OTHER 0
#define EDE_PROHIBITED 18
#define EDE_NOT_AUTHORITATIVE 20

struct update_service {
	struct store *store;
	struct config_publisher *pub;
	struct resolve_service_queue *queue;	/* one thread */
};

/* One request being handled. */
struct upd_req {
	struct update_service *u;
	const struct resolve_service_job *job;
	knot_pkt_t *query;
	struct xfrout_tsig tsig;
	char zone_name[KNOT_DNAME_TXT_MAXLEN + 1];
	char zone_id[CONFIG_ID_LEN];
	char key[KNOT_DNAME_TXT_MAXLEN + 1];
	char source[ZG_ADDR_STRLEN];
};

static void req_log(const struct upd_req *r, enum zg_log_level level,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void req_log(const struct upd_req *r, enum zg_log_level level,
		    const char *fmt, ...)
{
	if (!zg_log_enabled(level)) {
		return;
	}
	char fields[2 * CONFIG_ID_LEN + ZG_ADDR_STRLEN +
		    KNOT_DNAME_TXT_MAXLEN + 64];
	char text[640];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(fields, sizeof(fields), "zone_id=%s vpc_id=%s remote=%s key=%s",
		 r->zone_id[0] != '\0' ? r->zone_id : "-",
		 r->job->has_vpc ? r->job->vpc_id : "-", r->source,
		 r->key[0] != '\0' ? r->key : "-");
	zg_log(level, "update", fields, "update of %s %s", r->zone_name, text);
}

/* Sends the answer: the zone section echoed, RCODE, signed like the
 * request. */
static void answer(struct upd_req *r, uint16_t rcode, uint16_t ede,
		   const char *text)
{
	xfrout_send_error(r->job->reply, r->query, &r->tsig, rcode, ede, text);
}

static void answer_tsig_error(struct upd_req *r)
{
	xfrout_send_tsig_error(r->job->reply, r->query, &r->tsig);
}

/* The zone instance named by the zone section and bound to the
 * request's VPC (split horizon). */
static bool find_zone(struct upd_req *r)
{
	rcu_read_lock();
	const struct config *cfg = config_current();
	const struct config_zone *z = cfg != NULL ?
		config_find_zone_instance(cfg, knot_pkt_qname(r->query),
					  r->job->vpc_id) : NULL;
	if (z != NULL) {
		snprintf(r->zone_id, sizeof(r->zone_id), "%s", z->zone_id);
	}
	rcu_read_unlock();
	return z != NULL;
}

/*
 * Policy from the store
 */

struct grants {
	struct update_grant *list;
	size_t n;
	knot_dname_t *names;		/* two per grant: key, name */
	uint16_t *types;		/* 16 per grant at most */
};

static void grants_clear(struct grants *g)
{
	free(g->list);
	free(g->names);
	free(g->types);
	memset(g, 0, sizeof(*g));
}

#define GRANT_MAX_TYPES 16

static int grants_load(struct store *store, const char *zone_id,
		       struct grants *out)
{
	struct store_grant *sg = NULL;
	size_t n = 0;
	int ret = store_grant_list(store, zone_id, &sg, &n);
	if (ret != 0) {
		return ret;
	}
	out->list = calloc(n + 1, sizeof(*out->list));
	out->names = calloc(2 * (n + 1), KNOT_DNAME_MAXLEN);
	out->types = calloc(GRANT_MAX_TYPES * (n + 1), sizeof(*out->types));
	if (out->list == NULL || out->names == NULL || out->types == NULL) {
		ret = ZG_ENOMEM;
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		struct update_grant *g = &out->list[out->n];
		knot_dname_t *key = out->names + 2 * i * KNOT_DNAME_MAXLEN;
		knot_dname_t *name = key + KNOT_DNAME_MAXLEN;
		if (knot_dname_from_str(key, sg[i].key_name,
					KNOT_DNAME_MAXLEN) == NULL) {
			continue;
		}
		g->key = key;
		g->match = strcmp(sg[i].match, "name") == 0 ? UPDATE_MATCH_NAME
			: strcmp(sg[i].match, "subtree") == 0
			? UPDATE_MATCH_SUBTREE : UPDATE_MATCH_ZONE;
		if (g->match != UPDATE_MATCH_ZONE &&
		    knot_dname_from_str(name, sg[i].name,
					KNOT_DNAME_MAXLEN) == NULL) {
			continue;
		}
		g->name = g->match != UPDATE_MATCH_ZONE ? name : NULL;
		uint16_t *types = out->types + GRANT_MAX_TYPES * i;
		for (size_t t = 0; t < sg[i].types.n && t < GRANT_MAX_TYPES;
		     t++) {
			if (knot_rrtype_from_string(sg[i].types.v[t],
						    &types[g->n_types]) == 0) {
				g->n_types++;
			}
		}
		g->types = types;
		out->n++;
	}
	store_grant_list_free(sg, n);
	return ret;
}

/*
 * Checking and applying, in one write transaction
 */

/* Section 3.3: every RR of the update must be granted to the key. */
static bool permitted(const struct upd_req *r, const struct grants *g,
		      const knot_pktsection_t *updates,
		      const knot_dname_t *apex, const char **what)
{
	for (uint16_t i = 0; i < updates->count; i++) {
		const knot_rrset_t *rr = knot_pkt_rr(updates, i);
		if (!update_policy_allows(g->list, g->n, r->tsig.key_name,
					  apex, rr->owner, rr->type)) {
			*what = "the key is not granted a change it asks for";
			return false;
		}
	}
	return true;
}

/* Outcome of run_update(): an RCODE and, for refusals, why. */
struct outcome {
	uint16_t rcode;
	uint16_t ede;
	char why[512];
	size_t changes;
	uint32_t serial;
	struct store_commit commit;
};

static void set_why(struct outcome *o, uint16_t rcode, const char *why)
{
	o->rcode = rcode;
	snprintf(o->why, sizeof(o->why), "%s", why);
}

static int check_and_apply(struct upd_req *r, struct update_apply *a,
			   struct outcome *o)
{
	const knot_pktsection_t *pre = knot_pkt_section(r->query,
							KNOT_ANSWER);
	const knot_pktsection_t *upd = knot_pkt_section(r->query,
							KNOT_AUTHORITY);
	const knot_rrset_t *pre_rrs = pre->count > 0 ? knot_pkt_rr(pre, 0)
						     : NULL;
	const knot_rrset_t *upd_rrs = upd->count > 0 ? knot_pkt_rr(upd, 0)
						     : NULL;
	if ((size_t)pre->count + upd->count > UPDATE_MAX_RRS) {
		set_why(o, KNOT_RCODE_REFUSED, "the update holds too many records");
		return 0;
	}

	o->rcode = update_check_prereqs(pre_rrs, pre->count, a->apex,
					update_apply_node, a);
	if (o->rcode != KNOT_RCODE_NOERROR) {
		set_why(o, o->rcode, "a prerequisite does not hold");
		return 0;
	}
	o->rcode = update_prescan(upd_rrs, upd->count, a->apex);
	if (o->rcode != KNOT_RCODE_NOERROR) {
		set_why(o, o->rcode, "the update section is malformed");
		return 0;
	}

	struct grants g = { 0 };
	int ret = grants_load(a->store, r->zone_id, &g);
	const char *what = NULL;
	if (ret == 0 && !permitted(r, &g, upd, a->apex, &what)) {
		set_why(o, KNOT_RCODE_REFUSED, what);
		o->ede = EDE_PROHIBITED;
	}
	grants_clear(&g);
	for (uint16_t i = 0; ret == 0 && o->rcode == KNOT_RCODE_NOERROR &&
	     i < upd->count; i++) {
		ret = update_apply_rr(a, knot_pkt_rr(upd, i));
		if (ret == ZG_EREFUSED) {
			set_why(o, KNOT_RCODE_REFUSED, a->why);
			ret = 0;
		}
	}
	if (ret == 0 && o->rcode == KNOT_RCODE_NOERROR) {
		ret = update_apply_finish(a);
	}
	return ret;
}

/* Runs the update in a write transaction; commits when it changed
 * something and every check passed. \retval 0 (see o) or an error. */
static int run_update(struct upd_req *r, struct outcome *o)
{
	struct store *store = r->u->store;
	struct store_caller caller = { .uid = (uint32_t)getuid(),
				       .pid = (int32_t)getpid() };
	struct store_zone zone = { 0 };
	knot_dname_t apex[KNOT_DNAME_MAXLEN];
	knot_dname_copy_lower(apex, knot_pkt_qname(r->query));
	struct update_apply a = { .store = store, .zone = &zone,
				  .apex = apex };

	int ret = store_begin(store, &caller);
	if (ret != 0) {
		return ret;
	}
	ret = store_zone_get(store, r->zone_id, &zone);
	if (ret == 0 && strcmp(zone.kind, "private") != 0) {
		set_why(o, KNOT_RCODE_REFUSED, "only private zones take updates");
		o->ede = EDE_PROHIBITED;
	} else if (ret == 0) {
		ret = check_and_apply(r, &a, o);
	}
	o->changes = a.changes;
	update_apply_clear(&a);
	if (ret != 0 || o->rcode != KNOT_RCODE_NOERROR || a.changes == 0) {
		store_rollback(store);
	} else {
		ret = store_commit(store, &o->commit);
	}
	if (ret == 0 && a.changes > 0 && o->rcode == KNOT_RCODE_NOERROR) {
		/* Read back the serial the commit gave the zone. */
		struct store_zone now = { 0 };
		if (store_begin(store, NULL) == 0) {
			if (store_zone_get(store, r->zone_id, &now) == 0) {
				o->serial = now.soa.serial;
			}
			store_rollback(store);
		}
		store_zone_clear(&now);
	}
	store_zone_clear(&zone);
	return ret;
}

/* Makes the change served before the answer: a client that updates and
 * then queries sees its change. */
static int publish(struct upd_req *r, const struct store_commit *commit)
{
	struct config_publisher *pub = r->u->pub;
	if (commit->version == 0) {
		return 0;
	}
	if (commit->config_changed) {
		config_publisher_mark_config(pub);
	}
	for (size_t i = 0; i < commit->zones.n; i++) {
		config_publisher_mark_zone(pub, commit->zones.v[i]);
	}
	return config_publisher_sync(pub);
}

static void apply_request(struct upd_req *r)
{
	struct outcome o = { .rcode = KNOT_RCODE_NOERROR,
			     .ede = WIRE_EDE_NONE };
	int ret = run_update(r, &o);
	if (ret == 0 && o.commit.version != 0) {
		ret = publish(r, &o.commit);
		if (ret != 0) {
			req_log(r, ZG_LOG_ERROR, "was stored as version %" PRIu64 " but publishing failed: %s; the previous zone is served until the next change",
				o.commit.version, zg_strerror(ret));
		}
	}
	store_commit_clear(&o.commit);
	if (ret != 0) {
		req_log(r, ZG_LOG_WARNING, "failed: %s; answered SERVFAIL",
			zg_strerror(ret));
		answer(r, KNOT_RCODE_SERVFAIL, EDE_OTHER, NULL);
		return;
	}
	if (o.rcode != KNOT_RCODE_NOERROR) {
		const knot_lookup_t *name = knot_lookup_by_id(knot_rcode_names,
							      o.rcode);
		req_log(r, ZG_LOG_NOTICE, "answered %s: %s",
			name != NULL ? name->name : "an error", o.why);
		/* Every REFUSED zonegate decides names its reason in an
		 * EDE (resolution.md section 6), with ids only. */
		bool refused = o.rcode == KNOT_RCODE_REFUSED;
		uint16_t ede = o.ede != WIRE_EDE_NONE ? o.ede : EDE_OTHER;
		answer(r, o.rcode, refused ? ede : WIRE_EDE_NONE,
		       refused ? r->zone_id : NULL);
		return;
	}
	if (o.changes > 0) {
		req_log(r, ZG_LOG_NOTICE, "applied %zu changes; zone now at serial %" PRIu32,
			o.changes, o.serial);
	} else {
		req_log(r, ZG_LOG_INFO, "changed nothing (everything already as asked)");
	}
	answer(r, KNOT_RCODE_NOERROR, WIRE_EDE_NONE, NULL);
}

static void handle_job(void *arg, const struct resolve_service_job *job)
{
	struct update_service *u = arg;
	struct upd_req r = { .u = u, .job = job };
	addr_format(&job->source, true, r.source, sizeof(r.source));
	snprintf(r.zone_name, sizeof(r.zone_name), "?");

	r.query = knot_pkt_new(NULL, (uint16_t)job->len, NULL);
	if (r.query == NULL) {
		job->reply->ops->end(job->reply);
		return;
	}
	memcpy(r.query->wire, job->wire, job->len);
	r.query->size = job->len;
	if (knot_pkt_parse(r.query, 0) != KNOT_EOK ||
	    knot_wire_get_qdcount(r.query->wire) != 1 ||
	    knot_pkt_qtype(r.query) != KNOT_RRTYPE_SOA ||
	    knot_pkt_qclass(r.query) != KNOT_CLASS_IN) {
		/* Section 3.1.1: one zone, of type SOA, class IN. */
		answer(&r, KNOT_RCODE_FORMERR, WIRE_EDE_NONE, NULL);
		goto out;
	}
	knot_dname_to_str(r.zone_name, knot_pkt_qname(r.query),
			  sizeof(r.zone_name));

	if (xfrout_tsig_check(u->store, r.query, &r.tsig) != 0) {
		answer(&r, KNOT_RCODE_SERVFAIL, EDE_OTHER, NULL);
		goto out;
	}
	if (r.tsig.status != XFROUT_TSIG_NONE) {
		knot_dname_to_str(r.key, r.tsig.key_name, sizeof(r.key));
	}
	if (r.tsig.status != XFROUT_TSIG_NONE &&
	    r.tsig.status != XFROUT_TSIG_OK) {
		req_log(&r, ZG_LOG_NOTICE, "refused: the TSIG signature does not verify (unknown key, bad signature or time)");
		answer_tsig_error(&r);
		goto out;
	}
	if (!job->has_vpc) {
		req_log(&r, ZG_LOG_NOTICE, "refused: no VPC for this source");
		answer(&r, KNOT_RCODE_REFUSED, EDE_PROHIBITED,
		       "no VPC for this client");
		goto out;
	}
	if (!find_zone(&r)) {
		answer(&r, KNOT_RCODE_NOTAUTH, EDE_NOT_AUTHORITATIVE,
		       job->vpc_id);
		goto out;
	}
	if (r.tsig.status != XFROUT_TSIG_OK) {
		req_log(&r, ZG_LOG_NOTICE, "refused: updates must be signed with a granted TSIG key");
		answer(&r, KNOT_RCODE_REFUSED, EDE_PROHIBITED, r.zone_id);
		goto out;
	}
	apply_request(&r);
out:
	xfrout_tsig_clear(&r.tsig);
	knot_pkt_free(r.query);
}

/*
 * The service
 */

struct update_service *update_service_new(struct store *store,
					  struct config_publisher *pub)
{
	struct update_service *u = calloc(1, sizeof(*u));
	if (u == NULL) {
		zg_log(ZG_LOG_ERROR, "update", NULL, "cannot start dynamic updates: out of memory");
		return NULL;
	}
	u->store = store;
	u->pub = pub;
	/* One thread: updates to a zone apply in the order they came. */
	u->queue = resolve_service_queue_new("zg-update", 1,
					     UPDATE_MAX_QUEUED, handle_job, u);
	if (u->queue == NULL) {
		zg_log(ZG_LOG_ERROR, "update", NULL, "cannot start the update thread; dynamic updates are off");
		free(u);
		return NULL;
	}
	return u;
}

void update_service_free(struct update_service *u)
{
	if (u == NULL) {
		return;
	}
	resolve_service_queue_free(u->queue);
	free(u);
}

int update_request(struct update_service *u,
		   const struct resolve_service_msg *msg,
		   struct resolve_stream *reply)
{
	int ret = resolve_service_queue_push(u->queue, msg, reply);
	if (ret == ZG_ELIMIT) {
		resolve_service_refuse(msg, reply, KNOT_RCODE_SERVFAIL,
				       "too many updates");
		return 0;
	}
	return ret;
}
