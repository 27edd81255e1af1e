/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading and writing the resources: VPCs, zones, records, endpoints,
 * rules, upstreams, bindings and the change log. */
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

void store_vpc_clear(struct store_vpc *vpc)
{
	store_strv_clear(&vpc->cidrs);
	store_strv_clear(&vpc->listen);
	memset(vpc, 0, sizeof(*vpc));
}

void store_zone_clear(struct store_zone *zone)
{
	store_strv_clear(&zone->ns);
	store_strv_clear(&zone->vpcs);
	memset(zone, 0, sizeof(*zone));
}

void store_record_clear(struct store_record *rec)
{
	free(rec->value);
	memset(rec, 0, sizeof(*rec));
}

void store_endpoint_clear(struct store_endpoint *ep)
{
	store_strv_clear(&ep->sources);
	free(ep->egress);
	memset(ep, 0, sizeof(*ep));
}

void store_rule_clear(struct store_rule *rule)
{
	store_strv_clear(&rule->targets);
	store_strv_clear(&rule->vpcs);
	memset(rule, 0, sizeof(*rule));
}

void store_upstream_clear(struct store_upstream *up)
{
	store_strv_clear(&up->targets);
	memset(up, 0, sizeof(*up));
}

void store_change_clear(struct store_change *change)
{
	free(change->summary);
	memset(change, 0, sizeof(*change));
}

/*
 * VPCs
 */

#define VPC_SELECT "SELECT " META_COLS("vpc_id") ", builtin_zones FROM vpc"

static int load_vpc(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_vpc *vpc = elem;
	store_read_meta(st, &vpc->meta);
	vpc->builtin_zones = sqlite3_column_int(st, FIRST_OWN_COL) != 0;

	int ret = store_load_strv(s, "SELECT cidr FROM vpc_cidr"
				  " WHERE vpc_id = ? ORDER BY pos",
				  vpc->meta.resource_id, &vpc->cidrs);
	if (ret == 0) {
		ret = store_load_strv(s, "SELECT addr FROM vpc_listener"
				      " WHERE vpc_id = ? ORDER BY pos",
				      vpc->meta.resource_id, &vpc->listen);
	}
	return ret;
}

static void clear_vpc(void *elem)
{
	store_vpc_clear(elem);
}

int store_vpc_get(struct store *store, const char *vpc_id,
		  struct store_vpc *out)
{
	struct store_page_query q = {
		.select = VPC_SELECT " WHERE vpc_id = ?1",
		.params = { vpc_id },
		.elem_size = sizeof(*out), .load = load_vpc,
		.clear = clear_vpc,
	};
	return store_get_one(store, &q, out);
}

int store_vpc_list(struct store *store, const char *after, size_t limit,
		   struct store_vpc **out, size_t *n_out, bool *more)
{
	struct store_page_query q = {
		.select = VPC_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_vpc,
		.clear = clear_vpc,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_vpc_list_free(struct store_vpc *vpcs, size_t n)
{
	store_free_rows(vpcs, n, sizeof(*vpcs), clear_vpc);
}

static int write_vpc_children(struct store *s, const struct store_vpc *vpc)
{
	const char *vpc_id = vpc->meta.resource_id;
	int ret = store_write_strv(s, "vpc_cidr", "vpc_id", "cidr", vpc_id,
				   &vpc->cidrs);
	if (ret == 0) {
		ret = store_write_strv(s, "vpc_listener", "vpc_id", "addr",
				       vpc_id, &vpc->listen);
	}
	return ret;
}

int store_vpc_create(struct store *store, struct store_vpc *vpc)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int64_t seq = 0;
	int ret = store_new_meta(store, "vpc", &vpc->meta, &seq);
	if (ret != 0) {
		return ret;
	}
	const char *vpc_id = vpc->meta.resource_id;

	ret = store_run(store, NULL,
			"INSERT INTO vpc VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			"tittitti",
			vpc_id, seq, vpc->meta.name, vpc->meta.account,
			vpc->meta.version, vpc->meta.created_at,
			vpc->meta.updated_at, (int64_t)vpc->builtin_zones);
	if (ret == 0) {
		ret = write_vpc_children(store, vpc);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "create", "vpc", vpc_id,
				       "created vpc %s", vpc->meta.name);
	}
	return ret;
}

