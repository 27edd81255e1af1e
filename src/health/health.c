/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The shared table of targets: sharded by key, one mutex per shard, held
 * only to copy or update one entry. */
#include "health/health.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/log.h"

/*
 * Life of one target (every arrow under its shard's lock):
 *
 *          failure (x HEALTH_DOWN_AFTER in a row)
 *   UP --------------------------------------------> DOWN
 *    ^  any reply resets the count                   |  probe every
 *    |                                               |  HEALTH_PROBE_INTERVAL_MS
 *    +-----------------------------------------------+
 *          probe answered (x HEALTH_UP_AFTER in a row),
 *          or a reply to a query that was still open
 *
 * While DOWN the target is left out of every ordering: queries whose
 * targets are all down fail at once.
 */

#define SHARDS 16
/* Idle entries are looked for at most this often. */
#define SWEEP_INTERVAL_MS 1000
/* A claimed probe not reported within this long is claimed again. */
#define CLAIM_EXPIRY_MS (2 * HEALTH_PROBE_TIMEOUT_MS)
/* Quarantines further apart than this start the doubling afresh. */
#define QUARANTINE_MEMORY_MS (60 * 60 * 1000)
#define QUARANTINE_SLOTS 64

struct entry {
	struct entry *next;		/* in the shard's list */
	struct health_key key;
	enum health_state state;
	struct health_rtt rtt;
	uint32_t failures;
	uint32_t probe_successes;
	uint64_t last_used_ms;
	uint64_t last_sent_ms;
	uint64_t changed_ms;
	int64_t changed_unix_s;
	uint64_t sent;
	uint64_t answered;
	uint64_t timeouts;
	uint64_t next_probe_ms;
	uint64_t probe_claimed_ms;	/* 0: no probe in flight */
	struct health_probe probe;	/* key unset; filled at claim */
	bool has_probe;
	uint8_t client_cookie[HEALTH_CLIENT_COOKIE_LEN];
	uint8_t server_cookie[HEALTH_SERVER_COOKIE_MAX];
	size_t server_cookie_len;
	bool case_disabled;
};

struct shard {
	pthread_mutex_t lock;		/* protects the list and entries */
	struct entry *head;
};

static struct shard shards[SHARDS];
static pthread_once_t shards_once = PTHREAD_ONCE_INIT;
static atomic_size_t n_entries;
static atomic_uint_fast64_t last_sweep_ms;

struct quarantine {
	char rule_id[HEALTH_RULE_ID_LEN];	/* "" when the slot is free */
	uint64_t until_ms;
	uint64_t last_start_ms;
	int64_t since_unix_s;
	uint32_t count;
};

/* Rules quarantined now or recently; quarantine_lock protects them,
 * n_quarantined (rules whose until_ms may still be ahead) lets the query
 * path skip the lock when nothing is quarantined. */
static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;
static struct quarantine quarantines[QUARANTINE_SLOTS];
static atomic_int n_quarantined;

static void shards_init(void)
{
	for (size_t i = 0; i < SHARDS; i++) {
		pthread_mutex_init(&shards[i].lock, NULL);
		shards[i].head = NULL;
	}
}

void health_key_init(struct health_key *key, const struct zg_addr *target,
		     const char *path)
{
	memset(key, 0, sizeof(*key));
	key->target = *target;
	snprintf(key->path, sizeof(key->path), "%s", path != NULL ? path : "");
}

static bool key_equal(const struct health_key *a, const struct health_key *b)
{
	return addr_equal(&a->target, &b->target) &&
	       strcmp(a->path, b->path) == 0;
}

/* FNV-1a over the address, port and path. */
static size_t key_shard(const struct health_key *key)
{
	char text[ZG_ADDR_STRLEN];
	addr_format(&key->target, true, text, sizeof(text));
	uint32_t hash = 2166136261u;
	for (const char *p = text; *p != '\0'; p++) {
		hash = (hash ^ (uint8_t)*p) * 16777619u;
	}
	for (const char *p = key->path; *p != '\0'; p++) {
		hash = (hash ^ (uint8_t)*p) * 16777619u;
	}
	return hash % SHARDS;
}

