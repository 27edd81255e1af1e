/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lint checks: each walks the snapshot the way the resolution order
 * of shared/resolution.md section 2 would, and says where it leads
 * somewhere an operator did not mean. */
#include "lint/lint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "zone/zone.h"

/* Candidates of one name: labels of a name times the kinds at a name. */
#define MAX_CANDIDATES (KNOT_DNAME_MAXLABELS * 3)
/* Built-in zones named in one finding's text at most. */
#define MAX_BUILTINS_NAMED 3

struct lint {
	const struct config *cfg;
	struct lint_report *rep;
	int error;			/* first allocation failure */
};

/* Something bound to a VPC that answers names at and below `name`. */
struct bound {
	bool is_zone;
	const knot_dname_t *name;
	const char *text;		/* presentation name */
	const char *id;
	const struct config_zone *zone;	/* is_zone */
	const struct config_rule *rule;	/* !is_zone */
};

/*
 * Findings
 */

static struct lint_finding *add_finding(struct lint *l,
					enum lint_severity severity,
					const char *code)
{
	struct lint_report *r = l->rep;
	if (r->n == r->cap) {
		size_t cap = r->cap != 0 ? r->cap * 2 : 16;
		struct lint_finding *items = realloc(r->items,
						     cap * sizeof(*items));
		if (items == NULL) {
			l->error = ZG_ENOMEM;
			return NULL;
		}
		r->items = items;
		r->cap = cap;
	}
	struct lint_finding *f = &r->items[r->n++];
	memset(f, 0, sizeof(*f));
	f->severity = severity;
	f->code = code;
	return f;
}

static void add_id(struct lint_finding *f, const char *id)
{
	for (size_t i = 0; i < f->n_ids; i++) {
		if (strcmp(f->ids[i], id) == 0) {
			return;
		}
	}
	if (f->n_ids < LINT_MAX_IDS) {
		snprintf(f->ids[f->n_ids++], CONFIG_ID_LEN, "%s", id);
	}
}

static void say(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

#define MESSAGE(f, ...) say((f)->message, sizeof((f)->message), __VA_ARGS__)
#define FIX(f, ...) say((f)->fix, sizeof((f)->fix), __VA_ARGS__)

static bool bound_to(const char (*ids)[CONFIG_ID_LEN], size_t n,
		     const char *vpc_id)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ids[i], vpc_id) == 0) {
			return true;
		}
	}
	return false;
}

static bool zone_bound(const struct config_zone *z, const char *vpc_id)
{
	return bound_to((const char (*)[CONFIG_ID_LEN])z->vpc_ids, z->n_vpcs,
			vpc_id);
}

static bool rule_bound(const struct config_rule *r, const char *vpc_id)
{
	return bound_to((const char (*)[CONFIG_ID_LEN])r->vpc_ids, r->n_vpcs,
			vpc_id);
}

/*
 * Rules that are never asked, and zones of the same name in front of
 * rules (section 2 step 1: on equal names the zone wins).
 */

/* The zone bound to vpc at the rule's own name, or NULL. */
static const struct config_zone *zone_at_rule(const struct config *cfg,
					      const struct config_rule *rule,
					      const char *vpc_id)
{
	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct config_zone *z = &cfg->zones[i];
		if (zone_bound(z, vpc_id) &&
		    knot_dname_is_equal(z->apex, rule->domain_wire)) {
			return z;
		}
	}
	return NULL;
}

static void report_zone_at_rule(struct lint *l, const struct config_rule *rule,
				const struct config_zone *z,
				const char *vpc_id)
{
	bool record = z->proxy_pattern == CONFIG_PROXY_RECORD;
	struct lint_finding *f = add_finding(l, record ? LINT_INFO :
					     LINT_WARNING,
					     record ? "zone-before-rule" :
						      "zone-hides-rule");
	if (f == NULL) {
		return;
	}
	add_id(f, z->zone_id);
	add_id(f, rule->rule_id);
	add_id(f, vpc_id);
	if (record) {
		MESSAGE(f, "in %s, zone %s and rule %s are both for %s; the zone answers first and, with proxy pattern record, only names it does not hold go on to %s",
			vpc_id, z->zone_id, rule->rule_id, rule->domain,
			rule->rule_id);
		FIX(f, "nothing to change if the zone is meant to override some on-premises names; otherwise unbind %s from %s",
		    z->zone_id, vpc_id);
		return;
	}
	MESSAGE(f, "in %s, zone %s and rule %s are both for %s; the zone answers every name under it (proxy pattern zone), so %s's targets are never asked from %s",
		vpc_id, z->zone_id, rule->rule_id, rule->domain,
		rule->rule_id, vpc_id);
	FIX(f, "unbind %s or %s from %s, or set %s's proxy pattern to record so that names the zone lacks are forwarded by %s",
	    z->zone_id, rule->rule_id, vpc_id, z->zone_id, rule->rule_id);
}

