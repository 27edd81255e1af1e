/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Private zones and their VPC bindings: defaults from
 * shared/resolution.md section 3, split-horizon name rule. */
#include "api/api_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate.h"
#include "common/error.h"

#define ZONE_MAX_NS 13

static const char *const zone_create_keys[] = {
	"name", "kind", "proxy_pattern", "soa", "ns", "primaries", "tsig",
	"endpoint", "allow_notify", "max_records", "max_bytes", NULL,
};
static const char *const zone_update_keys[] = {
	"name", "kind", "proxy_pattern", "soa", "ns", "serial", "primaries",
	"tsig", "endpoint", "allow_notify", "max_records", "max_bytes", NULL,
};
static const char *const soa_keys[] = {
	"ttl", "mname", "rname", "refresh", "retry", "expire", "minimum", NULL,
};
static const char *const binding_keys[] = { "vpc", NULL };

static int zone_reply(struct api_req *r, const struct store_zone *zone,
		      json_t **out)
{
	*out = api_json_zone(zone);
	if (*out == NULL) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	return api_secondary_decorate(r, zone, *out);
}

/* Reads the zone of a request; 404 names the zone. */
static int load_zone(struct api_req *r, const char *zone_id,
		     struct store_zone *zone)
{
	int ret = store_zone_get(r->store, zone_id, zone);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "zone", zone_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "a zone") : 0;
}

