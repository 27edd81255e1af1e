/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A private zone's transfer settings and dynamic update policy, and its
 * records in and out as a zone file (docs/api.md, "Zone sync"). */
#include "api/api_priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include <libknot/libknot.h>
#include <urcu.h>

#include "validate/validate.h"
#include "common/error.h"
#include "config/config.h"
#include "config/publish.h"
#include "wire/wire.h"
#include "xfr/xfr.h"
#include "xfrout/xfrout.h"
#include "zone/zone.h"

#define TRANSFER_MAX_ALLOW 64
#define TRANSFER_MAX_NOTIFY 16
#define GRANT_MAX_TYPES 16
#define APEX_NS_MAX 13

static const char *const transfer_keys[] = {
	"allow", "tsig", "notify", "notify_source", NULL,
};
static const char *const grant_keys[] = {
	"key", "name", "subtree", "types", NULL,
};
static const char *const import_keys[] = {
	"text", NULL,
};
static const char *const import_create_keys[] = {
	"name", "proxy_pattern", "text", NULL,
};

/* A private zone named by the path (404), refusing other kinds (400). */
static int load_private_zone(struct api_req *r, const char *zone_id,
			     struct store_zone *zone)
{
	int ret = store_zone_get(r->store, zone_id, zone);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "zone", zone_id);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "a zone");
	}
	if (strcmp(zone->kind, "private") != 0) {
		return api_fail_at(r, 400, NULL,
				   "%s is a %s zone; only private zones are transferred out, updated or imported here",
				   zone_id, zone->kind);
	}
	return 0;
}

/* A TSIG key named by field (404 when missing); out gets its name. */
static int read_key(struct api_req *r, const char *field, const char *text,
		    char *out, size_t outlen)
{
	char msg[256];
	if (validate_domain(text, false, out, outlen, msg,
				sizeof(msg)) != 0) {
		return api_fail(r, 400, field, "%s", msg);
	}
	struct store_tsig_key key = { 0 };
	int ret = store_tsig_get(r->store, out, &key);
	store_tsig_key_clear(&key);
	if (ret == ZG_ENOENT) {
		return api_fail(r, 404, field, "no TSIG key %s", out);
	}
	return ret != 0 ? api_fail_store(r, ret, "a TSIG key") : 0;
}

/*
 * Transfer settings: /v1/zones/{id}/transfer
 */

static json_t *text_or_null(const char *text)
{
	return text[0] != '\0' ? json_string(text) : json_null();
}

static json_t *transfer_json(const char *zone_id,
			     const struct store_transfer *xfr,
			     const char *effective_source)
{
	return json_pack("{ss so so so so so}", "zone", zone_id, "allow",
			 api_json_strv(&xfr->allow), "tsig",
			 text_or_null(xfr->tsig_key), "notify",
			 api_json_strv(&xfr->notify), "notify_source",
			 text_or_null(xfr->notify_source),
			 "effective_notify_source",
			 text_or_null(effective_source));
}

/* The source the NOTIFYs to the first notify target leave from, as the
 * notifier chooses it (xfrout_notify_source()); "" without targets or
 * without an address of their family. */
static int effective_source(struct api_req *r,
			    const struct store_transfer *xfr, char *out,
			    size_t outlen)
{
	out[0] = '\0';
	struct zg_addr dest, source;
	if (xfr->notify.n == 0 || addr_parse(xfr->notify.v[0], 53,
					     &dest) != 0) {
		return 0;
	}
	struct store_strv sources = { 0 };
	int ret = store_transfer_sources(r->store, xfr->zone_id, &sources);
	if (ret != 0) {
		store_strv_clear(&sources);
		return api_fail_store(r, ret, "the zone's listeners");
	}
	/* A libmicrohttpd thread: registered for this call only. */
	rcu_register_thread();
	rcu_read_lock();
	const struct config *cfg = config_current();
	if (xfrout_notify_source(xfr->notify_source, &sources,
				 cfg != NULL ? cfg->listen : NULL,
				 cfg != NULL ? cfg->n_listen : 0,
				 addr_family(&dest), &source)) {
		addr_format(&source, false, out, outlen);
	}
	rcu_read_unlock();
	rcu_unregister_thread();
	store_strv_clear(&sources);
	return 0;
}

static int transfer_reply(struct api_req *r, const char *zone_id,
			  const struct store_transfer *xfr, json_t **out)
{
	char effective[ZG_ADDR_STRLEN];
	int ret = effective_source(r, xfr, effective, sizeof(effective));
	if (ret != 0) {
		return ret;
	}
	*out = transfer_json(zone_id, xfr, effective);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_transfer_get(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	struct store_zone zone = { 0 };
	struct store_transfer xfr = { 0 };
	int ret = load_private_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = store_transfer_get(r->store, a->id, &xfr);
		if (ret == ZG_ENOENT) {
			ret = 0;	/* none: empty lists, no transfers */
		} else if (ret != 0) {
			ret = api_fail_store(r, ret, "the transfer settings");
		}
	}
	if (ret == 0) {
		ret = transfer_reply(r, a->id, &xfr, out);
	}
	store_transfer_clear(&xfr);
	store_zone_clear(&zone);
	return ret;
}

