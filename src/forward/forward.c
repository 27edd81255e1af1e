/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One exchange with a list of targets: their order by health, tries and
 * hedging, retries without EDNS, over TCP, with a new cookie or without
 * 0x20, referrals of authoritative targets; and the per-worker context
 * that runs them. */
#include "forward/forward.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/error.h"
#include "common/log.h"
#include "forward/internal.h"

/*
 * Life of one exchange (every arrow runs in the loop thread):
 *
 *   forward_start --> order the targets by health --all down--> DOWN
 *        |
 *        v
 *   try the best target [+ a deprioritised one in parallel, now and then]
 *        |
 *        +--NOERROR/NXDOMAIN---------------------------------> OK
 *        +--FORMERR to EDNS, TC, BADCOOKIE, case changed-->
 *        |        the same target again: no EDNS, TCP, the new
 *        |        cookie, no 0x20
 *        +--referral (authoritative targets)--> order its glue, go on
 *        +--SERVFAIL, REFUSED, lame, malformed--> next target at once
 *        +--try timeout--> next target, and this try stays open
 *                          (hedging); once every target was asked, a
 *                          second try to each with twice the timeout
 *        nothing left to ask and no try within its timeout --> FAILED
 *
 *   total timer (any state) --> TIMEOUT
 *
 * An exchange that ends inside forward_start() reports through a zero
 * delay timer, so that the caller always holds the handle before its
 * callback runs. When an exchange ends, its UDP tries stay open for
 * FWD_LINGER_MS after their timeout: a late reply still tells the
 * health table that the target lives and how slow it is.
 */

/* A TCP try carries a handshake and maybe a large answer; it gets this
 * many times the UDP try timeout. */
#define FWD_TCP_TIMEOUT_FACTOR 2

static void advance(struct forward_query *q);

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
	} else if (strncmp(q->owner_id, "zone-", 5) == 0) {
		key = "zone_id";
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

uint64_t fwd_clock_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
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

/*
 * The context
 */

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
	fwd_probe_init(ctx);
	return ctx;
}

/*
 * Tries
 */

static void try_link(struct fwd_try **head, struct fwd_try *t)
{
	t->qprev = NULL;
	t->qnext = *head;
	if (*head != NULL) {
		(*head)->qprev = t;
	}
	*head = t;
}

static void try_unlink(struct fwd_try **head, struct fwd_try *t)
{
	if (t->qprev != NULL) {
		t->qprev->qnext = t->qnext;
	} else {
		*head = t->qnext;
	}
	if (t->qnext != NULL) {
		t->qnext->qprev = t->qprev;
	}
	t->qprev = t->qnext = NULL;
}

/* Takes t off its query's books (not off its socket). */
static void try_leave_query(struct fwd_try *t)
{
	struct forward_query *q = t->q;
	try_unlink(&q->tries, t);
	q->n_open--;
	if (!t->expired) {
		q->targets[t->target_idx].waiting--;
	}
	t->q = NULL;
}

static void try_free(struct fwd_try *t)
{
	struct forward_ctx *ctx = t->ctx;

	loop_timer_stop(ctx->loop, &t->timer);
	if (t->transport == FWD_UDP) {
		fwd_udp_detach(t);
	} else {
		fwd_tcp_detach(t);
	}
	if (t->q != NULL) {
		try_leave_query(t);
	} else {
		try_unlink(&ctx->orphans, t);
		ctx->n_orphans--;
	}
	free(t);
}

/* Ends the query's tries. With orphan, UDP tries keep listening until
 * their timeout and linger time pass, for the health table. */
static void release_tries(struct forward_query *q, bool orphan)
{
	struct forward_ctx *ctx = q->ctx;

	while (q->tries != NULL) {
		struct fwd_try *t = q->tries;
		if (!orphan || t->transport != FWD_UDP || t->probe ||
		    ctx->n_orphans >= FWD_MAX_ORPHANS) {
			try_free(t);
			continue;
		}
		try_leave_query(t);
		try_link(&ctx->orphans, t);
		ctx->n_orphans++;
	}
}