int store_vpc_update(struct store *store, struct store_vpc *vpc)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const char *vpc_id = vpc->meta.resource_id;
	size_t changes = 0;
	int ret = store_run(store, &changes,
			    "UPDATE vpc SET name = ?, builtin_zones = ?"
			    " WHERE vpc_id = ?", "tit", vpc->meta.name,
			    (int64_t)vpc->builtin_zones, vpc_id);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = write_vpc_children(store, vpc);
	}
	if (ret == 0) {
		ret = store_touch_row(store, "vpc", "vpc_id", vpc_id,
				      &vpc->meta);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "update", "vpc", vpc_id,
				       "updated vpc %s", vpc->meta.name);
	}
	return ret;
}

int store_vpc_delete(struct store *store, const char *vpc_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int ret = store_delete_row(store, "vpc", "vpc_id", vpc_id);
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "delete", "vpc", vpc_id,
				       "deleted vpc %s", vpc_id);
	}
	return ret;
}

/*
 * Zones
 */

#define ZONE_SELECT "SELECT " META_COLS("zone_id") ", kind, proxy_pattern," \
	" serial, soa_ttl, soa_mname, soa_rname, soa_refresh, soa_retry," \
	" soa_expire, soa_minimum FROM zone"

static int load_zone(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_zone *zone = elem;
	int c = FIRST_OWN_COL;
	store_read_meta(st, &zone->meta);
	store_col_text(st, c++, zone->kind, sizeof(zone->kind));
	store_col_text(st, c++, zone->proxy_pattern,
		       sizeof(zone->proxy_pattern));
	zone->soa.serial = (uint32_t)sqlite3_column_int64(st, c++);
	zone->soa.ttl = (uint32_t)sqlite3_column_int64(st, c++);
	store_col_text(st, c++, zone->soa.mname, sizeof(zone->soa.mname));
	store_col_text(st, c++, zone->soa.rname, sizeof(zone->soa.rname));
	zone->soa.refresh = (uint32_t)sqlite3_column_int64(st, c++);
	zone->soa.retry = (uint32_t)sqlite3_column_int64(st, c++);
	zone->soa.expire = (uint32_t)sqlite3_column_int64(st, c++);
	zone->soa.minimum = (uint32_t)sqlite3_column_int64(st, c++);

	int ret = store_load_strv(s, "SELECT name FROM zone_ns"
				  " WHERE zone_id = ? ORDER BY pos",
				  zone->meta.resource_id, &zone->ns);
	if (ret == 0) {
		ret = store_load_strv(s, "SELECT vpc_id FROM zone_vpc"
				      " WHERE zone_id = ? ORDER BY rowid",
				      zone->meta.resource_id, &zone->vpcs);
	}
	return ret;
}

static void clear_zone(void *elem)
{
	store_zone_clear(elem);
}

int store_zone_get(struct store *store, const char *zone_id,
		   struct store_zone *out)
{
	struct store_page_query q = {
		.select = ZONE_SELECT " WHERE zone_id = ?1",
		.params = { zone_id },
		.elem_size = sizeof(*out), .load = load_zone,
		.clear = clear_zone,
	};
	return store_get_one(store, &q, out);
}

int store_zone_list(struct store *store, const char *after, size_t limit,
		    struct store_zone **out, size_t *n_out, bool *more)
{
	struct store_page_query q = {
		.select = ZONE_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_zone,
		.clear = clear_zone,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_zone_list_free(struct store_zone *zones, size_t n)
{
	store_free_rows(zones, n, sizeof(*zones), clear_zone);
}

static int write_zone_ns(struct store *s, const struct store_zone *zone)
{
	return store_write_strv(s, "zone_ns", "zone_id", "name",
				zone->meta.resource_id, &zone->ns);
}

int store_zone_create(struct store *store, struct store_zone *zone)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int64_t seq = 0;
	int ret = store_new_meta(store, "zone", &zone->meta, &seq);
	if (ret != 0) {
		return ret;
	}
	const char *zone_id = zone->meta.resource_id;

	const struct store_soa *soa = &zone->soa;
	ret = store_run(store, NULL,
			"INSERT INTO zone VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
			" ?, ?, ?, ?, ?, ?, ?, ?)", "tittittttiittiiii",
			zone_id, seq, zone->meta.name, zone->meta.account,
			zone->meta.version, zone->meta.created_at,
			zone->meta.updated_at, zone->kind, zone->proxy_pattern,
			(int64_t)soa->serial, (int64_t)soa->ttl, soa->mname,
			soa->rname, (int64_t)soa->refresh,
			(int64_t)soa->retry, (int64_t)soa->expire,
			(int64_t)soa->minimum);
	if (ret == 0) {
		ret = write_zone_ns(store, zone);
	}
	if (ret == 0) {
		/* A new zone starts at the serial it was given. */
		ret = store_touch_zone(store, zone_id, true);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "create", "zone", zone_id,
				       "created zone %s", zone->meta.name);
	}
	return ret;
}

