/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of the forward module share: the context, one query in
 * flight with its tries, the UDP socket pools and the TCP connections.
 * Not public. */
#ifndef ZONEGATE_FORWARD_INTERNAL_H
#define ZONEGATE_FORWARD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/loop.h"
#include "forward/forward.h"
#include "health/health.h"

/* Whole exchange when total_timeout_ms is left 0 (resolution.md 5). */
#define FWD_TOTAL_TIMEOUT_MS 6000

/* Sockets kept open per source address; each try takes one at random. */
#define FWD_POOL_SOCKETS 8
/* Tries sent through one socket before it is replaced by one on a new
 * random port, so that a port stays guessable only briefly. */
#define FWD_SOCKET_USES 32
/* Idle sockets and empty pools are closed after this long, so that
 * sources removed from the configuration do not keep ports open. */
#define FWD_IDLE_MS 60000
#define FWD_SWEEP_MS 30000
/* Socket failures are the host's state, not one query's: warned about
 * at most this often per worker. */
#define FWD_WARN_INTERVAL_MS 60000

/* Tries one target gets in one exchange: the first, and one more with
 * twice the timeout once every other target was asked (a lost datagram
 * on a VPN must not fail the query). */
#define FWD_TRIES_PER_TARGET 2
/* Tries one exchange may have open at once. */
#define FWD_MAX_OPEN_TRIES 12
/* A try whose timeout passed keeps listening this much longer after
 * its exchange ended, so that a slow target's late reply still teaches
 * the health table its RTT. */
#define FWD_LINGER_MS 2000
/* Lingering tries kept per worker at most. */
#define FWD_MAX_ORPHANS 4096
/* Referrals followed in one exchange with authoritative targets. */
#define FWD_MAX_REFERRALS 8
/* Targets of one level: a rule's, or the glue of a referral. */
#define FWD_MAX_LEVEL_TARGETS HEALTH_MAX_TARGETS
/* How often each worker looks for due probes of down targets. */
#define FWD_PROBE_TICK_MS 500
/* Probes one worker starts per tick at most. */
#define FWD_PROBES_PER_TICK 8

/* Persistent TCP (RFC 7766): a connection per target and source, closed
 * after this long without queries; queries pipelined on it at most. */
#define FWD_TCP_IDLE_MS 10000
#define FWD_TCP_MAX_PENDING 64

/* EDNS COOKIE option (RFC 7873 section 4). */
#define FWD_EDNS_OPT_COOKIE 10
#define FWD_RCODE_BADCOOKIE 23

/* Largest query we send: header, name, question, OPT with a cookie. */
#define FWD_QUERY_MAX (KNOT_WIRE_HEADER_SIZE + KNOT_DNAME_MAXLEN + 4 + 11 + \
		       4 + HEALTH_CLIENT_COOKIE_LEN + HEALTH_SERVER_COOKIE_MAX)

/*
 * Objects that own a loop_io are freed only after the loop has finished
 * dispatching the events it already fetched: an event for them may still
 * sit in the loop's current batch (common/loop.c checks io->added, which
 * needs the memory). They wait in the context's graveyard until a zero
 * delay timer, which runs after the batch, frees them.
 */
struct fwd_grave {
	struct fwd_grave *next;
	void (*destroy)(struct fwd_grave *grave);
};

struct fwd_sock;
struct fwd_conn;
struct forward_query;

enum fwd_transport {
	FWD_UDP = 0,
	FWD_TCP,
};

/*
 * One message sent to one target, waiting for its reply on a UDP socket
 * or a TCP connection. Owned by its query (q->tries) or, once the query
 * ended, by the context's orphan list until it is answered or its
 * linger time passes.
 */
struct fwd_try {
	struct forward_ctx *ctx;
	struct forward_query *q;	/* NULL once orphaned */
	struct fwd_try *qprev;		/* in q->tries or ctx->orphans */
	struct fwd_try *qnext;
	size_t target_idx;		/* in q->targets */
	struct health_key key;		/* of the target, for orphans */
	bool probe;			/* health is told through the probe */

