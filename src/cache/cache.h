/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every worker shares about forwarded questions: answers (RFC 2308),
 * resolution failures (RFC 9520), stale data (RFC 8767), the questions in
 * flight, and rules quarantined after a forwarding loop. */
#ifndef ZONEGATE_CACHE_CACHE_H
#define ZONEGATE_CACHE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "common/addr.h"

struct loop;
struct wire_answer;

/*
 * Model
 * -----
 * An entry belongs to what produced it: a rule or a default upstream
 * (its id) asked through one set of targets and source addresses, for
 * one name, type and the client's DO and CD bits. It never belongs to a
 * VPC: each VPC's answer is assembled from the entries its own bindings
 * lead to (shared/resolution.md section 4), so a binding change is right
 * at once and no VPC is served what another VPC's rule produced.
 *
 * An entry is what forward_import_reply() kept from a reply: the RRsets
 * in bailiwick with their TTLs, the RCODE and the negative SOA, kept as a
 * DNS message. Serving it means parsing that message with its TTLs
 * counted down and importing it again for the asking VPC, so cached and
 * fresh answers take the same CNAME re-entry.
 *
 * The table is split into CACHE_SHARDS shards, each with its own mutex
 * held only for a look-up or a change of one slot. An insert into a busy
 * shard is skipped rather than waited for (the answer is still served,
 * only not kept). Each shard has an equal part of the memory cap and
 * evicts with CLOCK: an entry read since the hand last passed gets one
 * more round.
 *
 * Every function is thread-safe unless it says otherwise. Times are
 * monotonic milliseconds (loop_now_ms()).
 */

#define CACHE_SHARDS 64
#define CACHE_ID_LEN 48			/* "rule-7", "upstream-vpc-3" + NUL */
#define CACHE_MAX_TARGETS 6

/* Defaults of shared/resolution.md section 5. */
#define CACHE_DEFAULT_MAX_BYTES (64u * 1024 * 1024)
#define CACHE_DEFAULT_MAX_TTL 86400u
#define CACHE_DEFAULT_MAX_NEG_TTL 3600u
#define CACHE_STALE_TTL 30u		/* TTL of a stale answer (RFC 8767) */
#define CACHE_STALE_WAIT_MS 1800u	/* stale served after this long */
#define CACHE_DEFAULT_MAX_STALE_S 86400u
#define CACHE_FAIL_FIRST_MS 1000u	/* failure cache, RFC 9520 */
#define CACHE_FAIL_MAX_MS 30000u
/* A failure this long after the last one ended starts again at
 * CACHE_FAIL_FIRST_MS: the name is not "still failing". */
#define CACHE_FAIL_FORGET_MS 60000u
/* Quarantine of a rule after a forwarding loop: doubling up to max
 * while the loop is found again within forget after the last ended. */
#define CACHE_QUARANTINE_FIRST_MS 30000u
#define CACHE_QUARANTINE_MAX_MS 480000u
#define CACHE_QUARANTINE_FORGET_MS 600000u

/* TTL limits; set once at cache_new(). */
struct cache_limits {
	size_t max_bytes;		/* memory for entries, all shards */
	uint32_t max_ttl;		/* positive data, seconds */
	uint32_t max_neg_ttl;		/* negative answers (the SOA) */
	uint32_t min_ttl;		/* floors; 0: none */
	uint32_t min_neg_ttl;
};

/*! Fills limits with the defaults above (no floors). */
void cache_limits_default(struct cache_limits *limits);

struct cache;

/*! NULL on ENOMEM. limits NULL: the defaults. */
struct cache *cache_new(const struct cache_limits *limits);

/*! Frees every entry, flight and quarantine record. No other thread may
 *  use the cache any more, and no query may still wait on a flight.
 *  Accepts NULL. */
void cache_free(struct cache *cache);

/* What an entry and a flight are found by. Fill with cache_key_init(). */
struct cache_key {
	char producer_id[CACHE_ID_LEN];	/* rule_id or upstream id */
	uint64_t route;			/* targets and sources, hashed */
	uint8_t name[KNOT_DNAME_MAXLEN];	/* wire, lower case */
	uint16_t qtype;
	bool do_bit;
	bool cd_bit;
};

/*!
 * Builds a key. The producer's targets and source addresses go into
 * route, so that a rule whose targets or endpoint change stops using
 * what its old targets said (old entries age out or are flushed by
 * producer). name may be in any case.
 */
void cache_key_init(struct cache_key *key, const char *producer_id,
		    const struct zg_addr *targets, size_t n_targets,
		    const struct zg_addr *sources, size_t n_sources,
		    const knot_dname_t *name, uint16_t qtype, bool do_bit,
		    bool cd_bit);

/*!
 * Folds into key's route an option of the producer that changes what its
 * targets answer (a rule whose targets are authoritative is asked with
 * RD=0 and its referrals are followed): an entry made under one setting
 * is not used under the other. Options that change only how the targets
 * are reached (TCP, cookies, 0x20, hedging, timeouts) stay out of the
 * key. Call after cache_key_init().
 */
