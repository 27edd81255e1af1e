/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IPsec connections: their subnets and crypto policy, the pre-shared
 * key, initiate and terminate, and the peer's configuration. */
#include "api/api_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ops_vpn.h"
#include "common/error.h"
#include "common/log.h"
#include "vpn/vpn.h"

static void put(json_t *obj, const char *key, json_t *value, bool *ok)
{
	api_vpn_put(obj, key, value, ok);
}

/* Never holds the pre-shared key: lists and reads of the connection go
 * through here; the key has its own path. */
static json_t *json_connection(const struct store_ipsec_connection *c)
{
	bool ok = true;
	json_t *obj = api_vpn_meta(&c->meta, &ok);
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
	return api_vpn_finish(obj, ok);
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

static int check_subnets(struct api_req *r,
			 const struct store_ipsec_connection *c,
			 const struct store_vpn_gateway *gw)
{
	for (size_t i = 0; i < c->local_subnets.n; i++) {
		char field[48];
		snprintf(field, sizeof(field), "local_subnets[%zu]", i);
		if (!api_vpn_cidr_covered(c->local_subnets.v[i], &gw->local_subnets)) {
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
			if (api_vpn_cidrs_overlap(c->remote_subnets.v[i],
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
	struct api_vpn_lists l = { 0 };
	int ret = api_vpn_lists_load(r, &l);
	for (size_t i = 0; ret == 0 && i < c->remote_subnets.n; i++) {
		const char *other = api_vpn_remote_owner(&l, c->meta.resource_id,
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
	if (ret == 0 && c->ike_version == 1 && api_vpn_remote_selectors(&l, c) > 1) {
		ret = api_fail(r, 400, "remote_subnets",
			       "with IKEv1 strongSwan negotiates only the first subnet of each side (routes count too); use ike_version 2 or one remote subnet");
	}
	api_vpn_lists_free(&l);
	return ret;
}

static int check_connection_name(struct api_req *r,
				 const struct store_ipsec_connection *c)
{
	struct api_vpn_lists l = { 0 };
	int ret = api_vpn_lists_load(r, &l);
	for (size_t i = 0; ret == 0 && i < l.n_conns; i++) {
		ret = api_vpn_name_taken(r, c->meta.resource_id, c->meta.name,
					 l.conns[i].meta.resource_id,
					 l.conns[i].meta.name);
	}
	api_vpn_lists_free(&l);
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
	int ret = api_vpn_read_name(r, body, false, "vco", c->meta.name,
				    sizeof(c->meta.name));
	if (ret == 0) {
		ret = api_vpn_read_subnets(r, body, "local_subnets", false,
					   &c->local_subnets, &present);
	}
	if (ret == 0) {
		ret = api_vpn_read_subnets(r, body, "remote_subnets", false,
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
	int ret = api_vpn_load_gateway(r, c->gateway_id, "gateway", &gw);
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
		return api_vpn_list_failed(r, a, ret, "the list of IPsec connections");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items,
					  json_connection(&conns[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	ret = api_vpn_page_reply(r, items, more, n > 0
				 ? conns[n - 1].meta.resource_id : NULL, out);
	store_ipsec_connection_list_free(conns, n);
	return ret;
}

int api_ipsec_connection_get(struct api_req *r, const struct api_args *a,
			     json_t **out)
{
	struct store_ipsec_connection conn = { 0 };
	int ret = api_vpn_load_connection(r, a->id, NULL, &conn);
	if (ret == 0) {
		ret = api_vpn_reply(r, json_connection(&conn), out);
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
		ret = api_vpn_load_gateway(r, gateway_id, "gateway", &gw);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "customer_gateway", true,
				     &cgw_id, &present);
	}
	if (ret == 0) {
		ret = api_vpn_load_cgw(r, cgw_id, "customer_gateway", &cgw);
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
		api_vpn_kick();
		ret = api_vpn_reply(r, json_created_connection(&conn, !psk_given,
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
	int ret = api_vpn_load_connection(r, a->id, NULL, &conn);
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
		api_vpn_kick();
		ret = api_vpn_reply(r, json_created_connection(&conn, false,
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
	int ret = api_vpn_load_connection(r, a->id, NULL, &conn);
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
		ret = api_vpn_deleted_reply(r, a, out);
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
	int ret = api_vpn_load_connection(r, a->id, NULL, &conn);
	if (ret == 0 && a->body != NULL && !(json_is_object(a->body) &&
					     json_object_size(a->body) == 0)) {
		ret = api_fail(r, 400, NULL, "this request takes no body");
	}
	/* Enabling loads the connection, and loading starts it; an enabled
	 * one is started now unless its IKE_SA exists. */
	struct vpn_manager *m = api_vpn_manager();
	if (ret == 0 && enabled && conn.enabled && m != NULL) {
		vpn_manager_initiate(m, conn.meta.resource_id);
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
		api_vpn_kick();
		ret = api_vpn_reply(r, json_connection(&conn), out);
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
	int ret = api_vpn_load_connection(r, a->id, NULL, &conn);
	if (ret == 0) {
		char fields[160];
		snprintf(fields, sizeof(fields), "tunnel_id=%s uid=%u",
			 conn.meta.resource_id, (unsigned)r->caller.uid);
		/* Who read a key is worth knowing; the key is never logged. */
		zg_log(ZG_LOG_NOTICE, "vpn", fields, "pre-shared key read through the API");
		ret = api_vpn_reply(r, json_pack("{ss ss}", "id", conn.meta.resource_id,
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
	int ret = api_vpn_load_connection(r, connection_id, NULL, &conn);
	if (ret == 0) {
		ret = api_vpn_load_gateway(r, conn.gateway_id, NULL, &gw);
	}
	if (ret == 0) {
		ret = api_vpn_load_cgw(r, conn.cgw_id, NULL, &cgw);
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
		ret = api_vpn_reply(r, json_pack("{ss ss so}", "id", a->id, "format",
				    a->sub_id, "files", list), out);
	}
	vpn_peer_files_free(files, n);
	memset(ours, 0, 2 * sizeof(*ours));
	free(ours);
	return ret;
}
