/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Copying the paths to check out of the published configuration, and the
 * pure checks on them: the security group and loops to zonegate. */
#include "doctor/doctor.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static void path_free(struct doctor_path *path)
{
	free(path->egress);
	free(path->vpc_ids);
	free(path->checks);
	memset(path, 0, sizeof(*path));
}

void doctor_plan_clear(struct doctor_plan *plan)
{
	if (plan == NULL) {
		return;
	}
	for (size_t i = 0; i < plan->n_paths; i++) {
		path_free(&plan->paths[i]);
	}
	free(plan->paths);
	free(plan->listen);
	free(plan->listen_owner);
	memset(plan, 0, sizeof(*plan));
}

/* Copies one rule (and its endpoint) into path. */
static int copy_rule(const struct config_rule *rule, struct doctor_path *path)
{
	memset(path, 0, sizeof(*path));
	snprintf(path->rule_id, sizeof(path->rule_id), "%s", rule->rule_id);
	snprintf(path->domain, sizeof(path->domain), "%s", rule->domain);
	size_t wire_len = knot_dname_size(rule->domain_wire);
	if (wire_len == 0 || wire_len > sizeof(path->domain_wire)) {
		return ZG_EINVAL;
	}
	memcpy(path->domain_wire, rule->domain_wire, wire_len);

	path->n_targets = rule->n_targets;
	memcpy(path->targets, rule->targets,
	       rule->n_targets * sizeof(rule->targets[0]));

	if (rule->n_vpcs > 0) {
		path->vpc_ids = calloc(rule->n_vpcs, sizeof(*path->vpc_ids));
		if (path->vpc_ids == NULL) {
			return ZG_ENOMEM;
		}
		memcpy(path->vpc_ids, rule->vpc_ids,
		       rule->n_vpcs * sizeof(*path->vpc_ids));
		path->n_vpcs = rule->n_vpcs;
	}

	const struct config_endpoint *ep = rule->endpoint;
	if (ep == NULL) {
		return 0;
	}
	snprintf(path->endpoint_id, sizeof(path->endpoint_id), "%s",
		 ep->endpoint_id);
	path->n_sources = ep->n_sources;
	memcpy(path->sources, ep->sources,
	       ep->n_sources * sizeof(ep->sources[0]));
	if (ep->n_egress > 0) {
		path->egress = calloc(ep->n_egress, sizeof(*path->egress));
		if (path->egress == NULL) {
			return ZG_ENOMEM;
		}
		for (size_t i = 0; i < ep->n_egress; i++) {
			path->egress[i].protocol = ep->egress[i].protocol;
			path->egress[i].port = ep->egress[i].port;
			path->egress[i].prefix = ep->egress[i].prefix;
		}
		path->n_egress = ep->n_egress;
	}
	return 0;
}

static bool holds(const struct zg_addr *list, size_t n,
		  const struct zg_addr *addr)
{
	for (size_t i = 0; i < n; i++) {
		if (addr_equal(&list[i], addr)) {
			return true;
		}
	}
	return false;
}

/* Names who listens on addr: a VPC, an inbound endpoint, or the
 * daemon's own --dns-listen. */
static void listen_owner(const struct config *cfg, const struct zg_addr *addr,
			 char *out, size_t len)
{
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		const struct config_vpc *v = &cfg->vpcs[i];
		if (holds(v->listeners, v->n_listeners, addr)) {
			snprintf(out, len, "VPC %s", v->vpc_id);
			return;
		}
	}
	for (size_t i = 0; i < cfg->n_inbounds; i++) {
		const struct config_inbound *ib = &cfg->inbounds[i];
		if (holds(ib->listeners, ib->n_listeners, addr)) {
			snprintf(out, len, "inbound endpoint %s", ib->inbound_id);
			return;
		}
	}
	snprintf(out, len, "--dns-listen");
}

