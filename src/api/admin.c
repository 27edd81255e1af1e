/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Requests outside the resource model: explain (a dry run of the
 * resolver), status, backup and restore. */
#include "api/api_priv.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu.h>

#include "common/error.h"
#include "common/log.h"
#include "config/config.h"
#include "config/publish.h"
#include "resolve/resolve.h"

static const char *const explain_keys[] = { "vpc", "name", "type", NULL };
static const char *const path_keys[] = { "path", NULL };

static const char *step_name(enum resolve_step_kind kind)
{
	switch (kind) {
	case RESOLVE_STEP_REFUSED_NO_VPC:
		return "refused-no-vpc";
	case RESOLVE_STEP_ZONE:
		return "zone";
	case RESOLVE_STEP_ZONE_FALLTHROUGH:
		return "zone-fallthrough";
	case RESOLVE_STEP_BUILTIN:
		return "builtin";
	case RESOLVE_STEP_RULE:
		return "rule";
	case RESOLVE_STEP_UPSTREAM:
		return "upstream";
	case RESOLVE_STEP_REFUSED_NO_UPSTREAM:
		return "refused-no-upstream";
	case RESOLVE_STEP_CNAME:
		return "cname";
	}
	return "unknown";
}

static json_t *text_or_null(const char *text)
{
	return text[0] != '\0' ? json_string(text) : json_null();
}

static json_t *cache_json(const struct resolve_cache_view *cv)
{
	static const char *const states[] = { "absent", "fresh", "stale" };
	const knot_lookup_t *rcode = cv->state != RESOLVE_CACHE_ABSENT ?
		knot_lookup_by_id(knot_rcode_names, cv->rcode) : NULL;

	return json_pack("{ss so so sb}", "state", states[cv->state],
			 "ttl_left_s", cv->state == RESOLVE_CACHE_FRESH ?
				 json_integer(cv->ttl_left_s) : json_null(),
			 "rcode", rcode != NULL ? json_string(rcode->name) :
						  json_null(),
			 "failure_cached", cv->failure_cached);
}

static json_t *target_health_json(const struct zg_addr *addr,
				  const struct resolve_target_view *tv)
{
	char text[ZG_ADDR_STRLEN];
	addr_format(addr, true, text, sizeof(text));
	return json_pack("{ss ss so sI}", "address", text,
			 "state", !tv->known ? "unknown" :
				  tv->down ? "down" : "up",
			 "srtt_ms", tv->measured ?
				 json_real(tv->srtt_us / 1000.0) : json_null(),
			 "failures_in_a_row", (json_int_t)tv->failures);
}

/* For a rule or upstream step: what the cache holds and which target
 * would be asked, with every target's health. */
static void add_forward_state(json_t *obj, const struct resolve_step *step)
{
	if (step->cache.known) {
		json_object_set_new(obj, "cache", cache_json(&step->cache));
	}
	if (!step->has_health) {
		return;
	}
	json_t *health = json_array();
	for (size_t i = 0; health != NULL && i < step->n_targets && i < 6;
	     i++) {
		json_array_append_new(health, target_health_json(
			&step->targets[i], &step->health[i]));
	}
	json_object_set_new(obj, "targets_health", health);
	json_object_set_new(obj, "target",
			    step->first_target >= 0 ?
				    json_incref(json_array_get(
					    health, (size_t)step->first_target)) :
				    json_null());
	json_object_set_new(obj, "explore",
			    step->explore_target >= 0 ?
				    json_incref(json_array_get(
					    health,
					    (size_t)step->explore_target)) :
				    json_null());
	json_object_set_new(obj, "all_targets_down",
			    json_boolean(step->first_target < 0));
	json_object_set_new(obj, "quarantined",
			    json_boolean(step->quarantined));
}

static json_t *step_json(const struct resolve_step *step)
{
	json_t *obj = json_object();
	json_t *targets = json_array();
	if (obj == NULL || targets == NULL) {
		json_decref(obj);
		json_decref(targets);
		return NULL;
	}
	for (size_t i = 0; i < step->n_targets && i < 6; i++) {
		char addr[ZG_ADDR_STRLEN];
		addr_format(&step->targets[i], true, addr, sizeof(addr));
		json_array_append_new(targets, json_string(addr));
	}
	json_object_set_new(obj, "step", json_string(step_name(step->kind)));
	json_object_set_new(obj, "name", json_string(step->name));
	json_object_set_new(obj, "resource", text_or_null(step->resource_id));
	json_object_set_new(obj, "matched", text_or_null(step->matched));
	json_object_set_new(obj, "targets", targets);
	json_object_set_new(obj, "reason", json_string(step->reason));
	add_forward_state(obj, step);
	return obj;
}

static json_t *explanation_json(const struct resolve_explanation *ex)
{
	json_t *obj = json_object();
	json_t *steps = json_array();
	if (obj == NULL || steps == NULL) {
		json_decref(obj);
		json_decref(steps);
		return NULL;
	}
	for (size_t i = 0; i < ex->n_steps && i < 16; i++) {
		if (json_array_append_new(steps, step_json(&ex->steps[i])) != 0) {
			json_decref(obj);
			json_decref(steps);
			return NULL;
		}
	}
	json_object_set_new(obj, "vpc", json_string(ex->vpc_id));
	json_object_set_new(obj, "steps", steps);
	return obj;
}