static int read_allow(struct api_req *r, json_t *array,
		      struct store_strv *out)
{
	for (size_t i = 0; i < json_array_size(array); i++) {
		const char *text = json_string_value(json_array_get(array, i));
		char field[32], canon[STORE_ADDR_LEN], msg[256];
		struct zg_prefix prefix;
		snprintf(field, sizeof(field), "allow[%zu]", i);
		if (validate_cidr(text, &prefix, canon, sizeof(canon), msg,
				      sizeof(msg)) != 0) {
			return api_fail(r, 400, field, "%s", msg);
		}
		if (store_strv_has(out, canon)) {
			return api_fail(r, 400, field, "%s is listed twice",
					canon);
		}
		if (store_strv_push(out, canon) != 0) {
			return api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	return 0;
}

/* NOTIFY targets are refused like forwarding targets: never one of
 * zonegate's own listeners. */
static int read_notify(struct api_req *r, json_t *array,
		       struct store_strv *out)
{
	struct zg_addr *own = NULL;
	size_t n_own = 0;
	int ret = api_own_listen(r, &own, &n_own);
	for (size_t i = 0; ret == 0 && i < json_array_size(array); i++) {
		const char *text = json_string_value(json_array_get(array, i));
		char field[32], canon[STORE_ADDR_LEN], msg[256];
		struct zg_addr addr;
		snprintf(field, sizeof(field), "notify[%zu]", i);
		if (validate_target(text, own, n_own, &addr, canon,
					sizeof(canon), msg, sizeof(msg)) != 0) {
			ret = api_fail(r, 400, field, "%s", msg);
		} else if (store_strv_has(out, canon)) {
			ret = api_fail(r, 400, field, "%s is listed twice",
				       canon);
		} else if (store_strv_push(out, canon) != 0) {
			ret = api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	free(own);
	return ret;
}

static const char *family_name(const struct zg_addr *addr)
{
	return addr_family(addr) == AF_INET6 ? "IPv6" : "IPv4";
}

/* The bare addresses of sources, each once, as "a, b" for a message. */
static void list_sources(const struct store_strv *sources, char *out,
			 size_t outlen)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sources->n; i++) {
		struct zg_addr addr;
		char text[ZG_ADDR_STRLEN];
		bool seen = false;
		if (addr_parse(sources->v[i], 53, &addr) != 0) {
			continue;
		}
		for (size_t j = 0; j < i && !seen; j++) {
			struct zg_addr before;
			seen = addr_parse(sources->v[j], 53, &before) == 0 &&
			       addr_equal_ip(&before, &addr);
		}
		addr_format(&addr, false, text, sizeof(text));
		if (!seen && used < outlen) {
			used += (size_t)snprintf(out + used, outlen - used,
						 "%s%s", used > 0 ? ", " : "",
						 text);
		}
	}
}

/* Whether want is the address of one of sources (ports aside). */
static bool is_source(const struct store_strv *sources,
		      const struct zg_addr *want)
{
	for (size_t i = 0; i < sources->n; i++) {
		struct zg_addr addr;
		if (addr_parse(sources->v[i], 53, &addr) == 0 &&
		    addr_equal_ip(&addr, want)) {
			return true;
		}
	}
	return false;
}

/* The address in notify_source must be one zonegate listens on for the
 * zone's VPCs, since a secondary takes NOTIFYs from the addresses it
 * transfers from (RFC 1996 section 3.10), and of the family of every
 * notify target. */
static int check_notify_source(struct api_req *r, const char *text,
			       struct store_transfer *xfr)
{
	struct zg_addr want;
	if (addr_parse_ip(text, &want) != 0) {
		return api_fail(r, 400, "notify_source",
				"%s is not an IP address (a NOTIFY source takes no port)",
				text);
	}
	struct store_strv sources = { 0 };
	char valid[512];
	int ret = store_transfer_sources(r->store, xfr->zone_id, &sources);
	list_sources(&sources, valid, sizeof(valid));
	if (ret != 0) {
		ret = api_fail_store(r, ret, "the zone's listeners");
	} else if (!is_source(&sources, &want) && sources.n == 0) {
		ret = api_fail(r, 400, "notify_source",
			       "%s is not an address zonegate listens on for the VPCs of %s, which has none: bind the zone to a VPC with listeners or give its VPC an inbound endpoint",
			       text, xfr->zone_id);
	} else if (!is_source(&sources, &want)) {
		ret = api_fail(r, 400, "notify_source",
			       "%s is not an address zonegate listens on for the VPCs of %s; the valid addresses are: %s",
			       text, xfr->zone_id, valid);
	}
	store_strv_clear(&sources);
	for (size_t i = 0; ret == 0 && i < xfr->notify.n; i++) {
		struct zg_addr dest;
		if (addr_parse(xfr->notify.v[i], 53, &dest) == 0 &&
		    addr_family(&dest) != addr_family(&want)) {
			ret = api_fail(r, 400, "notify_source",
				       "notify[%zu] %s is %s and notify_source %s is %s: NOTIFYs to it cannot leave from that address",
				       i, xfr->notify.v[i], family_name(&dest),
				       text, family_name(&want));
		}
	}
	if (ret == 0) {
		addr_format(&want, false, xfr->notify_source,
			    sizeof(xfr->notify_source));
	}
	return ret;
}

static int read_transfer(struct api_req *r, json_t *body,
			 struct store_transfer *xfr)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	json_t *list = NULL;
	bool present = false;
	int ret = api_check_keys(r, body, transfer_keys);
	if (ret == 0) {
		ret = api_get_strings(r, body, "allow", true, 1,
				      TRANSFER_MAX_ALLOW, &list, NULL);
	}
	if (ret == 0) {
		ret = read_allow(r, list, &xfr->allow);
	}
	json_t *tsig = json_object_get(body, "tsig");
	if (ret == 0 && tsig != NULL && !json_is_null(tsig)) {
		ret = json_is_string(tsig)
			? read_key(r, "tsig", json_string_value(tsig),
				   xfr->tsig_key, sizeof(xfr->tsig_key))
			: api_fail(r, 400, "tsig",
				   "tsig must be a key name or null");
	}
	if (ret == 0) {
		ret = api_tsig_claim(r, "tsig", xfr->tsig_key, xfr->zone_id);
	}
	if (ret == 0) {
		ret = api_get_strings(r, body, "notify", false, 0,
				      TRANSFER_MAX_NOTIFY, &list, &present);
	}
	if (ret == 0 && present) {
		ret = read_notify(r, list, &xfr->notify);
	}
	json_t *source = json_object_get(body, "notify_source");
	if (ret == 0 && source != NULL && !json_is_null(source)) {
		ret = json_is_string(source)
			? check_notify_source(r, json_string_value(source),
					      xfr)
			: api_fail(r, 400, "notify_source",
				   "notify_source must be an IP address or null");
	}
	return ret;
}

int api_transfer_put(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	struct store_zone zone = { 0 };
	struct store_transfer xfr = { 0 };
	snprintf(xfr.zone_id, sizeof(xfr.zone_id), "%s", a->id);
	int ret = load_private_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = read_transfer(r, a->body, &xfr);
	}
	if (ret == 0) {
		ret = store_transfer_put(r->store, &xfr);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "the transfer settings");
		}
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "zone_id=%s", a->id);
		api_note(r, fields, "zone %s may be transferred to %zu prefixes%s%s, notifying %zu targets from %s",
			 zone.meta.name, xfr.allow.n,
			 xfr.tsig_key[0] != '\0' ? " with key " : "",
			 xfr.tsig_key, xfr.notify.n,
			 xfr.notify_source[0] != '\0' ? xfr.notify_source
						       : "the automatic source");
		ret = transfer_reply(r, a->id, &xfr, out);
	}
	store_transfer_clear(&xfr);
	store_zone_clear(&zone);
	return ret;
}