	enum fwd_transport transport;
	struct fwd_sock *sock;		/* UDP: NULL when not waiting */
	struct fwd_conn *conn;		/* TCP: NULL when not waiting */
	struct fwd_try *prev;		/* in sock->tries or conn->pending */
	struct fwd_try *next;

	struct zg_addr source;		/* port 0; unspecified: any */
	struct zg_addr target;
	uint16_t msg_id;
	uint64_t sent_us;		/* monotonic, for the RTT */
	bool rtt_usable;		/* a sample from it is unambiguous */
	bool expired;			/* its timeout passed (failure counted) */
	struct loop_timer timer;	/* timeout, then end of lingering */

	/* What was sent, to check the reply against. */
	bool edns;
	bool case_random;		/* qname below has 0x20 case */
	bool cookie;			/* a COOKIE option went out */
	bool server_cookie_sent;	/* ...with a server cookie in it */
	uint8_t client_cookie[HEALTH_CLIENT_COOKIE_LEN];
	uint8_t qname[KNOT_DNAME_MAXLEN];
	uint16_t qtype;			/* checked in an orphan's reply */
	uint8_t wire[FWD_QUERY_MAX];
	size_t wire_len;
};

/* A UDP socket bound to a source address and a random port. */
struct fwd_sock {
	struct fwd_grave grave;		/* first: used once released */
	struct loop_io io;
	struct fwd_pool *pool;
	struct fwd_sock *prev;		/* in pool->socks */
	struct fwd_sock *next;
	struct fwd_try *tries;		/* tries waiting for a reply */
	unsigned inflight;		/* number of tries */
	unsigned uses;			/* tries ever sent */
	uint64_t last_used_ms;		/* loop time of the last send */
	int slot;			/* index in pool->active, -1 if retired */
	uint16_t port;			/* bound port, host order */
};

/* The sockets of one source address (or the unspecified address of a
 * family when the kernel chooses the source). */
struct fwd_pool {
	struct forward_ctx *ctx;
	struct fwd_pool *next;		/* in ctx->pools */
	struct zg_addr source;		/* port 0 */
	struct fwd_sock *active[FWD_POOL_SOCKETS]; /* new tries go here */
	struct fwd_sock *socks;		/* every open socket, retired too */
};

/* One target of the level being asked: the request's targets, or the
 * glue of the last referral followed. */
struct fwd_target {
	struct zg_addr addr;
	struct health_key key;
	uint32_t timeout_ms;		/* first try; later ones double */
	unsigned tries;			/* tries sent in this exchange */
	bool done;			/* failed for this exchange */
	bool no_edns;			/* answered FORMERR to EDNS */
	bool tcp;			/* truncated reply seen, or TCP only */
	bool no_case;			/* 0x20 off for it */
	bool cookie_retried;		/* BADCOOKIE retried once */
	bool tcp_retried;		/* a reused connection closed: once */
	unsigned waiting;		/* open tries within their timeout */
};

enum fwd_phase {
	FWD_PHASE_RUNNING,	/* tries are open or about to be */
	FWD_PHASE_DEFERRED,	/* ended inside forward_start; reported by
				 * a zero delay timer */
	FWD_PHASE_CALLBACK,	/* the callback is running */
};

struct forward_query {
	struct forward_ctx *ctx;
	struct forward_query *prev;	/* in ctx->queries */
	struct forward_query *next;

	/* The request; its pointers point into the buffers below. */
	struct forward_request req;
	uint8_t qname[KNOT_DNAME_MAXLEN];
	uint8_t zone[KNOT_DNAME_MAXLEN];	/* root when not given */
	char owner_id[64];
	char path_id[HEALTH_PATH_LEN];
	forward_done_cb cb;
	void *cb_arg;
	bool probe;			/* a health probe (probe.c) */