static int copy_listen(const struct config *cfg, struct doctor_plan *plan)
{
	if (cfg->n_listen == 0) {
		return 0;
	}
	plan->listen = calloc(cfg->n_listen, sizeof(*plan->listen));
	plan->listen_owner = calloc(cfg->n_listen,
				    sizeof(*plan->listen_owner));
	if (plan->listen == NULL || plan->listen_owner == NULL) {
		return ZG_ENOMEM;
	}
	memcpy(plan->listen, cfg->listen, cfg->n_listen * sizeof(*cfg->listen));
	for (size_t i = 0; i < cfg->n_listen; i++) {
		listen_owner(cfg, &cfg->listen[i], plan->listen_owner[i],
			     sizeof(plan->listen_owner[i]));
	}
	plan->n_listen = cfg->n_listen;
	return 0;
}

static bool rule_bound_to(const struct config_rule *rule, const char *vpc_id)
{
	for (size_t i = 0; i < rule->n_vpcs; i++) {
		if (strcmp(rule->vpc_ids[i], vpc_id) == 0) {
			return true;
		}
	}
	return false;
}

/* Builds a plan of the rules for which want(rule, key) is true. */
static int plan_rules(const struct config *cfg,
		      bool (*want)(const struct config_rule *, const char *),
		      const char *key, struct doctor_plan *out)
{
	memset(out, 0, sizeof(*out));
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_rules; i++) {
		n += want(&cfg->rules[i], key) ? 1 : 0;
	}
	int ret = copy_listen(cfg, out);
	if (ret == 0 && n > 0) {
		out->paths = calloc(n, sizeof(*out->paths));
		ret = out->paths != NULL ? 0 : ZG_ENOMEM;
	}
	for (size_t i = 0; ret == 0 && i < cfg->n_rules; i++) {
		if (!want(&cfg->rules[i], key)) {
			continue;
		}
		/* Counted first, so that a failed copy is freed too. */
		out->n_paths++;
		ret = copy_rule(&cfg->rules[i], &out->paths[out->n_paths - 1]);
	}
	if (ret != 0) {
		doctor_plan_clear(out);
	}
	return ret;
}

static bool is_rule(const struct config_rule *rule, const char *rule_id)
{
	return strcmp(rule->rule_id, rule_id) == 0;
}

int doctor_plan_rule(const struct config *cfg, const char *rule_id,
		     struct doctor_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (config_find_rule(cfg, rule_id) == NULL) {
		return ZG_ENOENT;
	}
	return plan_rules(cfg, is_rule, rule_id, out);
}

int doctor_plan_vpc(const struct config *cfg, const char *vpc_id,
		    struct doctor_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (config_find_vpc(cfg, vpc_id) == NULL) {
		return ZG_ENOENT;
	}
	return plan_rules(cfg, rule_bound_to, vpc_id, out);
}

bool doctor_egress_allows(const struct doctor_egress *rules, size_t n,
			  int protocol, const struct zg_addr *target)
{
	for (size_t i = 0; i < n; i++) {
		const struct doctor_egress *r = &rules[i];
		if ((r->protocol == 0 || r->protocol == protocol) &&
		    (r->port == 0 || r->port == addr_port(target)) &&
		    prefix_contains(&r->prefix, target)) {
			return true;
		}
	}
	return false;
}

int doctor_find_loop(const struct zg_addr *listen, size_t n_listen,
		     const struct zg_addr *target, bool is_local)
{
	for (size_t i = 0; i < n_listen; i++) {
		if (addr_equal(&listen[i], target)) {
			return (int)i;
		}
	}
	if (!is_local) {
		return -1;
	}
	for (size_t i = 0; i < n_listen; i++) {
		if (addr_family(&listen[i]) == addr_family(target) &&
		    addr_port(&listen[i]) == addr_port(target) &&
		    addr_is_unspecified(&listen[i])) {
			return (int)i;
		}
	}
	return -1;
}
