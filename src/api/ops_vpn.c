/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The VPN resources but connections (ops_ipsec.c): VPN gateways,
 * customer gateways, routes, the tunnels' status from the VPN manager,
 * and the helpers both files share (api/ops_vpn.h). */
#include "api/api_priv.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/ops_vpn.h"
#include "validate/validate.h"
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
struct vpn_manager *api_vpn_manager(void)
{
	return atomic_load(&vpn_manager);
}

void api_vpn_kick(void)
{
	struct vpn_manager *m = atomic_load(&vpn_manager);
	if (m != NULL) {
		vpn_manager_kick(m);
	}
}

void api_vpn_put(json_t *obj, const char *key, json_t *value, bool *ok)
{
	if (value == NULL || json_object_set_new(obj, key, value) != 0) {
		*ok = false;
	}
}

json_t *api_vpn_finish(json_t *obj, bool ok)
{
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

json_t *api_vpn_meta(const struct store_meta *meta, bool *ok)
{
	json_t *obj = json_object();
	if (obj == NULL) {
		*ok = false;
		return NULL;
	}
	api_vpn_put(obj, "id", json_string(meta->resource_id), ok);
	api_vpn_put(obj, "name", json_string(meta->name), ok);
	api_vpn_put(obj, "account", json_string(meta->account), ok);
	api_vpn_put(obj, "version", json_integer(meta->version), ok);
	api_vpn_put(obj, "created_at", json_string(meta->created_at), ok);
	api_vpn_put(obj, "updated_at", json_string(meta->updated_at), ok);
	return obj;
}

int api_vpn_reply(struct api_req *r, json_t *obj, json_t **out)
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
	json_t *obj = api_vpn_meta(&gw->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	api_vpn_put(obj, "vpc", json_string(gw->vpc_id), &ok);
	api_vpn_put(obj, "public_ip", json_string(gw->public_ip), &ok);
	api_vpn_put(obj, "local_subnets", api_json_strv(&gw->local_subnets), &ok);
	return api_vpn_finish(obj, ok);
}

static json_t *json_cgw(const struct store_customer_gateway *cgw)
{
	bool ok = true;
	json_t *obj = api_vpn_meta(&cgw->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	api_vpn_put(obj, "ip", json_string(cgw->ip), &ok);
	return api_vpn_finish(obj, ok);
}

static json_t *json_route(const struct store_vpn_route *route)
{
	bool ok = true;
	json_t *obj = api_vpn_meta(&route->meta, &ok);
	if (obj == NULL) {
		return NULL;
	}
	api_vpn_put(obj, "destination", json_string(route->destination), &ok);
	api_vpn_put(obj, "connection", json_string(route->connection_id), &ok);
	return api_vpn_finish(obj, ok);
}

/*
 * Loading and checks shared by the kinds
 */

int api_vpn_load_gateway(struct api_req *r, const char *gateway_id,
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

int api_vpn_load_cgw(struct api_req *r, const char *cgw_id,
		     const char *field,
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

int api_vpn_load_connection(struct api_req *r, const char *connection_id,
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
int api_vpn_read_subnets(struct api_req *r, json_t *body, const char *key,
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

bool api_vpn_cidrs_overlap(const char *a, const char *b)
{
	struct zg_prefix pa, pb;
	return prefix_parse(a, &pa) == 0 && prefix_parse(b, &pb) == 0 &&
	       prefix_overlaps(&pa, &pb);
}

/* True when cidr lies inside one of the CIDRs of within. */
bool api_vpn_cidr_covered(const char *cidr,
			  const struct store_strv *within)
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
int api_vpn_read_name(struct api_req *r, json_t *body, bool required,
		      const char *id_prefix, char *name, size_t namelen)
{
	const char *text = NULL;
	bool present = false;
	char msg[256];
	int ret = api_get_string(r, body, "name", required, &text, &present);
	if (ret != 0 || !present) {
		return ret;
	}
	if (validate_resource_name(text, id_prefix, msg, sizeof(msg)) !=
	    0) {
		return api_fail(r, 400, "name", "%s", msg);
	}
	snprintf(name, namelen, "%s", text);
	return 0;
}

int api_vpn_name_taken(struct api_req *r, const char *self_id,
		       const char *name, const char *other_id,
		       const char *other_name)
{
	if (strcmp(other_id, self_id) != 0 && strcmp(other_name, name) == 0) {
		return api_fail(r, 409, "name", "%s already has the name %s",
				other_id, name);
	}
	return 0;
}

int api_vpn_page_reply(struct api_req *r, json_t *items, bool more,
		       const char *last_id, json_t **out)
{
	*out = api_json_page(items, more ? last_id : NULL);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_vpn_list_failed(struct api_req *r, const struct api_args *a,
			int ret,
			const char *what)
{
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 400, "after", "unknown cursor '%s'",
				   a->after);
	}
	return api_fail_store(r, ret, what);
}

int api_vpn_deleted_reply(struct api_req *r, const struct api_args *a,
			  json_t **out)
{
	api_vpn_kick();
	return api_vpn_reply(r, api_json_deleted(&a->id, 1), out);
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
		return api_vpn_list_failed(r, a, ret, "the list of VPN gateways");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, json_gateway(&gws[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	ret = api_vpn_page_reply(r, items, more, n > 0 ? gws[n - 1].meta.resource_id
				 : NULL, out);
	store_vpn_gateway_list_free(gws, n);
	return ret;
}

int api_vpn_gateway_get(struct api_req *r, const struct api_args *a,
			json_t **out)
{
	struct store_vpn_gateway gw = { 0 };
	int ret = api_vpn_load_gateway(r, a->id, NULL, &gw);
	if (ret == 0) {
		ret = api_vpn_reply(r, json_gateway(&gw), out);
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
		ret = api_vpn_name_taken(r, gw->meta.resource_id, gw->meta.name,
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
		ret = api_vpn_read_name(r, body, true, "vgw", gw->meta.name,
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
	if (ret == 0 && validate_source(ip, &addr, gw->public_ip,
					    sizeof(gw->public_ip), msg,
					    sizeof(msg)) != 0) {
		ret = api_fail(r, 400, "public_ip", "%s", msg);
	}
	if (ret == 0) {
		ret = api_vpn_read_subnets(r, body, "local_subnets", true,
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
		ret = api_vpn_reply(r, json_gateway(&gw), out);
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
			if (!api_vpn_cidr_covered(conns[i].local_subnets.v[j],
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
	int ret = api_vpn_load_gateway(r, a->id, NULL, &gw);
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
		ret = api_vpn_read_name(r, a->body, false, "vgw", gw.meta.name,
					sizeof(gw.meta.name));
	}
	if (ret == 0) {
		ret = api_vpn_read_subnets(r, a->body, "local_subnets", false,
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
		api_vpn_kick();
		ret = api_vpn_reply(r, json_gateway(&gw), out);
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
	int ret = api_vpn_load_gateway(r, a->id, NULL, &gw);
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
		ret = api_vpn_deleted_reply(r, a, out);
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
		return api_vpn_list_failed(r, a, ret, "the list of customer gateways");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, json_cgw(&cgws[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	ret = api_vpn_page_reply(r, items, more, n > 0 ? cgws[n - 1].meta.resource_id
				 : NULL, out);
	store_customer_gateway_list_free(cgws, n);
	return ret;
}

int api_customer_gateway_get(struct api_req *r, const struct api_args *a,
			     json_t **out)
{
	struct store_customer_gateway cgw = { 0 };
	int ret = api_vpn_load_cgw(r, a->id, NULL, &cgw);
	return ret == 0 ? api_vpn_reply(r, json_cgw(&cgw), out) : ret;
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
		ret = api_vpn_name_taken(r, cgw->meta.resource_id, cgw->meta.name,
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
		ret = api_vpn_read_name(r, a->body, true, "cgw", cgw.meta.name,
					sizeof(cgw.meta.name));
	}
	if (ret == 0) {
		ret = api_get_string(r, a->body, "ip", true, &ip, &present);
	}
	if (ret == 0 && validate_source(ip, &addr, cgw.ip, sizeof(cgw.ip),
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
		ret = api_vpn_reply(r, json_cgw(&cgw), out);
	}
	return ret;
}

int api_customer_gateway_update(struct api_req *r, const struct api_args *a,
				json_t **out)
{
	static const char *const keys[] = { "name", NULL };
	struct store_customer_gateway cgw = { 0 };
	int ret = api_vpn_load_cgw(r, a->id, NULL, &cgw);
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
			ret = api_vpn_read_name(r, body, false, "cgw", cgw.meta.name,
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
		ret = api_vpn_reply(r, json_cgw(&cgw), out);
	}
	return ret;
}

int api_customer_gateway_delete(struct api_req *r, const struct api_args *a,
				json_t **out)
{
	struct store_customer_gateway cgw = { 0 };
	char users[512];
	int ret = api_vpn_load_cgw(r, a->id, NULL, &cgw);
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
		ret = api_vpn_deleted_reply(r, a, out);
	}
	return ret;
}

void api_vpn_lists_free(struct api_vpn_lists *l)
{
	store_ipsec_connection_list_free(l->conns, l->n_conns);
	store_vpn_route_list_free(l->routes, l->n_routes);
	memset(l, 0, sizeof(*l));
}

int api_vpn_lists_load(struct api_req *r, struct api_vpn_lists *l)
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
const char *api_vpn_remote_owner(const struct api_vpn_lists *l,
				 const char *self,
				 const char *cidr)
{
	for (size_t i = 0; i < l->n_conns; i++) {
		const struct store_ipsec_connection *c = &l->conns[i];
		if (strcmp(c->meta.resource_id, self) == 0) {
			continue;
		}
		for (size_t j = 0; j < c->remote_subnets.n; j++) {
			if (api_vpn_cidrs_overlap(c->remote_subnets.v[j], cidr)) {
				return c->meta.resource_id;
			}
		}
	}
	for (size_t i = 0; i < l->n_routes; i++) {
		if (strcmp(l->routes[i].connection_id, self) != 0 &&
		    api_vpn_cidrs_overlap(l->routes[i].destination, cidr)) {
			return l->routes[i].connection_id;
		}
	}
	return "";
}

/* Remote selectors of c once its routes are added (IKEv1 takes one). */
size_t api_vpn_remote_selectors(const struct api_vpn_lists *l,
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
	api_vpn_put(obj, "name", json_string(c->name), &ok);
	api_vpn_put(obj, "state", json_string(c->state), &ok);
	api_vpn_put(obj, "protocol", json_string(c->protocol), &ok);
	api_vpn_put(obj, "encryption", json_string(c->encryption), &ok);
	api_vpn_put(obj, "integrity", json_string(c->integrity), &ok);
	api_vpn_put(obj, "bytes_in", json_integer((json_int_t)c->bytes_in), &ok);
	api_vpn_put(obj, "bytes_out", json_integer((json_int_t)c->bytes_out), &ok);
	api_vpn_put(obj, "packets_in", json_integer((json_int_t)c->packets_in), &ok);
	api_vpn_put(obj, "packets_out", json_integer((json_int_t)c->packets_out),
		    &ok);
	api_vpn_put(obj, "installed_s", json_integer((json_int_t)c->installed_s),
		    &ok);
	api_vpn_put(obj, "local_ts", json_strings(c->local_ts, c->n_local_ts), &ok);
	api_vpn_put(obj, "remote_ts", json_strings(c->remote_ts, c->n_remote_ts),
		    &ok);
	return api_vpn_finish(obj, ok);
}

static json_t *json_ike(const struct vpn_conn_status *st)
{
	bool ok = true;
	json_t *obj = json_object();
	if (obj == NULL) {
		return NULL;
	}
	api_vpn_put(obj, "state", json_string(st->ike_state), &ok);
	api_vpn_put(obj, "version", json_integer(st->ike_version), &ok);
	api_vpn_put(obj, "local_host", json_string(st->local_host), &ok);
	api_vpn_put(obj, "remote_host", json_string(st->remote_host), &ok);
	api_vpn_put(obj, "proposal", json_string(st->ike_proposal), &ok);
	api_vpn_put(obj, "established_s", json_integer((json_int_t)st->established_s),
		    &ok);
	return api_vpn_finish(obj, ok);
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
	api_vpn_put(obj, "id", json_string(st->connection_id), &ok);
	api_vpn_put(obj, "name", json_string(name), &ok);
	api_vpn_put(obj, "state", json_string(vpn_tunnel_state_name(st->state)), &ok);
	api_vpn_put(obj, "since", json_integer(st->changed_unix_s), &ok);
	api_vpn_put(obj, "loaded", json_boolean(st->loaded), &ok);
	api_vpn_put(obj, "error", st->error[0] != '\0' ? json_string(st->error)
		    : json_null(), &ok);
	api_vpn_put(obj, "ike_sa", st->has_ike ? json_ike(st) : json_null(), &ok);
	api_vpn_put(obj, "child_sas", children, &ok);
	return api_vpn_finish(obj, ok);
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
	return ret == 0 ? api_vpn_reply(r, obj, out) : ret;
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
		return api_vpn_list_failed(r, a, ret, "the list of routes");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, json_route(&routes[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	ret = api_vpn_page_reply(r, items, more, n > 0
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
	return ret == 0 ? api_vpn_reply(r, json_route(&route), out) : ret;
}

/* A route may not overlap the connection's local subnets, nor what
 * another connection sends through its tunnel; with IKEv1 it must not
 * add a second remote selector. */
static int check_route(struct api_req *r, const struct store_vpn_route *route,
		       struct store_ipsec_connection *conn)
{
	struct api_vpn_lists l = { 0 };
	for (size_t i = 0; i < conn->local_subnets.n; i++) {
		if (api_vpn_cidrs_overlap(route->destination,
					  conn->local_subnets.v[i])) {
			return api_fail(r, 400, "destination",
					"%s overlaps the local subnet %s of %s",
					route->destination,
					conn->local_subnets.v[i],
					conn->meta.resource_id);
		}
	}
	int ret = api_vpn_lists_load(r, &l);
	const char *other = ret == 0 ? api_vpn_remote_owner(&l, conn->meta.resource_id,
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
	    api_vpn_remote_selectors(&l, conn) >= 1) {
		ret = api_fail(r, 400, "destination",
			       "%s uses IKEv1, where strongSwan negotiates only the first subnet of each side; switch it to ike_version 2 to route more",
			       conn->meta.resource_id);
	}
	api_vpn_lists_free(&l);
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
	if (ret == 0 && validate_cidr(dest, &prefix, route.destination,
					  sizeof(route.destination), msg,
					  sizeof(msg)) != 0) {
		ret = api_fail(r, 400, "destination", "%s", msg);
	}
	if (ret == 0) {
		ret = api_get_string(r, a->body, "connection", true,
				     &connection_id, &present);
	}
	if (ret == 0) {
		ret = api_vpn_load_connection(r, connection_id, "connection", &conn);
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
		api_vpn_kick();
		ret = api_vpn_reply(r, json_route(&route), out);
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
		ret = api_vpn_deleted_reply(r, a, out);
	}
	return ret;
}
