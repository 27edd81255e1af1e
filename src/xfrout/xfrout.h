/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone transfers out: AXFR (RFC 5936) and IXFR (RFC 1995) of private
 * zones to allowed secondaries, NOTIFY out (RFC 1996), and the
 * server-side TSIG checks (RFC 8945) that transfers and dynamic updates
 * share. */
#ifndef ZONEGATE_XFROUT_XFROUT_H
#define ZONEGATE_XFROUT_XFROUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

struct store;
struct store_journal_entry;
struct store_strv;
struct zg_addr;
struct resolve_stream;
struct resolve_service_msg;

/* Limits of the transfer service. */
#define XFROUT_THREADS 4		/* transfers sent at once */
#define XFROUT_MAX_QUEUED 32		/* requests waiting for a thread */
#define XFROUT_MSG_MAX 32768		/* bytes per transfer message */
#define XFROUT_NOTIFY_TRIES 5		/* sends per NOTIFY target */
#define XFROUT_NOTIFY_FIRST_MS 1000	/* wait after the first send;
					 * doubles after each */
#define XFROUT_NOTIFY_HOLD_MS 1000	/* least time between the starts
					 * of two NOTIFY rounds to one
					 * target; changes meanwhile
					 * share the next round */
#define XFROUT_TSIG_DIGEST_MAX 64	/* HMAC-SHA512 */

/*
 * TSIG (RFC 8945), server side
 * ----------------------------
 * A request's TSIG is checked once; the result keeps what signing the
 * answer needs (the key, the request MAC, then each message's digest),
 * so every message of a multi-message answer is signed in turn
 * (section 5.3.1).
 */

enum xfrout_tsig_status {
	XFROUT_TSIG_NONE = 0,	/* the request is not signed */
	XFROUT_TSIG_OK,		/* signed, and the signature is valid */
	XFROUT_TSIG_BADKEY,	/* no key of that name and algorithm */
	XFROUT_TSIG_BADSIG,	/* the MAC does not match */
	XFROUT_TSIG_BADTIME,	/* outside the time window (fudge) */
	XFROUT_TSIG_FORMERR,	/* the TSIG RR itself is malformed */
};

struct xfrout_tsig {
	enum xfrout_tsig_status status;
	knot_tsig_key_t key;		/* set for OK and BADTIME; owned */
	knot_dname_t key_name[KNOT_DNAME_MAXLEN]; /* as signed, lower case */
	uint8_t digest[XFROUT_TSIG_DIGEST_MAX];	/* request MAC, then the
						 * last message's */
	size_t digest_len;
	uint64_t time_signed;		/* of the request */
	size_t signed_count;		/* answer messages signed so far */
};

/*!
 * Finds the TSIG key named name (wire, any case) in the store and makes
 * it usable for signing: out is initialised (free with
 * knot_tsig_key_deinit()). Opens its own read transaction.
 * \retval 0, ZG_ENOENT (no such key, or an algorithm or secret that does
 *         not load), ZG_ESTORE, ZG_ENOMEM.
 */
int xfrout_key_find(struct store *store, const knot_dname_t *name,
		    knot_tsig_key_t *out);

/*!
 * Checks the TSIG of a parsed request against the keys of store. Always
 * fills out (clear it with xfrout_tsig_clear()); out->status says the
 * result. Any thread. \retval 0 or ZG_ESTORE / ZG_ENOMEM.
 */
int xfrout_tsig_check(struct store *store, const knot_pkt_t *query,
		      struct xfrout_tsig *out);

void xfrout_tsig_clear(struct xfrout_tsig *t);

/*! Bytes to reserve in each answer message for the TSIG RR. */
size_t xfrout_tsig_reserve(const struct xfrout_tsig *t);

/*!
 * Signs the next answer message in place (the first with the request
 * MAC, later ones as continuation messages) when t->status is OK; does
 * nothing otherwise. wire must have room for xfrout_tsig_reserve().
 * \retval 0 or ZG_EINVAL (no room, or libknot refused).
 */
int xfrout_tsig_sign(struct xfrout_tsig *t, uint8_t *wire, size_t *len,
		     size_t max_len);

/*!
 * Renders the answer to a request whose TSIG failed (section 5.2):
 * NOTAUTH with the TSIG error BADKEY, BADSIG or BADTIME in an unsigned
 * TSIG RR (BADTIME signed, with the server's time), or FORMERR.
 * \retval 0 or a libknot error.
 */
int xfrout_tsig_error(const knot_pkt_t *query, struct xfrout_tsig *t,
		      knot_pkt_t *resp);

/*!
 * Answers query on st in one message and ends the reply: rcode, an
 * Extended DNS Error (ede and text; WIRE_EDE_NONE for none), RA clear,
 * signed with the request's key when its TSIG verified (t). A message
 * that cannot be made (query NULL, no memory) ends the reply unanswered.
 * For the services that answer from their own threads: transfers out
 * and dynamic updates.
 */
