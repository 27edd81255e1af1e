/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Turning a tunnel's change of state into health hints for the
 * forwarding targets behind it. */
#include "daemon/vpn_health.h"

#include <stdio.h>
#include <string.h>
#include <urcu.h>

#include "common/loop.h"
#include "config/config.h"
#include "health/health.h"

static bool behind(const struct zg_addr *target,
		   const struct zg_prefix *prefixes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (prefix_contains(&prefixes[i], target)) {
			return true;
		}
	}
	return false;
}

static void hint(const struct health_key *key,
		 const struct health_probe *probe, const char *owner_id,
		 const char *why, bool up, uint64_t now_ms)
{
	if (up) {
		health_hint_up(key, now_ms);
	} else {
		health_hint_down(key, probe, now_ms, owner_id, why);
	}
}

/* The probe forwarding sends to a rule's target (forward/probe.c). */
static void rule_probe(const struct config_rule *rule,
		       const struct health_key *key, struct health_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->key = *key;
	memcpy(p->name, rule->domain_wire, knot_dname_size(rule->domain_wire));
	p->recursive = !rule->fwd.authoritative;
	if (rule->endpoint != NULL) {
		size_t n = rule->endpoint->n_sources;
		p->n_sources = n < HEALTH_MAX_SOURCES ? n : HEALTH_MAX_SOURCES;
		memcpy(p->sources, rule->endpoint->sources,
		       p->n_sources * sizeof(p->sources[0]));
	}
}

static void hint_rules(const struct config *cfg,
		       const struct zg_prefix *prefixes, size_t n,
		       const char *why, bool up, uint64_t now_ms)
{
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct config_rule *rule = &cfg->rules[i];
		/* Health is kept per target and endpoint (resolve.c). */
		const char *path = rule->endpoint != NULL
			? rule->endpoint->endpoint_id : rule->rule_id;
		for (size_t j = 0; j < rule->n_targets; j++) {
			if (!behind(&rule->targets[j], prefixes, n)) {
				continue;
			}
			struct health_key key;
			struct health_probe probe;
			health_key_init(&key, &rule->targets[j], path);
			rule_probe(rule, &key, &probe);
			hint(&key, &probe, rule->rule_id, why, up, now_ms);
		}
	}
}

static void hint_upstreams(const struct config *cfg,
			   const struct zg_prefix *prefixes, size_t n,
			   const char *why, bool up, uint64_t now_ms)
{
	for (size_t i = 0; i < cfg->n_upstreams; i++) {
		const struct config_upstream *ups = &cfg->upstreams[i];
		for (size_t j = 0; j < ups->n_targets; j++) {
			if (!behind(&ups->targets[j], prefixes, n)) {
				continue;
			}
			struct health_key key;
			struct health_probe probe;
			health_key_init(&key, &ups->targets[j], ups->upstream_id);
			memset(&probe, 0, sizeof(probe));
			probe.key = key;
			probe.name[0] = 0;	/* the root, recursively */
			probe.recursive = true;
			if (ups->has_source) {
				probe.sources[0] = ups->source;
				probe.n_sources = 1;
			}
			hint(&key, &probe, ups->upstream_id, why, up, now_ms);
		}
	}
}

void vpn_health_hint(void *arg, const char *connection_id,
		     const struct zg_prefix *prefixes, size_t n, bool up)
{
	char why[128];
	snprintf(why, sizeof(why), "the IPsec tunnel %s to it is down",
		 connection_id);
	uint64_t now_ms = loop_clock_ms();

	rcu_read_lock();
	const struct config *cfg = config_current();
	if (cfg != NULL) {
		hint_rules(cfg, prefixes, n, why, up, now_ms);
		hint_upstreams(cfg, prefixes, n, why, up, now_ms);
	}
	rcu_read_unlock();
}