int api_zone_list(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_zone *zones = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_zone_list(r->store, a->after, a->limit, &zones, &n,
				  &more);
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 400, "after", "unknown cursor '%s'",
				   a->after);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of zones");
	}
	json_t *items = json_array();
	for (size_t i = 0; ret == 0 && items != NULL && i < n; i++) {
		json_t *item = api_json_zone(&zones[i]);
		if (item != NULL) {
			ret = api_secondary_decorate(r, &zones[i], item);
		}
		if (json_array_append_new(items, item) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	if (ret != 0) {
		json_decref(items);
		store_zone_list_free(zones, n);
		return ret;
	}
	*out = api_json_page(items, more ? zones[n - 1].meta.resource_id
					 : NULL);
	store_zone_list_free(zones, n);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_zone_get(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_zone zone = { 0 };
	int ret = load_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = zone_reply(r, &zone, out);
	}
	store_zone_clear(&zone);
	return ret;
}

static int read_name_field(struct api_req *r, json_t *obj, const char *key,
			   char *out, size_t outlen, bool *present)
{
	const char *text = NULL;
	char msg[256];
	int ret = api_get_string(r, obj, key, false, &text, present);
	if (ret == 0 && *present &&
	    validate_domain(text, false, out, outlen, msg,
				sizeof(msg)) != 0) {
		ret = api_fail(r, 400, key, "%s", msg);
	}
	return ret;
}

static int read_soa_fields(struct api_req *r, json_t *obj,
			   struct store_soa *soa, bool *changed)
{
	struct {
		const char *key;
		uint32_t *value;
	} numbers[] = {
		{ "ttl", &soa->ttl }, { "refresh", &soa->refresh },
		{ "retry", &soa->retry }, { "expire", &soa->expire },
		{ "minimum", &soa->minimum },
	};
	int ret = api_check_keys(r, obj, soa_keys);
	for (size_t i = 0; ret == 0 && i < sizeof(numbers) / sizeof(*numbers);
	     i++) {
		uint64_t value = 0;
		bool present = false;
		ret = api_get_uint(r, obj, numbers[i].key, VALIDATE_TTL_MAX, &value,
				   &present);
		if (ret == 0 && present) {
			*numbers[i].value = (uint32_t)value;
			*changed = true;
		}
	}

	bool present = false;
	if (ret == 0) {
		ret = read_name_field(r, obj, "mname", soa->mname,
				      sizeof(soa->mname), &present);
		*changed = *changed || present;
	}
	const char *text = NULL;
	if (ret == 0) {
		ret = api_get_string(r, obj, "rname", false, &text, &present);
	}
	char msg[256];
	if (ret == 0 && present) {
		if (validate_rname(text, soa->rname, sizeof(soa->rname),
				       msg, sizeof(msg)) != 0) {
			ret = api_fail(r, 400, "rname", "%s", msg);
		}
		*changed = true;
	}
	return ret;
}

/* Reads "soa": {...partial} with field names "soa.<key>". */
static int read_soa(struct api_req *r, json_t *body, struct store_soa *soa,
		    bool *changed)
{
	json_t *obj = json_object_get(body, "soa");
	if (obj == NULL) {
		return 0;
	}
	if (!json_is_object(obj)) {
		return api_fail(r, 400, "soa", "soa must be an object");
	}
	char saved[sizeof(r->prefix)];
	memcpy(saved, r->prefix, sizeof(saved));
	size_t len = strlen(r->prefix);
	snprintf(r->prefix + len, sizeof(r->prefix) - len, "soa.");
	int ret = read_soa_fields(r, obj, soa, changed);
	memcpy(r->prefix, saved, sizeof(saved));
	return ret;
}

static int read_ns(struct api_req *r, json_t *body, struct store_strv *ns,
		   bool *present)
{
	json_t *list = NULL;
	int ret = api_get_strings(r, body, "ns", false, 1, ZONE_MAX_NS, &list,
				  present);
	if (ret != 0 || !*present) {
		return ret;
	}
	store_strv_clear(ns);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *text = json_string_value(json_array_get(list, i));
		char field[32], name[VALIDATE_NAME_LEN], msg[256];
		snprintf(field, sizeof(field), "ns[%zu]", i);
		if (validate_domain(text, false, name, sizeof(name), msg,
					sizeof(msg)) != 0) {
			return api_fail(r, 400, field, "%s", msg);
		}
		if (store_strv_has(ns, name)) {
			return api_fail(r, 400, field, "%s is listed twice",
					name);
		}
		if (store_strv_push(ns, name) != 0) {
			return api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	return 0;
}

static int read_proxy_pattern(struct api_req *r, json_t *body,
			      struct store_zone *zone)
{
	const char *text = NULL;
	bool present = false;
	int ret = api_get_string(r, body, "proxy_pattern", false, &text,
				 &present);
	if (ret == 0 && present) {
		if (strcmp(text, "zone") != 0 && strcmp(text, "record") != 0) {
			return api_fail(r, 400, "proxy_pattern",
					"proxy_pattern is \"zone\" or \"record\"");
		}
		snprintf(zone->proxy_pattern, sizeof(zone->proxy_pattern),
			 "%s", text);
	}
	return ret;
}

/* "kind": "private" (the default) or "secondary"; fixed: it may be sent
 * back unchanged but never changed. Then refuses the keys that kind
 * does not take. */
static int read_kind(struct api_req *r, json_t *body, struct store_zone *zone,
		     bool fixed)
{
	const char *text = NULL;
	bool present = false;
	int ret = api_get_string(r, body, "kind", false, &text, &present);
	if (ret == 0 && present && strcmp(text, "private") != 0 &&
	    strcmp(text, "secondary") != 0) {
		ret = api_fail(r, 400, "kind",
			       "kind is \"private\" or \"secondary\"");
	}
	if (ret == 0 && present && fixed && strcmp(text, zone->kind) != 0) {
		ret = api_fail(r, 400, "kind",
			       "the kind of a zone cannot change; create a new zone");
	}
	if (ret == 0 && present) {
		snprintf(zone->kind, sizeof(zone->kind), "%s", text);
	}
	return ret == 0 ? api_secondary_check_keys(r, body, zone->kind) : ret;
}

/* Writes "<label>.<apex>" to out (STORE_NAME_LEN); leaves it empty when
 * the name would not fit on the wire (RFC 1035 section 3.1). */
static void derive_name(const char *label, const char *apex, char *out)
{
	char name[2 * STORE_NAME_LEN];
	int len = snprintf(name, sizeof(name), "%s.%s", label,
			   strcmp(apex, ".") == 0 ? "" : apex);
	out[0] = '\0';
	if (len > 0 && len < STORE_NAME_LEN && validate_name_fits_wire(name)) {
		memcpy(out, name, (size_t)len + 1);
	}
}

/* The defaults of resolution.md section 3 for a new zone. A default
 * server name that does not fit is left empty: check_server_names()
 * refuses the zone unless the request names the servers itself. */
static int zone_defaults(struct api_req *r, struct store_zone *zone)
{
	const char *apex = zone->meta.name;
	strcpy(zone->kind, "private");
	strcpy(zone->proxy_pattern, "zone");
	zone->soa = (struct store_soa){
		.ttl = 3600, .serial = 1, .refresh = 3600, .retry = 600,
		.expire = 604800, .minimum = 300,
	};
	derive_name("ns1", apex, zone->soa.mname);
	derive_name("hostmaster", apex, zone->soa.rname);
	if (zone->soa.mname[0] != '\0' &&
	    store_strv_push(&zone->ns, zone->soa.mname) != 0) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	return 0;
}

static int name_too_long(struct api_req *r, const char *field,
			 const char *name)
{
	return api_fail(r, 400, field,
			"%s is longer than 255 octets on the wire", name);
}

/*
 * A private zone is built from its SOA and NS: a name among them that
 * does not fit 255 octets on the wire would leave the zone unbuildable,
 * so it is refused here, naming the field, or "name" when the default
 * derived from the zone's name is what does not fit.
 */
static int check_server_names(struct api_req *r,
			      const struct store_zone *zone)
{
	if (strcmp(zone->kind, "private") != 0) {
		return 0;
	}
	bool ns = zone->ns.n == 0 || zone->soa.mname[0] == '\0';
	bool rname = zone->soa.rname[0] == '\0';
	if (ns || rname) {
		return api_fail(r, 400, "name",
				"the name is too long for a zone: its default %s would be longer than 255 octets; use a shorter name, or give %s",
				ns && rname
				? "NS ns1.<name> and SOA rname hostmaster.<name>"
				: ns ? "NS ns1.<name>"
				     : "SOA rname hostmaster.<name>",
				ns && rname ? "\"ns\" and \"soa\": {\"rname\"}"
				: ns ? "\"ns\"" : "\"soa\": {\"rname\"}");
	}
	if (!validate_name_fits_wire(zone->soa.mname)) {
		return name_too_long(r, "soa.mname", zone->soa.mname);
	}
	if (!validate_name_fits_wire(zone->soa.rname)) {
		return name_too_long(r, "soa.rname", zone->soa.rname);
	}
	for (size_t i = 0; i < zone->ns.n; i++) {
		if (!validate_name_fits_wire(zone->ns.v[i])) {
			char field[32];
			snprintf(field, sizeof(field), "ns[%zu]", i);
			return name_too_long(r, field, zone->ns.v[i]);
		}
	}
	return 0;
}

int api_zone_create(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	json_t *body = a->body;
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	struct store_zone zone = { 0 };
	const char *name = NULL;
	char msg[256];
	int ret = api_check_keys(r, body, zone_create_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "name", true, &name, NULL);
	}
	if (ret == 0 && validate_domain(name, true, zone.meta.name,
					    sizeof(zone.meta.name), msg,
					    sizeof(msg)) != 0) {
		ret = api_fail(r, 400, "name", "%s", msg);
	}
	const char *kind = NULL;
	if (ret == 0 && validate_zone_name_looks_like_id(zone.meta.name, &kind)) {
		ret = api_fail(r, 400, "name",
			       "%s starts with a label of the form of an id (%s-<number>), which the CLI would take for that id; choose another name",
			       zone.meta.name, kind);
	}
	if (ret == 0) {
		ret = zone_defaults(r, &zone);
	}
	if (ret == 0) {
		ret = read_kind(r, body, &zone, false);
	}
	if (ret == 0) {
		ret = read_proxy_pattern(r, body, &zone);
	}

	/* The configured server name is both the SOA mname and the NS,
	 * unless each is given. */
	bool ns_given = false, soa_changed = false;
	if (ret == 0) {
		ret = read_ns(r, body, &zone.ns, &ns_given);
	}
	if (ret == 0 && ns_given) {
		snprintf(zone.soa.mname, sizeof(zone.soa.mname), "%s",
			 zone.ns.v[0]);
	}
	if (ret == 0) {
		ret = read_soa(r, body, &zone.soa, &soa_changed);
	}
	if (ret == 0) {
		ret = check_server_names(r, &zone);
	}
	if (ret == 0) {
		ret = store_zone_create(r->store, &zone);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "creating the zone");
		}
	}
	if (ret == 0 && strcmp(zone.kind, "secondary") == 0) {
		ret = api_secondary_create(r, body, &zone);
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "zone_id=%s",
			 zone.meta.resource_id);
		api_note(r, fields, "created zone %s", zone.meta.name);
		ret = zone_reply(r, &zone, out);
	}
	store_zone_clear(&zone);
	return ret;
}

