/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Questions in flight, shared by every worker: identical questions are
 * sent once and their askers wait together (RFC 5452 section 5); a
 * question that comes back from a rule's own target is a forwarding
 * loop, and the rule is quarantined.
 *
 *   join ──(no flight)──> LEAD: flight created, the caller asks
 *     │                         │
 *     ├──(flight)──> WAIT       └──> complete(outcome) ──> every waiter:
 *     │                                  same loop: called at once
 *     └──(client is a target             other loop: loop_post()
 *         of the rule)──> LOOP: leader asked to abort (loop_post)
 *
 * A waiter is attached to its flight until the flight completes; the
 * flight shard's lock guards that link, so that cancel and complete,
 * which may run in two threads, agree on who frees the waiter. Once
 * detached, only the waiter's own loop thread touches it. */
#include "cache/cache.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "common/loop.h"
#include "cache/internal.h"

struct cache_flight {
	struct cache_flight *next;	/* in the shard's list */
	atomic_uint refs;		/* the table, the leader, posts */
	uint64_t hash;
	struct cache_key key;
	struct cache_flight_shard *shard;
	struct cache *cache;

	/* Set at creation, then read-only. */
	struct loop *loop;		/* the leader's */
	cache_abort_cb abort;
	void *abort_arg;
	bool is_rule;
	struct zg_addr targets[CACHE_MAX_TARGETS];
	size_t n_targets;

	/* Under shard->lock. */
	struct cache_waiter *waiters;
	bool done;			/* completed: nobody joins */
	bool abort_posted;
};

struct cache_waiter {
	struct cache_waiter *prev;	/* in flight->waiters */
	struct cache_waiter *next;
	struct cache_flight_shard *shard; /* whose lock guards flight */
	struct cache_flight *flight;	/* NULL once detached */
	struct loop *loop;
	cache_deliver_cb cb;
	void *arg;
	struct cache *cache;
	/* After detaching: the waiter's loop thread only. */
	bool cancelled;
	struct cache_outcome outcome;	/* entry: a reference */
};

static void flight_unref(struct cache_flight *flight)
{
	if (atomic_fetch_sub_explicit(&flight->refs, 1,
				      memory_order_acq_rel) == 1) {
		free(flight);
	}
}

static void waiter_free(struct cache_waiter *w)
{
	cache_entry_unref(w->outcome.entry);
	free(w);
}

static void waiter_attach(struct cache_flight *flight, struct cache_waiter *w)
{
	w->flight = flight;
	w->prev = NULL;
	w->next = flight->waiters;
	if (flight->waiters != NULL) {
		flight->waiters->prev = w;
	}
	flight->waiters = w;
}

static void waiter_detach(struct cache_waiter *w)
{
	if (w->prev != NULL) {
		w->prev->next = w->next;
	} else {
		w->flight->waiters = w->next;
	}
	if (w->next != NULL) {
		w->next->prev = w->prev;
	}
	w->prev = w->next = NULL;
	w->flight = NULL;
}

static struct cache_flight *flight_find(struct cache_flight_shard *shard,
					uint64_t hash,
					const struct cache_key *key)
{
	struct cache_flight *f = shard->head;
	while (f != NULL && (f->hash != hash || !cache_key_equal(&f->key, key))) {
		f = f->next;
	}
	return f;
}

static void flight_unlink(struct cache_flight_shard *shard,
			  struct cache_flight *flight)
{
	struct cache_flight **link = &shard->head;
	while (*link != NULL && *link != flight) {
		link = &(*link)->next;
	}
	if (*link == flight) {
		*link = flight->next;
	}
	flight->next = NULL;
}

/*
 * True when the question came back to us: from one of the rule's
 * targets, or through an inbound endpoint (a resolver on premises that
 * the target handed it to forwards to us).
 *
 * LIMITATION: only a copy that arrives while the rule's own question is
 * pending is seen; a loop slower than the whole resolution (6 s) is not
 * found, and each query then ends with SERVFAIL at its deadline. An
 * on-premises client asking through an inbound endpoint the very
 * question a rule of that VPC is asking at that moment is taken for a
 * loop, and the rule is quarantined.
 */
static bool came_back(const struct cache_flight *flight,
		      const struct zg_addr *client, bool from_outside)
{
	if (!flight->is_rule) {
		return false;
	}
	if (from_outside) {
		return true;
	}
	if (client == NULL) {
		return false;
	}
	for (size_t i = 0; i < flight->n_targets; i++) {
		if (addr_equal_ip(&flight->targets[i], client)) {
			return true;
		}
	}
	return false;
}

static void abort_post(void *arg)
{
	struct cache_flight *flight = arg;

	/* Leader's thread: done is only set here, so no lock is needed to
	 * know whether the exchange still runs. */
	if (!flight->done) {
		flight->abort(flight->abort_arg);
	}
	flight_unref(flight);
}