int store_zone_update(struct store *store, struct store_zone *zone,
		      bool contents_changed, bool serial_set)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const char *zone_id = zone->meta.resource_id;
	const struct store_soa *soa = &zone->soa;
	size_t changes = 0;
	int ret = store_run(store, &changes,
			    "UPDATE zone SET proxy_pattern = ?, soa_ttl = ?,"
			    " soa_mname = ?, soa_rname = ?, soa_refresh = ?,"
			    " soa_retry = ?, soa_expire = ?, soa_minimum = ?,"
			    " serial = CASE WHEN ? THEN ? ELSE serial END"
			    " WHERE zone_id = ?", "tittiiiiiit",
			    zone->proxy_pattern, (int64_t)soa->ttl,
			    soa->mname, soa->rname, (int64_t)soa->refresh,
			    (int64_t)soa->retry, (int64_t)soa->expire,
			    (int64_t)soa->minimum, (int64_t)serial_set,
			    (int64_t)soa->serial, zone_id);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = write_zone_ns(store, zone);
	}
	if (ret == 0 && (contents_changed || serial_set)) {
		ret = store_touch_zone(store, zone_id, serial_set);
	}
	if (ret == 0) {
		ret = store_touch_row(store, "zone", "zone_id", zone_id,
				      &zone->meta);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "update", "zone", zone_id,
				       "updated zone %s", zone->meta.name);
	}
	return ret;
}

int store_zone_delete(struct store *store, const char *zone_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int ret = store_delete_row(store, "zone", "zone_id", zone_id);
	if (ret == 0) {
		ret = store_touch_zone(store, zone_id, false);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "delete", "zone", zone_id,
				       "deleted zone %s", zone_id);
	}
	return ret;
}

/* Binding rows for zones and rules: table zone_vpc or rule_vpc. */
static int bind_vpc(struct store *s, const char *kind, const char *table,
		    const char *owner_table, const char *idcol,
		    const char *owner_id, const char *vpc_id)
{
	if (!store_writable(s)) {
		return ZG_EINTERNAL;
	}
	char sql[160];
	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s, vpc_id) VALUES (?, ?)",
		 table, idcol);
	int ret = store_run(s, NULL, sql, "tt", owner_id, vpc_id);
	if (ret == 0) {
		ret = store_touch_row(s, owner_table, idcol, owner_id, NULL);
	}
	if (ret == 0) {
		s->config_changed = true;
		ret = store_log_change(s, "bind", kind, owner_id,
				       "bound %s to %s", owner_id, vpc_id);
	}
	return ret;
}

static int unbind_vpc(struct store *s, const char *kind, const char *table,
		      const char *owner_table, const char *idcol,
		      const char *owner_id, const char *vpc_id)
{
	if (!store_writable(s)) {
		return ZG_EINTERNAL;
	}
	char sql[160];
	size_t changes = 0;
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ? AND vpc_id = ?",
		 table, idcol);
	int ret = store_run(s, &changes, sql, "tt", owner_id, vpc_id);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = store_touch_row(s, owner_table, idcol, owner_id, NULL);
	}
	if (ret == 0) {
		s->config_changed = true;
		ret = store_log_change(s, "unbind", kind, owner_id,
				       "unbound %s from %s", owner_id, vpc_id);
	}
	return ret;
}

int store_zone_bind(struct store *store, const char *zone_id,
		    const char *vpc_id)
{
	int ret = bind_vpc(store, "zone", "zone_vpc", "zone", "zone_id",
			   zone_id, vpc_id);
	if (ret == 0) {
		ret = store_glue_touch_zone(store, zone_id, vpc_id);
	}
	return ret;
}

int store_zone_unbind(struct store *store, const char *zone_id,
		      const char *vpc_id)
{
	int ret = store_writable(store)
		? store_glue_touch_zone(store, zone_id, vpc_id)
		: ZG_EINTERNAL;
	if (ret == 0) {
		ret = unbind_vpc(store, "zone", "zone_vpc", "zone", "zone_id",
				 zone_id, vpc_id);
	}
	return ret;
}

/*
 * Records
 */

#define RECORD_SELECT "SELECT " META_COLS("record_id") ", zone_id, type," \
	" ttl, value FROM record"

