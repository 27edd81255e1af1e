/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone sync outwards in the store: inbound endpoints, transfer settings
 * and update grants of private zones, and the journal IXFR reads. */
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "store/store_priv.h"

/*
 * Inbound endpoints
 */

void store_inbound_clear(struct store_inbound *ib)
{
	store_strv_clear(&ib->listen);
	store_strv_clear(&ib->allow);
	memset(ib, 0, sizeof(*ib));
}

#define INBOUND_SELECT "SELECT " META_COLS("inbound_id") ", vpc_id" \
	" FROM inbound"

static int load_inbound(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_inbound *ib = elem;
	store_read_meta(st, &ib->meta);
	store_col_text(st, FIRST_OWN_COL, ib->vpc_id, sizeof(ib->vpc_id));
	int ret = store_load_strv(s, "SELECT addr FROM inbound_listener"
				  " WHERE inbound_id = ? ORDER BY pos",
				  ib->meta.resource_id, &ib->listen);
	if (ret == 0) {
		ret = store_load_strv(s, "SELECT cidr FROM inbound_allow"
				      " WHERE inbound_id = ? ORDER BY pos",
				      ib->meta.resource_id, &ib->allow);
	}
	return ret;
}

static void clear_inbound(void *elem)
{
	store_inbound_clear(elem);
}

/* The seq of an "in-N" cursor; -1 for none. Stricter than the other
 * kinds' cursors: the dash and the number after it must be there. */
static int cursor_seq(const char *after, int64_t *seq)
{
	*seq = -1;
	if (after == NULL) {
		return 0;
	}
	const char *dash = strrchr(after, '-');
	char *end = NULL;
	long long value = dash != NULL ? strtoll(dash + 1, &end, 10) : -1;
	if (dash == NULL || end == dash + 1 || *end != '\0' || value < 0) {
		return ZG_EINVAL;
	}
	*seq = value;
	return 0;
}

int store_inbound_get(struct store *store, const char *inbound_id,
		      struct store_inbound *out)
{
	struct store_page_query q = {
		.select = INBOUND_SELECT " WHERE inbound_id = ?1",
		.params = { inbound_id },
		.elem_size = sizeof(*out), .load = load_inbound,
		.clear = clear_inbound, .cursor = cursor_seq,
	};
	return store_get_one(store, &q, out);
}

int store_inbound_list(struct store *store, const char *after, size_t limit,
		       struct store_inbound **out, size_t *n_out, bool *more)
{
	struct store_page_query q = {
		.select = INBOUND_SELECT " WHERE 1",
		.elem_size = sizeof(**out), .load = load_inbound,
		.clear = clear_inbound, .cursor = cursor_seq,
	};
	return store_list_page(store, &q, after, limit, (void **)out, n_out,
			       more);
}

void store_inbound_list_free(struct store_inbound *ibs, size_t n)
{
	store_free_rows(ibs, n, sizeof(*ibs), clear_inbound);
}

static int write_inbound_lists(struct store *s, const struct store_inbound *ib)
{
	int ret = store_write_strv(s, "inbound_listener", "inbound_id",
				   "addr", ib->meta.resource_id, &ib->listen);
	if (ret == 0) {
		ret = store_write_strv(s, "inbound_allow", "inbound_id",
				       "cidr", ib->meta.resource_id,
				       &ib->allow);
	}
	return ret;
}

int store_inbound_create(struct store *store, struct store_inbound *ib)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	struct store_meta *m = &ib->meta;
	int64_t seq = 0;
	int ret = store_new_meta(store, "in", m, &seq);
	if (ret != 0) {
		return ret;
	}

	ret = store_run(store, NULL, "INSERT INTO inbound VALUES (?, ?, ?, ?,"
			" ?, ?, ?, ?)", "tittittt", m->resource_id, seq,
			m->name, m->account, m->version, m->created_at,
			m->updated_at, ib->vpc_id);
	if (ret == 0) {
		ret = write_inbound_lists(store, ib);
	}
	if (ret == 0) {
		ret = store_glue_touch_inbound(store, m->resource_id);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "create", "inbound",
				       m->resource_id,
				       "created inbound endpoint %s for %s",
				       m->name, ib->vpc_id);
	}
	return ret;
}