/* The round trip of t, when one can tell which try a reply answers. */
static uint32_t try_rtt(const struct fwd_try *t)
{
	if (!t->rtt_usable) {
		return 0;
	}
	uint64_t rtt = fwd_clock_us() - t->sent_us;
	if (rtt == 0) {
		return 1;
	}
	return rtt > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt;
}

/* What a probe of t's target asks, while q is there to say. */
static void describe_probe(const struct forward_query *q,
			   const struct fwd_try *t, struct health_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->key = t->key;
	const uint8_t *zone = q->has_cut ? q->cut : q->zone;
	memcpy(p->name, zone, knot_dname_size(zone));
	p->recursive = !q->req.authoritative;
	size_t n = q->req.n_sources < HEALTH_MAX_SOURCES ? q->req.n_sources :
							   HEALTH_MAX_SOURCES;
	memcpy(p->sources, q->req.sources, n * sizeof(p->sources[0]));
	p->n_sources = n;
}

/* t got no reply in time, or its connection failed. */
static void note_failure(const struct fwd_try *t)
{
	if (t->probe) {
		return;
	}
	struct health_probe probe;
	if (t->q != NULL) {
		describe_probe(t->q, t, &probe);
	}
	health_note_failure(&t->key, loop_clock_ms(),
			    t->q != NULL ? &probe : NULL,
			    t->q != NULL ? t->q->owner_id : NULL);
	/* A target that stopped sending cookies would otherwise have every
	 * reply ignored: start again with the client cookie alone. */
	if (t->server_cookie_sent) {
		health_cookie_forget(&t->key);
	}
}

static void try_timer_cb(struct loop_timer *timer)
{
	struct fwd_try *t = timer->arg;
	struct forward_query *q = t->q;

	if (t->expired) {
		/* Lingering is over. */
		try_free(t);
		if (q != NULL) {
			advance(q);
		}
		return;
	}

	t->expired = true;
	if (q != NULL) {
		q->targets[t->target_idx].waiting--;
	}
	note_failure(t);
	if (q == NULL) {
		loop_timer_start(t->ctx->loop, &t->timer, FWD_LINGER_MS);
		return;
	}
	log_query(q, &t->target, "no answer in time, asking the next target");
	if (q->req.no_hedging) {
		try_free(t);
	} else {
		loop_timer_start(t->ctx->loop, &t->timer, FWD_LINGER_MS);
	}
	advance(q);
}

/* Picks the source for a try to a target of this family: the sources
 * take turns over queries and over the tries of one query. */
static int pick_source(const struct forward_query *q, int family,
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

/* 0x20 (draft-vixie-dnsext-dns0x20): each letter of the name in upper
 * or lower case at random, a bit of entropy a forger must also guess. */
static void randomize_case(struct forward_ctx *ctx, uint8_t *name)
{
	uint8_t bits[32];
	if (fwd_random(ctx, bits, sizeof(bits)) != 0) {
		return;
	}
	size_t bit = 0;
	size_t pos = 0;
	while (name[pos] != 0 && pos < KNOT_DNAME_MAXLEN) {
		size_t len = name[pos++];
		for (size_t i = 0; i < len && pos < KNOT_DNAME_MAXLEN;
		     i++, pos++) {
			uint8_t c = name[pos];
			bool upper = (bits[(bit / 8) % sizeof(bits)] >>
				      (bit % 8)) & 1;
			bit++;
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
				name[pos] = upper ? (uint8_t)(c & ~0x20) :
						    (uint8_t)(c | 0x20);
			}
		}
	}
}

/* Writes t's message: EDNS, 0x20 and the cookie as the target allows. */
static void prepare(struct forward_query *q, struct fwd_try *t,
		    const struct fwd_target *tg)
{
	uint8_t server_cookie[HEALTH_SERVER_COOKIE_MAX];
	size_t server_cookie_len = 0;

	t->edns = !tg->no_edns;
	memcpy(t->qname, q->qname, knot_dname_size(q->qname));
	t->case_random = q->req.case_randomization && !tg->no_case;
	if (t->case_random) {
		randomize_case(q->ctx, t->qname);
	}
	if (t->edns && !q->req.no_cookies &&
	    health_cookie_get(&t->key, t->client_cookie, server_cookie,
			      &server_cookie_len)) {
		t->cookie = true;
		t->server_cookie_sent = server_cookie_len > 0;
	}
	fwd_msg_build(q, t, server_cookie, server_cookie_len);
}

