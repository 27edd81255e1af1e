/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One exchange with a list of targets: tries, failover, retries without
 * EDNS and over TCP, and the per-worker context that runs them. */
#include "forward/forward.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/error.h"
#include "common/log.h"
#include "forward/internal.h"

/*
 * Life of one query (every arrow runs in the loop thread):
 *
 *   forward_start --> UDP try --reply NOERROR/NXDOMAIN--> callback(OK)
 *                      |  ^  \--FORMERR to EDNS--> UDP try, no EDNS
 *                      |  |   \--TC=1--> TCP try --reply--> (as UDP)
 *     timeout, SERVFAIL,  |
 *     REFUSED, FORMERR,   |
 *     malformed, lame ----/ next target; none left --> callback(FAILED)
 *
 *   total timer (any state) --> callback(TIMEOUT)
 *
 * A query that ends inside forward_start() reports through a zero delay
 * timer, so that the caller always holds the handle before its callback
 * runs.
 *
 * LIMITATION: targets are asked in their configured order on every
 * query, with no memory of earlier failures and no hedging: while the
 * first target is down, each query waits try_timeout_ms before the
 * next one is asked, and answers are not cached. Room is kept for
 * these: a cache in front of forward_start(), hedging by keeping the
 * previous try open (q->try becoming a list), and target health
 * choosing the order of q->req.targets.
 */

/* A TCP exchange carries a handshake and maybe a large answer; it gets
 * this many times the UDP try timeout. */
#define FWD_TCP_TIMEOUT_FACTOR 2

/* Writes a debug line with the owner and, when given, the target. */
static void log_query(const struct forward_query *q,
		      const struct zg_addr *target, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void log_query(const struct forward_query *q,
		      const struct zg_addr *target, const char *fmt, ...)
{
	if (!zg_log_enabled(ZG_LOG_DEBUG)) {
		return;
	}

	const char *key = "owner_id";
	if (strncmp(q->owner_id, "rule-", 5) == 0) {
		key = "rule_id";
	} else if (strncmp(q->owner_id, "upstream-", 9) == 0) {
		key = "upstream_id";
	}
	char fields[sizeof(q->owner_id) + ZG_ADDR_STRLEN + 32];
	int len = snprintf(fields, sizeof(fields), "%s=%s", key, q->owner_id);
	if (target != NULL && len > 0 && (size_t)len < sizeof(fields)) {
		char text[ZG_ADDR_STRLEN];
		addr_format(target, true, text, sizeof(text));
		snprintf(fields + len, sizeof(fields) - (size_t)len,
			 " target=%s", text);
	}

	char sentence[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sentence, sizeof(sentence), fmt, ap);
	va_end(ap);
	zg_log(ZG_LOG_DEBUG, "forward", fields, "%s", sentence);
}

static const struct zg_addr *current_target(const struct forward_query *q)
{
	return &q->req.targets[q->target_idx];
}

int fwd_random(struct forward_ctx *ctx, void *buf, size_t n)
{
	uint8_t *out = buf;

	while (n > 0) {
		if (ctx->random_left == 0) {
			ssize_t got = getrandom(ctx->random,
						sizeof(ctx->random), 0);
			if (got < 0 && errno == EINTR) {
				continue;
			}
			if (got <= 0) {
				return got < 0 ? -errno : -EIO;
			}
			ctx->random_left = (size_t)got;
		}
		/* Take bytes from the end so each one is used once. */
		size_t take = n < ctx->random_left ? n : ctx->random_left;
		ctx->random_left -= take;
		memcpy(out, ctx->random + ctx->random_left, take);
		memset(ctx->random + ctx->random_left, 0, take);
		out += take;
		n -= take;
	}
	return 0;
}

static void free_graveyard(struct forward_ctx *ctx)
{
	struct fwd_grave *grave = ctx->graveyard;
	ctx->graveyard = NULL;
	while (grave != NULL) {
		struct fwd_grave *next = grave->next;
		grave->destroy(grave);
		grave = next;
	}
}

static void reaper_cb(struct loop_timer *timer)
{
	free_graveyard(timer->arg);
}

void fwd_bury(struct forward_ctx *ctx, struct fwd_grave *grave)
{
	grave->next = ctx->graveyard;
	ctx->graveyard = grave;
	if (!loop_timer_running(&ctx->reaper)) {
		loop_timer_start(ctx->loop, &ctx->reaper, 0);
	}
}

static void sweeper_cb(struct loop_timer *timer)
{
	struct forward_ctx *ctx = timer->arg;
	fwd_pool_sweep(ctx, false);
	if (ctx->pools != NULL) {
		loop_timer_start(ctx->loop, &ctx->sweeper, FWD_SWEEP_MS);
	}
}

struct forward_ctx *forward_ctx_new(struct loop *loop)
{
	struct forward_ctx *ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		return NULL;
	}
	ctx->loop = loop;
	loop_timer_init(&ctx->reaper, reaper_cb, ctx);
	loop_timer_init(&ctx->sweeper, sweeper_cb, ctx);
	return ctx;
}

