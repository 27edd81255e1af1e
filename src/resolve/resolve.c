/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The query path: one client query as a non-blocking state machine.
 *
 *   parse ──> classify VPC ──> step(name) ──> answered ─────────> render
 *                 │               │   ▲
 *                 │               │   └── CNAME out of a zone, or a
 *                 │               │       reply's CNAME into local names
 *                 │               └──> rule / upstream ──> forward
 *                 │                         (async)          │
 *                 └──> no VPC: REFUSED                       └──> step
 *
 * A query keeps no pointer into the configuration while it waits for a
 * target: it keeps the VPC id and looks the snapshot up again when the
 * reply arrives, so publications never wait for slow peers. */
#include "resolve/resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu.h>

#include "common/error.h"
#include "common/log.h"
#include "common/loop.h"
#include "cache/cache.h"
#include "config/config.h"
#include "forward/forward.h"
#include "health/health.h"
#include "resolve/decide.h"
#include "resolve/observe.h"
#include "wire/wire.h"

/* RFC 8914 INFO-CODEs zonegate sets (shared/resolution.md section 6). */
enum {
	EDE_OTHER = 0,
	EDE_STALE_ANSWER = 3,
	EDE_CACHED_ERROR = 13,
	EDE_NOT_READY = 14,
	EDE_PROHIBITED = 18,
	EDE_STALE_NXDOMAIN = 19,
	EDE_NOT_AUTHORITATIVE = 20,
	EDE_NOT_SUPPORTED = 21,
	EDE_NO_REACHABLE_AUTHORITY = 22,
};

/* Names one query may visit: the first plus one per CNAME. */
#define MAX_NAMES (RESOLVE_MAX_CNAMES + 2)

/* Zone service handlers, set once at start-up before workers run. */
static struct {
	resolve_service_fn fn;
	void *arg;
} services[RESOLVE_SERVICE_XFR + 1];

void resolve_set_service(enum resolve_service_kind kind,
			 resolve_service_fn fn, void *arg)
{
	services[kind].fn = fn;
	services[kind].arg = arg;
}

/* The cache every worker shares, set once before workers start. */
static struct cache *shared_cache;

void resolve_set_cache(struct cache *cache)
{
	shared_cache = cache;
}

struct resolve_ctx {
	struct loop *loop;
	struct forward_ctx *fwd;
	struct cache *cache;		/* shared_cache, or own_cache */
	struct cache *own_cache;	/* when none was set: this worker's */
	struct rq *pending;		/* queries waiting on a target */
	struct fetch *fetches;		/* exchanges this worker leads */
};

/* One client query in flight. */
struct rq {
	struct resolve_ctx *ctx;
	struct rq *prev, *next;		/* in ctx->pending while forwarding */
	resolve_reply_cb cb;
	void *cb_arg;

	knot_pkt_t *query;		/* parsed copy of the client's message */
	struct wire_query_info info;
	struct wire_tsig tsig;		/* verified: the answer is signed */
	bool tcp;
	struct zg_addr source;
	uint64_t started_ms;
	struct observe obs;		/* for counters and the query log */

	char vpc_id[CONFIG_ID_LEN];
	knot_dname_t name[KNOT_DNAME_MAXLEN];	/* being resolved now */
	knot_dname_t seen[MAX_NAMES][KNOT_DNAME_MAXLEN]; /* lower case */
	size_t n_seen;
	struct wire_answer ans;

	/* While asking a rule or upstream: the question as a cache key,
	 * the flight waited on, expired data that may be served instead
	 * (serve-stale), and a timer for that and for the deadline. */
	struct wire_source fwd_src;
	bool fwd_is_rule;
	knot_dname_t bailiwick[KNOT_DNAME_MAXLEN];
	struct cache_key key;
	struct cache_waiter *waiter;
	struct cache_entry *stale;
	struct loop_timer timer;
	bool via_inbound;		/* came to an inbound endpoint */
};

/*
 * One exchange with a rule's targets or an upstream, led by this worker
 * for a flight that queries of any worker wait on. It lives on its own:
 * the query that started it may be answered earlier (stale data, its
 * deadline), and the reply still fills the cache.
 */
struct fetch {
	struct resolve_ctx *ctx;
	struct fetch *prev, *next;	/* in ctx->fetches */
	struct cache_flight *flight;
	struct forward_query *fq;
	struct cache_key key;
	struct wire_source src;
	bool is_rule;
	knot_dname_t bailiwick[KNOT_DNAME_MAXLEN]; /* rules only */
	knot_dname_t qname[KNOT_DNAME_MAXLEN];	/* as asked, case kept */
	uint16_t qtype;
	uint32_t max_stale_s;		/* kept past expiry for serve-stale */
};

struct resolve_ctx *resolve_ctx_new(struct loop *loop, struct forward_ctx *fwd)
{
	struct resolve_ctx *ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		return NULL;
	}
	ctx->loop = loop;
	ctx->fwd = fwd;
	ctx->cache = shared_cache;
	if (ctx->cache == NULL) {
		ctx->own_cache = cache_new(NULL);
		ctx->cache = ctx->own_cache;
	}
	if (ctx->cache == NULL) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

static void rq_free(struct rq *rq)
{
	loop_timer_stop(rq->ctx->loop, &rq->timer);
	cache_waiter_cancel(rq->waiter);
	cache_entry_unref(rq->stale);
	wire_answer_clear(&rq->ans);
	wire_tsig_clear(&rq->tsig);
	knot_pkt_free(rq->query);
	free(rq);
}

static void pending_add(struct rq *rq)
{
	struct resolve_ctx *ctx = rq->ctx;
	rq->prev = NULL;
	rq->next = ctx->pending;
	if (ctx->pending != NULL) {
		ctx->pending->prev = rq;
	}
	ctx->pending = rq;
}

static void pending_remove(struct rq *rq)
{
	if (rq->prev != NULL) {
		rq->prev->next = rq->next;
	} else if (rq->ctx->pending == rq) {
		rq->ctx->pending = rq->next;
	}
	if (rq->next != NULL) {
		rq->next->prev = rq->prev;
	}
	rq->prev = rq->next = NULL;
}

static void fetch_end(struct fetch *fetch, const struct cache_outcome *out);