int store_inbound_update(struct store *store, struct store_inbound *ib)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	struct store_meta *m = &ib->meta;
	char now[STORE_TIME_LEN];
	store_now(now);
	size_t changes = 0;
	int ret = store_glue_touch_inbound(store, m->resource_id);
	if (ret == 0) {
		ret = store_run(store, &changes, "UPDATE inbound SET name = ?,"
				" vpc_id = ?, version = version + 1,"
				" updated_at = ? WHERE inbound_id = ?",
				"tttt", m->name, ib->vpc_id, now,
				m->resource_id);
	}
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		m->version++;
		memcpy(m->updated_at, now, sizeof(m->updated_at));
		ret = write_inbound_lists(store, ib);
	}
	if (ret == 0) {
		ret = store_glue_touch_inbound(store, m->resource_id);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "update", "inbound",
				       m->resource_id,
				       "updated inbound endpoint %s", m->name);
	}
	return ret;
}

int store_inbound_delete(struct store *store, const char *inbound_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int ret = store_glue_touch_inbound(store, inbound_id);
	if (ret == 0) {
		ret = store_delete_row(store, "inbound", "inbound_id",
				       inbound_id);
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "delete", "inbound", inbound_id,
				       "deleted inbound endpoint %s",
				       inbound_id);
	}
	return ret;
}

/*
 * Transfer settings
 */

void store_transfer_clear(struct store_transfer *xfr)
{
	store_strv_clear(&xfr->allow);
	store_strv_clear(&xfr->notify);
	memset(xfr, 0, sizeof(*xfr));
}

int store_transfer_get(struct store *store, const char *zone_id,
		       struct store_transfer *out)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query_one(store, &st, "SELECT coalesce(tsig_key, ''),"
				  " notify_source FROM zone_transfer"
				  " WHERE zone_id = ?", "t", zone_id);
	if (ret == 0) {
		snprintf(out->zone_id, sizeof(out->zone_id), "%s", zone_id);
		store_col_text(st, 0, out->tsig_key, sizeof(out->tsig_key));
		store_col_text(st, 1, out->notify_source,
			       sizeof(out->notify_source));
	}
	sqlite3_finalize(st);
	if (ret == 0) {
		ret = store_load_strv(store, "SELECT cidr"
				      " FROM zone_transfer_allow"
				      " WHERE zone_id = ? ORDER BY pos",
				      zone_id, &out->allow);
	}
	if (ret == 0) {
		ret = store_load_strv(store, "SELECT addr"
				      " FROM zone_transfer_notify"
				      " WHERE zone_id = ? ORDER BY pos",
				      zone_id, &out->notify);
	}
	return ret;
}

int store_transfer_put(struct store *store, const struct store_transfer *xfr)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const char *key = xfr->tsig_key[0] != '\0' ? xfr->tsig_key : NULL;
	int ret = store_run(store, NULL, "INSERT INTO zone_transfer"
			    " (zone_id, tsig_key, notify_source)"
			    " VALUES (?, ?, ?) ON CONFLICT (zone_id) DO UPDATE"
			    " SET tsig_key = excluded.tsig_key,"
			    " notify_source = excluded.notify_source", "ttt",
			    xfr->zone_id, key, xfr->notify_source);
	if (ret == 0) {
		ret = store_write_strv(store, "zone_transfer_allow", "zone_id",
				       "cidr", xfr->zone_id, &xfr->allow);
	}
	if (ret == 0) {
		ret = store_write_strv(store, "zone_transfer_notify",
				       "zone_id", "addr", xfr->zone_id,
				       &xfr->notify);
	}
	if (ret == 0) {
		ret = store_log_change(store, "update", "zone", xfr->zone_id,
				       "set the transfer settings of %s: %zu allowed prefixes, key %s, %zu notify targets, notify source %s",
				       xfr->zone_id, xfr->allow.n,
				       key != NULL ? key : "none",
				       xfr->notify.n,
				       xfr->notify_source[0] != '\0'
				       ? xfr->notify_source : "automatic");
	}
	return ret;
}

