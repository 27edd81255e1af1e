/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG keys, the settings of secondary zones, and what their transfers
 * left behind: the zone snapshot and the refresh state. */
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "store/store_priv.h"

/*
 * TSIG keys
 */

void store_tsig_key_clear(struct store_tsig_key *key)
{
	/* The secret does not linger in freed memory. */
	memset(key, 0, sizeof(*key));
}

#define TSIG_SELECT "SELECT key_id, name, account, version, created_at," \
	" updated_at, algorithm, secret FROM tsig_key"

static void load_tsig_row(sqlite3_stmt *st, struct store_tsig_key *key)
{
	store_col_text(st, 0, key->meta.resource_id,
		       sizeof(key->meta.resource_id));
	store_col_text(st, 1, key->meta.name, sizeof(key->meta.name));
	store_col_text(st, 2, key->meta.account, sizeof(key->meta.account));
	key->meta.version = sqlite3_column_int64(st, 3);
	store_col_text(st, 4, key->meta.created_at,
		       sizeof(key->meta.created_at));
	store_col_text(st, 5, key->meta.updated_at,
		       sizeof(key->meta.updated_at));
	store_col_text(st, 6, key->algorithm, sizeof(key->algorithm));
	store_col_text(st, 7, key->secret, sizeof(key->secret));
}

int store_tsig_get(struct store *store, const char *name,
		   struct store_tsig_key *out)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(store, &st, TSIG_SELECT " WHERE key_id = ?",
			      "t", name);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(store, st);
	if (ret == 1) {
		load_tsig_row(st, out);
		ret = 0;
	} else if (ret == 0) {
		ret = ZG_ENOENT;
	}
	sqlite3_finalize(st);
	return ret;
}

int store_tsig_list(struct store *store, const char *after, size_t limit,
		    struct store_tsig_key **out, size_t *n_out, bool *more)
{
	*out = NULL;
	*n_out = 0;
	*more = false;
	sqlite3_stmt *st = NULL;
	int64_t sql_limit = limit == 0 ? -1 : (int64_t)limit + 1;
	int ret = store_query(store, &st, TSIG_SELECT
			      " WHERE key_id > coalesce(?, '')"
			      " ORDER BY key_id LIMIT ?", "ti", after,
			      sql_limit);
	struct store_tsig_key *keys = NULL;
	size_t n = 0;
	while (ret == 0 && (ret = store_step(store, st)) == 1) {
		if (limit != 0 && n == limit) {
			*more = true;
			ret = 0;
			break;
		}
		struct store_tsig_key *grown = realloc(keys, (n + 1) *
						       sizeof(*grown));
		if (grown == NULL) {
			ret = ZG_ENOMEM;
			break;
		}
		keys = grown;
		memset(&keys[n], 0, sizeof(keys[n]));
		load_tsig_row(st, &keys[n++]);
		ret = 0;
	}
	sqlite3_finalize(st);
	if (ret != 0) {
		store_tsig_list_free(keys, n);
		return ret;
	}
	*out = keys;
	*n_out = n;
	return 0;
}

void store_tsig_list_free(struct store_tsig_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		store_tsig_key_clear(&keys[i]);
	}
	free(keys);
}

int store_tsig_create(struct store *store, struct store_tsig_key *key)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	struct store_meta *m = &key->meta;
	snprintf(m->resource_id, sizeof(m->resource_id), "%.47s", m->name);
	snprintf(m->account, sizeof(m->account), "default");
	m->version = 1;
	store_now(m->created_at);
	memcpy(m->updated_at, m->created_at, sizeof(m->updated_at));

	int ret = store_run(store, NULL,
			    "INSERT INTO tsig_key VALUES (?, ?, ?, ?, ?, ?, ?,"
			    " ?)", "tttitttt", m->resource_id, m->name,
			    m->account, m->version, m->created_at,
			    m->updated_at, key->algorithm, key->secret);
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "create", "tsig", m->resource_id,
				       "created TSIG key %s (%s)", m->name,
				       key->algorithm);
	}
	return ret;
}

int store_tsig_delete(struct store *store, const char *name)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	size_t changes = 0;
	int ret = store_run(store, &changes,
			    "DELETE FROM tsig_key WHERE key_id = ?", "t", name);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	if (ret == 0) {
		store->config_changed = true;
		ret = store_log_change(store, "delete", "tsig", name,
				       "deleted TSIG key %s", name);
	}
	return ret;
}

