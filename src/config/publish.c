/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Turns the store's state into the served configuration snapshot and zone
 * contents, batching the marks of concurrent API requests. */
#include "config/publish.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu.h>

#include "common/error.h"
#include "common/log.h"
#include "config/config.h"
#include "store/store.h"
#include "zone/zone.h"

/* How long the publisher waits after the first mark for more marks to
 * join the same publication. */
#define BATCH_WINDOW_NS (3 * 1000 * 1000)

/* How long the publisher waits after a publication for the next one
 * before it gives the memory freed meanwhile back to the system. */
#define TRIM_QUIET_NS (200 * 1000 * 1000)

/*
 * Batching
 * --------
 * Callers mark what changed, then take a ticket in config_publisher_sync()
 * and wait until `completed` reaches it. The publisher thread wakes on a
 * ticket, waits BATCH_WINDOW_NS for more, then takes every mark and the
 * newest ticket at once: one publication serves every caller whose marks
 * were made before that moment.
 *
 *   caller:    mark ... ticket = ++requested ... wait completed >= ticket
 *   publisher: wait requested > completed; sleep window;
 *              take marks, target = requested; build; publish;
 *              completed = target; wake callers
 */

/* A zone handle the publisher keeps across snapshots. */
struct zone_slot {
	char zone_id[CONFIG_ID_LEN];
	struct zone_handle *handle;	/* one reference held */
};

/* A zone whose new contents wait to be published. */
struct zone_build {
	char zone_id[CONFIG_ID_LEN];
	struct zone_contents *contents;	/* NULL: deleted, or not_loaded */
	bool not_loaded;		/* could not be built: served as not
					 * loaded (SERVFAIL, EDE 14) */
};

struct config_publisher {
	struct store *store;
	struct zg_addr *extra_listen;	/* immutable after new */
	size_t n_extra_listen;

	/* Lock order: lock, then the store's mutex (the publisher thread
	 * reads the store without holding lock). */
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* the publisher thread waits; on
					 * CLOCK_MONOTONIC */
	pthread_cond_t done;		/* sync callers wait */
	bool stopping;
	uint64_t requested;		/* tickets handed out */
	uint64_t completed;		/* newest ticket published */
	int last_rc;			/* result of the newest publication */
	bool mark_config;
	bool mark_all;
	struct store_strv marked_zones;
	uint64_t served_version;
	config_publish_hook hook;
	void *hook_arg;
	config_zone_hook zone_hook;
	void *zone_hook_arg;

	pthread_t thread;
	bool thread_started;

	/* Publisher thread only. */
	struct zone_slot *slots;
	size_t n_slots;
};

/* The marks of one publication. */
struct batch {
	bool config;
	bool all;
	struct store_strv zones;
};

/*
 * Zones
 */

static struct zone_slot *find_slot(struct config_publisher *pub,
				   const char *zone_id)
{
	for (size_t i = 0; i < pub->n_slots; i++) {
		if (strcmp(pub->slots[i].zone_id, zone_id) == 0) {
			return &pub->slots[i];
		}
	}
	return NULL;
}

static struct zone_slot *get_slot(struct config_publisher *pub,
				  const char *zone_id)
{
	struct zone_slot *slot = find_slot(pub, zone_id);
	if (slot != NULL) {
		return slot;
	}
	struct zone_slot *grown = realloc(pub->slots, (pub->n_slots + 1) *
					  sizeof(*grown));
	if (grown == NULL) {
		return NULL;
	}
	pub->slots = grown;
	slot = &grown[pub->n_slots];
	snprintf(slot->zone_id, sizeof(slot->zone_id), "%s", zone_id);
	slot->handle = zone_handle_new(zone_id);
	if (slot->handle == NULL) {
		return NULL;
	}
	pub->n_slots++;
	return slot;
}

static void drop_slot(struct config_publisher *pub, size_t i)
{
	zone_handle_unref(pub->slots[i].handle);
	pub->slots[i] = pub->slots[pub->n_slots - 1];
	pub->n_slots--;
}

/* The owner of a record as an absolute name. */
static void record_fqdn(const char *apex, const char *rel, char *out,
			size_t outlen)
{
	if (strcmp(rel, "@") == 0) {
		snprintf(out, outlen, "%s", apex);
	} else if (strcmp(apex, ".") == 0) {
		snprintf(out, outlen, "%s.", rel);
	} else {
		snprintf(out, outlen, "%s.%s", rel, apex);
	}
}

static int add_line(struct zone_builder *b, const char *zone_id,
		    const char *line)
{
	char err[256] = "";
	int ret = zone_builder_add_text(b, line, err, sizeof(err));
	if (ret != 0 && ret != ZG_ENOMEM) {
		char fields[96];
		snprintf(fields, sizeof(fields), "zone_id=%s", zone_id);
		zg_log(ZG_LOG_WARNING, "publish", fields,
		       "record '%s' left out of the zone: %s", line, err);
		return 0;
	}
	return ret;
}

