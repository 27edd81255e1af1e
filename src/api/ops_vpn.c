/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The VPN resources: VPN gateways, customer gateways, IPsec connections
 * (with the crypto policy, the pre-shared key and the peer's
 * configuration) and routes; and the tunnels' status from the VPN
 * manager. */
#include "api/api_priv.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/validate.h"
#include "common/error.h"
#include "common/log.h"
#include "vpn/vpn.h"

#define MAX_SUBNETS 16
/* How long a status request waits for the manager to read the SAs. */
#define STATUS_FRESH_MS 1500

/* Set once, right after the server starts (api_set_vpn). */
static _Atomic(struct vpn_manager *) vpn_manager;

void api_set_vpn(struct api_server *api, struct vpn_manager *vpn)
{
	(void)api;
	atomic_store(&vpn_manager, vpn);
}

/* The manager re-reads the store; its read waits for this request's
 * transaction, so it sees the change once committed. */
static void kick(void)
{
	struct vpn_manager *m = atomic_load(&vpn_manager);
	if (m != NULL) {
		vpn_manager_kick(m);
	}
}

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

static int reply(struct api_req *r, json_t *obj, json_t **out)
{
	*out = obj;
	return obj != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

/*
 * Rendering
 */

static json_t *json_gateway(const struct store_vpn_gateway *gw)
{
	bool ok = true;
	json_t *obj = meta_object(&gw->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "vpc", json_string(gw->vpc_id), &ok);
	put(obj, "public_ip", json_string(gw->public_ip), &ok);
	put(obj, "local_subnets", api_json_strv(&gw->local_subnets), &ok);
	return finish(obj, ok);
}

static json_t *json_cgw(const struct store_customer_gateway *cgw)
{
	bool ok = true;
	json_t *obj = meta_object(&cgw->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "ip", json_string(cgw->ip), &ok);
	return finish(obj, ok);
}

/* Never holds the pre-shared key: lists and reads of the connection go
 * through here; the key has its own path. */
static json_t *json_connection(const struct store_ipsec_connection *c)
{
	bool ok = true;
	json_t *obj = meta_object(&c->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "gateway", json_string(c->gateway_id), &ok);
	put(obj, "customer_gateway", json_string(c->cgw_id), &ok);
	put(obj, "local_subnets", api_json_strv(&c->local_subnets), &ok);
	put(obj, "remote_subnets", api_json_strv(&c->remote_subnets), &ok);
	put(obj, "enabled", json_boolean(c->enabled), &ok);
	put(obj, "allow_weak_crypto", json_boolean(c->allow_weak_crypto),
	    &ok);
	put(obj, "ike_version", json_integer(c->ike_version), &ok);
	put(obj, "ike_mode", json_string(c->ike_mode), &ok);
	put(obj, "ike_encryption", json_string(c->ike_encryption), &ok);
	put(obj, "ike_integrity", json_string(c->ike_integrity), &ok);
	put(obj, "ike_dh_group", json_string(c->ike_dh_group), &ok);
	put(obj, "ike_lifetime", json_integer(c->ike_lifetime_s), &ok);
	put(obj, "esp_encryption", json_string(c->esp_encryption), &ok);
	put(obj, "esp_integrity", json_string(c->esp_integrity), &ok);
	put(obj, "esp_pfs", json_string(c->esp_pfs), &ok);
	put(obj, "esp_lifetime", json_integer(c->esp_lifetime_s), &ok);
	put(obj, "dpd_interval", json_integer(c->dpd_interval_s), &ok);
	return finish(obj, ok);
}

static json_t *json_route(const struct store_vpn_route *route)
{
	bool ok = true;
	json_t *obj = meta_object(&route->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "destination", json_string(route->destination), &ok);
	put(obj, "connection", json_string(route->connection_id), &ok);
	return finish(obj, ok);
}

/*
 * Loading and checks shared by the kinds
 */

static int load_gateway(struct api_req *r, const char *gateway_id,
			const char *field, struct store_vpn_gateway *gw)
{
	int ret = store_vpn_gateway_get(r->store, gateway_id, gw);
	if (ret == ZG_ENOENT) {
		return field != NULL
			? api_fail(r, 404, field, "no VPN gateway %s", gateway_id)
			: api_fail_missing(r, "VPN gateway", gateway_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "a VPN gateway") : 0;
}

static int load_cgw(struct api_req *r, const char *cgw_id, const char *field,
		    struct store_customer_gateway *cgw)
{
	int ret = store_customer_gateway_get(r->store, cgw_id, cgw);
	if (ret == ZG_ENOENT) {
		return field != NULL
			? api_fail(r, 404, field, "no customer gateway %s",
				   cgw_id)
			: api_fail_missing(r, "customer gateway", cgw_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "a customer gateway") : 0;
}

static int load_connection(struct api_req *r, const char *connection_id,
			   const char *field,
			   struct store_ipsec_connection *conn)
{
	int ret = store_ipsec_connection_get(r->store, connection_id, conn);
	if (ret == ZG_ENOENT) {
		return field != NULL
			? api_fail(r, 404, field, "no IPsec connection %s",
				   connection_id)
			: api_fail_missing(r, "IPsec connection",
					   connection_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "an IPsec connection") : 0;
}

/* Reads "key": [CIDR, ...] (1..MAX_SUBNETS, canonical, no repeats). */
static int read_subnets(struct api_req *r, json_t *body, const char *key,
			bool required, struct store_strv *out, bool *present)
{
	json_t *list = NULL;
	int ret = api_get_strings(r, body, key, required, 1, MAX_SUBNETS,
				  &list, present);
	if (ret != 0 || !*present) {
		return ret;
	}
	store_strv_clear(out);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *text = json_string_value(json_array_get(list, i));
		char field[48], canon[STORE_ADDR_LEN], msg[256];
		struct zg_prefix prefix;
		snprintf(field, sizeof(field), "%s[%zu]", key, i);
		if (api_validate_cidr(text, &prefix, canon, sizeof(canon), msg,
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

static bool cidrs_overlap(const char *a, const char *b)
{
	struct zg_prefix pa, pb;
	return prefix_parse(a, &pa) == 0 && prefix_parse(b, &pb) == 0 &&
	       prefix_overlaps(&pa, &pb);
}

/* True when cidr lies inside one of the CIDRs of within. */
static bool cidr_covered(const char *cidr, const struct store_strv *within)
{
	struct zg_prefix p, w;
	if (prefix_parse(cidr, &p) != 0) {
		return false;
	}
	for (size_t i = 0; i < within->n; i++) {
		if (prefix_parse(within->v[i], &w) == 0 &&
		    w.family == p.family && w.len <= p.len &&
		    prefix_overlaps(&w, &p)) {
			return true;
		}
	}
	return false;
}

/* Reads a name, checks its form for kind (id prefix) and that no other
 * resource of the list holds it. names: the other resources' ids and
 * names, alternating. */
static int read_name(struct api_req *r, json_t *body, bool required,
		     const char *id_prefix, char *name, size_t namelen)
{
	const char *text = NULL;
	bool present = false;
	char msg[256];
	int ret = api_get_string(r, body, "name", required, &text, &present);
	if (ret != 0 || !present) {
		return ret;
	}
	if (api_validate_resource_name(text, id_prefix, msg, sizeof(msg)) !=
	    0) {
		return api_fail(r, 400, "name", "%s", msg);
	}
	snprintf(name, namelen, "%s", text);
	return 0;
}

static int name_taken(struct api_req *r, const char *self_id,
		      const char *name, const char *other_id,
		      const char *other_name)
{
	if (strcmp(other_id, self_id) != 0 && strcmp(other_name, name) == 0) {
		return api_fail(r, 409, "name", "%s already has the name %s",
				other_id, name);
	}
	return 0;
}

static int page_reply(struct api_req *r, json_t *items, bool more,
		      const char *last_id, json_t **out)
{
	*out = api_json_page(items, more ? last_id : NULL);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

static int list_failed(struct api_req *r, const struct api_args *a, int ret,
		       const char *what)
{
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 400, "after", "unknown cursor '%s'",
				   a->after);
	}
	return api_fail_store(r, ret, what);
}

static int deleted_reply(struct api_req *r, const struct api_args *a,
			 json_t **out)
{
	kick();
	return reply(r, api_json_deleted(&a->id, 1), out);
}

/*
 * VPN gateways
 */

static const char *const gateway_keys[] = {
	"name", "vpc", "public_ip", "local_subnets", NULL,
};

int api_vpn_gateway_list(struct api_req *r, const struct api_args *a,
			 json_t **out)
{
	struct store_vpn_gateway *gws = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_vpn_gateway_list(r->store, a->after, a->limit, &gws,
					 &n, &more);
	if (ret != 0) {
		return list_failed(r, a, ret, "the list of VPN gateways");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, json_gateway(&gws[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	ret = page_reply(r, items, more, n > 0 ? gws[n - 1].meta.resource_id
					       : NULL, out);
	store_vpn_gateway_list_free(gws, n);
	return ret;
}

int api_vpn_gateway_get(struct api_req *r, const struct api_args *a,
			json_t **out)
{
	struct store_vpn_gateway gw = { 0 };
	int ret = load_gateway(r, a->id, NULL, &gw);
	if (ret == 0) {
		ret = reply(r, json_gateway(&gw), out);
	}
	store_vpn_gateway_clear(&gw);
	return ret;
}

static int check_gateway_name(struct api_req *r,
			      const struct store_vpn_gateway *gw)
{
	struct store_vpn_gateway *gws = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_vpn_gateway_list(r->store, NULL, 0, &gws, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of VPN gateways");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		ret = name_taken(r, gw->meta.resource_id, gw->meta.name,
				 gws[i].meta.resource_id, gws[i].meta.name);
	}
	store_vpn_gateway_list_free(gws, n);
	return ret;
}

static int read_gateway_create(struct api_req *r, json_t *body,
			       struct store_vpn_gateway *gw)
{
	const char *vpc_id = NULL, *ip = NULL;
	bool present = false;
	char msg[256];
	struct zg_addr addr;
	struct store_vpc vpc = { 0 };

	int ret = api_check_keys(r, body, gateway_keys);
	if (ret == 0) {
		ret = read_name(r, body, true, "vgw", gw->meta.name,
				sizeof(gw->meta.name));
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "vpc", true, &vpc_id, &present);
	}
	if (ret == 0) {
		ret = store_vpc_get(r->store, vpc_id, &vpc);
		ret = ret == ZG_ENOENT ? api_fail(r, 404, "vpc", "no VPC %s",
						  vpc_id)
		      : ret != 0 ? api_fail_store(r, ret, "a VPC") : 0;
		snprintf(gw->vpc_id, sizeof(gw->vpc_id), "%s", vpc_id);
		store_vpc_clear(&vpc);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "public_ip", true, &ip, &present);
	}
	if (ret == 0 && api_validate_source(ip, &addr, gw->public_ip,
					    sizeof(gw->public_ip), msg,
					    sizeof(msg)) != 0) {
		ret = api_fail(r, 400, "public_ip", "%s", msg);
	}
	if (ret == 0) {
		ret = read_subnets(r, body, "local_subnets", true,
				   &gw->local_subnets, &present);
	}
	return ret;
}

int api_vpn_gateway_create(struct api_req *r, const struct api_args *a,
			   json_t **out)
{
	struct store_vpn_gateway gw = { 0 };
	if (!json_is_object(a->body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	int ret = read_gateway_create(r, a->body, &gw);
	if (ret == 0) {
		ret = check_gateway_name(r, &gw);
	}
	if (ret == 0 && (ret = store_vpn_gateway_create(r->store, &gw)) != 0) {
		ret = api_fail_store(r, ret, "creating the VPN gateway");
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "gateway_id=%s vpc_id=%s",
			 gw.meta.resource_id, gw.vpc_id);
		api_note(r, fields, "created VPN gateway %s at %s",
			 gw.meta.name, gw.public_ip);
		ret = reply(r, json_gateway(&gw), out);
	}
	store_vpn_gateway_clear(&gw);
	return ret;
}

/* Connections of gateway_id whose local subnets leave subnets. */
static int check_gateway_users(struct api_req *r,
			       const struct store_vpn_gateway *gw)
{
	struct store_ipsec_connection *conns = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_ipsec_connection_list(r->store, NULL, 0, &conns, &n,
					      &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of IPsec connections");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (strcmp(conns[i].gateway_id, gw->meta.resource_id) != 0) {
			continue;
		}
		for (size_t j = 0; ret == 0 && j < conns[i].local_subnets.n;
		     j++) {
			if (!cidr_covered(conns[i].local_subnets.v[j],
					  &gw->local_subnets)) {
				ret = api_fail(r, 400, "local_subnets",
					       "IPsec connection %s uses %s, which the new local subnets do not cover",
					       conns[i].meta.resource_id,
					       conns[i].local_subnets.v[j]);
			}
		}
	}
	store_ipsec_connection_list_free(conns, n);
	return ret;
}

int api_vpn_gateway_update(struct api_req *r, const struct api_args *a,
			   json_t **out)
{
	static const char *const keys[] = { "name", "local_subnets", NULL };
	struct store_vpn_gateway gw = { 0 };
	bool present = false;
	int ret = load_gateway(r, a->id, NULL, &gw);
	if (ret == 0) {
		ret = api_check_version(r, a, gw.meta.version);
	}
	if (ret == 0 && !json_is_object(a->body)) {
		ret = api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	if (ret == 0) {
		ret = api_check_keys(r, a->body, keys);
	}
	if (ret == 0) {
		ret = read_name(r, a->body, false, "vgw", gw.meta.name,
				sizeof(gw.meta.name));
	}
	if (ret == 0) {
		ret = read_subnets(r, a->body, "local_subnets", false,
				   &gw.local_subnets, &present);
	}
	if (ret == 0) {
		ret = check_gateway_name(r, &gw);
	}
	if (ret == 0 && present) {
		ret = check_gateway_users(r, &gw);
	}
	if (ret == 0 && (ret = store_vpn_gateway_update(r->store, &gw)) != 0) {
		ret = api_fail_store(r, ret, "updating the VPN gateway");
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "gateway_id=%s",
			 gw.meta.resource_id);
		api_note(r, fields, "updated VPN gateway %s", gw.meta.name);
		kick();
		ret = reply(r, json_gateway(&gw), out);
	}
	store_vpn_gateway_clear(&gw);
	return ret;
}

/* The ids of the connections that use a gateway or customer gateway,
 * for a 409. */
static int users_of(struct api_req *r, const char *id, bool cgw, char *buf,
		    size_t len)
{
	struct store_ipsec_connection *conns = NULL;
	size_t n = 0;
	bool more = false;
	buf[0] = '\0';
	int ret = store_ipsec_connection_list(r->store, NULL, 0, &conns, &n,
					      &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of IPsec connections");
	}
	for (size_t i = 0; i < n; i++) {
		const char *ref = cgw ? conns[i].cgw_id : conns[i].gateway_id;
		size_t used = strlen(buf);
		if (strcmp(ref, id) == 0 && used < len) {
			snprintf(buf + used, len - used, "%s%s",
				 used > 0 ? ", " : "",
				 conns[i].meta.resource_id);
		}
	}
	store_ipsec_connection_list_free(conns, n);
	return 0;
}

int api_vpn_gateway_delete(struct api_req *r, const struct api_args *a,
			   json_t **out)
{
	struct store_vpn_gateway gw = { 0 };
	char users[512];
	int ret = load_gateway(r, a->id, NULL, &gw);
	if (ret == 0) {
		ret = api_check_version(r, a, gw.meta.version);
	}
	if (ret == 0) {
		ret = users_of(r, a->id, false, users, sizeof(users));
	}
	if (ret == 0 && users[0] != '\0') {
		ret = api_fail_at(r, 409, NULL,
				  "%s is still used by %s; delete those IPsec connections first",
				  a->id, users);
	}
	if (ret == 0 && (ret = store_vpn_gateway_delete(r->store, a->id)) != 0) {
		ret = api_fail_store(r, ret, "deleting the VPN gateway");
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "gateway_id=%s", a->id);
		api_note(r, fields, "deleted VPN gateway %s", gw.meta.name);
		ret = deleted_reply(r, a, out);
	}
	store_vpn_gateway_clear(&gw);
	return ret;
}

/*
 * Customer gateways
 */

static const char *const cgw_keys[] = { "name", "ip", NULL };

int api_customer_gateway_list(struct api_req *r, const struct api_args *a,
			      json_t **out)
{
	struct store_customer_gateway *cgws = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_customer_gateway_list(r->store, a->after, a->limit,
					      &cgws, &n, &more);
	if (ret != 0) {
		return list_failed(r, a, ret, "the list of customer gateways");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, json_cgw(&cgws[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	ret = page_reply(r, items, more, n > 0 ? cgws[n - 1].meta.resource_id
					       : NULL, out);
	store_customer_gateway_list_free(cgws, n);
	return ret;
}

int api_customer_gateway_get(struct api_req *r, const struct api_args *a,
			     json_t **out)
{
	struct store_customer_gateway cgw = { 0 };
	int ret = load_cgw(r, a->id, NULL, &cgw);
	return ret == 0 ? reply(r, json_cgw(&cgw), out) : ret;
}

static int check_cgw_name(struct api_req *r,
			  const struct store_customer_gateway *cgw)
{
	struct store_customer_gateway *cgws = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_customer_gateway_list(r->store, NULL, 0, &cgws, &n,
					      &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of customer gateways");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		ret = name_taken(r, cgw->meta.resource_id, cgw->meta.name,
				 cgws[i].meta.resource_id, cgws[i].meta.name);
	}
	store_customer_gateway_list_free(cgws, n);
	return ret;
}

int api_customer_gateway_create(struct api_req *r, const struct api_args *a,
				json_t **out)
{
	struct store_customer_gateway cgw = { 0 };
	const char *ip = NULL;
	bool present = false;
	char msg[256];
	struct zg_addr addr;

	if (!json_is_object(a->body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	int ret = api_check_keys(r, a->body, cgw_keys);
	if (ret == 0) {
		ret = read_name(r, a->body, true, "cgw", cgw.meta.name,
				sizeof(cgw.meta.name));
	}
	if (ret == 0) {
		ret = api_get_string(r, a->body, "ip", true, &ip, &present);
	}
	if (ret == 0 && api_validate_source(ip, &addr, cgw.ip, sizeof(cgw.ip),
					    msg, sizeof(msg)) != 0) {
		ret = api_fail(r, 400, "ip", "%s", msg);
	}
	if (ret == 0) {
		ret = check_cgw_name(r, &cgw);
	}
	if (ret == 0 &&
	    (ret = store_customer_gateway_create(r->store, &cgw)) != 0) {
		ret = api_fail_store(r, ret, "creating the customer gateway");
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "cgw_id=%s peer=%s",
			 cgw.meta.resource_id, cgw.ip);
		api_note(r, fields, "created customer gateway %s",
			 cgw.meta.name);
		ret = reply(r, json_cgw(&cgw), out);
	}
	return ret;
}

int api_customer_gateway_update(struct api_req *r, const struct api_args *a,
				json_t **out)
{
	static const char *const keys[] = { "name", NULL };
	struct store_customer_gateway cgw = { 0 };
	int ret = load_cgw(r, a->id, NULL, &cgw);
	if (ret == 0) {
		ret = api_check_version(r, a, cgw.meta.version);
	}
	if (ret == 0 && !json_is_object(a->body)) {
		ret = api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	const char *ip = json_string_value(json_object_get(a->body, "ip"));
	if (ret == 0 && json_object_get(a->body, "ip") != NULL &&
	    (ip == NULL || strcmp(ip, cgw.ip) != 0)) {
		ret = api_fail(r, 400, "ip",
			       "the address of a customer gateway cannot change; create a new one");
	}
	if (ret == 0) {
		json_t *body = json_deep_copy(a->body);
		json_object_del(body, "ip");
		ret = api_check_keys(r, body, keys);
		if (ret == 0) {
			ret = read_name(r, body, false, "cgw", cgw.meta.name,
					sizeof(cgw.meta.name));
		}
		json_decref(body);
	}
	if (ret == 0) {
		ret = check_cgw_name(r, &cgw);
	}
	if (ret == 0 &&
	    (ret = store_customer_gateway_update(r->store, &cgw)) != 0) {
		ret = api_fail_store(r, ret, "updating the customer gateway");
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "cgw_id=%s",
			 cgw.meta.resource_id);
		api_note(r, fields, "renamed customer gateway to %s",
			 cgw.meta.name);
		ret = reply(r, json_cgw(&cgw), out);
	}
	return ret;
}

int api_customer_gateway_delete(struct api_req *r, const struct api_args *a,
				json_t **out)
{
	struct store_customer_gateway cgw = { 0 };
	char users[512];
	int ret = load_cgw(r, a->id, NULL, &cgw);
	if (ret == 0) {
		ret = api_check_version(r, a, cgw.meta.version);
	}
	if (ret == 0) {
		ret = users_of(r, a->id, true, users, sizeof(users));
	}
	if (ret == 0 && users[0] != '\0') {
		ret = api_fail_at(r, 409, NULL,
				  "%s is still used by %s; delete those IPsec connections first",
				  a->id, users);
	}
	if (ret == 0 &&
	    (ret = store_customer_gateway_delete(r->store, a->id)) != 0) {
		ret = api_fail_store(r, ret, "deleting the customer gateway");
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "cgw_id=%s peer=%s", a->id,
			 cgw.ip);
		api_note(r, fields, "deleted customer gateway %s",
			 cgw.meta.name);
		ret = deleted_reply(r, a, out);
	}
	return ret;
}

/*
 * IPsec connections
 */

static const char *const connection_keys[] = {
	"name", "gateway", "customer_gateway", "local_subnets",
	"remote_subnets", "psk", "enabled", "allow_weak_crypto",
	"ike_version", "ike_mode", "ike_encryption", "ike_integrity",
	"ike_dh_group", "ike_lifetime", "esp_encryption", "esp_integrity",
	"esp_pfs", "esp_lifetime", "dpd_interval", NULL,
};

/* An algorithm name field: a string of at most STORE_ALG_LEN - 1. */
static int read_alg(struct api_req *r, json_t *body, const char *key,
		    char *out, bool *present)
{
	const char *text = NULL;
	int ret = api_get_string(r, body, key, false, &text, present);
	if (ret != 0 || !*present) {
		return ret;
	}
	if (strlen(text) >= STORE_ALG_LEN) {
		return api_fail(r, 400, key, "%s: unknown value", key);
	}
	snprintf(out, STORE_ALG_LEN, "%s", text);
	return 0;
}

static int read_u32(struct api_req *r, json_t *body, const char *key,
		    uint32_t *out)
{
	uint64_t value = 0;
	bool present = false;
	int ret = api_get_uint(r, body, key, UINT32_MAX, &value, &present);
	if (ret == 0 && present) {
		*out = (uint32_t)value;
	}
	return ret;
}

/* The crypto fields of body over c (defaults or the stored values). An
 * AEAD cipher chosen without esp_integrity takes "none", a plain one
 * replacing an AEAD cipher takes sha256. */
static int read_crypto(struct api_req *r, json_t *body,
		       struct store_ipsec_connection *c)
{
	static const char *const strings[] = {
		"ike_mode", "ike_encryption", "ike_integrity", "ike_dh_group",
		"esp_encryption", "esp_integrity", "esp_pfs",
	};
	char *fields[] = {
		c->ike_mode, c->ike_encryption, c->ike_integrity,
		c->ike_dh_group, c->esp_encryption, c->esp_integrity,
		c->esp_pfs,
	};
	bool given[7] = { false };
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < 7; i++) {
		char value[STORE_ALG_LEN] = "";
		ret = read_alg(r, body, strings[i], value, &given[i]);
		if (ret == 0 && given[i]) {
			/* ike_mode is shorter than the others. */
			snprintf(fields[i], i == 0 ? STORE_TYPE_LEN
						   : STORE_ALG_LEN, "%s",
				 value);
		}
	}
	if (ret == 0 && given[4] && !given[5]) {
		bool aead = vpn_cipher_is_aead(c->esp_encryption);
		if (aead || strcmp(c->esp_integrity, "none") == 0) {
			snprintf(c->esp_integrity, sizeof(c->esp_integrity),
				 "%s", aead ? "none" : "sha256");
		}
	}
	if (ret == 0) {
		ret = read_u32(r, body, "ike_version", &c->ike_version);
	}
	if (ret == 0) {
		ret = read_u32(r, body, "ike_lifetime", &c->ike_lifetime_s);
	}
	if (ret == 0) {
		ret = read_u32(r, body, "esp_lifetime", &c->esp_lifetime_s);
	}
	if (ret == 0) {
		ret = read_u32(r, body, "dpd_interval", &c->dpd_interval_s);
	}
	return ret;
}

/*
 * Applies the crypto policy: an invalid setting is a 400 naming it; a
 * weak one is a 400 too unless allow_weak_crypto, then a warning in the
 * reply and the log.
 */
static int apply_policy(struct api_req *r,
			const struct store_ipsec_connection *c,
			bool psk_given)
{
	struct vpn_findings f = { 0 };
	vpn_check_crypto(c, &f);
	if (psk_given) {
		vpn_check_psk(c->psk, &f);
	}
	for (size_t i = 0; i < f.n; i++) {
		if (f.items[i].verdict == VPN_INVALID) {
			return api_fail(r, 400, f.items[i].field, "%s",
					f.items[i].message);
		}
	}
	/* What is left is weak. */
	if (f.n > 0 && !c->allow_weak_crypto) {
		return api_fail(r, 400, f.items[0].field,
				"%s; set allow_weak_crypto (--allow-weak-crypto) only if the peer can do nothing better",
				f.items[0].message);
	}

	char warning[1024] = "";
	size_t used = 0;
	for (size_t i = 0; i < f.n && used < sizeof(warning); i++) {
		used += (size_t)snprintf(warning + used, sizeof(warning) - used,
					 "%s%s", used > 0 ? "; " : "",
					 f.items[i].message);
	}
	if (used > 0) {
		json_decref(r->warning);
		r->warning = json_pack("s+", "weak crypto accepted because allow_weak_crypto is set: ",
				       warning);
	}
	return 0;
}

/* The other connections and the routes, for the overlap checks. */
struct vpn_lists {
	struct store_ipsec_connection *conns;
	size_t n_conns;
	struct store_vpn_route *routes;
	size_t n_routes;
};

static void vpn_lists_free(struct vpn_lists *l)
{
	store_ipsec_connection_list_free(l->conns, l->n_conns);
	store_vpn_route_list_free(l->routes, l->n_routes);
	memset(l, 0, sizeof(*l));
}

static int vpn_lists_load(struct api_req *r, struct vpn_lists *l)
{
	bool more = false;
	int ret = store_ipsec_connection_list(r->store, NULL, 0, &l->conns,
					      &l->n_conns, &more);
	if (ret == 0) {
		ret = store_vpn_route_list(r->store, NULL, NULL, 0, &l->routes,
					   &l->n_routes, &more);
	}
	return ret != 0 ? api_fail_store(r, ret, "the VPN resources") : 0;
}

/* Which connection (other than self) already sends cidr through its
 * tunnel: its remote subnets and routes. "" when none. */
static const char *remote_owner(const struct vpn_lists *l, const char *self,
				const char *cidr)
{
	for (size_t i = 0; i < l->n_conns; i++) {
		const struct store_ipsec_connection *c = &l->conns[i];
		if (strcmp(c->meta.resource_id, self) == 0) {
			continue;
		}
		for (size_t j = 0; j < c->remote_subnets.n; j++) {
			if (cidrs_overlap(c->remote_subnets.v[j], cidr)) {
				return c->meta.resource_id;
			}
		}
	}
	for (size_t i = 0; i < l->n_routes; i++) {
		if (strcmp(l->routes[i].connection_id, self) != 0 &&
		    cidrs_overlap(l->routes[i].destination, cidr)) {
			return l->routes[i].connection_id;
		}
	}
	return "";
}

/* Remote selectors of c once its routes are added (IKEv1 takes one). */
static size_t remote_selectors(const struct vpn_lists *l,
			       const struct store_ipsec_connection *c)
{
	size_t n = c->remote_subnets.n;
	for (size_t i = 0; i < l->n_routes; i++) {
		if (strcmp(l->routes[i].connection_id,
			   c->meta.resource_id) == 0 &&
		    !store_strv_has(&c->remote_subnets,
				    l->routes[i].destination)) {
			n++;
		}
	}
	return n;
}

static int check_subnets(struct api_req *r,
			 const struct store_ipsec_connection *c,
			 const struct store_vpn_gateway *gw)
{
	for (size_t i = 0; i < c->local_subnets.n; i++) {
		char field[48];
		snprintf(field, sizeof(field), "local_subnets[%zu]", i);
		if (!cidr_covered(c->local_subnets.v[i], &gw->local_subnets)) {
			return api_fail(r, 400, field,
					"%s is not inside the local subnets of VPN gateway %s",
					c->local_subnets.v[i],
					gw->meta.resource_id);
		}
	}
	for (size_t i = 0; i < c->remote_subnets.n; i++) {
		char field[48];
		snprintf(field, sizeof(field), "remote_subnets[%zu]", i);
		for (size_t j = 0; j < c->local_subnets.n; j++) {
			if (cidrs_overlap(c->remote_subnets.v[i],
					  c->local_subnets.v[j])) {
				return api_fail(r, 400, field,
						"%s overlaps the local subnet %s: traffic to it cannot both stay here and cross the tunnel",
						c->remote_subnets.v[i],
						c->local_subnets.v[j]);
			}
		}
	}
	return 0;
}

static int check_selectors(struct api_req *r,
			   const struct store_ipsec_connection *c)
{
	struct vpn_lists l = { 0 };
	int ret = vpn_lists_load(r, &l);
	for (size_t i = 0; ret == 0 && i < c->remote_subnets.n; i++) {
		const char *other = remote_owner(&l, c->meta.resource_id,
						 c->remote_subnets.v[i]);
		if (other[0] != '\0') {
			char field[48];
			snprintf(field, sizeof(field), "remote_subnets[%zu]", i);
			ret = api_fail(r, 409, field,
				       "%s overlaps what IPsec connection %s already sends through its tunnel",
				       c->remote_subnets.v[i], other);
		}
	}
	if (ret == 0 && c->ike_version == 1 && c->local_subnets.n > 1) {
		ret = api_fail(r, 400, "local_subnets",
			       "with IKEv1 strongSwan negotiates only the first subnet of each side; use ike_version 2 or one local subnet");
	}
	if (ret == 0 && c->ike_version == 1 && remote_selectors(&l, c) > 1) {
		ret = api_fail(r, 400, "remote_subnets",
			       "with IKEv1 strongSwan negotiates only the first subnet of each side (routes count too); use ike_version 2 or one remote subnet");
	}
	vpn_lists_free(&l);
	return ret;
}

static int check_connection_name(struct api_req *r,
				 const struct store_ipsec_connection *c)
{
	struct vpn_lists l = { 0 };
	int ret = vpn_lists_load(r, &l);
	for (size_t i = 0; ret == 0 && i < l.n_conns; i++) {
		ret = name_taken(r, c->meta.resource_id, c->meta.name,
				 l.conns[i].meta.resource_id,
				 l.conns[i].meta.name);
	}
	vpn_lists_free(&l);
	return ret;
}

static int read_bool(struct api_req *r, json_t *body, const char *key,
		     bool *out)
{
	bool present = false;
	return api_get_bool(r, body, key, out, &present);
}

/* Reads the fields every connection body may hold over c. */
static int read_connection_common(struct api_req *r, json_t *body,
				  struct store_ipsec_connection *c,
				  bool *psk_given)
{
	const char *psk = NULL;
	bool present = false;
	int ret = read_name(r, body, false, "vco", c->meta.name,
			    sizeof(c->meta.name));
	if (ret == 0) {
		ret = read_subnets(r, body, "local_subnets", false,
				   &c->local_subnets, &present);
	}
	if (ret == 0) {
		ret = read_subnets(r, body, "remote_subnets", false,
				   &c->remote_subnets, &present);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "psk", false, &psk, psk_given);
	}
	if (ret == 0 && *psk_given) {
		if (strlen(psk) >= sizeof(c->psk)) {
			return api_fail(r, 400, "psk",
					"psk must be 1 to %d characters long",
					VPN_PSK_MAX_LEN);
		}
		snprintf(c->psk, sizeof(c->psk), "%s", psk);
	}
	if (ret == 0) {
		ret = read_bool(r, body, "enabled", &c->enabled);
	}
	if (ret == 0) {
		ret = read_bool(r, body, "allow_weak_crypto",
				&c->allow_weak_crypto);
	}
	if (ret == 0) {
		ret = read_crypto(r, body, c);
	}
	return ret;
}

/* Everything a connection must satisfy before it is stored. */
static int check_connection(struct api_req *r,
			    const struct store_ipsec_connection *c,
			    bool psk_given)
{
	struct store_vpn_gateway gw = { 0 };
	int ret = load_gateway(r, c->gateway_id, "gateway", &gw);
	if (ret == 0) {
		ret = apply_policy(r, c, psk_given);
	}
	if (ret == 0) {
		ret = check_subnets(r, c, &gw);
	}
	if (ret == 0) {
		ret = check_selectors(r, c);
	}
	if (ret == 0) {
		ret = check_connection_name(r, c);
	}
	store_vpn_gateway_clear(&gw);
	return ret;
}

int api_ipsec_connection_list(struct api_req *r, const struct api_args *a,
			      json_t **out)
{
	struct store_ipsec_connection *conns = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_ipsec_connection_list(r->store, a->after, a->limit,
					      &conns, &n, &more);
	if (ret != 0) {
		return list_failed(r, a, ret, "the list of IPsec connections");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items,
					  json_connection(&conns[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	ret = page_reply(r, items, more, n > 0
			 ? conns[n - 1].meta.resource_id : NULL, out);
	store_ipsec_connection_list_free(conns, n);
	return ret;
}

int api_ipsec_connection_get(struct api_req *r, const struct api_args *a,
			     json_t **out)
{
	struct store_ipsec_connection conn = { 0 };
	int ret = load_connection(r, a->id, NULL, &conn);
	if (ret == 0) {
		ret = reply(r, json_connection(&conn), out);
	}
	store_ipsec_connection_clear(&conn);
	return ret;
}

static int read_connection_create(struct api_req *r, json_t *body,
				  struct store_ipsec_connection *c,
				  bool *psk_given)
{
	const char *gateway_id = NULL, *cgw_id = NULL;
	bool present = false;
	struct store_vpn_gateway gw = { 0 };
	struct store_customer_gateway cgw = { 0 };

	c->enabled = true;
	vpn_crypto_defaults(c);
	int ret = api_check_keys(r, body, connection_keys);
	if (ret == 0 && json_object_get(body, "name") == NULL) {
		ret = api_fail(r, 400, "name", "name is required");
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "gateway", true, &gateway_id,
				     &present);
	}
	if (ret == 0) {
		ret = load_gateway(r, gateway_id, "gateway", &gw);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "customer_gateway", true,
				     &cgw_id, &present);
	}
	if (ret == 0) {
		ret = load_cgw(r, cgw_id, "customer_gateway", &cgw);
	}
	if (ret == 0) {
		snprintf(c->gateway_id, sizeof(c->gateway_id), "%s",
			 gateway_id);
		snprintf(c->cgw_id, sizeof(c->cgw_id), "%s", cgw_id);
		ret = read_connection_common(r, body, c, psk_given);
	}
	if (ret == 0 && c->remote_subnets.n == 0) {
		ret = api_fail(r, 400, "remote_subnets",
			       "remote_subnets is required: the peer's networks reached through the tunnel");
	}
	/* Without local_subnets the connection carries all the gateway's. */
	for (size_t i = 0; ret == 0 && c->local_subnets.n == 0 &&
	     i < gw.local_subnets.n; i++) {
		ret = store_strv_push(&c->local_subnets, gw.local_subnets.v[i]);
	}
	store_vpn_gateway_clear(&gw);
	return ret;
}

static json_t *json_created_connection(const struct store_ipsec_connection *c,
				       bool psk_generated, json_t *warning)
{
	json_t *obj = json_connection(c);
	if (obj != NULL && psk_generated &&
	    json_object_set_new(obj, "psk", json_string(c->psk)) != 0) {
		json_decref(obj);
		return NULL;
	}
	if (obj != NULL && warning != NULL) {
		json_object_set(obj, "warning", warning);
	}
	return obj;
}

/* The weak settings apply_policy() accepted, logged once the connection
 * has its id. */
static void log_weak(const struct api_req *r,
		     const struct store_ipsec_connection *c)
{
	const char *warning = json_string_value(r->warning);
	if (warning != NULL) {
		char fields[128];
		snprintf(fields, sizeof(fields), "tunnel_id=%s",
			 c->meta.resource_id);
		zg_log(ZG_LOG_WARNING, "vpn", fields, "%s", warning);
	}
}

static void note_connection(struct api_req *r,
			    const struct store_ipsec_connection *c,
			    const char *verb)
{
	char fields[192];
	snprintf(fields, sizeof(fields), "tunnel_id=%s gateway_id=%s cgw_id=%s",
		 c->meta.resource_id, c->gateway_id, c->cgw_id);
	api_note(r, fields, "%s IPsec connection %s (IKEv%u, %s, %s)", verb,
		 c->meta.name, c->ike_version,
		 c->enabled ? "enabled" : "disabled",
		 c->allow_weak_crypto ? "weak crypto allowed" : "strong crypto");
}

int api_ipsec_connection_create(struct api_req *r, const struct api_args *a,
				json_t **out)
{
	struct store_ipsec_connection conn = { 0 };
	bool psk_given = false;
	if (!json_is_object(a->body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	int ret = read_connection_create(r, a->body, &conn, &psk_given);
	if (ret == 0 && !psk_given) {
		ret = vpn_psk_generate(conn.psk, sizeof(conn.psk));
		if (ret != 0) {
			ret = api_fail_at(r, 500, NULL,
					  "cannot generate a pre-shared key: %s",
					  zg_strerror(ret));
		}
	}
	if (ret == 0) {
		ret = check_connection(r, &conn, psk_given);
	}
	if (ret == 0 &&
	    (ret = store_ipsec_connection_create(r->store, &conn)) != 0) {
		ret = api_fail_store(r, ret, "creating the IPsec connection");
	}
	if (ret == 0) {
		note_connection(r, &conn, "created");
		log_weak(r, &conn);
		kick();
		ret = reply(r, json_created_connection(&conn, !psk_given,
						       r->warning), out);
	}
	store_ipsec_connection_clear(&conn);
	return ret;
}

int api_ipsec_connection_update(struct api_req *r, const struct api_args *a,
				json_t **out)
{
	struct store_ipsec_connection conn = { 0 };
	bool psk_given = false;
	int ret = load_connection(r, a->id, NULL, &conn);
	if (ret == 0) {
		ret = api_check_version(r, a, conn.meta.version);
	}
	if (ret == 0 && !json_is_object(a->body)) {
		ret = api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	if (ret == 0) {
		ret = api_check_keys(r, a->body, connection_keys);
	}
	/* The two ends are what the connection is: they never change. */
	const char *fixed[][2] = {
		{ "gateway", conn.gateway_id },
		{ "customer_gateway", conn.cgw_id },
	};
	for (size_t i = 0; ret == 0 && i < 2; i++) {
		const char *given = json_string_value(
			json_object_get(a->body, fixed[i][0]));
		if (json_object_get(a->body, fixed[i][0]) != NULL &&
		    (given == NULL || strcmp(given, fixed[i][1]) != 0)) {
			ret = api_fail(r, 400, fixed[i][0],
				       "the %s of a connection cannot change; create a new connection",
				       fixed[i][0]);
		}
	}
	if (ret == 0) {
		ret = read_connection_common(r, a->body, &conn, &psk_given);
	}
	if (ret == 0) {
		ret = check_connection(r, &conn, psk_given ||
				       conn.allow_weak_crypto == false);
	}
	if (ret == 0 &&
	    (ret = store_ipsec_connection_update(r->store, &conn)) != 0) {
		ret = api_fail_store(r, ret, "updating the IPsec connection");
	}
	if (ret == 0) {
		note_connection(r, &conn, "updated");
		log_weak(r, &conn);
		kick();
		ret = reply(r, json_created_connection(&conn, false,
						       r->warning), out);
	}
	store_ipsec_connection_clear(&conn);
	return ret;
}

int api_ipsec_connection_delete(struct api_req *r, const struct api_args *a,
				json_t **out)
{
	struct store_ipsec_connection conn = { 0 };
	struct store_vpn_route *routes = NULL;
	size_t n = 0;
	bool more = false;
	int ret = load_connection(r, a->id, NULL, &conn);
	if (ret == 0) {
		ret = api_check_version(r, a, conn.meta.version);
	}
	if (ret == 0) {
		ret = store_vpn_route_list(r->store, a->id, NULL, 0, &routes, &n,
					   &more);
		ret = ret != 0 ? api_fail_store(r, ret, "the list of routes")
			       : 0;
	}
	if (ret == 0 && n > 0) {
		ret = api_fail_at(r, 409, NULL,
				  "%s still carries %zu route%s (the first is %s to %s); delete them first",
				  a->id, n, n == 1 ? "" : "s",
				  routes[0].meta.resource_id,
				  routes[0].destination);
	}
	store_vpn_route_list_free(routes, n);
	if (ret == 0 &&
	    (ret = store_ipsec_connection_delete(r->store, a->id)) != 0) {
		ret = api_fail_store(r, ret, "deleting the IPsec connection");
	}
	if (ret == 0) {
		note_connection(r, &conn, "deleted");
		ret = deleted_reply(r, a, out);
	}
	store_ipsec_connection_clear(&conn);
	return ret;
}

/* POST .../initiate and .../terminate: the connection is enabled (charon
 * keeps it up) or disabled (taken out of charon). */
static int set_enabled(struct api_req *r, const struct api_args *a,
		       bool enabled, json_t **out)
{
	struct store_ipsec_connection conn = { 0 };
	int ret = load_connection(r, a->id, NULL, &conn);
	if (ret == 0 && a->body != NULL && !(json_is_object(a->body) &&
					     json_object_size(a->body) == 0)) {
		ret = api_fail(r, 400, NULL, "this request takes no body");
	}
	if (ret == 0 && conn.enabled != enabled) {
		conn.enabled = enabled;
		ret = store_ipsec_connection_update(r->store, &conn);
		if (ret != 0) {
			ret = api_fail_store(r, ret,
					     "updating the IPsec connection");
		} else {
			note_connection(r, &conn, enabled ? "initiated"
							  : "terminated");
		}
	}
	if (ret == 0) {
		kick();
		ret = reply(r, json_connection(&conn), out);
	}
	store_ipsec_connection_clear(&conn);
	return ret;
}

int api_ipsec_connection_initiate(struct api_req *r, const struct api_args *a,
				  json_t **out)
{
	return set_enabled(r, a, true, out);
}

int api_ipsec_connection_terminate(struct api_req *r,
				   const struct api_args *a, json_t **out)
{
	return set_enabled(r, a, false, out);
}

int api_ipsec_connection_psk(struct api_req *r, const struct api_args *a,
			     json_t **out)
{
	struct store_ipsec_connection conn = { 0 };
	int ret = load_connection(r, a->id, NULL, &conn);
	if (ret == 0) {
		char fields[160];
		snprintf(fields, sizeof(fields), "tunnel_id=%s uid=%u",
			 conn.meta.resource_id, (unsigned)r->caller.uid);
		/* Who read a key is worth knowing; the key is never logged. */
		zg_log(ZG_LOG_NOTICE, "vpn", fields, "pre-shared key read through the API");
		ret = reply(r, json_pack("{ss ss}", "id", conn.meta.resource_id,
					 "psk", conn.psk), out);
	}
	store_ipsec_connection_clear(&conn);
	return ret;
}

/* Builds zonegate's end of connection_id from the store. */
static int build_spec(struct api_req *r, const char *connection_id,
		      struct vpn_spec *spec)
{
	struct store_ipsec_connection conn = { 0 };
	struct store_vpn_gateway gw = { 0 };
	struct store_customer_gateway cgw = { 0 };
	struct store_vpn_route *routes = NULL;
	size_t n = 0;
	bool more = false;
	int ret = load_connection(r, connection_id, NULL, &conn);
	if (ret == 0) {
		ret = load_gateway(r, conn.gateway_id, NULL, &gw);
	}
	if (ret == 0) {
		ret = load_cgw(r, conn.cgw_id, NULL, &cgw);
	}
	if (ret == 0 && (ret = store_vpn_route_list(r->store, connection_id,
						    NULL, 0, &routes, &n,
						    &more)) != 0) {
		ret = api_fail_store(r, ret, "the list of routes");
	}
	if (ret == 0 &&
	    vpn_spec_build(&conn, &gw, &cgw, routes, n, spec) != 0) {
		ret = api_fail_at(r, 500, NULL,
				  "the configuration of %s cannot be built",
				  connection_id);
	}
	store_vpn_route_list_free(routes, n);
	store_ipsec_connection_clear(&conn);
	store_vpn_gateway_clear(&gw);
	return ret;
}

int api_ipsec_connection_peer_config(struct api_req *r,
				     const struct api_args *a, json_t **out)
{
	enum vpn_peer_format fmt;
	if (vpn_peer_format_parse(a->sub_id, &fmt) != 0) {
		return api_fail_at(r, 404, NULL,
				   "no format %s: use swanctl or ipsec",
				   a->sub_id);
	}
	struct vpn_spec *ours = calloc(2, sizeof(*ours));
	if (ours == NULL) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	int ret = build_spec(r, a->id, &ours[0]);
	struct vpn_peer_file files[2];
	size_t n = 0;
	if (ret == 0) {
		vpn_spec_mirror(&ours[0], &ours[1]);
		ret = vpn_peer_render(&ours[1], fmt, files, &n);
		ret = ret != 0 ? api_fail_at(r, 500, NULL, "out of memory") : 0;
	}
	json_t *list = ret == 0 ? json_array() : NULL;
	for (size_t i = 0; list != NULL && i < n; i++) {
		json_array_append_new(list, json_pack("{ss ss}", "name",
						      files[i].name, "content",
						      files[i].content));
	}
	if (ret == 0) {
		ret = reply(r, json_pack("{ss ss so}", "id", a->id, "format",
					 a->sub_id, "files", list), out);
	}
	vpn_peer_files_free(files, n);
	memset(ours, 0, 2 * sizeof(*ours));
	free(ours);
	return ret;
}

/*
 * Status
 */

static json_t *json_strings(const char (*items)[VPN_TS_LEN], size_t n)
{
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < n; i++) {
		if (json_array_append_new(list, json_string(items[i])) != 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

static json_t *json_child(const struct vpn_child_status *c)
{
	bool ok = true;
	json_t *obj = json_object();
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "name", json_string(c->name), &ok);
	put(obj, "state", json_string(c->state), &ok);
	put(obj, "protocol", json_string(c->protocol), &ok);
	put(obj, "encryption", json_string(c->encryption), &ok);
	put(obj, "integrity", json_string(c->integrity), &ok);
	put(obj, "bytes_in", json_integer((json_int_t)c->bytes_in), &ok);
	put(obj, "bytes_out", json_integer((json_int_t)c->bytes_out), &ok);
	put(obj, "packets_in", json_integer((json_int_t)c->packets_in), &ok);
	put(obj, "packets_out", json_integer((json_int_t)c->packets_out),
	    &ok);
	put(obj, "installed_s", json_integer((json_int_t)c->installed_s),
	    &ok);
	put(obj, "local_ts", json_strings(c->local_ts, c->n_local_ts), &ok);
	put(obj, "remote_ts", json_strings(c->remote_ts, c->n_remote_ts),
	    &ok);
	return finish(obj, ok);
}

static json_t *json_ike(const struct vpn_conn_status *st)
{
	bool ok = true;
	json_t *obj = json_object();
	if (obj == NULL) {
		return NULL;
	}
	put(obj, "state", json_string(st->ike_state), &ok);
	put(obj, "version", json_integer(st->ike_version), &ok);
	put(obj, "local_host", json_string(st->local_host), &ok);
	put(obj, "remote_host", json_string(st->remote_host), &ok);
	put(obj, "proposal", json_string(st->ike_proposal), &ok);
	put(obj, "established_s", json_integer((json_int_t)st->established_s),
	    &ok);
	return finish(obj, ok);
}

static json_t *json_conn_status(const struct vpn_conn_status *st,
				const char *name)
{
	bool ok = true;
	json_t *obj = json_object();
	json_t *children = json_array();
	if (obj == NULL || children == NULL) {
		json_decref(obj);
		json_decref(children);
		return NULL;
	}
	for (size_t i = 0; i < st->n_children; i++) {
		if (json_array_append_new(children,
					  json_child(&st->children[i])) != 0) {
			ok = false;
		}
	}
	put(obj, "id", json_string(st->connection_id), &ok);
	put(obj, "name", json_string(name), &ok);
	put(obj, "state", json_string(vpn_tunnel_state_name(st->state)), &ok);
	put(obj, "since", json_integer(st->changed_unix_s), &ok);
	put(obj, "loaded", json_boolean(st->loaded), &ok);
	put(obj, "error", st->error[0] != '\0' ? json_string(st->error)
					       : json_null(), &ok);
	put(obj, "ike_sa", st->has_ike ? json_ike(st) : json_null(), &ok);
	put(obj, "child_sas", children, &ok);
	return finish(obj, ok);
}

static json_t *json_charon(const struct vpn_status *s)
{
	return json_pack("{ss sb so so so}", "vici_socket", s->vici_socket,
			 "connected", s->charon_connected,
			 "version", s->charon_version[0] != '\0'
			 ? json_string(s->charon_version) : json_null(),
			 "error", s->charon_error[0] != '\0'
			 ? json_string(s->charon_error) : json_null(),
			 "retry_in_s", s->retry_in_s >= 0
			 ? json_integer(s->retry_in_s) : json_null());
}

/* The connections of the store, read in a transaction of our own. */
static int read_connections(struct api_req *r,
			    struct store_ipsec_connection **conns, size_t *n)
{
	bool more = false;
	int ret = store_begin(r->store, NULL);
	if (ret != 0) {
		return api_fail_at(r, 500, NULL,
				   "cannot open a transaction on the state database: %s",
				   store_last_error(r->store));
	}
	ret = store_ipsec_connection_list(r->store, NULL, 0, conns, n, &more);
	if (ret != 0) {
		ret = api_fail_store(r, ret, "the list of IPsec connections");
	}
	store_rollback(r->store);
	return ret;
}

static json_t *status_list(const struct vpn_status *st,
			   const struct store_ipsec_connection *conns,
			   size_t n, const char *only_id, bool *found_id)
{
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < n; i++) {
		const char *id = conns[i].meta.resource_id;
		if (only_id != NULL && strcmp(id, only_id) != 0) {
			continue;
		}
		*found_id = true;
		struct vpn_conn_status none = { .state = VPN_TUNNEL_UNKNOWN };
		snprintf(none.connection_id, sizeof(none.connection_id), "%s",
			 id);
		const struct vpn_conn_status *found = &none;
		for (size_t j = 0; j < st->n_conns; j++) {
			if (strcmp(st->conns[j].connection_id, id) == 0) {
				found = &st->conns[j];
			}
		}
		if (json_array_append_new(list, json_conn_status(
				found, conns[i].meta.name)) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}

int api_vpn_status(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct vpn_manager *m = atomic_load(&vpn_manager);
	struct vpn_status st = { 0 };
	if (m == NULL) {
		return api_fail_at(r, 500, NULL,
				   "the VPN manager is not running; see the daemon's log");
	}
	if (vpn_manager_status(m, STATUS_FRESH_MS, &st) != 0) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}

	struct store_ipsec_connection *conns = NULL;
	size_t n = 0;
	bool found = false;
	int ret = read_connections(r, &conns, &n);
	json_t *list = ret == 0 ? status_list(&st, conns, n, a->id, &found)
				: NULL;
	store_ipsec_connection_list_free(conns, n);
	if (ret == 0 && a->id != NULL && !found) {
		ret = api_fail_missing(r, "IPsec connection", a->id);
	}
	json_t *obj = NULL;
	if (ret == 0 && a->id == NULL) {
		obj = json_pack("{so sI so*}", "charon", json_charon(&st),
				"updated", (json_int_t)st.updated_unix_s,
				"connections", list);
		list = NULL;
	} else if (ret == 0) {
		obj = json_incref(json_array_get(list, 0));
		if (obj != NULL) {
			json_object_set_new(obj, "charon", json_charon(&st));
		}
	}
	json_decref(list);
	vpn_status_clear(&st);
	return ret == 0 ? reply(r, obj, out) : ret;
}

/*
 * Routes
 */

static const char *const route_keys[] = {
	"destination", "connection", NULL,
};

int api_vpn_route_list(struct api_req *r, const struct api_args *a,
		       json_t **out)
{
	struct store_vpn_route *routes = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_vpn_route_list(r->store, NULL, a->after, a->limit,
				       &routes, &n, &more);
	if (ret != 0) {
		return list_failed(r, a, ret, "the list of routes");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, json_route(&routes[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	ret = page_reply(r, items, more, n > 0
			 ? routes[n - 1].meta.resource_id : NULL, out);
	store_vpn_route_list_free(routes, n);
	return ret;
}

static int load_route(struct api_req *r, const char *route_id,
		      struct store_vpn_route *route)
{
	int ret = store_vpn_route_get(r->store, route_id, route);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "route", route_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "a route") : 0;
}

int api_vpn_route_get(struct api_req *r, const struct api_args *a,
		      json_t **out)
{
	struct store_vpn_route route = { 0 };
	int ret = load_route(r, a->id, &route);
	return ret == 0 ? reply(r, json_route(&route), out) : ret;
}

/* A route may not overlap the connection's local subnets, nor what
 * another connection sends through its tunnel; with IKEv1 it must not
 * add a second remote selector. */
static int check_route(struct api_req *r, const struct store_vpn_route *route,
		       struct store_ipsec_connection *conn)
{
	struct vpn_lists l = { 0 };
	for (size_t i = 0; i < conn->local_subnets.n; i++) {
		if (cidrs_overlap(route->destination,
				  conn->local_subnets.v[i])) {
			return api_fail(r, 400, "destination",
					"%s overlaps the local subnet %s of %s",
					route->destination,
					conn->local_subnets.v[i],
					conn->meta.resource_id);
		}
	}
	int ret = vpn_lists_load(r, &l);
	const char *other = ret == 0 ? remote_owner(&l, conn->meta.resource_id,
						    route->destination) : "";
	if (ret == 0 && other[0] != '\0') {
		ret = api_fail(r, 409, "destination",
			       "%s overlaps what IPsec connection %s already sends through its tunnel",
			       route->destination, other);
	}
	for (size_t i = 0; ret == 0 && i < l.n_routes; i++) {
		if (strcmp(l.routes[i].destination, route->destination) == 0 &&
		    strcmp(l.routes[i].connection_id, route->connection_id) ==
		    0) {
			ret = api_fail(r, 409, "destination",
				       "%s already routes %s through %s",
				       l.routes[i].meta.resource_id,
				       route->destination,
				       route->connection_id);
		}
	}
	if (ret == 0 && conn->ike_version == 1 &&
	    !store_strv_has(&conn->remote_subnets, route->destination) &&
	    remote_selectors(&l, conn) >= 1) {
		ret = api_fail(r, 400, "destination",
			       "%s uses IKEv1, where strongSwan negotiates only the first subnet of each side; switch it to ike_version 2 to route more",
			       conn->meta.resource_id);
	}
	vpn_lists_free(&l);
	return ret;
}

int api_vpn_route_create(struct api_req *r, const struct api_args *a,
			 json_t **out)
{
	struct store_vpn_route route = { 0 };
	struct store_ipsec_connection conn = { 0 };
	const char *dest = NULL, *connection_id = NULL;
	bool present = false;
	struct zg_prefix prefix;
	char msg[256];

	if (!json_is_object(a->body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	int ret = api_check_keys(r, a->body, route_keys);
	if (ret == 0) {
		ret = api_get_string(r, a->body, "destination", true, &dest,
				     &present);
	}
	if (ret == 0 && api_validate_cidr(dest, &prefix, route.destination,
					  sizeof(route.destination), msg,
					  sizeof(msg)) != 0) {
		ret = api_fail(r, 400, "destination", "%s", msg);
	}
	if (ret == 0) {
		ret = api_get_string(r, a->body, "connection", true,
				     &connection_id, &present);
	}
	if (ret == 0) {
		ret = load_connection(r, connection_id, "connection", &conn);
		snprintf(route.connection_id, sizeof(route.connection_id), "%s",
			 connection_id);
	}
	if (ret == 0) {
		ret = check_route(r, &route, &conn);
	}
	if (ret == 0 && (ret = store_vpn_route_create(r->store, &route)) != 0) {
		ret = api_fail_store(r, ret, "creating the route");
	}
	if (ret == 0) {
		char fields[160];
		snprintf(fields, sizeof(fields), "route_id=%s tunnel_id=%s",
			 route.meta.resource_id, route.connection_id);
		api_note(r, fields, "routed %s through the tunnel",
			 route.destination);
		kick();
		ret = reply(r, json_route(&route), out);
	}
	store_ipsec_connection_clear(&conn);
	return ret;
}

int api_vpn_route_update(struct api_req *r, const struct api_args *a,
			 json_t **out)
{
	return api_fail_at(r, 400, NULL,
			   "a route cannot change; delete it and add another");
}

int api_vpn_route_delete(struct api_req *r, const struct api_args *a,
			 json_t **out)
{
	struct store_vpn_route route = { 0 };
	int ret = load_route(r, a->id, &route);
	if (ret == 0) {
		ret = api_check_version(r, a, route.meta.version);
	}
	if (ret == 0 && (ret = store_vpn_route_delete(r->store, a->id)) != 0) {
		ret = api_fail_store(r, ret, "deleting the route");
	}
	if (ret == 0) {
		char fields[160];
		snprintf(fields, sizeof(fields), "route_id=%s tunnel_id=%s",
			 a->id, route.connection_id);
		api_note(r, fields, "removed the route to %s",
			 route.destination);
		ret = deleted_reply(r, a, out);
	}
	return ret;
}
