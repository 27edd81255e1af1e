/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The VPN resources: VPN gateways, customer gateways, IPsec connections
 * with their subnets and crypto settings, and routes. */
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "store/store_priv.h"

/*
 * Clearing
 */

void store_vpn_gateway_clear(struct store_vpn_gateway *gw)
{
	store_strv_clear(&gw->local_subnets);
	memset(gw, 0, sizeof(*gw));
}

void store_customer_gateway_clear(struct store_customer_gateway *cgw)
{
	memset(cgw, 0, sizeof(*cgw));
}

void store_ipsec_connection_clear(struct store_ipsec_connection *conn)
{
	store_strv_clear(&conn->local_subnets);
	store_strv_clear(&conn->remote_subnets);
	/* The pre-shared key does not linger in freed memory. */
	memset(conn, 0, sizeof(*conn));
}

void store_vpn_route_clear(struct store_vpn_route *route)
{
	memset(route, 0, sizeof(*route));
}

/*
 * Row helpers
 */

/* Deletes one row and logs the delete; ZG_EEXIST when a row of another
 * table refers to it (the foreign key refuses). */
static int delete_row(struct store *s, const char *kind, const char *table,
		      const char *idcol, const char *resource_id)
{
	int ret = store_delete_row(s, table, idcol, resource_id);
	if (ret == 0) {
		ret = store_log_change(s, "delete", kind, resource_id,
				       "deleted %s %s", kind, resource_id);
	}
	return ret;
}

/*
 * VPN gateways
 */

#define GATEWAY_SELECT "SELECT " META_COLS("gateway_id") ", vpc_id," \
	" public_ip FROM vpn_gateway"

static int load_gateway(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_vpn_gateway *gw = elem;
	store_read_meta(st, &gw->meta);
	store_col_text(st, FIRST_OWN_COL, gw->vpc_id, sizeof(gw->vpc_id));
	store_col_text(st, FIRST_OWN_COL + 1, gw->public_ip,
		       sizeof(gw->public_ip));
	return store_load_strv(s, "SELECT cidr FROM vpn_gateway_subnet"
			       " WHERE gateway_id = ? ORDER BY pos",
			       gw->meta.resource_id, &gw->local_subnets);
}

static void clear_gateway(void *elem)
{
	store_vpn_gateway_clear(elem);
}

int store_vpn_gateway_get(struct store *store, const char *gateway_id,
			  struct store_vpn_gateway *out)
{
	struct store_page_query q = {
		.select = GATEWAY_SELECT " WHERE gateway_id = ?1",
		.params = { gateway_id },
		.elem_size = sizeof(*out), .load = load_gateway,
		.clear = clear_gateway,
	};
	return store_get_one(store, &q, out);
}

int store_vpn_gateway_list(struct store *store, const char *after,
			   size_t limit, struct store_vpn_gateway **out,
			   size_t *n_out, bool *more)
{
	struct store_page_query q = {
		.select = GATEWAY_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_gateway,
		.clear = clear_gateway,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_vpn_gateway_list_free(struct store_vpn_gateway *gws, size_t n)
{
	store_free_rows(gws, n, sizeof(*gws), clear_gateway);
}

int store_vpn_gateway_create(struct store *store,
			     struct store_vpn_gateway *gw)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int64_t seq = 0;
	int ret = store_new_meta(store, "vgw", &gw->meta, &seq);
	if (ret != 0) {
		return ret;
	}
	const struct store_meta *m = &gw->meta;
	ret = store_run(store, NULL,
			"INSERT INTO vpn_gateway VALUES (?, ?, ?, ?, ?, ?, ?,"
			" ?, ?)", "tittitttt", m->resource_id, seq, m->name,
			m->account, m->version, m->created_at, m->updated_at,
			gw->vpc_id, gw->public_ip);
	if (ret == 0) {
		ret = store_write_strv(store, "vpn_gateway_subnet",
				       "gateway_id", "cidr", m->resource_id,
				       &gw->local_subnets);
	}
	if (ret == 0) {
		ret = store_log_change(store, "create", "vpn-gateway",
				       m->resource_id,
				       "created VPN gateway %s in %s at %s",
				       m->name, gw->vpc_id, gw->public_ip);
	}
	return ret;
}

int store_vpn_gateway_update(struct store *store,
			     struct store_vpn_gateway *gw)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const char *gateway_id = gw->meta.resource_id;
	size_t changes = 0;
	int ret = store_run(store, &changes, "UPDATE vpn_gateway SET name = ?"
			    " WHERE gateway_id = ?", "tt", gw->meta.name,
			    gateway_id);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = store_write_strv(store, "vpn_gateway_subnet",
				       "gateway_id", "cidr", gateway_id,
				       &gw->local_subnets);
	}
	if (ret == 0) {
		ret = store_touch_row(store, "vpn_gateway", "gateway_id",
				      gateway_id, &gw->meta);
	}
	if (ret == 0) {
		ret = store_log_change(store, "update", "vpn-gateway",
				       gateway_id, "updated VPN gateway %s",
				       gw->meta.name);
	}
	return ret;
}

