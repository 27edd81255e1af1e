/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Forwarding rules and default upstreams: targets that may not loop and
 * must pass the endpoint's security group; rule bindings to VPCs. */
#include "api/api_priv.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "validate/validate.h"
#include "common/error.h"
#include "common/loop.h"
#include "health/health.h"

#define MAX_TARGETS 6
/* Per-try timeout a rule may set (ms); 0 keeps it adaptive. */
#define MIN_TRY_TIMEOUT_MS 50
#define MAX_TRY_TIMEOUT_MS 30000
/* A rule may end its exchanges sooner than the whole resolution (6 s,
 * resolution.md section 5), never later. */
#define MIN_TOTAL_TIMEOUT_MS 100
#define MAX_TOTAL_TIMEOUT_MS 6000

static const char *const rule_keys[] = {
	"name", "domain", "endpoint", "targets",
	"try_timeout_ms", "total_timeout_ms", "tcp_only", "authoritative",
	"cookies", "case_randomization", "hedging", "serve_stale", "max_stale",
	NULL,
};
static const char *const upstream_keys[] = { "targets", "source", NULL };

/*
 * Targets
 */

/* "udp port 53 to 0.0.0.0/0, any port any to ::/0" for messages. */
static void describe_egress(const struct store_endpoint *ep, char *out,
			    size_t outlen)
{
	out[0] = '\0';
	if (ep->n_egress == 0) {
		snprintf(out, outlen, "none");
		return;
	}
	for (size_t i = 0; i < ep->n_egress; i++) {
		const struct store_egress *e = &ep->egress[i];
		size_t used = strlen(out);
		char port[16] = "any";
		if (e->port != 0) {
			snprintf(port, sizeof(port), "%u", (unsigned)e->port);
		}
		snprintf(out + used, outlen - used, "%s%s port %s to %s",
			 i > 0 ? ", " : "", e->protocol, port, e->prefix);
	}
}

/* Checks the strings of list as targets (field "targets[i]"): not a
 * listener or inbound endpoint of ours, not unspecified/multicast/
 * broadcast, and allowed over UDP by egress when egress is not NULL.
 * who ("rule corp", "upstream upstream-global") starts each refusal. */
static int read_targets(struct api_req *r, json_t *list,
			const struct store_endpoint *ep,
			struct store_strv *targets, const char *who)
{
	struct zg_addr *own = NULL;
	size_t n_own = 0;
	int ret = api_own_listen(r, &own, &n_own);
	struct validate_egress *egress = NULL;
	if (ret == 0 && ep != NULL) {
		egress = api_endpoint_egress(ep);
		if (egress == NULL) {
			ret = api_fail_at(r, 500, NULL, "out of memory");
		}
	}

