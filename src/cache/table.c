/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sharded table of entries and failure records: look-up, insert with
 * CLOCK eviction under a memory cap, the failure cache, flush, stats. */
#include "cache/cache.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "cache/internal.h"

void cache_limits_default(struct cache_limits *limits)
{
	memset(limits, 0, sizeof(*limits));
	limits->max_bytes = CACHE_DEFAULT_MAX_BYTES;
	limits->max_ttl = CACHE_DEFAULT_MAX_TTL;
	limits->max_neg_ttl = CACHE_DEFAULT_MAX_NEG_TTL;
}

static struct cache_shard *shard_of(struct cache *cache, uint64_t hash)
{
	return &cache->shards[hash % CACHE_SHARDS];
}

static size_t bucket_of(const struct cache_shard *shard, uint64_t hash)
{
	/* The low bits picked the shard; the bucket takes higher ones. */
	return (size_t)(hash >> 8) & (shard->n_buckets - 1);
}

/*
 * Slots. Every function here runs under the shard's lock.
 */

static struct cache_node *node_find(struct cache_shard *shard, uint64_t hash,
				    const struct cache_key *key)
{
	struct cache_node *node = shard->buckets[bucket_of(shard, hash)];
	while (node != NULL &&
	       (node->hash != hash || !cache_key_equal(&node->key, key))) {
		node = node->hnext;
	}
	return node;
}

static void ring_add(struct cache_shard *shard, struct cache_node *node)
{
	if (shard->hand == NULL) {
		node->cprev = node->cnext = node;
		shard->hand = node;
		return;
	}
	/* Just behind the hand: the last the hand reaches. */
	node->cnext = shard->hand;
	node->cprev = shard->hand->cprev;
	node->cprev->cnext = node;
	shard->hand->cprev = node;
}

static void ring_remove(struct cache_shard *shard, struct cache_node *node)
{
	if (node->cnext == node) {
		shard->hand = NULL;
	} else {
		node->cprev->cnext = node->cnext;
		node->cnext->cprev = node->cprev;
		if (shard->hand == node) {
			shard->hand = node->cnext;
		}
	}
	node->cprev = node->cnext = NULL;
}

static void node_charge(struct cache_shard *shard, struct cache_node *node)
{
	shard->bytes -= node->bytes;
	node->bytes = sizeof(*node) +
		      (node->entry != NULL ? cache_entry_bytes(node->entry) : 0);
	shard->bytes += node->bytes;
}

static void node_remove(struct cache_shard *shard, struct cache_node *node)
{
	struct cache_node **link = &shard->buckets[bucket_of(shard,
							     node->hash)];
	while (*link != node) {
		link = &(*link)->hnext;
	}
	*link = node->hnext;
	ring_remove(shard, node);
	shard->count--;
	shard->bytes -= node->bytes;
	cache_entry_unref(node->entry);
	free(node);
}

/* Doubles the buckets when chains grow long; stays as is on ENOMEM. */
static void maybe_grow(struct cache_shard *shard)
{
	if (shard->count < shard->n_buckets * 2 ||
	    shard->n_buckets >= CACHE_BUCKETS_MAX) {
		return;
	}
	size_t n = shard->n_buckets * 2;
	struct cache_node **buckets = calloc(n, sizeof(*buckets));
	if (buckets == NULL) {
		return;
	}
	struct cache_node **old = shard->buckets;
	size_t old_n = shard->n_buckets;
	shard->buckets = buckets;
	shard->n_buckets = n;
	for (size_t i = 0; i < old_n; i++) {
		struct cache_node *node = old[i];
		while (node != NULL) {
			struct cache_node *next = node->hnext;
			size_t b = bucket_of(shard, node->hash);
			node->hnext = buckets[b];
			buckets[b] = node;
			node = next;
		}
	}
	free(old);
}

static struct cache_node *node_add(struct cache_shard *shard, uint64_t hash,
				   const struct cache_key *key)
{
	struct cache_node *node = calloc(1, sizeof(*node));
	if (node == NULL) {
		return NULL;
	}
	node->hash = hash;
	node->key = *key;
	maybe_grow(shard);
	size_t b = bucket_of(shard, hash);
	node->hnext = shard->buckets[b];
	shard->buckets[b] = node;
	ring_add(shard, node);
	shard->count++;
	node_charge(shard, node);
	return node;
}

/* True when nothing in the node is of use any more. */
static bool node_dead(const struct cache_node *node, uint64_t now_ms)
{
	bool entry_dead = node->entry == NULL || now_ms >= node->keep_until_ms;
	/* A failure record is kept past its end so that a new failure
	 * soon after doubles (RFC 9520 section 3.2). */
	bool fail_dead = node->fail_until_ms == 0 ||
			 now_ms >= node->fail_until_ms + CACHE_FAIL_FORGET_MS;
	return entry_dead && fail_dead;
}