void cache_key_set_authoritative(struct cache_key *key, bool authoritative);

/*
 * Entries
 */

/* An answer as kept: immutable, reference counted, any thread. */
struct cache_entry;

/*!
 * Builds an entry from ans, the answer forward_import_reply() produced
 * for key from one reply (into an answer that was empty before). TTLs
 * are bounded: data by min_ttl..max_ttl, the authority section of a
 * negative answer (an SOA is there) by min_neg_ttl..max_neg_ttl. The
 * entry's lifetime is the lowest TTL kept; 0 when there is no record
 * (a negative answer without SOA is not cached, RFC 2308 section 5).
 * The caller holds the one reference.
 * \return the entry, or NULL (ENOMEM, or the answer does not fit one
 *         message).
 */
struct cache_entry *cache_entry_new(const struct cache *cache,
				    const struct cache_key *key,
				    const struct wire_answer *ans,
				    uint64_t now_ms);

void cache_entry_ref(struct cache_entry *entry);
/*! Drops a reference; the last one frees. Accepts NULL. */
void cache_entry_unref(struct cache_entry *entry);

/*! Seconds the entry stays fresh from when it was built. */
uint32_t cache_entry_ttl(const struct cache_entry *entry);
/*! The RCODE kept (NOERROR or NXDOMAIN). */
uint8_t cache_entry_rcode(const struct cache_entry *entry);
/*! True while now_ms is within the entry's TTL. */
bool cache_entry_fresh(const struct cache_entry *entry, uint64_t now_ms);

/*!
 * The entry as a parsed reply to import with forward_import_reply():
 * every TTL is the kept one minus the whole seconds since the entry was
 * built (RFC 1035 section 6.2 via RFC 2308 section 5), or
 * CACHE_STALE_TTL when stale is true (RFC 8767 section 4).
 * \param out  receives a packet the caller frees with knot_pkt_free().
 * \retval 0, ZG_ENOMEM, ZG_EMALF (the kept message does not parse:
 *         a bug).
 */
int cache_entry_packet(const struct cache_entry *entry, uint64_t now_ms,
		       bool stale, knot_pkt_t **out);

/*
 * The table
 */

/*!
 * Keeps entry for its key, replacing what was there (a failure record
 * included: the name answers again). A reference is taken. Nothing is
 * kept when the TTL is 0, the entry is bigger than a shard's part of the
 * memory cap, or the shard is busy (pthread_mutex_trylock; counted as
 * skipped). Older entries are evicted to make room.
 * \param max_stale_s  how long past its TTL the entry stays to be served
 *                     stale (0: dropped when it expires).
 * \retval true when kept.
 */
bool cache_insert(struct cache *cache, struct cache_entry *entry,
		  uint32_t max_stale_s, uint64_t now_ms);

enum cache_state {
	CACHE_MISS = 0,		/* nothing usable */
	CACHE_FRESH,		/* entry within its TTL */
	CACHE_STALE,		/* entry expired, still kept for serve-stale */
};

struct cache_lookup {
	enum cache_state state;
	struct cache_entry *entry;	/* FRESH, STALE: a reference the
					 * caller drops; else NULL */
	bool failed;			/* a failure is cached for the key */
};

/*!
 * Finds key. A fresh entry counts as a hit, anything else as a miss.
 * Entries past their stale window are dropped on the way.
 */
void cache_lookup(struct cache *cache, const struct cache_key *key,
		  uint64_t now_ms, struct cache_lookup *out);

/*!
 * As cache_lookup() for a reader that only reports what the cache holds
 * (explain): counts neither hit nor miss and does not mark the entry as
 * used, so looking does not change what is counted or evicted.
 */
void cache_peek(struct cache *cache, const struct cache_key *key,
		uint64_t now_ms, struct cache_lookup *out);

/*!
 * Records that every target failed for key (RFC 9520 section 3.2): for
 * the next CACHE_FAIL_FIRST_MS the key looks failed; each new failure
 * while it keeps failing doubles that, up to CACHE_FAIL_MAX_MS. A kept
 * entry stays (for serve-stale).
 * \return how long the failure is cached, in ms.
 */
uint32_t cache_fail(struct cache *cache, const struct cache_key *key,
		    uint64_t now_ms);

/*!
 * Drops entries and failure records: those of name (any producer, type
 * and bits; wire, any case) when name is not NULL, those of producer_id
 * when it is not NULL, both conditions when both are given; everything
 * when both are NULL. Waits for each shard's lock.
 * \return the number of records dropped.
 */
size_t cache_flush(struct cache *cache, const knot_dname_t *name,
		   const char *producer_id);

struct cache_stats {
	uint64_t entries;		/* records kept, failure ones too */
	uint64_t bytes;			/* memory charged to them */
	uint64_t max_bytes;
	uint64_t hits;			/* fresh look-ups */
	uint64_t misses;
	uint64_t evictions;		/* dropped for room */
	uint64_t skipped;		/* inserts skipped: shard busy */
	uint64_t stale_served;
	uint64_t failures_served;	/* answered from the failure cache */
	uint64_t inflight;		/* questions in flight now */
	uint64_t joined;		/* queries that joined a flight */
	uint64_t loops;			/* forwarding loops found */
	uint64_t quarantined;		/* rules quarantined now */
};