static void check_rules_reached(struct lint *l)
{
	const struct config *cfg = l->cfg;

	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct config_rule *rule = &cfg->rules[i];
		size_t hidden = 0;
		for (size_t v = 0; v < rule->n_vpcs; v++) {
			const struct config_zone *z = zone_at_rule(
				cfg, rule, rule->vpc_ids[v]);
			if (z == NULL) {
				continue;
			}
			report_zone_at_rule(l, rule, z, rule->vpc_ids[v]);
			hidden += z->proxy_pattern == CONFIG_PROXY_ZONE;
		}
		if (rule->n_vpcs > 0 && hidden < rule->n_vpcs) {
			continue;
		}

		struct lint_finding *f = add_finding(l, LINT_WARNING,
						     "rule-never-reached");
		if (f == NULL) {
			return;
		}
		add_id(f, rule->rule_id);
		if (rule->n_vpcs == 0) {
			MESSAGE(f, "rule %s (%s) is bound to no VPC, so no query ever reaches it",
				rule->rule_id, rule->domain);
			FIX(f, "bind it to the VPCs that need it (zonegate rule bind %s --vpc VPC) or delete it",
			    rule->rule_id);
			continue;
		}
		for (size_t v = 0; v < rule->n_vpcs; v++) {
			add_id(f, rule->vpc_ids[v]);
		}
		MESSAGE(f, "rule %s (%s) is hidden by a zone of the same name in every VPC it is bound to, so no query ever reaches it",
			rule->rule_id, rule->domain);
		FIX(f, "see the zone-hides-rule findings of %s: unbind those zones, set their proxy pattern to record, or delete the rule",
		    rule->rule_id);
	}
}

static void check_zones_bound(struct lint *l)
{
	const struct config *cfg = l->cfg;

	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct config_zone *z = &cfg->zones[i];
		if (z->n_vpcs > 0) {
			continue;
		}
		struct lint_finding *f = add_finding(l, LINT_INFO,
						     "zone-unbound");
		if (f == NULL) {
			return;
		}
		add_id(f, z->zone_id);
		MESSAGE(f, "zone %s (%s) is bound to no VPC, so it answers no query",
			z->zone_id, z->name);
		FIX(f, "bind it to the VPCs that should see it (zonegate zone bind %s --vpc VPC), or delete it if it is not needed",
		    z->zone_id);
	}
}

/*
 * Nesting: a zone or rule below another one, both bound to one VPC. The
 * longest match wins (section 2 step 1), so the lower one takes every
 * name under it away from the upper one.
 */

struct count_arg {
	const knot_dname_t *below;
	size_t records;
};

/* Counts the records at or below `below`, except the NS and DS at it:
 * those are the parent's side of a delegation, expected to be there. */
static int count_below(const knot_rrset_t *rr, void *arg)
{
	struct count_arg *c = arg;
	int depth = knot_dname_in_bailiwick(rr->owner, c->below);
	if (depth < 0) {
		return 0;
	}
	if (depth == 0 && (rr->type == KNOT_RRTYPE_NS ||
			   rr->type == KNOT_RRTYPE_DS)) {
		return 0;
	}
	c->records += rr->rrs.count;
	return 0;
}

/* Records zone z holds at or below name (0 when not loaded). */
static size_t records_below(const struct config_zone *z,
			    const knot_dname_t *name)
{
	const struct zone_contents *contents = z->handle != NULL ?
		zone_handle_contents(z->handle) : NULL;
	struct count_arg c = { .below = name };
	if (contents != NULL) {
		zone_contents_walk(contents, count_below, &c);
	}
	return c.records;
}