/*
 * CLOCK: the hand passes nodes in insertion order; a node read since the
 * last pass is spared once, anything else is evicted until need bytes
 * fit. Bounded to two turns of the ring.
 */
static void make_room(struct cache *cache, struct cache_shard *shard,
		      size_t need, uint64_t now_ms)
{
	size_t budget = shard->count * 2;

	while (shard->hand != NULL && shard->bytes + need > cache->shard_cap &&
	       budget-- > 0) {
		struct cache_node *node = shard->hand;
		if (node->referenced && !node_dead(node, now_ms)) {
			node->referenced = false;
			shard->hand = node->cnext;
			continue;
		}
		if (!node_dead(node, now_ms)) {
			atomic_fetch_add_explicit(&cache->evictions, 1,
						  memory_order_relaxed);
		}
		node_remove(shard, node);
	}
}

/*
 * The public table functions
 */

bool cache_insert(struct cache *cache, struct cache_entry *entry,
		  uint32_t max_stale_s, uint64_t now_ms)
{
	if (entry->ttl_s == 0) {
		return false;
	}
	uint64_t hash = cache_key_hash(&entry->key);
	struct cache_shard *shard = shard_of(cache, hash);
	size_t need = sizeof(struct cache_node) + cache_entry_bytes(entry);
	if (need > cache->shard_cap) {
		return false;
	}

	/* Workers never wait for one another to keep an answer. */
	if (pthread_mutex_trylock(&shard->lock) != 0) {
		atomic_fetch_add_explicit(&cache->skipped, 1,
					  memory_order_relaxed);
		return false;
	}

	struct cache_node *node = node_find(shard, hash, &entry->key);
	if (node != NULL) {
		node_remove(shard, node);
	}
	make_room(cache, shard, need, now_ms);
	node = node_add(shard, hash, &entry->key);
	if (node != NULL) {
		cache_entry_ref(entry);
		node->entry = entry;
		node->expire_ms = entry->stored_ms +
				  (uint64_t)entry->ttl_s * 1000;
		node->keep_until_ms = node->expire_ms +
				      (uint64_t)max_stale_s * 1000;
		node_charge(shard, node);
	}
	pthread_mutex_unlock(&shard->lock);
	return node != NULL;
}

/* Finds key for a query (use: marks the entry referenced for the
 * eviction clock) or for a look that must change nothing. */
static void lookup(struct cache *cache, const struct cache_key *key,
		   uint64_t now_ms, bool use, struct cache_lookup *out)
{
	uint64_t hash = cache_key_hash(key);
	struct cache_shard *shard = shard_of(cache, hash);

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&shard->lock);
	struct cache_node *node = node_find(shard, hash, key);
	if (node != NULL && node_dead(node, now_ms)) {
		node_remove(shard, node);
		node = NULL;
	}
	if (node != NULL) {
		node->referenced = node->referenced || use;
		out->failed = now_ms < node->fail_until_ms;
		if (node->entry != NULL && now_ms < node->keep_until_ms) {
			out->state = now_ms < node->expire_ms ? CACHE_FRESH :
								CACHE_STALE;
			out->entry = node->entry;
			cache_entry_ref(node->entry);
		}
	}
	pthread_mutex_unlock(&shard->lock);
}

void cache_lookup(struct cache *cache, const struct cache_key *key,
		  uint64_t now_ms, struct cache_lookup *out)
{
	lookup(cache, key, now_ms, true, out);
	atomic_fetch_add_explicit(out->state == CACHE_FRESH ? &cache->hits :
							      &cache->misses,
				  1, memory_order_relaxed);
}

void cache_peek(struct cache *cache, const struct cache_key *key,
		uint64_t now_ms, struct cache_lookup *out)
{
	lookup(cache, key, now_ms, false, out);
}

uint32_t cache_fail(struct cache *cache, const struct cache_key *key,
		    uint64_t now_ms)
{
	uint64_t hash = cache_key_hash(key);
	struct cache_shard *shard = shard_of(cache, hash);
	uint32_t length = CACHE_FAIL_FIRST_MS;

	/* A failure waits for the lock: the failure cache is what keeps
	 * dead targets from being asked again at once. */
	pthread_mutex_lock(&shard->lock);
	struct cache_node *node = node_find(shard, hash, key);
	if (node == NULL) {
		make_room(cache, shard, sizeof(*node), now_ms);
		node = node_add(shard, hash, key);
	}
	if (node != NULL) {
		bool still_failing = node->fail_until_ms != 0 &&
			now_ms < node->fail_until_ms + CACHE_FAIL_FORGET_MS;
		if (still_failing) {
			length = node->fail_ms * 2;
			length = length > CACHE_FAIL_MAX_MS ? CACHE_FAIL_MAX_MS :
							      length;
		}
		node->fail_ms = length;
		node->fail_until_ms = now_ms + length;
	}
	pthread_mutex_unlock(&shard->lock);
	return length;
}