void resolve_ctx_free(struct resolve_ctx *ctx)
{
	if (ctx == NULL) {
		return;
	}
	/* Queries first, so that ending the exchanges below calls none of
	 * them back. */
	while (ctx->pending != NULL) {
		struct rq *rq = ctx->pending;
		pending_remove(rq);
		rq_free(rq);
	}
	/* Queries of other workers waiting on our exchanges get SERVFAIL. */
	struct cache_outcome failed = { .kind = CACHE_OUT_FAILED };
	while (ctx->fetches != NULL) {
		struct fetch *fetch = ctx->fetches;
		forward_cancel(fetch->fq);
		fetch->fq = NULL;
		fetch_end(fetch, &failed);
	}
	cache_free(ctx->own_cache);
	free(ctx);
}

/* Sends the answer as it stands and frees the query. */
static void finish(struct rq *rq)
{
	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	int ret = resp != NULL ? 0 : KNOT_ENOMEM;

	if (ret == 0) {
		ret = wire_answer_render(&rq->ans, rq->query, &rq->info, rq->tcp,
					 resp);
	}
	/* A signed query gets a signed answer, truncated or not (RFC 8945
	 * section 5.3); the render kept room for the TSIG RR. */
	if (ret == 0) {
		ret = wire_tsig_sign(&rq->tsig, resp);
	}
	if (ret != 0) {
		/* Rendering failed (memory): a bare SERVFAIL still tells
		 * the client not to wait. */
		knot_pkt_clear(resp);
		ret = resp != NULL ?
			wire_render_error(rq->query, KNOT_RCODE_SERVFAIL,
					  EDE_OTHER, "internal error", resp) :
			KNOT_ENOMEM;
		if (ret == 0) {
			ret = wire_tsig_sign(&rq->tsig, resp);
		}
	}
	/* Counted and logged once, whatever ended the query. */
	observe_finish(&rq->obs, rq->vpc_id, &rq->source, rq->query,
		       ret == 0 ? knot_wire_get_rcode(resp->wire) :
				  KNOT_RCODE_SERVFAIL);
	if (ret == 0) {
		rq->cb(rq->cb_arg, resp->wire, resp->size);
	} else {
		rq->cb(rq->cb_arg, NULL, 0);
	}
	knot_pkt_free(resp);
	rq_free(rq);
}

/* Ends the query with an error RCODE of zonegate's own making: no
 * records, an EDE naming resource ids only (section 6). */
static void fail(struct rq *rq, uint8_t rcode, uint16_t ede, const char *text)
{
	size_t none[3] = { 0, 0, 0 };
	decide_truncate(&rq->ans, none);
	rq->ans.rcode = rcode;
	wire_answer_set_ede(&rq->ans, ede, text);
	finish(rq);
}

/* Remembers name as visited; false when it was already (a loop across
 * steps ends the chase with what the answer has, RFC 1034 3.6.2). */
static bool visit(struct rq *rq, const knot_dname_t *name)
{
	knot_dname_t lower[KNOT_DNAME_MAXLEN];
	knot_dname_copy_lower(lower, name);
	for (size_t i = 0; i < rq->n_seen; i++) {
		if (knot_dname_is_equal(rq->seen[i], lower)) {
			return false;
		}
	}
	if (rq->n_seen == MAX_NAMES) {
		return false;
	}
	decide_name_copy(rq->seen[rq->n_seen++], lower);
	return true;
}

static bool start_forward(struct rq *rq, const struct decision *d);

/* Runs steps for rq->name until the query is answered or waits on a
 * target. Call under rcu_read_lock() with the current snapshot. */
static void run_steps(struct rq *rq, const struct config *cfg,
		      const struct config_vpc *vpc)
{
	for (;;) {
		if (!visit(rq, rq->name)) {
			finish(rq);
			return;
		}

		struct decision d;
		int ret = decide_step(cfg, vpc, rq->name, rq->info.qtype,
				      &rq->ans, &d, NULL);
		if (ret != 0) {
			fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER,
			     "internal error");
			return;
		}
		observe_decision(&rq->obs, &d);

		switch (d.kind) {
		case DECISION_ANSWERED:
			if (d.delegation && rq->info.rd_bit && d.n_glue > 0) {
				/* RD below a private delegation: its servers
				 * answer, not the referral (section 3). */
				decide_truncate(&rq->ans, d.counts_before);
				start_forward(rq, &d);
				return;
			}
			finish(rq);
			return;
		case DECISION_CNAME:
			if (rq->ans.cname_count > RESOLVE_MAX_CNAMES) {
				fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER,
				     "CNAME chain too long");
				return;
			}
			decide_name_copy(rq->name, d.next_name);
			continue;
		case DECISION_CNAME_LIMIT:
			fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER,
			     "CNAME chain too long");
			return;
		case DECISION_NOT_READY:
			fail(rq, KNOT_RCODE_SERVFAIL, EDE_NOT_READY,
			     d.resource_id);
			return;
		case DECISION_NO_UPSTREAM:
			if (rq->n_seen == 1) {
				fail(rq, KNOT_RCODE_REFUSED,
				     EDE_NOT_AUTHORITATIVE, vpc->vpc_id);
			} else {
				/* The chain left what this VPC can answer:
				 * give the client the chain so far. */
				wire_answer_set_ede(&rq->ans,
						    EDE_NOT_AUTHORITATIVE,
						    vpc->vpc_id);
				finish(rq);
			}
			return;
		case DECISION_RULE:
		case DECISION_UPSTREAM:
			start_forward(rq, &d);
			return;
		case DECISION_ERROR:
			fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER,
			     "internal error");
			return;
		}
	}
}

/* A name in a rule's reply outside the rule's domain is resolved again
 * from the start (shared/resolution.md section 4). */
static bool rule_reenter(void *arg, const knot_dname_t *name)
{
	const struct rq *rq = arg;
	return !wire_name_in_zone(name, rq->bailiwick);
}

struct upstream_reenter {
	const struct config *cfg;
	const struct config_vpc *vpc;
};

/* From the default upstream, a CNAME target under a zone or rule of the
 * VPC is resolved again, so that local data wins (RFC 2181 5.4.1). */
static bool upstream_reenter(void *arg, const knot_dname_t *name)
{
	const struct upstream_reenter *ur = arg;
	return config_vpc_covers(ur->cfg, ur->vpc, name);
}