/* name and kind may be sent back unchanged, never changed. */
static int check_fixed_name(struct api_req *r, json_t *body,
			    struct store_zone *zone)
{
	bool present = false;
	char name[VALIDATE_NAME_LEN];
	int ret = read_name_field(r, body, "name", name, sizeof(name),
				  &present);
	if (ret == 0 && present && strcmp(name, zone->meta.name) != 0) {
		ret = api_fail(r, 400, "name",
			       "the name of a zone cannot change; create a new zone");
	}
	return ret == 0 ? read_kind(r, body, zone, true) : ret;
}

int api_zone_update(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	json_t *body = a->body;
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	struct store_zone zone = { 0 };
	int ret = load_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = api_check_version(r, a, zone.meta.version);
	}
	if (ret == 0) {
		ret = api_check_keys(r, body, zone_update_keys);
	}
	if (ret == 0) {
		ret = check_fixed_name(r, body, &zone);
	}
	if (ret == 0) {
		ret = read_proxy_pattern(r, body, &zone);
	}
	bool ns_given = false, soa_changed = false, serial_set = false;
	if (ret == 0) {
		ret = read_ns(r, body, &zone.ns, &ns_given);
	}
	if (ret == 0) {
		ret = read_soa(r, body, &zone.soa, &soa_changed);
	}
	uint64_t serial = 0;
	if (ret == 0) {
		ret = api_get_uint(r, body, "serial", UINT32_MAX, &serial,
				   &serial_set);
		zone.soa.serial = serial_set ? (uint32_t)serial
					     : zone.soa.serial;
	}
	if (ret == 0 && (ns_given || soa_changed)) {
		ret = check_server_names(r, &zone);
	}
	if (ret == 0 && strcmp(zone.kind, "secondary") == 0) {
		ret = api_secondary_update(r, body, &zone);
	}
	if (ret == 0) {
		ret = store_zone_update(r->store, &zone,
					ns_given || soa_changed, serial_set);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "updating the zone");
		}
	}
	if (ret == 0) {
		store_zone_clear(&zone);
		ret = load_zone(r, a->id, &zone);
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "zone_id=%s",
			 zone.meta.resource_id);
		api_note(r, fields, "updated zone %s (version %lld)",
			 zone.meta.name, (long long)zone.meta.version);
		ret = zone_reply(r, &zone, out);
	}
	store_zone_clear(&zone);
	return ret;
}