static int add_apex(struct zone_builder *b, const struct store_zone *zone)
{
	const struct store_soa *soa = &zone->soa;
	const char *apex = zone->meta.name;
	char line[3 * STORE_NAME_LEN + 128];
	snprintf(line, sizeof(line),
		 "%s %" PRIu32 " IN SOA %s %s %" PRIu32 " %" PRIu32 " %" PRIu32
		 " %" PRIu32 " %" PRIu32, apex, soa->ttl, soa->mname,
		 soa->rname, soa->serial, soa->refresh, soa->retry, soa->expire,
		 soa->minimum);
	int ret = add_line(b, zone->meta.resource_id, line);
	for (size_t i = 0; ret == 0 && i < zone->ns.n; i++) {
		snprintf(line, sizeof(line), "%s %" PRIu32 " IN NS %s", apex,
			 soa->ttl, zone->ns.v[i]);
		ret = add_line(b, zone->meta.resource_id, line);
	}
	return ret;
}

static int add_records(struct zone_builder *b, const struct store_zone *zone,
		       const struct store_record *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char fqdn[2 * STORE_NAME_LEN + 2];
		record_fqdn(zone->meta.name, recs[i].meta.name, fqdn,
			    sizeof(fqdn));
		char *line = NULL;
		if (asprintf(&line, "%s %" PRIu32 " IN %s %s", fqdn,
			     recs[i].ttl, recs[i].type, recs[i].value) < 0) {
			return ZG_ENOMEM;
		}
		int ret = add_line(b, zone->meta.resource_id, line);
		free(line);
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

/* Adds the address records generated for the default server name from
 * the zone's inbound endpoints (config_zone_glue()): served contents
 * carry them, so queries and AXFR agree with `zone export`. */
static int add_glue(struct store *store, struct zone_builder *b,
		    const struct store_zone *zone,
		    const struct store_record *recs, size_t n)
{
	struct store_strv lines = { 0 };
	int ret = config_zone_glue(store, zone, recs, n, &lines);
	for (size_t i = 0; ret == 0 && i < lines.n; i++) {
		ret = add_line(b, zone->meta.resource_id, lines.v[i]);
	}
	store_strv_clear(&lines);
	return ret;
}

/* Builds the contents of one zone from the store. *out NULL: the zone no
 * longer exists, or it is a secondary zone (not built here). ZG_EINVAL:
 * the stored zone cannot be built (logged with the reason). Runs inside
 * a read transaction. */
static int build_zone(struct store *store, const char *zone_id,
		      struct zone_contents **out)
{
	*out = NULL;
	struct store_zone zone = { 0 };
	int ret = store_zone_get(store, zone_id, &zone);
	if (ret == ZG_ENOENT) {
		return 0;
	}
	if (ret != 0) {
		return ret;
	}
	if (strcmp(zone.kind, "secondary") == 0) {
		/* Its contents come from transfers: the xfr service
		 * publishes them on the zone's handle. */
		store_zone_clear(&zone);
		return 0;
	}

	struct store_record *recs = NULL;
	size_t n = 0;
	bool more = false;
	ret = store_record_list(store, zone_id, NULL, NULL, NULL, 0, &recs, &n,
				&more);
	knot_dname_t *apex = ret == 0
		? knot_dname_from_str_alloc(zone.meta.name) : NULL;
	struct zone_builder *b = apex != NULL ? zone_builder_new(apex) : NULL;
	if (ret == 0 && b == NULL) {
		ret = ZG_ENOMEM;
	}
	if (ret == 0) {
		ret = add_apex(b, &zone);
	}
	if (ret == 0) {
		ret = add_records(b, &zone, recs, n);
	}
	if (ret == 0) {
		ret = add_glue(store, b, &zone, recs, n);
	}
	if (ret == 0) {
		char err[256] = "";
		*out = zone_builder_finish(b, err, sizeof(err));
		b = NULL;
		if (*out == NULL) {
			char fields[96];
			snprintf(fields, sizeof(fields), "zone_id=%s", zone_id);
			zg_log(ZG_LOG_ERROR, "publish", fields,
			       "cannot build zone %s: %s; it is served as not loaded (SERVFAIL) until it is fixed",
			       zone.meta.name, err);
			ret = ZG_EINVAL;
		}
	}

	zone_builder_free(b);
	free(apex);
	store_record_list_free(recs, n);
	store_zone_clear(&zone);
	return ret;
}

/*
 * Snapshot
 */

static int copy_id(char *dst, const char *src)
{
	if (strlen(src) >= CONFIG_ID_LEN) {
		return ZG_EINVAL;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int copy_vpc_ids(const struct store_strv *vpcs,
			char (**out)[CONFIG_ID_LEN], size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	if (vpcs->n == 0) {
		return 0;
	}
	*out = calloc(vpcs->n, sizeof(**out));
	if (*out == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < vpcs->n; i++) {
		if (copy_id((*out)[*n_out], vpcs->v[i]) == 0) {
			(*n_out)++;
		}
	}
	return 0;
}

/* Logs a stored value that no longer parses; the item is left out. */
static void log_bad_value(const char *fields, const char *what,
			  const char *value)
{
	zg_log(ZG_LOG_WARNING, "publish", fields,
	       "stored %s '%s' does not parse and is not served", what, value);
}

static int fill_vpc(struct config_vpc *cv, const struct store_vpc *sv)
{
	char fields[96];
	snprintf(fields, sizeof(fields), "vpc_id=%s", sv->meta.resource_id);
	if (copy_id(cv->vpc_id, sv->meta.resource_id) != 0 ||
	    (cv->name = strdup(sv->meta.name)) == NULL) {
		return ZG_ENOMEM;
	}
	cv->builtin_zones = sv->builtin_zones;
	cv->cidrs = calloc(sv->cidrs.n + 1, sizeof(*cv->cidrs));
	cv->listeners = calloc(sv->listen.n + 1, sizeof(*cv->listeners));
	if (cv->cidrs == NULL || cv->listeners == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < sv->cidrs.n; i++) {
		if (prefix_parse(sv->cidrs.v[i], &cv->cidrs[cv->n_cidrs]) == 0) {
			cv->n_cidrs++;
		} else {
			log_bad_value(fields, "cidr", sv->cidrs.v[i]);
		}
	}
	for (size_t i = 0; i < sv->listen.n; i++) {
		struct zg_addr *a = &cv->listeners[cv->n_listeners];
		if (addr_parse(sv->listen.v[i], 53, a) == 0) {
			cv->n_listeners++;
		} else {
			log_bad_value(fields, "listener", sv->listen.v[i]);
		}
	}
	return 0;
}

static int fill_zone(struct config_publisher *pub, struct config_zone *cz,
		     const struct store_zone *sz)
{
	if (copy_id(cz->zone_id, sz->meta.resource_id) != 0 ||
	    (cz->name = strdup(sz->meta.name)) == NULL ||
	    (cz->apex = knot_dname_from_str_alloc(sz->meta.name)) == NULL) {
		return ZG_ENOMEM;
	}
	knot_dname_to_lower(cz->apex);
	cz->proxy_pattern = strcmp(sz->proxy_pattern, "record") == 0
		? CONFIG_PROXY_RECORD : CONFIG_PROXY_ZONE;

	/* Every zone the store holds has a slot: load_all builds them all
	 * and a created zone is marked by the change that created it. A
	 * slot made here has no contents until its zone is built. */
	struct zone_slot *slot = get_slot(pub, sz->meta.resource_id);
	if (slot == NULL) {
		return ZG_ENOMEM;
	}
	zone_handle_ref(slot->handle);
	cz->handle = slot->handle;
	return copy_vpc_ids(&sz->vpcs, &cz->vpc_ids, &cz->n_vpcs);
}

static int parse_protocol(const char *text)
{
	if (strcmp(text, "udp") == 0) {
		return IPPROTO_UDP;
	}
	if (strcmp(text, "tcp") == 0) {
		return IPPROTO_TCP;
	}
	return 0;
}

static int fill_endpoint(struct config_endpoint *ce,
			 const struct store_endpoint *se)
{
	char fields[96];
	snprintf(fields, sizeof(fields), "endpoint_id=%s",
		 se->meta.resource_id);
	if (copy_id(ce->endpoint_id, se->meta.resource_id) != 0 ||
	    copy_id(ce->vpc_id, se->vpc_id) != 0) {
		return ZG_EINVAL;
	}
	for (size_t i = 0; i < se->sources.n; i++) {
		if (ce->n_sources == CONFIG_MAX_SOURCES) {
			break;
		}
		if (addr_parse_ip(se->sources.v[i],
				  &ce->sources[ce->n_sources]) == 0) {
			ce->n_sources++;
		} else {
			log_bad_value(fields, "source", se->sources.v[i]);
		}
	}
	ce->egress = calloc(se->n_egress + 1, sizeof(*ce->egress));
	if (ce->egress == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < se->n_egress; i++) {
		struct config_egress *e = &ce->egress[ce->n_egress];
		e->protocol = parse_protocol(se->egress[i].protocol);
		e->port = se->egress[i].port;
		if (prefix_parse(se->egress[i].prefix, &e->prefix) == 0) {
			ce->n_egress++;
		} else {
			log_bad_value(fields, "egress prefix",
				      se->egress[i].prefix);
		}
	}
	return 0;
}

static int fill_inbound(struct config_inbound *ci,
			const struct store_inbound *si)
{
	char fields[96];
	snprintf(fields, sizeof(fields), "inbound_id=%s",
		 si->meta.resource_id);
	if (copy_id(ci->inbound_id, si->meta.resource_id) != 0 ||
	    copy_id(ci->vpc_id, si->vpc_id) != 0) {
		return ZG_EINVAL;
	}
	ci->listeners = calloc(si->listen.n + 1, sizeof(*ci->listeners));
	ci->allow = calloc(si->allow.n + 1, sizeof(*ci->allow));
	if (ci->listeners == NULL || ci->allow == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < si->listen.n; i++) {
		if (addr_parse(si->listen.v[i], 53,
			       &ci->listeners[ci->n_listeners]) == 0) {
			ci->n_listeners++;
		} else {
			log_bad_value(fields, "listener", si->listen.v[i]);
		}
	}
	for (size_t i = 0; i < si->allow.n; i++) {
		if (prefix_parse(si->allow.v[i], &ci->allow[ci->n_allow]) == 0) {
			ci->n_allow++;
		} else {
			log_bad_value(fields, "allowed prefix", si->allow.v[i]);
		}
	}
	return 0;
}

static void fill_targets(const char *fields, const struct store_strv *in,
			 struct zg_addr *out, size_t *n_out)
{
	*n_out = 0;
	for (size_t i = 0; i < in->n && *n_out < CONFIG_MAX_TARGETS; i++) {
		if (addr_parse(in->v[i], 53, &out[*n_out]) == 0) {
			(*n_out)++;
		} else {
			log_bad_value(fields, "target", in->v[i]);
		}
	}
}

/* The store says what is on (cookies, hedging); the configuration,
 * like struct forward_request, what departs from the defaults. */
static void fill_rule_forwarding(struct config_rule_forwarding *out,
				 const struct store_rule_forwarding *in)
{
	out->try_timeout_ms = in->try_timeout_ms;
	out->total_timeout_ms = in->total_timeout_ms;
	out->tcp_only = in->tcp_only;
	out->authoritative = in->authoritative;
	out->no_cookies = !in->cookies;
	out->case_randomization = in->case_randomization;
	out->no_hedging = !in->hedging;
}

static int fill_rule(struct config *cfg, struct config_rule *cr,
		     const struct store_rule *sr)
{
	char fields[96];
	snprintf(fields, sizeof(fields), "rule_id=%s", sr->meta.resource_id);
	if (copy_id(cr->rule_id, sr->meta.resource_id) != 0 ||
	    (cr->domain = strdup(sr->domain)) == NULL ||
	    (cr->domain_wire = knot_dname_from_str_alloc(sr->domain)) == NULL) {
		return ZG_ENOMEM;
	}
	knot_dname_to_lower(cr->domain_wire);
	fill_targets(fields, &sr->targets, cr->targets, &cr->n_targets);
	cr->serve_stale = sr->serve_stale;
	cr->max_stale_s = sr->max_stale_s;
	for (size_t i = 0; i < cfg->n_endpoints; i++) {
		if (strcmp(cfg->endpoints[i].endpoint_id,
			   sr->endpoint_id) == 0) {
			cr->endpoint = &cfg->endpoints[i];
		}
	}
	fill_rule_forwarding(&cr->fwd, &sr->fwd);
	return copy_vpc_ids(&sr->vpcs, &cr->vpc_ids, &cr->n_vpcs);
}

static int fill_upstream(struct config_upstream *cu,
			 const struct store_upstream *su)
{
	char fields[96];
	snprintf(fields, sizeof(fields), "upstream_id=%s",
		 su->meta.resource_id);
	if (copy_id(cu->upstream_id, su->meta.resource_id) != 0) {
		return ZG_EINVAL;
	}
	fill_targets(fields, &su->targets, cu->targets, &cu->n_targets);
	if (su->source[0] != '\0') {
		cu->has_source = addr_parse_ip(su->source, &cu->source) == 0;
		if (!cu->has_source) {
			log_bad_value(fields, "source", su->source);
		}
	}
	return 0;
}

/* Adds a TSIG key for the query path to check and sign with. A key
 * libknot cannot take (an algorithm or secret the API would not have
 * accepted) is left out: queries signed with it get BADKEY. */
static int fill_tsig_key(struct config *cfg, const struct store_tsig_key *sk)
{
	knot_tsig_key_t *key = &cfg->tsig_keys[cfg->n_tsig_keys];
	int ret = knot_tsig_key_init(key, sk->algorithm, sk->meta.name,
				     sk->secret);
	if (ret == KNOT_ENOMEM) {
		return ZG_ENOMEM;
	}
	if (ret != KNOT_EOK) {
		char fields[96];
		snprintf(fields, sizeof(fields), "key=%.80s", sk->meta.name);
		zg_log(ZG_LOG_ERROR, "publish", fields, "cannot use this TSIG key (%s); queries signed with it get BADKEY until it is replaced",
		       knot_strerror(ret));
		memset(key, 0, sizeof(*key));
		return 0;
	}
	knot_dname_to_lower(key->name);
	cfg->n_tsig_keys++;
	return 0;
}

/* Everything a snapshot is made of, read in one transaction. */
struct store_state {
	struct store_vpc *vpcs;
	size_t n_vpcs;
	struct store_zone *zones;
	size_t n_zones;
	struct store_endpoint *endpoints;
	size_t n_endpoints;
	struct store_rule *rules;
	size_t n_rules;
	struct store_upstream *upstreams;
	size_t n_upstreams;
	struct store_inbound *inbounds;
	size_t n_inbounds;
	struct store_tsig_key *tsig_keys;
	size_t n_tsig_keys;
};

static void store_state_clear(struct store_state *st)
{
	store_vpc_list_free(st->vpcs, st->n_vpcs);
	store_zone_list_free(st->zones, st->n_zones);
	store_endpoint_list_free(st->endpoints, st->n_endpoints);
	store_rule_list_free(st->rules, st->n_rules);
	store_upstream_list_free(st->upstreams, st->n_upstreams);
	store_inbound_list_free(st->inbounds, st->n_inbounds);
	store_tsig_list_free(st->tsig_keys, st->n_tsig_keys);
	memset(st, 0, sizeof(*st));
}

static int read_state(struct store *store, struct store_state *st)
{
	bool more = false;
	int ret = store_vpc_list(store, NULL, 0, &st->vpcs, &st->n_vpcs, &more);
	if (ret == 0) {
		ret = store_zone_list(store, NULL, 0, &st->zones, &st->n_zones,
				      &more);
	}
	if (ret == 0) {
		ret = store_endpoint_list(store, NULL, 0, &st->endpoints,
					  &st->n_endpoints, &more);
	}
	if (ret == 0) {
		ret = store_rule_list(store, NULL, 0, &st->rules, &st->n_rules,
				      &more);
	}
	if (ret == 0) {
		ret = store_upstream_list(store, NULL, 0, &st->upstreams,
					  &st->n_upstreams, &more);
	}
	if (ret == 0) {
		ret = store_inbound_list(store, NULL, 0, &st->inbounds,
					 &st->n_inbounds, &more);
	}
	if (ret == 0) {
		ret = store_tsig_list(store, NULL, 0, &st->tsig_keys,
				      &st->n_tsig_keys, &more);
	}
	return ret;
}

/* Arrays get one spare element so that calloc never sees 0. */
static int alloc_arrays(struct config *cfg, const struct store_state *st)
{
	cfg->vpcs = calloc(st->n_vpcs + 1, sizeof(*cfg->vpcs));
	cfg->zones = calloc(st->n_zones + 1, sizeof(*cfg->zones));
	cfg->endpoints = calloc(st->n_endpoints + 1, sizeof(*cfg->endpoints));
	cfg->rules = calloc(st->n_rules + 1, sizeof(*cfg->rules));
	cfg->upstreams = calloc(st->n_upstreams + 1, sizeof(*cfg->upstreams));
	cfg->inbounds = calloc(st->n_inbounds + 1, sizeof(*cfg->inbounds));
	cfg->tsig_keys = calloc(st->n_tsig_keys + 1, sizeof(*cfg->tsig_keys));
	if (cfg->vpcs == NULL || cfg->zones == NULL || cfg->endpoints == NULL ||
	    cfg->rules == NULL || cfg->upstreams == NULL ||
	    cfg->inbounds == NULL || cfg->tsig_keys == NULL) {
		return ZG_ENOMEM;
	}
	return 0;
}

static int fill_config(struct config_publisher *pub, struct config *cfg,
		       const struct store_state *st)
{
	int ret = alloc_arrays(cfg, st);
	for (size_t i = 0; ret == 0 && i < st->n_vpcs; i++) {
		ret = fill_vpc(&cfg->vpcs[cfg->n_vpcs++], &st->vpcs[i]);
	}
	for (size_t i = 0; ret == 0 && i < st->n_zones; i++) {
		ret = fill_zone(pub, &cfg->zones[cfg->n_zones++],
				&st->zones[i]);
	}
	/* Endpoints before rules: a rule points at its endpoint. */
	for (size_t i = 0; ret == 0 && i < st->n_endpoints; i++) {
		ret = fill_endpoint(&cfg->endpoints[cfg->n_endpoints++],
				    &st->endpoints[i]);
	}
	for (size_t i = 0; ret == 0 && i < st->n_rules; i++) {
		ret = fill_rule(cfg, &cfg->rules[cfg->n_rules++],
				&st->rules[i]);
	}
	for (size_t i = 0; ret == 0 && i < st->n_upstreams; i++) {
		ret = fill_upstream(&cfg->upstreams[cfg->n_upstreams++],
				    &st->upstreams[i]);
	}
	for (size_t i = 0; ret == 0 && i < st->n_inbounds; i++) {
		ret = fill_inbound(&cfg->inbounds[cfg->n_inbounds++],
				   &st->inbounds[i]);
	}
	for (size_t i = 0; ret == 0 && i < st->n_tsig_keys; i++) {
		ret = fill_tsig_key(cfg, &st->tsig_keys[i]);
	}
	/* The store lists the global upstream first. */
	if (ret == 0 && cfg->n_upstreams > 0 &&
	    strcmp(cfg->upstreams[0].upstream_id, "upstream-global") == 0) {
		cfg->global_upstream = &cfg->upstreams[0];
	}
	return ret;
}

/* Drops the handles of zones the new snapshot no longer has. */
static void drop_deleted_slots(struct config_publisher *pub,
			       const struct config *cfg)
{
	for (size_t i = pub->n_slots; i > 0; i--) {
		bool kept = false;
		for (size_t j = 0; j < cfg->n_zones && !kept; j++) {
			kept = strcmp(cfg->zones[j].zone_id,
				      pub->slots[i - 1].zone_id) == 0;
		}
		if (!kept) {
			drop_slot(pub, i - 1);
		}
	}
}

/*
 * One publication
 */

/* What one publication read from the store, built outside the store's
 * transaction where possible. */
struct pending {
	struct zone_build *builds;
	size_t n_builds;
	struct config *cfg;		/* NULL: snapshot unchanged */
	uint64_t version;
	struct store_strv failed;	/* zones to mark again */
};

static void pending_clear(struct pending *p)
{
	for (size_t i = 0; i < p->n_builds; i++) {
		zone_contents_free(p->builds[i].contents);
	}
	free(p->builds);
	config_free(p->cfg);
	store_strv_clear(&p->failed);
	memset(p, 0, sizeof(*p));
}

static int read_batch(struct config_publisher *pub, const struct batch *b,
		      struct pending *p)
{
	struct store_state st = { 0 };
	int ret = store_version(pub->store, &p->version);
	bool need_state = b->config || b->all;
	if (ret == 0 && need_state) {
		ret = read_state(pub->store, &st);
	}

	const struct store_strv *zones = &b->zones;
	struct store_strv all = { 0 };
	for (size_t i = 0; ret == 0 && b->all && i < st.n_zones; i++) {
		ret = store_strv_push(&all, st.zones[i].meta.resource_id);
	}
	if (b->all) {
		zones = &all;
	}

	p->builds = calloc(zones->n + 1, sizeof(*p->builds));
	if (ret == 0 && p->builds == NULL) {
		ret = ZG_ENOMEM;
	}
	for (size_t i = 0; ret == 0 && i < zones->n; i++) {
		struct zone_build *zb = &p->builds[p->n_builds];
		snprintf(zb->zone_id, sizeof(zb->zone_id), "%s", zones->v[i]);
		int built = build_zone(pub->store, zones->v[i], &zb->contents);
		/* One zone that cannot be built must not hold back the
		 * others, nor every later publication: it is served as not
		 * loaded, and a change to it marks it again. */
		zb->not_loaded = built == ZG_EINVAL;
		if (built == 0 || built == ZG_EINVAL) {
			p->n_builds++;
		} else if (built == ZG_ENOMEM || built == ZG_ESTORE) {
			ret = built;
		} else if (store_strv_push(&p->failed, zones->v[i]) != 0) {
			ret = ZG_ENOMEM;
		}
	}

	if (ret == 0 && need_state) {
		p->cfg = calloc(1, sizeof(*p->cfg));
		ret = p->cfg == NULL ? ZG_ENOMEM : fill_config(pub, p->cfg, &st);
		if (p->cfg != NULL) {
			p->cfg->version = p->version;
		}
	}
	store_strv_clear(&all);
	store_state_clear(&st);
	return ret;
}

static void notify_zone_hook(struct config_publisher *pub,
			     const char *zone_id, uint32_t serial)
{
	pthread_mutex_lock(&pub->lock);
	config_zone_hook hook = pub->zone_hook;
	void *arg = pub->zone_hook_arg;
	pthread_mutex_unlock(&pub->lock);
	if (hook != NULL) {
		hook(arg, zone_id, serial);
	}
}

/*
 * Publishes the built zones, then the snapshot. Zones first: a snapshot
 * that names a new zone should find its contents there.
 *
 * LIMITATION: each zone is swapped with its own RCU grace period
 * (zone_handle_publish waits for readers), so loading thousands of zones
 * at start-up or after a restore takes as many grace periods; API writes
 * wait for that publication meanwhile.
 */
static int publish_pending(struct config_publisher *pub, struct pending *p)
{
	for (size_t i = 0; i < p->n_builds; i++) {
		struct zone_build *zb = &p->builds[i];
		if (zb->contents == NULL && !zb->not_loaded) {
			continue;	/* deleted: the snapshot drops it */
		}
		struct zone_slot *slot = get_slot(pub, zb->zone_id);
		if (slot == NULL) {
			return ZG_ENOMEM;
		}
		if (zb->not_loaded) {
			/* Queries get SERVFAIL with EDE 14 (resolve). */
			zone_handle_publish(slot->handle, NULL);
			continue;
		}
		char fields[96];
		snprintf(fields, sizeof(fields), "zone_id=%s", zb->zone_id);
		zg_log(ZG_LOG_INFO, "publish", fields,
		       "zone published at serial %" PRIu32 " with %zu records",
		       zone_contents_serial(zb->contents),
		       zone_contents_rr_count(zb->contents));
		uint32_t serial = zone_contents_serial(zb->contents);
		zone_handle_publish(slot->handle, zb->contents);
		zb->contents = NULL;
		notify_zone_hook(pub, zb->zone_id, serial);
	}

	if (p->cfg == NULL) {
		return 0;
	}
	char err[256] = "";
	int ret = config_finish(p->cfg, pub->extra_listen, pub->n_extra_listen,
				err, sizeof(err));
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "publish", NULL,
		       "configuration at version %" PRIu64 " not published: %s; the previous one stays served",
		       p->version, err);
		return ret;
	}
	struct config *cfg = p->cfg;
	p->cfg = NULL;
	config_publish(cfg);
	zg_log(ZG_LOG_INFO, "publish", NULL,
	       "configuration published at version %" PRIu64 ": %zu vpcs, %zu zones, %zu rules",
	       cfg->version, cfg->n_vpcs, cfg->n_zones, cfg->n_rules);
	drop_deleted_slots(pub, cfg);

	/* The hook runs in this thread; cfg stays current until this thread
	 * publishes again, so it is safe to read without an RCU lock. */
	pthread_mutex_lock(&pub->lock);
	config_publish_hook hook = pub->hook;
	void *hook_arg = pub->hook_arg;
	pthread_mutex_unlock(&pub->lock);
	if (hook != NULL) {
		hook(hook_arg, cfg);
	}
	return 0;
}

static int run_batch(struct config_publisher *pub, struct batch *b,
		     struct store_strv *failed)
{
	struct pending p = { 0 };
	int ret = store_begin(pub->store, NULL);
	if (ret == 0) {
		ret = read_batch(pub, b, &p);
		store_rollback(pub->store);
	}
	if (ret == 0) {
		ret = publish_pending(pub, &p);
	}
	if (ret == 0 && p.failed.n > 0) {
		ret = ZG_EINVAL;
	}
	if (ret == 0) {
		pthread_mutex_lock(&pub->lock);
		if (p.version > pub->served_version) {
			pub->served_version = p.version;
		}
		pthread_mutex_unlock(&pub->lock);
	} else {
		zg_log(ZG_LOG_ERROR, "publish", NULL,
		       "publication failed: %s; it is retried with the next change",
		       zg_strerror(ret));
	}

	/* What failed is marked again so the next publication retries. */
	*failed = p.failed;
	memset(&p.failed, 0, sizeof(p.failed));
	if (ret != 0 && ret != ZG_EINVAL) {
		for (size_t i = 0; i < b->zones.n; i++) {
			(void)store_strv_push(failed, b->zones.v[i]);
		}
	}
	pending_clear(&p);
	return ret;
}

/*
 * The publisher thread
 */

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ns };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static void take_marks(struct config_publisher *pub, struct batch *b)
{
	b->config = pub->mark_config;
	b->all = pub->mark_all;
	b->zones = pub->marked_zones;
	memset(&pub->marked_zones, 0, sizeof(pub->marked_zones));
	pub->mark_config = false;
	pub->mark_all = false;
}