static void query_unlink(struct forward_query *q)
{
	struct forward_ctx *ctx = q->ctx;
	if (q->prev != NULL) {
		q->prev->next = q->next;
	} else {
		ctx->queries = q->next;
	}
	if (q->next != NULL) {
		q->next->prev = q->prev;
	}
	q->prev = q->next = NULL;
}

/* Stops whatever the current try is waiting on. */
static void end_try(struct forward_query *q)
{
	loop_timer_stop(q->ctx->loop, &q->try_timer);
	fwd_try_detach(&q->try);
	fwd_tcp_release(q->ctx, q->tcp);
	q->tcp = NULL;
}

static void query_drop(struct forward_query *q)
{
	end_try(q);
	loop_timer_stop(q->ctx->loop, &q->total_timer);
	query_unlink(q);
	free(q);
}

void forward_ctx_free(struct forward_ctx *ctx)
{
	if (ctx == NULL) {
		return;
	}
	while (ctx->queries != NULL) {
		query_drop(ctx->queries);
	}
	fwd_pool_sweep(ctx, true);
	loop_timer_stop(ctx->loop, &ctx->sweeper);
	loop_timer_stop(ctx->loop, &ctx->reaper);
	free_graveyard(ctx);
	free(ctx);
}

/* Ends the query and calls back once. The callback may start, cancel
 * or finish other queries; this one is freed only after it returns, and
 * forward_cancel() on it meanwhile does nothing. */
static void finish(struct forward_query *q, enum forward_status status,
		   const knot_pkt_t *reply)
{
	if (q->starting) {
		end_try(q);
		q->phase = FWD_PHASE_DEFERRED;
		q->deferred_status = status;
		loop_timer_start(q->ctx->loop, &q->try_timer, 0);
		return;
	}

	end_try(q);
	loop_timer_stop(q->ctx->loop, &q->total_timer);
	query_unlink(q);
	q->phase = FWD_PHASE_CALLBACK;
	q->cb(q->cb_arg, status, reply,
	      status == FORWARD_OK ? current_target(q) : NULL);
	free(q);
}

/* Picks the source for a try to a target of this family: the sources
 * take turns over queries and over the tries of one query. */
static int pick_source(struct forward_query *q, int family,
		       struct zg_addr *out)
{
	const struct forward_request *req = &q->req;

	if (req->n_sources == 0) {
		memset(out, 0, sizeof(*out));
		out->ss.ss_family = (sa_family_t)family;
		out->len = family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						sizeof(struct sockaddr_in);
		return 0;
	}
	for (size_t i = 0; i < req->n_sources; i++) {
		size_t k = (q->source_base + q->attempts + i) % req->n_sources;
		if (addr_family(&req->sources[k]) == family) {
			*out = req->sources[k];
			addr_set_port(out, 0);
			return 0;
		}
	}
	return -EAFNOSUPPORT;
}

/* Sends one UDP try to the current target. */
static int send_udp(struct forward_query *q)
{
	const struct zg_addr *target = current_target(q);

	int ret = pick_source(q, addr_family(target), &q->source);
	if (ret != 0) {
		return ret;
	}
	fwd_msg_build(q, q->edns);
	ret = fwd_pool_send(q->ctx, &q->source, q, target);
	if (ret != 0) {
		return ret;
	}
	q->attempts++;
	q->phase = FWD_PHASE_UDP;
	loop_timer_start(q->ctx->loop, &q->try_timer, q->req.try_timeout_ms);
	return 0;
}