int store_vpn_gateway_delete(struct store *store, const char *gateway_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	return delete_row(store, "vpn-gateway", "vpn_gateway", "gateway_id",
			  gateway_id);
}

/*
 * Customer gateways
 */

#define CGW_SELECT "SELECT " META_COLS("cgw_id") ", ip FROM customer_gateway"

static int load_cgw(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_customer_gateway *cgw = elem;
	store_read_meta(st, &cgw->meta);
	store_col_text(st, FIRST_OWN_COL, cgw->ip, sizeof(cgw->ip));
	return 0;
}

static void clear_cgw(void *elem)
{
	store_customer_gateway_clear(elem);
}

int store_customer_gateway_get(struct store *store, const char *cgw_id,
			       struct store_customer_gateway *out)
{
	struct store_page_query q = {
		.select = CGW_SELECT " WHERE cgw_id = ?1",
		.params = { cgw_id },
		.elem_size = sizeof(*out), .load = load_cgw,
		.clear = clear_cgw,
	};
	return store_get_one(store, &q, out);
}

int store_customer_gateway_list(struct store *store, const char *after,
				size_t limit,
				struct store_customer_gateway **out,
				size_t *n_out, bool *more)
{
	struct store_page_query q = {
		.select = CGW_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_cgw,
		.clear = clear_cgw,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_customer_gateway_list_free(struct store_customer_gateway *cgws,
				      size_t n)
{
	free(cgws);
	(void)n;
}

int store_customer_gateway_create(struct store *store,
				  struct store_customer_gateway *cgw)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int64_t seq = 0;
	int ret = store_new_meta(store, "cgw", &cgw->meta, &seq);
	if (ret != 0) {
		return ret;
	}
	const struct store_meta *m = &cgw->meta;
	ret = store_run(store, NULL,
			"INSERT INTO customer_gateway VALUES (?, ?, ?, ?, ?, ?,"
			" ?, ?)", "tittittt", m->resource_id, seq, m->name,
			m->account, m->version, m->created_at, m->updated_at,
			cgw->ip);
	if (ret == 0) {
		ret = store_log_change(store, "create", "cust-gateway",
				       m->resource_id,
				       "created customer gateway %s at %s",
				       m->name, cgw->ip);
	}
	return ret;
}

int store_customer_gateway_update(struct store *store,
				  struct store_customer_gateway *cgw)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const char *cgw_id = cgw->meta.resource_id;
	size_t changes = 0;
	int ret = store_run(store, &changes, "UPDATE customer_gateway"
			    " SET name = ? WHERE cgw_id = ?", "tt",
			    cgw->meta.name, cgw_id);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = store_touch_row(store, "customer_gateway", "cgw_id",
				      cgw_id, &cgw->meta);
	}
	if (ret == 0) {
		ret = store_log_change(store, "update", "cust-gateway",
				       cgw_id, "updated customer gateway %s",
				       cgw->meta.name);
	}
	return ret;
}

int store_customer_gateway_delete(struct store *store, const char *cgw_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	return delete_row(store, "cust-gateway", "customer_gateway",
			  "cgw_id", cgw_id);
}

/*
 * IPsec connections
 */

#define CONN_SELECT "SELECT " META_COLS("connection_id") ", gateway_id," \
	" cgw_id, psk, enabled, allow_weak_crypto, ike_version, ike_mode," \
	" ike_encryption, ike_integrity, ike_dh_group, ike_lifetime," \
	" esp_encryption, esp_integrity, esp_pfs, esp_lifetime, dpd_interval" \
	" FROM ipsec_connection"

#define CONN_LOCAL_SUBNETS "SELECT cidr FROM ipsec_connection_subnet" \
	" WHERE connection_id = ? AND side = 'local' ORDER BY pos"
#define CONN_REMOTE_SUBNETS "SELECT cidr FROM ipsec_connection_subnet" \
	" WHERE connection_id = ? AND side = 'remote' ORDER BY pos"