/* Puts back marks of a failed publication. Called with lock held. */
static void remark(struct config_publisher *pub, const struct batch *b,
		   int rc, struct store_strv *failed)
{
	if (rc != 0 && rc != ZG_EINVAL) {
		pub->mark_config = pub->mark_config || b->config;
		pub->mark_all = pub->mark_all || b->all;
	}
	for (size_t i = 0; i < failed->n; i++) {
		if (!store_strv_has(&pub->marked_zones, failed->v[i])) {
			(void)store_strv_push(&pub->marked_zones,
					      failed->v[i]);
		}
	}
}

/*
 * Gives the pages of freed blocks back to the system. A publication frees
 * the zone versions it replaced and the short-lived blocks of its builds
 * (the store's rows, presentation lines, RRsets on their way into a zone's
 * arena); API requests free their bodies and JSON trees. glibc returns a
 * heap's free memory only from its top, so without this the holes stay
 * resident; malloc_trim() returns every free page of every arena.
 */
static void release_memory(void)
{
#ifdef __GLIBC__
	(void)malloc_trim(0);
#endif
}

/* Waits for a wake for TRIM_QUIET_NS at most. Called with lock held.
 * \return true when the time ran out. */
static bool wait_quiet(struct config_publisher *pub)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += TRIM_QUIET_NS;
	if (until.tv_nsec >= 1000 * 1000 * 1000) {
		until.tv_sec++;
		until.tv_nsec -= 1000 * 1000 * 1000;
	}
	return pthread_cond_timedwait(&pub->wake, &pub->lock, &until) ==
	       ETIMEDOUT;
}