int store_tsig_users(struct store *store, const char *name,
		     struct store_strv *zone_ids)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(store, &st, "SELECT zone_id FROM zone_secondary"
			      " WHERE tsig_key = ?1 UNION"
			      " SELECT zone_id FROM zone_transfer"
			      " WHERE tsig_key = ?1 UNION"
			      " SELECT zone_id FROM zone_update_grant"
			      " WHERE key_name = ?1 ORDER BY zone_id", "t",
			      name);
	while (ret == 0 && (ret = store_step(store, st)) == 1) {
		char zone_id[STORE_ID_LEN];
		store_col_text(st, 0, zone_id, sizeof(zone_id));
		ret = store_strv_push(zone_ids, zone_id);
	}
	sqlite3_finalize(st);
	return ret;
}

/*
 * Secondary zone settings
 */

void store_secondary_clear(struct store_secondary *sec)
{
	store_strv_clear(&sec->primaries);
	store_strv_clear(&sec->allow_notify);
	memset(sec, 0, sizeof(*sec));
}

static int load_list(struct store *s, const char *sql, const char *zone_id,
		     struct store_strv *out)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(s, &st, sql, "t", zone_id);
	while (ret == 0 && (ret = store_step(s, st)) == 1) {
		const unsigned char *text = sqlite3_column_text(st, 0);
		ret = store_strv_push(out, text != NULL ? (const char *)text
							: "");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_secondary_get(struct store *store, const char *zone_id,
			struct store_secondary *out)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(store, &st,
			      "SELECT coalesce(tsig_key, ''),"
			      " coalesce(endpoint_id, ''), max_records,"
			      " max_bytes FROM zone_secondary WHERE zone_id = ?",
			      "t", zone_id);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(store, st);
	if (ret == 1) {
		snprintf(out->zone_id, sizeof(out->zone_id), "%s", zone_id);
		store_col_text(st, 0, out->tsig_key, sizeof(out->tsig_key));
		store_col_text(st, 1, out->endpoint_id,
			       sizeof(out->endpoint_id));
		out->max_records = (uint64_t)sqlite3_column_int64(st, 2);
		out->max_bytes = (uint64_t)sqlite3_column_int64(st, 3);
		ret = 0;
	} else if (ret == 0) {
		ret = ZG_ENOENT;
	}
	sqlite3_finalize(st);
	if (ret == 0) {
		ret = load_list(store, "SELECT addr FROM zone_primary"
				" WHERE zone_id = ? ORDER BY pos", zone_id,
				&out->primaries);
	}
	if (ret == 0) {
		ret = load_list(store, "SELECT addr FROM zone_allow_notify"
				" WHERE zone_id = ? ORDER BY pos", zone_id,
				&out->allow_notify);
	}
	return ret;
}

static int write_list(struct store *s, const char *table,
		      const char *zone_id, const struct store_strv *items)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE zone_id = ?", table);
	int ret = store_run(s, NULL, sql, "t", zone_id);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO %s (zone_id, pos, addr) VALUES (?, ?, ?)", table);
	for (size_t i = 0; ret == 0 && i < items->n; i++) {
		ret = store_run(s, NULL, sql, "tit", zone_id, (int64_t)i,
				items->v[i]);
	}
	return ret;
}

int store_secondary_put(struct store *store,
			const struct store_secondary *sec)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	const char *key = sec->tsig_key[0] != '\0' ? sec->tsig_key : NULL;
	const char *ep = sec->endpoint_id[0] != '\0' ? sec->endpoint_id : NULL;
	int ret = store_run(store, NULL,
			    "INSERT INTO zone_secondary (zone_id, tsig_key,"
			    " endpoint_id, max_records, max_bytes)"
			    " VALUES (?1, ?2, ?3, ?4, ?5)"
			    " ON CONFLICT (zone_id) DO UPDATE SET"
			    " tsig_key = ?2, endpoint_id = ?3,"
			    " max_records = ?4, max_bytes = ?5", "tttuu",
			    sec->zone_id, key, ep, sec->max_records,
			    sec->max_bytes);
	if (ret == 0) {
		ret = write_list(store, "zone_primary", sec->zone_id,
				 &sec->primaries);
	}
	if (ret == 0) {
		ret = write_list(store, "zone_allow_notify", sec->zone_id,
				 &sec->allow_notify);
	}
	if (ret == 0) {
		store->config_changed = true;
	}
	return ret;
}

/*
 * Transfer state and snapshot. Written by the transfer service without
 * a change log entry: a transfer changes what is served, not what an
 * operator configured.
 */

#define STATE_SELECT "SELECT loaded, serial, refresh_at, expire_at," \
	" last_success, last_attempt, synced_at, primary_serial," \
	" coalesce(last_error, ''), records, snapshot_bytes FROM xfr_state"