int api_zone_delete(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_zone zone = { 0 };
	int ret = load_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = api_check_version(r, a, zone.meta.version);
	}
	if (ret == 0) {
		ret = store_zone_delete(r->store, a->id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "deleting the zone");
		}
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "zone_id=%s", a->id);
		api_note(r, fields, "deleted zone %s with its records",
			 zone.meta.name);
		*out = api_json_deleted(&a->id, 1);
		if (*out == NULL) {
			ret = api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	store_zone_clear(&zone);
	return ret;
}

int api_zone_vpcs(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_zone zone = { 0 };
	int ret = load_zone(r, a->id, &zone);
	json_t *items = ret == 0 ? json_array() : NULL;
	for (size_t i = 0; items != NULL && i < zone.vpcs.n; i++) {
		struct store_vpc vpc = { 0 };
		if (store_vpc_get(r->store, zone.vpcs.v[i], &vpc) == 0) {
			json_array_append_new(items, api_json_vpc(&vpc));
		}
		store_vpc_clear(&vpc);
	}
	if (ret == 0) {
		*out = api_json_page(items, NULL);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_zone_clear(&zone);
	return ret;
}

int api_read_binding(struct api_req *r, json_t *body, const char **vpc_id)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL,
				"the body must be a JSON object {\"vpc\": ID}");
	}
	int ret = api_check_keys(r, body, binding_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "vpc", true, vpc_id, NULL);
	}
	struct store_vpc vpc = { 0 };
	if (ret == 0) {
		ret = store_vpc_get(r->store, *vpc_id, &vpc);
		if (ret == ZG_ENOENT) {
			ret = api_fail(r, 404, "vpc", "no VPC %s", *vpc_id);
		} else if (ret != 0) {
			ret = api_fail_store(r, ret, "a VPC");
		}
	}
	store_vpc_clear(&vpc);
	return ret;
}