	enum fwd_phase phase;
	bool starting;			/* inside forward_start() */
	enum forward_status deferred_status;
	struct loop_timer defer_timer;
	struct loop_timer total_timer;

	/* The level being asked. */
	struct fwd_target targets[FWD_MAX_LEVEL_TARGETS];
	size_t n_targets;
	size_t order[FWD_MAX_LEVEL_TARGETS];	/* targets by preference */
	size_t n_order;
	uint8_t cut[KNOT_DNAME_MAXLEN];	/* zone of a followed referral */
	bool has_cut;
	unsigned referrals;

	struct fwd_try *tries;		/* open tries */
	unsigned n_open;
	unsigned source_base;		/* spreads sources over queries */
	unsigned attempts;		/* tries sent, for source rotation */
	size_t answered_by;		/* target of the accepted reply */
	uint32_t probe_rtt_us;		/* probe: RTT of the reply, 0: none */
};

struct forward_ctx {
	struct loop *loop;
	struct fwd_pool *pools;
	struct fwd_conn *conns;		/* TCP connections */
	struct forward_query *queries;	/* in flight */
	struct fwd_try *orphans;	/* lingering tries of ended queries */
	unsigned n_orphans;
	struct fwd_grave *graveyard;
	struct loop_timer reaper;	/* frees the graveyard */
	struct loop_timer sweeper;	/* closes idle sockets */
	struct loop_timer prober;	/* starts probes of down targets */
	unsigned next_source;
	uint64_t socket_warned_ms;	/* loop time of the last warning */
	bool socket_warned;		/* a warning was ever written */
	uint8_t random[256];		/* getrandom() output not used yet */
	size_t random_left;
	uint8_t rx[KNOT_WIRE_MAX_PKTSIZE]; /* one UDP datagram */
};

/* --- forward.c: the exchange state machine --- */

/*! A reply with t's ID came from `from` over UDP, or over t's TCP
 *  connection (from NULL). t may be orphaned. */
void fwd_try_reply(struct fwd_try *t, const struct zg_addr *from,
		   const uint8_t *wire, size_t len);

/*! t's TCP connection failed before its reply: why for the log;
 *  reused says the connection had answered before (so the target
 *  closed an idle connection, and one retry on a new one is due, RFC
 *  7766 section 6.2.1). t is detached already. */
void fwd_try_tcp_failed(struct fwd_try *t, const char *why, bool reused);

/*! Puts an io-owning object in the graveyard. */
void fwd_bury(struct forward_ctx *ctx, struct fwd_grave *grave);

/*! Fills buf with n bytes from getrandom(). \retval 0 or -errno. */
int fwd_random(struct forward_ctx *ctx, void *buf, size_t n);

/*! Monotonic microseconds. */
uint64_t fwd_clock_us(void);

/*! Starts an exchange (forward_start() without the public checks);
 *  probe marks a health probe. */
struct forward_query *fwd_query_start(struct forward_ctx *ctx,
				      const struct forward_request *req,
				      bool probe, forward_done_cb cb,
				      void *arg);

/* --- pool.c: UDP sockets --- */

/*!
 * Sends t->wire to t->target from a random socket of t->source, with an
 * ID unique on that socket (written into t->wire), and attaches t to it.
 * \retval 0 or a negative error.
 */
int fwd_pool_send(struct forward_ctx *ctx, struct fwd_try *t);

/*! Detaches a UDP try from its socket; harmless when not attached. */
void fwd_udp_detach(struct fwd_try *t);

/*! Closes idle sockets and empty pools. */
void fwd_pool_sweep(struct forward_ctx *ctx, bool everything);

/*! Non-blocking, close-on-exec socket of addr's family, with FREEBIND
 *  and (IPv6) V6ONLY set, so that sources the host does not hold yet can
 *  be bound. \retval fd or -errno. */
int fwd_socket(const struct zg_addr *addr, int type);

/* --- tcp.c: persistent, pipelined connections --- */

