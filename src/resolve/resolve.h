/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The query path: which VPC asks, which zone, rule, built-in zone or
 * upstream answers, CNAME re-entry, and the final response
 * (shared/resolution.md). */
#ifndef ZONEGATE_RESOLVE_RESOLVE_H
#define ZONEGATE_RESOLVE_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "common/addr.h"

struct loop;
struct forward_ctx;
struct config;
struct cache;

/* Limits from shared/resolution.md section 5. */
#define RESOLVE_MAX_CNAMES 12
#define RESOLVE_TRY_TIMEOUT_MS 800
#define RESOLVE_TOTAL_TIMEOUT_MS 6000
/* Steps explain reports at most (CNAME chains are bounded by 12). */
#define RESOLVE_MAX_STEPS 32

/* Per-worker resolver. Used only from the worker's loop thread. */
struct resolve_ctx;

/*! NULL on ENOMEM. loop and fwd must outlive the context. */
struct resolve_ctx *resolve_ctx_new(struct loop *loop, struct forward_ctx *fwd);

/*! Cancels pending queries (no replies sent) and frees. Accepts NULL. */
void resolve_ctx_free(struct resolve_ctx *ctx);

/*!
 * Sets the cache every resolver context created afterwards shares:
 * answers, failures, questions in flight and quarantined rules (see
 * cache/cache.h). Call before workers start; not thread-safe. The cache
 * must outlive the contexts. Without one, each context makes its own.
 */
void resolve_set_cache(struct cache *cache);

/*!
 * Delivers the response to the client. wire is valid only during the
 * call. Called exactly once per resolve_query() that returned 0, either
 * before resolve_query() returns or later from the loop thread.
 * len 0 means: drop, send nothing (e.g. a response packet, QR=1).
 */
typedef void (*resolve_reply_cb)(void *arg, const uint8_t *wire, size_t len);

/*!
 * Answers one client message. The message is copied before this
 * returns, so wire may be reused at once.
 * \param local   address (IP and port) the query arrived on.
 * \param source  client address.
 * \param tcp     true for TCP (no size limit, no TC).
 * \retval 0 (cb will be called) or ZG_ENOMEM (cb will not be called).
 */
int resolve_query(struct resolve_ctx *ctx, const uint8_t *wire, size_t len,
		  const struct zg_addr *local, const struct zg_addr *source,
		  bool tcp, resolve_reply_cb cb, void *arg);

/*
 * Messages that are not ordinary queries belong to the zone service
 * (issue 4): NOTIFY and UPDATE opcodes, and AXFR/IXFR queries. The query
 * path classifies them (VPC of the listener or source) and hands them
 * over; without a registered service they get NOTIMP or REFUSED.
 */
enum resolve_service_kind {
	RESOLVE_SERVICE_NOTIFY = 0,	/* opcode NOTIFY (RFC 1996) */
	RESOLVE_SERVICE_UPDATE,		/* opcode UPDATE (RFC 2136) */
	RESOLVE_SERVICE_XFR,		/* QUERY for AXFR or IXFR, and a
					 * TSIG-signed SOA QUERY (a
					 * secondary's serial check); other
					 * signed queries are resolved and
					 * signed by the query path */
};

struct resolve_service_msg {
	enum resolve_service_kind kind;
	const knot_pkt_t *pkt;		/* parsed; valid during the call */
	const struct zg_addr *local;	/* address the message came to */
	const struct zg_addr *source;	/* sender */
	bool tcp;
	const char *vpc_id;		/* VPC of listener or source, or NULL */
};

/*!
 * Handles one service message; must call cb exactly once (now or later,
 * from any thread that the caller's transport accepts: the daemon posts
 * replies back to the worker) and return 0, or return an error without
 * calling cb (the query path then answers SERVFAIL).
 * Zone transfers out that need several messages use a resolve_stream
 * (below), which the daemon makes from cb and cb_arg; see
 * daemon/zonesvc.h.
 */
typedef int (*resolve_service_fn)(void *arg,
				  const struct resolve_service_msg *msg,
				  resolve_reply_cb cb, void *cb_arg);

/*! Registers the zone service for one kind. Call before workers start;
 *  not thread-safe. fn NULL removes it. */
void resolve_set_service(enum resolve_service_kind kind,
			 resolve_service_fn fn, void *arg);

/*
 * A reply channel that a zone service writes from any thread: one
 * message, or, when multi is set (TCP), several messages for one request
 * as a zone transfer needs (RFC 5936 section 2.2). The transport makes
 * it for each request; the service owns it until it sends the last
 * message or ends it.
 */
struct resolve_stream;