static struct cache_flight *flight_new(struct cache *cache, uint64_t hash,
				       const struct cache_key *key,
				       const struct cache_flight_owner *owner,
				       struct cache_flight_shard *shard)
{
	struct cache_flight *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		return NULL;
	}
	atomic_init(&f->refs, 2);	/* the table and the leader */
	f->hash = hash;
	f->key = *key;
	f->shard = shard;
	f->cache = cache;
	f->loop = owner->loop;
	f->abort = owner->abort;
	f->abort_arg = owner->abort_arg;
	f->is_rule = owner->is_rule;
	f->n_targets = owner->n_targets < CACHE_MAX_TARGETS ?
		owner->n_targets : CACHE_MAX_TARGETS;
	memcpy(f->targets, owner->targets, f->n_targets * sizeof(f->targets[0]));
	return f;
}

int cache_flight_join(struct cache *cache, const struct cache_key *key,
		      const struct cache_flight_owner *owner,
		      const struct zg_addr *client, bool from_outside,
		      struct loop *loop, cache_deliver_cb cb, void *arg,
		      struct cache_waiter **waiter,
		      struct cache_flight **flight, enum cache_join *how)
{
	uint64_t hash = cache_key_hash(key);
	struct cache_flight_shard *shard = &cache->flights[hash % CACHE_SHARDS];

	*waiter = NULL;
	*flight = NULL;
	struct cache_waiter *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		return ZG_ENOMEM;
	}
	w->shard = shard;
	w->loop = loop;
	w->cb = cb;
	w->arg = arg;
	w->cache = cache;

	struct cache_flight *post_abort = NULL;
	pthread_mutex_lock(&shard->lock);
	struct cache_flight *f = flight_find(shard, hash, key);
	if (f != NULL && came_back(f, client, from_outside)) {
		*how = CACHE_JOIN_LOOP;
		if (!f->abort_posted) {
			f->abort_posted = true;
			atomic_fetch_add_explicit(&f->refs, 1,
						  memory_order_relaxed);
			post_abort = f;
		}
	} else if (f != NULL) {
		*how = CACHE_JOIN_WAIT;
		waiter_attach(f, w);
	} else {
		f = flight_new(cache, hash, key, owner, shard);
		if (f != NULL) {
			f->next = shard->head;
			shard->head = f;
			waiter_attach(f, w);
			*how = CACHE_JOIN_LEAD;
		}
	}
	pthread_mutex_unlock(&shard->lock);

	if (f == NULL) {
		free(w);
		return ZG_ENOMEM;
	}
	if (*how == CACHE_JOIN_LOOP) {
		free(w);
		atomic_fetch_add_explicit(&cache->loops, 1,
					  memory_order_relaxed);
		if (post_abort != NULL &&
		    loop_post(post_abort->loop, abort_post, post_abort) != 0) {
			/* The exchange then runs until its own timeout. */
			flight_unref(post_abort);
		}
		return 0;
	}
	if (*how == CACHE_JOIN_LEAD) {
		*flight = f;
		atomic_fetch_add_explicit(&cache->inflight, 1,
					  memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&cache->joined, 1,
					  memory_order_relaxed);
	}
	*waiter = w;
	return 0;
}

/* Runs the outcome in the waiter's own loop thread. */
static void deliver_post(void *arg)
{
	struct cache_waiter *w = arg;
	if (!w->cancelled) {
		w->cb(w->arg, &w->outcome);
	}
	waiter_free(w);
}

void cache_flight_complete(struct cache *cache, struct cache_flight *flight,
			   const struct cache_outcome *out)
{
	struct cache_flight_shard *shard = flight->shard;

	pthread_mutex_lock(&shard->lock);
	flight_unlink(shard, flight);
	flight->done = true;
	struct cache_waiter *list = NULL;
	while (flight->waiters != NULL) {
		struct cache_waiter *w = flight->waiters;
		waiter_detach(w);
		w->next = list;
		list = w;
	}
	pthread_mutex_unlock(&shard->lock);
	atomic_fetch_sub_explicit(&cache->inflight, 1, memory_order_relaxed);

	/* Every waiter gets its own copy of the outcome before any is
	 * delivered: a delivery may start new flights, never this one. */
	for (struct cache_waiter *w = list; w != NULL; w = w->next) {
		w->outcome = *out;
		if (out->entry != NULL) {
			cache_entry_ref(out->entry);
		}
	}
	while (list != NULL) {
		struct cache_waiter *w = list;
		list = w->next;
		w->next = NULL;
		if (w->loop == flight->loop) {
			deliver_post(w);
		} else if (loop_post(w->loop, deliver_post, w) != 0) {
			/* The query then ends at its own deadline. */
			zg_log(ZG_LOG_WARNING, "cache", NULL, "cannot hand an answer to another worker: out of memory; that query ends at its deadline");
			waiter_free(w);
		}
	}

	/* The table's reference and the leader's. */
	flight_unref(flight);
	flight_unref(flight);
}