static int load_record(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_record *rec = elem;
	store_read_meta(st, &rec->meta);
	store_col_text(st, FIRST_OWN_COL, rec->zone_id, sizeof(rec->zone_id));
	store_col_text(st, FIRST_OWN_COL + 1, rec->type, sizeof(rec->type));
	rec->ttl = (uint32_t)sqlite3_column_int64(st, FIRST_OWN_COL + 2);
	const unsigned char *value = sqlite3_column_text(st, FIRST_OWN_COL + 3);
	rec->value = strdup(value != NULL ? (const char *)value : "");
	return rec->value != NULL ? 0 : ZG_ENOMEM;
}

static void clear_record(void *elem)
{
	store_record_clear(elem);
}

int store_record_get(struct store *store, const char *record_id,
		     struct store_record *out)
{
	struct store_page_query q = {
		.select = RECORD_SELECT " WHERE record_id = ?1",
		.params = { record_id },
		.elem_size = sizeof(*out), .load = load_record,
		.clear = clear_record,
	};
	return store_get_one(store, &q, out);
}

int store_record_list(struct store *store, const char *zone_id,
		      const char *name, const char *type, const char *after,
		      size_t limit, struct store_record **out, size_t *n_out,
		      bool *more)
{
	struct store_page_query q = {
		.select = RECORD_SELECT " WHERE zone_id = ?1"
			  " AND (?2 IS NULL OR name = ?2)"
			  " AND (?3 IS NULL OR type = ?3)",
		.params = { zone_id, name, type },
		.elem_size = sizeof(**out), .load = load_record,
		.clear = clear_record,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_record_list_free(struct store_record *recs, size_t n)
{
	store_free_rows(recs, n, sizeof(*recs), clear_record);
}

int store_record_create(struct store *store, struct store_record *rec)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int64_t seq = 0;
	int ret = store_new_meta(store, "rec", &rec->meta, &seq);
	if (ret != 0) {
		return ret;
	}
	const char *record_id = rec->meta.resource_id;

	ret = store_run(store, NULL,
			"INSERT INTO record VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
			" ?, ?)", "tittittttit", record_id, seq,
			rec->meta.name, rec->meta.account, rec->meta.version,
			rec->meta.created_at, rec->meta.updated_at,
			rec->zone_id, rec->type, (int64_t)rec->ttl, rec->value);
	if (ret == 0) {
		ret = store_journal_row(store, "add", record_id);
	}
	if (ret == 0) {
		ret = store_touch_zone(store, rec->zone_id, false);
	}
	if (ret == 0) {
		ret = store_log_change(store, "create", "record", record_id,
				       "added %s %s %" PRIu32 " %s to %s",
				       rec->meta.name, rec->type, rec->ttl,
				       rec->value, rec->zone_id);
	}
	return ret;
}

int store_record_update(struct store *store, struct store_record *rec)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const char *record_id = rec->meta.resource_id;
	size_t changes = 0;
	int ret = store_journal_row(store, "del", record_id);
	if (ret == 0) {
		ret = store_run(store, &changes,
				"UPDATE record SET ttl = ?, value = ?"
				" WHERE record_id = ?", "itt",
				(int64_t)rec->ttl, rec->value, record_id);
	}
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = store_journal_row(store, "add", record_id);
	}
	if (ret == 0) {
		ret = store_touch_row(store, "record", "record_id",
				      record_id, &rec->meta);
	}
	if (ret == 0) {
		ret = store_touch_zone(store, rec->zone_id, false);
	}
	if (ret == 0) {
		ret = store_log_change(store, "update", "record", record_id,
				       "changed %s %s to %" PRIu32 " %s in %s",
				       rec->meta.name, rec->type, rec->ttl,
				       rec->value, rec->zone_id);
	}
	return ret;
}

int store_record_delete(struct store *store, const char *record_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	struct store_record rec = { 0 };
	int ret = store_record_get(store, record_id, &rec);
	if (ret == 0) {
		ret = store_journal_row(store, "del", record_id);
	}
	if (ret == 0) {
		ret = store_delete_row(store, "record", "record_id",
				       record_id);
	}
	if (ret == 0) {
		ret = store_touch_zone(store, rec.zone_id, false);
	}
	if (ret == 0) {
		ret = store_log_change(store, "delete", "record", record_id,
				       "deleted %s %s %s from %s",
				       rec.meta.name, rec.type, rec.value,
				       rec.zone_id);
	}
	store_record_clear(&rec);
	return ret;
}