/* Sends one try to q->targets[idx]. A retry (the same target asked
 * again differently) does not use up one of the target's tries.
 * \retval 0 or a negative error (nothing was sent; logged). */
static int launch(struct forward_query *q, size_t idx, bool retry)
{
	struct forward_ctx *ctx = q->ctx;
	struct fwd_target *tg = &q->targets[idx];
	struct fwd_try *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return ZG_ENOMEM;
	}
	t->ctx = ctx;
	t->q = q;
	t->target_idx = idx;
	t->key = tg->key;
	t->probe = q->probe;
	t->target = tg->addr;
	t->qtype = q->req.qtype;
	t->transport = tg->tcp || q->req.tcp_only ? FWD_TCP : FWD_UDP;
	loop_timer_init(&t->timer, try_timer_cb, t);

	int ret = pick_source(q, addr_family(&tg->addr), &t->source);
	bool reused = false;
	if (ret == 0) {
		prepare(q, t, tg);
		t->sent_us = fwd_clock_us();
		if (t->transport == FWD_UDP) {
			ret = fwd_pool_send(ctx, t);
			t->rtt_usable = true;
		} else {
			ret = fwd_tcp_send(ctx, t, &reused);
			t->rtt_usable = reused;
		}
	}
	if (ret != 0) {
		free(t);
		if (ret == -EAFNOSUPPORT) {
			log_query(q, &tg->addr,
				  "no source address of the target's family");
		} else {
			log_query(q, &tg->addr, "cannot send the query: %s",
				  zg_strerror(ret));
		}
		return ret;
	}

	uint64_t timeout_ms = tg->timeout_ms;
	if (!retry && tg->tries > 0) {
		timeout_ms *= 2;
	}
	if (t->transport == FWD_TCP) {
		timeout_ms *= FWD_TCP_TIMEOUT_FACTOR;
	}
	if (!retry) {
		tg->tries++;
	}
	tg->waiting++;
	q->n_open++;
	q->attempts++;
	try_link(&q->tries, t);
	loop_timer_start(ctx->loop, &t->timer, timeout_ms);
	if (!t->probe) {
		health_note_sent(&t->key, loop_clock_ms());
	}
	return 0;
}

/*
 * The exchange
 */

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

static void query_drop(struct forward_query *q, bool orphan)
{
	release_tries(q, orphan);
	loop_timer_stop(q->ctx->loop, &q->total_timer);
	loop_timer_stop(q->ctx->loop, &q->defer_timer);
	query_unlink(q);
	free(q);
}

void forward_ctx_free(struct forward_ctx *ctx)
{
	if (ctx == NULL) {
		return;
	}
	while (ctx->queries != NULL) {
		query_drop(ctx->queries, false);
	}
	while (ctx->orphans != NULL) {
		try_free(ctx->orphans);
	}
	fwd_tcp_close_all(ctx);
	fwd_pool_sweep(ctx, true);
	loop_timer_stop(ctx->loop, &ctx->sweeper);
	loop_timer_stop(ctx->loop, &ctx->prober);
	loop_timer_stop(ctx->loop, &ctx->reaper);
	free_graveyard(ctx);
	free(ctx);
}

/* Ends the query and calls back once. The callback may start, cancel
 * or finish other queries; this one is freed only after it returns, and
 * forward_cancel() on it meanwhile does nothing. A probe tells the
 * health table instead. */
static void finish(struct forward_query *q, enum forward_status status,
		   const knot_pkt_t *reply)
{
	release_tries(q, true);
	loop_timer_stop(q->ctx->loop, &q->total_timer);
	if (q->starting) {
		q->phase = FWD_PHASE_DEFERRED;
		q->deferred_status = status;
		loop_timer_start(q->ctx->loop, &q->defer_timer, 0);
		return;
	}

	loop_timer_stop(q->ctx->loop, &q->defer_timer);
	query_unlink(q);
	q->phase = FWD_PHASE_CALLBACK;
	if (q->probe) {
		health_probe_done(&q->targets[0].key, status == FORWARD_OK,
				  q->probe_rtt_us, loop_clock_ms());
	} else {
		q->cb(q->cb_arg, status, reply,
		      status == FORWARD_OK ? &q->targets[q->answered_by].addr :
					     NULL);
	}
	free(q);
}