static void import_reply(struct rq *rq, const knot_pkt_t *reply)
{
	rcu_read_lock();
	const struct config *cfg = config_current();
	const struct config_vpc *vpc = cfg != NULL ?
		config_find_vpc(cfg, rq->vpc_id) : NULL;
	if (vpc == NULL) {
		rcu_read_unlock();
		/* The VPC was deleted while its query waited. */
		fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER, rq->vpc_id);
		return;
	}

	struct upstream_reenter ur = { .cfg = cfg, .vpc = vpc };
	struct forward_import_result res;
	memset(&res, 0, sizeof(res));
	int ret = forward_import_reply(reply, rq->name, rq->info.qtype,
				       rq->fwd_is_rule ? rq->bailiwick : NULL,
				       rq->fwd_is_rule ? rule_reenter :
							 upstream_reenter,
				       rq->fwd_is_rule ? (void *)rq : (void *)&ur,
				       &rq->fwd_src, &rq->ans, &res);
	if (ret != 0) {
		rcu_read_unlock();
		fail(rq, KNOT_RCODE_SERVFAIL, EDE_NO_REACHABLE_AUTHORITY,
		     rq->fwd_src.source_id);
		return;
	}
	if (rq->ans.cname_count > RESOLVE_MAX_CNAMES) {
		rcu_read_unlock();
		fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER, "CNAME chain too long");
		return;
	}
	if (!res.reenter) {
		rcu_read_unlock();
		finish(rq);
		return;
	}
	decide_name_copy(rq->name, res.next_name);
	run_steps(rq, cfg, vpc);
	rcu_read_unlock();
}

/*
 * The forward step
 * ----------------
 *
 *   start_forward ──> rule quarantined? ──yes──> SERVFAIL, EDE 0 (loop)
 *        │
 *        ├──> cache: fresh ──> answer_entry ──> import_reply
 *        │           failed ──> stale data? ──> answer_stale
 *        │                       └──no──> SERVFAIL, EDE 13
 *        └──> flight: LEAD ──> fetch (forward_start) ──┐
 *                     WAIT ────────────────────────────┤ rq_deliver
 *                     LOOP ──> quarantine, SERVFAIL    │ (outcome)
 *                                                      ▼
 *             answer ──> answer_entry; failed ──> stale or EDE 22
 *
 *   rq->timer: stale data after CACHE_STALE_WAIT_MS, else SERVFAIL at
 *   the deadline of the whole resolution.
 *
 * Every answer, fresh or cached, reaches the query the same way: as the
 * kept entry turned back into a reply and imported for this VPC, so the
 * CNAME re-entry of section 4 is decided per VPC.
 */

static void rq_deliver(void *arg, const struct cache_outcome *out);
static void fetch_done(void *arg, enum forward_status status,
		       const knot_pkt_t *reply, const struct zg_addr *target);
static void fetch_abort(void *arg);

static void copy_targets(struct forward_request *req,
			 const struct zg_addr *targets, size_t n)
{
	req->n_targets = n < FORWARD_MAX_TARGETS ? n : FORWARD_MAX_TARGETS;
	memcpy(req->targets, targets, req->n_targets * sizeof(targets[0]));
}

/* How the rule asks its targets (issue 3): its domain is what probes of
 * its down targets ask and where authoritative targets are followed. */
static void set_rule_options(struct forward_request *req,
			     const struct config_rule *rule)
{
	const struct config_rule_forwarding *fwd = &rule->fwd;

	req->zone = rule->domain_wire;
	req->try_timeout_ms = fwd->try_timeout_ms;
	req->tcp_only = fwd->tcp_only;
	req->authoritative = fwd->authoritative;
	req->no_cookies = fwd->no_cookies;
	req->case_randomization = fwd->case_randomization;
	req->no_hedging = fwd->no_hedging;
}

/* The question for the current name to a rule's targets or the default
 * upstream, and what its reply is judged by (the rule's bailiwick). */
static void fill_request(struct rq *rq, const struct decision *d,
			 struct forward_request *req)
{
	memset(req, 0, sizeof(*req));
	req->qname = rq->name;
	req->qtype = rq->info.qtype;
	req->qclass = KNOT_CLASS_IN;
	req->do_bit = rq->info.do_bit;
	req->cd_bit = rq->info.cd_bit;
	req->owner_id = d->resource_id;
	req->path_id = d->resource_id;

	memset(&rq->fwd_src, 0, sizeof(rq->fwd_src));
	snprintf(rq->fwd_src.source_id, sizeof(rq->fwd_src.source_id), "%s",
		 d->resource_id);
	if (d->kind == DECISION_RULE) {
		const struct config_rule *rule = d->rule;
		copy_targets(req, rule->targets, rule->n_targets);
		if (rule->endpoint != NULL) {
			size_t n = rule->endpoint->n_sources;
			req->n_sources = n < FORWARD_MAX_SOURCES ? n :
							       FORWARD_MAX_SOURCES;
			memcpy(req->sources, rule->endpoint->sources,
			       req->n_sources * sizeof(req->sources[0]));
		}
		set_rule_options(req, rule);
		/* Health is kept per target and endpoint (explain and the
		 * API read it under the same path). */
		req->path_id = resolve_rule_health_path(rule);
		rq->fwd_src.kind = WIRE_SRC_RULE;
		rq->fwd_is_rule = true;
		decide_name_copy(rq->bailiwick, rule->domain_wire);
	} else if (d->delegation) {
		/* The delegated servers are authoritative for the cut and
		 * asked as for a rule whose targets are (section 3). */
		copy_targets(req, d->glue, d->n_glue);
		req->authoritative = true;
		req->zone = d->cut_name;
		rq->fwd_src.kind = WIRE_SRC_DELEGATION;
		rq->fwd_is_rule = true;
		decide_name_copy(rq->bailiwick, d->cut_name);
	} else {
		const struct config_upstream *up = d->upstream;
		copy_targets(req, up->targets, up->n_targets);
		if (up->has_source) {
			req->sources[0] = up->source;
			req->n_sources = 1;
		}
		rq->fwd_src.kind = WIRE_SRC_UPSTREAM;
		rq->fwd_is_rule = false;
	}
}