int store_rrset_set_ttl(struct store *store, const char *zone_id,
			const char *name, const char *type, uint32_t ttl,
			size_t *changed)
{
	*changed = 0;
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	char now[STORE_TIME_LEN];
	store_now(now);
	int ret = store_journal_ttl(store, zone_id, name, type, ttl);
	if (ret != 0) {
		return ret;
	}
	ret = store_run(store, changed,
			"UPDATE record SET ttl = ?, version = version + 1,"
			" updated_at = ? WHERE zone_id = ? AND name = ?"
			" AND type = ? AND ttl != ?", "itttti",
			(int64_t)ttl, now, zone_id, name, type,
			(int64_t)ttl);
	if (ret != 0 || *changed == 0) {
		return ret;
	}
	ret = store_touch_zone(store, zone_id, false);
	if (ret == 0) {
		ret = store_log_change(store, "update", "record", zone_id,
				       "set the ttl of %s %s in %s to %" PRIu32,
				       name, type, zone_id, ttl);
	}
	return ret;
}

/*
 * Endpoints
 */

#define ENDPOINT_SELECT "SELECT " META_COLS("endpoint_id") ", vpc_id" \
	" FROM endpoint"

static int load_egress(struct store *s, struct store_endpoint *ep)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(s, &st, "SELECT protocol, port, prefix"
			      " FROM endpoint_egress WHERE endpoint_id = ?"
			      " ORDER BY pos", "t", ep->meta.resource_id);
	while (ret == 0 && (ret = store_step(s, st)) == 1) {
		struct store_egress *grown =
			realloc(ep->egress,
				(ep->n_egress + 1) * sizeof(*grown));
		if (grown == NULL) {
			ret = ZG_ENOMEM;
			break;
		}
		ep->egress = grown;
		struct store_egress *e = &grown[ep->n_egress++];
		memset(e, 0, sizeof(*e));
		store_col_text(st, 0, e->protocol, sizeof(e->protocol));
		e->port = (uint16_t)sqlite3_column_int(st, 1);
		store_col_text(st, 2, e->prefix, sizeof(e->prefix));
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

static int load_endpoint(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_endpoint *ep = elem;
	store_read_meta(st, &ep->meta);
	store_col_text(st, FIRST_OWN_COL, ep->vpc_id, sizeof(ep->vpc_id));
	int ret = store_load_strv(s, "SELECT addr FROM endpoint_source"
				  " WHERE endpoint_id = ? ORDER BY pos",
				  ep->meta.resource_id, &ep->sources);
	if (ret == 0) {
		ret = load_egress(s, ep);
	}
	return ret;
}

static void clear_endpoint(void *elem)
{
	store_endpoint_clear(elem);
}

int store_endpoint_get(struct store *store, const char *endpoint_id,
		       struct store_endpoint *out)
{
	struct store_page_query q = {
		.select = ENDPOINT_SELECT " WHERE endpoint_id = ?1",
		.params = { endpoint_id },
		.elem_size = sizeof(*out), .load = load_endpoint,
		.clear = clear_endpoint,
	};
	return store_get_one(store, &q, out);
}

int store_endpoint_list(struct store *store, const char *after, size_t limit,
			struct store_endpoint **out, size_t *n_out,
			bool *more)
{
	struct store_page_query q = {
		.select = ENDPOINT_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_endpoint,
		.clear = clear_endpoint,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_endpoint_list_free(struct store_endpoint *eps, size_t n)
{
	store_free_rows(eps, n, sizeof(*eps), clear_endpoint);
}

static int write_endpoint_children(struct store *s,
				   const struct store_endpoint *ep)
{
	const char *endpoint_id = ep->meta.resource_id;
	int ret = store_write_strv(s, "endpoint_source", "endpoint_id", "addr",
				   endpoint_id, &ep->sources);
	if (ret == 0) {
		ret = store_run(s, NULL, "DELETE FROM endpoint_egress"
				" WHERE endpoint_id = ?", "t", endpoint_id);
	}
	for (size_t i = 0; ret == 0 && i < ep->n_egress; i++) {
		const struct store_egress *e = &ep->egress[i];
		ret = store_run(s, NULL, "INSERT INTO endpoint_egress"
				" (endpoint_id, pos, protocol, port, prefix)"
				" VALUES (?, ?, ?, ?, ?)", "titit",
				endpoint_id, (int64_t)i, e->protocol,
				(int64_t)e->port, e->prefix);
	}
	return ret;
}

int store_endpoint_create(struct store *store, struct store_endpoint *ep)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int64_t seq = 0;
	int ret = store_new_meta(store, "ep", &ep->meta, &seq);
	if (ret != 0) {
		return ret;
	}
	const char *endpoint_id = ep->meta.resource_id;

	ret = store_run(store, NULL,
			"INSERT INTO endpoint VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			"tittittt", endpoint_id, seq, ep->meta.name,
			ep->meta.account, ep->meta.version,
			ep->meta.created_at, ep->meta.updated_at, ep->vpc_id);
	if (ret == 0) {
		ret = write_endpoint_children(store, ep);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "create", "endpoint",
				       endpoint_id, "created endpoint %s in %s",
				       ep->meta.name, ep->vpc_id);
	}
	return ret;
}

int store_endpoint_update(struct store *store, struct store_endpoint *ep)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const char *endpoint_id = ep->meta.resource_id;
	size_t changes = 0;
	int ret = store_run(store, &changes,
			    "UPDATE endpoint SET name = ? WHERE endpoint_id = ?",
			    "tt", ep->meta.name, endpoint_id);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = write_endpoint_children(store, ep);
	}
	if (ret == 0) {
		ret = store_touch_row(store, "endpoint", "endpoint_id",
				      endpoint_id, &ep->meta);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "update", "endpoint",
				       endpoint_id, "updated endpoint %s",
				       ep->meta.name);
	}
	return ret;
}