int api_transfer_delete(struct api_req *r, const struct api_args *a,
			json_t **out)
{
	struct store_zone zone = { 0 };
	struct store_transfer none = { 0 };
	int ret = load_private_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = store_transfer_delete(r->store, a->id);
		if (ret == ZG_ENOENT) {
			ret = api_fail_at(r, 404, NULL,
					  "%s has no transfer settings",
					  a->id);
		} else if (ret != 0) {
			ret = api_fail_store(r, ret, "the transfer settings");
		}
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "zone_id=%s", a->id);
		api_note(r, fields, "zone %s is no longer transferred out",
			 zone.meta.name);
		ret = transfer_reply(r, a->id, &none, out);
	}
	store_zone_clear(&zone);
	return ret;
}

/*
 * Update policy: /v1/zones/{id}/update-policy
 */

static int policy_reply(struct api_req *r, const char *zone_id,
			json_t **out)
{
	struct store_grant *grants = NULL;
	size_t n = 0;
	int ret = store_grant_list(r->store, zone_id, &grants, &n);
	if (ret != 0) {
		return api_fail_store(r, ret, "the update policy");
	}
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < n; i++) {
		const struct store_grant *g = &grants[i];
		json_t *item = json_pack("{ss ss so so}", "key", g->key_name,
					 "match", g->match, "name",
					 g->name[0] != '\0'
					 ? json_string(g->name) : json_null(),
					 "types", api_json_strv(&g->types));
		if (json_array_append_new(list, item) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	store_grant_list_free(grants, n);
	*out = list != NULL ? json_pack("{ss so}", "zone", zone_id, "grants",
					list) : NULL;
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_policy_get(struct api_req *r, const struct api_args *a,
		   json_t **out)
{
	struct store_zone zone = { 0 };
	int ret = load_private_zone(r, a->id, &zone);
	store_zone_clear(&zone);
	return ret != 0 ? ret : policy_reply(r, a->id, out);
}

/* Types a grant may list: the API's record types, and SOA (the apex
 * SOA of a zone grant). */
static int read_grant_types(struct api_req *r, json_t *array,
			    struct store_strv *out)
{
	for (size_t i = 0; i < json_array_size(array); i++) {
		const char *text = json_string_value(json_array_get(array, i));
		char field[32], type[16], msg[256];
		uint16_t code = 0;
		snprintf(field, sizeof(field), "types[%zu]", i);
		if (strcasecmp(text, "SOA") == 0) {
			snprintf(type, sizeof(type), "SOA");
		} else if (validate_rtype(text, type, sizeof(type), &code,
					      msg, sizeof(msg)) != 0) {
			return api_fail(r, 400, field, "%s", msg);
		}
		if (!store_strv_has(out, type) &&
		    store_strv_push(out, type) != 0) {
			return api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	return 0;
}

/* The name or subtree of a grant: fully qualified, inside the zone. */
static int read_grant_scope(struct api_req *r, json_t *body,
			    const struct store_zone *zone,
			    struct store_grant *g)
{
	const char *name = NULL, *subtree = NULL;
	bool has_name = false, has_subtree = false;
	int ret = api_get_string(r, body, "name", false, &name, &has_name);
	if (ret == 0) {
		ret = api_get_string(r, body, "subtree", false, &subtree,
				     &has_subtree);
	}
	if (ret == 0 && has_name && has_subtree) {
		return api_fail(r, 400, "subtree",
				"give name or subtree, not both");
	}
	snprintf(g->match, sizeof(g->match), "%s",
		 has_name ? "name" : has_subtree ? "subtree" : "zone");
	if (ret != 0 || (!has_name && !has_subtree)) {
		return ret;
	}
	char msg[512];
	const char *field = has_name ? "name" : "subtree";
	if (validate_grant_name(zone->meta.name,
				    has_name ? name : subtree, g->name,
				    sizeof(g->name), msg, sizeof(msg)) != 0) {
		return api_fail(r, 400, field, "%s", msg);
	}
	return 0;
}

int api_policy_grant(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	json_t *body = a->body;
	struct store_zone zone = { 0 };
	struct store_grant g = { 0 };
	const char *key = NULL;
	json_t *types = NULL;
	bool has_types = false;
	int ret = load_private_zone(r, a->id, &zone);
	if (ret == 0 && !json_is_object(body)) {
		ret = api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	if (ret == 0) {
		ret = api_check_keys(r, body, grant_keys);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "key", true, &key, NULL);
	}
	if (ret == 0) {
		ret = read_key(r, "key", key, g.key_name, sizeof(g.key_name));
	}
	if (ret == 0) {
		ret = api_tsig_claim(r, "key", g.key_name, a->id);
	}
	if (ret == 0) {
		ret = read_grant_scope(r, body, &zone, &g);
	}
	if (ret == 0) {
		ret = api_get_strings(r, body, "types", false, 1,
				      GRANT_MAX_TYPES, &types, &has_types);
	}
	if (ret == 0 && has_types) {
		ret = read_grant_types(r, types, &g.types);
	}
	if (ret == 0) {
		ret = store_grant_put(r->store, a->id, &g);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "the update policy");
		}
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "zone_id=%s", a->id);
		api_note(r, fields, "key %s may update %s %s in zone %s",
			 g.key_name, g.match,
			 g.name[0] != '\0' ? g.name : zone.meta.name,
			 zone.meta.name);
		ret = policy_reply(r, a->id, out);
	}
	store_grant_clear(&g);
	store_zone_clear(&zone);
	return ret;
}

int api_policy_revoke(struct api_req *r, const struct api_args *a,
		      json_t **out)
{
	struct store_zone zone = { 0 };
	char key[VALIDATE_NAME_LEN];
	char msg[256];
	int ret = load_private_zone(r, a->id, &zone);
	if (ret == 0 && validate_domain(a->sub_id, false, key, sizeof(key),
					    msg, sizeof(msg)) != 0) {
		ret = api_fail_at(r, 404, NULL, "%s has no grant for %s",
				  a->id, a->sub_id);
	}
	if (ret == 0) {
		ret = store_grant_revoke(r->store, a->id, key);
		if (ret == ZG_ENOENT) {
			ret = api_fail_at(r, 404, NULL,
					  "%s has no grant for %s", a->id,
					  key);
		} else if (ret != 0) {
			ret = api_fail_store(r, ret, "the update policy");
		}
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "zone_id=%s", a->id);
		api_note(r, fields, "key %s may no longer update zone %s",
			 key, zone.meta.name);
		ret = policy_reply(r, a->id, out);
	}
	store_zone_clear(&zone);
	return ret;
}