/* The next target to ask: first every target once in order, then a
 * second try to those that timed out (a probe gets one try). -1: none. */
static int pick_next(const struct forward_query *q)
{
	if (q->n_open >= FWD_MAX_OPEN_TRIES) {
		return -1;
	}
	unsigned rounds = q->probe ? 1 : FWD_TRIES_PER_TARGET;
	for (unsigned round = 1; round <= rounds; round++) {
		for (size_t r = 0; r < q->n_order; r++) {
			const struct fwd_target *tg = &q->targets[q->order[r]];
			if (!tg->done && tg->waiting == 0 && tg->tries < round) {
				return (int)q->order[r];
			}
		}
	}
	return -1;
}

static bool any_waiting(const struct forward_query *q)
{
	for (size_t i = 0; i < q->n_targets; i++) {
		if (q->targets[i].waiting > 0) {
			return true;
		}
	}
	return false;
}

/* The one place that decides whether an exchange goes on: asks the next
 * target, or gives up when none is left and no try can still be
 * answered in time. */
static void advance(struct forward_query *q)
{
	for (;;) {
		int idx = pick_next(q);
		if (idx < 0) {
			break;
		}
		if (launch(q, (size_t)idx, false) == 0) {
			return;
		}
		q->targets[idx].done = true;
	}
	if (!any_waiting(q)) {
		log_query(q, NULL, "every target failed, giving up");
		finish(q, FORWARD_FAILED, NULL);
	}
}

static void fail_target(struct forward_query *q, size_t idx, const char *why)
{
	q->targets[idx].done = true;
	log_query(q, &q->targets[idx].addr, "%s, trying the next target", why);
	advance(q);
}

static void retry_same(struct forward_query *q, size_t idx, const char *what)
{
	log_query(q, &q->targets[idx].addr, "%s", what);
	if (launch(q, idx, true) != 0) {
		fail_target(q, idx, "cannot send the query again");
	}
}

/* Replaces the targets with addrs (a referral's glue, or the request's
 * own targets). */
static void set_level(struct forward_query *q, const struct zg_addr *addrs,
		      size_t n)
{
	q->n_targets = n < FWD_MAX_LEVEL_TARGETS ? n : FWD_MAX_LEVEL_TARGETS;
	for (size_t i = 0; i < q->n_targets; i++) {
		struct fwd_target *tg = &q->targets[i];
		memset(tg, 0, sizeof(*tg));
		tg->addr = addrs[i];
		health_key_init(&tg->key, &addrs[i], q->path_id);
	}
}

/* Orders the targets by health and sets their timeouts. explore
 * receives a target to ask in parallel with the first, or -1.
 * \return the number of targets to ask (0: all are down). */
static size_t rank(struct forward_query *q, int *explore)
{
	struct health_view views[FWD_MAX_LEVEL_TARGETS];
	uint64_t now_ms = loop_clock_ms();

	for (size_t i = 0; i < q->n_targets; i++) {
		struct fwd_target *tg = &q->targets[i];
		health_view_use(&tg->key, now_ms, &views[i]);
		tg->timeout_ms = q->req.try_timeout_ms != 0 ?
			q->req.try_timeout_ms :
			health_rtt_timeout_ms(&views[i].rtt);
		tg->tcp = q->req.tcp_only;
		tg->no_case = views[i].case_disabled;
	}
	*explore = -1;
	if (q->probe) {
		/* A probe asks its target, down or not. */
		q->order[0] = 0;
		q->n_order = 1;
		return 1;
	}

	uint32_t draw = 0;
	if (fwd_random(q->ctx, &draw, sizeof(draw)) != 0) {
		draw = 99;
	}
	struct health_choice choice;
	health_order(views, q->n_targets, draw, now_ms, &choice);
	memcpy(q->order, choice.order, choice.n_order * sizeof(q->order[0]));
	q->n_order = choice.n_order;
	*explore = choice.explore;
	return q->n_order;
}