static int read_qtype(struct api_req *r, const char *text, uint16_t *qtype)
{
	char upper[16];
	size_t len = strlen(text);
	if (len == 0 || len >= sizeof(upper)) {
		return api_fail(r, 400, "type", "'%s' is not a record type",
				text);
	}
	for (size_t i = 0; i <= len; i++) {
		upper[i] = (char)toupper((unsigned char)text[i]);
	}
	if (knot_rrtype_from_string(upper, qtype) != 0) {
		return api_fail(r, 400, "type", "'%s' is not a record type",
				text);
	}
	return 0;
}

/* Runs the resolver's dry run under RCU. This thread belongs to
 * libmicrohttpd, so it registers for the call only. */
static int run_explain(const char *vpc_id, const char *name, uint16_t qtype,
		       struct resolve_explanation *ex, bool *published)
{
	rcu_register_thread();
	rcu_read_lock();
	const struct config *cfg = config_current();
	*published = cfg != NULL;
	int ret = cfg != NULL ? resolve_explain(cfg, vpc_id, name, qtype, ex)
			      : 0;
	rcu_read_unlock();
	rcu_unregister_thread();
	return ret;
}

int api_explain(struct api_req *r, json_t *body, json_t **out)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL,
				"the body must be a JSON object {\"vpc\", \"name\", \"type\"}");
	}
	const char *vpc_id = NULL, *name = NULL, *type = "A";
	uint16_t qtype = 0;
	int ret = api_check_keys(r, body, explain_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "vpc", true, &vpc_id, NULL);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "name", true, &name, NULL);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "type", false, &type, NULL);
	}
	if (ret == 0) {
		ret = read_qtype(r, type, &qtype);
	}
	if (ret != 0) {
		return ret;
	}

	struct resolve_explanation *ex = calloc(1, sizeof(*ex));
	if (ex == NULL) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	bool published = false;
	ret = run_explain(vpc_id, name, qtype, ex, &published);
	if (!published) {
		ret = api_fail_at(r, 500, NULL,
				  "no configuration is published yet");
	} else if (ret == ZG_ENOENT) {
		ret = api_fail(r, 404, "vpc", "no VPC %s", vpc_id);
	} else if (ret == ZG_EINVAL) {
		ret = api_fail(r, 400, "name", "'%s' is not a domain name",
			       name);
	} else if (ret != 0) {
		ret = api_fail_at(r, 500, NULL, "explain failed: %s",
				  zg_strerror(ret));
	} else {
		*out = explanation_json(ex);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	free(ex);
	return ret;
}

int api_status(struct api_req *r, json_t **out)
{
	uint64_t version = 0;
	int ret = store_begin(r->store, NULL);
	if (ret == 0) {
		ret = store_version(r->store, &version);
		store_rollback(r->store);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "the version");
	}

	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	*out = json_pack("{sI sI sI}", "version", (json_int_t)version,
			 "config_version",
			 (json_int_t)config_publisher_version(r->srv->pub),
			 "uptime_s",
			 (json_int_t)(now.tv_sec - r->srv->started.tv_sec));
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

static int read_path(struct api_req *r, json_t *body, const char **path)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL,
				"the body must be a JSON object {\"path\": FILE}");
	}
	int ret = api_check_keys(r, body, path_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "path", true, path, NULL);
	}
	if (ret == 0 && (*path)[0] != '/') {
		ret = api_fail(r, 400, "path",
			       "the path must be absolute: the daemon resolves it, not the client");
	}
	return ret;
}

static void log_admin(const struct api_req *r, const char *sentence,
		      const char *path)
{
	char fields[96];
	snprintf(fields, sizeof(fields), "uid=%" PRIu32 " pid=%" PRId32,
		 r->caller.uid, r->caller.pid);
	zg_log(ZG_LOG_NOTICE, "api", fields, "%s %s", sentence, path);
}

int api_backup(struct api_req *r, json_t *body, json_t **out)
{
	const char *path = NULL;
	int ret = read_path(r, body, &path);
	if (ret != 0) {
		return ret;
	}
	char err[512];
	ret = store_backup(r->store, path, err, sizeof(err));
	if (ret != 0) {
		return api_fail(r, 400, "path", "%s", err);
	}
	log_admin(r, "state backed up to", path);
	*out = json_pack("{ss}", "path", path);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_restore(struct api_req *r, json_t *body, json_t **out)
{
	const char *path = NULL;
	int ret = read_path(r, body, &path);
	if (ret != 0) {
		return ret;
	}
	char err[512];
	uint64_t version = 0;
	ret = store_restore(r->store, path, &r->caller, &version, err,
			    sizeof(err));
	if (ret == ZG_EINVAL || ret == ZG_ESCHEMA) {
		return api_fail(r, 400, "path", "%s", err);
	}
	if (ret != 0) {
		return api_fail_at(r, 500, NULL, "%s", err);
	}
	log_admin(r, "state restored from", path);

	ret = config_publisher_load_all(r->srv->pub);
	if (ret != 0) {
		return api_fail_at(r, 500, NULL,
				   "restored %s as version %" PRIu64 " but publishing it failed: %s; the daemon keeps serving the previous configuration",
				   path, version, zg_strerror(ret));
	}
	*out = json_pack("{ss sI}", "path", path, "version",
			 (json_int_t)version);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}