static size_t collect_bound(const struct config *cfg, const char *vpc_id,
			    struct bound *out)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct config_zone *z = &cfg->zones[i];
		if (zone_bound(z, vpc_id)) {
			out[n++] = (struct bound){
				.is_zone = true, .name = z->apex,
				.text = z->name, .id = z->zone_id, .zone = z,
			};
		}
	}
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct config_rule *r = &cfg->rules[i];
		if (rule_bound(r, vpc_id)) {
			out[n++] = (struct bound){
				.is_zone = false, .name = r->domain_wire,
				.text = r->domain, .id = r->rule_id, .rule = r,
			};
		}
	}
	return n;
}

/* The nearest strict ancestor of b among items; on equal names the zone,
 * which is what answers there. NULL when none. */
static const struct bound *nearest_above(const struct bound *items, size_t n,
					 const struct bound *b)
{
	const struct bound *best = NULL;
	size_t best_labels = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bound *a = &items[i];
		if (knot_dname_in_bailiwick(b->name, a->name) <= 0) {
			continue;
		}
		size_t labels = knot_dname_labels(a->name, NULL);
		if (best == NULL || labels > best_labels ||
		    (labels == best_labels && a->is_zone && !best->is_zone)) {
			best = a;
			best_labels = labels;
		}
	}
	return best;
}

static bool same_targets(const struct config_rule *a,
			 const struct config_rule *b)
{
	if (a->n_targets != b->n_targets) {
		return false;
	}
	for (size_t i = 0; i < a->n_targets; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n_targets && !found; j++) {
			found = addr_equal(&a->targets[i], &b->targets[j]);
		}
		if (!found) {
			return false;
		}
	}
	return true;
}

static void report_under_zone(struct lint *l, const char *vpc_id,
			      const struct bound *up, const struct bound *low)
{
	size_t hidden = records_below(up->zone, low->name);
	const char *code = low->is_zone ? "nested-zone-in-zone" :
					  "nested-rule-in-zone";
	struct lint_finding *f = add_finding(l, hidden > 0 ? LINT_WARNING :
					     LINT_INFO, code);
	if (f == NULL) {
		return;
	}
	add_id(f, low->id);
	add_id(f, up->id);
	add_id(f, vpc_id);
	const char *what = low->is_zone ? "answers" : "forwards";
	if (hidden == 0) {
		MESSAGE(f, "in %s, %s %s (%s) %s every name at or below it instead of zone %s (%s), which holds no records there",
			vpc_id, low->is_zone ? "zone" : "rule", low->id,
			low->text, what, up->id, up->text);
		FIX(f, "nothing to change: the split is clean; this note only says which one answers");
		return;
	}
	MESSAGE(f, "in %s, %s %s (%s) %s every name at or below it instead of zone %s (%s), so the %zu record%s %s holds there %s never served to %s",
		vpc_id, low->is_zone ? "zone" : "rule", low->id, low->text,
		what, up->id, up->text, hidden, hidden == 1 ? "" : "s", up->id,
		hidden == 1 ? "is" : "are", vpc_id);
	if (low->is_zone) {
		FIX(f, "move those records into %s or delete them from %s; unbind %s from %s if %s should answer there",
		    low->id, up->id, low->id, vpc_id, up->id);
	} else {
		FIX(f, "delete those records from %s, or unbind %s from %s if %s should answer there",
		    up->id, low->id, vpc_id, up->id);
	}
}

static void report_under_rule(struct lint *l, const char *vpc_id,
			      const struct bound *up, const struct bound *low)
{
	bool redundant = !low->is_zone && same_targets(up->rule, low->rule);
	struct lint_finding *f = add_finding(l, LINT_INFO, low->is_zone ?
					     "nested-zone-in-rule" :
					     "nested-rule-in-rule");
	if (f == NULL) {
		return;
	}
	add_id(f, low->id);
	add_id(f, up->id);
	add_id(f, vpc_id);
	if (low->is_zone) {
		MESSAGE(f, "in %s, zone %s (%s) answers every name at or below it, so rule %s (%s) never forwards those names",
			vpc_id, low->id, low->text, up->id, up->text);
		FIX(f, "nothing to change if the zone is meant to override the on-premises data; otherwise unbind %s from %s",
		    low->id, vpc_id);
	} else if (redundant) {
		MESSAGE(f, "in %s, rule %s (%s) lies below rule %s (%s) and has the same targets, so it changes nothing",
			vpc_id, low->id, low->text, up->id, up->text);
		FIX(f, "delete %s, or give it other targets if it was meant to send those names elsewhere",
		    low->id);
	} else {
		MESSAGE(f, "in %s, rule %s (%s) sends every name at or below it to its own targets instead of those of rule %s (%s)",
			vpc_id, low->id, low->text, up->id, up->text);
		FIX(f, "nothing to change if those names live on other servers; otherwise unbind %s from %s",
		    low->id, vpc_id);
	}
}

