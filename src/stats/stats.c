/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The counter registry: entities with one cache-line aligned slot per
 * worker, a shared index under a mutex for first sightings, and a
 * private index per worker thread for every later sample. */
#include "stats/stats.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define CACHE_LINE 64
/* The shared index is open addressing at most half full. */
#define TABLE_CAP (STATS_MAX_ENTITIES * 2)
#define LOCAL_MIN_CAP 64

/* One worker's counters of one entity. Only that worker adds to it
 * (the last slot is shared by unattached threads, hence atomics); the
 * alignment keeps two workers off one cache line. */
struct slot {
	_Alignas(CACHE_LINE) _Atomic uint64_t queries;
	_Atomic uint64_t timeouts;
	_Atomic uint64_t failures;
	_Atomic uint64_t rcodes[STATS_RCODES];
	_Atomic uint64_t latency[STATS_LAT_BUCKETS];
	_Atomic uint64_t latency_sum_us;
};

struct step_slot {
	_Alignas(CACHE_LINE) _Atomic uint64_t steps[STATS_STEPS];
};

/* Never moves and is never freed before stats_free(), so that worker
 * indexes may keep pointers to it without a lock. */
struct entity {
	enum stats_kind kind;
	uint32_t hash;
	char key[STATS_KEY_LEN];
	struct slot *slots;		/* n_slots of them */
};

struct registry {
	pthread_mutex_t lock;		/* protects order, n and table */
	unsigned n_slots;		/* workers + 1 shared slot */
	struct entity **order;		/* STATS_MAX_ENTITIES, first seen first */
	size_t n;
	struct entity **table;		/* TABLE_CAP, NULL = empty */
	struct step_slot *steps;	/* n_slots */
	_Atomic uint64_t overflow;
};

/* A worker's private index: key -> entity of the registry it was built
 * against. */
struct local {
	struct registry *reg;
	unsigned slot;
	struct entity **table;
	size_t cap;			/* power of two */
	size_t n;
};

static struct registry *_Atomic g_reg;
static _Thread_local struct local *tls;

static uint32_t key_hash(enum stats_kind kind, const char *key)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind;
	for (const unsigned char *p = (const unsigned char *)key; *p != '\0';
	     p++) {
		h = (h ^ *p) * 16777619u;
	}
	return h;
}

static bool entity_is(const struct entity *e, enum stats_kind kind,
		      uint32_t hash, const char *key)
{
	return e->hash == hash && e->kind == kind && strcmp(e->key, key) == 0;
}

static void *aligned_zalloc(size_t n, size_t size)
{
	size_t bytes = n * size;
	bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
	void *p = aligned_alloc(CACHE_LINE, bytes);
	if (p != NULL) {
		memset(p, 0, bytes);
	}
	return p;
}

