/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Observability requests: GET /v1/lint (findings on the served
 * configuration), GET /v1/stats and GET /v1/rules/{id}/stats (counters
 * per rule, upstream, zone and target, target health). */
#include "api/api_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>
#include <urcu.h>

#include "common/error.h"
#include "common/loop.h"
#include "config/config.h"
#include "config/publish.h"
#include "health/health.h"
#include "lint/lint.h"
#include "querylog/querylog.h"
#include "resolve/resolve.h"
#include "stats/stats.h"

/*
 * Lint
 */

static json_t *finding_json(const struct lint_finding *f)
{
	json_t *ids = json_array();
	for (size_t i = 0; ids != NULL && i < f->n_ids; i++) {
		json_array_append_new(ids, json_string(f->ids[i]));
	}
	return json_pack("{ss ss so ss ss}", "severity",
			 lint_severity_name(f->severity), "code", f->code,
			 "resources", ids != NULL ? ids : json_array(),
			 "message", f->message, "fix", f->fix);
}

static json_t *report_json(const struct lint_report *rep, uint64_t version)
{
	json_t *items = json_array();
	if (items == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < rep->n; i++) {
		if (json_array_append_new(items, finding_json(&rep->items[i]))
		    != 0) {
			json_decref(items);
			return NULL;
		}
	}
	return json_pack("{so s{sI sI sI} sI}", "findings", items, "counts",
			 "error", (json_int_t)lint_count(rep, LINT_ERROR),
			 "warning", (json_int_t)lint_count(rep, LINT_WARNING),
			 "info", (json_int_t)lint_count(rep, LINT_INFO),
			 "config_version", (json_int_t)version);
}

int api_lint(struct api_req *r, json_t **out)
{
	struct lint_report rep = { 0 };
	uint64_t version = 0;

	/* A libmicrohttpd thread: registered for this call only. */
	rcu_register_thread();
	rcu_read_lock();
	const struct config *cfg = config_current();
	int ret = cfg != NULL ? lint_run(cfg, &rep) : ZG_ENOENT;
	version = cfg != NULL ? cfg->version : 0;
	rcu_read_unlock();
	rcu_unregister_thread();

	if (ret == ZG_ENOENT) {
		ret = api_fail_at(r, 500, NULL,
				  "no configuration is published yet");
	} else if (ret != 0) {
		ret = api_fail_at(r, 500, NULL, "lint failed: %s",
				  zg_strerror(ret));
	} else {
		*out = report_json(&rep, version);
		ret = *out != NULL ? 0 :
			api_fail_at(r, 500, NULL, "out of memory");
	}
	lint_report_clear(&rep);
	return ret;
}

/*
 * Counters
 */

static json_t *rcodes_json(const struct stats_counters *c)
{
	json_t *obj = json_object();
	for (int i = 0; obj != NULL && i < STATS_RCODES; i++) {
		if (c->rcodes[i] == 0) {
			continue;
		}
		char name[16];
		const knot_lookup_t *item = knot_lookup_by_id(knot_rcode_names,
							      i);
		if (i == STATS_RCODES - 1) {
			snprintf(name, sizeof(name), "EXTENDED");
		} else if (item != NULL) {
			snprintf(name, sizeof(name), "%s", item->name);
		} else {
			snprintf(name, sizeof(name), "RCODE%d", i);
		}
		json_object_set_new(obj, name,
				    json_integer((json_int_t)c->rcodes[i]));
	}
	return obj;
}

static json_t *latency_json(const struct stats_counters *c)
{
	json_t *buckets = json_array();
	for (unsigned b = 0; buckets != NULL && b < STATS_LAT_BUCKETS; b++) {
		uint64_t upper = stats_bucket_upper_us(b);
		json_array_append_new(buckets,
			json_pack("{so sI}", "lt_us",
				  upper != 0 ? json_integer((json_int_t)upper) :
					       json_null(),
				  "count", (json_int_t)c->latency[b]));
	}
	return json_pack("{sI so}", "sum_us", (json_int_t)c->latency_sum_us,
			 "buckets", buckets != NULL ? buckets : json_array());
}

/* The counters of one entity under its key name ("id" or "target"). */
static json_t *counters_json(const char *key_name, const char *key,
			     const struct stats_counters *c)
{
	return json_pack("{ss sI sI sI so so}", key_name, key,
			 "queries", (json_int_t)c->queries,
			 "timeouts", (json_int_t)c->timeouts,
			 "failures", (json_int_t)c->failures,
			 "rcodes", rcodes_json(c),
			 "latency", latency_json(c));
}