	store_strv_clear(targets);
	for (size_t i = 0; ret == 0 && i < json_array_size(list); i++) {
		const char *text = json_string_value(json_array_get(list, i));
		char field[32], canon[STORE_ADDR_LEN], msg[512];
		struct zg_addr addr;
		snprintf(field, sizeof(field), "targets[%zu]", i);
		if (validate_target(text, own, n_own, &addr, canon,
					sizeof(canon), msg, sizeof(msg)) != 0) {
			ret = api_fail(r, 400, field, "%s: %s", who, msg);
		} else if (egress != NULL &&
			   !validate_egress_allows(egress, ep->n_egress,
					      IPPROTO_UDP, &addr)) {
			char rules[256];
			describe_egress(ep, rules, sizeof(rules));
			ret = api_fail(r, 400, field,
				       "%s: target %s is not allowed by the security group of %s (%s): no egress rule allows udp to %s (its rules: %s)",
				       who, canon, ep->meta.resource_id,
				       ep->meta.name, canon, rules);
		} else if (ep != NULL &&
			   !api_endpoint_has_family(ep, addr_family(&addr))) {
			ret = api_fail(r, 400, field,
				       "%s: target %s is IPv%d but endpoint %s (%s) has no IPv%d source address; a target is asked from a source of its own family",
				       who, canon,
				       addr_family(&addr) == AF_INET6 ? 6 : 4,
				       ep->meta.resource_id, ep->meta.name,
				       addr_family(&addr) == AF_INET6 ? 6 : 4);
		} else if (store_strv_has(targets, canon)) {
			ret = api_fail(r, 400, field, "%s: %s is listed twice",
				       who, canon);
		} else if (store_strv_push(targets, canon) != 0) {
			ret = api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	free(egress);
	free(own);
	return ret;
}

/* "rule corp" for a new rule, "rule rule-3 (corp)" for one that exists:
 * refusals of targets name the rule (bugcorpus BC-11). */
static void rule_who(const struct store_rule *rule, char *out, size_t len)
{
	if (rule->meta.resource_id[0] != '\0') {
		snprintf(out, len, "rule %s (%s)", rule->meta.resource_id,
			 rule->meta.name);
	} else {
		snprintf(out, len, "rule %s", rule->meta.name);
	}
}

/* Re-checks stored targets (another endpoint) as if they were sent. */
static int recheck_targets(struct api_req *r, const struct store_rule *rule,
			   const struct store_endpoint *ep)
{
	char who[STORE_ID_LEN + STORE_NAME_LEN + 16];
	rule_who(rule, who, sizeof(who));
	json_t *list = api_json_strv(&rule->targets);
	struct store_strv copy = { 0 };
	int ret = list != NULL ? read_targets(r, list, ep, &copy, who)
			       : api_fail_at(r, 500, NULL, "out of memory");
	store_strv_clear(&copy);
	json_decref(list);
	return ret;
}

/*
 * Rules
 */

static int load_rule(struct api_req *r, const char *rule_id,
		     struct store_rule *rule)
{
	int ret = store_rule_get(r->store, rule_id, rule);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "rule", rule_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "a rule") : 0;
}

static int rule_reply(struct api_req *r, const struct store_rule *rule,
		      json_t **out)
{
	*out = api_json_rule(rule);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_rule_list(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_rule *rules = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_rule_list(r->store, a->after, a->limit, &rules, &n,
				  &more);
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 400, "after", "unknown cursor '%s'",
				   a->after);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of rules");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, api_json_rule(&rules[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	*out = api_json_page(items, more ? rules[n - 1].meta.resource_id
					 : NULL);
	store_rule_list_free(rules, n);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_rule_get(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_rule rule = { 0 };
	int ret = load_rule(r, a->id, &rule);
	if (ret == 0) {
		ret = rule_reply(r, &rule, out);
	}
	store_rule_clear(&rule);
	return ret;
}

static int check_unique_name(struct api_req *r, const struct store_rule *rule)
{
	struct store_rule *rules = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_rule_list(r->store, NULL, 0, &rules, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of rules");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (strcmp(rules[i].meta.resource_id,
			   rule->meta.resource_id) != 0 &&
		    strcmp(rules[i].meta.name, rule->meta.name) == 0) {
			ret = api_fail(r, 409, "name",
				       "%s already has the name %s",
				       rules[i].meta.resource_id,
				       rule->meta.name);
		}
	}
	store_rule_list_free(rules, n);
	return ret;
}

/* serve_stale and max_stale (RFC 8767): a new rule serves no stale
 * data, and would serve it for at most one day. */
static int read_stale(struct api_req *r, json_t *body,
		      struct store_rule *rule, bool create)
{
	bool present = false;
	uint64_t max_stale = 0;

	if (create) {
		rule->serve_stale = false;
		rule->max_stale_s = 86400;
	}
	int ret = api_get_bool(r, body, "serve_stale", &rule->serve_stale,
			       NULL);
	if (ret == 0) {
		ret = api_get_uint(r, body, "max_stale", 2147483647, &max_stale,
				   &present);
	}
	if (ret == 0 && present && max_stale == 0) {
		return api_fail(r, 400, "max_stale", "max_stale must be at least 1 second; set serve_stale to false to serve no stale data");
	}
	if (ret == 0 && present) {
		rule->max_stale_s = (uint32_t)max_stale;
	}
	return ret;
}

/* A timeout field: null or 0 for the default, else min..max ms. */
static int read_timeout(struct api_req *r, json_t *body, const char *key,
			uint32_t min, uint32_t max, const char *meaning,
			uint32_t *out)
{
	json_t *value = json_object_get(body, key);
	if (value == NULL) {
		return 0;
	}
	if (json_is_null(value)) {
		*out = 0;
		return 0;
	}
	uint64_t ms = 0;
	int ret = api_get_uint(r, body, key, UINT32_MAX, &ms, NULL);
	if (ret == 0 && ms != 0 && (ms < min || ms > max)) {
		ret = api_fail(r, 400, key,
			       "%s must be null or 0 (%s) or from %u to %u ms",
			       key, meaning, min, max);
	}
	if (ret == 0) {
		*out = (uint32_t)ms;
	}
	return ret;
}