/*
 * Export: /v1/zones/{id}/export
 */

static int add_line(struct zone_builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_line(struct zone_builder *b, const char *fmt, ...)
{
	char *line = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return ZG_ENOMEM;
	}
	/* A stored value that no longer parses is not served; it is not
	 * exported either. */
	int ret = zone_builder_add_text(b, line, NULL, 0);
	free(line);
	return ret == ZG_ENOMEM ? ret : 0;
}

/* The records generated for the default server name, as the publisher
 * adds them (config_zone_glue()). */
static int add_glue(struct api_req *r, struct zone_builder *b,
		    const struct store_zone *zone,
		    const struct store_record *recs, size_t n)
{
	struct store_strv lines = { 0 };
	int ret = config_zone_glue(r->store, zone, recs, n, &lines);
	for (size_t i = 0; ret == 0 && i < lines.n; i++) {
		ret = add_line(b, "%s", lines.v[i]);
	}
	store_strv_clear(&lines);
	return ret;
}

/* The zone as the publisher builds it (SOA, apex NS, records and the
 * generated address records of the default server name). */
static int build_contents(struct api_req *r, const struct store_zone *zone,
			  struct zone_contents **out)
{
	struct store_record *recs = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_record_list(r->store, zone->meta.resource_id, NULL,
				    NULL, NULL, 0, &recs, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the records");
	}
	knot_dname_t *apex = knot_dname_from_str_alloc(zone->meta.name);
	struct zone_builder *b = apex != NULL ? zone_builder_new(apex) : NULL;
	const struct store_soa *soa = &zone->soa;
	ret = b != NULL ? add_line(b, "%s %" PRIu32 " IN SOA %s %s %" PRIu32
				   " %" PRIu32 " %" PRIu32 " %" PRIu32 " %"
				   PRIu32, zone->meta.name, soa->ttl,
				   soa->mname, soa->rname, soa->serial,
				   soa->refresh, soa->retry, soa->expire,
				   soa->minimum)
			: ZG_ENOMEM;
	for (size_t i = 0; ret == 0 && i < zone->ns.n; i++) {
		ret = add_line(b, "%s %" PRIu32 " IN NS %s", zone->meta.name,
			       soa->ttl, zone->ns.v[i]);
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		ret = strcmp(recs[i].meta.name, "@") == 0
			? add_line(b, "%s %" PRIu32 " IN %s %s",
				   zone->meta.name, recs[i].ttl, recs[i].type,
				   recs[i].value)
			: add_line(b, "%s.%s %" PRIu32 " IN %s %s",
				   recs[i].meta.name,
				   strcmp(zone->meta.name, ".") == 0
				   ? "" : zone->meta.name, recs[i].ttl,
				   recs[i].type, recs[i].value);
	}
	if (ret == 0) {
		ret = add_glue(r, b, zone, recs, n);
	}
	if (ret == 0) {
		*out = zone_builder_finish(b, NULL, 0);
		b = NULL;
		ret = *out != NULL ? 0 : ZG_ENOMEM;
	}
	zone_builder_free(b);
	free(apex);
	store_record_list_free(recs, n);
	return ret != 0 ? api_fail_at(r, 500, NULL, "cannot build the zone: %s",
				      zg_strerror(ret))
			: 0;
}