void cache_get_stats(struct cache *cache, uint64_t now_ms,
		     struct cache_stats *out);

/*! Counts a stale answer or one from the failure cache (for stats). */
void cache_count_stale(struct cache *cache);
void cache_count_failure(struct cache *cache);

/*
 * Questions in flight
 * -------------------
 * The first query for a key leads: it creates the flight and starts the
 * exchange in its worker. Identical questions (other clients, a
 * client's retransmission, on any worker) join it and wait. The leader
 * completes the flight once, in its own thread; each waiter gets the
 * outcome in its own loop thread: at once when it shares the leader's
 * loop, else through loop_post().
 */

struct cache_flight;
struct cache_waiter;

enum cache_outcome_kind {
	CACHE_OUT_ANSWER = 0,	/* entry holds the answer */
	CACHE_OUT_FAILED,	/* every target failed */
	CACHE_OUT_LOOP,		/* a forwarding loop was found; the rule
				 * is quarantined */
};

struct cache_outcome {
	enum cache_outcome_kind kind;
	struct cache_entry *entry;	/* ANSWER; valid during the call */
	/* ANSWER: the target that answered, for the counters and the
	 * query log (each waiter gets its own copy). */
	bool has_target;
	struct zg_addr target;
	bool timed_out;			/* FAILED: the exchange ran out of time */
};

/*! Gets the outcome in the waiter's loop thread; the waiter handle is
 *  gone once it is called. */
typedef void (*cache_deliver_cb)(void *arg, const struct cache_outcome *out);

/*! Asks the leader, in its loop thread, to stop its exchange and
 *  complete the flight with CACHE_OUT_LOOP. */
typedef void (*cache_abort_cb)(void *arg);

/* Who leads a flight, given by every joiner (used when it leads). */
struct cache_flight_owner {
	struct loop *loop;		/* the leader's loop */
	cache_abort_cb abort;
	void *abort_arg;
	bool is_rule;			/* loops are looked for on rules */
	const struct zg_addr *targets;	/* the rule's targets */
	size_t n_targets;
};

enum cache_join {
	CACHE_JOIN_LEAD = 0,	/* a new flight: start the exchange */
	CACHE_JOIN_WAIT,	/* joined a flight in progress */
	CACHE_JOIN_LOOP,	/* the query came back from a target of the
				 * rule whose flight it would join: nothing
				 * joined; the leader is asked to abort */
};

/*!
 * Joins the flight for key or creates it.
 *
 * \param client  the source address of the joining query. When a flight
 *                of a rule is pending and client is one of its targets
 *                (same IP), the question has come back to zonegate:
 *                CACHE_JOIN_LOOP.
 * \param from_outside  the query came through an inbound endpoint (from
 *                outside the VPCs): joining a rule's flight is then a
 *                loop whatever its source (the rule's target may have
 *                handed it to another resolver that forwards to us).
 * \param loop    the caller's loop; cb runs there with arg.
 * \param waiter  receives the handle for cache_waiter_cancel() (LEAD and
 *                WAIT), else NULL.
 * \param flight  LEAD: receives the flight, to complete later with
 *                cache_flight_complete(); else NULL.
 * \retval 0 with *how set, or ZG_ENOMEM (nothing joined).
 */
int cache_flight_join(struct cache *cache, const struct cache_key *key,
		      const struct cache_flight_owner *owner,
		      const struct zg_addr *client, bool from_outside,
		      struct loop *loop,
		      cache_deliver_cb cb, void *arg,
		      struct cache_waiter **waiter,
		      struct cache_flight **flight, enum cache_join *how);

/*!
 * Ends a flight: new queries no longer join it; every waiter gets out
 * (with a reference to out->entry of its own). The leader's handle is
 * released. Leader's loop thread only; once per flight.
 */
void cache_flight_complete(struct cache *cache, struct cache_flight *flight,
			   const struct cache_outcome *out);

/*! Stops waiting: cb will not be called. The waiter's loop thread
 *  only, before cb ran. */
void cache_waiter_cancel(struct cache_waiter *waiter);

/*
 * Forwarding loops
 */

/*!
 * Quarantines rule_id after a forwarding loop: CACHE_QUARANTINE_FIRST_MS,
 * doubling (up to CACHE_QUARANTINE_MAX_MS) when the loop is found again
 * soon after the last quarantine ended.
 * \param started  receives true when the rule was not quarantined yet
 *                 (the caller logs the loop once).
 * \return the quarantine in ms.
 */
uint32_t cache_quarantine(struct cache *cache, const char *rule_id,
			  uint64_t now_ms, bool *started);

/*!
 * True while rule_id is quarantined. Cheap when no rule is.
 * \param ended  (may be NULL) receives true once, for the first call
 *               after a quarantine ran out (the caller logs recovery).
 */
bool cache_quarantined(struct cache *cache, const char *rule_id,
		       uint64_t now_ms, bool *ended);

#endif
