/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Asking targets and upstreams: non-blocking UDP/TCP exchanges from fixed
 * source addresses, target order by health, hedging and failover, DNS
 * Cookies and 0x20, referrals of authoritative targets, and turning a
 * reply into answer parts with bailiwick checks (shared/resolution.md
 * section 4). */
#ifndef ZONEGATE_FORWARD_FORWARD_H
#define ZONEGATE_FORWARD_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "common/addr.h"
#include "wire/wire.h"

struct loop;

#define FORWARD_MAX_TARGETS 6
#define FORWARD_MAX_SOURCES 6

/* Per-worker state: UDP socket pools per source address, persistent
 * TCP connections per target and source, queries in flight. Used only
 * from the worker's own loop thread. What is learnt about targets is
 * shared by all workers through the health module. */
struct forward_ctx;

/*! NULL on ENOMEM. The loop must outlive the context. The context
 *  looks for due health probes of down targets every 500 ms on its
 *  loop and sends those it is handed (health_probe_claim()). */
struct forward_ctx *forward_ctx_new(struct loop *loop);

/*! Cancels every query in flight (their callbacks are not called) and
 *  frees the context. Accepts NULL. Call it when none of the loop's
 *  socket callbacks is running: after loop_run() returned, or from a
 *  loop timer; never from a forward_done_cb. */
void forward_ctx_free(struct forward_ctx *ctx);

/* One question to ask a set of targets. Copied by forward_start().
 * Every field left 0 (memset) takes the default of shared/resolution.md
 * section 5. */
struct forward_request {
	const knot_dname_t *qname;	/* as the client sent it (case kept) */
	uint16_t qtype;
	uint16_t qclass;
	bool do_bit;			/* DNSSEC OK from the client */
	bool cd_bit;			/* Checking Disabled from the client */
	struct zg_addr targets[FORWARD_MAX_TARGETS]; /* with port, in order */
	size_t n_targets;
	/* Source addresses to send from (port 0); spread over queries.
	 * Zero sources: the kernel chooses, as for a default upstream
	 * without a source address. */
	struct zg_addr sources[FORWARD_MAX_SOURCES];
	size_t n_sources;
	/* Per try. 0: adaptive, 800 ms until the target has an RTT
	 * sample, then SRTT + 4 x RTTVAR clamped to 250-1500 ms (the
	 * health module); otherwise fixed. A target's second try in one
	 * exchange gets twice its timeout, a TCP try twice as well. */
	uint32_t try_timeout_ms;
	uint32_t total_timeout_ms;	/* whole exchange; 0: 6000 */
	const char *owner_id;		/* rule_id or upstream id, for logs */
	/* How the targets are reached, the path of their health entries
	 * (health/health.h): a rule's endpoint_id, an upstream id, a
	 * zone_id for a delegation's servers. NULL: owner_id. */
	const char *path_id;
	/* The rule's domain (a delegation's cut): probes of down targets
	 * ask its SOA, and authoritative targets are followed only below
	 * it. NULL: the root. */
	const knot_dname_t *zone;
	bool authoritative;	/* RD=0; referrals inside zone are followed */
	bool tcp_only;		/* every try over TCP */
	bool no_cookies;	/* send no DNS Cookie (RFC 7873) */
	bool case_randomization; /* 0x20 on the question name */
	bool no_hedging;	/* close a try when its timeout passes */
};

/* How an exchange ended. */
enum forward_status {
	FORWARD_OK = 0,		/* reply is a usable NOERROR/NXDOMAIN answer */
	FORWARD_FAILED,		/* every target failed (timeouts, SERVFAIL,
				 * REFUSED, FORMERR, bad replies, referrals
				 * from a target asked to recurse, lame or
				 * upward referrals from authoritative
				 * targets, no source address of the
				 * target's family) before
				 * total_timeout_ms */
	FORWARD_TIMEOUT,	/* total_timeout_ms passed */
	FORWARD_DOWN,		/* every target is marked down by the health
				 * module: nothing was sent */
};

/*!
 * Called once in the loop thread when an exchange ends, never from
 * inside forward_start(). It may call forward_start() and
 * forward_cancel() freely; the handle of the query being reported is
 * invalid once it returns (forward_cancel() on it meanwhile does
 * nothing).
 * \param reply   for FORWARD_OK: the parsed reply, owned by the forward
 *                module and freed after the callback returns; else NULL.
 * \param target  the target that answered (for authoritative targets,
 *                the server a referral led to), or NULL.
 */
