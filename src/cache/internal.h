/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the files of the cache module share: the cache itself, its
 * shards, entries and flights. Not public. */
#ifndef ZONEGATE_CACHE_INTERNAL_H
#define ZONEGATE_CACHE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache.h"

/* Buckets of a shard's hash table: start, and the most it grows to. */
#define CACHE_BUCKETS_FIRST 256
#define CACHE_BUCKETS_MAX (1u << 20)

struct cache_entry {
	atomic_uint refs;
	struct cache_key key;
	uint64_t stored_ms;		/* when built */
	uint32_t ttl_s;			/* lowest TTL kept */
	uint8_t rcode;
	size_t wire_len;
	uint8_t *wire;			/* the kept message, owned */
};

/* One slot of the table: an entry, a failure record, or both. */
struct cache_node {
	struct cache_node *hnext;	/* bucket chain */
	struct cache_node *cprev;	/* CLOCK ring of the shard */
	struct cache_node *cnext;
	uint64_t hash;
	struct cache_key key;
	struct cache_entry *entry;	/* a reference, or NULL */
	uint64_t expire_ms;		/* entry fresh until */
	uint64_t keep_until_ms;		/* entry kept (stale) until */
	uint64_t fail_until_ms;		/* failure answered until; 0: none */
	uint32_t fail_ms;		/* length of the last failure record */
	bool referenced;		/* read since the hand passed */
	size_t bytes;			/* charged to the shard */
};

/* A part of the table. Every field under lock. */
struct cache_shard {
	pthread_mutex_t lock;
	struct cache_node **buckets;
	size_t n_buckets;		/* a power of two */
	size_t count;
	struct cache_node *hand;	/* CLOCK hand; NULL when empty */
	size_t bytes;
};

/* A part of the in-flight table. Lock order: a flight shard's lock is
 * never held while a table shard's lock is taken, or the reverse. */
struct cache_flight_shard {
	pthread_mutex_t lock;
	struct cache_flight *head;	/* every pending flight here */
};

struct cache_quarantine_rec {
	char rule_id[CACHE_ID_LEN];
	uint64_t until_ms;		/* quarantined until */
	uint32_t length_ms;		/* of the last quarantine */
	bool active;			/* until_ms not yet seen passed */
};

struct cache {
	struct cache_limits limits;
	size_t shard_cap;		/* limits.max_bytes / CACHE_SHARDS */
	struct cache_shard shards[CACHE_SHARDS];
	struct cache_flight_shard flights[CACHE_SHARDS];

	pthread_mutex_t q_lock;		/* quarantine records */
	struct cache_quarantine_rec *q_recs;
	size_t n_q_recs;
	atomic_uint q_active;		/* records active: 0 skips q_lock */

	atomic_uint_fast64_t hits, misses, evictions, skipped;
	atomic_uint_fast64_t stale_served, failures_served;
	atomic_uint_fast64_t inflight, joined, loops;
};

/*! 64-bit hash of a key; the shard is hash % CACHE_SHARDS. */
uint64_t cache_key_hash(const struct cache_key *key);

/*! Same producer, route, name, type and bits. */
bool cache_key_equal(const struct cache_key *a, const struct cache_key *b);

/*! Memory an entry holds. */
size_t cache_entry_bytes(const struct cache_entry *entry);

/* flight.c: set-up and tear-down of the flight shards and quarantine. */
int cache_flights_init(struct cache *cache);
void cache_flights_free(struct cache *cache);

#endif