int store_transfer_sources(struct store *store, const char *zone_id,
			   struct store_strv *out)
{
	return store_load_strv(store, "SELECT addr FROM ("
			       " SELECT b.rowid AS bound, 0 AS kind,"
			       " i.seq AS owner, l.pos AS pos, l.addr AS addr"
			       " FROM zone_vpc b JOIN inbound i"
			       " ON i.vpc_id = b.vpc_id"
			       " JOIN inbound_listener l"
			       " ON l.inbound_id = i.inbound_id"
			       " WHERE b.zone_id = ?1"
			       " UNION ALL SELECT b.rowid, 1, 0, l.pos, l.addr"
			       " FROM zone_vpc b JOIN vpc_listener l"
			       " ON l.vpc_id = b.vpc_id WHERE b.zone_id = ?1)"
			       " ORDER BY bound, kind, owner, pos", zone_id,
			       out);
}

int store_transfer_delete(struct store *store, const char *zone_id)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	int ret = store_delete_row(store, "zone_transfer", "zone_id",
				   zone_id);
	if (ret == 0) {
		ret = store_log_change(store, "update", "zone", zone_id,
				       "removed the transfer settings of %s",
				       zone_id);
	}
	return ret;
}

/*
 * Update grants. Types are kept as one comma-separated column.
 */

void store_grant_clear(struct store_grant *grant)
{
	store_strv_clear(&grant->types);
	memset(grant, 0, sizeof(*grant));
}

static int split_types(const char *text, struct store_strv *out)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", text);
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (store_strv_push(out, t) != 0) {
			return ZG_ENOMEM;
		}
	}
	return 0;
}

static void join_types(const struct store_strv *types, char *out,
		       size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i < types->n; i++) {
		size_t used = strlen(out);
		snprintf(out + used, outlen - used, "%s%s", i > 0 ? "," : "",
			 types->v[i]);
	}
}

static int load_grant(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_grant *g = elem;
	store_col_text(st, 0, g->key_name, sizeof(g->key_name));
	store_col_text(st, 1, g->match, sizeof(g->match));
	store_col_text(st, 2, g->name, sizeof(g->name));
	const unsigned char *types = sqlite3_column_text(st, 3);
	return split_types(types != NULL ? (const char *)types : "",
			   &g->types);
}

static void clear_grant(void *elem)
{
	store_grant_clear(elem);
}

int store_grant_list(struct store *store, const char *zone_id,
		     struct store_grant **out, size_t *n_out)
{
	const struct store_page_query q = {
		.elem_size = sizeof(**out), .load = load_grant,
		.clear = clear_grant,
	};
	*out = NULL;
	*n_out = 0;
	bool more = false;
	sqlite3_stmt *st = NULL;
	int ret = store_query(store, &st, "SELECT key_name, match, name,"
			      " types FROM zone_update_grant"
			      " WHERE zone_id = ? ORDER BY pos", "t", zone_id);
	if (ret == 0) {
		ret = store_read_rows(store, st, &q, 0, (void **)out, n_out,
				      &more);
	}
	sqlite3_finalize(st);
	return ret;
}

void store_grant_list_free(struct store_grant *grants, size_t n)
{
	store_free_rows(grants, n, sizeof(*grants), clear_grant);
}

int store_grant_put(struct store *store, const char *zone_id,
		    const struct store_grant *grant)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	char types[512];
	join_types(&grant->types, types, sizeof(types));
	size_t changes = 0;
	int ret = store_run(store, &changes, "UPDATE zone_update_grant"
			    " SET types = ? WHERE zone_id = ? AND key_name = ?"
			    " AND match = ? AND name = ?", "ttttt", types,
			    zone_id, grant->key_name, grant->match,
			    grant->name);
	if (ret == 0 && changes == 0) {
		ret = store_run(store, NULL, "INSERT INTO zone_update_grant"
				" SELECT ?1, coalesce(max(pos), -1) + 1, ?2,"
				" ?3, ?4, ?5 FROM zone_update_grant"
				" WHERE zone_id = ?1", "ttttt", zone_id,
				grant->key_name, grant->match, grant->name,
				types);
	}
	if (ret == 0) {
		ret = store_log_change(store, "update", "zone", zone_id,
				       "granted key %s updates of %s %s%s%s in %s",
				       grant->key_name, grant->match,
				       grant->name, types[0] != '\0' ? " types "
								    : "",
				       types, zone_id);
	}
	return ret;
}

