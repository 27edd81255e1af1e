/* SPDX-License-Identifier: GPL-3.0-or-later */
/* POST /v1/doctor: the checks of src/doctor/ on a rule, or on every rule
 * bound to a VPC, as JSON. The API only reads the request, takes the plan
 * from the published configuration and adds the resources' names. */
#include "api/api_priv.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <urcu.h>

#include "common/error.h"
#include "config/config.h"
#include "doctor/doctor.h"
#include "vpn/vpn.h"

static const char *const doctor_keys[] = { "rule", "vpc", "timeout_ms",
					   NULL };

/* Copies the plan out of the published configuration. This thread
 * belongs to libmicrohttpd: it registers with urcu for the call only. */
static int take_plan(const char *rule_id, const char *vpc_id,
		     struct doctor_plan *plan, bool *published)
{
	rcu_register_thread();
	rcu_read_lock();
	const struct config *cfg = config_current();
	*published = cfg != NULL;
	int ret = 0;
	if (cfg != NULL) {
		ret = rule_id != NULL ? doctor_plan_rule(cfg, rule_id, plan)
				      : doctor_plan_vpc(cfg, vpc_id, plan);
	}
	rcu_read_unlock();
	rcu_unregister_thread();
	return ret;
}

/* The tunnel check's view of the VPN: the hint table the VPN manager
 * publishes (lock-free; this thread is registered with urcu while
 * doctor runs). */
static enum doctor_tunnel_state tunnel_of(void *arg,
					  const struct zg_addr *target,
					  char *connection, size_t len)
{
	char conn[VPN_NAME_LEN] = "";
	enum vpn_hint hint = vpn_hint_target(target, conn);
	snprintf(connection, len, "%s", conn);
	switch (hint) {
	case VPN_HINT_UP:
		return DOCTOR_TUNNEL_UP;
	case VPN_HINT_DOWN:
		return DOCTOR_TUNNEL_DOWN;
	case VPN_HINT_NONE:
		break;
	}
	return DOCTOR_TUNNEL_NONE;
}

static json_t *addr_json(const struct zg_addr *addr, bool port)
{
	char text[ZG_ADDR_STRLEN];
	addr_format(addr, port, text, sizeof(text));
	return json_string(text);
}

static json_t *check_json(const struct doctor_check *c)
{
	json_t *protocol = json_null();
	if (c->protocol == IPPROTO_UDP || c->protocol == IPPROTO_TCP) {
		protocol = json_string(c->protocol == IPPROTO_UDP ? "udp"
								  : "tcp");
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:o}",
			 "check", doctor_check_name(c->kind),
			 "status", doctor_status_name(c->status),
			 "target", c->has_target ? addr_json(&c->target, true)
						 : json_null(),
			 "source", c->has_source ? addr_json(&c->source, false)
						 : json_null(),
			 "protocol", protocol,
			 "detail", c->detail,
			 "fix", c->fix[0] != '\0' ? json_string(c->fix)
						  : json_null());
}

/* The names of a path's rule and endpoint, from the store ("" when
 * they are gone since the plan was taken). */
static void path_names(struct api_req *r, const struct doctor_path *path,
		       char *rule_name, char *ep_name, size_t len)
{
	rule_name[0] = ep_name[0] = '\0';
	struct store_rule rule;
	memset(&rule, 0, sizeof(rule));
	if (store_rule_get(r->store, path->rule_id, &rule) == 0) {
		snprintf(rule_name, len, "%s", rule.meta.name);
	}
	store_rule_clear(&rule);
	struct store_endpoint ep;
	memset(&ep, 0, sizeof(ep));
	if (path->endpoint_id[0] != '\0' &&
	    store_endpoint_get(r->store, path->endpoint_id, &ep) == 0) {
		snprintf(ep_name, len, "%s", ep.meta.name);
	}
	store_endpoint_clear(&ep);
}

static json_t *path_json(struct api_req *r, const struct doctor_path *path)
{
	char rule_name[STORE_NAME_LEN], ep_name[STORE_NAME_LEN];
	path_names(r, path, rule_name, ep_name, sizeof(rule_name));
	json_t *targets = json_array(), *sources = json_array();
	json_t *vpcs = json_array(), *checks = json_array();
	json_t *obj = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s}", "rule", path->rule_id,
		"name", rule_name, "domain", path->domain, "endpoint",
		path->endpoint_id, "endpoint_name", ep_name, "status",
		doctor_status_name(doctor_path_status(path)));
	if (obj == NULL || targets == NULL || sources == NULL ||
	    vpcs == NULL || checks == NULL) {
		goto fail;
	}
	for (size_t i = 0; i < path->n_targets; i++) {
		json_array_append_new(targets,
				      addr_json(&path->targets[i], true));
	}
	for (size_t i = 0; i < path->n_sources; i++) {
		json_array_append_new(sources,
				      addr_json(&path->sources[i], false));
	}
	for (size_t i = 0; i < path->n_vpcs; i++) {
		json_array_append_new(vpcs, json_string(path->vpc_ids[i]));
	}
	for (size_t i = 0; i < path->n_checks; i++) {
		json_t *c = check_json(&path->checks[i]);
		if (c == NULL || json_array_append_new(checks, c) != 0) {
			goto fail;
		}
	}
	json_object_set_new(obj, "targets", targets);
	json_object_set_new(obj, "sources", sources);
	json_object_set_new(obj, "vpcs", vpcs);
	json_object_set_new(obj, "checks", checks);
	return obj;
