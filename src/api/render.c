/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Resources as the JSON objects of docs/api.md. */
#include "api/api_priv.h"

#include <stdio.h>
#include <string.h>

/* json_object_set_new() that remembers a failure instead of returning. */
static void put(json_t *obj, const char *key, json_t *value, bool *ok)
{
	if (value == NULL || json_object_set_new(obj, key, value) != 0) {
		*ok = false;
	}
}

static json_t *finish(json_t *obj, bool ok)
{
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static json_t *string_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

json_t *api_json_strv(const struct store_strv *sv)
{
	json_t *array = json_array();
	for (size_t i = 0; array != NULL && i < sv->n; i++) {
		if (json_array_append_new(array, json_string(sv->v[i])) != 0) {
			json_decref(array);
			return NULL;
		}
	}
	return array;
}

static json_t *meta_object(const struct store_meta *meta, bool *ok)
{
	json_t *obj = json_object();
	if (obj == NULL) {
		*ok = false;
		return NULL;
	}
	put(obj, "id", json_string(meta->resource_id), ok);
	put(obj, "name", json_string(meta->name), ok);
	put(obj, "account", json_string(meta->account), ok);
	put(obj, "version", json_integer(meta->version), ok);
	put(obj, "created_at", json_string(meta->created_at), ok);
	put(obj, "updated_at", json_string(meta->updated_at), ok);
	return obj;
}

json_t *api_json_vpc(const struct store_vpc *vpc)
{
	bool ok = true;
	json_t *obj = meta_object(&vpc->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "cidrs", api_json_strv(&vpc->cidrs), &ok);
	put(obj, "listen", api_json_strv(&vpc->listen), &ok);
	put(obj, "builtin_zones", json_boolean(vpc->builtin_zones), &ok);
	return finish(obj, ok);
}

json_t *api_json_zone(const struct store_zone *zone)
{
	bool ok = true;
	json_t *obj = meta_object(&zone->meta, &ok);
	json_t *soa = json_object();
	if (obj == NULL || soa == NULL) {
		json_decref(obj);
		json_decref(soa);
		return NULL;
	}
	const struct store_soa *s = &zone->soa;
	put(soa, "ttl", json_integer(s->ttl), &ok);
	put(soa, "mname", json_string(s->mname), &ok);
	put(soa, "rname", json_string(s->rname), &ok);
	put(soa, "refresh", json_integer(s->refresh), &ok);
	put(soa, "retry", json_integer(s->retry), &ok);
	put(soa, "expire", json_integer(s->expire), &ok);
	put(soa, "minimum", json_integer(s->minimum), &ok);

	put(obj, "kind", json_string(zone->kind), &ok);
	put(obj, "proxy_pattern", json_string(zone->proxy_pattern), &ok);
	put(obj, "serial", json_integer(s->serial), &ok);
	put(obj, "soa", soa, &ok);
	put(obj, "ns", api_json_strv(&zone->ns), &ok);
	put(obj, "vpcs", api_json_strv(&zone->vpcs), &ok);
	return finish(obj, ok);
}

json_t *api_json_record(const struct store_record *rec, const char *zone)
{
	bool ok = true;
	json_t *obj = meta_object(&rec->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	char fqdn[2 * STORE_NAME_LEN + 2];
	if (strcmp(rec->meta.name, "@") == 0) {
		snprintf(fqdn, sizeof(fqdn), "%s", zone);
	} else if (strcmp(zone, ".") == 0) {
		snprintf(fqdn, sizeof(fqdn), "%s.", rec->meta.name);
	} else {
		snprintf(fqdn, sizeof(fqdn), "%s.%s", rec->meta.name, zone);
	}
	put(obj, "zone", json_string(rec->zone_id), &ok);
	put(obj, "fqdn", json_string(fqdn), &ok);
	put(obj, "type", json_string(rec->type), &ok);
	put(obj, "ttl", json_integer(rec->ttl), &ok);
	put(obj, "value", json_string(rec->value), &ok);
	return finish(obj, ok);
}

json_t *api_json_endpoint(const struct store_endpoint *ep)
{
	bool ok = true;
	json_t *obj = meta_object(&ep->meta, &ok);
	json_t *egress = json_array();
	if (obj == NULL || egress == NULL) {
		json_decref(obj);
		json_decref(egress);
		return NULL;
	}
	for (size_t i = 0; i < ep->n_egress; i++) {
		json_t *rule = json_object();
		if (rule == NULL) {
			ok = false;
			break;
		}
		put(rule, "protocol", json_string(ep->egress[i].protocol), &ok);
		put(rule, "port", json_integer(ep->egress[i].port), &ok);
		put(rule, "prefix", json_string(ep->egress[i].prefix), &ok);
		if (json_array_append_new(egress, rule) != 0) {
			ok = false;
		}
	}
	put(obj, "vpc", json_string(ep->vpc_id), &ok);
	put(obj, "sources", api_json_strv(&ep->sources), &ok);
	put(obj, "egress", egress, &ok);
	return finish(obj, ok);
}

/* How a rule's targets are asked; a total timeout left 0 shows what
 * applies: the whole resolution, 6000 ms. */
static void put_forwarding(json_t *obj, const struct store_rule_forwarding *f,
			   bool *ok)
{
	put(obj, "try_timeout_ms", f->try_timeout_ms != 0 ?
	    json_integer(f->try_timeout_ms) : json_null(), ok);
	put(obj, "total_timeout_ms", json_integer(f->total_timeout_ms != 0 ?
						  f->total_timeout_ms : 6000),
	    ok);
	put(obj, "tcp_only", json_boolean(f->tcp_only), ok);
	put(obj, "authoritative", json_boolean(f->authoritative), ok);
	put(obj, "cookies", json_boolean(f->cookies), ok);
	put(obj, "case_randomization", json_boolean(f->case_randomization),
	    ok);
	put(obj, "hedging", json_boolean(f->hedging), ok);
}

json_t *api_json_rule(const struct store_rule *rule)
{
	bool ok = true;
	json_t *obj = meta_object(&rule->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "domain", json_string(rule->domain), &ok);
	put(obj, "endpoint", json_string(rule->endpoint_id), &ok);
	put(obj, "targets", api_json_strv(&rule->targets), &ok);
	put(obj, "vpcs", api_json_strv(&rule->vpcs), &ok);
	put_forwarding(obj, &rule->fwd, &ok);
	put(obj, "serve_stale", json_boolean(rule->serve_stale), &ok);
	put(obj, "max_stale", json_integer(rule->max_stale_s), &ok);
	return finish(obj, ok);
}

json_t *api_json_upstream(const struct store_upstream *up)
{
	bool ok = true;
	json_t *obj = meta_object(&up->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "vpc", string_or_null(up->vpc_id), &ok);
	put(obj, "targets", api_json_strv(&up->targets), &ok);
	put(obj, "source", string_or_null(up->source), &ok);
	return finish(obj, ok);
}

json_t *api_json_change(const struct store_change *c)
{
	bool ok = true;
	json_t *obj = json_object();
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "seq", json_integer((json_int_t)c->seq), &ok);
	put(obj, "version", json_integer((json_int_t)c->version), &ok);
	put(obj, "time", json_string(c->time), &ok);
	put(obj, "uid", json_integer(c->uid), &ok);
	put(obj, "pid", json_integer(c->pid), &ok);
	put(obj, "op", json_string(c->op), &ok);
	put(obj, "kind", json_string(c->kind), &ok);
	put(obj, "resource", string_or_null(c->resource_id), &ok);
	put(obj, "summary", json_string(c->summary), &ok);
	return finish(obj, ok);
}

json_t *api_json_page(json_t *items, const char *next)
{
	if (items == NULL) {
		return NULL;
	}
	json_t *page = json_object();
	bool ok = page != NULL;
	if (ok) {
		put(page, "items", items, &ok);
		put(page, "next", string_or_null(next), &ok);
		return finish(page, ok);
	}
	json_decref(items);
	return NULL;
}

json_t *api_json_deleted(const char *const *ids, size_t n)
{
	json_t *array = json_array();
	json_t *obj = json_object();
	bool ok = array != NULL && obj != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		ok = json_array_append_new(array, json_string(ids[i])) == 0;
	}
	if (!ok) {
		json_decref(array);
		json_decref(obj);
		return NULL;
	}
	put(obj, "deleted", array, &ok);
	return finish(obj, ok);
}