/* Two zones of one name never serve one VPC. */
static int check_same_name_bound(struct api_req *r,
				 const struct store_zone *zone,
				 const char *vpc_id)
{
	struct store_zone *zones = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_zone_list(r->store, NULL, 0, &zones, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of zones");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (strcmp(zones[i].meta.resource_id,
			   zone->meta.resource_id) != 0 &&
		    strcmp(zones[i].meta.name, zone->meta.name) == 0 &&
		    store_strv_has(&zones[i].vpcs, vpc_id)) {
			ret = api_fail(r, 409, "vpc",
				       "%s (%s) is already bound to %s; two zones of one name cannot serve one VPC",
				       zones[i].meta.resource_id,
				       zones[i].meta.name, vpc_id);
		}
	}
	store_zone_list_free(zones, n);
	return ret;
}

int api_zone_bind(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_zone zone = { 0 };
	const char *vpc_id = NULL;
	int ret = load_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = api_read_binding(r, a->body, &vpc_id);
	}
	if (ret == 0 && store_strv_has(&zone.vpcs, vpc_id)) {
		ret = api_fail(r, 409, "vpc", "%s is already bound to %s",
			       a->id, vpc_id);
	}
	if (ret == 0) {
		ret = check_same_name_bound(r, &zone, vpc_id);
	}
	if (ret == 0) {
		ret = store_zone_bind(r->store, a->id, vpc_id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "binding the zone");
		}
	}
	store_zone_clear(&zone);
	if (ret == 0) {
		ret = load_zone(r, a->id, &zone);
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "zone_id=%s vpc_id=%s", a->id,
			 vpc_id);
		api_note(r, fields, "bound zone %s to the vpc", zone.meta.name);
		ret = zone_reply(r, &zone, out);
	}
	store_zone_clear(&zone);
	return ret;
}

int api_zone_unbind(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_zone zone = { 0 };
	int ret = load_zone(r, a->id, &zone);
	if (ret == 0 && !store_strv_has(&zone.vpcs, a->sub_id)) {
		ret = api_fail_at(r, 404, NULL, "%s is not bound to %s", a->id,
				  a->sub_id);
	}
	if (ret == 0) {
		ret = store_zone_unbind(r->store, a->id, a->sub_id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "unbinding the zone");
		}
	}
	store_zone_clear(&zone);
	if (ret == 0) {
		ret = load_zone(r, a->id, &zone);
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "zone_id=%s vpc_id=%s", a->id,
			 a->sub_id);
		api_note(r, fields, "unbound zone %s from the vpc",
			 zone.meta.name);
		ret = zone_reply(r, &zone, out);
	}
	store_zone_clear(&zone);
	return ret;
}