static bool flush_match(const struct cache_node *node,
			const knot_dname_t *lower, const char *producer_id)
{
	if (lower != NULL && !knot_dname_is_equal(node->key.name, lower)) {
		return false;
	}
	return producer_id == NULL ||
	       strcmp(node->key.producer_id, producer_id) == 0;
}

size_t cache_flush(struct cache *cache, const knot_dname_t *name,
		   const char *producer_id)
{
	uint8_t lower[KNOT_DNAME_MAXLEN];
	size_t dropped = 0;

	if (name != NULL) {
		knot_dname_copy_lower(lower, name);
	}
	for (size_t s = 0; s < CACHE_SHARDS; s++) {
		struct cache_shard *shard = &cache->shards[s];
		pthread_mutex_lock(&shard->lock);
		for (size_t b = 0; b < shard->n_buckets; b++) {
			struct cache_node *node = shard->buckets[b];
			while (node != NULL) {
				struct cache_node *next = node->hnext;
				if (flush_match(node, name != NULL ? lower :
								     NULL,
						producer_id)) {
					node_remove(shard, node);
					dropped++;
				}
				node = next;
			}
		}
		pthread_mutex_unlock(&shard->lock);
	}
	return dropped;
}

static uint64_t load(atomic_uint_fast64_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

void cache_get_stats(struct cache *cache, uint64_t now_ms,
		     struct cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t s = 0; s < CACHE_SHARDS; s++) {
		struct cache_shard *shard = &cache->shards[s];
		pthread_mutex_lock(&shard->lock);
		out->entries += shard->count;
		out->bytes += shard->bytes;
		pthread_mutex_unlock(&shard->lock);
	}
	out->max_bytes = cache->limits.max_bytes;
	out->hits = load(&cache->hits);
	out->misses = load(&cache->misses);
	out->evictions = load(&cache->evictions);
	out->skipped = load(&cache->skipped);
	out->stale_served = load(&cache->stale_served);
	out->failures_served = load(&cache->failures_served);
	out->inflight = load(&cache->inflight);
	out->joined = load(&cache->joined);
	out->loops = load(&cache->loops);

	pthread_mutex_lock(&cache->q_lock);
	for (size_t i = 0; i < cache->n_q_recs; i++) {
		if (now_ms < cache->q_recs[i].until_ms) {
			out->quarantined++;
		}
	}
	pthread_mutex_unlock(&cache->q_lock);
}

void cache_count_stale(struct cache *cache)
{
	atomic_fetch_add_explicit(&cache->stale_served, 1,
				  memory_order_relaxed);
}

void cache_count_failure(struct cache *cache)
{
	atomic_fetch_add_explicit(&cache->failures_served, 1,
				  memory_order_relaxed);
}

/*
 * Life
 */

static void shard_clear(struct cache_shard *shard)
{
	for (size_t b = 0; shard->buckets != NULL && b < shard->n_buckets;
	     b++) {
		struct cache_node *node = shard->buckets[b];
		while (node != NULL) {
			struct cache_node *next = node->hnext;
			cache_entry_unref(node->entry);
			free(node);
			node = next;
		}
	}
	free(shard->buckets);
	shard->buckets = NULL;
}

struct cache *cache_new(const struct cache_limits *limits)
{
	struct cache *cache = calloc(1, sizeof(*cache));
	if (cache == NULL) {
		return NULL;
	}
	if (limits != NULL) {
		cache->limits = *limits;
	} else {
		cache_limits_default(&cache->limits);
	}
	cache->shard_cap = cache->limits.max_bytes / CACHE_SHARDS;

	size_t made = 0;
	for (; made < CACHE_SHARDS; made++) {
		struct cache_shard *shard = &cache->shards[made];
		shard->n_buckets = CACHE_BUCKETS_FIRST;
		shard->buckets = calloc(shard->n_buckets,
					sizeof(*shard->buckets));
		if (shard->buckets == NULL ||
		    pthread_mutex_init(&shard->lock, NULL) != 0) {
			free(shard->buckets);
			break;
		}
	}
	if (made < CACHE_SHARDS || cache_flights_init(cache) != 0) {
		for (size_t s = 0; s < made; s++) {
			shard_clear(&cache->shards[s]);
			pthread_mutex_destroy(&cache->shards[s].lock);
		}
		free(cache);
		return NULL;
	}
	return cache;
}

void cache_free(struct cache *cache)
{
	if (cache == NULL) {
		return;
	}
	for (size_t s = 0; s < CACHE_SHARDS; s++) {
		shard_clear(&cache->shards[s]);
		pthread_mutex_destroy(&cache->shards[s].lock);
	}
	cache_flights_free(cache);
	free(cache);
}