/* A secondary zone exports the version it holds, read only, as the
 * store keeps it: what it serves unless it expired. */
static int secondary_contents(struct api_req *r, const struct store_zone *zone,
			      struct zone_contents **out)
{
	char err[256] = "";
	int ret = xfr_stored_version(r->store, zone->meta.resource_id,
				     zone->meta.name, out, err, sizeof(err));
	if (ret == ZG_ENOENT) {
		return api_fail_at(r, 409, NULL,
				   "%s (%s) is a secondary zone that has not been transferred yet; there is nothing to export",
				   zone->meta.resource_id, zone->meta.name);
	}
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 500, NULL,
				   "the stored version of %s cannot be read: %s",
				   zone->meta.resource_id, err);
	}
	return ret != 0 ? api_fail_store(r, ret, "the stored version") : 0;
}

int api_zone_export(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_zone zone = { 0 };
	struct zone_contents *z = NULL;
	char *text = NULL;
	size_t len = 0;
	int ret = store_zone_get(r->store, a->id, &zone);
	if (ret == ZG_ENOENT) {
		ret = api_fail_missing(r, "zone", a->id);
	} else if (ret != 0) {
		ret = api_fail_store(r, ret, "a zone");
	} else if (strcmp(zone.kind, "secondary") == 0) {
		ret = secondary_contents(r, &zone, &z);
	} else {
		store_zone_clear(&zone);
		ret = load_private_zone(r, a->id, &zone);
		if (ret == 0) {
			ret = build_contents(r, &zone, &z);
		}
	}
	if (ret == 0 && zone_file_export(z, &text, &len) != 0) {
		ret = api_fail_at(r, 500, NULL, "cannot write the zone file");
	}
	if (ret == 0) {
		*out = json_pack("{ss ss sI ss}", "zone", a->id, "name",
				 zone.meta.name, "serial",
				 (json_int_t)zone_contents_serial(z), "text",
				 text);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	free(text);
	zone_contents_free(z);
	store_zone_clear(&zone);
	return ret;
}

/*
 * Import: /v1/zones/{id}/import and /v1/zones/import
 */

struct import_rec {
	char rel[VALIDATE_NAME_LEN];
	char fqdn[VALIDATE_NAME_LEN];
	char type[16];
	uint16_t code;			/* type number */
	uint32_t ttl;
	char *value;
	uint64_t line;
	bool skip;			/* a duplicate of an earlier line */
	bool keep;			/* already stored exactly so */
};

struct import {
	struct api_req *r;
	const struct store_zone *zone;
	knot_dname_t *apex;
	struct store_soa soa;
	bool has_soa;
	uint64_t soa_line;		/* where the SOA is, when has_soa */
	struct store_strv ns;
	struct import_rec *recs;
	size_t n;
	size_t cap;			/* recs allocated */
	struct validate_rdata_parser *parser; /* for every value of the file */
	char err[600];
};

static void import_clear(struct import *im)
{
	for (size_t i = 0; i < im->n; i++) {
		free(im->recs[i].value);
	}
	free(im->recs);
	store_strv_clear(&im->ns);
	free(im->apex);
	validate_rdata_parser_free(im->parser);
}

static int import_fail(struct import *im, uint64_t line, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));

static int import_fail(struct import *im, uint64_t line, const char *fmt,
		       ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(im->err, sizeof(im->err), "line %" PRIu64 ": %s", line,
		 what);
	return ZG_EINVAL;
}

static int name_text(const knot_dname_t *name, char *out, size_t outlen)
{
	uint8_t lower[KNOT_DNAME_MAXLEN];
	knot_dname_copy_lower(lower, name);
	return knot_dname_to_str(out, lower, outlen) != NULL ? 0 : ZG_EINVAL;
}

static int import_soa(struct import *im, const struct zone_file_rr *rr)
{
	/* SOA is a singleton (RFC 1035 section 5.2, RFC 2181 section 6.1);
	 * BIND refuses a second one too, identical or not. */
	if (im->has_soa) {
		return import_fail(im, rr->line,
				   "a second SOA record at the zone apex; the zone has one, at line %" PRIu64,
				   im->soa_line);
	}
	knot_rdata_t *rd = malloc(knot_rdata_size(rr->rdata_len));
	if (rd == NULL) {
		return ZG_ENOMEM;
	}
	knot_rdata_init(rd, rr->rdata_len, rr->rdata);
	char text[VALIDATE_NAME_LEN], msg[256];
	int ret = 0;
	if (name_text(knot_soa_primary(rd), text, sizeof(text)) != 0 ||
	    validate_domain(text, false, im->soa.mname,
				sizeof(im->soa.mname), msg, sizeof(msg)) != 0) {
		ret = import_fail(im, rr->line, "the SOA's primary server name is refused");
	} else if (name_text(knot_soa_mailbox(rd), text, sizeof(text)) != 0 ||
		   validate_rname(text, im->soa.rname,
				      sizeof(im->soa.rname), msg,
				      sizeof(msg)) != 0) {
		ret = import_fail(im, rr->line, "the SOA's mailbox name is refused");
	} else {
		im->soa.ttl = rr->ttl;
		im->soa.serial = knot_soa_serial(rd);
		im->soa.refresh = knot_soa_refresh(rd);
		im->soa.retry = knot_soa_retry(rd);
		im->soa.expire = knot_soa_expire(rd);
		im->soa.minimum = knot_soa_minimum(rd);
		im->has_soa = true;
		im->soa_line = rr->line;
	}
	free(rd);
	return ret;
}

