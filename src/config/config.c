/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The served configuration snapshot: construction (upstreams, per-VPC
 * name indexes, listen set), the read side used on every query (VPC
 * classification, candidates by name), and RCU publication. */
#include "config/config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu.h>

#include "common/error.h"
#include "wire/wire.h"
#include "zone/zone.h"

/* The snapshot served now; see config_current(). */
static struct config *current_config;

/* ---- name index --------------------------------------------------- */

/*
 * One VPC's index: a knot_db trie from the wire_name_key of a name to the
 * candidates at exactly that name, in answer order. Built once by
 * config_finish(), read without locks afterwards.
 */
struct index_entry {
	struct config_candidate *cands;
	size_t n;
};

static const knot_db_api_t *index_api(void)
{
	return knot_db_trie_api();
}

static const struct index_entry *index_find(knot_db_t *db, const uint8_t *key,
					    size_t len)
{
	const knot_db_api_t *api = index_api();
	knot_db_txn_t txn;
	if (api->txn_begin(db, &txn, KNOT_DB_RDONLY) != KNOT_EOK) {
		return NULL;
	}
	knot_db_val_t k = { .data = (void *)key, .len = len };
	knot_db_val_t v = { 0 };
	int ret = api->find(&txn, &k, &v, 0);
	api->txn_abort(&txn);
	return ret == KNOT_EOK ? v.data : NULL;
}

static void index_free(void *index)
{
	if (index == NULL) {
		return;
	}
	const knot_db_api_t *api = index_api();
	knot_db_txn_t txn;
	if (api->txn_begin(index, &txn, 0) == KNOT_EOK) {
		if (api->count(&txn) > 0) {
			knot_db_iter_t *it = api->iter_begin(&txn, 0);
			while (it != NULL) {
				knot_db_val_t v;
				if (api->iter_val(it, &v) == KNOT_EOK) {
					struct index_entry *e = v.data;
					free(e->cands);
					free(e);
				}
				it = api->iter_next(it);
			}
		}
		api->txn_abort(&txn);
	}
	api->deinit(index);
}

static void *index_new(void)
{
	struct knot_db_trie_opts opts = KNOT_DB_TRIE_OPTS_INITIALIZER;
	knot_db_t *db = NULL;
	if (index_api()->init(&db, NULL, &opts) != KNOT_EOK) {
		return NULL;
	}
	return db;
}

/* Adds a candidate at its name, keeping the order zone, rule, built-in
 * (shared/resolution.md section 2.1); equal kinds keep the order they
 * were added in. */
static int index_add(void *index, const struct config_candidate *cand)
{
	struct wire_name_key key;
	if (wire_name_key_build(cand->name, &key) != 0) {
		return ZG_EINVAL;
	}
	struct index_entry *e = (struct index_entry *)index_find(index,
								 key.bytes,
								 key.len);
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL) {
			return ZG_ENOMEM;
		}
		const knot_db_api_t *api = index_api();
		knot_db_txn_t txn;
		knot_db_val_t k = { .data = key.bytes, .len = key.len };
		knot_db_val_t v = { .data = e, .len = sizeof(e) };
		if (api->txn_begin(index, &txn, 0) != KNOT_EOK ||
		    api->insert(&txn, &k, &v, 0) != KNOT_EOK) {
			free(e);
			return ZG_ENOMEM;
		}
		api->txn_commit(&txn);
	}

	struct config_candidate *cands = realloc(e->cands,
						 (e->n + 1) * sizeof(*cands));
	if (cands == NULL) {
		return ZG_ENOMEM;
	}
	e->cands = cands;
	size_t pos = e->n;
	while (pos > 0 && cands[pos - 1].kind > cand->kind) {
		cands[pos] = cands[pos - 1];
		pos--;
	}
	cands[pos] = *cand;
	e->n++;
	return 0;
}

/* ---- built-in zones ----------------------------------------------- */

struct builtin_slot {
	knot_dname_t *apex;		/* lower case wire; owned */
	struct zone_handle *handle;	/* one reference, ours */
};

/* Built on first use under builtin_lock, then read-only until
 * config_builtins_free(). */
static pthread_mutex_t builtin_lock = PTHREAD_MUTEX_INITIALIZER;
static struct builtin_slot *builtin_slots;
static size_t builtin_count;

/* A zone id that fits WIRE_SOURCE_ID_LEN and names the zone: the two
 * ip6.arpa names of :: and ::1 are too long to be spelled out. */