/* How the rule's targets are asked (docs/api.md): a new rule sends
 * cookies and hedges; the rest is off and the timeouts adaptive. */
static int read_forwarding(struct api_req *r, json_t *body,
			   struct store_rule_forwarding *fwd, bool create)
{
	if (create) {
		memset(fwd, 0, sizeof(*fwd));
		fwd->cookies = true;
		fwd->hedging = true;
	}
	int ret = read_timeout(r, body, "try_timeout_ms", MIN_TRY_TIMEOUT_MS,
			       MAX_TRY_TIMEOUT_MS,
			       "800 ms, then from the measured round trip",
			       &fwd->try_timeout_ms);
	if (ret == 0) {
		ret = read_timeout(r, body, "total_timeout_ms",
				   MIN_TOTAL_TIMEOUT_MS, MAX_TOTAL_TIMEOUT_MS,
				   "the whole resolution, 6000 ms",
				   &fwd->total_timeout_ms);
	}
	const struct {
		const char *key;
		bool *value;
	} flags[] = {
		{ "tcp_only", &fwd->tcp_only },
		{ "authoritative", &fwd->authoritative },
		{ "cookies", &fwd->cookies },
		{ "case_randomization", &fwd->case_randomization },
		{ "hedging", &fwd->hedging },
	};
	for (size_t i = 0; ret == 0 && i < sizeof(flags) / sizeof(flags[0]);
	     i++) {
		ret = api_get_bool(r, body, flags[i].key, flags[i].value, NULL);
	}
	return ret;
}

/* The fields of a rule body; ep receives the rule's endpoint. */
static int read_rule_body(struct api_req *r, json_t *body,
			  struct store_rule *rule, bool create,
			  struct store_endpoint *ep)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	const char *name = NULL, *domain = NULL, *endpoint_id = NULL;
	bool present = false, endpoint_given = false;
	char msg[256], canon[VALIDATE_NAME_LEN];
	int ret = api_check_keys(r, body, rule_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "name", create, &name, &present);
	}
	if (ret == 0 && present) {
		if (validate_resource_name(name, "rule", msg,
					       sizeof(msg)) != 0) {
			return api_fail(r, 400, "name", "%s", msg);
		}
		snprintf(rule->meta.name, sizeof(rule->meta.name), "%s", name);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "domain", create, &domain,
				     &present);
	}
	if (ret == 0 && present) {
		if (validate_domain(domain, true, canon, sizeof(canon),
					msg, sizeof(msg)) != 0) {
			return api_fail(r, 400, "domain", "%s", msg);
		}
		if (!create && strcmp(canon, rule->domain) != 0) {
			return api_fail(r, 400, "domain",
					"the domain of a rule cannot change; create a new rule for %s",
					canon);
		}
		snprintf(rule->domain, sizeof(rule->domain), "%s", canon);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "endpoint", create, &endpoint_id,
				     &endpoint_given);
	}
	if (ret == 0) {
		if (endpoint_given) {
			snprintf(rule->endpoint_id, sizeof(rule->endpoint_id),
				 "%s", endpoint_id);
		}
		ret = api_load_endpoint(r, rule->endpoint_id,
					endpoint_given ? "endpoint" : NULL, ep);
	}

	json_t *list = NULL;
	if (ret == 0) {
		ret = api_get_strings(r, body, "targets", create, 1,
				      MAX_TARGETS, &list, &present);
	}
	if (ret == 0 && present) {
		char who[STORE_ID_LEN + STORE_NAME_LEN + 16];
		rule_who(rule, who, sizeof(who));
		ret = read_targets(r, list, ep, &rule->targets, who);
	} else if (ret == 0 && endpoint_given) {
		ret = recheck_targets(r, rule, ep);
	}
	if (ret == 0) {
		ret = read_forwarding(r, body, &rule->fwd, create);
	}
	if (ret == 0) {
		ret = read_stale(r, body, rule, create);
	}
	return ret;
}