/* Turns entry back into a reply and imports it for this query's VPC;
 * the query may end (and be freed) inside. */
static void answer_entry(struct rq *rq, const struct cache_entry *entry,
			 bool stale)
{
	knot_pkt_t *pkt = NULL;
	int ret = cache_entry_packet(entry, loop_now_ms(rq->ctx->loop), stale,
				     &pkt);
	if (ret != 0) {
		fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER, "internal error");
		return;
	}
	import_reply(rq, pkt);
	knot_pkt_free(pkt);
}

/* Serves the expired data kept in rq->stale with TTL 30 and EDE 3, or
 * 19 for a name error (RFC 8767 section 4, RFC 8914 section 4). */
static void answer_stale(struct rq *rq)
{
	struct cache_entry *entry = rq->stale;
	rq->stale = NULL;

	cache_count_stale(rq->ctx->cache);
	observe_cached(&rq->obs);
	wire_answer_set_ede(&rq->ans,
			    cache_entry_rcode(entry) == KNOT_RCODE_NXDOMAIN ?
				    EDE_STALE_NXDOMAIN : EDE_STALE_ANSWER,
			    rq->fwd_src.source_id);
	answer_entry(rq, entry, true);
	cache_entry_unref(entry);
}

static void fail_loop(struct rq *rq)
{
	char text[WIRE_SOURCE_ID_LEN + 24];
	snprintf(text, sizeof(text), "%s: forwarding loop",
		 rq->fwd_src.source_id);
	fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER, text);
}

/* A question the rule sent came back to us: the rule alone stops
 * forwarding for a while; the loop is logged once per quarantine. */
static void quarantine_rule(struct rq *rq)
{
	bool started = false;
	uint32_t ms = cache_quarantine(rq->ctx->cache, rq->fwd_src.source_id,
				       loop_now_ms(rq->ctx->loop), &started);
	if (started) {
		/* What the API and the doctor read of the rule. */
		health_quarantine_rule(rq->fwd_src.source_id, ms,
				       loop_now_ms(rq->ctx->loop));
		char fields[WIRE_SOURCE_ID_LEN + 16];
		snprintf(fields, sizeof(fields), "rule_id=%s",
			 rq->fwd_src.source_id);
		zg_log(ZG_LOG_WARNING, "resolve", fields, "forwarding loop: a question this rule sent came back from one of its targets; its queries get SERVFAIL for %u s, then it forwards again",
		       ms / 1000);
	}
}

/* True, and the query ended, while the rule is quarantined. */
static bool rule_quarantined(struct rq *rq, uint64_t now_ms)
{
	bool ended = false;
	bool quarantined = cache_quarantined(rq->ctx->cache,
					     rq->fwd_src.source_id, now_ms,
					     &ended);
	if (ended) {
		char fields[WIRE_SOURCE_ID_LEN + 16];
		snprintf(fields, sizeof(fields), "rule_id=%s",
			 rq->fwd_src.source_id);
		zg_log(ZG_LOG_NOTICE, "resolve", fields, "quarantine after a forwarding loop is over; the rule forwards again");
	}
	if (quarantined) {
		fail_loop(rq);
	}
	return quarantined;
}

/* Stale data waits CACHE_STALE_WAIT_MS; otherwise the deadline of the
 * whole resolution (section 5). */
static void arm_timer(struct rq *rq)
{
	uint64_t now = loop_now_ms(rq->ctx->loop);
	uint64_t at = rq->started_ms + RESOLVE_TOTAL_TIMEOUT_MS;

	if (rq->stale != NULL && now + CACHE_STALE_WAIT_MS < at) {
		at = now + CACHE_STALE_WAIT_MS;
	}
	loop_timer_start(rq->ctx->loop, &rq->timer, at > now ? at - now : 0);
}

static void rq_timer_cb(struct loop_timer *timer)
{
	struct rq *rq = timer->arg;

	/* The exchange goes on without this query and still fills the
	 * cache (RFC 8767 section 5: refresh in the background). */
	cache_waiter_cancel(rq->waiter);
	rq->waiter = NULL;
	pending_remove(rq);
	observe_forwarded(&rq->obs, STATS_TIMEOUT, NULL);
	if (rq->stale != NULL) {
		answer_stale(rq);
		return;
	}
	fail(rq, KNOT_RCODE_SERVFAIL, EDE_NO_REACHABLE_AUTHORITY,
	     rq->fwd_src.source_id);
}

static void rq_deliver(void *arg, const struct cache_outcome *out)
{
	struct rq *rq = arg;

	rq->waiter = NULL;
	pending_remove(rq);
	loop_timer_stop(rq->ctx->loop, &rq->timer);
	if (out->kind == CACHE_OUT_ANSWER) {
		observe_forwarded(&rq->obs, STATS_ANSWERED,
				  out->has_target ? &out->target : NULL);
		answer_entry(rq, out->entry, false);
		return;
	}
	if (out->kind == CACHE_OUT_LOOP) {
		fail_loop(rq);
		return;
	}
	observe_forwarded(&rq->obs, out->timed_out ? STATS_TIMEOUT :
						     STATS_FAILED, NULL);
	if (rq->stale != NULL) {
		answer_stale(rq);
		return;
	}
	/* The looped copy of this question may have been caught on another
	 * worker before this exchange joined it; the target then relayed
	 * our own SERVFAIL back. The failure is the loop's, so say so. */
	if (rq->fwd_is_rule &&
	    rule_quarantined(rq, loop_now_ms(rq->ctx->loop))) {
		return;
	}
	zg_log(ZG_LOG_DEBUG, "resolve", NULL, "%s: no target answered, SERVFAIL",
	       rq->fwd_src.source_id);
	/* The text names the rule or upstream id only: on-premises
	 * clients can read it (section 6). */
	fail(rq, KNOT_RCODE_SERVFAIL, EDE_NO_REACHABLE_AUTHORITY,
	     rq->fwd_src.source_id);
}