static void builtin_id(const char *name, size_t index, char *buf,
		       size_t buflen)
{
	static const char *const zeros =
		"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.";
	size_t len = strlen(name);
	if (len > 0 && len + 7 < buflen) {
		snprintf(buf, buflen, "builtin-%.*s", (int)(len - 1), name);
	} else if (strncmp(name + 2, zeros, strlen(zeros)) == 0) {
		snprintf(buf, buflen, "builtin-ip6-%s",
			 name[0] == '1' ? "loopback" : "unspecified");
	} else {
		snprintf(buf, buflen, "builtin-%zu", index);
	}
}

static void builtins_release(struct builtin_slot *slots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(slots[i].apex);
		zone_handle_unref(slots[i].handle);
	}
	free(slots);
}

static int builtins_build(void)
{
	const char *const *names = zone_builtin_names();
	size_t n = 0;
	while (names[n] != NULL) {
		n++;
	}
	struct builtin_slot *slots = calloc(n, sizeof(*slots));
	if (slots == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		char id[WIRE_SOURCE_ID_LEN];
		builtin_id(names[i], i, id, sizeof(id));
		slots[i].apex = knot_dname_from_str_alloc(names[i]);
		slots[i].handle = zone_handle_new(id);
		struct zone_contents *z = slots[i].apex != NULL ?
			zone_builtin_build(slots[i].apex) : NULL;
		if (slots[i].handle == NULL || z == NULL) {
			zone_contents_free(z);
			builtins_release(slots, i + 1);
			return ZG_ENOMEM;
		}
		knot_dname_to_lower(slots[i].apex);
		/* A first publication does not wait for readers. */
		zone_handle_publish(slots[i].handle, z);
	}
	builtin_slots = slots;
	builtin_count = n;
	return 0;
}

/* The table of built-in zones, built on first use. */
static int builtins_get(const struct builtin_slot **slots, size_t *n)
{
	int ret = 0;
	pthread_mutex_lock(&builtin_lock);
	if (builtin_slots == NULL) {
		ret = builtins_build();
	}
	*slots = builtin_slots;
	*n = builtin_count;
	pthread_mutex_unlock(&builtin_lock);
	return ret;
}

struct zone_handle *config_builtin_handle(const knot_dname_t *apex)
{
	const struct builtin_slot *slots = NULL;
	size_t n = 0;
	if (apex == NULL || builtins_get(&slots, &n) != 0) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (knot_dname_is_case_equal(slots[i].apex, apex)) {
			return slots[i].handle;
		}
	}
	return NULL;
}

void config_builtins_free(void)
{
	pthread_mutex_lock(&builtin_lock);
	builtins_release(builtin_slots, builtin_count);
	builtin_slots = NULL;
	builtin_count = 0;
	pthread_mutex_unlock(&builtin_lock);
}

/* ---- construction ------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Makes a name's two spellings agree, lower case, filling whichever is
 * missing. */
static int normalise_name(char **text, knot_dname_t **wire)
{
	if (*wire == NULL) {
		if (*text == NULL) {
			return ZG_EINVAL;
		}
		*wire = knot_dname_from_str_alloc(*text);
		if (*wire == NULL) {
			return ZG_EINVAL;
		}
	}
	knot_dname_to_lower(*wire);
	free(*text);
	*text = knot_dname_to_str_alloc(*wire);
	return *text != NULL ? 0 : ZG_ENOMEM;
}

static struct config_vpc *vpc_by_id(struct config *cfg, const char *vpc_id)
{
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		if (strcmp(cfg->vpcs[i].vpc_id, vpc_id) == 0) {
			return &cfg->vpcs[i];
		}
	}
	return NULL;
}

static const struct config_upstream *upstream_by_id(const struct config *cfg,
						    const char *upstream_id)
{
	for (size_t i = 0; i < cfg->n_upstreams; i++) {
		if (strcmp(cfg->upstreams[i].upstream_id, upstream_id) == 0) {
			return &cfg->upstreams[i];
		}
	}
	return NULL;
}

/* A VPC's own default upstream, else the global one (section 2.4). */
static void resolve_upstreams(struct config *cfg)
{
	cfg->global_upstream = upstream_by_id(cfg, "upstream-global");
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		struct config_vpc *vpc = &cfg->vpcs[i];
		char id[CONFIG_ID_LEN + 16];
		snprintf(id, sizeof(id), "upstream-%s", vpc->vpc_id);
		const struct config_upstream *own = upstream_by_id(cfg, id);
		vpc->upstream = own != NULL ? own : cfg->global_upstream;
	}
}