int api_rule_create(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_rule rule = { 0 };
	struct store_endpoint ep = { 0 };
	int ret = read_rule_body(r, a->body, &rule, true, &ep);
	if (ret == 0) {
		ret = check_unique_name(r, &rule);
	}
	if (ret == 0) {
		ret = store_rule_create(r->store, &rule);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "creating the rule");
		}
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "rule_id=%s endpoint_id=%s",
			 rule.meta.resource_id, rule.endpoint_id);
		api_note(r, fields, "created rule %s for %s with %zu targets",
			 rule.meta.name, rule.domain, rule.targets.n);
		ret = rule_reply(r, &rule, out);
	}
	store_endpoint_clear(&ep);
	store_rule_clear(&rule);
	return ret;
}

int api_rule_update(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_rule rule = { 0 };
	struct store_endpoint ep = { 0 };
	int ret = load_rule(r, a->id, &rule);
	if (ret == 0) {
		ret = api_check_version(r, a, rule.meta.version);
	}
	if (ret == 0) {
		ret = read_rule_body(r, a->body, &rule, false, &ep);
	}
	if (ret == 0) {
		ret = check_unique_name(r, &rule);
	}
	if (ret == 0) {
		ret = store_rule_update(r->store, &rule);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "updating the rule");
		}
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "rule_id=%s endpoint_id=%s",
			 rule.meta.resource_id, rule.endpoint_id);
		api_note(r, fields, "updated rule %s (version %lld)",
			 rule.meta.name, (long long)rule.meta.version);
		ret = rule_reply(r, &rule, out);
	}
	store_endpoint_clear(&ep);
	store_rule_clear(&rule);
	return ret;
}

int api_rule_delete(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_rule rule = { 0 };
	int ret = load_rule(r, a->id, &rule);
	if (ret == 0) {
		ret = api_check_version(r, a, rule.meta.version);
	}
	if (ret == 0) {
		ret = store_rule_delete(r->store, a->id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "deleting the rule");
		}
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "rule_id=%s", a->id);
		api_note(r, fields, "deleted rule %s for %s", rule.meta.name,
			 rule.domain);
		*out = api_json_deleted(&a->id, 1);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_rule_clear(&rule);
	return ret;
}

int api_rule_vpcs(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_rule rule = { 0 };
	int ret = load_rule(r, a->id, &rule);
	json_t *items = ret == 0 ? json_array() : NULL;
	for (size_t i = 0; items != NULL && i < rule.vpcs.n; i++) {
		struct store_vpc vpc = { 0 };
		if (store_vpc_get(r->store, rule.vpcs.v[i], &vpc) == 0) {
			json_array_append_new(items, api_json_vpc(&vpc));
		}
		store_vpc_clear(&vpc);
	}
	if (ret == 0) {
		*out = api_json_page(items, NULL);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_rule_clear(&rule);
	return ret;
}

/* Two rules for one domain never serve one VPC. */
static int check_same_domain_bound(struct api_req *r,
				   const struct store_rule *rule,
				   const char *vpc_id)
{
	struct store_rule *rules = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_rule_list(r->store, NULL, 0, &rules, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of rules");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (strcmp(rules[i].meta.resource_id,
			   rule->meta.resource_id) != 0 &&
		    strcmp(rules[i].domain, rule->domain) == 0 &&
		    store_strv_has(&rules[i].vpcs, vpc_id)) {
			ret = api_fail(r, 409, "vpc",
				       "%s (%s) for %s is already bound to %s; two rules for one domain cannot serve one VPC",
				       rules[i].meta.resource_id,
				       rules[i].meta.name, rule->domain,
				       vpc_id);
		}
	}
	store_rule_list_free(rules, n);
	return ret;
}

int api_rule_bind(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_rule rule = { 0 };
	const char *vpc_id = NULL;
	int ret = load_rule(r, a->id, &rule);
	if (ret == 0) {
		ret = api_read_binding(r, a->body, &vpc_id);
	}
	if (ret == 0 && store_strv_has(&rule.vpcs, vpc_id)) {
		ret = api_fail(r, 409, "vpc", "%s is already bound to %s",
			       a->id, vpc_id);
	}
	if (ret == 0) {
		ret = check_same_domain_bound(r, &rule, vpc_id);
	}
	if (ret == 0) {
		ret = store_rule_bind(r->store, a->id, vpc_id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "binding the rule");
		}
	}
	store_rule_clear(&rule);
	if (ret == 0) {
		ret = load_rule(r, a->id, &rule);
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "rule_id=%s vpc_id=%s", a->id,
			 vpc_id);
		api_note(r, fields, "bound rule %s for %s to the vpc",
			 rule.meta.name, rule.domain);
		ret = rule_reply(r, &rule, out);
	}
	store_rule_clear(&rule);
	return ret;
}