void xfrout_send_error(struct resolve_stream *st, const knot_pkt_t *query,
		       struct xfrout_tsig *t, uint16_t rcode, uint16_t ede,
		       const char *text);

/*! Answers a request whose TSIG failed (xfrout_tsig_error()) on st and
 *  ends the reply. */
void xfrout_send_tsig_error(struct resolve_stream *st,
			    const knot_pkt_t *query, struct xfrout_tsig *t);

/*
 * IXFR from the journal
 * ---------------------
 * The journal (store_journal_read()) lists, between two versions of a
 * zone, the records that came and went, each version closing with its
 * SOA and apex NS. An IXFR answer may condense all of it into one
 * difference (RFC 1995 section 4 allows it): what the older version had
 * and the newer lacks, and the other way round.
 */

/* One RR of a difference, pointing into the journal entries. */
struct xfrout_diff_rr {
	const char *owner;	/* "@" or relative to the apex */
	const char *type;	/* upper-case mnemonic */
	uint32_t ttl;
	const char *value;	/* canonical presentation */
};

struct xfrout_diff {
	const struct store_journal_entry *old_soa;	/* version from */
	const struct store_journal_entry *new_soa;	/* version to */
	struct xfrout_diff_rr *del;	/* in journal order */
	size_t n_del;
	struct xfrout_diff_rr *add;
	size_t n_add;
};

/*!
 * Condenses journal entries (as store_journal_read() returns them) into
 * one difference: an RR (owner, type, TTL, value; owners compared
 * ignoring case) whose first entry is a deletion existed in the older
 * version, one whose last entry is an addition exists in the newer;
 * an RR both deleted and added again cancels out. Apex NS changes come
 * from the two versions' "ns" entries. The diff points into entries,
 * which must outlive it.
 * \retval 0, ZG_EINVAL (entries do not start and end with a version),
 *         ZG_ENOMEM.
 */
int xfrout_diff_compute(const struct store_journal_entry *entries, size_t n,
			struct xfrout_diff *out);

void xfrout_diff_clear(struct xfrout_diff *d);

/*
 * The service
 * -----------
 * Requests come from the query path (resolve_set_service) through the
 * daemon, which hands each a reply stream. A bounded queue feeds
 * XFROUT_THREADS transfer threads, so a transfer never runs on a DNS
 * worker; a full queue is answered REFUSED at once. A transfer reads the
 * zone as published (RCU), renders it into messages, then signs and
 * streams them. A separate thread sends NOTIFYs.
 */
struct xfrout;

/*! Starts the transfer and NOTIFY threads. NULL on failure (logged). */
struct xfrout *xfrout_new(struct store *store);

/*! Stops the threads; requests still queued are ended without an
 *  answer. Accepts NULL. */
void xfrout_free(struct xfrout *x);

/*!
 * Takes an AXFR or IXFR request; msg is copied. reply is the service's
 * until it is ended or sent its last message. Worker thread (never
 * blocks). \retval 0 (reply taken) or ZG_ENOMEM (reply untouched).
 */
int xfrout_request(struct xfrout *x, const struct resolve_service_msg *msg,
		   struct resolve_stream *reply);

/*!
 * A config_zone_hook: the zone now serves serial. Queues NOTIFYs to the
 * zone's notify targets. The first change after a quiet spell is sent
 * at once; changes that come while a round to a target is being sent,
 * or within XFROUT_NOTIFY_HOLD_MS of its start, share one next round,
 * which carries the newest SOA. Never blocks on the network.
 */
void xfrout_zone_published(void *x, const char *zone_id, uint32_t serial);

/*!
 * The address a zone's NOTIFYs to a target of family (AF_INET or
 * AF_INET6) leave from, port 0: notify_source (the transfer settings'
 * bare address, "" for none) when it is of that family; else the first
 * of sources (store_transfer_sources(): the listeners of the inbound
 * endpoints of the zone's VPCs and the VPCs' own listeners) of that
 * family; else the first address of fallback (the daemon's listen
 * addresses) of that family that is not unspecified. A secondary takes
 * NOTIFYs from the addresses it transfers from (RFC 1996 section 3.10),
 * hence listeners. Pure.
 * \retval true with out set; false when there is none (the kernel then
 *         picks the source).
 */
bool xfrout_notify_source(const char *notify_source,
			  const struct store_strv *sources,
			  const struct zg_addr *fallback, size_t n_fallback,
			  int family, struct zg_addr *out);

/*! RFC 1982 comparison: <0, 0 or >0 when a is older, equal to or newer
 *  than b; 0 also for the undefined distance 2^31 (section 3.2). */
int xfrout_serial_compare(uint32_t a, uint32_t b);

#endif
