/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The answer cache through the API: flush by name, rule or upstream, and
 * its counters (docs/api.md, "Cache"). */
#include "api/api_priv.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "validate/validate.h"
#include "cache/cache.h"
#include "common/error.h"
#include "common/log.h"
#include "common/loop.h"

/* Set once before the server starts (api_set_cache()). */
static struct cache *api_cache;

void api_set_cache(struct cache *cache)
{
	api_cache = cache;
}

static const char *const flush_keys[] = { "name", "rule", "upstream", NULL };

/* The producer id of an upstream named as the upstream routes take it:
 * "global", a vpc id, or the upstream id; 404 when it is not set. */
static int flush_upstream_id(struct api_req *r, const char *text,
			     char *upstream_id)
{
	const char *tail = strncmp(text, "upstream-", 9) == 0 ? text + 9 : text;
	if (strlen(tail) >= STORE_ID_LEN - 9) {
		return api_fail(r, 404, "upstream", "no upstream %s", text);
	}
	snprintf(upstream_id, STORE_ID_LEN, "upstream-%s", tail);

	struct store_upstream up = { 0 };
	int ret = store_upstream_get(r->store, upstream_id, &up);
	store_upstream_clear(&up);
	if (ret == ZG_ENOENT) {
		return api_fail(r, 404, "upstream", "no upstream %s", text);
	}
	return ret != 0 ? api_fail_store(r, ret, "the upstream") : 0;
}

static int flush_rule_id(struct api_req *r, const char *rule_id)
{
	struct store_rule rule = { 0 };
	int ret = strlen(rule_id) < STORE_ID_LEN ?
		store_rule_get(r->store, rule_id, &rule) : ZG_ENOENT;
	store_rule_clear(&rule);
	if (ret == ZG_ENOENT) {
		return api_fail(r, 404, "rule", "no rule %s", rule_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "the rule") : 0;
}

/* What a flush body asks for: a wire name (or none) and a producer id
 * (or ""). Producers are checked in a read transaction. */
static int read_flush(struct api_req *r, json_t *body, knot_dname_t *name,
		      bool *has_name, char *producer)
{
	const char *name_text = NULL, *rule = NULL, *upstream = NULL;
	char canon[KNOT_DNAME_TXT_MAXLEN + 1];
	char msg[256] = "not a domain name";

	*has_name = false;
	producer[0] = '\0';
	if (body != NULL && (api_check_keys(r, body, flush_keys) != 0 ||
			     api_get_string(r, body, "name", false, &name_text,
					    NULL) != 0 ||
			     api_get_string(r, body, "rule", false, &rule,
					    NULL) != 0 ||
			     api_get_string(r, body, "upstream", false,
					    &upstream, NULL) != 0)) {
		return ZG_EINVAL;
	}
	if (rule != NULL && upstream != NULL) {
		return api_fail(r, 400, "upstream", "give rule or upstream, not both: an entry belongs to one of them");
	}
	if (name_text != NULL) {
		if (validate_domain(name_text, true, canon, sizeof(canon),
					msg, sizeof(msg)) != 0 ||
		    knot_dname_from_str(name, canon, KNOT_DNAME_MAXLEN) ==
			    NULL) {
			return api_fail(r, 400, "name", "%s", msg);
		}
		*has_name = true;
	}
	if (rule == NULL && upstream == NULL) {
		return 0;
	}

	int ret = store_begin(r->store, NULL);
	if (ret != 0) {
		return api_fail_store(r, ret, "the state database");
	}
	if (rule != NULL) {
		ret = flush_rule_id(r, rule);
		snprintf(producer, STORE_ID_LEN, "%s", rule);
	} else {
		ret = flush_upstream_id(r, upstream, producer);
	}
	store_rollback(r->store);
	return ret;
}

int api_cache_flush(struct api_req *r, json_t *body, json_t **out)
{
	knot_dname_t name[KNOT_DNAME_MAXLEN];
	char producer[STORE_ID_LEN];
	bool has_name;

	if (api_cache == NULL) {
		return api_fail_at(r, 500, NULL, "this daemon runs without an answer cache");
	}
	int ret = read_flush(r, body, name, &has_name, producer);
	if (ret != 0) {
		return ret;
	}

	size_t flushed = cache_flush(api_cache, has_name ? name : NULL,
				     producer[0] != '\0' ? producer : NULL);

	char fields[STORE_ID_LEN + 64];
	snprintf(fields, sizeof(fields), "uid=%u pid=%d%s%s",
		 (unsigned)r->caller.uid, (int)r->caller.pid,
		 producer[0] != '\0' ? " producer=" : "", producer);
	zg_log(ZG_LOG_NOTICE, "api", fields, "%zu cached records flushed%s",
	       flushed, has_name ? " for one name" : "");

	*out = json_pack("{sI}", "flushed", (json_int_t)flushed);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_cache_stats(struct api_req *r, json_t **out)
{
	struct cache_stats st;

	if (api_cache == NULL) {
		return api_fail_at(r, 500, NULL, "this daemon runs without an answer cache");
	}
	cache_get_stats(api_cache, loop_clock_ms(), &st);
	*out = json_pack("{sI sI sI sI sI sI sI sI sI sI sI sI sI}",
			 "entries", (json_int_t)st.entries,
			 "bytes", (json_int_t)st.bytes,
			 "max_bytes", (json_int_t)st.max_bytes,
			 "hits", (json_int_t)st.hits,
			 "misses", (json_int_t)st.misses,
			 "evictions", (json_int_t)st.evictions,
			 "skipped_inserts", (json_int_t)st.skipped,
			 "stale_served", (json_int_t)st.stale_served,
			 "failures_served", (json_int_t)st.failures_served,
			 "inflight", (json_int_t)st.inflight,
			 "joined", (json_int_t)st.joined,
			 "loops", (json_int_t)st.loops,
			 "quarantined_rules", (json_int_t)st.quarantined);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}