static int import_apex_ns(struct import *im, const struct zone_file_rr *rr)
{
	char text[VALIDATE_NAME_LEN], ns[VALIDATE_NAME_LEN], msg[256];
	const knot_dname_t *target = rr->rdata;
	if (name_text(target, text, sizeof(text)) != 0 ||
	    validate_domain(text, false, ns, sizeof(ns), msg,
				sizeof(msg)) != 0) {
		return import_fail(im, rr->line, "the NS name is refused");
	}
	if (store_strv_has(&im->ns, ns)) {
		return 0;
	}
	if (im->ns.n == APEX_NS_MAX) {
		return import_fail(im, rr->line,
				   "the apex holds %d NS names at most",
				   APEX_NS_MAX);
	}
	return store_strv_push(&im->ns, ns) == 0 ? 0 : ZG_ENOMEM;
}

/* One record of the file: validated as the API validates a record. */
static int import_record(struct import *im, const struct zone_file_rr *rr)
{
	char owner[KNOT_DNAME_TXT_MAXLEN + 1], type_text[16], msg[512];
	struct import_rec rec = { .ttl = rr->ttl, .line = rr->line };
	if (knot_rrtype_to_string(rr->type, type_text, sizeof(type_text)) < 0) {
		snprintf(type_text, sizeof(type_text), "TYPE%u", rr->type);
	}
	if (validate_rtype(type_text, rec.type, sizeof(rec.type),
			       &rec.code, msg, sizeof(msg)) != 0) {
		return import_fail(im, rr->line, "%s", msg);
	}
	if (name_text(rr->owner, owner, sizeof(owner)) != 0 ||
	    validate_owner(im->zone->meta.name, owner, rec.rel,
			       sizeof(rec.rel), rec.fqdn, sizeof(rec.fqdn),
			       msg, sizeof(msg)) != 0) {
		return import_fail(im, rr->line, "%s", msg);
	}
	int ret = validate_rdata_parse_wire(im->parser, im->zone->meta.name,
				       rec.fqdn, rec.code, rr->rdata,
				       rr->rdata_len, &rec.value, msg,
				       sizeof(msg));
	if (ret != 0) {
		return ret == ZG_ENOMEM ? ret
			: import_fail(im, rr->line, "%s", msg);
	}

	if (im->n == im->cap) {
		size_t cap = im->cap > 0 ? 2 * im->cap : 64;
		struct import_rec *grown = realloc(im->recs, cap *
						   sizeof(*grown));
		if (grown == NULL) {
			free(rec.value);
			return ZG_ENOMEM;
		}
		im->recs = grown;
		im->cap = cap;
	}
	im->recs[im->n++] = rec;
	return 0;
}

static int import_rr(void *arg, const struct zone_file_rr *rr)
{
	struct import *im = arg;
	bool apex = knot_dname_is_case_equal(rr->owner, im->apex);
	if (!wire_name_in_zone(rr->owner, im->apex)) {
		char owner[KNOT_DNAME_TXT_MAXLEN + 1] = "?";
		knot_dname_to_str(owner, rr->owner, sizeof(owner));
		return import_fail(im, rr->line, "%s is not inside the zone %s",
				   owner, im->zone->meta.name);
	}
	if (rr->type == KNOT_RRTYPE_SOA) {
		return apex ? import_soa(im, rr)
			: import_fail(im, rr->line,
				      "an SOA record belongs at the zone apex only");
	}
	if (rr->type == KNOT_RRTYPE_NS && apex) {
		return import_apex_ns(im, rr);
	}
	return import_record(im, rr);
}

/* The API's rules across records (validate_record_set()): duplicates
 * are dropped, an RRset keeps the TTL of its first line, CNAMEs stand
 * alone, nothing hides under a delegation, RRsets fit a message. */
static int check_records(struct import *im)
{
	struct validate_set_rr *set = calloc(im->n + 1, sizeof(*set));
	if (set == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < im->n; i++) {
		const struct import_rec *rec = &im->recs[i];
		set[i] = (struct validate_set_rr){
			.rel = rec->rel, .fqdn = rec->fqdn, .type = rec->type,
			.code = rec->code, .value = rec->value,
			.ttl = rec->ttl,
		};
	}
	char msg[512];
	size_t bad = 0;
	int ret = validate_record_set(set, im->n, &bad, msg, sizeof(msg));
	for (size_t i = 0; ret == 0 && i < im->n; i++) {
		im->recs[i].ttl = set[i].ttl;
		im->recs[i].skip = set[i].duplicate;
	}
	free(set);
	if (ret == ZG_EINVAL) {
		return import_fail(im, im->recs[bad].line, "%s", msg);
	}
	return ret;
}

/* Records in one order whatever their source: name, type, value, TTL,
 * compared exactly (what is stored must stay exactly so). */