static struct fetch *fetch_new(const struct rq *rq, uint32_t max_stale_s)
{
	struct fetch *fetch = calloc(1, sizeof(*fetch));
	if (fetch == NULL) {
		return NULL;
	}
	fetch->ctx = rq->ctx;
	fetch->key = rq->key;
	fetch->src = rq->fwd_src;
	fetch->is_rule = rq->fwd_is_rule;
	if (rq->fwd_is_rule) {
		decide_name_copy(fetch->bailiwick, rq->bailiwick);
	}
	decide_name_copy(fetch->qname, rq->name);
	fetch->qtype = rq->info.qtype;
	fetch->max_stale_s = max_stale_s;
	return fetch;
}

static void fetch_add(struct fetch *fetch)
{
	struct resolve_ctx *ctx = fetch->ctx;
	fetch->prev = NULL;
	fetch->next = ctx->fetches;
	if (ctx->fetches != NULL) {
		ctx->fetches->prev = fetch;
	}
	ctx->fetches = fetch;
}

/* Ends the flight with out (its waiters get it) and frees the fetch. */
static void fetch_end(struct fetch *fetch, const struct cache_outcome *out)
{
	struct resolve_ctx *ctx = fetch->ctx;

	if (fetch->prev != NULL) {
		fetch->prev->next = fetch->next;
	} else if (ctx->fetches == fetch) {
		ctx->fetches = fetch->next;
	}
	if (fetch->next != NULL) {
		fetch->next->prev = fetch->prev;
	}
	cache_flight_complete(ctx->cache, fetch->flight, out);
	free(fetch);
}

/* Keeps what the reply says, for every VPC: records in the rule's
 * bailiwick and the whole CNAME chain the producer gives (where each
 * VPC re-enters is decided when it is served). NULL when the reply
 * contradicts itself or memory runs out. */
static struct cache_entry *fetch_keep(struct fetch *fetch,
				      const knot_pkt_t *reply)
{
	struct cache *cache = fetch->ctx->cache;
	uint64_t now = loop_now_ms(fetch->ctx->loop);
	struct wire_answer ans;
	struct forward_import_result res;
	struct cache_entry *entry = NULL;

	wire_answer_init(&ans);
	int ret = forward_import_reply(reply, fetch->qname, fetch->qtype,
				       fetch->is_rule ? fetch->bailiwick : NULL,
				       NULL, NULL, &fetch->src, &ans, &res);
	if (ret == 0) {
		entry = cache_entry_new(cache, &fetch->key, &ans, now);
	}
	wire_answer_clear(&ans);
	if (entry != NULL) {
		cache_insert(cache, entry, fetch->max_stale_s, now);
	}
	return entry;
}

static void fetch_done(void *arg, enum forward_status status,
		       const knot_pkt_t *reply, const struct zg_addr *target)
{
	struct fetch *fetch = arg;
	struct cache_outcome out = { .kind = CACHE_OUT_FAILED };

	fetch->fq = NULL;
	if (status == FORWARD_OK) {
		out.entry = fetch_keep(fetch, reply);
		out.has_target = target != NULL;
		if (target != NULL) {
			out.target = *target;
		}
		out.kind = out.entry != NULL ? CACHE_OUT_ANSWER :
					       CACHE_OUT_FAILED;
	} else {
		out.timed_out = status == FORWARD_TIMEOUT;
		/* Every target failed: RFC 9520 section 3.2. */
		uint32_t ms = cache_fail(fetch->ctx->cache, &fetch->key,
					 loop_now_ms(fetch->ctx->loop));
		zg_log(ZG_LOG_DEBUG, "resolve", NULL, "%s: no target answered; the failure is cached for %u ms",
		       fetch->src.source_id, ms);
	}
	struct cache_entry *entry = out.entry;
	fetch_end(fetch, &out);
	cache_entry_unref(entry);
}

static void fetch_abort(void *arg)
{
	struct fetch *fetch = arg;
	struct cache_outcome loop = { .kind = CACHE_OUT_LOOP };

	forward_cancel(fetch->fq);
	fetch->fq = NULL;
	fetch_end(fetch, &loop);
}

/* Waits on the flight of rq->key: leads it, starting the exchange, or
 * joins the one in progress. */
static void wait_for_answer(struct rq *rq, const struct forward_request *req,
			    uint32_t max_stale_s)
{
	struct resolve_ctx *ctx = rq->ctx;
	struct fetch *fetch = fetch_new(rq, max_stale_s);
	if (fetch == NULL) {
		fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER, "internal error");
		return;
	}

	struct cache_flight_owner owner = {
		.loop = ctx->loop,
		.abort = fetch_abort,
		.abort_arg = fetch,
		.is_rule = rq->fwd_is_rule,
		.targets = req->targets,
		.n_targets = req->n_targets,
	};
	struct cache_flight *flight = NULL;
	enum cache_join how = CACHE_JOIN_WAIT;
	int ret = cache_flight_join(ctx->cache, &rq->key, &owner, &rq->source,
				    rq->via_inbound, ctx->loop, rq_deliver, rq, &rq->waiter,
				    &flight, &how);
	if (ret != 0 || how != CACHE_JOIN_LEAD) {
		free(fetch);
	}
	if (ret != 0) {
		fail(rq, KNOT_RCODE_SERVFAIL, EDE_OTHER, "internal error");
		return;
	}
	if (how == CACHE_JOIN_LOOP) {
		quarantine_rule(rq);
		fail_loop(rq);
		return;
	}
	pending_add(rq);
	arm_timer(rq);
	if (how == CACHE_JOIN_WAIT) {
		return;
	}

	fetch->flight = flight;
	fetch_add(fetch);
	fetch->fq = forward_start(ctx->fwd, req, fetch_done, fetch);
	if (fetch->fq == NULL) {
		struct cache_outcome failed = { .kind = CACHE_OUT_FAILED };
		fetch_end(fetch, &failed);
	}
}

/* Hands the current name to a rule's targets or the default upstream,
 * through the cache and the flights. Returns false when the query was
 * ended at once. */