int store_xfr_state_get(struct store *store, const char *zone_id,
			struct store_xfr_state *out)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(store, &st, STATE_SELECT " WHERE zone_id = ?",
			      "t", zone_id);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(store, st);
	if (ret == 1) {
		int c = 0;
		memset(out, 0, sizeof(*out));
		snprintf(out->zone_id, sizeof(out->zone_id), "%s", zone_id);
		out->loaded = sqlite3_column_int64(st, c++) != 0;
		out->serial = (uint32_t)sqlite3_column_int64(st, c++);
		out->refresh_at = sqlite3_column_int64(st, c++);
		out->expire_at = sqlite3_column_int64(st, c++);
		out->last_success = sqlite3_column_int64(st, c++);
		out->last_attempt = sqlite3_column_int64(st, c++);
		out->synced_at = sqlite3_column_int64(st, c++);
		out->primary_serial = sqlite3_column_int64(st, c++);
		store_col_text(st, c++, out->last_error,
			       sizeof(out->last_error));
		out->records = (uint64_t)sqlite3_column_int64(st, c++);
		out->snapshot_bytes = (uint64_t)sqlite3_column_int64(st, c++);
		ret = 0;
	} else if (ret == 0) {
		ret = ZG_ENOENT;
	}
	sqlite3_finalize(st);
	return ret;
}

/* Writes every column but the snapshot. The row must exist. */
static int update_state(struct store *s, const struct store_xfr_state *x,
			size_t *changes)
{
	return store_run(s, changes,
			 "UPDATE xfr_state SET loaded = ?, serial = ?,"
			 " refresh_at = ?, expire_at = ?, last_success = ?,"
			 " last_attempt = ?, synced_at = ?, primary_serial = ?,"
			 " last_error = ?, records = ? WHERE zone_id = ?",
			 "iiiiiiiitut", (int64_t)x->loaded, (int64_t)x->serial,
			 x->refresh_at, x->expire_at, x->last_success,
			 x->last_attempt, x->synced_at, x->primary_serial,
			 x->last_error[0] != '\0' ? x->last_error : NULL,
			 x->records, x->zone_id);
}

int store_xfr_state_put(struct store *store,
			const struct store_xfr_state *state)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	/* A zone deleted meanwhile has no row to write: nothing to do. */
	size_t exists = 0;
	int ret = store_run(store, &exists,
			    "INSERT INTO xfr_state (zone_id) SELECT zone_id"
			    " FROM zone WHERE zone_id = ? ON CONFLICT DO NOTHING",
			    "t", state->zone_id);
	if (ret == 0) {
		ret = update_state(store, state, NULL);
	}
	return ret;
}

int store_xfr_snapshot_put(struct store *store,
			   const struct store_xfr_state *state,
			   const uint8_t *snapshot, size_t len)
{
	int ret = store_xfr_state_put(store, state);
	if (ret != 0) {
		return ret;
	}
	sqlite3_stmt *st = NULL;
	ret = store_query(store, &st,
			  "UPDATE xfr_state SET snapshot = ?1,"
			  " snapshot_bytes = ?2 WHERE zone_id = ?3", NULL);
	if (ret != 0) {
		return ret;
	}
	int rc = sqlite3_bind_blob64(st, 1, snapshot, len, SQLITE_STATIC);
	if (rc == SQLITE_OK) {
		rc = sqlite3_bind_int64(st, 2, (int64_t)len);
	}
	if (rc == SQLITE_OK) {
		rc = sqlite3_bind_text(st, 3, state->zone_id, -1,
				       SQLITE_TRANSIENT);
	}
	ret = rc == SQLITE_OK ? store_step(store, st) : store_fail(store, rc);
	sqlite3_finalize(st);
	return ret < 0 ? ret : 0;
}

int store_xfr_snapshot_get(struct store *store, const char *zone_id,
			   uint8_t **snapshot, size_t *len)
{
	*snapshot = NULL;
	*len = 0;
	sqlite3_stmt *st = NULL;
	int ret = store_query(store, &st, "SELECT snapshot FROM xfr_state"
			      " WHERE zone_id = ? AND snapshot IS NOT NULL",
			      "t", zone_id);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(store, st);
	if (ret == 1) {
		const void *blob = sqlite3_column_blob(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		*snapshot = malloc(n + 1);
		if (*snapshot == NULL) {
			ret = ZG_ENOMEM;
		} else {
			if (n > 0) {
				memcpy(*snapshot, blob, n);
			}
			*len = n;
			ret = 0;
		}
	} else if (ret == 0) {
		ret = ZG_ENOENT;
	}
	sqlite3_finalize(st);
	return ret;
}