int store_endpoint_delete(struct store *store, const char *endpoint_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int ret = store_delete_row(store, "endpoint", "endpoint_id",
				   endpoint_id);
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "delete", "endpoint",
				       endpoint_id, "deleted endpoint %s",
				       endpoint_id);
	}
	return ret;
}

/*
 * Rules
 */

#define RULE_SELECT "SELECT " META_COLS("rule_id") ", domain, endpoint_id," \
	" serve_stale, max_stale, try_timeout_ms, total_timeout_ms, tcp_only," \
	" authoritative, cookies, case_randomization, hedging FROM rule"

/* The forwarding columns, from FIRST_OWN_COL + 4 of RULE_SELECT. */
static void read_rule_forwarding(sqlite3_stmt *st, int col,
				 struct store_rule_forwarding *fwd)
{
	fwd->try_timeout_ms = (uint32_t)sqlite3_column_int64(st, col);
	fwd->total_timeout_ms = (uint32_t)sqlite3_column_int64(st, col + 1);
	fwd->tcp_only = sqlite3_column_int(st, col + 2) != 0;
	fwd->authoritative = sqlite3_column_int(st, col + 3) != 0;
	fwd->cookies = sqlite3_column_int(st, col + 4) != 0;
	fwd->case_randomization = sqlite3_column_int(st, col + 5) != 0;
	fwd->hedging = sqlite3_column_int(st, col + 6) != 0;
}

static int load_rule(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_rule *rule = elem;
	store_read_meta(st, &rule->meta);
	store_col_text(st, FIRST_OWN_COL, rule->domain, sizeof(rule->domain));
	store_col_text(st, FIRST_OWN_COL + 1, rule->endpoint_id,
		       sizeof(rule->endpoint_id));
	rule->serve_stale = sqlite3_column_int(st, FIRST_OWN_COL + 2) != 0;
	rule->max_stale_s = (uint32_t)sqlite3_column_int64(st,
							 FIRST_OWN_COL + 3);
	read_rule_forwarding(st, FIRST_OWN_COL + 4, &rule->fwd);
	int ret = store_load_strv(s, "SELECT addr FROM rule_target"
				  " WHERE rule_id = ? ORDER BY pos",
				  rule->meta.resource_id, &rule->targets);
	if (ret == 0) {
		ret = store_load_strv(s, "SELECT vpc_id FROM rule_vpc"
				      " WHERE rule_id = ? ORDER BY rowid",
				      rule->meta.resource_id, &rule->vpcs);
	}
	return ret;
}

static void clear_rule(void *elem)
{
	store_rule_clear(elem);
}

int store_rule_get(struct store *store, const char *rule_id,
		   struct store_rule *out)
{
	struct store_page_query q = {
		.select = RULE_SELECT " WHERE rule_id = ?1",
		.params = { rule_id },
		.elem_size = sizeof(*out), .load = load_rule,
		.clear = clear_rule,
	};
	return store_get_one(store, &q, out);
}