/* Gives names equal to the 0x20 spelling sent the client's spelling
 * back: owners are parsed copies, as long as the name they equal. */
static void restore_owners(knot_pkt_t *pkt, const uint8_t *sent,
			   const uint8_t *original)
{
	size_t len = knot_dname_size(original);
	for (uint16_t i = 0; i < pkt->rrset_count; i++) {
		knot_rrset_t *rr = &pkt->rr[i];
		if (rr->owner != NULL &&
		    knot_dname_is_case_equal(rr->owner, sent)) {
			memcpy(rr->owner, original, len);
		}
	}
}

/* A reply was accepted. With 0x20, the question and the owners spelt
 * as sent go back to the client's case. */
static void accept_reply(struct forward_query *q, size_t idx,
			 knot_pkt_t *pkt, const uint8_t *sent_qname,
			 uint32_t rtt_us)
{
	q->answered_by = idx;
	q->probe_rtt_us = rtt_us;
	if (sent_qname == NULL) {
		finish(q, FORWARD_OK, pkt);
		return;
	}

	memcpy(pkt->wire + KNOT_WIRE_HEADER_SIZE, q->qname,
	       knot_dname_size(q->qname));
	knot_pkt_t *restored = knot_pkt_new(pkt->wire, (uint16_t)pkt->size,
					    NULL);
	int ret = restored != NULL ?
		knot_pkt_parse(restored, KNOT_PF_NOCANON) : KNOT_ENOMEM;
	if (ret != KNOT_EOK && ret != KNOT_ETRAIL) {
		knot_pkt_free(restored);
		restored = NULL;
	}
	knot_pkt_t *reply = restored != NULL ? restored : pkt;
	restore_owners(reply, sent_qname, q->qname);
	finish(q, FORWARD_OK, reply);
	knot_pkt_free(restored);
}

/* An authoritative target referred us further down: its servers become
 * the targets (RFC 1034 section 4.3.2). */
static void follow_referral(struct forward_query *q, size_t idx,
			    const knot_pkt_t *pkt)
{
	struct fwd_referral ref;
	int ret = fwd_referral_read(q, pkt, &ref);
	if (ret == ZG_EREFUSED) {
		fail_target(q, idx, "answered with an upward or lame referral");
		return;
	}
	if (ret != 0) {
		fail_target(q, idx, "referred to servers without addresses");
		return;
	}
	if (q->referrals >= FWD_MAX_REFERRALS) {
		fail_target(q, idx, "referred once too often");
		return;
	}

	char cut[KNOT_DNAME_TXT_MAXLEN + 1];
	knot_dname_to_str(cut, ref.cut, sizeof(cut));
	log_query(q, &q->targets[idx].addr,
		  "referred to %s, asking its %zu servers", cut,
		  ref.n_servers);
	release_tries(q, true);
	q->referrals++;
	memcpy(q->cut, ref.cut, knot_dname_size(ref.cut));
	q->has_cut = true;
	set_level(q, ref.servers, ref.n_servers);

	int explore;
	if (rank(q, &explore) == 0) {
		log_query(q, NULL, "every server of %s is down, giving up",
			  cut);
		finish(q, FORWARD_FAILED, NULL);
		return;
	}
	advance(q);
}

