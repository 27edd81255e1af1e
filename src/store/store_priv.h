/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside the store module: the store struct and the statement helpers its
 * files share. Not for other modules. */
#ifndef ZONEGATE_STORE_STORE_PRIV_H
#define ZONEGATE_STORE_STORE_PRIV_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/store.h"

struct store {
	sqlite3 *db;
	char *path;
	/* Held from store_begin() to commit/rollback, and by backup and
	 * restore. Serialises every use of db. */
	pthread_mutex_t lock;

	/* Transaction state, protected by lock. */
	bool in_tx;
	bool tx_write;
	struct store_caller caller;
	uint64_t tx_version;		/* 0 until the first change */
	bool config_changed;
	struct store_strv touched_zones; /* contents changed */
	struct store_strv serial_set;	/* serial given explicitly */
	struct store_strv journal_cut;	/* zones whose journal restarts
					 * at this version (zonesync.c) */

	char errmsg[256];
};

/*
 * Statement helpers. fmt lists the parameters to bind, one letter each:
 * 't' const char * (NULL binds NULL), 'i' int64_t, 'u' uint64_t.
 * They record SQLite's message in store->errmsg on failure and map
 * SQLITE_CONSTRAINT to ZG_EEXIST, anything else to ZG_ESTORE.
 */

/*! Prepares sql and binds the parameters; the caller steps and
 *  finalizes. */
int store_query(struct store *s, sqlite3_stmt **st, const char *sql,
		const char *fmt, ...);

/*! Like store_query(), then steps to the first row of a query that
 *  should have one: 0 with *st on that row, ZG_ENOENT when there is
 *  none, or an error. The caller finalizes *st in every case (it is
 *  NULL when preparing failed). */
int store_query_one(struct store *s, sqlite3_stmt **st, const char *sql,
		    const char *fmt, ...);

/*! Prepares, binds, steps to completion, finalizes. *changes (may be
 *  NULL) receives the number of rows changed. */
int store_run(struct store *s, size_t *changes, const char *sql,
	      const char *fmt, ...);

/*! Runs a script of statements without parameters. */
int store_exec(struct store *s, const char *sql);

/*! Steps st: 1 for a row, 0 when done, a negative code on failure. */
int store_step(struct store *s, sqlite3_stmt *st);

/*! Maps an SQLite result code to a zg error and keeps the message. */
int store_fail(struct store *s, int sqlite_rc);

/*! Copies column col as text (NULL becomes ""). */
void store_col_text(sqlite3_stmt *st, int col, char *out, size_t outlen);

/*
 * Resource rows (rows.c). Every resource table starts with the columns
 * META_COLS(id column); a kind's own columns follow at FIRST_OWN_COL.
 */
#define META_COLS(idcol) idcol ", seq, name, account, version, created_at," \
	" updated_at"
#define FIRST_OWN_COL 7

/*! Reads the META_COLS columns of the current row into meta. */
void store_read_meta(sqlite3_stmt *st, struct store_meta *meta);

/*! Stamps meta for a resource created now: account "default", version
 *  1, created_at and updated_at now. resource_id and name stay. */
void store_stamp_new(struct store_meta *meta);

/*! Takes the next id of kind (store_next_id()) into meta->resource_id
 *  and *seq, then stamps meta as store_stamp_new() does. meta is left
 *  alone on failure. \retval 0, a store error. */
int store_new_meta(struct store *s, const char *kind,
		   struct store_meta *meta, int64_t *seq);

/*! Marks the row of table whose idcol is resource_id changed (version
 *  + 1, updated_at now), then reads its META_COLS into meta unless meta
 *  is NULL. \retval 0, ZG_ENOENT (no such row), a store error. */
int store_touch_row(struct store *s, const char *table, const char *idcol,
		    const char *resource_id, struct store_meta *meta);

/*! Deletes the row of table whose idcol is resource_id.
 *  \retval 0, ZG_ENOENT (no such row), ZG_EEXIST (a foreign key of
 *  another row refers to it), a store error. */
int store_delete_row(struct store *s, const char *table, const char *idcol,
		     const char *resource_id);

/*! Runs sql with owner_id as its one parameter and appends column 0 of
 *  each row to out (NULL as ""): the list a row keeps in a side table.
 *  \retval 0, ZG_ENOMEM, a store error. */
int store_load_strv(struct store *s, const char *sql, const char *owner_id,
		    struct store_strv *out);

/*!
 * Replaces the list owner_id keeps in table: deletes the rows whose idcol
 * is owner_id, then inserts (idcol, pos, col) = (owner_id, i, items->v[i])
 * for each item in order. Stops at the first failure.
 * \retval 0, ZG_EEXIST (a constraint refused a row), a store error.
 */
int store_write_strv(struct store *s, const char *table, const char *idcol,
		     const char *col, const char *owner_id,
		     const struct store_strv *items);

/* A paged query: select ends in a WHERE clause that may use the text
 * parameters ?1..?3 (params[i], NULL allowed); rows come in seq order.
 * load fills one zeroed element from a row; clear frees what it holds.
 * cursor turns the cursor of a listing into the seq to list after (-1
 * for none) or fails; NULL reads resource ids ("vpc-12": 12) and
 * "upstream-global" (0). */