int store_grant_revoke(struct store *store, const char *zone_id,
		       const char *key_name)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	size_t changes = 0;
	int ret = store_run(store, &changes, "DELETE FROM zone_update_grant"
			    " WHERE zone_id = ? AND key_name = ?", "tt",
			    zone_id, key_name);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		ret = store_log_change(store, "update", "zone", zone_id,
				       "revoked the update grants of key %s in %s",
				       key_name, zone_id);
	}
	return ret;
}

/*
 * Generated records: the zones they may change
 */

/* Private zones bound to the VPC vpc (an SQL expression) whose apex NS
 * holds the default server name, the one config_zone_glue() (config
 * module) generates records for. */
#define GLUE_ZONES(vpc) "SELECT z.zone_id FROM zone z JOIN zone_vpc v" \
	" ON v.zone_id = z.zone_id WHERE v.vpc_id = " vpc \
	" AND z.kind = 'private' AND EXISTS (SELECT 1 FROM zone_ns n" \
	" WHERE n.zone_id = z.zone_id AND n.name = 'ns1.' || z.name)"

static int glue_touch(struct store *s, const char *zone_id)
{
	int ret = store_touch_zone(s, zone_id, false);
	if (ret == 0 && !store_strv_has(&s->journal_cut, zone_id) &&
	    store_strv_push(&s->journal_cut, zone_id) != 0) {
		ret = ZG_ENOMEM;
	}
	return ret;
}

int store_glue_touch_inbound(struct store *s, const char *inbound_id)
{
	struct store_strv zones = { 0 };
	int ret = store_load_strv(s, GLUE_ZONES("(SELECT vpc_id FROM inbound"
						" WHERE inbound_id = ?1)"),
				  inbound_id, &zones);
	for (size_t i = 0; ret == 0 && i < zones.n; i++) {
		ret = glue_touch(s, zones.v[i]);
	}
	store_strv_clear(&zones);
	return ret;
}

int store_glue_touch_zone(struct store *s, const char *zone_id,
			  const char *vpc_id)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query_one(s, &st, GLUE_ZONES("?1") " AND z.zone_id = ?2"
				  " AND EXISTS (SELECT 1 FROM inbound i"
				  " JOIN inbound_listener l"
				  " ON l.inbound_id = i.inbound_id"
				  " WHERE i.vpc_id = ?1)", "tt", vpc_id,
				  zone_id);
	sqlite3_finalize(st);
	if (ret == ZG_ENOENT) {
		return 0;
	}
	return ret == 0 ? glue_touch(s, zone_id) : ret;
}

/*
 * The journal
 */

int store_journal_row(struct store *s, const char *kind,
		      const char *record_id)
{
	return store_run(s, NULL, "INSERT INTO zone_journal (zone_id, kind,"
			 " owner, type, ttl, value, serial)"
			 " SELECT zone_id, ?, name, type, ttl, value, 0"
			 " FROM record WHERE record_id = ?", "tt", kind,
			 record_id);
}

int store_journal_ttl(struct store *s, const char *zone_id,
		      const char *name, const char *type, uint32_t ttl)
{
	static const char sql[] =
		"INSERT INTO zone_journal (zone_id, kind, owner, type, ttl,"
		" value, serial) SELECT zone_id, ?, name, type,"
		" CASE WHEN ? THEN ? ELSE ttl END, value, 0 FROM record"
		" WHERE zone_id = ? AND name = ? AND type = ? AND ttl != ?"
		" ORDER BY seq";
	int ret = store_run(s, NULL, sql, "tiittti", "del", (int64_t)0,
			    (int64_t)ttl, zone_id, name, type, (int64_t)ttl);
	if (ret == 0) {
		ret = store_run(s, NULL, sql, "tiittti", "add", (int64_t)1,
				(int64_t)ttl, zone_id, name, type,
				(int64_t)ttl);
	}
	return ret;
}