static int index_zones(struct config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->n_zones; i++) {
		struct config_zone *zone = &cfg->zones[i];
		if (normalise_name(&zone->name, &zone->apex) != 0) {
			set_err(err, errlen, "zone %s has no valid name",
				zone->zone_id);
			return ZG_EINVAL;
		}
		for (size_t v = 0; v < zone->n_vpcs; v++) {
			struct config_vpc *vpc = vpc_by_id(cfg, zone->vpc_ids[v]);
			if (vpc == NULL) {
				set_err(err, errlen, "zone %s is bound to unknown VPC %s",
					zone->zone_id, zone->vpc_ids[v]);
				return ZG_EINVAL;
			}
			struct config_candidate cand = {
				.kind = CONFIG_CAND_ZONE, .name = zone->apex,
				.u.zone = zone,
			};
			int ret = index_add(vpc->index, &cand);
			if (ret != 0) {
				return ret;
			}
		}
	}
	return 0;
}

static int index_rules(struct config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->n_rules; i++) {
		struct config_rule *rule = &cfg->rules[i];
		if (normalise_name(&rule->domain, &rule->domain_wire) != 0) {
			set_err(err, errlen, "rule %s has no valid domain",
				rule->rule_id);
			return ZG_EINVAL;
		}
		for (size_t v = 0; v < rule->n_vpcs; v++) {
			struct config_vpc *vpc = vpc_by_id(cfg, rule->vpc_ids[v]);
			if (vpc == NULL) {
				set_err(err, errlen, "rule %s is bound to unknown VPC %s",
					rule->rule_id, rule->vpc_ids[v]);
				return ZG_EINVAL;
			}
			struct config_candidate cand = {
				.kind = CONFIG_CAND_RULE,
				.name = rule->domain_wire, .u.rule = rule,
			};
			int ret = index_add(vpc->index, &cand);
			if (ret != 0) {
				return ret;
			}
		}
	}
	return 0;
}

/* Built-in zones come last at their name, so a configured zone or rule
 * of the same name always answers before them. */
static int index_builtins(struct config *cfg)
{
	const struct builtin_slot *slots = NULL;
	size_t n = 0;
	bool wanted = false;
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		wanted = wanted || cfg->vpcs[i].builtin_zones;
	}
	if (!wanted) {
		return 0;
	}
	int ret = builtins_get(&slots, &n);
	for (size_t i = 0; i < cfg->n_vpcs && ret == 0; i++) {
		if (!cfg->vpcs[i].builtin_zones) {
			continue;
		}
		for (size_t b = 0; b < n && ret == 0; b++) {
			struct config_candidate cand = {
				.kind = CONFIG_CAND_BUILTIN,
				.name = slots[b].apex,
				.u.builtin = slots[b].handle,
			};
			ret = index_add(cfg->vpcs[i].index, &cand);
		}
	}
	return ret;
}

static bool listen_has(const struct zg_addr *list, size_t n,
		       const struct zg_addr *addr)
{
	for (size_t i = 0; i < n; i++) {
		if (addr_equal(&list[i], addr)) {
			return true;
		}
	}
	return false;
}

static int build_listen(struct config *cfg, const struct zg_addr *extra,
			size_t n_extra)
{
	size_t max = n_extra;
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		max += cfg->vpcs[i].n_listeners;
	}
	for (size_t i = 0; i < cfg->n_inbounds; i++) {
		max += cfg->inbounds[i].n_listeners;
	}
	free(cfg->listen);
	cfg->listen = NULL;
	cfg->n_listen = 0;
	if (max == 0) {
		return 0;
	}
	cfg->listen = calloc(max, sizeof(*cfg->listen));
	if (cfg->listen == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		const struct config_vpc *vpc = &cfg->vpcs[i];
		for (size_t l = 0; l < vpc->n_listeners; l++) {
			if (!listen_has(cfg->listen, cfg->n_listen,
					&vpc->listeners[l])) {
				cfg->listen[cfg->n_listen++] = vpc->listeners[l];
			}
		}
	}
	for (size_t i = 0; i < cfg->n_inbounds; i++) {
		const struct config_inbound *ib = &cfg->inbounds[i];
		for (size_t l = 0; l < ib->n_listeners; l++) {
			if (!listen_has(cfg->listen, cfg->n_listen,
					&ib->listeners[l])) {
				cfg->listen[cfg->n_listen++] = ib->listeners[l];
			}
		}
	}
	for (size_t i = 0; i < n_extra; i++) {
		if (!listen_has(cfg->listen, cfg->n_listen, &extra[i])) {
			cfg->listen[cfg->n_listen++] = extra[i];
		}
	}
	return 0;
}