/*!
 * Queues t->wire on the connection to t->target from t->source (opened
 * when there is none with room), with an ID unique on it, and attaches
 * t. Replies and failures come through fwd_try_reply() and
 * fwd_try_tcp_failed() from the loop, never from inside this call.
 * \param reused  set when the connection was open already.
 * \retval 0 or a negative error (then nothing was queued).
 */
int fwd_tcp_send(struct forward_ctx *ctx, struct fwd_try *t, bool *reused);

/*! Detaches a TCP try from its connection; harmless when not attached.
 *  A reply for it that arrives later is dropped. */
void fwd_tcp_detach(struct fwd_try *t);

/*! Closes every connection (context teardown); their tries are
 *  detached without a report. */
void fwd_tcp_close_all(struct forward_ctx *ctx);

/* --- msg.c: the messages of an exchange --- */

/* What to do with a message that came back. */
enum fwd_verdict {
	FWD_IGNORE,	/* not the reply to this try: keep waiting */
	FWD_ACCEPT,	/* a final NOERROR or NXDOMAIN answer */
	FWD_NO_EDNS,	/* FORMERR to EDNS: same target without it */
	FWD_USE_TCP,	/* truncated: same target over TCP */
	FWD_BADCOOKIE,	/* BADCOOKIE with our client cookie: once more */
	FWD_CASE,	/* the question came back in other case (0x20) */
	FWD_REFERRAL,	/* authoritative target referred us on */
	FWD_NEXT,	/* this target failed: next one */
};

/* What a reply's COOKIE option said. */
struct fwd_cookie_seen {
	uint8_t server[HEALTH_SERVER_COOKIE_MAX];
	size_t server_len;		/* 0: none */
	bool missing;			/* sent one, got none back */
};

/*! Writes the query of t (to its target, for q's request) into t->wire
 *  with ID 0: RD unless the targets are authoritative, CD copied, the
 *  name in t->qname's case, and with t->edns an OPT (payload 1232, DO
 *  copied) with t's cookie when t->cookie. */
void fwd_msg_build(const struct forward_query *q, struct fwd_try *t,
		   const uint8_t server_cookie[], size_t server_cookie_len);

/*! Sets the ID of the message in t->wire and t->msg_id. */
void fwd_msg_set_id(struct fwd_try *t, uint16_t msg_id);

/*!
 * Judges a message from t's target (its address was checked). Parses
 * pkt (over the received wire) when it is the reply.
 * \param why     on FWD_NEXT, the reason for the log.
 * \param cookie  what the COOKIE option said (filled unless FWD_IGNORE
 *                for a message that is not the reply).
 */
enum fwd_verdict fwd_msg_judge(const struct forward_query *q,
			       const struct fwd_try *t, knot_pkt_t *pkt,
			       struct fwd_cookie_seen *cookie, char *why,
			       size_t why_len);

/* --- referral.c: authoritative targets --- */

/* The servers a referral points at. */
struct fwd_referral {
	uint8_t cut[KNOT_DNAME_MAXLEN];	/* owner of the NS RRset */
	struct zg_addr servers[FWD_MAX_LEVEL_TARGETS]; /* glue, port 53 */
	size_t n_servers;
};

/*!
 * Reads a referral (NOERROR, no answer, NS in authority) for q: the NS
 * owner must lie at or below the request's zone, below the zone of the
 * referral followed last, and above or at the question name; its
 * servers are the A and AAAA records of the additional section for the
 * NS names (port 53).
 * \retval 0, ZG_EREFUSED (upward or sideways: the target is lame),
 *         ZG_ENOENT (no glue: the servers' addresses are unknown).
 */
int fwd_referral_read(const struct forward_query *q, const knot_pkt_t *pkt,
		      struct fwd_referral *out);

/* --- probe.c: active probes of down targets --- */

/*! Starts the probe timer of a new context. */
void fwd_probe_init(struct forward_ctx *ctx);

#endif