/* Locks the shard of key and returns it. */
static struct shard *shard_lock(const struct health_key *key)
{
	pthread_once(&shards_once, shards_init);
	struct shard *sh = &shards[key_shard(key)];
	pthread_mutex_lock(&sh->lock);
	return sh;
}

static struct entry *find(struct shard *sh, const struct health_key *key)
{
	for (struct entry *e = sh->head; e != NULL; e = e->next) {
		if (key_equal(&e->key, key)) {
			return e;
		}
	}
	return NULL;
}

static void random_bytes(void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len > 0) {
		ssize_t got = getrandom(out, len, 0);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got <= 0) {
			/* getrandom() does not fail once the pool is
			 * ready; a clock-based value still differs per
			 * entry, which is all a client cookie needs. */
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			uint64_t v = (uint64_t)ts.tv_nsec ^
				     ((uint64_t)ts.tv_sec << 30);
			size_t n = len < sizeof(v) ? len : sizeof(v);
			memcpy(out, &v, n);
			got = (ssize_t)n;
		}
		out += got;
		len -= (size_t)got;
	}
}

/* The entry of key, created when missing; NULL when the table is full
 * or memory ran out. Called with the shard locked. */
static struct entry *find_or_add(struct shard *sh,
				 const struct health_key *key, uint64_t now_ms)
{
	struct entry *e = find(sh, key);
	if (e != NULL) {
		return e;
	}
	if (atomic_load(&n_entries) >= HEALTH_MAX_ENTRIES) {
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		return NULL;
	}
	e->key = *key;
	e->state = HEALTH_UP;
	e->last_used_ms = now_ms;
	random_bytes(e->client_cookie, sizeof(e->client_cookie));
	e->next = sh->head;
	sh->head = e;
	atomic_fetch_add(&n_entries, 1);
	return e;
}

/*
 * RTT
 */

void health_rtt_sample(struct health_rtt *rtt, uint32_t sample_us)
{
	if (!rtt->measured) {
		rtt->measured = true;
		rtt->srtt_us = sample_us;
		rtt->rttvar_us = sample_us / 2;
		return;
	}
	uint32_t delta = rtt->srtt_us > sample_us ? rtt->srtt_us - sample_us :
						    sample_us - rtt->srtt_us;
	/* beta = 1/4, alpha = 1/8 (RFC 6298 section 2.3), in 64 bits so
	 * that large samples cannot overflow. */
	rtt->rttvar_us = (uint32_t)(((uint64_t)rtt->rttvar_us * 3 + delta) / 4);
	rtt->srtt_us = (uint32_t)(((uint64_t)rtt->srtt_us * 7 + sample_us) / 8);
}

uint32_t health_rtt_timeout_ms(const struct health_rtt *rtt)
{
	if (!rtt->measured) {
		return HEALTH_FIRST_TIMEOUT_MS;
	}
	uint64_t rto_us = (uint64_t)rtt->srtt_us + 4 * (uint64_t)rtt->rttvar_us;
	uint64_t rto_ms = (rto_us + 999) / 1000;
	if (rto_ms < HEALTH_MIN_TIMEOUT_MS) {
		return HEALTH_MIN_TIMEOUT_MS;
	}
	if (rto_ms > HEALTH_MAX_TIMEOUT_MS) {
		return HEALTH_MAX_TIMEOUT_MS;
	}
	return (uint32_t)rto_ms;
}

/*
 * Views and ordering
 */

static void copy_view(const struct entry *e, struct health_view *out)
{
	memset(out, 0, sizeof(*out));
	if (e == NULL) {
		out->state = HEALTH_UP;
		return;
	}
	out->known = true;
	out->state = e->state;
	out->rtt = e->rtt;
	out->failures = e->failures;
	out->probe_successes = e->probe_successes;
	out->last_sent_ms = e->last_sent_ms;
	out->changed_ms = e->changed_ms;
	out->changed_unix_s = e->changed_unix_s;
	out->sent = e->sent;
	out->answered = e->answered;
	out->timeouts = e->timeouts;
	out->cookie_known = e->server_cookie_len > 0;
	out->case_disabled = e->case_disabled;
}