int config_finish(struct config *cfg, const struct zg_addr *extra_listen,
		  size_t n_extra_listen, char *err, size_t errlen)
{
	if (cfg == NULL) {
		return ZG_EINVAL;
	}
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		index_free(cfg->vpcs[i].index);
		cfg->vpcs[i].index = index_new();
		if (cfg->vpcs[i].index == NULL) {
			set_err(err, errlen, "out of memory");
			return ZG_ENOMEM;
		}
	}
	resolve_upstreams(cfg);

	int ret = index_zones(cfg, err, errlen);
	if (ret == 0) {
		ret = index_rules(cfg, err, errlen);
	}
	if (ret == 0) {
		ret = index_builtins(cfg);
	}
	if (ret == 0) {
		ret = build_listen(cfg, extra_listen, n_extra_listen);
	}
	if (ret == ZG_ENOMEM) {
		set_err(err, errlen, "out of memory");
	}
	return ret;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL) {
		return;
	}
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		struct config_vpc *vpc = &cfg->vpcs[i];
		free(vpc->name);
		free(vpc->cidrs);
		free(vpc->listeners);
		index_free(vpc->index);
	}
	for (size_t i = 0; i < cfg->n_zones; i++) {
		struct config_zone *zone = &cfg->zones[i];
		free(zone->name);
		free(zone->apex);
		zone_handle_unref(zone->handle);
		free(zone->vpc_ids);
	}
	for (size_t i = 0; i < cfg->n_rules; i++) {
		free(cfg->rules[i].domain);
		free(cfg->rules[i].domain_wire);
		free(cfg->rules[i].vpc_ids);
	}
	for (size_t i = 0; i < cfg->n_endpoints; i++) {
		free(cfg->endpoints[i].egress);
	}
	for (size_t i = 0; i < cfg->n_inbounds; i++) {
		free(cfg->inbounds[i].listeners);
		free(cfg->inbounds[i].allow);
	}
	for (size_t i = 0; i < cfg->n_tsig_keys; i++) {
		knot_tsig_key_t *key = &cfg->tsig_keys[i];
		if (key->secret.data != NULL) {
			explicit_bzero(key->secret.data, key->secret.size);
		}
		knot_tsig_key_deinit(key);
	}
	free(cfg->tsig_keys);
	free(cfg->inbounds);
	free(cfg->vpcs);
	free(cfg->zones);
	free(cfg->rules);
	free(cfg->endpoints);
	free(cfg->upstreams);
	free(cfg->listen);
	free(cfg);
}

/* ---- read side ---------------------------------------------------- */

const knot_tsig_key_t *config_find_tsig_key(const struct config *cfg,
					    const knot_dname_t *name)
{
	for (size_t i = 0; name != NULL && i < cfg->n_tsig_keys; i++) {
		if (knot_dname_is_case_equal(cfg->tsig_keys[i].name, name)) {
			return &cfg->tsig_keys[i];
		}
	}
	return NULL;
}

/* The inbound endpoint that owns local, or NULL. */
static const struct config_inbound *inbound_at(const struct config *cfg,
					       const struct zg_addr *local)
{
	for (size_t i = 0; i < cfg->n_inbounds; i++) {
		const struct config_inbound *ib = &cfg->inbounds[i];
		for (size_t l = 0; l < ib->n_listeners; l++) {
			if (addr_equal(&ib->listeners[l], local)) {
				return ib;
			}
		}
	}
	return NULL;
}

static bool inbound_allows(const struct config_inbound *ib,
			   const struct zg_addr *source)
{
	for (size_t a = 0; source != NULL && a < ib->n_allow; a++) {
		if (prefix_contains(&ib->allow[a], source)) {
			return true;
		}
	}
	return false;
}