static int stored_form_cmp(const char *rel_a, const char *type_a,
			   const char *value_a, uint32_t ttl_a,
			   const char *rel_b, const char *type_b,
			   const char *value_b, uint32_t ttl_b)
{
	int c = strcmp(rel_a, rel_b);
	if (c == 0) {
		c = strcmp(type_a, type_b);
	}
	if (c == 0) {
		c = strcmp(value_a, value_b);
	}
	return c != 0 ? c : (ttl_a > ttl_b) - (ttl_a < ttl_b);
}

static int by_import_form(const void *pa, const void *pb)
{
	const struct import_rec *a = *(const struct import_rec *const *)pa;
	const struct import_rec *b = *(const struct import_rec *const *)pb;
	return stored_form_cmp(a->rel, a->type, a->value, a->ttl, b->rel,
			       b->type, b->value, b->ttl);
}

static int by_stored_form(const void *pa, const void *pb)
{
	const struct store_record *a =
		*(const struct store_record *const *)pa;
	const struct store_record *b =
		*(const struct store_record *const *)pb;
	return stored_form_cmp(a->meta.name, a->type, a->value, a->ttl,
			       b->meta.name, b->type, b->value, b->ttl);
}

/* Marks the file's records already stored exactly so (keep) and the
 * stored records that stay (stays[i] for old[i]): both lists sorted,
 * then merged. */