static void check_nesting(struct lint *l)
{
	const struct config *cfg = l->cfg;
	struct bound *items = calloc(cfg->n_zones + cfg->n_rules + 1,
				     sizeof(*items));
	if (items == NULL) {
		l->error = ZG_ENOMEM;
		return;
	}
	for (size_t v = 0; v < cfg->n_vpcs && l->error == 0; v++) {
		const char *vpc_id = cfg->vpcs[v].vpc_id;
		size_t n = collect_bound(cfg, vpc_id, items);
		for (size_t i = 0; i < n; i++) {
			const struct bound *up = nearest_above(items, n,
							       &items[i]);
			if (up == NULL) {
				continue;
			}
			if (up->is_zone) {
				report_under_zone(l, vpc_id, up, &items[i]);
			} else {
				report_under_rule(l, vpc_id, up, &items[i]);
			}
		}
	}
	free(items);
}

static void check_upstreams(struct lint *l)
{
	const struct config *cfg = l->cfg;

	for (size_t v = 0; v < cfg->n_vpcs; v++) {
		const struct config_vpc *vpc = &cfg->vpcs[v];
		if (vpc->upstream != NULL) {
			continue;
		}
		struct lint_finding *f = add_finding(l, LINT_WARNING,
						     "no-default-upstream");
		if (f == NULL) {
			return;
		}
		add_id(f, vpc->vpc_id);
		MESSAGE(f, "%s has no default upstream and there is no global one, so every name outside its zones and rules gets REFUSED (EDE 20)",
			vpc->vpc_id);
		FIX(f, "set one (zonegate upstream set IP --vpc %s, or a global one without --vpc) unless %s must resolve only its private names",
		    vpc->vpc_id, vpc->vpc_id);
	}
}

/*
 * Built-in zones (RFC 6303) in front of the reverse names of networks a
 * VPC reaches: its CIDRs, its rules' targets and endpoint sources, its
 * upstream's targets. A configured zone or rule at or below the
 * built-in zone takes its place (section 2); without one, PTR queries
 * for those networks get the built-in zone's NXDOMAIN.
 */

int lint_reverse_name(const struct zg_prefix *prefix, knot_dname_t *out)
{
	char text[128];
	size_t at = 0;

	if (prefix->family == AF_INET && prefix->len <= 32) {
		for (int i = prefix->len / 8 - 1; i >= 0; i--) {
			at += (size_t)snprintf(text + at, sizeof(text) - at,
					       "%u.", prefix->bytes[i]);
		}
		snprintf(text + at, sizeof(text) - at, "in-addr.arpa.");
	} else if (prefix->family == AF_INET6 && prefix->len <= 128) {
		for (int i = prefix->len / 4 - 1; i >= 0; i--) {
			unsigned byte = prefix->bytes[i / 2];
			unsigned nibble = i % 2 == 0 ? byte >> 4 : byte & 0xf;
			at += (size_t)snprintf(text + at, sizeof(text) - at,
					       "%x.", nibble);
		}
		snprintf(text + at, sizeof(text) - at, "ip6.arpa.");
	} else {
		return ZG_EINVAL;
	}
	return knot_dname_from_str(out, text, KNOT_DNAME_MAXLEN) != NULL ?
		0 : ZG_EINVAL;
}

static void addr_prefix(const struct zg_addr *addr, struct zg_prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->family = addr_family(addr);
	if (out->family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&addr->ss;
		memcpy(out->bytes, &sin->sin_addr, 4);
		out->len = 32;
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&addr->ss;
		memcpy(out->bytes, &sin6->sin6_addr, 16);
		out->len = 128;
	}
}