int api_rule_unbind(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_rule rule = { 0 };
	int ret = load_rule(r, a->id, &rule);
	if (ret == 0 && !store_strv_has(&rule.vpcs, a->sub_id)) {
		ret = api_fail_at(r, 404, NULL, "%s is not bound to %s", a->id,
				  a->sub_id);
	}
	if (ret == 0) {
		ret = store_rule_unbind(r->store, a->id, a->sub_id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "unbinding the rule");
		}
	}
	store_rule_clear(&rule);
	if (ret == 0) {
		ret = load_rule(r, a->id, &rule);
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "rule_id=%s vpc_id=%s", a->id,
			 a->sub_id);
		api_note(r, fields, "unbound rule %s from the vpc",
			 rule.meta.name);
		ret = rule_reply(r, &rule, out);
	}
	store_rule_clear(&rule);
	return ret;
}

/*
 * Target health
 */

static const char *state_name(const struct health_view *v)
{
	if (!v->known) {
		return "unknown";
	}
	return v->state == HEALTH_DOWN ? "down" : "up";
}

static json_t *ms_or_null(const struct health_view *v, uint32_t us)
{
	return v->rtt.measured ? json_real(us / 1000.0) : json_null();
}

/* One target of a rule as the health table knows it. */
static json_t *target_health(const struct store_rule *rule,
			     const char *target)
{
	struct zg_addr addr;
	struct health_key key;
	struct health_view v;
	memset(&v, 0, sizeof(v));
	if (addr_parse(target, 53, &addr) == 0) {
		/* The forwarder keys a rule's targets by its endpoint. */
		health_key_init(&key, &addr, rule->endpoint_id);
		health_view_get(&key, &v);
	}

	char changed[STORE_TIME_LEN] = "";
	if (v.changed_unix_s > 0) {
		time_t t = (time_t)v.changed_unix_s;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(changed, sizeof(changed), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	uint32_t timeout_ms = rule->fwd.try_timeout_ms != 0 ?
		rule->fwd.try_timeout_ms : health_rtt_timeout_ms(&v.rtt);
	const char *case_state = !rule->fwd.case_randomization ? "off" :
				 v.case_disabled ? "disabled" : "on";

	return json_pack("{ss ss so so si si so sI sI sI sb ss}",
			 "target", target, "state", state_name(&v),
			 "srtt_ms", ms_or_null(&v, v.rtt.srtt_us),
			 "rttvar_ms", ms_or_null(&v, v.rtt.rttvar_us),
			 "timeout_ms", (int)timeout_ms,
			 "failures", (int)v.failures,
			 "last_change", changed[0] != '\0' ?
				json_string(changed) : json_null(),
			 "queries", (json_int_t)v.sent,
			 "answers", (json_int_t)v.answered,
			 "timeouts", (json_int_t)v.timeouts,
			 "cookie", v.cookie_known,
			 "case_randomization", case_state);
}

int api_rule_targets(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	struct store_rule rule = { 0 };
	int ret = load_rule(r, a->id, &rule);
	json_t *items = ret == 0 ? json_array() : NULL;
	for (size_t i = 0; items != NULL && i < rule.targets.n; i++) {
		if (json_array_append_new(items, target_health(
				&rule, rule.targets.v[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	struct health_quarantine_view q;
	health_quarantine_get(a->id, loop_clock_ms(), &q);
	if (ret == 0) {
		*out = items != NULL ?
			json_pack("{ss so s{sb si}}", "rule",
				  rule.meta.resource_id, "targets", items,
				  "quarantine", "active", q.quarantined,
				  "count", (int)q.count) : NULL;
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_rule_clear(&rule);
	return ret;
}

/*
 * Default upstreams
 */

/* Maps "global", "upstream-global", "vpc-1" or "upstream-vpc-1" to the
 * upstream id and its VPC ("" for global); 404 for an unknown VPC. */
static int upstream_ids(struct api_req *r, const char *id, char *upstream_id,
			char *vpc_id)
{
	const char *tail = strncmp(id, "upstream-", 9) == 0 ? id + 9 : id;
	if (strcmp(tail, "global") == 0) {
		vpc_id[0] = '\0';
		snprintf(upstream_id, STORE_ID_LEN, "upstream-global");
		return 0;
	}
	if (strlen(tail) >= STORE_ID_LEN - 9) {
		return api_fail_missing(r, "VPC", tail);
	}
	struct store_vpc vpc = { 0 };
	int ret = store_vpc_get(r->store, tail, &vpc);
	store_vpc_clear(&vpc);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "VPC", tail);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "a VPC");
	}
	snprintf(vpc_id, STORE_ID_LEN, "%s", tail);
	snprintf(upstream_id, STORE_ID_LEN, "upstream-%s", tail);
	return 0;
}

int api_upstream_list(struct api_req *r, const struct api_args *a,
		      json_t **out)
{
	struct store_upstream *ups = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_upstream_list(r->store, a->after, a->limit, &ups, &n,
				      &more);
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 400, "after", "unknown cursor '%s'",
				   a->after);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of upstreams");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items,
					  api_json_upstream(&ups[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	*out = api_json_page(items, more ? ups[n - 1].meta.resource_id : NULL);
	store_upstream_list_free(ups, n);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_upstream_get(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	char upstream_id[STORE_ID_LEN], vpc_id[STORE_ID_LEN];
	struct store_upstream up = { 0 };
	int ret = upstream_ids(r, a->id, upstream_id, vpc_id);
	if (ret == 0) {
		ret = store_upstream_get(r->store, upstream_id, &up);
		if (ret == ZG_ENOENT) {
			ret = api_fail_missing(r, "upstream", upstream_id);
		} else if (ret != 0) {
			ret = api_fail_store(r, ret, "an upstream");
		}
	}
	if (ret == 0) {
		*out = api_json_upstream(&up);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_upstream_clear(&up);
	return ret;
}

int api_upstream_put(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	json_t *body = a->body;
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	char upstream_id[STORE_ID_LEN];
	struct store_upstream up = { 0 };
	int ret = upstream_ids(r, a->id, upstream_id, up.vpc_id);
	if (ret == 0) {
		ret = api_check_keys(r, body, upstream_keys);
	}
	json_t *list = NULL;
	if (ret == 0) {
		ret = api_get_strings(r, body, "targets", true, 1, MAX_TARGETS,
				      &list, NULL);
	}
	if (ret == 0) {
		char who[STORE_ID_LEN + 16];
		snprintf(who, sizeof(who), "upstream %s", upstream_id);
		ret = read_targets(r, list, NULL, &up.targets, who);
	}
	json_t *source = json_object_get(body, "source");
	struct zg_addr addr;
	char msg[256];
	if (ret == 0 && source != NULL && !json_is_null(source)) {
		if (!json_is_string(source)) {
			ret = api_fail(r, 400, "source",
				       "source must be an address or null");
		} else if (validate_source(json_string_value(source), &addr,
					       up.source, sizeof(up.source),
					       msg, sizeof(msg)) != 0) {
			ret = api_fail(r, 400, "source", "%s", msg);
		}
	}

	bool created = false;
	if (ret == 0) {
		ret = store_upstream_put(r->store, &up, &created);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "setting the upstream");
		}
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "upstream_id=%s",
			 up.meta.resource_id);
		api_note(r, fields, "%s default upstream with %zu targets",
			 created ? "set" : "replaced", up.targets.n);
		*out = api_json_upstream(&up);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_upstream_clear(&up);
	return ret;
}

int api_upstream_delete(struct api_req *r, const struct api_args *a,
			json_t **out)
{
	char upstream_id[STORE_ID_LEN], vpc_id[STORE_ID_LEN];
	int ret = upstream_ids(r, a->id, upstream_id, vpc_id);
	if (ret == 0) {
		ret = store_upstream_delete(r->store, upstream_id);
		if (ret == ZG_ENOENT) {
			ret = api_fail_missing(r, "upstream", upstream_id);
		} else if (ret != 0) {
			ret = api_fail_store(r, ret, "unsetting the upstream");
		}
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "upstream_id=%s", upstream_id);
		api_note(r, fields, "unset the default upstream");
		const char *id = upstream_id;
		*out = api_json_deleted(&id, 1);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	return ret;
}