struct store_page_query {
	const char *select;
	const char *params[3];
	size_t elem_size;
	int (*load)(struct store *s, sqlite3_stmt *st, void *elem);
	void (*clear)(void *elem);
	int (*cursor)(const char *after, int64_t *seq);
};

/*! Frees an array of n elements of elem_size bytes after handing each
 *  to clear; the body of every store_*_list_free(). elems may be NULL
 *  when n is 0. */
void store_free_rows(void *elems, size_t n, size_t elem_size,
		     void (*clear)(void *elem));

/*!
 * Steps st, a statement the caller prepared and still finalizes, and
 * loads at most limit of its rows (0: all) with q->load into a new array
 * *out (caller frees with store_free_rows() and q->clear); q->select and
 * q->params are not used. *more tells whether a row was left unread. On
 * failure *out is NULL: what was read is cleared and freed.
 * \retval 0, ZG_ENOMEM, the error of q->load, a store error.
 */
int store_read_rows(struct store *s, sqlite3_stmt *st,
		    const struct store_page_query *q, size_t limit,
		    void **out, size_t *n_out, bool *more);

/*!
 * Reads at most limit rows (0: all) after the cursor (read by
 * q->cursor; NULL for the start) into a new array *out (caller frees with
 * store_free_rows() and q->clear). *more tells whether rows remain.
 * \retval 0, ZG_EINVAL (bad cursor), ZG_ENOMEM, a store error.
 */
int store_list_page(struct store *s, const struct store_page_query *q,
		    const char *after, size_t limit, void **out,
		    size_t *n_out, bool *more);

/*! Reads the one row of q (select filtered by id) into out;
 *  ZG_ENOENT when there is none. */
int store_get_one(struct store *s, const struct store_page_query *q,
		  void *out);

/*! Writes now as RFC 3339 UTC. */
void store_now(char out[STORE_TIME_LEN]);

/*! Takes the next id of kind ("vpc", "zone", "rec", "ep", "rule"). */
int store_next_id(struct store *s, const char *kind, char *id,
		  int64_t *seq);

/*!
 * Appends a change log entry for the running write transaction,
 * allocating the transaction's version on its first change.
 * \retval 0, ZG_EINTERNAL (read-only transaction), ZG_ESTORE.
 */
int store_log_change(struct store *s, const char *op, const char *kind,
		     const char *resource_id, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*! Records that a zone's contents changed in this transaction. */
int store_touch_zone(struct store *s, const char *zone_id, bool serial_set);

/*!
 * The address records generated for a private zone's default server name
 * (config_zone_glue() in config/publish.h) follow the inbound endpoints
 * of the VPCs the zone is bound to; the journal holds none of them. So
 * a change to those raises the serial of every zone whose generated
 * records it may change (apex NS holding `ns1.<zone>.`) and restarts
 * the zone's journal at the new version: secondaries are notified, and
 * an IXFR from an older serial gets the whole zone (RFC 1995 section
 * 4), generated records included. close_zone_version() does the same
 * for a version that adds or deletes an A or AAAA at "ns1", or changes
 * whether the apex NS holds `ns1.<zone>.`, in a zone whose VPCs have
 * inbound listeners.
 * store_glue_touch_inbound(): the zones bound to inbound_id's VPC (call
 * while the inbound row exists, with its VPC). store_glue_touch_zone():
 * zone_id, when it is bound to vpc_id and vpc_id has inbound listeners
 * (call while the binding exists).
 */
int store_glue_touch_inbound(struct store *s, const char *inbound_id);
int store_glue_touch_zone(struct store *s, const char *zone_id,
			  const char *vpc_id);

/*! store_begin(), store_commit() and store_rollback() for a caller that
 *  already holds store->lock (restore, which must ATTACH outside a
 *  transaction); they leave the lock held. */
int store_begin_locked(struct store *store,
		       const struct store_caller *caller);
int store_commit_locked(struct store *store, struct store_commit *out);
void store_rollback_locked(struct store *store);

/*! True inside a write transaction; otherwise sets errmsg. */
bool store_writable(struct store *s);

/*
 * The zone journal (zonesync.c). store_journal_row() copies the record
 * row record_id as an "add" or "del" entry: call it after the row is
 * written for "add", before it changes or goes for "del".
 * store_journal_ttl() journals an RRset's TTL change before it is
 * written (each record whose TTL changes: del with the old TTL, add
 * with the new). store_journal_close() ends the version of every zone
 * the transaction touched; store_commit_locked() calls it.
 */
int store_journal_row(struct store *s, const char *kind,
		      const char *record_id);
int store_journal_ttl(struct store *s, const char *zone_id,
		      const char *name, const char *type, uint32_t ttl);
int store_journal_close(struct store *s);

/*! Runs the migrations up to target on an open connection (used for the
 *  live database and for restore copies). */
int store_migrate(struct store *s, unsigned target, char *err,
		  size_t errlen);

/*!
 * Opens like store_open() but migrates only up to target_version; for
 * the tests of migrations.
 */
int store_open_version(const char *path, unsigned target_version,
		       struct store **out, char *err, size_t errlen);

/*! Reads the schema version; 0 for an empty database, ZG_ESTORE when the
 *  database has tables but no schema_version (not ours). */
int store_schema_version(struct store *s, unsigned *version);

#endif
