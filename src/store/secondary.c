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

static int load_tsig(struct store *s, sqlite3_stmt *st, void *elem)
{
	struct store_tsig_key *key = elem;
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
	return 0;
}

int store_tsig_get(struct store *store, const char *name,
		   struct store_tsig_key *out)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query_one(store, &st, TSIG_SELECT " WHERE key_id = ?",
				  "t", name);
	if (ret == 0) {
		ret = load_tsig(store, st, out);
	}
	sqlite3_finalize(st);
	return ret;
}

static void clear_tsig(void *elem)
{
	store_tsig_key_clear(elem);
}

/* Keys have no seq: they page in the order of their names. */
int store_tsig_list(struct store *store, const char *after, size_t limit,
		    struct store_tsig_key **out, size_t *n_out, bool *more)
{
	const struct store_page_query q = {
		.elem_size = sizeof(**out), .load = load_tsig,
		.clear = clear_tsig,
	};
	*out = NULL;
	*n_out = 0;
	*more = false;
	sqlite3_stmt *st = NULL;
	int64_t sql_limit = limit == 0 ? -1 : (int64_t)limit + 1;
	int ret = store_query(store, &st, TSIG_SELECT
			      " WHERE key_id > coalesce(?, '')"
			      " ORDER BY key_id LIMIT ?", "ti", after,
			      sql_limit);
	if (ret == 0) {
		ret = store_read_rows(store, st, &q, limit, (void **)out,
				      n_out, more);
	}
	sqlite3_finalize(st);
	return ret;
}

void store_tsig_list_free(struct store_tsig_key *keys, size_t n)
{
	store_free_rows(keys, n, sizeof(*keys), clear_tsig);
}

int store_tsig_create(struct store *store, struct store_tsig_key *key)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	struct store_meta *m = &key->meta;
	snprintf(m->resource_id, sizeof(m->resource_id), "%.47s", m->name);
	store_stamp_new(m);

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
	int ret = store_delete_row(store, "tsig_key", "key_id", name);
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

int store_secondary_get(struct store *store, const char *zone_id,
			struct store_secondary *out)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query_one(store, &st,
				  "SELECT coalesce(tsig_key, ''),"
				  " coalesce(endpoint_id, ''), max_records,"
				  " max_bytes FROM zone_secondary"
				  " WHERE zone_id = ?", "t", zone_id);
	if (ret == 0) {
		snprintf(out->zone_id, sizeof(out->zone_id), "%s", zone_id);
		store_col_text(st, 0, out->tsig_key, sizeof(out->tsig_key));
		store_col_text(st, 1, out->endpoint_id,
			       sizeof(out->endpoint_id));
		out->max_records = (uint64_t)sqlite3_column_int64(st, 2);
		out->max_bytes = (uint64_t)sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (ret == 0) {
		ret = store_load_strv(store, "SELECT addr FROM zone_primary"
				      " WHERE zone_id = ? ORDER BY pos",
				      zone_id, &out->primaries);
	}
	if (ret == 0) {
		ret = store_load_strv(store, "SELECT addr"
				      " FROM zone_allow_notify"
				      " WHERE zone_id = ? ORDER BY pos",
				      zone_id, &out->allow_notify);
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
		ret = store_write_strv(store, "zone_primary", "zone_id", "addr",
				       sec->zone_id, &sec->primaries);
	}
	if (ret == 0) {
		ret = store_write_strv(store, "zone_allow_notify", "zone_id",
				       "addr", sec->zone_id,
				       &sec->allow_notify);
	}
	if (ret == 0) {
		store->config_changed = true;
	}
	return ret;
}

/*
 * Transfer state, snapshot and journal. Written by the transfer service
 * without a change log entry: a transfer changes what is served, not
 * what an operator configured.
 */