/* A network a VPC reaches, and what brought it in. */
struct reached {
	struct zg_prefix prefix;
	bool host;			/* one address, not a CIDR */
	const char *role;		/* "target of", "CIDR of" ... */
	const char *origin_id;
	size_t more;			/* other resources with it */
	/* Filled by check_builtin_reverse(): the name a rule or zone
	 * should take, and the item that reports this one with it. */
	char suggest[KNOT_DNAME_TXT_MAXLEN + 1];
	size_t hidden_by;		/* built-in zones in front of it */
	size_t group;			/* index of the reporting item */
	size_t also;			/* other addresses it reports */
};

struct reached_list {
	struct reached *items;
	size_t n, cap;
};

static int reached_add(struct reached_list *list, const struct zg_prefix *p,
		       bool host, const char *role, const char *origin_id)
{
	for (size_t i = 0; i < list->n; i++) {
		struct reached *r = &list->items[i];
		if (r->prefix.family == p->family && r->prefix.len == p->len &&
		    memcmp(r->prefix.bytes, p->bytes, 16) == 0) {
			r->more += strcmp(r->origin_id, origin_id) != 0;
			return 0;
		}
	}
	if (list->n == list->cap) {
		size_t cap = list->cap != 0 ? list->cap * 2 : 16;
		struct reached *items = realloc(list->items,
						cap * sizeof(*items));
		if (items == NULL) {
			return ZG_ENOMEM;
		}
		list->items = items;
		list->cap = cap;
	}
	list->items[list->n++] = (struct reached){
		.prefix = *p, .host = host, .role = role,
		.origin_id = origin_id,
	};
	return 0;
}

static int reached_add_addr(struct reached_list *list,
			    const struct zg_addr *addr, const char *role,
			    const char *origin_id)
{
	struct zg_prefix p;
	addr_prefix(addr, &p);
	return reached_add(list, &p, true, role, origin_id);
}

static int collect_reached(const struct config *cfg,
			   const struct config_vpc *vpc,
			   struct reached_list *list)
{
	int ret = 0;
	for (size_t i = 0; i < vpc->n_cidrs && ret == 0; i++) {
		ret = reached_add(list, &vpc->cidrs[i], false, "CIDR of",
				  vpc->vpc_id);
	}
	for (size_t i = 0; i < cfg->n_rules && ret == 0; i++) {
		const struct config_rule *r = &cfg->rules[i];
		if (!rule_bound(r, vpc->vpc_id)) {
			continue;
		}
		for (size_t t = 0; t < r->n_targets && ret == 0; t++) {
			ret = reached_add_addr(list, &r->targets[t],
					       "target of", r->rule_id);
		}
		const struct config_endpoint *ep = r->endpoint;
		for (size_t s = 0; ep != NULL && s < ep->n_sources &&
				   ret == 0; s++) {
			ret = reached_add_addr(list, &ep->sources[s],
					       "source address of",
					       ep->endpoint_id);
		}
	}
	const struct config_upstream *up = vpc->upstream;
	for (size_t t = 0; up != NULL && t < up->n_targets && ret == 0; t++) {
		ret = reached_add_addr(list, &up->targets[t], "target of",
				       up->upstream_id);
	}
	return ret;
}

/* The first candidate of vpc at name, when it is a built-in zone. */
static struct zone_handle *builtin_answers(const struct config *cfg,
					  const struct config_vpc *vpc,
					  const knot_dname_t *name)
{
	struct config_candidate cands[MAX_CANDIDATES];
	size_t n = config_candidates(cfg, vpc, name, cands, MAX_CANDIDATES);
	if (n == 0 || cands[0].kind != CONFIG_CAND_BUILTIN) {
		return NULL;
	}
	return cands[0].u.builtin;
}

/* The deeper of two names where one is at or below the other. */
static const knot_dname_t *deeper(const knot_dname_t *a, const knot_dname_t *b)
{
	return knot_dname_in_bailiwick(a, b) >= 0 ? a : b;
}

/* The name to suggest a rule or zone for: the network widened to a /16
 * (IPv4) or /48 (IPv6) for single addresses, never above the built-in
 * zone. */
static void suggest_name(const struct reached *r, const knot_dname_t *builtin,
			 char *out, size_t len)
{
	struct zg_prefix p = r->prefix;
	uint8_t wide = p.family == AF_INET ? 16 : 48;
	if (r->host && p.len > wide) {
		p.len = wide;
		for (size_t i = wide / 8; i < sizeof(p.bytes); i++) {
			p.bytes[i] = 0;
		}
	}
	knot_dname_t name[KNOT_DNAME_MAXLEN];
	if (lint_reverse_name(&p, name) != 0 ||
	    knot_dname_in_bailiwick(builtin, name) > 0) {
		knot_dname_to_str(out, builtin, len);
		return;
	}
	knot_dname_to_str(out, deeper(name, builtin), len);
}