static bool start_forward(struct rq *rq, const struct decision *d)
{
	struct resolve_ctx *ctx = rq->ctx;
	struct forward_request req;
	uint64_t now = loop_now_ms(ctx->loop);

	fill_request(rq, d, &req);
	uint64_t elapsed = now - rq->started_ms;
	if (elapsed >= RESOLVE_TOTAL_TIMEOUT_MS) {
		observe_forwarded(&rq->obs, STATS_TIMEOUT, NULL);
		fail(rq, KNOT_RCODE_SERVFAIL, EDE_NO_REACHABLE_AUTHORITY,
		     d->resource_id);
		return false;
	}
	req.total_timeout_ms = (uint32_t)(RESOLVE_TOTAL_TIMEOUT_MS - elapsed);
	if (d->kind == DECISION_RULE && d->rule->fwd.total_timeout_ms != 0 &&
	    d->rule->fwd.total_timeout_ms < req.total_timeout_ms) {
		req.total_timeout_ms = d->rule->fwd.total_timeout_ms;
	}
	if (rq->fwd_is_rule && rule_quarantined(rq, now)) {
		return false;
	}

	/* Stale data of an earlier step of this query is of no use now. */
	cache_entry_unref(rq->stale);
	rq->stale = NULL;
	bool serve_stale = d->kind == DECISION_RULE && d->rule->serve_stale;
	uint32_t max_stale_s = serve_stale ? d->rule->max_stale_s : 0;

	cache_key_init(&rq->key, d->resource_id, req.targets, req.n_targets,
		       req.sources, req.n_sources, rq->name, rq->info.qtype,
		       rq->info.do_bit, rq->info.cd_bit);
	cache_key_set_authoritative(&rq->key, req.authoritative);
	struct cache_lookup look;
	cache_lookup(ctx->cache, &rq->key, now, &look);
	if (look.state == CACHE_FRESH) {
		observe_cached(&rq->obs);
		answer_entry(rq, look.entry, false);
		cache_entry_unref(look.entry);
		return true;
	}
	if (look.state == CACHE_STALE && serve_stale) {
		rq->stale = look.entry;
	} else {
		cache_entry_unref(look.entry);
	}
	if (look.failed && rq->stale != NULL) {
		answer_stale(rq);
		return true;
	}
	if (look.failed) {
		observe_cached(&rq->obs);
		cache_count_failure(ctx->cache);
		fail(rq, KNOT_RCODE_SERVFAIL, EDE_CACHED_ERROR,
		     rq->fwd_src.source_id);
		return false;
	}
	wait_for_answer(rq, &req, max_stale_s);
	return true;
}

/* Answers messages that cannot be resolved at all (FORMERR, NOTIMP,
 * BADVERS, REFUSED) without creating a query; signed when tsig (may be
 * NULL) holds a verified request. */
static int reply_error(const knot_pkt_t *query, const struct wire_tsig *tsig,
		       uint16_t rcode, uint16_t ede, const char *text,
		       resolve_reply_cb cb, void *arg)
{
	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	if (resp == NULL) {
		return ZG_ENOMEM;
	}
	if (wire_render_error(query, rcode, ede, text, resp) == 0 &&
	    (tsig == NULL || wire_tsig_sign(tsig, resp) == 0)) {
		cb(arg, resp->wire, resp->size);
	} else {
		cb(arg, NULL, 0);
	}
	knot_pkt_free(resp);
	return 0;
}

/* Which zone service a parsed message belongs to, or -1 for none (an
 * ordinary query, or a service nobody registered). */
static int service_kind(const knot_pkt_t *pkt)
{
	int kind = -1;
	uint8_t opcode = knot_wire_get_opcode(pkt->wire);
	if (opcode == KNOT_OPCODE_NOTIFY) {
		kind = RESOLVE_SERVICE_NOTIFY;
	} else if (opcode == KNOT_OPCODE_UPDATE) {
		kind = RESOLVE_SERVICE_UPDATE;
	} else if (opcode == KNOT_OPCODE_QUERY && knot_wire_get_qdcount(pkt->wire) == 1 &&
		   (knot_pkt_qtype(pkt) == KNOT_RRTYPE_AXFR ||
		    knot_pkt_qtype(pkt) == KNOT_RRTYPE_IXFR)) {
		/* Every other query, signed or not, is resolved here;
		 * a signed one (a secondary checking the serial with an
		 * SOA query, too) gets its answer signed, as from BIND. */
		kind = RESOLVE_SERVICE_XFR;
	}
	return kind >= 0 && services[kind].fn != NULL ? kind : -1;
}

/* Hands a NOTIFY, UPDATE or transfer request to the zone service. */
static int hand_to_service(struct rq *rq, const struct zg_addr *local,
			   resolve_reply_cb cb, void *arg)
{
	int kind = service_kind(rq->query);

	rcu_read_lock();
	const struct config *cfg = config_current();
	const struct config_vpc *vpc = cfg != NULL ?
		config_classify(cfg, local, &rq->source) : NULL;
	char vpc_id[CONFIG_ID_LEN] = "";
	if (vpc != NULL) {
		snprintf(vpc_id, sizeof(vpc_id), "%s", vpc->vpc_id);
	}
	rcu_read_unlock();

	struct resolve_service_msg msg = {
		.kind = (enum resolve_service_kind)kind,
		.pkt = rq->query,
		.local = local,
		.source = &rq->source,
		.tcp = rq->tcp,
		.vpc_id = vpc != NULL ? vpc_id : NULL,
	};
	int ret = services[kind].fn(services[kind].arg, &msg, cb, arg);
	if (ret != 0) {
		ret = reply_error(rq->query, NULL, KNOT_RCODE_SERVFAIL,
				  EDE_OTHER, "zone service failed", cb, arg);
	}
	rq_free(rq);
	return ret;
}

/* Checks the query's TSIG, if any, against the key of the current
 * snapshot (RFC 8945 section 5.2); the key is copied into rq->tsig, so
 * nothing points into the snapshot afterwards. False when the query
 * gets the TSIG error answer. */
static bool check_tsig(struct rq *rq)
{
	if (rq->query->tsig_rr == NULL) {
		return true;
	}
	rcu_read_lock();
	const struct config *cfg = config_current();
	const knot_tsig_key_t *key = cfg != NULL ?
		config_find_tsig_key(cfg, rq->query->tsig_rr->owner) : NULL;
	int ret = wire_tsig_check(rq->query, key, &rq->tsig);
	rcu_read_unlock();
	if (ret != 0) {
		/* No memory for the key copy: treated as unverifiable. */
		rq->tsig.status = WIRE_TSIG_BADKEY;
	}
	return rq->tsig.status == WIRE_TSIG_OK;
}