const struct config_vpc *config_classify(const struct config *cfg,
					 const struct zg_addr *local,
					 const struct zg_addr *source)
{
	/* An inbound endpoint answers as the VPC it names, and only the
	 * sources it allows (shared/resolution.md section 1.2); a source
	 * outside the list belongs to no VPC, whatever its CIDR. */
	const struct config_inbound *ib = local != NULL
		? inbound_at(cfg, local) : NULL;
	if (ib != NULL) {
		return inbound_allows(ib, source)
			? vpc_by_id((struct config *)cfg, ib->vpc_id) : NULL;
	}

	/* A listener address names its VPC whatever the source
	 * (shared/resolution.md section 1.2). */
	if (local != NULL) {
		for (size_t i = 0; i < cfg->n_vpcs; i++) {
			const struct config_vpc *vpc = &cfg->vpcs[i];
			for (size_t l = 0; l < vpc->n_listeners; l++) {
				if (addr_equal(&vpc->listeners[l], local)) {
					return vpc;
				}
			}
		}
	}

	/* Else the longest CIDR holding the source (section 1.3). Two
	 * VPCs may share a CIDR when both have listeners; a source held
	 * equally well by both names no single VPC, so it gets none
	 * (REFUSED) rather than whichever VPC happens to come first. */
	const struct config_vpc *best = NULL;
	int best_len = -1;
	bool tied = false;
	if (source == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_vpcs; i++) {
		const struct config_vpc *vpc = &cfg->vpcs[i];
		for (size_t c = 0; c < vpc->n_cidrs; c++) {
			const struct zg_prefix *p = &vpc->cidrs[c];
			if ((int)p->len < best_len ||
			    !prefix_contains(p, source)) {
				continue;
			}
			if ((int)p->len == best_len) {
				tied = tied || vpc != best;
				continue;
			}
			best = vpc;
			best_len = p->len;
			tied = false;
		}
	}
	return tied ? NULL : best;
}

const struct config_vpc *config_find_vpc(const struct config *cfg,
					 const char *vpc_id)
{
	return vpc_id != NULL ? vpc_by_id((struct config *)cfg, vpc_id) : NULL;
}

const struct config_rule *config_find_rule(const struct config *cfg,
					   const char *rule_id)
{
	for (size_t i = 0; rule_id != NULL && i < cfg->n_rules; i++) {
		if (strcmp(cfg->rules[i].rule_id, rule_id) == 0) {
			return &cfg->rules[i];
		}
	}
	return NULL;
}

const struct config_zone *config_find_zone_instance(const struct config *cfg,
						    const knot_dname_t *apex,
						    const char *vpc_id)
{
	for (size_t i = 0; i < cfg->n_zones; i++) {
		const struct config_zone *z = &cfg->zones[i];
		if (!knot_dname_is_case_equal(z->apex, apex)) {
			continue;
		}
		for (size_t v = 0; v < z->n_vpcs; v++) {
			if (strcmp(z->vpc_ids[v], vpc_id) == 0) {
				return z;
			}
		}
	}
	return NULL;
}

size_t config_candidates(const struct config *cfg, const struct config_vpc *vpc,
			 const knot_dname_t *qname,
			 struct config_candidate *out, size_t max)
{
	struct wire_name_key key;
	if (vpc == NULL || vpc->index == NULL ||
	    wire_name_key_build(qname, &key) != 0) {
		return 0;
	}

	/* From the name itself up to the root: every ancestor's key is a
	 * prefix of the name's key, so matching is on whole labels. */
	size_t n = 0;
	for (int k = key.labels; k >= 0 && n < max; k--) {
		const struct index_entry *e = index_find(vpc->index, key.bytes,
							 key.ends[k]);
		for (size_t i = 0; e != NULL && i < e->n && n < max; i++) {
			out[n++] = e->cands[i];
		}
	}
	return n;
}

bool config_vpc_covers(const struct config *cfg, const struct config_vpc *vpc,
		       const knot_dname_t *name)
{
	struct wire_name_key key;
	if (vpc == NULL || vpc->index == NULL ||
	    wire_name_key_build(name, &key) != 0) {
		return false;
	}
	for (int k = key.labels; k >= 0; k--) {
		const struct index_entry *e = index_find(vpc->index, key.bytes,
							 key.ends[k]);
		for (size_t i = 0; e != NULL && i < e->n; i++) {
			if (e->cands[i].kind != CONFIG_CAND_BUILTIN) {
				return true;
			}
		}
	}
	return false;
}

/* ---- publication -------------------------------------------------- */

const struct config *config_current(void)
{
	return rcu_dereference(current_config);
}

void config_publish(struct config *cfg)
{
	struct config *old = rcu_xchg_pointer(&current_config, cfg);
	if (old == NULL) {
		return;
	}
	synchronize_rcu();
	config_free(old);
}
