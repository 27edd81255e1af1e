/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Counters of answered queries per resource (rule, default upstream,
 * zone) and per target address, with log-scale latency histograms. Each
 * worker writes its own slot; readers sum the slots. */
#ifndef ZONEGATE_STATS_STATS_H
#define ZONEGATE_STATS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Latency histogram: bucket 0 holds samples below 64 us, bucket i (1 to
 * 16) samples in [2^(5+i), 2^(6+i)) us, the last bucket everything from
 * 2^22 us (4.19 s) up. Powers of two keep the bucket a count of leading
 * zeros away from the sample and cover 64 us to 4 s at a factor of 2.
 */
#define STATS_LAT_BUCKETS 18
#define STATS_LAT_FIRST_US 64

/* RCODEs 0 to 15 have a counter each; extended RCODEs (16 and up, from
 * EDNS) share the last one. */
#define STATS_RCODES 17

/* Longest key: a target "[ipv6]:port" or a resource id, plus NUL. */
#define STATS_KEY_LEN 64

/* Entities counted in the registry at most; later ones are not counted
 * (stats_overflow() tells how many samples were lost that way). */
#define STATS_MAX_ENTITIES 16384

/* What a counter block belongs to. */
enum stats_kind {
	STATS_RULE = 0,		/* key: rule_id */
	STATS_UPSTREAM,		/* key: upstream id ("upstream-global") */
	STATS_ZONE,		/* key: zone_id, built-in ids included */
	STATS_TARGET,		/* key: target address "IP:PORT" */
	STATS_KINDS,
};

/* The step that answered a query, as the query log also names it. */
enum stats_step {
	STATS_STEP_ZONE = 0,	/* private or secondary zone */
	STATS_STEP_BUILTIN,	/* built-in locally served zone */
	STATS_STEP_RULE,	/* a rule's targets */
	STATS_STEP_DEFAULT,	/* the default upstream, or REFUSED without */
	STATS_STEP_CACHE,	/* served from the cache of a rule/upstream */
	STATS_STEP_NONE,	/* no step: no VPC, malformed, not served */
	STATS_STEPS,
};

/* How one query or one try ended, for the timeouts/failures counters. */
enum stats_outcome {
	STATS_ANSWERED = 0,	/* an answer was given (any RCODE) */
	STATS_TIMEOUT,		/* no answer in time */
	STATS_FAILED,		/* failed otherwise (every target refused,
				 * SERVFAIL, lame, no socket) */
};

/* One sample. */
struct stats_sample {
	enum stats_outcome outcome;
	int rcode;			/* RCODE given, -1 when none */
	uint64_t latency_us;		/* counted in the histogram */
};

/* Summed counters of one entity, as a reader sees them. The sums of
 * different fields are read one after the other while workers go on
 * counting, so they may disagree by the queries in progress. */
struct stats_counters {
	uint64_t queries;
	uint64_t timeouts;
	uint64_t failures;
	uint64_t rcodes[STATS_RCODES];
	uint64_t latency[STATS_LAT_BUCKETS];
	uint64_t latency_sum_us;
};

struct stats_entry {
	enum stats_kind kind;
	char key[STATS_KEY_LEN];
	struct stats_counters c;
};

/*!
 * Creates the registry with one slot per worker and one shared by every
 * other thread. Call once before workers start; until then (and after
 * stats_free()) every stats_record() is a no-op.
 * \retval 0, ZG_ENOMEM, ZG_EINVAL (n_workers 0, or already set up).
 */
int stats_init(unsigned n_workers);

/*! Frees the registry. Call after every worker detached. Idempotent. */
void stats_free(void);

/*!
 * Makes the calling thread write slot `worker` (0 to n_workers - 1)
 * from now on. The thread keeps a private index of the entities it
 * counted, so that it looks up the shared registry (under its mutex)
 * only the first time it sees a key. Threads that never attach share
 * one slot and index nothing.
 * \retval 0, ZG_EINVAL (no registry, or worker out of range).
 */
int stats_thread_attach(unsigned worker);

/*! Frees the calling thread's index. Call before the thread ends. */
void stats_thread_detach(void);

/*!
 * Counts one sample for (kind, key). On the query path: an attached
 * thread writes only its own slot (relaxed atomic adds, no lock) once
 * the key is in its index. key longer than STATS_KEY_LEN - 1 is cut.
 */
void stats_record(enum stats_kind kind, const char *key,
		  const struct stats_sample *sample);

/*! Counts one query answered by step (or by no step). Same context as
 *  stats_record(). */
void stats_record_step(enum stats_step step);

/*!
 * Copies the sums of every entity of kind (STATS_KINDS: every kind),
 * or of the one with key when key is not NULL, into a new array the
 * caller frees. Entities appear in the order they were first counted.
 * Any thread; takes the registry mutex, never waits for workers.
 * \retval 0 (also with *n 0), ZG_ENOMEM.
 */
int stats_snapshot(enum stats_kind kind, const char *key,
		   struct stats_entry **out, size_t *n);

/*! Sums of the per-step counters (all zero without a registry). */
void stats_steps(uint64_t out[STATS_STEPS]);

/*! Samples not counted because the registry was full. */
uint64_t stats_overflow(void);

/* Pure helpers, for the histogram's readers and the tests. */

/*! The bucket a latency falls in. */
unsigned stats_latency_bucket(uint64_t latency_us);

/*! Exclusive upper bound of a bucket in us; 0 for the last (unbounded). */
uint64_t stats_bucket_upper_us(unsigned bucket);

/*! "rule", "upstream", "zone", "target". */
const char *stats_kind_name(enum stats_kind kind);

/*! "zone", "builtin", "rule", "default", "cache", "none". */
const char *stats_step_name(enum stats_step step);

#endif