static int load_conn(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_ipsec_connection *c = elem;
	int col = FIRST_OWN_COL;
	store_read_meta(st, &c->meta);
	store_col_text(st, col++, c->gateway_id, sizeof(c->gateway_id));
	store_col_text(st, col++, c->cgw_id, sizeof(c->cgw_id));
	store_col_text(st, col++, c->psk, sizeof(c->psk));
	c->enabled = sqlite3_column_int(st, col++) != 0;
	c->allow_weak_crypto = sqlite3_column_int(st, col++) != 0;
	c->ike_version = (uint32_t)sqlite3_column_int64(st, col++);
	store_col_text(st, col++, c->ike_mode, sizeof(c->ike_mode));
	store_col_text(st, col++, c->ike_encryption,
		       sizeof(c->ike_encryption));
	store_col_text(st, col++, c->ike_integrity, sizeof(c->ike_integrity));
	store_col_text(st, col++, c->ike_dh_group, sizeof(c->ike_dh_group));
	c->ike_lifetime_s = (uint32_t)sqlite3_column_int64(st, col++);
	store_col_text(st, col++, c->esp_encryption,
		       sizeof(c->esp_encryption));
	store_col_text(st, col++, c->esp_integrity, sizeof(c->esp_integrity));
	store_col_text(st, col++, c->esp_pfs, sizeof(c->esp_pfs));
	c->esp_lifetime_s = (uint32_t)sqlite3_column_int64(st, col++);
	c->dpd_interval_s = (uint32_t)sqlite3_column_int64(st, col++);

	int ret = store_load_strv(s, CONN_LOCAL_SUBNETS, c->meta.resource_id,
				  &c->local_subnets);
	if (ret == 0) {
		ret = store_load_strv(s, CONN_REMOTE_SUBNETS,
				      c->meta.resource_id, &c->remote_subnets);
	}
	return ret;
}

static void clear_conn(void *elem)
{
	store_ipsec_connection_clear(elem);
}

int store_ipsec_connection_get(struct store *store, const char *connection_id,
			       struct store_ipsec_connection *out)
{
	struct store_page_query q = {
		.select = CONN_SELECT " WHERE connection_id = ?1",
		.params = { connection_id },
		.elem_size = sizeof(*out), .load = load_conn,
		.clear = clear_conn,
	};
	return store_get_one(store, &q, out);
}

int store_ipsec_connection_list(struct store *store, const char *after,
				size_t limit,
				struct store_ipsec_connection **out,
				size_t *n_out, bool *more)
{
	struct store_page_query q = {
		.select = CONN_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_conn,
		.clear = clear_conn,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_ipsec_connection_list_free(struct store_ipsec_connection *conns,
				      size_t n)
{
	store_free_rows(conns, n, sizeof(*conns), clear_conn);
}

/* Replaces the subnets of one side ("local" or "remote") of an IPsec
 * connection. */
static int write_conn_side(struct store *s, const char *connection_id,
			   const char *side, const struct store_strv *cidrs)
{
	int ret = store_run(s, NULL, "DELETE FROM ipsec_connection_subnet"
			    " WHERE connection_id = ? AND side = ?", "tt",
			    connection_id, side);
	for (size_t i = 0; ret == 0 && i < cidrs->n; i++) {
		ret = store_run(s, NULL, "INSERT INTO ipsec_connection_subnet"
				" (connection_id, side, pos, cidr)"
				" VALUES (?, ?, ?, ?)", "ttit", connection_id,
				side, (int64_t)i, cidrs->v[i]);
	}
	return ret;
}

static int write_conn_subnets(struct store *s,
			      const struct store_ipsec_connection *c)
{
	int ret = write_conn_side(s, c->meta.resource_id, "local",
				  &c->local_subnets);
	if (ret == 0) {
		ret = write_conn_side(s, c->meta.resource_id, "remote",
				      &c->remote_subnets);
	}
	return ret;
}

int store_ipsec_connection_create(struct store *store,
				  struct store_ipsec_connection *conn)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int64_t seq = 0;
	int ret = store_new_meta(store, "vco", &conn->meta, &seq);
	if (ret != 0) {
		return ret;
	}
	const struct store_meta *m = &conn->meta;
	const struct store_ipsec_connection *c = conn;
	ret = store_run(store, NULL,
			"INSERT INTO ipsec_connection VALUES (?, ?, ?, ?, ?, ?,"
			" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			"tittitttttiiitttti" "tttii",
			m->resource_id, seq, m->name, m->account, m->version,
			m->created_at, m->updated_at, c->gateway_id,
			c->cgw_id, c->psk, (int64_t)c->enabled,
			(int64_t)c->allow_weak_crypto,
			(int64_t)c->ike_version, c->ike_mode,
			c->ike_encryption, c->ike_integrity, c->ike_dh_group,
			(int64_t)c->ike_lifetime_s, c->esp_encryption,
			c->esp_integrity, c->esp_pfs,
			(int64_t)c->esp_lifetime_s,
			(int64_t)c->dpd_interval_s);
	if (ret == 0) {
		ret = write_conn_subnets(store, conn);
	}
	if (ret == 0) {
		ret = store_log_change(store, "create", "ipsec-conn",
				       m->resource_id,
				       "created IPsec connection %s from %s to %s",
				       m->name, c->gateway_id, c->cgw_id);
	}
	return ret;
}

int store_ipsec_connection_update(struct store *store,
				  struct store_ipsec_connection *conn)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const struct store_ipsec_connection *c = conn;
	const char *connection_id = conn->meta.resource_id;
	size_t changes = 0;
	int ret = store_run(store, &changes,
			    "UPDATE ipsec_connection SET name = ?, psk = ?,"
			    " enabled = ?, allow_weak_crypto = ?,"
			    " ike_version = ?, ike_mode = ?,"
			    " ike_encryption = ?, ike_integrity = ?,"
			    " ike_dh_group = ?, ike_lifetime = ?,"
			    " esp_encryption = ?, esp_integrity = ?,"
			    " esp_pfs = ?, esp_lifetime = ?, dpd_interval = ?"
			    " WHERE connection_id = ?", "ttiiitttti" "tttiit",
			    c->meta.name, c->psk, (int64_t)c->enabled,
			    (int64_t)c->allow_weak_crypto,
			    (int64_t)c->ike_version, c->ike_mode,
			    c->ike_encryption, c->ike_integrity,
			    c->ike_dh_group, (int64_t)c->ike_lifetime_s,
			    c->esp_encryption, c->esp_integrity, c->esp_pfs,
			    (int64_t)c->esp_lifetime_s,
			    (int64_t)c->dpd_interval_s, connection_id);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = write_conn_subnets(store, conn);
	}
	if (ret == 0) {
		ret = store_touch_row(store, "ipsec_connection",
				      "connection_id", connection_id,
				      &conn->meta);
	}
	if (ret == 0) {
		ret = store_log_change(store, "update", "ipsec-conn",
				       connection_id,
				       "updated IPsec connection %s (%s)",
				       c->meta.name,
				       c->enabled ? "enabled" : "disabled");
	}
	return ret;
}