struct resolve_stream_ops {
	/*!
	 * Sends one message (copied before the call returns). more: other
	 * messages follow (only when multi). After a call with more false
	 * the stream is gone. Blocks while the messages sent before are not
	 * yet written to the client, at most RESOLVE_STREAM_WAIT_MS.
	 * \retval 0; ZG_ETIMEOUT (the client does not read) or
	 *         ZG_EREFUSED (the client or the daemon went away): the
	 *         message is not sent and the stream must be ended.
	 */
	int (*send)(struct resolve_stream *st, const uint8_t *wire,
		    size_t len, bool more);
	/*!
	 * Ends the reply without a (further) message and releases the
	 * stream. Nothing sent yet: the client gets no answer. Some
	 * messages sent: the transport closes the connection, so the
	 * client sees the transfer break off.
	 */
	void (*end)(struct resolve_stream *st);
};

struct resolve_stream {
	const struct resolve_stream_ops *ops;	/* set by the transport */
	bool multi;				/* several messages allowed */
};

#define RESOLVE_STREAM_WAIT_MS 30000

/* What explain reports about one step of the resolution order. */
enum resolve_step_kind {
	RESOLVE_STEP_REFUSED_NO_VPC = 0,
	RESOLVE_STEP_ZONE,		/* private/secondary zone answers */
	RESOLVE_STEP_ZONE_FALLTHROUGH,	/* zone says NXDOMAIN, pattern record */
	RESOLVE_STEP_BUILTIN,		/* built-in locally served zone */
	RESOLVE_STEP_RULE,		/* forwarded by a rule */
	RESOLVE_STEP_UPSTREAM,		/* default upstream (VPC or global) */
	RESOLVE_STEP_REFUSED_NO_UPSTREAM,
	RESOLVE_STEP_CNAME,		/* a CNAME leads on to another name */
};

/* What the cache holds for the question of a rule or upstream step,
 * asked with DO and CD clear (explain only). */
enum resolve_cache_state {
	RESOLVE_CACHE_ABSENT = 0,	/* nothing kept: the targets are asked */
	RESOLVE_CACHE_FRESH,		/* answered from the cache */
	RESOLVE_CACHE_STALE,		/* expired, kept for serve-stale */
};

struct resolve_cache_view {
	bool known;			/* a cache was looked at */
	enum resolve_cache_state state;
	uint32_t ttl_left_s;		/* FRESH: lowest TTL a client gets */
	uint8_t rcode;			/* FRESH, STALE: NOERROR or NXDOMAIN */
	bool failure_cached;		/* SERVFAIL with EDE 13 now (RFC 9520) */
};

/* A target's health as the forward step sees it (health/health.h). */
struct resolve_target_view {
	bool known;			/* the health module has an entry */
	bool down;			/* left out until probes bring it back */
	bool measured;			/* srtt_us holds a sample */
	uint32_t srtt_us;
	uint32_t failures;		/* failed tries in a row */
};

struct resolve_step {
	enum resolve_step_kind kind;
	char name[KNOT_DNAME_TXT_MAXLEN + 1];	/* name resolved at this step */
	char resource_id[48];	/* zone_id, rule_id, upstream id, or "" */
	char matched[KNOT_DNAME_TXT_MAXLEN + 1]; /* zone/rule name that matched */
	struct zg_addr targets[6];	/* for rules and upstreams */
	size_t n_targets;
	char reason[256];	/* one sentence for the operator */
	/* Rules and upstreams, on the last step only: the cache state of
	 * the question, each target's health, the target asked first
	 * (index into targets; -1 when every target is down: SERVFAIL,
	 * EDE 22, at once) and one asked beside it to see whether it
	 * recovered (-1: none). */
	struct resolve_cache_view cache;
	struct resolve_target_view health[6];
	bool has_health;
	int first_target;
	int explore_target;
	/* A rule quarantined after a forwarding loop: its queries get
	 * SERVFAIL with EDE 0 and nothing is asked. */
	bool quarantined;
};

struct resolve_explanation {
	char vpc_id[48];
	struct resolve_step steps[RESOLVE_MAX_STEPS];
	size_t n_steps;
};

/*!
 * Dry run of the same decision code for {vpc, name, type}: which step
 * would answer and why, following in-zone and cross-zone CNAMEs found
 * in local zones. Sends nothing. Call under rcu_read_lock() with cfg
 * from config_current(). When a rule or default upstream would be
 * asked, its step also tells what the cache holds for the question (a
 * look-up of the shared cache, counted among its hits and misses) and
 * each target's health, and which target would be asked first.
 * \retval 0, ZG_ENOENT (no such VPC), ZG_EINVAL (bad name).
 */
int resolve_explain(const struct config *cfg, const char *vpc_id,
		    const char *name, uint16_t qtype,
		    struct resolve_explanation *out);

struct config_rule;

/*!
 * The path under which the forward step keeps the health of a rule's
 * targets (health/health.h): the rule's endpoint, or the rule itself
 * without one. For readers of that state (explain, the API). Pointer
 * into rule.
 */
const char *resolve_rule_health_path(const struct config_rule *rule);

#endif