void cache_waiter_cancel(struct cache_waiter *w)
{
	if (w == NULL) {
		return;
	}
	pthread_mutex_lock(&w->shard->lock);
	bool attached = w->flight != NULL;
	if (attached) {
		waiter_detach(w);
	} else {
		/* Detached, its delivery is on the way to this thread. */
		w->cancelled = true;
	}
	pthread_mutex_unlock(&w->shard->lock);
	if (attached) {
		waiter_free(w);
	}
}

/*
 * Quarantine of rules after a forwarding loop
 */

static struct cache_quarantine_rec *q_find(struct cache *cache,
					   const char *rule_id)
{
	for (size_t i = 0; i < cache->n_q_recs; i++) {
		if (strcmp(cache->q_recs[i].rule_id, rule_id) == 0) {
			return &cache->q_recs[i];
		}
	}
	return NULL;
}

static struct cache_quarantine_rec *q_add(struct cache *cache,
					  const char *rule_id)
{
	struct cache_quarantine_rec *recs =
		realloc(cache->q_recs, (cache->n_q_recs + 1) * sizeof(*recs));
	if (recs == NULL) {
		return NULL;
	}
	cache->q_recs = recs;
	struct cache_quarantine_rec *rec = &recs[cache->n_q_recs++];
	memset(rec, 0, sizeof(*rec));
	strncpy(rec->rule_id, rule_id, sizeof(rec->rule_id) - 1);
	return rec;
}

uint32_t cache_quarantine(struct cache *cache, const char *rule_id,
			  uint64_t now_ms, bool *started)
{
	uint32_t length = CACHE_QUARANTINE_FIRST_MS;

	*started = false;
	pthread_mutex_lock(&cache->q_lock);
	struct cache_quarantine_rec *rec = q_find(cache, rule_id);
	if (rec == NULL) {
		rec = q_add(cache, rule_id);
	}
	if (rec != NULL && now_ms < rec->until_ms) {
		length = (uint32_t)(rec->until_ms - now_ms);	/* already */
	} else if (rec != NULL) {
		bool again = rec->until_ms != 0 &&
			now_ms < rec->until_ms + CACHE_QUARANTINE_FORGET_MS;
		if (again) {
			length = rec->length_ms * 2;
			length = length > CACHE_QUARANTINE_MAX_MS ?
				CACHE_QUARANTINE_MAX_MS : length;
		}
		rec->length_ms = length;
		rec->until_ms = now_ms + length;
		if (!rec->active) {
			rec->active = true;
			atomic_fetch_add_explicit(&cache->q_active, 1,
						  memory_order_relaxed);
		}
		*started = true;
	}
	pthread_mutex_unlock(&cache->q_lock);
	return length;
}

bool cache_quarantined(struct cache *cache, const char *rule_id,
		       uint64_t now_ms, bool *ended)
{
	bool quarantined = false;

	if (ended != NULL) {
		*ended = false;
	}
	if (atomic_load_explicit(&cache->q_active, memory_order_relaxed) == 0) {
		return false;
	}
	pthread_mutex_lock(&cache->q_lock);
	struct cache_quarantine_rec *rec = q_find(cache, rule_id);
	if (rec != NULL && rec->active) {
		quarantined = now_ms < rec->until_ms;
		if (!quarantined) {
			rec->active = false;
			atomic_fetch_sub_explicit(&cache->q_active, 1,
						  memory_order_relaxed);
			if (ended != NULL) {
				*ended = true;
			}
		}
	}
	pthread_mutex_unlock(&cache->q_lock);
	return quarantined;
}

/*
 * Life
 */

int cache_flights_init(struct cache *cache)
{
	size_t made = 0;
	for (; made < CACHE_SHARDS; made++) {
		if (pthread_mutex_init(&cache->flights[made].lock, NULL) != 0) {
			break;
		}
	}
	if (made == CACHE_SHARDS &&
	    pthread_mutex_init(&cache->q_lock, NULL) == 0) {
		return 0;
	}
	for (size_t s = 0; s < made; s++) {
		pthread_mutex_destroy(&cache->flights[s].lock);
	}
	return ZG_ENOMEM;
}

void cache_flights_free(struct cache *cache)
{
	for (size_t s = 0; s < CACHE_SHARDS; s++) {
		struct cache_flight_shard *shard = &cache->flights[s];
		/* Flights still listed lost their leaders without being
		 * completed; their waiters were cancelled. */
		while (shard->head != NULL) {
			struct cache_flight *f = shard->head;
			shard->head = f->next;
			free(f);
		}
		pthread_mutex_destroy(&shard->lock);
	}
	pthread_mutex_destroy(&cache->q_lock);
	free(cache->q_recs);
}