void health_view_get(const struct health_key *key, struct health_view *out)
{
	struct shard *sh = shard_lock(key);
	copy_view(find(sh, key), out);
	pthread_mutex_unlock(&sh->lock);
}

void health_view_use(const struct health_key *key, uint64_t now_ms,
		     struct health_view *out)
{
	struct shard *sh = shard_lock(key);
	struct entry *e = find(sh, key);
	if (e != NULL) {
		e->last_used_ms = now_ms;
	}
	copy_view(e, out);
	pthread_mutex_unlock(&sh->lock);
}

/* Fast: no failure in a row, and no slower than the fastest by more
 * than the slack. An unmeasured target counts as fast, so that the
 * configured order holds until there is something to go by. */
static bool is_fast(const struct health_view *v, bool have_best,
		    uint32_t best_us)
{
	if (v->failures > 0) {
		return false;
	}
	if (!v->rtt.measured || !have_best) {
		return true;
	}
	uint32_t slack = best_us / 2 > HEALTH_FAST_SLACK_US ?
		best_us / 2 : HEALTH_FAST_SLACK_US;
	return v->rtt.srtt_us <= best_us + slack;
}

/* Orders idx[0..n) by SRTT (clean group) or failures (suspect group),
 * configured order breaking ties; insertion sort, n is tiny. */
