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
#include "vpn/vpn.h"

/*
 * One pass over the configured targets. Pushed by a tunnel's change of
 * state (prefixes set: the targets behind that tunnel go down or up), or
 * pulled after a publication (prefixes NULL: the targets health has not
 * seen yet whose every tunnel is down start out down).
 */
struct hint_pass {
	const struct zg_prefix *prefixes;
	size_t n_prefixes;
	const char *connection_id;	/* pushed by this connection */
	bool up;
	uint64_t now_ms;
};

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

/* Whether the pass concerns target; fills why for a down hint. */
static bool pass_applies(const struct hint_pass *pass,
			 const struct zg_addr *target,
			 const struct health_key *key, char *why, size_t len)
{
	const char *connection_id = pass->connection_id;
	char decider[VPN_NAME_LEN];
	if (pass->prefixes != NULL) {
		if (!behind(target, pass->prefixes, pass->n_prefixes)) {
			return false;
		}
	} else {
		struct health_view view;
		health_view_get(key, &view);
		if (view.known ||
		    vpn_hint_target(target, decider) != VPN_HINT_DOWN) {
			return false;
		}
		connection_id = decider;
	}
	snprintf(why, len, "the IPsec tunnel %s to it is down",
		 connection_id);
	return true;
}

static void hint(const struct hint_pass *pass, const struct health_key *key,
		 const struct health_probe *probe, const char *owner_id,
		 const char *why)
{
	if (pass->up) {
		health_hint_up(key, pass->now_ms);
	} else {
		health_hint_down(key, probe, pass->now_ms, owner_id, why);
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

static void hint_rules(const struct config *cfg, const struct hint_pass *pass)
{
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct config_rule *rule = &cfg->rules[i];
		/* Health is kept per target and endpoint (resolve.c). */
		const char *path = rule->endpoint != NULL
			? rule->endpoint->endpoint_id : rule->rule_id;
		for (size_t j = 0; j < rule->n_targets; j++) {
			struct health_key key;
			char why[128];
			health_key_init(&key, &rule->targets[j], path);
			if (!pass_applies(pass, &rule->targets[j], &key, why,
					  sizeof(why))) {
				continue;
			}
			struct health_probe probe;
			rule_probe(rule, &key, &probe);
			hint(pass, &key, &probe, rule->rule_id, why);
		}
	}
}

static void hint_upstreams(const struct config *cfg,
			   const struct hint_pass *pass)
{
	for (size_t i = 0; i < cfg->n_upstreams; i++) {
		const struct config_upstream *ups = &cfg->upstreams[i];
		for (size_t j = 0; j < ups->n_targets; j++) {
			struct health_key key;
			char why[128];
			health_key_init(&key, &ups->targets[j], ups->upstream_id);
			if (!pass_applies(pass, &ups->targets[j], &key, why,
					  sizeof(why))) {
				continue;
			}
			struct health_probe probe;
			memset(&probe, 0, sizeof(probe));
			probe.key = key;
			probe.name[0] = 0;	/* the root, recursively */
			probe.recursive = true;
			if (ups->has_source) {
				probe.sources[0] = ups->source;
				probe.n_sources = 1;
			}
			hint(pass, &key, &probe, ups->upstream_id, why);
		}
	}
}

void vpn_health_hint(void *arg, const char *connection_id,
		     const struct zg_prefix *prefixes, size_t n, bool up)
{
	(void)arg;
	struct hint_pass pass = {
		.prefixes = prefixes,
		.n_prefixes = n,
		.connection_id = connection_id,
		.up = up,
		.now_ms = loop_clock_ms(),
	};
	rcu_read_lock();
	const struct config *cfg = config_current();
	if (cfg != NULL) {
		hint_rules(cfg, &pass);
		hint_upstreams(cfg, &pass);
	}
	rcu_read_unlock();
}

void vpn_health_published(const struct config *cfg)
{
	struct hint_pass pass = {
		.up = false,
		.now_ms = loop_clock_ms(),
	};
	hint_rules(cfg, &pass);
	hint_upstreams(cfg, &pass);
}