/* Asks the current target, or the ones after it when sending fails;
 * reports FORWARD_FAILED when none is left. */
static void ask_target(struct forward_query *q)
{
	while (q->target_idx < q->req.n_targets) {
		int ret = send_udp(q);
		if (ret == 0) {
			return;
		}
		if (ret == -EAFNOSUPPORT) {
			log_query(q, current_target(q),
				  "no source address of the target's family, trying the next target");
		} else {
			log_query(q, current_target(q),
				  "cannot send the query: %s, trying the next target",
				  zg_strerror(ret));
		}
		q->target_idx++;
		q->edns = true;
	}
	log_query(q, NULL, "every target failed, giving up");
	finish(q, FORWARD_FAILED, NULL);
}

static void try_next_target(struct forward_query *q, const char *why)
{
	end_try(q);
	log_query(q, current_target(q), "%s, trying the next target", why);
	q->target_idx++;
	q->edns = true;
	ask_target(q);
}

/* Asks the same target again over TCP with a fresh ID (RFC 7766 5). */
static void retry_tcp(struct forward_query *q)
{
	uint16_t msg_id;

	end_try(q);
	int ret = fwd_random(q->ctx, &msg_id, sizeof(msg_id));
	if (ret == 0) {
		fwd_msg_build(q, q->edns);
		fwd_msg_set_id(q, msg_id);
		ret = fwd_tcp_start(q, &q->source, current_target(q));
	}
	if (ret != 0) {
		char why[128];
		snprintf(why, sizeof(why), "cannot retry over TCP: %s",
			 zg_strerror(ret));
		try_next_target(q, why);
		return;
	}
	q->phase = FWD_PHASE_TCP;
	loop_timer_start(q->ctx->loop, &q->try_timer,
			 (uint64_t)q->req.try_timeout_ms *
				 FWD_TCP_TIMEOUT_FACTOR);
}

/* RFC 6891 section 7: a responder without EDNS answers FORMERR; it is
 * asked once more in plain DNS, over UDP again. */
static void retry_without_edns(struct forward_query *q)
{
	log_query(q, current_target(q),
		  "rejected EDNS with FORMERR, asking again without EDNS");
	end_try(q);
	q->edns = false;
	int ret = send_udp(q);
	if (ret != 0) {
		char why[128];
		snprintf(why, sizeof(why), "cannot send the query: %s",
			 zg_strerror(ret));
		try_next_target(q, why);
	}
}

/* The one place that decides what a reply leads to. */
static void act_on_reply(struct forward_query *q, enum fwd_verdict verdict,
			 const knot_pkt_t *reply, const char *why)
{
	switch (verdict) {
	case FWD_IGNORE:
		return;
	case FWD_ACCEPT:
		finish(q, FORWARD_OK, reply);
		return;
	case FWD_NO_EDNS:
		retry_without_edns(q);
		return;
	case FWD_USE_TCP:
		log_query(q, current_target(q),
			  "truncated reply, asking again over TCP");
		retry_tcp(q);
		return;
	case FWD_NEXT:
		try_next_target(q, why);
		return;
	}
}

void fwd_query_udp_reply(struct forward_query *q, const struct zg_addr *from,
			 const uint8_t *wire, size_t len)
{
	/* Only the target itself, from the port asked, may answer
	 * (RFC 5452 section 9.1); anything else is ignored, not fatal,
	 * so that a forger cannot end the exchange. */
	if (q->phase != FWD_PHASE_UDP || !addr_equal(from, current_target(q))) {
		return;
	}

	knot_pkt_t *pkt = knot_pkt_new((void *)wire, (uint16_t)len, NULL);
	if (pkt == NULL) {
		return;		/* as if lost; the try timer moves on */
	}
	char why[96] = "";
	enum fwd_verdict verdict = fwd_msg_judge(q, pkt, false, why,
						 sizeof(why));
	act_on_reply(q, verdict, pkt, why);
	knot_pkt_free(pkt);
}