/* The one place that decides what a reply leads to. */
static void act_on_reply(struct forward_query *q, size_t idx,
			 enum fwd_verdict verdict, knot_pkt_t *pkt,
			 const char *why, const uint8_t *sent_qname,
			 uint32_t rtt_us)
{
	struct fwd_target *tg = &q->targets[idx];

	/* A probe asks whether the target answers at all: a referral or a
	 * refusal shows it reachable as well as an answer does. */
	if (q->probe && verdict != FWD_IGNORE) {
		accept_reply(q, idx, pkt, NULL, rtt_us);
		return;
	}
	switch (verdict) {
	case FWD_IGNORE:
		return;
	case FWD_ACCEPT:
		accept_reply(q, idx, pkt, sent_qname, rtt_us);
		return;
	case FWD_REFERRAL:
		follow_referral(q, idx, pkt);
		return;
	case FWD_NO_EDNS:
		tg->no_edns = true;
		retry_same(q, idx, "rejected EDNS with FORMERR, asking again without EDNS");
		return;
	case FWD_USE_TCP:
		tg->tcp = true;
		retry_same(q, idx, "truncated reply, asking again over TCP");
		return;
	case FWD_BADCOOKIE:
		if (tg->cookie_retried) {
			fail_target(q, idx, "answered BADCOOKIE twice");
			return;
		}
		tg->cookie_retried = true;
		retry_same(q, idx, "answered BADCOOKIE, asking again with its new server cookie");
		return;
	case FWD_CASE:
		tg->no_case = true;
		health_case_disable(&tg->key, q->owner_id);
		retry_same(q, idx, "changed the case of the question, asking again without 0x20");
		return;
	case FWD_NEXT:
		fail_target(q, idx, why);
		return;
	}
}

/* A query's try got a reply (from the right address and port). */
static void query_reply(struct forward_query *q, struct fwd_try *t,
			knot_pkt_t *pkt)
{
	char why[96] = "";
	struct fwd_cookie_seen cookie;
	enum fwd_verdict verdict = fwd_msg_judge(q, t, pkt, &cookie, why,
						 sizeof(why));
	if (verdict == FWD_IGNORE) {
		if (t->transport == FWD_UDP) {
			return;	/* maybe forged: keep waiting */
		}
		/* The connection is ours: a reply with our ID that does
		 * not match is the target's failure, not a forgery. */
		verdict = FWD_NEXT;
		snprintf(why, sizeof(why),
			 "sent a TCP reply that does not match the query");
	}

	size_t idx = t->target_idx;
	uint8_t sent_qname[KNOT_DNAME_MAXLEN];
	bool case_random = t->case_random;
	memcpy(sent_qname, t->qname, knot_dname_size(t->qname));
	uint32_t rtt_us = try_rtt(t);
	if (!t->probe) {
		health_note_reply(&t->key, rtt_us, loop_clock_ms(),
				  q->owner_id);
	}
	if (cookie.server_len > 0) {
		health_cookie_set_server(&t->key, cookie.server,
					 cookie.server_len);
	}
	try_free(t);
	act_on_reply(q, idx, verdict, pkt, why,
		     case_random ? sent_qname : NULL, rtt_us);
}

/* A late reply to a try whose exchange ended: it only tells the health
 * table that the target lives. */
static void orphan_reply(struct fwd_try *t, knot_pkt_t *pkt)
{
	const uint8_t *wire = pkt->wire;
	if (pkt->size < KNOT_WIRE_HEADER_SIZE ||
	    knot_wire_get_id(wire) != t->msg_id || !knot_wire_get_qr(wire) ||
	    knot_wire_get_qdcount(wire) != 1 ||
	    knot_pkt_parse_question(pkt) != KNOT_EOK ||
	    knot_pkt_qtype(pkt) != t->qtype ||
	    !knot_dname_is_case_equal(knot_pkt_wire_qname(pkt), t->qname)) {
		return;
	}
	health_note_reply(&t->key, try_rtt(t), loop_clock_ms(), NULL);
	try_free(t);
}

void fwd_try_reply(struct fwd_try *t, const struct zg_addr *from,
		   const uint8_t *wire, size_t len)
{
	/* Only the target itself, from the port asked, may answer
	 * (RFC 5452 section 9.1); anything else is ignored, not fatal,
	 * so that a forger cannot end the exchange. */
	if (from != NULL && !addr_equal(from, &t->target)) {
		return;
	}
	knot_pkt_t *pkt = knot_pkt_new((void *)wire, (uint16_t)len, NULL);
	if (pkt == NULL) {
		return;		/* as if lost; the try timer moves on */
	}
	if (t->q != NULL) {
		query_reply(t->q, t, pkt);
	} else {
		orphan_reply(t, pkt);
	}
	knot_pkt_free(pkt);
}