fail:
	json_decref(obj);
	json_decref(targets);
	json_decref(sources);
	json_decref(vpcs);
	json_decref(checks);
	return NULL;
}

static json_t *report_json(struct api_req *r, const struct doctor_plan *plan,
			   uint32_t timeout_ms)
{
	json_t *rules = json_array();
	if (rules == NULL) {
		return NULL;
	}
	enum doctor_status worst = DOCTOR_OK;
	int ret = store_begin(r->store, NULL);
	for (size_t i = 0; i < plan->n_paths; i++) {
		const struct doctor_path *path = &plan->paths[i];
		json_t *p = path_json(r, path);
		if (p == NULL || json_array_append_new(rules, p) != 0) {
			json_decref(rules);
			rules = NULL;
			break;
		}
		enum doctor_status s = doctor_path_status(path);
		worst = s > worst ? s : worst;
	}
	if (ret == 0) {
		store_rollback(r->store);
	}
	if (rules == NULL) {
		return NULL;
	}
	return json_pack("{s:b, s:s, s:I, s:o}", "ok", worst != DOCTOR_FAIL,
			 "status", doctor_status_name(worst), "timeout_ms",
			 (json_int_t)timeout_ms, "rules", rules);
}

/* Reads {"rule": ID} or {"vpc": ID} and "timeout_ms". */
static int read_request(struct api_req *r, json_t *body, const char **rule_id,
			const char **vpc_id, uint32_t *timeout_ms)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL,
				"the body must be a JSON object {\"rule\": ID} or {\"vpc\": ID}");
	}
	uint64_t timeout = DOCTOR_DEFAULT_TIMEOUT_MS;
	bool has_timeout = false;
	int ret = api_check_keys(r, body, doctor_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "rule", false, rule_id, NULL);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "vpc", false, vpc_id, NULL);
	}
	if (ret == 0) {
		ret = api_get_uint(r, body, "timeout_ms", DOCTOR_MAX_TIMEOUT_MS,
				   &timeout, &has_timeout);
	}
	if (ret != 0) {
		return ret;
	}
	if ((*rule_id == NULL) == (*vpc_id == NULL)) {
		return api_fail(r, 400, *rule_id == NULL ? "rule" : "vpc",
				"name either a rule or a VPC: {\"rule\": \"rule-1\"} or {\"vpc\": \"vpc-1\"}");
	}
	if (has_timeout && timeout < DOCTOR_MIN_TIMEOUT_MS) {
		return api_fail(r, 400, "timeout_ms",
				"timeout_ms is a number of milliseconds from %d to %d",
				DOCTOR_MIN_TIMEOUT_MS, DOCTOR_MAX_TIMEOUT_MS);
	}
	*timeout_ms = (uint32_t)timeout;
	return 0;
}

int api_doctor(struct api_req *r, json_t *body, json_t **out)
{
	const char *rule_id = NULL, *vpc_id = NULL;
	uint32_t timeout_ms = 0;
	int ret = read_request(r, body, &rule_id, &vpc_id, &timeout_ms);
	if (ret != 0) {
		return ret;
	}

	struct doctor_plan plan;
	bool published = false;
	ret = take_plan(rule_id, vpc_id, &plan, &published);
	if (!published) {
		return api_fail_at(r, 500, NULL,
				   "no configuration is published yet");
	}
	if (ret == ZG_ENOENT) {
		return rule_id != NULL
			? api_fail(r, 404, "rule", "no rule %s", rule_id)
			: api_fail(r, 404, "vpc", "no VPC %s", vpc_id);
	}
	if (ret != 0) {
		return api_fail_at(r, 500, NULL, "doctor failed: %s",
				   zg_strerror(ret));
	}

	struct doctor_options opts = {
		.timeout_ms = timeout_ms,
		.tunnel = tunnel_of,
		.health = true,
	};
	rcu_register_thread();
	ret = doctor_run(&plan, &opts);
	rcu_unregister_thread();
	if (ret == 0) {
		*out = report_json(r, &plan, timeout_ms);
		ret = *out != NULL ? 0 : ZG_ENOMEM;
	}
	doctor_plan_clear(&plan);
	if (ret != 0) {
		return api_fail_at(r, 500, NULL, "doctor failed: %s",
				   zg_strerror(ret));
	}
	return 0;
}