/* Parses the client's message into rq->query. Returns -1 when it can be
 * resolved, -2 to drop it silently, -3 for the zone service, -4 for a
 * TSIG that fails the check, or the RCODE to answer with (and sets the
 * EDE to attach, WIRE_EDE_NONE for none). */
static int parse_query(struct rq *rq, const uint8_t *wire, size_t len,
		       uint16_t *ede, const char **ede_text)
{
	*ede = WIRE_EDE_NONE;
	*ede_text = NULL;
	if (len < KNOT_WIRE_HEADER_SIZE || knot_wire_get_qr(wire)) {
		/* Too short to answer, or a response: answering a
		 * response invites reflection loops. */
		return -2;
	}
	rq->query = knot_pkt_new(NULL, (uint16_t)len, NULL);
	if (rq->query == NULL) {
		return -2;
	}
	memcpy(rq->query->wire, wire, len);
	rq->query->size = len;
	if (knot_pkt_parse(rq->query, 0) != KNOT_EOK) {
		return KNOT_RCODE_FORMERR;
	}

	if (service_kind(rq->query) >= 0) {
		return -3;
	}
	if (!check_tsig(rq)) {
		return -4;
	}

	uint16_t rcode = KNOT_RCODE_NOERROR;
	int ret = wire_query_check(rq->query, &rq->info, &rcode);
	rq->info.tsig_reserve = wire_tsig_reserve(&rq->tsig);
	if (ret == WIRE_EDROP) {
		return -2;
	}
	if (ret != 0) {
		if (rcode == KNOT_RCODE_REFUSED) {
			/* Zone transfers to clients are not offered. */
			*ede = EDE_NOT_SUPPORTED;
			*ede_text = "zone transfers are not offered here";
		}
		return rcode;
	}
	if (rq->info.qclass != KNOT_CLASS_IN) {
		*ede = EDE_NOT_SUPPORTED;
		*ede_text = "only class IN is served";
		return KNOT_RCODE_REFUSED;
	}
	return -1;
}

/* True when local is a listener of an inbound endpoint: the query comes
 * from outside the VPCs, and may be one of our own coming back. */
static bool arrived_inbound(const struct config *cfg,
			    const struct zg_addr *local)
{
	for (size_t i = 0; local != NULL && i < cfg->n_inbounds; i++) {
		const struct config_inbound *in = &cfg->inbounds[i];
		for (size_t k = 0; k < in->n_listeners; k++) {
			if (addr_equal(&in->listeners[k], local)) {
				return true;
			}
		}
	}
	return false;
}

/* Answers a request whose TSIG failed: NOTAUTH with the TSIG error, or
 * FORMERR for a malformed TSIG (RFC 8945 section 5.2). Frees rq. */
static int reply_tsig_error(struct rq *rq, resolve_reply_cb cb, void *arg)
{
	knot_pkt_t *resp = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	if (resp == NULL) {
		rq_free(rq);
		return ZG_ENOMEM;
	}
	uint16_t rcode = rq->tsig.status == WIRE_TSIG_FORMERR ?
		KNOT_RCODE_FORMERR : KNOT_RCODE_NOTAUTH;
	observe_finish(&rq->obs, "", &rq->source, rq->query, rcode);
	if (wire_tsig_render_error(rq->query, &rq->tsig, resp) == KNOT_EOK) {
		cb(arg, resp->wire, resp->size);
	} else {
		cb(arg, NULL, 0);
	}
	knot_pkt_free(resp);
	rq_free(rq);
	return 0;
}

int resolve_query(struct resolve_ctx *ctx, const uint8_t *wire, size_t len,
		  const struct zg_addr *local, const struct zg_addr *source,
		  bool tcp, resolve_reply_cb cb, void *arg)
{
	struct rq *rq = calloc(1, sizeof(*rq));
	if (rq == NULL) {
		return ZG_ENOMEM;
	}
	rq->ctx = ctx;
	loop_timer_init(&rq->timer, rq_timer_cb, rq);
	rq->cb = cb;
	rq->cb_arg = arg;
	rq->tcp = tcp;
	rq->source = *source;
	rq->started_ms = loop_now_ms(ctx->loop);
	observe_start(&rq->obs);
	wire_answer_init(&rq->ans);

	uint16_t ede;
	const char *ede_text;
	int verdict = parse_query(rq, wire, len, &ede, &ede_text);
	if (verdict == -2) {
		cb(arg, NULL, 0);
		rq_free(rq);
		return 0;
	}
	if (verdict == -3) {
		return hand_to_service(rq, local, cb, arg);
	}
	if (verdict == -4) {
		return reply_tsig_error(rq, cb, arg);
	}
	if (verdict >= 0) {
		observe_finish(&rq->obs, "", &rq->source, rq->query,
			       (uint16_t)verdict);
		int ret = reply_error(rq->query, &rq->tsig, (uint16_t)verdict,
				      ede, ede_text, cb, arg);
		rq_free(rq);
		return ret;
	}

	rcu_read_lock();
	const struct config *cfg = config_current();
	const struct config_vpc *vpc = cfg != NULL ?
		config_classify(cfg, local, source) : NULL;
	if (vpc == NULL) {
		rcu_read_unlock();
		/* No VPC: nothing is answered or forwarded (section 1.4). */
		fail(rq, KNOT_RCODE_REFUSED, EDE_PROHIBITED,
		     "no VPC for this client");
		return 0;
	}
	snprintf(rq->vpc_id, sizeof(rq->vpc_id), "%s", vpc->vpc_id);
	rq->via_inbound = arrived_inbound(cfg, local);
	decide_name_copy(rq->name, knot_pkt_qname(rq->query));
	run_steps(rq, cfg, vpc);
	rcu_read_unlock();
	return 0;
}

const char *resolve_rule_health_path(const struct config_rule *rule)
{
	/* As fill_request(): health is kept per target and endpoint. */
	return rule->endpoint != NULL ? rule->endpoint->endpoint_id :
					rule->rule_id;
}