int store_ipsec_connection_delete(struct store *store,
				  const char *connection_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	return delete_row(store, "ipsec-conn", "ipsec_connection",
			  "connection_id", connection_id);
}

/*
 * Routes
 */

#define ROUTE_SELECT "SELECT " META_COLS("route_id") ", connection_id," \
	" destination FROM vpn_route"

static int load_route(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_vpn_route *route = elem;
	store_read_meta(st, &route->meta);
	store_col_text(st, FIRST_OWN_COL, route->connection_id,
		       sizeof(route->connection_id));
	store_col_text(st, FIRST_OWN_COL + 1, route->destination,
		       sizeof(route->destination));
	return 0;
}

static void clear_route(void *elem)
{
	store_vpn_route_clear(elem);
}

int store_vpn_route_get(struct store *store, const char *route_id,
			struct store_vpn_route *out)
{
	struct store_page_query q = {
		.select = ROUTE_SELECT " WHERE route_id = ?1",
		.params = { route_id },
		.elem_size = sizeof(*out), .load = load_route,
		.clear = clear_route,
	};
	return store_get_one(store, &q, out);
}

int store_vpn_route_list(struct store *store, const char *connection_id,
			 const char *after, size_t limit,
			 struct store_vpn_route **out, size_t *n_out,
			 bool *more)
{
	struct store_page_query q = {
		.select = ROUTE_SELECT
			  " WHERE (?1 IS NULL OR connection_id = ?1)",
		.params = { connection_id },
		.elem_size = sizeof(**out), .load = load_route,
		.clear = clear_route,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_vpn_route_list_free(struct store_vpn_route *routes, size_t n)
{
	free(routes);
	(void)n;
}

int store_vpn_route_create(struct store *store, struct store_vpn_route *route)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	snprintf(route->meta.name, sizeof(route->meta.name), "%s",
		 route->destination);
	int64_t seq = 0;
	int ret = store_new_meta(store, "vrt", &route->meta, &seq);
	if (ret != 0) {
		return ret;
	}
	const struct store_meta *m = &route->meta;
	ret = store_run(store, NULL,
			"INSERT INTO vpn_route VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
			" ?)", "tittitttt", m->resource_id, seq, m->name,
			m->account, m->version, m->created_at, m->updated_at,
			route->connection_id, route->destination);
	if (ret == 0) {
		ret = store_log_change(store, "create", "vpn-route",
				       m->resource_id,
				       "created route to %s through %s",
				       route->destination,
				       route->connection_id);
	}
	return ret;
}

int store_vpn_route_delete(struct store *store, const char *route_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	return delete_row(store, "vpn-route", "vpn_route", "route_id",
			  route_id);
}