static void *publisher_main(void *arg)
{
	struct config_publisher *pub = arg;
	rcu_register_thread();

	/* Memory is released once a burst of publications is over (the
	 * API answers each change before the next comes), not after each. */
	bool trim_due = false;
	pthread_mutex_lock(&pub->lock);
	while (true) {
		while (!pub->stopping && pub->requested == pub->completed) {
			if (!trim_due) {
				pthread_cond_wait(&pub->wake, &pub->lock);
			} else if (wait_quiet(pub)) {
				trim_due = false;
				pthread_mutex_unlock(&pub->lock);
				release_memory();
				pthread_mutex_lock(&pub->lock);
			}
		}
		if (pub->stopping) {
			break;
		}
		pthread_mutex_unlock(&pub->lock);
		sleep_ns(BATCH_WINDOW_NS);
		pthread_mutex_lock(&pub->lock);

		uint64_t target = pub->requested;
		struct batch b = { 0 };
		take_marks(pub, &b);
		pthread_mutex_unlock(&pub->lock);

		struct store_strv failed = { 0 };
		int rc = run_batch(pub, &b, &failed);
		trim_due = true;

		pthread_mutex_lock(&pub->lock);
		remark(pub, &b, rc, &failed);
		pub->completed = target;
		pub->last_rc = rc;
		pthread_cond_broadcast(&pub->done);
		store_strv_clear(&failed);
		store_strv_clear(&b.zones);
	}
	pthread_mutex_unlock(&pub->lock);

	rcu_unregister_thread();
	return NULL;
}