/* The built-in zones' names in wire form, parsed once for every
 * thread that lints. */
#define MAX_BUILTINS 128
static knot_dname_t builtin_wires[MAX_BUILTINS][KNOT_DNAME_MAXLEN];
static size_t n_builtin_wires;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void parse_builtins(void)
{
	const char *const *names = zone_builtin_names();
	size_t n = 0;
	for (; names[n] != NULL && n < MAX_BUILTINS; n++) {
		if (knot_dname_from_str(builtin_wires[n], names[n],
					KNOT_DNAME_MAXLEN) == NULL) {
			builtin_wires[n][0] = '\0';
		}
		knot_dname_to_lower(builtin_wires[n]);
	}
	n_builtin_wires = n;
}

/* The built-in zones that answer some reverse names of r in vpc. */
static size_t hiding_builtins(const struct config *cfg,
			      const struct config_vpc *vpc,
			      const struct reached *r,
			      const knot_dname_t **apexes,
			      struct zone_handle **handles, size_t max)
{
	pthread_once(&builtin_once, parse_builtins);

	knot_dname_t rev[KNOT_DNAME_MAXLEN];
	if (lint_reverse_name(&r->prefix, rev) != 0) {
		return 0;
	}
	size_t found = 0;
	for (size_t i = 0; i < n_builtin_wires && found < max; i++) {
		const knot_dname_t *b = builtin_wires[i];
		if (knot_dname_in_bailiwick(rev, b) < 0 &&
		    knot_dname_in_bailiwick(b, rev) < 0) {
			continue;
		}
		struct zone_handle *h = builtin_answers(cfg, vpc,
							deeper(rev, b));
		if (h != NULL) {
			apexes[found] = b;
			handles[found] = h;
			found++;
		}
	}
	return found;
}

static struct lint_finding *report_reverse(struct lint *l,
					   const struct config_vpc *vpc,
					   const struct reached *r,
					   const knot_dname_t **apexes,
					   struct zone_handle **handles,
					   size_t n)
{
	struct lint_finding *f = add_finding(l, r->host ? LINT_WARNING :
					     LINT_INFO,
					     "builtin-hides-reverse");
	if (f == NULL) {
		return NULL;
	}
	add_id(f, vpc->vpc_id);
	add_id(f, r->origin_id);
	for (size_t i = 0; i < n; i++) {
		add_id(f, zone_handle_id(handles[i]));
	}

	char net[64], zones[3 * KNOT_DNAME_TXT_MAXLEN / 4], more[48] = "";
	char also[48] = "";
	prefix_format(&r->prefix, net, sizeof(net));
	if (r->host) {
		/* A host prefix reads better as the bare address. */
		char *slash = strchr(net, '/');
		if (slash != NULL) {
			*slash = '\0';
		}
	}
	size_t at = 0;
	for (size_t i = 0; i < n && i < MAX_BUILTINS_NAMED; i++) {
		char name[KNOT_DNAME_TXT_MAXLEN + 1];
		knot_dname_to_str(name, apexes[i], sizeof(name));
		at += (size_t)snprintf(zones + at, at < sizeof(zones) ?
				       sizeof(zones) - at : 0, "%s%s",
				       i > 0 ? ", " : "", name);
	}
	if (n > MAX_BUILTINS_NAMED) {
		snprintf(zones + (at < sizeof(zones) ? at : sizeof(zones) - 1),
			 at < sizeof(zones) ? sizeof(zones) - at : 1,
			 " and %zu more", n - MAX_BUILTINS_NAMED);
	}
	if (r->more > 0) {
		snprintf(more, sizeof(more), " and %zu more", r->more);
	}
	if (r->also > 0) {
		snprintf(also, sizeof(also), " and %zu other address%s",
			 r->also, r->also == 1 ? "" : "es");
	}

	MESSAGE(f, "in %s, the reverse names of %s%s (%s %s%s) fall in the built-in zone%s %s, which answer%s them NXDOMAIN, so PTR look-ups for that network never reach its DNS servers",
		vpc->vpc_id, net, also, r->role, r->origin_id, more,
		n == 1 ? "" : "s", zones, n == 1 ? "s" : "");
	FIX(f, "add a rule for %s bound to %s that forwards to the DNS servers of that network, or a private zone with its PTR records%s; or turn the built-in zones off for %s (zonegate vpc update %s --builtin-zones no)",
	    r->suggest, vpc->vpc_id,
	    n > 1 ? ", one per built-in zone listed" : "", vpc->vpc_id,
	    vpc->vpc_id);
	return f;
}