int store_rule_list(struct store *store, const char *after, size_t limit,
		    struct store_rule **out, size_t *n_out, bool *more)
{
	struct store_page_query q = {
		.select = RULE_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_rule,
		.clear = clear_rule,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_rule_list_free(struct store_rule *rules, size_t n)
{
	store_free_rows(rules, n, sizeof(*rules), clear_rule);
}

static int write_rule_forwarding(struct store *s,
				 const struct store_rule *rule)
{
	const struct store_rule_forwarding *fwd = &rule->fwd;
	return store_run(s, NULL,
			 "UPDATE rule SET try_timeout_ms = ?,"
			 " total_timeout_ms = ?, tcp_only = ?,"
			 " authoritative = ?, cookies = ?,"
			 " case_randomization = ?, hedging = ?"
			 " WHERE rule_id = ?", "iiiiiiit",
			 (int64_t)fwd->try_timeout_ms,
			 (int64_t)fwd->total_timeout_ms,
			 (int64_t)fwd->tcp_only, (int64_t)fwd->authoritative,
			 (int64_t)fwd->cookies,
			 (int64_t)fwd->case_randomization,
			 (int64_t)fwd->hedging, rule->meta.resource_id);
}

static int write_rule_targets(struct store *s, const struct store_rule *rule)
{
	return store_write_strv(s, "rule_target", "rule_id", "addr",
				rule->meta.resource_id, &rule->targets);
}

int store_rule_create(struct store *store, struct store_rule *rule)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int64_t seq = 0;
	int ret = store_new_meta(store, "rule", &rule->meta, &seq);
	if (ret != 0) {
		return ret;
	}
	const char *rule_id = rule->meta.resource_id;

	ret = store_run(store, NULL,
			"INSERT INTO rule (rule_id, seq, name, account, version,"
			" created_at, updated_at, domain, endpoint_id,"
			" serve_stale, max_stale)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			"tittittttii", rule_id, seq, rule->meta.name,
			rule->meta.account, rule->meta.version,
			rule->meta.created_at, rule->meta.updated_at,
			rule->domain, rule->endpoint_id,
			(int64_t)rule->serve_stale, (int64_t)rule->max_stale_s);
	if (ret == 0) {
		ret = write_rule_targets(store, rule);
	}
	if (ret == 0) {
		ret = write_rule_forwarding(store, rule);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "create", "rule", rule_id,
				       "created rule %s for %s via %s",
				       rule->meta.name, rule->domain,
				       rule->endpoint_id);
	}
	return ret;
}

int store_rule_update(struct store *store, struct store_rule *rule)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const char *rule_id = rule->meta.resource_id;
	size_t changes = 0;
	int ret = store_run(store, &changes,
			    "UPDATE rule SET name = ?, endpoint_id = ?,"
			    " serve_stale = ?, max_stale = ? WHERE rule_id = ?",
			    "ttiit", rule->meta.name, rule->endpoint_id,
			    (int64_t)rule->serve_stale, (int64_t)rule->max_stale_s,
			    rule_id);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = write_rule_targets(store, rule);
	}
	if (ret == 0) {
		ret = write_rule_forwarding(store, rule);
	}
	if (ret == 0) {
		ret = store_touch_row(store, "rule", "rule_id", rule_id,
				      &rule->meta);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "update", "rule", rule_id,
				       "updated rule %s", rule->meta.name);
	}
	return ret;
}

int store_rule_delete(struct store *store, const char *rule_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int ret = store_delete_row(store, "rule", "rule_id", rule_id);
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "delete", "rule", rule_id,
				       "deleted rule %s", rule_id);
	}
	return ret;
}

int store_rule_bind(struct store *store, const char *rule_id,
		    const char *vpc_id)
{
	return bind_vpc(store, "rule", "rule_vpc", "rule", "rule_id", rule_id,
			vpc_id);
}

int store_rule_unbind(struct store *store, const char *rule_id,
		      const char *vpc_id)
{
	return unbind_vpc(store, "rule", "rule_vpc", "rule", "rule_id",
			  rule_id, vpc_id);
}

/*
 * Upstreams
 */

#define UPSTREAM_SELECT "SELECT " META_COLS("upstream_id") ", vpc_id," \
	" source FROM upstream"

static int load_upstream(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_upstream *up = elem;
	store_read_meta(st, &up->meta);
	store_col_text(st, FIRST_OWN_COL, up->vpc_id, sizeof(up->vpc_id));
	store_col_text(st, FIRST_OWN_COL + 1, up->source, sizeof(up->source));
	return store_load_strv(s, "SELECT addr FROM upstream_target"
			       " WHERE upstream_id = ? ORDER BY pos",
			       up->meta.resource_id, &up->targets);
}

static void clear_upstream(void *elem)
{
	store_upstream_clear(elem);
}

int store_upstream_get(struct store *store, const char *upstream_id,
		       struct store_upstream *out)
{
	struct store_page_query q = {
		.select = UPSTREAM_SELECT " WHERE upstream_id = ?1",
		.params = { upstream_id },
		.elem_size = sizeof(*out), .load = load_upstream,
		.clear = clear_upstream,
	};
	return store_get_one(store, &q, out);
}