static void registry_destroy(struct registry *r)
{
	if (r == NULL) {
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		free(r->order[i]->slots);
		free(r->order[i]);
	}
	free(r->order);
	free(r->table);
	free(r->steps);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

int stats_init(unsigned n_workers)
{
	if (n_workers == 0 || atomic_load(&g_reg) != NULL) {
		return ZG_EINVAL;
	}
	struct registry *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return ZG_ENOMEM;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->n_slots = n_workers + 1;
	r->order = calloc(STATS_MAX_ENTITIES, sizeof(*r->order));
	r->table = calloc(TABLE_CAP, sizeof(*r->table));
	r->steps = aligned_zalloc(r->n_slots, sizeof(*r->steps));
	if (r->order == NULL || r->table == NULL || r->steps == NULL) {
		registry_destroy(r);
		return ZG_ENOMEM;
	}
	atomic_store_explicit(&g_reg, r, memory_order_release);
	return 0;
}

void stats_free(void)
{
	struct registry *r = atomic_exchange(&g_reg, NULL);
	registry_destroy(r);
}

int stats_thread_attach(unsigned worker)
{
	struct registry *r = atomic_load_explicit(&g_reg,
						  memory_order_acquire);
	if (r == NULL || worker + 1 >= r->n_slots) {
		return ZG_EINVAL;
	}
	stats_thread_detach();
	struct local *l = calloc(1, sizeof(*l));
	if (l == NULL) {
		return ZG_ENOMEM;
	}
	l->table = calloc(LOCAL_MIN_CAP, sizeof(*l->table));
	if (l->table == NULL) {
		free(l);
		return ZG_ENOMEM;
	}
	l->reg = r;
	l->slot = worker;
	l->cap = LOCAL_MIN_CAP;
	tls = l;
	return 0;
}

void stats_thread_detach(void)
{
	if (tls == NULL) {
		return;
	}
	free(tls->table);
	free(tls);
	tls = NULL;
}

/* Finds or creates the entity in the shared registry. NULL when the
 * registry is full or memory ran out. */
static struct entity *registry_get(struct registry *r, enum stats_kind kind,
				   uint32_t hash, const char *key)
{
	struct entity *found = NULL;

	pthread_mutex_lock(&r->lock);
	size_t i = hash % TABLE_CAP;
	while (r->table[i] != NULL) {
		if (entity_is(r->table[i], kind, hash, key)) {
			found = r->table[i];
			break;
		}
		i = (i + 1) % TABLE_CAP;
	}
	if (found == NULL && r->n < STATS_MAX_ENTITIES) {
		struct entity *e = calloc(1, sizeof(*e));
		struct slot *slots = aligned_zalloc(r->n_slots,
						    sizeof(*slots));
		if (e != NULL && slots != NULL) {
			e->kind = kind;
			e->hash = hash;
			memcpy(e->key, key, strlen(key) + 1);
			e->slots = slots;
			r->table[i] = e;
			r->order[r->n++] = e;
			found = e;
		} else {
			free(e);
			free(slots);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return found;
}

static int local_grow(struct local *l)
{
	size_t cap = l->cap * 2;
	struct entity **table = calloc(cap, sizeof(*table));
	if (table == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < l->cap; i++) {
		struct entity *e = l->table[i];
		if (e == NULL) {
			continue;
		}
		size_t j = e->hash & (cap - 1);
		while (table[j] != NULL) {
			j = (j + 1) & (cap - 1);
		}
		table[j] = e;
	}
	free(l->table);
	l->table = table;
	l->cap = cap;
	return 0;
}

/* The worker's index first; the registry only on a first sighting. */
static struct entity *local_get(struct local *l, enum stats_kind kind,
				uint32_t hash, const char *key)
{
	size_t i = hash & (l->cap - 1);
	while (l->table[i] != NULL) {
		if (entity_is(l->table[i], kind, hash, key)) {
			return l->table[i];
		}
		i = (i + 1) & (l->cap - 1);
	}

	struct entity *e = registry_get(l->reg, kind, hash, key);
	if (e == NULL) {
		return NULL;
	}
	/* A full index only costs the registry look-up next time. */
	if ((l->n + 1) * 2 > l->cap && local_grow(l) != 0) {
		return e;
	}
	i = hash & (l->cap - 1);
	while (l->table[i] != NULL) {
		i = (i + 1) & (l->cap - 1);
	}
	l->table[i] = e;
	l->n++;
	return e;
}

static void add(_Atomic uint64_t *counter, uint64_t value)
{
	atomic_fetch_add_explicit(counter, value, memory_order_relaxed);
}

/* The registry and this thread's slot in it, or NULL. */
static struct registry *current(unsigned *slot)
{
	struct registry *r = atomic_load_explicit(&g_reg,
						  memory_order_acquire);
	if (r == NULL) {
		return NULL;
	}
	*slot = tls != NULL && tls->reg == r ? tls->slot : r->n_slots - 1;
	return r;
}

void stats_record(enum stats_kind kind, const char *key,
		  const struct stats_sample *sample)
{
	unsigned slot;
	struct registry *r = current(&slot);
	if (r == NULL || kind >= STATS_KINDS || key == NULL) {
		return;
	}

	char buf[STATS_KEY_LEN];
	size_t len = strnlen(key, sizeof(buf) - 1);
	memcpy(buf, key, len);
	buf[len] = '\0';
	uint32_t hash = key_hash(kind, buf);
	struct entity *e = tls != NULL && tls->reg == r ?
		local_get(tls, kind, hash, buf) :
		registry_get(r, kind, hash, buf);
	if (e == NULL) {
		add(&r->overflow, 1);
		return;
	}

	struct slot *s = &e->slots[slot];
	add(&s->queries, 1);
	if (sample->outcome == STATS_TIMEOUT) {
		add(&s->timeouts, 1);
	} else if (sample->outcome == STATS_FAILED) {
		add(&s->failures, 1);
	}
	if (sample->rcode >= 0) {
		int idx = sample->rcode < STATS_RCODES - 1 ? sample->rcode :
							     STATS_RCODES - 1;
		add(&s->rcodes[idx], 1);
	}
	add(&s->latency[stats_latency_bucket(sample->latency_us)], 1);
	add(&s->latency_sum_us, sample->latency_us);
}

void stats_record_step(enum stats_step step)
{
	unsigned slot;
	struct registry *r = current(&slot);
	if (r == NULL || step >= STATS_STEPS) {
		return;
	}
	add(&r->steps[slot].steps[step], 1);
}

static uint64_t load(_Atomic uint64_t *counter)
{
	return atomic_load_explicit(counter, memory_order_relaxed);
}

static void sum_slots(const struct registry *r, const struct entity *e,
		      struct stats_counters *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned w = 0; w < r->n_slots; w++) {
		struct slot *s = &e->slots[w];
		c->queries += load(&s->queries);
		c->timeouts += load(&s->timeouts);
		c->failures += load(&s->failures);
		for (int i = 0; i < STATS_RCODES; i++) {
			c->rcodes[i] += load(&s->rcodes[i]);
		}
		for (int i = 0; i < STATS_LAT_BUCKETS; i++) {
			c->latency[i] += load(&s->latency[i]);
		}
		c->latency_sum_us += load(&s->latency_sum_us);
	}
}

int stats_snapshot(enum stats_kind kind, const char *key,
		   struct stats_entry **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct registry *r = atomic_load_explicit(&g_reg,
						  memory_order_acquire);
	if (r == NULL) {
		return 0;
	}

	pthread_mutex_lock(&r->lock);
	struct stats_entry *entries = calloc(r->n + 1, sizeof(*entries));
	if (entries == NULL) {
		pthread_mutex_unlock(&r->lock);
		return ZG_ENOMEM;
	}
	size_t count = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct entity *e = r->order[i];
		if ((kind != STATS_KINDS && e->kind != kind) ||
		    (key != NULL && strncmp(e->key, key, STATS_KEY_LEN - 1) != 0)) {
			continue;
		}
		entries[count].kind = e->kind;
		memcpy(entries[count].key, e->key, sizeof(e->key));
		sum_slots(r, e, &entries[count].c);
		count++;
	}
	pthread_mutex_unlock(&r->lock);

	*out = entries;
	*n = count;
	return 0;
}

void stats_steps(uint64_t out[STATS_STEPS])
{
	memset(out, 0, sizeof(uint64_t) * STATS_STEPS);
	struct registry *r = atomic_load_explicit(&g_reg,
						  memory_order_acquire);
	if (r == NULL) {
		return;
	}
	for (unsigned w = 0; w < r->n_slots; w++) {
		for (int i = 0; i < STATS_STEPS; i++) {
			out[i] += load(&r->steps[w].steps[i]);
		}
	}
}

uint64_t stats_overflow(void)
{
	struct registry *r = atomic_load_explicit(&g_reg,
						  memory_order_acquire);
	return r != NULL ? load(&r->overflow) : 0;
}

unsigned stats_latency_bucket(uint64_t latency_us)
{
	if (latency_us < STATS_LAT_FIRST_US) {
		return 0;
	}
	/* 64 = 2^6 starts bucket 1: the bucket is log2(us) - 5. */
	unsigned log2 = 63u - (unsigned)__builtin_clzll(latency_us);
	unsigned bucket = log2 - 5;
	return bucket < STATS_LAT_BUCKETS - 1 ? bucket : STATS_LAT_BUCKETS - 1;
}

uint64_t stats_bucket_upper_us(unsigned bucket)
{
	if (bucket >= STATS_LAT_BUCKETS - 1) {
		return 0;
	}
	return (uint64_t)STATS_LAT_FIRST_US << bucket;
}

const char *stats_kind_name(enum stats_kind kind)
{
	static const char *const names[STATS_KINDS] = {
		"rule", "upstream", "zone", "target",
	};
	return kind < STATS_KINDS ? names[kind] : "unknown";
}

const char *stats_step_name(enum stats_step step)
{
	static const char *const names[STATS_STEPS] = {
		"zone", "builtin", "rule", "default", "cache", "none",
	};
	return step < STATS_STEPS ? names[step] : "unknown";
}