/* The lowest TTL a client would get from entry now. */
static uint32_t entry_ttl_left(const struct cache_entry *entry,
			       uint64_t now_ms)
{
	knot_pkt_t *pkt = NULL;
	uint32_t low = UINT32_MAX;

	if (cache_entry_packet(entry, now_ms, false, &pkt) != 0) {
		return 0;
	}
	for (int s = KNOT_ANSWER; s <= KNOT_AUTHORITY; s++) {
		const knot_pktsection_t *sec = knot_pkt_section(pkt, s);
		for (uint16_t i = 0; i < sec->count; i++) {
			uint32_t ttl = knot_pkt_rr(sec, i)->ttl;
			low = ttl < low ? ttl : low;
		}
	}
	knot_pkt_free(pkt);
	return low == UINT32_MAX ? 0 : low;
}

/* Explain: what the cache holds for the question the forward step of
 * d would ask for qname, keyed as start_forward() keys it. */
static void explain_cache(const struct decision *d, const knot_dname_t *qname,
			  uint16_t qtype, uint64_t now_ms,
			  struct resolve_step *step)
{
	struct forward_request req;
	struct cache_key key;
	struct cache_lookup look;

	if (shared_cache == NULL) {
		return;
	}
	memset(&req, 0, sizeof(req));
	if (d->kind == DECISION_RULE) {
		const struct config_rule *rule = d->rule;
		copy_targets(&req, rule->targets, rule->n_targets);
		req.authoritative = rule->fwd.authoritative;
		if (rule->endpoint != NULL) {
			size_t n = rule->endpoint->n_sources;
			req.n_sources = n < FORWARD_MAX_SOURCES ? n :
							       FORWARD_MAX_SOURCES;
			memcpy(req.sources, rule->endpoint->sources,
			       req.n_sources * sizeof(req.sources[0]));
		}
	} else {
		copy_targets(&req, d->upstream->targets,
			     d->upstream->n_targets);
		if (d->upstream->has_source) {
			req.sources[0] = d->upstream->source;
			req.n_sources = 1;
		}
	}
	cache_key_init(&key, d->resource_id, req.targets, req.n_targets,
		       req.sources, req.n_sources, qname, qtype, false, false);
	cache_key_set_authoritative(&key, req.authoritative);
	cache_peek(shared_cache, &key, now_ms, &look);

	struct resolve_cache_view *cv = &step->cache;
	cv->known = true;
	cv->failure_cached = look.failed;
	if (look.entry != NULL) {
		cv->state = look.state == CACHE_FRESH ? RESOLVE_CACHE_FRESH :
							RESOLVE_CACHE_STALE;
		cv->rcode = cache_entry_rcode(look.entry);
		if (look.state == CACHE_FRESH) {
			cv->ttl_left_s = entry_ttl_left(look.entry, now_ms);
		}
		cache_entry_unref(look.entry);
	}
}

/* Explain: each target's health and the order the forward step would
 * ask them in (health_order() without the random exploration). */
static void explain_targets(const struct decision *d, uint64_t now_ms,
			    struct resolve_step *step)
{
	struct health_view views[HEALTH_MAX_TARGETS];
	const char *path = d->kind == DECISION_RULE ?
		resolve_rule_health_path(d->rule) : d->upstream->upstream_id;
	size_t n = step->n_targets < HEALTH_MAX_TARGETS ? step->n_targets :
							  HEALTH_MAX_TARGETS;

	for (size_t i = 0; i < n; i++) {
		struct health_key key;
		health_key_init(&key, &step->targets[i], path);
		health_view_get(&key, &views[i]);
		step->health[i] = (struct resolve_target_view){
			.known = views[i].known,
			.down = views[i].state == HEALTH_DOWN,
			.measured = views[i].rtt.measured,
			.srtt_us = views[i].rtt.srtt_us,
			.failures = views[i].failures,
		};
	}
	struct health_choice choice;
	/* 99: never the random share of exploration, only the one due
	 * by time, which a query now would take too. */
	health_order(views, n, 99, now_ms, &choice);
	step->has_health = true;
	step->first_target = choice.n_order > 0 ? (int)choice.order[0] : -1;
	step->explore_target = choice.explore;

	if (d->kind == DECISION_RULE) {
		struct health_quarantine_view q;
		health_quarantine_get(d->resource_id, now_ms, &q);
		step->quarantined = q.quarantined;
	}
}

/* Explain follows local CNAMEs the way run_steps() does, but stops where
 * a query would wait on a target. */
int resolve_explain(const struct config *cfg, const char *vpc_id,
		    const char *name, uint16_t qtype,
		    struct resolve_explanation *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->vpc_id, sizeof(out->vpc_id), "%s", vpc_id);

	knot_dname_t qname[KNOT_DNAME_MAXLEN];
	if (knot_dname_from_str(qname, name, sizeof(qname)) == NULL) {
		return ZG_EINVAL;
	}
	knot_dname_to_lower(qname);

	const struct config_vpc *vpc = config_find_vpc(cfg, vpc_id);
	if (vpc == NULL) {
		return ZG_ENOENT;
	}

	struct wire_answer ans;
	wire_answer_init(&ans);
	struct decide_trace trace = { .out = out };
	struct decision d;
	int ret = 0;

	for (size_t hops = 0; hops <= RESOLVE_MAX_CNAMES; hops++) {
		ret = decide_step(cfg, vpc, qname, qtype, &ans, &d, &trace);
		if (ret != 0 || d.kind != DECISION_CNAME) {
			break;
		}
		char next[KNOT_DNAME_TXT_MAXLEN + 1];
		knot_dname_to_str(next, d.next_name, sizeof(next));
		if (out->n_steps < RESOLVE_MAX_STEPS) {
			struct resolve_step *step = &out->steps[out->n_steps++];
			memset(step, 0, sizeof(*step));
			step->kind = RESOLVE_STEP_CNAME;
			snprintf(step->name, sizeof(step->name), "%s", next);
			snprintf(step->reason, sizeof(step->reason),
				 "the CNAME target %.200s is resolved again from the start",
				 next);
		}
		decide_name_copy(qname, d.next_name);
	}
	wire_answer_clear(&ans);

	/* The step that would wait on targets: its cache and targets. */
	if (ret == 0 && out->n_steps > 0 &&
	    (d.kind == DECISION_RULE || d.kind == DECISION_UPSTREAM)) {
		struct resolve_step *step = &out->steps[out->n_steps - 1];
		uint64_t now = loop_clock_ms();
		explain_cache(&d, qname, qtype, now, step);
		explain_targets(&d, now, step);
	}
	return ret;
}