void fwd_query_tcp_done(struct forward_query *q, const uint8_t *wire,
			size_t len, const char *failure)
{
	if (failure != NULL) {
		try_next_target(q, failure);
		return;
	}

	knot_pkt_t *pkt = knot_pkt_new((void *)wire, (uint16_t)len, NULL);
	if (pkt == NULL) {
		try_next_target(q, "out of memory for the TCP reply");
		return;
	}
	char why[96] = "";
	enum fwd_verdict verdict = fwd_msg_judge(q, pkt, true, why,
						 sizeof(why));
	/* The connection was ours alone: a reply that does not match is
	 * the target's failure, not a forgery to wait out. */
	if (verdict == FWD_IGNORE) {
		verdict = FWD_NEXT;
		snprintf(why, sizeof(why), "sent a TCP reply that does not match the query");
	}
	act_on_reply(q, verdict, pkt, why);
	knot_pkt_free(pkt);
}

static void try_timer_cb(struct loop_timer *timer)
{
	struct forward_query *q = timer->arg;
	char why[96];

	switch (q->phase) {
	case FWD_PHASE_DEFERRED:
		finish(q, q->deferred_status, NULL);
		return;
	case FWD_PHASE_UDP:
		snprintf(why, sizeof(why), "no answer in %u ms",
			 q->req.try_timeout_ms);
		break;
	case FWD_PHASE_TCP:
		snprintf(why, sizeof(why), "no answer over TCP in %u ms",
			 q->req.try_timeout_ms * FWD_TCP_TIMEOUT_FACTOR);
		break;
	case FWD_PHASE_CALLBACK:
		return;
	}
	try_next_target(q, why);
}

static void total_timer_cb(struct loop_timer *timer)
{
	struct forward_query *q = timer->arg;

	log_query(q, q->target_idx < q->req.n_targets ? current_target(q) :
							 NULL,
		  "no answer within %u ms in total, giving up",
		  q->req.total_timeout_ms);
	finish(q, FORWARD_TIMEOUT, NULL);
}

static bool request_valid(const struct forward_request *req)
{
	if (req->qname == NULL || req->n_targets == 0 ||
	    req->n_targets > FORWARD_MAX_TARGETS ||
	    req->n_sources > FORWARD_MAX_SOURCES) {
		return false;
	}
	size_t name_len = knot_dname_size(req->qname);
	if (name_len == 0 || name_len > KNOT_DNAME_MAXLEN) {
		return false;
	}
	for (size_t i = 0; i < req->n_targets; i++) {
		int family = addr_family(&req->targets[i]);
		if (family != AF_INET && family != AF_INET6) {
			return false;
		}
	}
	return true;
}

static struct forward_query *query_new(struct forward_ctx *ctx,
				       const struct forward_request *req,
				       forward_done_cb cb, void *arg)
{
	struct forward_query *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		return NULL;
	}
	q->ctx = ctx;
	q->req = *req;
	memcpy(q->qname, req->qname, knot_dname_size(req->qname));
	q->req.qname = q->qname;
	snprintf(q->owner_id, sizeof(q->owner_id), "%s",
		 req->owner_id != NULL ? req->owner_id : "-");
	q->req.owner_id = q->owner_id;
	if (q->req.try_timeout_ms == 0) {
		q->req.try_timeout_ms = FWD_TRY_TIMEOUT_MS;
	}
	if (q->req.total_timeout_ms == 0) {
		q->req.total_timeout_ms = FWD_TOTAL_TIMEOUT_MS;
	}
	q->cb = cb;
	q->cb_arg = arg;
	q->edns = true;
	q->try.q = q;
	q->source_base = ctx->next_source++;
	loop_timer_init(&q->try_timer, try_timer_cb, q);
	loop_timer_init(&q->total_timer, total_timer_cb, q);
	return q;
}

struct forward_query *forward_start(struct forward_ctx *ctx,
				    const struct forward_request *req,
				    forward_done_cb cb, void *arg)
{
	if (ctx == NULL || req == NULL || cb == NULL || !request_valid(req)) {
		return NULL;
	}
	struct forward_query *q = query_new(ctx, req, cb, arg);
	if (q == NULL) {
		return NULL;
	}

	q->next = ctx->queries;
	if (ctx->queries != NULL) {
		ctx->queries->prev = q;
	}
	ctx->queries = q;

	loop_timer_start(ctx->loop, &q->total_timer, q->req.total_timeout_ms);
	q->starting = true;
	ask_target(q);
	q->starting = false;
	return q;
}

void forward_cancel(struct forward_query *q)
{
	if (q == NULL || q->phase == FWD_PHASE_CALLBACK) {
		return;
	}
	query_drop(q);
}