static int match_stored(struct import *im, const struct store_record *old,
			size_t n_old, bool *stays)
{
	struct import_rec **given = calloc(im->n + 1, sizeof(*given));
	const struct store_record **was = calloc(n_old + 1, sizeof(*was));
	size_t n_given = 0;
	if (given == NULL || was == NULL) {
		free(given);
		free(was);
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < im->n; i++) {
		if (!im->recs[i].skip) {
			given[n_given++] = &im->recs[i];
		}
	}
	for (size_t i = 0; i < n_old; i++) {
		was[i] = &old[i];
	}
	qsort(given, n_given, sizeof(*given), by_import_form);
	qsort(was, n_old, sizeof(*was), by_stored_form);

	size_t i = 0, j = 0;
	while (i < n_given && j < n_old) {
		const struct store_record *o = was[j];
		int c = stored_form_cmp(given[i]->rel, given[i]->type,
					given[i]->value, given[i]->ttl,
					o->meta.name, o->type, o->value,
					o->ttl);
		if (c == 0) {
			given[i++]->keep = true;
			stays[o - old] = true;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	free(given);
	free(was);
	return 0;
}

/* Replaces the zone's records with the file's: what is already stored
 * exactly so stays, the rest goes and comes, so an unchanged file
 * changes nothing and IXFR sends only the difference. Deletions go in
 * the store's order, additions in the file's. */
static int replace_records(struct import *im, size_t *added,
			   size_t *deleted)
{
	struct api_req *r = im->r;
	struct store_record *old = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_record_list(r->store, im->zone->meta.resource_id,
				    NULL, NULL, NULL, 0, &old, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the records");
	}
	bool *stays = calloc(n + 1, sizeof(*stays));
	ret = stays != NULL ? match_stored(im, old, n, stays) : ZG_ENOMEM;
	if (ret == ZG_ENOMEM) {
		free(stays);
		store_record_list_free(old, n);
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (!stays[i]) {
			ret = store_record_delete(r->store,
						  old[i].meta.resource_id);
			(*deleted)++;
		}
	}
	for (size_t i = 0; ret == 0 && i < im->n; i++) {
		struct import_rec *rec = &im->recs[i];
		if (rec->skip || rec->keep) {
			continue;
		}
		struct store_record sr = { .ttl = rec->ttl,
					   .value = rec->value };
		snprintf(sr.meta.name, sizeof(sr.meta.name), "%s", rec->rel);
		snprintf(sr.zone_id, sizeof(sr.zone_id), "%s",
			 im->zone->meta.resource_id);
		snprintf(sr.type, sizeof(sr.type), "%s", rec->type);
		ret = store_record_create(r->store, &sr);
		(*added)++;
	}
	free(stays);
	store_record_list_free(old, n);
	return ret != 0 ? api_fail_store(r, ret, "the records") : 0;
}

/* SOA and NS of the file become the zone's fields. A serial in the file
 * newer than the next one is taken, so secondaries that had the zone
 * from its old server keep transferring. */
static int update_apex(struct import *im, struct store_zone *zone,
		       bool records_changed)
{
	bool changed = false, serial_set = false;
	if (im->has_soa) {
		uint32_t next = zone->soa.serial + 1;
		int32_t ahead = (int32_t)(im->soa.serial - next);
		serial_set = ahead > 0;
		uint32_t serial = serial_set ? im->soa.serial
					     : zone->soa.serial;
		struct store_soa *soa = &zone->soa;
		changed = serial != soa->serial || im->soa.ttl != soa->ttl ||
			  strcmp(im->soa.mname, soa->mname) != 0 ||
			  strcmp(im->soa.rname, soa->rname) != 0 ||
			  im->soa.refresh != soa->refresh ||
			  im->soa.retry != soa->retry ||
			  im->soa.expire != soa->expire ||
			  im->soa.minimum != soa->minimum;
		*soa = im->soa;
		soa->serial = serial;
	}
	if (im->ns.n > 0) {
		bool same = im->ns.n == zone->ns.n;
		for (size_t i = 0; same && i < im->ns.n; i++) {
			same = strcmp(im->ns.v[i], zone->ns.v[i]) == 0;
		}
		if (!same) {
			store_strv_clear(&zone->ns);
			zone->ns = im->ns;
			memset(&im->ns, 0, sizeof(im->ns));
			changed = true;
		}
	}
	if (!changed) {
		return 0;
	}
	int ret = store_zone_update(im->r->store, zone,
				    records_changed || changed, serial_set);
	return ret != 0 ? api_fail_store(im->r, ret, "the zone") : 0;
}

/* The directive that starts line (from 1) of text, "$GENERATE", into
 * word; "" when the line starts with none. */
static void directive_at(const char *text, uint64_t line, char *word,
			 size_t wordlen)
{
	for (uint64_t i = 1; i < line && text != NULL; i++) {
		text = strchr(text, '\n');
		text = text != NULL ? text + 1 : NULL;
	}
	size_t n = 0;
	if (text != NULL && *text == '$') {
		n = 1 + strspn(text + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "abcdefghijklmnopqrstuvwxyz0123456789_-");
	}
	snprintf(word, wordlen, "%.*s", (int)n, n > 0 ? text : "");
}

/* The parser calls every directive it does not take "invalid": name the
 * directive instead, $GENERATE (BIND's) above all. */
static void explain_directive(struct import *im, const char *text,
			      uint64_t line)
{
	char word[32];
	directive_at(text, line, word, sizeof(word));
	if (word[0] == '\0' || strcasecmp(word, "$ORIGIN") == 0 ||
	    strcasecmp(word, "$TTL") == 0 ||
	    strcasecmp(word, "$INCLUDE") == 0) {
		return;
	}
	if (strcasecmp(word, "$GENERATE") == 0) {
		import_fail(im, line,
			    "$GENERATE is not supported; expand the records first");
	} else {
		import_fail(im, line,
			    "%s is not a zone file directive zonegate takes; $ORIGIN and $TTL are",
			    word);
	}
}

/* The file parsed whole: it must hold the zone's SOA (RFC 1035 section
 * 5.2), as BIND and named-checkzone require; a file without one, an
 * empty one above all, would otherwise empty the zone. */
static int check_file(struct import *im)
{
	if (!im->has_soa) {
		return import_fail(im, 1,
				   "the file has no SOA record at the zone apex; a zone file starts with the zone's SOA (RFC 1035 section 5.2)");
	}
	return check_records(im);
}

static int import_into(struct api_req *r, const char *zone_id,
		       const char *text, json_t **out)
{
	struct store_zone zone = { 0 };
	struct import im = { .r = r, .zone = &zone };
	int ret = load_private_zone(r, zone_id, &zone);
	if (ret == 0) {
		im.apex = knot_dname_from_str_alloc(zone.meta.name);
		im.parser = validate_rdata_parser_new();
		ret = im.apex != NULL && im.parser != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	uint64_t line = 0;
	if (ret == 0) {
		knot_dname_to_lower(im.apex);
		ret = zone_file_parse(text, strlen(text), im.apex, import_rr,
				      &im, &line, im.err, sizeof(im.err));
		if (ret == ZG_EINVAL && line > 0) {
			explain_directive(&im, text, line);
		}
		if (ret == 0) {
			ret = check_file(&im);
		}
		if (ret == ZG_ENOMEM) {
			ret = api_fail_at(r, 500, NULL, "out of memory");
		} else if (ret != 0) {
			ret = api_fail(r, 400, "text", "%s", im.err);
		}
	}

	size_t added = 0, deleted = 0;
	if (ret == 0) {
		ret = replace_records(&im, &added, &deleted);
	}
	if (ret == 0) {
		ret = update_apex(&im, &zone, added + deleted > 0);
	}
	struct store_zone now = { 0 };
	if (ret == 0) {
		ret = store_zone_get(r->store, zone_id, &now);
		ret = ret != 0 ? api_fail_store(r, ret, "the zone") : 0;
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "zone_id=%s", zone_id);
		api_note(r, fields, "imported zone %s: %zu records added, %zu deleted",
			 zone.meta.name, added, deleted);
		size_t kept = 0;
		for (size_t i = 0; i < im.n; i++) {
			kept += im.recs[i].skip ? 0 : 1;
		}
		*out = json_pack("{so sI sI sI}", "zone", api_json_zone(&now),
				 "records", (json_int_t)kept, "added",
				 (json_int_t)added, "deleted",
				 (json_int_t)deleted);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_zone_clear(&now);
	import_clear(&im);
	store_zone_clear(&zone);
	return ret;
}

int api_zone_import(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	const char *text = NULL;
	if (!json_is_object(a->body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	int ret = api_check_keys(r, a->body, import_keys);
	if (ret == 0) {
		ret = api_get_string(r, a->body, "text", true, &text, NULL);
	}
	return ret != 0 ? ret : import_into(r, a->id, text, out);
}

/* Creates the zone and imports into it in one transaction: a file that
 * does not import leaves no zone behind. */
int api_zone_import_create(struct api_req *r, const struct api_args *a,
			   json_t **out)
{
	json_t *body = a->body;
	const char *text = NULL;
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	int ret = api_check_keys(r, body, import_create_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "text", true, &text, NULL);
	}
	json_t *create = ret == 0 ? json_deep_copy(body) : NULL;
	if (ret == 0 && create == NULL) {
		ret = api_fail_at(r, 500, NULL, "out of memory");
	}
	json_t *zone = NULL;
	if (ret == 0) {
		json_object_del(create, "text");
		struct api_args ca = *a;
		ca.body = create;
		ret = api_zone_create(r, &ca, &zone);
	}
	if (ret == 0) {
		const char *zone_id = json_string_value(json_object_get(zone,
									"id"));
		ret = zone_id != NULL ? import_into(r, zone_id, text, out)
			: api_fail_at(r, 500, NULL, "the zone has no id");
	}
	json_decref(zone);
	json_decref(create);
	return ret;
}