void fwd_try_tcp_failed(struct fwd_try *t, const char *why, bool reused)
{
	struct forward_query *q = t->q;
	if (q == NULL) {
		try_free(t);
		return;
	}
	size_t idx = t->target_idx;
	struct fwd_target *tg = &q->targets[idx];

	/* RFC 7766 section 6.2.1: a server may close an idle connection
	 * just as a query goes out on it; that query is sent again on a
	 * new connection, once. */
	if (reused && !tg->tcp_retried) {
		tg->tcp_retried = true;
		try_free(t);
		retry_same(q, idx, "the target closed a reused connection, asking again on a new one");
		return;
	}
	if (!t->expired) {
		note_failure(t);
	}
	try_free(t);
	fail_target(q, idx, why);
}

static void total_timer_cb(struct loop_timer *timer)
{
	struct forward_query *q = timer->arg;

	log_query(q, NULL, "no answer within %u ms in total, giving up",
		  q->req.total_timeout_ms);
	finish(q, FORWARD_TIMEOUT, NULL);
}

static void defer_timer_cb(struct loop_timer *timer)
{
	struct forward_query *q = timer->arg;
	finish(q, q->deferred_status, NULL);
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
	if (req->zone != NULL) {
		size_t zone_len = knot_dname_size(req->zone);
		if (zone_len == 0 || zone_len > KNOT_DNAME_MAXLEN) {
			return false;
		}
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
				       bool probe, forward_done_cb cb,
				       void *arg)
{
	struct forward_query *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		return NULL;
	}
	q->ctx = ctx;
	q->req = *req;
	memcpy(q->qname, req->qname, knot_dname_size(req->qname));
	q->req.qname = q->qname;
	if (req->zone != NULL) {
		memcpy(q->zone, req->zone, knot_dname_size(req->zone));
	}
	q->req.zone = q->zone;
	snprintf(q->owner_id, sizeof(q->owner_id), "%s",
		 req->owner_id != NULL ? req->owner_id : "-");
	q->req.owner_id = q->owner_id;
	snprintf(q->path_id, sizeof(q->path_id), "%.*s",
		 (int)sizeof(q->path_id) - 1,
		 req->path_id != NULL ? req->path_id : q->owner_id);
	q->req.path_id = q->path_id;
	if (q->req.total_timeout_ms == 0) {
		q->req.total_timeout_ms = FWD_TOTAL_TIMEOUT_MS;
	}
	q->cb = cb;
	q->cb_arg = arg;
	q->probe = probe;
	q->source_base = ctx->next_source++;
	loop_timer_init(&q->total_timer, total_timer_cb, q);
	loop_timer_init(&q->defer_timer, defer_timer_cb, q);
	set_level(q, req->targets, req->n_targets);
	return q;
}

struct forward_query *fwd_query_start(struct forward_ctx *ctx,
				      const struct forward_request *req,
				      bool probe, forward_done_cb cb,
				      void *arg)
{
	struct forward_query *q = query_new(ctx, req, probe, cb, arg);
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
	int explore = -1;
	if (rank(q, &explore) == 0) {
		log_query(q, NULL, "every target is marked down, failing at once");
		finish(q, FORWARD_DOWN, NULL);
	} else {
		advance(q);
	}
	/* Now and then one deprioritised target is asked in parallel, so
	 * that its recovery is seen without costing this query time. */
	if (explore >= 0 && q->phase == FWD_PHASE_RUNNING &&
	    q->targets[explore].tries == 0 &&
	    launch(q, (size_t)explore, false) == 0) {
		log_query(q, &q->targets[explore].addr,
			  "asking a deprioritised target in parallel");
	}
	q->starting = false;
	return q;
}

struct forward_query *forward_start(struct forward_ctx *ctx,
				    const struct forward_request *req,
				    forward_done_cb cb, void *arg)
{
	if (ctx == NULL || req == NULL || cb == NULL || !request_valid(req)) {
		return NULL;
	}
	return fwd_query_start(ctx, req, false, cb, arg);
}

void forward_cancel(struct forward_query *q)
{
	if (q == NULL || q->phase == FWD_PHASE_CALLBACK) {
		return;
	}
	query_drop(q, true);
}