/*
 * Public interface
 */

struct config_publisher *config_publisher_new(struct store *store,
					      const struct zg_addr *extra_listen,
					      size_t n_extra_listen)
{
	struct config_publisher *pub = calloc(1, sizeof(*pub));
	if (pub == NULL) {
		return NULL;
	}
	pub->store = store;
	pub->extra_listen = calloc(n_extra_listen + 1,
				   sizeof(*pub->extra_listen));
	if (pub->extra_listen == NULL) {
		free(pub);
		return NULL;
	}
	if (n_extra_listen > 0) {
		memcpy(pub->extra_listen, extra_listen,
		       n_extra_listen * sizeof(*extra_listen));
	}
	pub->n_extra_listen = n_extra_listen;
	pthread_mutex_init(&pub->lock, NULL);
	/* wait_quiet() measures on the monotonic clock. */
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pub->wake, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&pub->done, NULL);

	if (pthread_create(&pub->thread, NULL, publisher_main, pub) != 0) {
		config_publisher_free(pub);
		return NULL;
	}
	pub->thread_started = true;
	return pub;
}

void config_publisher_free(struct config_publisher *pub)
{
	if (pub == NULL) {
		return;
	}
	if (pub->thread_started) {
		pthread_mutex_lock(&pub->lock);
		pub->stopping = true;
		pthread_cond_broadcast(&pub->wake);
		pthread_cond_broadcast(&pub->done);
		pthread_mutex_unlock(&pub->lock);
		pthread_join(pub->thread, NULL);
	}
	for (size_t i = 0; i < pub->n_slots; i++) {
		zone_handle_unref(pub->slots[i].handle);
	}
	free(pub->slots);
	store_strv_clear(&pub->marked_zones);
	pthread_cond_destroy(&pub->done);
	pthread_cond_destroy(&pub->wake);
	pthread_mutex_destroy(&pub->lock);
	free(pub->extra_listen);
	free(pub);
}