static json_t *kind_json(enum stats_kind kind)
{
	struct stats_entry *entries = NULL;
	size_t n = 0;
	if (stats_snapshot(kind, NULL, &entries, &n) != 0) {
		return NULL;
	}
	json_t *items = json_array();
	const char *key_name = kind == STATS_TARGET ? "target" : "id";
	for (size_t i = 0; items != NULL && i < n; i++) {
		json_t *item = counters_json(key_name, entries[i].key,
					     &entries[i].c);
		if (item == NULL || json_array_append_new(items, item) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	free(entries);
	return items;
}

static json_t *steps_json(void)
{
	uint64_t steps[STATS_STEPS];
	stats_steps(steps);
	json_t *obj = json_object();
	for (int i = 0; obj != NULL && i < STATS_STEPS; i++) {
		json_object_set_new(obj, stats_step_name((enum stats_step)i),
				    json_integer((json_int_t)steps[i]));
	}
	return obj;
}

static json_t *querylog_json(void)
{
	struct querylog_counts counts;
	querylog_counts(&counts);
	return json_pack("{sb sI sI}", "enabled", querylog_enabled(),
			 "written", (json_int_t)counts.written,
			 "dropped", (json_int_t)counts.dropped);
}

int api_stats(struct api_req *r, json_t **out)
{
	json_t *rules = kind_json(STATS_RULE);
	json_t *upstreams = kind_json(STATS_UPSTREAM);
	json_t *zones = kind_json(STATS_ZONE);
	json_t *targets = kind_json(STATS_TARGET);
	json_t *steps = steps_json();
	json_t *qlog = querylog_json();

	if (rules == NULL || upstreams == NULL || zones == NULL ||
	    targets == NULL || steps == NULL || qlog == NULL) {
		json_decref(rules);
		json_decref(upstreams);
		json_decref(zones);
		json_decref(targets);
		json_decref(steps);
		json_decref(qlog);
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	*out = json_pack("{so so so so so so sI}", "steps", steps,
			 "rules", rules, "upstreams", upstreams,
			 "zones", zones, "targets", targets,
			 "query_log", qlog,
			 "uncounted", (json_int_t)stats_overflow());
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

/*
 * One rule
 */

/* The counters of (kind, key), all zero when nothing was counted. */
static void counters_of(enum stats_kind kind, const char *key,
			struct stats_counters *c)
{
	struct stats_entry *entries = NULL;
	size_t n = 0;
	memset(c, 0, sizeof(*c));
	if (stats_snapshot(kind, key, &entries, &n) == 0 && n > 0) {
		*c = entries[0].c;
	}
	free(entries);
}

static json_t *health_json(const struct zg_addr *target, const char *path)
{
	struct health_key key;
	struct health_view view;
	health_key_init(&key, target, path);
	health_view_get(&key, &view);
	if (!view.known) {
		return json_pack("{ss sb}", "state", "unknown", "known", false);
	}
	return json_pack("{ss sb so so sI sI sI sI sI}",
			 "state", view.state == HEALTH_DOWN ? "down" : "up",
			 "known", true,
			 "srtt_ms", view.rtt.measured ?
				 json_real(view.rtt.srtt_us / 1000.0) :
				 json_null(),
			 "rttvar_ms", view.rtt.measured ?
				 json_real(view.rtt.rttvar_us / 1000.0) :
				 json_null(),
			 "failures_in_a_row", (json_int_t)view.failures,
			 "sent", (json_int_t)view.sent,
			 "answered", (json_int_t)view.answered,
			 "timeouts", (json_int_t)view.timeouts,
			 "changed_unix_s", (json_int_t)view.changed_unix_s);
}

/* The rule's targets with their counters and health, from the served
 * snapshot; an empty array when the rule is not published (yet). */
static json_t *rule_targets_json(const char *rule_id)
{
	json_t *items = json_array();
	rcu_register_thread();
	rcu_read_lock();
	const struct config *cfg = config_current();
	const struct config_rule *rule = cfg != NULL ?
		config_find_rule(cfg, rule_id) : NULL;
	for (size_t i = 0; items != NULL && rule != NULL &&
			   i < rule->n_targets; i++) {
		char addr[ZG_ADDR_STRLEN];
		addr_format(&rule->targets[i], true, addr, sizeof(addr));
		struct stats_counters c;
		counters_of(STATS_TARGET, addr, &c);
		json_t *item = counters_json("target", addr, &c);
		const char *path = resolve_rule_health_path(rule);
		if (item != NULL) {
			json_object_set_new(item, "health",
					    health_json(&rule->targets[i],
							path));
		}
		if (item == NULL || json_array_append_new(items, item) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	rcu_read_unlock();
	rcu_unregister_thread();
	return items;
}

int api_rule_stats(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_rule rule = { 0 };
	int ret = store_rule_get(r->store, a->id, &rule);
	store_rule_clear(&rule);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "rule", a->id);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "a rule");
	}

	struct stats_counters c;
	counters_of(STATS_RULE, a->id, &c);
	json_t *counters = counters_json("id", a->id, &c);
	json_t *targets = rule_targets_json(a->id);
	if (counters == NULL || targets == NULL) {
		json_decref(counters);
		json_decref(targets);
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	struct health_quarantine_view q;
	health_quarantine_get(a->id, loop_clock_ms(), &q);
	json_object_set_new(counters, "quarantined",
			    json_boolean(q.quarantined));
	*out = json_pack("{so so}", "rule", counters, "targets", targets);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}