/* Entries of the version being closed: after the newest "soa" entry. */
#define OPEN_VERSION "j.zone_id = ?1 AND j.seq > (SELECT coalesce(max(seq)," \
	" -1) FROM zone_journal WHERE zone_id = ?1 AND kind = 'soa')"

/*
 * 1 when the version of zone_id being closed may change its generated
 * records (config_zone_glue()) though no endpoint or binding changed:
 * the zone is bound to a VPC with inbound listeners and the version adds
 * or deletes an A or AAAA at "ns1", or adds or removes `ns1.<zone>.` from
 * the apex NS (the "ns" entries after the newest "soa" are the previous
 * version's). 0 when not, or an error.
 */
static int glue_changed_in_version(struct store *s, const char *zone_id)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query_one(s, &st, "SELECT 1 FROM zone z"
		" WHERE z.zone_id = ?1 AND EXISTS (SELECT 1 FROM zone_vpc v"
		" JOIN inbound i ON i.vpc_id = v.vpc_id JOIN inbound_listener l"
		" ON l.inbound_id = i.inbound_id WHERE v.zone_id = ?1)"
		" AND (EXISTS (SELECT 1 FROM zone_journal j WHERE " OPEN_VERSION
		" AND j.kind IN ('add', 'del') AND j.owner = 'ns1'"
		" AND j.type IN ('A', 'AAAA'))"
		" OR EXISTS (SELECT 1 FROM zone_ns n WHERE n.zone_id = ?1"
		" AND n.name = 'ns1.' || z.name) != EXISTS (SELECT 1"
		" FROM zone_journal j WHERE " OPEN_VERSION " AND j.kind = 'ns'"
		" AND j.value = 'ns1.' || z.name))", "t", zone_id);
	sqlite3_finalize(st);
	return ret == 0 ? 1 : ret == ZG_ENOENT ? 0 : ret;
}

/* Closes the version of one zone: its SOA and apex NS as committed. A
 * zone whose generated records may have changed starts its journal
 * again here (store_priv.h, store_glue_touch_inbound()). */
static int close_zone_version(struct store *s, const char *zone_id)
{
	int ret = glue_changed_in_version(s, zone_id);
	if (ret == 1) {
		ret = glue_touch(s, zone_id);
	}
	if (ret == 0 && store_strv_has(&s->journal_cut, zone_id)) {
		ret = store_run(s, NULL, "DELETE FROM zone_journal"
				" WHERE zone_id = ?", "t", zone_id);
	}
	if (ret == 0) {
		ret = store_run(s, NULL, "INSERT INTO zone_journal (zone_id,"
				" kind, owner, type, ttl, value, serial)"
				" SELECT zone_id, 'soa', '', 'SOA', soa_ttl,"
				" soa_mname || ' ' || soa_rname || ' ' ||"
				" serial || ' ' || soa_refresh || ' ' ||"
				" soa_retry || ' ' || soa_expire || ' ' ||"
				" soa_minimum, serial FROM zone"
				" WHERE zone_id = ?", "t", zone_id);
	}
	if (ret == 0) {
		ret = store_run(s, NULL, "INSERT INTO zone_journal (zone_id,"
				" kind, owner, type, ttl, value, serial)"
				" SELECT n.zone_id, 'ns', '', 'NS', z.soa_ttl,"
				" n.name, 0 FROM zone_ns n JOIN zone z"
				" ON z.zone_id = n.zone_id WHERE n.zone_id = ?"
				" ORDER BY n.pos", "t", zone_id);
	}

	/* Keeps the newest STORE_JOURNAL_VERSIONS versions: everything
	 * before the oldest "soa" entry kept goes. */
	if (ret == 0) {
		ret = store_run(s, NULL, "DELETE FROM zone_journal"
				" WHERE zone_id = ?1 AND seq < (SELECT seq"
				" FROM zone_journal WHERE zone_id = ?1"
				" AND kind = 'soa' ORDER BY seq DESC"
				" LIMIT 1 OFFSET ?2)", "ti", zone_id,
				(int64_t)(STORE_JOURNAL_VERSIONS - 1));
	}
	return ret;
}