static void sort_group(const struct health_view *views, size_t *idx,
		       size_t n, bool by_failures)
{
	for (size_t i = 1; i < n; i++) {
		size_t cur = idx[i];
		size_t j = i;
		while (j > 0) {
			const struct health_view *a = &views[idx[j - 1]];
			const struct health_view *b = &views[cur];
			uint64_t ka = by_failures ? a->failures : a->rtt.srtt_us;
			uint64_t kb = by_failures ? b->failures : b->rtt.srtt_us;
			if (ka <= kb) {
				break;
			}
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = cur;
	}
}

static int pick_explore(const struct health_view *views,
			const struct health_choice *out, size_t n_fast,
			uint32_t random, uint64_t now_ms)
{
	int oldest = -1;
	for (size_t i = n_fast; i < out->n_order; i++) {
		size_t k = out->order[i];
		if (oldest < 0 ||
		    views[k].last_sent_ms < views[oldest].last_sent_ms) {
			oldest = (int)k;
		}
	}
	if (oldest < 0 || n_fast == 0) {
		return -1;
	}
	bool lucky = random % 100 < HEALTH_EXPLORE_PERCENT;
	bool stale = now_ms >= views[oldest].last_sent_ms +
			       HEALTH_EXPLORE_INTERVAL_MS;
	return lucky || stale ? oldest : -1;
}

void health_order(const struct health_view *views, size_t n, uint32_t random,
		  uint64_t now_ms, struct health_choice *out)
{
	memset(out, 0, sizeof(*out));
	out->explore = -1;
	if (n > HEALTH_MAX_TARGETS) {
		n = HEALTH_MAX_TARGETS;
	}

	bool have_best = false;
	uint32_t best_us = 0;
	for (size_t i = 0; i < n; i++) {
		const struct health_view *v = &views[i];
		if (v->state == HEALTH_UP && v->failures == 0 &&
		    v->rtt.measured && (!have_best || v->rtt.srtt_us < best_us)) {
			best_us = v->rtt.srtt_us;
			have_best = true;
		}
	}

	size_t slow[HEALTH_MAX_TARGETS], suspect[HEALTH_MAX_TARGETS];
	size_t n_slow = 0, n_suspect = 0;
	for (size_t i = 0; i < n; i++) {
		const struct health_view *v = &views[i];
		if (v->state != HEALTH_UP) {
			continue;
		}
		if (is_fast(v, have_best, best_us)) {
			out->order[out->n_order++] = i;
		} else if (v->failures == 0) {
			slow[n_slow++] = i;
		} else {
			suspect[n_suspect++] = i;
		}
	}
	size_t n_fast = out->n_order;
	sort_group(views, slow, n_slow, false);
	sort_group(views, suspect, n_suspect, true);
	memcpy(out->order + out->n_order, slow, n_slow * sizeof(slow[0]));
	out->n_order += n_slow;
	memcpy(out->order + out->n_order, suspect,
	       n_suspect * sizeof(suspect[0]));
	out->n_order += n_suspect;

	out->explore = pick_explore(views, out, n_fast, random, now_ms);
}

/*
 * Recording
 */

static void log_target(enum zg_log_level level, const struct health_key *key,
		       const char *owner_id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void log_target(enum zg_log_level level, const struct health_key *key,
		       const char *owner_id, const char *fmt, ...)
{
	if (!zg_log_enabled(level)) {
		return;
	}
	char target[ZG_ADDR_STRLEN];
	addr_format(&key->target, true, target, sizeof(target));
	const char *id_key = "owner_id";
	if (owner_id != NULL && strncmp(owner_id, "rule-", 5) == 0) {
		id_key = "rule_id";
	} else if (owner_id != NULL && strncmp(owner_id, "upstream-", 9) == 0) {
		id_key = "upstream_id";
	} else if (owner_id != NULL && strncmp(owner_id, "zone-", 5) == 0) {
		id_key = "zone_id";
	}
	char fields[256];
	int len = snprintf(fields, sizeof(fields), "target=%s", target);
	if (key->path[0] != '\0' && len > 0 && (size_t)len < sizeof(fields)) {
		len += snprintf(fields + len, sizeof(fields) - (size_t)len,
				" path=%s", key->path);
	}
	if (owner_id != NULL && len > 0 && (size_t)len < sizeof(fields)) {
		snprintf(fields + len, sizeof(fields) - (size_t)len, " %s=%s",
			 id_key, owner_id);
	}

	char sentence[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sentence, sizeof(sentence), fmt, ap);
	va_end(ap);
	zg_log(level, "health", fields, "%s", sentence);
}

static int64_t unix_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

void health_note_sent(const struct health_key *key, uint64_t now_ms)
{
	struct shard *sh = shard_lock(key);
	struct entry *e = find_or_add(sh, key, now_ms);
	if (e != NULL) {
		e->sent++;
		e->last_sent_ms = now_ms;
		e->last_used_ms = now_ms;
	}
	pthread_mutex_unlock(&sh->lock);
}

/* Brings e up; its RTT starts afresh from sample_us (0: none), since
 * what it measured before it went down says nothing now. */
static void bring_up(struct entry *e, uint32_t sample_us, uint64_t now_ms)
{
	e->state = HEALTH_UP;
	e->failures = 0;
	e->probe_successes = 0;
	e->changed_ms = now_ms;
	e->changed_unix_s = unix_now();
	memset(&e->rtt, 0, sizeof(e->rtt));
	if (sample_us > 0) {
		health_rtt_sample(&e->rtt, sample_us);
	}
}

void health_note_reply(const struct health_key *key, uint32_t rtt_us,
		       uint64_t now_ms, const char *owner_id)
{
	bool came_up = false;
	struct shard *sh = shard_lock(key);
	struct entry *e = find_or_add(sh, key, now_ms);
	if (e != NULL) {
		e->answered++;
		e->last_used_ms = now_ms;
		if (e->state == HEALTH_DOWN) {
			e->probe_successes++;
			if (e->probe_successes >= HEALTH_UP_AFTER) {
				bring_up(e, rtt_us, now_ms);
				came_up = true;
			}
		} else {
			e->failures = 0;
			if (rtt_us > 0) {
				health_rtt_sample(&e->rtt, rtt_us);
			}
		}
	}
	pthread_mutex_unlock(&sh->lock);

	if (came_up) {
		log_target(ZG_LOG_NOTICE, key, owner_id,
			   "target answers again and is back in use");
	}
}

bool health_note_failure(const struct health_key *key, uint64_t now_ms,
			 const struct health_probe *probe,
			 const char *owner_id)
{
	bool went_down = false;
	struct shard *sh = shard_lock(key);
	struct entry *e = find_or_add(sh, key, now_ms);
	if (e != NULL) {
		e->timeouts++;
		e->last_used_ms = now_ms;
		if (probe != NULL) {
			e->probe = *probe;
			e->has_probe = true;
		}
		if (e->state == HEALTH_UP) {
			e->failures++;
			if (e->failures >= HEALTH_DOWN_AFTER) {
				e->state = HEALTH_DOWN;
				e->probe_successes = 0;
				e->changed_ms = now_ms;
				e->changed_unix_s = unix_now();
				e->next_probe_ms = now_ms +
						   HEALTH_PROBE_INTERVAL_MS;
				went_down = true;
			}
		} else {
			e->probe_successes = 0;
		}
	}
	pthread_mutex_unlock(&sh->lock);

	if (went_down) {
		log_target(ZG_LOG_WARNING, key, owner_id,
			   "target failed %d times in a row and is marked down; it gets no queries and is probed every %d ms until it answers %d probes in a row",
			   HEALTH_DOWN_AFTER, HEALTH_PROBE_INTERVAL_MS,
			   HEALTH_UP_AFTER);
	}
	return went_down;
}

/*
 * Probes
 */

/* Forgets entries nobody wanted for HEALTH_IDLE_MS. */
static void sweep(uint64_t now_ms)
{
	uint64_t last = atomic_load(&last_sweep_ms);
	if (now_ms < last + SWEEP_INTERVAL_MS ||
	    !atomic_compare_exchange_strong(&last_sweep_ms, &last, now_ms)) {
		return;
	}
	for (size_t i = 0; i < SHARDS; i++) {
		struct shard *sh = &shards[i];
		pthread_mutex_lock(&sh->lock);
		struct entry **link = &sh->head;
		while (*link != NULL) {
			struct entry *e = *link;
			if (now_ms >= e->last_used_ms + HEALTH_IDLE_MS &&
			    e->probe_claimed_ms == 0) {
				*link = e->next;
				free(e);
				atomic_fetch_sub(&n_entries, 1);
			} else {
				link = &e->next;
			}
		}
		pthread_mutex_unlock(&sh->lock);
	}
}

static bool probe_due(const struct entry *e, uint64_t now_ms)
{
	if (e->state != HEALTH_DOWN || !e->has_probe ||
	    now_ms < e->next_probe_ms) {
		return false;
	}
	return e->probe_claimed_ms == 0 ||
	       now_ms >= e->probe_claimed_ms + CLAIM_EXPIRY_MS;
}

bool health_probe_claim(uint64_t now_ms, struct health_probe *out)
{
	pthread_once(&shards_once, shards_init);
	sweep(now_ms);

	for (size_t i = 0; i < SHARDS; i++) {
		struct shard *sh = &shards[i];
		pthread_mutex_lock(&sh->lock);
		for (struct entry *e = sh->head; e != NULL; e = e->next) {
			if (!probe_due(e, now_ms)) {
				continue;
			}
			e->probe_claimed_ms = now_ms;
			e->next_probe_ms = now_ms + HEALTH_PROBE_INTERVAL_MS;
			*out = e->probe;
			out->key = e->key;
			pthread_mutex_unlock(&sh->lock);
			return true;
		}
		pthread_mutex_unlock(&sh->lock);
	}
	return false;
}

void health_probe_done(const struct health_key *key, bool ok,
		       uint32_t rtt_us, uint64_t now_ms)
{
	bool came_up = false;
	struct shard *sh = shard_lock(key);
	struct entry *e = find(sh, key);
	if (e != NULL) {
		e->probe_claimed_ms = 0;
		e->sent++;
		e->last_sent_ms = now_ms;
		if (ok) {
			e->answered++;
		} else {
			e->timeouts++;
		}
		if (e->state == HEALTH_DOWN && ok) {
			e->probe_successes++;
			if (e->probe_successes >= HEALTH_UP_AFTER) {
				bring_up(e, rtt_us, now_ms);
				came_up = true;
			}
		} else if (e->state == HEALTH_DOWN) {
			e->probe_successes = 0;
		}
	}
	pthread_mutex_unlock(&sh->lock);

	if (came_up) {
		log_target(ZG_LOG_NOTICE, key, NULL,
			   "target answered %d probes in a row and is back in use",
			   HEALTH_UP_AFTER);
	}
}

/*
 * Hints from outside
 */

bool health_hint_down(const struct health_key *key,
		      const struct health_probe *probe, uint64_t now_ms,
		      const char *owner_id, const char *why)
{
	bool went_down = false;
	struct shard *sh = shard_lock(key);
	struct entry *e = find_or_add(sh, key, now_ms);
	if (e != NULL) {
		e->last_used_ms = now_ms;
		if (probe != NULL) {
			e->probe = *probe;
			e->has_probe = true;
		}
		if (e->state == HEALTH_UP) {
			e->state = HEALTH_DOWN;
			e->failures = HEALTH_DOWN_AFTER;
			e->probe_successes = 0;
			e->changed_ms = now_ms;
			e->changed_unix_s = unix_now();
			e->next_probe_ms = now_ms + HEALTH_PROBE_INTERVAL_MS;
			went_down = true;
		}
	}
	pthread_mutex_unlock(&sh->lock);

	if (went_down) {
		log_target(ZG_LOG_WARNING, key, owner_id,
			   "target marked down at once: %s; it gets no queries and is probed every %d ms until it answers",
			   why, HEALTH_PROBE_INTERVAL_MS);
	}
	return went_down;
}

void health_hint_up(const struct health_key *key, uint64_t now_ms)
{
	struct shard *sh = shard_lock(key);
	struct entry *e = find(sh, key);
	if (e != NULL && e->state == HEALTH_DOWN && e->has_probe) {
		e->next_probe_ms = now_ms;
		if (e->probe_successes + 1 < HEALTH_UP_AFTER) {
			e->probe_successes = HEALTH_UP_AFTER - 1;
		}
	}
	pthread_mutex_unlock(&sh->lock);
}

/*
 * Cookies and 0x20
 */

bool health_cookie_get(const struct health_key *key,
		       uint8_t client[HEALTH_CLIENT_COOKIE_LEN],
		       uint8_t server[HEALTH_SERVER_COOKIE_MAX],
		       size_t *server_len)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now_ms = (uint64_t)ts.tv_sec * 1000 +
			  (uint64_t)ts.tv_nsec / 1000000;

	struct shard *sh = shard_lock(key);
	struct entry *e = find_or_add(sh, key, now_ms);
	if (e != NULL) {
		memcpy(client, e->client_cookie, HEALTH_CLIENT_COOKIE_LEN);
		memcpy(server, e->server_cookie, e->server_cookie_len);
		*server_len = e->server_cookie_len;
	}
	pthread_mutex_unlock(&sh->lock);
	return e != NULL;
}

void health_cookie_set_server(const struct health_key *key,
			      const uint8_t *server, size_t len)
{
	if (len < 8 || len > HEALTH_SERVER_COOKIE_MAX) {
		return;
	}
	struct shard *sh = shard_lock(key);
	struct entry *e = find(sh, key);
	if (e != NULL) {
		memcpy(e->server_cookie, server, len);
		e->server_cookie_len = len;
	}
	pthread_mutex_unlock(&sh->lock);
}

void health_cookie_forget(const struct health_key *key)
{
	struct shard *sh = shard_lock(key);
	struct entry *e = find(sh, key);
	if (e != NULL) {
		e->server_cookie_len = 0;
	}
	pthread_mutex_unlock(&sh->lock);
}

void health_case_disable(const struct health_key *key, const char *owner_id)
{
	bool changed = false;
	struct shard *sh = shard_lock(key);
	struct entry *e = find(sh, key);
	if (e != NULL && !e->case_disabled) {
		e->case_disabled = true;
		changed = true;
	}
	pthread_mutex_unlock(&sh->lock);

	if (changed) {
		log_target(ZG_LOG_NOTICE, key, owner_id,
			   "target does not keep the case of the question; 0x20 case randomisation is off for it");
	}
}

/*
 * Quarantine
 */

static struct quarantine *quarantine_find(const char *rule_id)
{
	for (size_t i = 0; i < QUARANTINE_SLOTS; i++) {
		if (strcmp(quarantines[i].rule_id, rule_id) == 0) {
			return &quarantines[i];
		}
	}
	return NULL;
}

/* A free slot, or the one whose quarantine ended longest ago. */
static struct quarantine *quarantine_slot(uint64_t now_ms)
{
	struct quarantine *best = NULL;
	for (size_t i = 0; i < QUARANTINE_SLOTS; i++) {
		struct quarantine *q = &quarantines[i];
		if (q->rule_id[0] == '\0') {
			return q;
		}
		if (q->until_ms <= now_ms &&
		    (best == NULL || q->until_ms < best->until_ms)) {
			best = q;
		}
	}
	return best;
}

static uint32_t quarantine_length(const struct quarantine *q,
				  uint32_t duration_ms)
{
	if (duration_ms != 0) {
		return duration_ms;
	}
	uint64_t ms = HEALTH_QUARANTINE_MS;
	for (uint32_t i = 1; i < q->count && ms < HEALTH_QUARANTINE_MAX_MS;
	     i++) {
		ms *= 2;
	}
	return ms > HEALTH_QUARANTINE_MAX_MS ? HEALTH_QUARANTINE_MAX_MS :
					       (uint32_t)ms;
}

bool health_quarantine_rule(const char *rule_id, uint32_t duration_ms,
			    uint64_t now_ms)
{
	if (rule_id == NULL || rule_id[0] == '\0') {
		return false;
	}
	pthread_mutex_lock(&quarantine_lock);
	struct quarantine *q = quarantine_find(rule_id);
	bool fresh = q == NULL || q->until_ms <= now_ms;
	if (q == NULL) {
		q = quarantine_slot(now_ms);
		if (q != NULL) {
			memset(q, 0, sizeof(*q));
			snprintf(q->rule_id, sizeof(q->rule_id), "%s",
				 rule_id);
		}
	}
	if (q != NULL && fresh) {
		if (q->count > 0 &&
		    now_ms >= q->last_start_ms + QUARANTINE_MEMORY_MS) {
			q->count = 0;
		}
		q->count++;
		q->last_start_ms = now_ms;
		q->since_unix_s = unix_now();
		q->until_ms = now_ms + quarantine_length(q, duration_ms);
		atomic_fetch_add(&n_quarantined, 1);
	}
	pthread_mutex_unlock(&quarantine_lock);
	return q != NULL && fresh;
}

bool health_rule_quarantined(const char *rule_id, uint64_t now_ms)
{
	if (atomic_load(&n_quarantined) == 0 || rule_id == NULL) {
		return false;
	}
	bool quarantined = false;
	pthread_mutex_lock(&quarantine_lock);
	int active = 0;
	for (size_t i = 0; i < QUARANTINE_SLOTS; i++) {
		struct quarantine *q = &quarantines[i];
		if (q->rule_id[0] == '\0' || q->until_ms <= now_ms) {
			continue;
		}
		active++;
		if (strcmp(q->rule_id, rule_id) == 0) {
			quarantined = true;
		}
	}
	/* Expired quarantines no longer cost the lock. */
	atomic_store(&n_quarantined, active);
	pthread_mutex_unlock(&quarantine_lock);
	return quarantined;
}

void health_quarantine_lift(const char *rule_id)
{
	pthread_mutex_lock(&quarantine_lock);
	struct quarantine *q = quarantine_find(rule_id);
	if (q != NULL) {
		q->until_ms = 0;
	}
	pthread_mutex_unlock(&quarantine_lock);
}

void health_quarantine_get(const char *rule_id, uint64_t now_ms,
			   struct health_quarantine_view *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&quarantine_lock);
	const struct quarantine *q = quarantine_find(rule_id);
	if (q != NULL) {
		out->quarantined = q->until_ms > now_ms;
		out->until_ms = q->until_ms;
		out->since_unix_s = q->since_unix_s;
		out->count = q->count;
	}
	pthread_mutex_unlock(&quarantine_lock);
}

void health_reset(void)
{
	pthread_once(&shards_once, shards_init);
	for (size_t i = 0; i < SHARDS; i++) {
		struct shard *sh = &shards[i];
		pthread_mutex_lock(&sh->lock);
		while (sh->head != NULL) {
			struct entry *e = sh->head;
			sh->head = e->next;
			free(e);
		}
		pthread_mutex_unlock(&sh->lock);
	}
	atomic_store(&n_entries, 0);
	atomic_store(&last_sweep_ms, 0);

	pthread_mutex_lock(&quarantine_lock);
	memset(quarantines, 0, sizeof(quarantines));
	atomic_store(&n_quarantined, 0);
	pthread_mutex_unlock(&quarantine_lock);
}