int store_upstream_list(struct store *store, const char *after, size_t limit,
			struct store_upstream **out, size_t *n_out,
			bool *more)
{
	struct store_page_query q = {
		.select = UPSTREAM_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_upstream,
		.clear = clear_upstream,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_upstream_list_free(struct store_upstream *ups, size_t n)
{
	store_free_rows(ups, n, sizeof(*ups), clear_upstream);
}

/* The upstream's sort key: 0 for the global one, else its VPC's seq. */
static int upstream_seq(struct store *s, const char *vpc_id, int64_t *seq)
{
	*seq = 0;
	if (vpc_id[0] == '\0') {
		return 0;
	}
	sqlite3_stmt *st = NULL;
	int ret = store_query_one(s, &st, "SELECT seq FROM vpc"
				  " WHERE vpc_id = ?", "t", vpc_id);
	if (ret == 0) {
		*seq = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return ret;
}

int store_upstream_put(struct store *store, struct store_upstream *up,
		       bool *created)
{
	*created = false;
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	bool global = up->vpc_id[0] == '\0';
	char upstream_id[STORE_ID_LEN];
	snprintf(upstream_id, sizeof(upstream_id), "upstream-%.32s",
		 global ? "global" : up->vpc_id);
	snprintf(up->meta.name, sizeof(up->meta.name), "%s",
		 global ? "global" : up->vpc_id);

	int64_t seq = 0;
	int ret = upstream_seq(store, up->vpc_id, &seq);
	if (ret != 0) {
		return ret;
	}

	size_t changes = 0;
	ret = store_run(store, &changes,
			"UPDATE upstream SET source = ? WHERE upstream_id = ?",
			"tt", up->source, upstream_id);
	if (ret == 0 && changes == 0) {
		*created = true;
		snprintf(up->meta.resource_id, sizeof(up->meta.resource_id),
			 "%s", upstream_id);
		store_stamp_new(&up->meta);
		ret = store_run(store, NULL, "INSERT INTO upstream VALUES"
				" (?, ?, ?, ?, ?, ?, ?, ?, ?)", "tittitttt",
				upstream_id, seq, up->meta.name,
				up->meta.account, up->meta.version,
				up->meta.created_at, up->meta.updated_at,
				global ? NULL : up->vpc_id, up->source);
	}
	if (ret == 0) {
		ret = store_write_strv(store, "upstream_target",
				       "upstream_id", "addr", upstream_id,
				       &up->targets);
	}
	if (ret == 0 && !*created) {
		ret = store_touch_row(store, "upstream", "upstream_id",
				      upstream_id, &up->meta);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, *created ? "create" : "update",
				       "upstream", upstream_id,
				       "set %s upstream to %zu target(s)",
				       up->meta.name, up->targets.n);
	}
	return ret;
}

int store_upstream_delete(struct store *store, const char *upstream_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int ret = store_delete_row(store, "upstream", "upstream_id",
				   upstream_id);
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "delete", "upstream",
				       upstream_id, "unset %s", upstream_id);
	}
	return ret;
}

/*
 * Change log
 */

#define CHANGE_SELECT "SELECT seq, version, time, uid, pid, op, kind," \
	" resource_id, summary FROM change_log"

static int load_change(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_change *c = elem;
	c->seq = (uint64_t)sqlite3_column_int64(st, 0);
	c->version = (uint64_t)sqlite3_column_int64(st, 1);
	store_col_text(st, 2, c->time, sizeof(c->time));
	c->uid = (uint32_t)sqlite3_column_int64(st, 3);
	c->pid = (int32_t)sqlite3_column_int64(st, 4);
	store_col_text(st, 5, c->op, sizeof(c->op));
	store_col_text(st, 6, c->kind, sizeof(c->kind));
	store_col_text(st, 7, c->resource_id, sizeof(c->resource_id));
	const unsigned char *summary = sqlite3_column_text(st, 8);
	c->summary = strdup(summary != NULL ? (const char *)summary : "");
	return c->summary != NULL ? 0 : ZG_ENOMEM;
}

static void clear_change(void *elem)
{
	store_change_clear(elem);
}

int store_change_list(struct store *store, const char *after, size_t limit,
		      struct store_change **out, size_t *n_out, bool *more)
{
	struct store_page_query q = {
		.select = CHANGE_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_change,
		.clear = clear_change,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out, more);
}

void store_change_list_free(struct store_change *changes, size_t n)
{
	store_free_rows(changes, n, sizeof(*changes), clear_change);
}