int store_journal_close(struct store *s)
{
	for (size_t i = 0; i < s->touched_zones.n; i++) {
		int ret = close_zone_version(s, s->touched_zones.v[i]);
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

/* The seq of the newest "soa" entry of serial below before_seq (or
 * anywhere when before_seq is -1). ZG_ENOENT when there is none. */
static int find_version(struct store *s, const char *zone_id,
			uint32_t serial, int64_t before_seq, int64_t *seq)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query_one(s, &st, "SELECT seq FROM zone_journal"
				  " WHERE zone_id = ? AND kind = 'soa'"
				  " AND serial = ? AND (? < 0 OR seq < ?)"
				  " ORDER BY seq DESC LIMIT 1", "tiii", zone_id,
				  (int64_t)serial, before_seq, before_seq);
	if (ret == 0) {
		*seq = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return ret;
}

static int push_entry(struct store_journal_entry **out, size_t *n,
		      sqlite3_stmt *st)
{
	struct store_journal_entry *grown = realloc(*out, (*n + 1) *
						    sizeof(*grown));
	if (grown == NULL) {
		return ZG_ENOMEM;
	}
	*out = grown;
	struct store_journal_entry *e = &grown[*n];
	memset(e, 0, sizeof(*e));
	store_col_text(st, 1, e->kind, sizeof(e->kind));
	store_col_text(st, 2, e->owner, sizeof(e->owner));
	store_col_text(st, 3, e->type, sizeof(e->type));
	e->ttl = (uint32_t)sqlite3_column_int64(st, 4);
	const unsigned char *value = sqlite3_column_text(st, 5);
	e->value = strdup(value != NULL ? (const char *)value : "");
	e->serial = (uint32_t)sqlite3_column_int64(st, 6);
	(*n)++;
	return e->value != NULL ? 0 : ZG_ENOMEM;
}

int store_journal_read(struct store *store, const char *zone_id,
		       uint32_t from_serial, uint32_t to_serial,
		       struct store_journal_entry **out, size_t *n_out)
{
	*out = NULL;
	*n_out = 0;
	int64_t to_seq = 0, from_seq = 0;
	int ret = find_version(store, zone_id, to_serial, -1, &to_seq);
	if (ret == 0) {
		ret = find_version(store, zone_id, from_serial, to_seq,
				   &from_seq);
	}
	if (ret != 0) {
		return ret;
	}

	/* From from's "soa" entry up to to's, then the "ns" entries that
	 * close to's version (they follow it directly). */
	sqlite3_stmt *st = NULL;
	ret = store_query(store, &st, "SELECT seq, kind, owner, type, ttl,"
			  " value, serial FROM zone_journal WHERE zone_id = ?"
			  " AND seq >= ? ORDER BY seq", "ti", zone_id,
			  from_seq);
	struct store_journal_entry *entries = NULL;
	size_t n = 0;
	while (ret == 0 && (ret = store_step(store, st)) == 1) {
		int64_t seq = sqlite3_column_int64(st, 0);
		const unsigned char *kind = sqlite3_column_text(st, 1);
		if (seq > to_seq && (kind == NULL ||
				     strcmp((const char *)kind, "ns") != 0)) {
			ret = 0;
			break;
		}
		ret = push_entry(&entries, &n, st);
	}
	sqlite3_finalize(st);
	if (ret != 0) {
		store_journal_free(entries, n);
		return ret;
	}
	*out = entries;
	*n_out = n;
	return 0;
}

void store_journal_free(struct store_journal_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(entries[i].value);
	}
	free(entries);
}