/* Addresses whose fix is the same rule or zone (same suggested name)
 * are reported together, by the first of them. */
static void group_reverse(struct reached_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		struct reached *r = &list->items[i];
		r->group = i;
		for (size_t k = 0; k < i && r->hidden_by > 0; k++) {
			struct reached *first = &list->items[k];
			if (first->group == k && first->hidden_by > 0 &&
			    first->host && r->host &&
			    strcmp(first->suggest, r->suggest) == 0) {
				r->group = k;
				first->also++;
				break;
			}
		}
	}
}

static void check_builtin_reverse(struct lint *l)
{
	const struct config *cfg = l->cfg;

	for (size_t v = 0; v < cfg->n_vpcs && l->error == 0; v++) {
		const struct config_vpc *vpc = &cfg->vpcs[v];
		if (!vpc->builtin_zones) {
			continue;
		}
		struct reached_list list = { 0 };
		if (collect_reached(cfg, vpc, &list) != 0) {
			l->error = ZG_ENOMEM;
		}
		const knot_dname_t *apexes[64];
		struct zone_handle *handles[64];
		for (size_t i = 0; i < list.n; i++) {
			struct reached *r = &list.items[i];
			r->hidden_by = hiding_builtins(cfg, vpc, r, apexes,
						       handles, 64);
			if (r->hidden_by > 0) {
				suggest_name(r, apexes[0], r->suggest,
					     sizeof(r->suggest));
			}
		}
		group_reverse(&list);
		for (size_t i = 0; i < list.n && l->error == 0; i++) {
			struct reached *r = &list.items[i];
			if (r->hidden_by == 0 || r->group != i) {
				continue;
			}
			size_t n = hiding_builtins(cfg, vpc, r, apexes,
						   handles, 64);
			struct lint_finding *f = report_reverse(l, vpc, r,
								apexes,
								handles, n);
			for (size_t k = i + 1; f != NULL && k < list.n; k++) {
				if (list.items[k].group == i) {
					add_id(f, list.items[k].origin_id);
				}
			}
		}
		free(list.items);
	}
}

/*
 * Private zones under DNSSEC-signed public TLDs.
 */

/* TLDs whose zones are DNSSEC-signed in the root zone (a DS record at
 * the root). A small, fixed list: a heuristic, not a look-up. */
static const char *const signed_tlds[] = {
	"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz",
	"name", "pro", "mobi", "asia", "io", "co", "me", "tv", "us", "uk",
	"de", "fr", "nl", "be", "se", "ch", "at", "cz", "pl", "eu", "ca",
	"jp", "br", "dev", "app", "page", "cloud",
	NULL,
};

bool lint_under_signed_tld(const knot_dname_t *name, char *tld, size_t len)
{
	size_t labels = knot_dname_labels(name, NULL);
	if (labels == 0) {
		return false;
	}
	/* The last label before the root. */
	const uint8_t *label = name;
	for (size_t i = 1; i < labels; i++) {
		label = knot_wire_next_label(label, NULL);
	}
	for (size_t i = 0; signed_tlds[i] != NULL; i++) {
		size_t n = strlen(signed_tlds[i]);
		if (label[0] == n &&
		    strncasecmp((const char *)label + 1, signed_tlds[i], n) == 0) {
			snprintf(tld, len, "%s.", signed_tlds[i]);
			return true;
		}
	}
	return false;
}

