/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of the forward module share: the context, one query in
 * flight, the UDP socket pools and the TCP connections. Not public. */
#ifndef ZONEGATE_FORWARD_INTERNAL_H
#define ZONEGATE_FORWARD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"
#include "common/loop.h"
#include "forward/forward.h"

/* Defaults of forward_request when a timeout is left 0 (resolution.md
 * section 5). */
#define FWD_TRY_TIMEOUT_MS 800
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

/* Largest query we send: header, name, question, OPT. */
#define FWD_QUERY_MAX (KNOT_WIRE_HEADER_SIZE + KNOT_DNAME_MAXLEN + 4 + 11)

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
struct forward_query;

/* One UDP try waiting for its reply on a socket. Embedded in a query. */
struct fwd_try {
	struct fwd_sock *sock;		/* NULL when not waiting */
	struct fwd_try *prev;		/* in sock->tries */
	struct fwd_try *next;
	uint16_t msg_id;		/* DNS ID of the try */
	struct forward_query *q;
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

/* A TCP exchange with one target, after a truncated UDP reply. */
struct fwd_tcp;

enum fwd_phase {
	FWD_PHASE_UDP,		/* a UDP try is waiting */
	FWD_PHASE_TCP,		/* a TCP exchange is running */
	FWD_PHASE_DEFERRED,	/* ended inside forward_start; reported by
				 * a zero delay timer */
	FWD_PHASE_CALLBACK,	/* the callback is running */
};

struct forward_query {
	struct forward_ctx *ctx;
	struct forward_query *prev;	/* in ctx->queries */
	struct forward_query *next;

	struct forward_request req;	/* qname and owner_id point below */
	uint8_t qname[KNOT_DNAME_MAXLEN];
	char owner_id[64];
	forward_done_cb cb;
	void *cb_arg;

	enum fwd_phase phase;
	bool starting;			/* inside forward_start() */
	enum forward_status deferred_status;
	size_t target_idx;		/* target being asked */
	bool edns;			/* this target is asked with EDNS */
	unsigned source_base;		/* spreads sources over queries */
	unsigned attempts;		/* tries sent, for source rotation */
	struct zg_addr source;		/* source of the current try */

	struct fwd_try try;
	struct fwd_tcp *tcp;
	struct loop_timer try_timer;	/* one try (UDP or TCP) */
	struct loop_timer total_timer;	/* the whole exchange */
	uint16_t msg_id;		/* ID of the current try */
	uint8_t wire[FWD_QUERY_MAX];	/* the current try's message */
	size_t wire_len;
};

struct forward_ctx {
	struct loop *loop;
	struct fwd_pool *pools;
	struct forward_query *queries;	/* in flight */
	struct fwd_grave *graveyard;
	struct loop_timer reaper;	/* frees the graveyard */
	struct loop_timer sweeper;	/* closes idle sockets */
	unsigned next_source;
	uint64_t socket_warned_ms;	/* loop time of the last warning */
	bool socket_warned;		/* a warning was ever written */
	uint8_t random[256];		/* getrandom() output not used yet */
	size_t random_left;
	uint8_t rx[KNOT_WIRE_MAX_PKTSIZE]; /* one UDP datagram */
};

/* --- forward.c: the exchange state machine --- */

/*! A datagram with q's current ID arrived on q's socket from from. */
void fwd_query_udp_reply(struct forward_query *q, const struct zg_addr *from,
			 const uint8_t *wire, size_t len);

/*! The TCP exchange of q ended: reply (NULL on failure) with reason for
 *  the log when it failed. */
void fwd_query_tcp_done(struct forward_query *q, const uint8_t *wire,
			size_t len, const char *failure);

/*! Puts an io-owning object in the graveyard. */
void fwd_bury(struct forward_ctx *ctx, struct fwd_grave *grave);

/*! Fills buf with n bytes from getrandom(). \retval 0 or -errno. */
int fwd_random(struct forward_ctx *ctx, void *buf, size_t n);

/* --- pool.c: UDP sockets --- */

/*!
 * Sends q->wire to the current target from a random socket of source,
 * with an ID unique on that socket (written into q->wire), and attaches
 * q->try to it. \retval 0 or a negative error.
 */
int fwd_pool_send(struct forward_ctx *ctx, const struct zg_addr *source,
		  struct forward_query *q, const struct zg_addr *target);

/*! Detaches a try from its socket; harmless when not attached. */
void fwd_try_detach(struct fwd_try *t);

/*! Closes idle sockets and empty pools. */
void fwd_pool_sweep(struct forward_ctx *ctx, bool everything);

/*! Non-blocking, close-on-exec socket of addr's family, with FREEBIND
 *  and (IPv6) V6ONLY set, so that sources the host does not hold yet can
 *  be bound. \retval fd or -errno. */
int fwd_socket(const struct zg_addr *addr, int type);

/* --- msg.c: the messages of an exchange --- */

/* What to do with a message that came back. */
enum fwd_verdict {
	FWD_IGNORE,	/* not the reply to this try: keep waiting */
	FWD_ACCEPT,	/* a final NOERROR or NXDOMAIN answer */
	FWD_NO_EDNS,	/* FORMERR to EDNS: same target without it */
	FWD_USE_TCP,	/* truncated: same target over TCP */
	FWD_NEXT,	/* this target failed: next one */
};

/*! Writes the query for q's request into q->wire with ID 0 (set when a
 *  socket is chosen), with or without EDNS. */
void fwd_msg_build(struct forward_query *q, bool edns);

/*! Sets the ID of the message in q->wire and q->msg_id. */
void fwd_msg_set_id(struct forward_query *q, uint16_t msg_id);

/*!
 * Judges a message from the current target (its address was checked).
 * Parses pkt (over the received wire) when it is the reply.
 * \param why  on FWD_NEXT, the reason for the log.
 */
enum fwd_verdict fwd_msg_judge(const struct forward_query *q, knot_pkt_t *pkt,
			       bool tcp, char *why, size_t why_len);

/* --- tcp.c --- */

/*!
 * Starts sending q->wire over TCP to target from source (unspecified:
 * the kernel chooses). Completion is reported by fwd_query_tcp_done()
 * from the loop, never from inside this call.
 * \retval 0 or a negative error (then nothing was started).
 */
int fwd_tcp_start(struct forward_query *q, const struct zg_addr *source,
		  const struct zg_addr *target);

/*! Stops a TCP exchange and buries it. Accepts NULL. */
void fwd_tcp_release(struct forward_ctx *ctx, struct fwd_tcp *tcp);

#endif