typedef void (*forward_done_cb)(void *arg, enum forward_status status,
				const knot_pkt_t *reply,
				const struct zg_addr *target);

struct forward_query;

/*!
 * Starts asking. The targets are ordered by their health (health/
 * health.h): down targets are skipped, the fastest are asked first
 * (configured order among equally fast ones), and now and then a
 * deprioritised target is asked in parallel to learn whether it
 * recovered. When every target is down the exchange ends with
 * FORWARD_DOWN and nothing is sent.
 *
 * Each try goes over UDP (TCP with tcp_only) with a random ID from a
 * random source port bound to one of the sources; EDNS payload 1232, DO
 * and CD copied, no client ECS, a DNS Cookie unless no_cookies. A reply
 * is accepted only when its address, port, ID and question match (the
 * name case-insensitively, exactly with case_randomization), and its
 * COOKIE option carries our client cookie (a reply without one is
 * ignored once the target has sent a server cookie). When a try's
 * timeout passes, the next target is asked and the first try stays
 * open (hedging): the first good reply wins. SERVFAIL, REFUSED, FORMERR
 * and malformed replies move to the next target at once (FORMERR to a
 * query with EDNS is retried without EDNS first; BADCOOKIE once with the
 * new server cookie; a question echoed in other case once without
 * 0x20, which is then off for that target); TC=1 is retried over TCP to
 * the same target, on a persistent connection (RFC 7766). Once every
 * target was asked, those that timed out get a second try. A referral
 * (NOERROR, no answer, NS and no SOA in authority, AA clear) is lame
 * for recursive targets; for authoritative ones it is followed when it
 * leads further down inside zone (at most 8 times), else lame. Never
 * blocks. Every outcome is told to the health module.
 *
 * \return a handle for forward_cancel(), or NULL (ENOMEM, no targets):
 *         then cb is not called.
 */
struct forward_query *forward_start(struct forward_ctx *ctx,
				    const struct forward_request *req,
				    forward_done_cb cb, void *arg);

/*! Stops an exchange; cb will not be called. Loop thread only. */
void forward_cancel(struct forward_query *q);

/*!
 * Decides whether a name in a reply must be resolved again locally
 * instead of being taken from the reply: for a rule, names outside the
 * rule's domain; for the default upstream, names covered by a zone or
 * rule of the VPC.
 */
typedef bool (*forward_reenter_fn)(void *arg, const knot_dname_t *name);

struct forward_import_result {
	/* When the CNAME chain in the reply reached a name that must be
	 * resolved again (reenter returned true): that name; else empty. */
	bool reenter;
	knot_dname_t next_name[KNOT_DNAME_MAXLEN];
};

/*!
 * Adds what a reply says about qname/qtype to ans:
 * - answer section: follows the CNAME chain from qname through the
 *   reply; each CNAME counts in ans->cname_count; stops at the first name
 *   for which reenter() is true (that CNAME is kept, its target goes to
 *   result->next_name); records at names not on the chain are dropped;
 * - bailiwick: with a non-NULL bailiwick, only records at or below it
 *   are kept (except as next);
 * - negative answers: the SOA of the authority section is kept when its
 *   owner is the bailiwick, below it, or an ancestor of the last name
 *   of the chain; its TTL becomes min(SOA TTL, SOA MINIMUM) (RFC 2308);
 * - ans->rcode is the reply's rcode (RFC 6604: of the last name); when
 *   the chain stops at a name to resolve again, or at a name already
 *   followed (a loop, also across steps), it is NOERROR instead;
 * - additional and NS records of the reply are not copied;
 * - DNSSEC: RRSIGs covering kept RRsets are kept (with the SOA's TTL
 *   for the SOA's), a DNAME in bailiwick above a kept CNAME is kept,
 *   and NSEC/NSEC3 records in bailiwick are kept with a kept negative
 *   SOA (those at or below it) or with a wildcard-expanded answer (at
 *   or below the signer); records of several entries with one owner and
 *   type become one RRset with the lowest TTL (RFC 2181 section 5.2).
 *
 * \retval 0, ZG_ENOMEM, ZG_EMALF (the reply contradicts itself: two
 *         CNAMEs at one name, or a CNAME beside data of qtype).
 */
int forward_import_reply(const knot_pkt_t *reply, const knot_dname_t *qname,
			 uint16_t qtype, const knot_dname_t *bailiwick,
			 forward_reenter_fn reenter, void *reenter_arg,
			 const struct wire_source *src, struct wire_answer *ans,
			 struct forward_import_result *result);

#endif