static void check_signed_public(struct lint *l)
{
	const struct config *cfg = l->cfg;

	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct config_zone *z = &cfg->zones[i];
		char tld[32];
		if (z->n_vpcs == 0 ||
		    !lint_under_signed_tld(z->apex, tld, sizeof(tld))) {
			continue;
		}
		struct lint_finding *f = add_finding(l, LINT_WARNING,
						     "zone-shadows-signed");
		if (f == NULL) {
			return;
		}
		add_id(f, z->zone_id);
		for (size_t v = 0; v < z->n_vpcs; v++) {
			add_id(f, z->vpc_ids[v]);
		}
		bool record = z->proxy_pattern == CONFIG_PROXY_RECORD;
		MESSAGE(f, "zone %s (%s) answers, unsigned, for names under %s, a DNSSEC-signed public TLD: validating resolvers behind the VPC may reject its answers%s (a heuristic from a built-in list of signed TLDs; zonegate does not check whether the name exists publicly)",
			z->zone_id, z->name, tld,
			record ? "" : ", and public names under it that the zone lacks stop resolving");
		FIX(f, "prefer a name you control that is delegated without DS, or one under home.arpa.%s",
		    record ? "" : "; at least set the proxy pattern to record so that public names the zone lacks still resolve");
	}
}

/*
 * Targets a rule cannot reach: section 4 sends from the endpoint's
 * source addresses, so a target of a family with no source fails on
 * every try.
 */

static void check_target_families(struct lint *l)
{
	const struct config *cfg = l->cfg;

	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct config_rule *r = &cfg->rules[i];
		const struct config_endpoint *ep = r->endpoint;
		if (ep == NULL || ep->n_sources == 0) {
			continue;
		}
		bool v4 = false, v6 = false;
		for (size_t s = 0; s < ep->n_sources; s++) {
			v4 = v4 || addr_family(&ep->sources[s]) == AF_INET;
			v6 = v6 || addr_family(&ep->sources[s]) == AF_INET6;
		}
		size_t bad = 0;
		char first[ZG_ADDR_STRLEN] = "";
		for (size_t t = 0; t < r->n_targets; t++) {
			int family = addr_family(&r->targets[t]);
			if ((family == AF_INET && !v4) ||
			    (family == AF_INET6 && !v6)) {
				if (bad++ == 0) {
					addr_format(&r->targets[t], true, first,
						    sizeof(first));
				}
			}
		}
		if (bad == 0) {
			continue;
		}
		bool all = bad == r->n_targets;
		struct lint_finding *f = add_finding(l, all ? LINT_ERROR :
						     LINT_WARNING,
						     "target-without-source");
		if (f == NULL) {
			return;
		}
		add_id(f, r->rule_id);
		add_id(f, ep->endpoint_id);
		MESSAGE(f, "rule %s has %zu target%s (%s%s) of an address family endpoint %s has no source address of, so every try to %s fails%s",
			r->rule_id, bad, bad == 1 ? "" : "s", first,
			bad > 1 ? ", ..." : "", ep->endpoint_id,
			bad == 1 ? "it" : "them",
			all ? " and every query of the rule gets SERVFAIL" : "");
		FIX(f, "add a source address of that family to %s (zonegate endpoint update %s --add-source ADDR) or replace those targets",
		    ep->endpoint_id, ep->endpoint_id);
	}
}

/*
 * Driver
 */

int lint_run(const struct config *cfg, struct lint_report *out)
{
	struct lint l = { .cfg = cfg, .rep = out };
	size_t first = out->n;

	void (*const checks[])(struct lint *) = {
		check_target_families,
		check_rules_reached,
		check_upstreams,
		check_builtin_reverse,
		check_signed_public,
		check_nesting,
		check_zones_bound,
	};
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]) &&
			   l.error == 0; i++) {
		checks[i](&l);
	}

	/* Stable, unlike qsort: within one severity, the order found. */
	for (size_t i = first + 1; i < out->n; i++) {
		struct lint_finding tmp = out->items[i];
		size_t j = i;
		while (j > first && out->items[j - 1].severity > tmp.severity) {
			out->items[j] = out->items[j - 1];
			j--;
		}
		out->items[j] = tmp;
	}
	return l.error;
}

void lint_report_clear(struct lint_report *r)
{
	if (r == NULL) {
		return;
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}

const char *lint_severity_name(enum lint_severity severity)
{
	switch (severity) {
	case LINT_ERROR:
		return "error";
	case LINT_WARNING:
		return "warning";
	case LINT_INFO:
		return "info";
	}
	return "unknown";
}

size_t lint_count(const struct lint_report *r, enum lint_severity severity)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++) {
		n += r->items[i].severity == severity;
	}
	return n;
}