void config_publisher_set_hook(struct config_publisher *pub,
			       config_publish_hook hook, void *arg)
{
	pthread_mutex_lock(&pub->lock);
	pub->hook = hook;
	pub->hook_arg = arg;
	pthread_mutex_unlock(&pub->lock);
}

void config_publisher_set_zone_hook(struct config_publisher *pub,
				    config_zone_hook hook, void *arg)
{
	pthread_mutex_lock(&pub->lock);
	pub->zone_hook = hook;
	pub->zone_hook_arg = arg;
	pthread_mutex_unlock(&pub->lock);
}

void config_publisher_mark_config(struct config_publisher *pub)
{
	pthread_mutex_lock(&pub->lock);
	pub->mark_config = true;
	pthread_mutex_unlock(&pub->lock);
}

void config_publisher_mark_zone(struct config_publisher *pub,
				const char *zone_id)
{
	pthread_mutex_lock(&pub->lock);
	if (!store_strv_has(&pub->marked_zones, zone_id) &&
	    store_strv_push(&pub->marked_zones, zone_id) != 0) {
		/* Out of memory: rebuilding everything still covers it. */
		pub->mark_all = true;
	}
	pthread_mutex_unlock(&pub->lock);
}

int config_publisher_sync(struct config_publisher *pub)
{
	pthread_mutex_lock(&pub->lock);
	uint64_t ticket = ++pub->requested;
	pthread_cond_signal(&pub->wake);
	while (pub->completed < ticket && !pub->stopping) {
		pthread_cond_wait(&pub->done, &pub->lock);
	}
	int rc = pub->completed >= ticket ? pub->last_rc : ZG_EINTERNAL;
	pthread_mutex_unlock(&pub->lock);
	return rc;
}

int config_publisher_load_all(struct config_publisher *pub)
{
	pthread_mutex_lock(&pub->lock);
	pub->mark_all = true;
	pub->mark_config = true;
	pthread_mutex_unlock(&pub->lock);
	return config_publisher_sync(pub);
}

uint64_t config_publisher_version(struct config_publisher *pub)
{
	pthread_mutex_lock(&pub->lock);
	uint64_t version = pub->served_version;
	pthread_mutex_unlock(&pub->lock);
	return version;
}

const struct zg_addr *config_publisher_extra_listen(
	const struct config_publisher *pub, size_t *n)
{
	*n = pub->n_extra_listen;
	return pub->extra_listen;
}