#define STATE_SELECT "SELECT loaded, serial, refresh_at, expire_at," \
	" last_success, last_attempt, synced_at, primary_serial," \
	" coalesce(last_error, ''), records, snapshot_bytes," \
	" snapshot_serial, (SELECT count(*) FROM xfr_journal j" \
	" WHERE j.zone_id = s.zone_id), (SELECT coalesce(sum(bytes), 0)" \
	" FROM xfr_journal j WHERE j.zone_id = s.zone_id) FROM xfr_state s"

static void load_state_row(sqlite3_stmt *st, const char *zone_id,
			   struct store_xfr_state *out)
{
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
	store_col_text(st, c++, out->last_error, sizeof(out->last_error));
	out->records = (uint64_t)sqlite3_column_int64(st, c++);
	out->snapshot_bytes = (uint64_t)sqlite3_column_int64(st, c++);
	out->snapshot_serial = (uint32_t)sqlite3_column_int64(st, c++);
	out->journal_entries = (uint64_t)sqlite3_column_int64(st, c++);
	out->journal_bytes = (uint64_t)sqlite3_column_int64(st, c++);
}

int store_xfr_state_get(struct store *store, const char *zone_id,
			struct store_xfr_state *out)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query_one(store, &st, STATE_SELECT " WHERE zone_id = ?",
				  "t", zone_id);
	if (ret == 0) {
		load_state_row(st, zone_id, out);
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

/* Binds data[0..len) to parameter col of st (prepared by the caller
 * with the other parameters bound), runs it and finalizes it. */
static int run_with_blob(struct store *s, sqlite3_stmt *st, int col,
			 const uint8_t *data, size_t len)
{
	int rc = sqlite3_bind_blob64(st, col, data, len, SQLITE_STATIC);
	int ret = rc == SQLITE_OK ? store_step(s, st) : store_fail(s, rc);
	sqlite3_finalize(st);
	return ret < 0 ? ret : 0;
}

/* Copies the blob in column col of the current row (malloc'd). */
static int copy_blob(sqlite3_stmt *st, int col, uint8_t **out, size_t *len)
{
	const void *blob = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	*out = malloc(n + 1);
	if (*out == NULL) {
		return ZG_ENOMEM;
	}
	if (n > 0) {
		memcpy(*out, blob, n);
	}
	*len = n;
	return 0;
}

int store_xfr_snapshot_put(struct store *store,
			   const struct store_xfr_state *state,
			   const uint8_t *snapshot, size_t len)
{
	int ret = store_xfr_state_put(store, state);
	sqlite3_stmt *st = NULL;
	if (ret == 0) {
		ret = store_query(store, &st, "UPDATE xfr_state SET"
				  " snapshot_bytes = ?1, snapshot_serial = ?2,"
				  " snapshot = ?4 WHERE zone_id = ?3", "iit",
				  (int64_t)len, (int64_t)state->serial,
				  state->zone_id);
	}
	if (ret == 0) {
		ret = run_with_blob(store, st, 4, snapshot, len);
	}
	/* The new snapshot holds every diff the journal had. */
	if (ret == 0) {
		ret = store_run(store, NULL, "DELETE FROM xfr_journal"
				" WHERE zone_id = ?", "t", state->zone_id);
	}
	return ret;
}

int store_xfr_snapshot_get(struct store *store, const char *zone_id,
			   uint8_t **snapshot, size_t *len)
{
	*snapshot = NULL;
	*len = 0;
	sqlite3_stmt *st = NULL;
	int ret = store_query_one(store, &st, "SELECT snapshot FROM xfr_state"
				  " WHERE zone_id = ? AND snapshot IS NOT NULL",
				  "t", zone_id);
	if (ret == 0) {
		ret = copy_blob(st, 0, snapshot, len);
	}
	sqlite3_finalize(st);
	return ret;
}

/* Where the stored version ends: *exists false for a zone without a
 * state row, *loaded false without a snapshot. */
static int journal_tail(struct store *s, const char *zone_id, bool *exists,
			bool *loaded, uint32_t *tail, int64_t *last_seq)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(s, &st,
			      "SELECT snapshot IS NOT NULL AND loaded,"
			      " coalesce((SELECT to_serial FROM xfr_journal j"
			      " WHERE j.zone_id = x.zone_id ORDER BY seq DESC"
			      " LIMIT 1), snapshot_serial),"
			      " coalesce((SELECT max(seq) FROM xfr_journal j"
			      " WHERE j.zone_id = x.zone_id), 0)"
			      " FROM xfr_state x WHERE zone_id = ?", "t",
			      zone_id);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(s, st);
	*exists = ret == 1;
	if (ret == 1) {
		*loaded = sqlite3_column_int64(st, 0) != 0;
		*tail = (uint32_t)sqlite3_column_int64(st, 1);
		*last_seq = sqlite3_column_int64(st, 2);
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

int store_xfr_journal_append(struct store *store, const char *zone_id,
			     uint32_t from_serial, uint32_t to_serial,
			     const uint8_t *diff, size_t len)
{
	if (!store_writable(store)) {
		return ZG_EINTERNAL;
	}
	bool exists = false, loaded = false;
	uint32_t tail = 0;
	int64_t last_seq = 0;
	int ret = journal_tail(store, zone_id, &exists, &loaded, &tail,
			       &last_seq);
	if (ret != 0 || !exists) {
		return ret;
	}
	/* A diff that does not continue the stored version could never be
	 * replayed: refuse it rather than store a journal with a gap. */
	if (!loaded || tail != from_serial) {
		snprintf(store->errmsg, sizeof(store->errmsg),
			 "the journal of %s ends at serial %" PRIu32
			 ", not at %" PRIu32, zone_id, tail, from_serial);
		return ZG_EINVAL;
	}
	sqlite3_stmt *st = NULL;
	ret = store_query(store, &st, "INSERT INTO xfr_journal (zone_id, seq,"
			  " from_serial, to_serial, bytes, diff)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", "tiiii", zone_id,
			  last_seq + 1, (int64_t)from_serial,
			  (int64_t)to_serial, (int64_t)len);
	return ret == 0 ? run_with_blob(store, st, 6, diff, len) : ret;
}

static int load_entry(struct store *s, sqlite3_stmt *st, void *elem)
{
	(void)s;
	struct store_xfr_journal_entry *e = elem;
	e->seq = (uint64_t)sqlite3_column_int64(st, 0);
	e->from_serial = (uint32_t)sqlite3_column_int64(st, 1);
	e->to_serial = (uint32_t)sqlite3_column_int64(st, 2);
	return copy_blob(st, 3, &e->diff, &e->len);
}

static void clear_entry(void *elem)
{
	struct store_xfr_journal_entry *e = elem;
	free(e->diff);
	e->diff = NULL;
}

int store_xfr_journal_get(struct store *store, const char *zone_id,
			  struct store_xfr_journal_entry **out, size_t *n_out)
{
	const struct store_page_query q = {
		.select = "SELECT seq, from_serial, to_serial, diff"
			  " FROM xfr_journal WHERE zone_id = ?1",
		.params = { zone_id },
		.elem_size = sizeof(**out),
		.load = load_entry,
		.clear = clear_entry,
	};
	void *entries = NULL;
	bool more = false;
	int ret = store_list_page(store, &q, NULL, 0, &entries, n_out, &more);
	*out = entries;
	return ret;
}

void store_xfr_journal_free(struct store_xfr_journal_entry *entries,
			    size_t n)
{
	store_free_rows(entries, n, sizeof(*entries), clear_entry);
}

int store_xfr_journal_drop(struct store *store,
			   const struct store_xfr_state *state)
{
	int ret = store_xfr_state_put(store, state);
	if (ret == 0) {
		ret = store_run(store, NULL, "DELETE FROM xfr_journal"
				" WHERE zone_id = ?", "t", state->zone_id);
	}
	return ret;
}
