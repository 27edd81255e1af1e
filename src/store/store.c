/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening the state database, schema migrations, transactions, the change
 * log and the statement helpers the other store files use. */
#include "store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "store/store_priv.h"

/*
 * Schema migrations. migrations[i] takes the schema from version i to
 * i + 1. A released step never changes; a new schema is a new step.
 */
static const char *const migrations[] = {
	/* 0 -> 1: every resource, the change log and the id counters. */
	"CREATE TABLE id_counter (kind TEXT PRIMARY KEY,"
	"  last INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO id_counter VALUES ('vpc', 0), ('zone', 0), ('rec', 0),"
	"  ('ep', 0), ('rule', 0);"
	"CREATE TABLE change_log (seq INTEGER PRIMARY KEY,"
	"  version INTEGER NOT NULL, time TEXT NOT NULL,"
	"  uid INTEGER NOT NULL, pid INTEGER NOT NULL, op TEXT NOT NULL,"
	"  kind TEXT NOT NULL, resource_id TEXT NOT NULL,"
	"  summary TEXT NOT NULL);"
	"CREATE INDEX change_log_version ON change_log (version);"
	"CREATE TABLE vpc (vpc_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  builtin_zones INTEGER NOT NULL);"
	"CREATE TABLE vpc_cidr (vpc_id TEXT NOT NULL"
	"  REFERENCES vpc (vpc_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, cidr TEXT NOT NULL,"
	"  PRIMARY KEY (vpc_id, pos));"
	"CREATE TABLE vpc_listener (vpc_id TEXT NOT NULL"
	"  REFERENCES vpc (vpc_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, addr TEXT NOT NULL,"
	"  PRIMARY KEY (vpc_id, pos));"
	"CREATE TABLE zone (zone_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  kind TEXT NOT NULL, proxy_pattern TEXT NOT NULL,"
	"  serial INTEGER NOT NULL, soa_ttl INTEGER NOT NULL,"
	"  soa_mname TEXT NOT NULL, soa_rname TEXT NOT NULL,"
	"  soa_refresh INTEGER NOT NULL, soa_retry INTEGER NOT NULL,"
	"  soa_expire INTEGER NOT NULL, soa_minimum INTEGER NOT NULL);"
	"CREATE TABLE zone_ns (zone_id TEXT NOT NULL"
	"  REFERENCES zone (zone_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, name TEXT NOT NULL,"
	"  PRIMARY KEY (zone_id, pos));"
	"CREATE TABLE zone_vpc (zone_id TEXT NOT NULL"
	"  REFERENCES zone (zone_id) ON DELETE CASCADE,"
	"  vpc_id TEXT NOT NULL REFERENCES vpc (vpc_id),"
	"  PRIMARY KEY (zone_id, vpc_id));"
	"CREATE TABLE record (record_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  zone_id TEXT NOT NULL REFERENCES zone (zone_id)"
	"  ON DELETE CASCADE, type TEXT NOT NULL, ttl INTEGER NOT NULL,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE endpoint (endpoint_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  vpc_id TEXT NOT NULL REFERENCES vpc (vpc_id));"
	"CREATE TABLE endpoint_source (endpoint_id TEXT NOT NULL"
	"  REFERENCES endpoint (endpoint_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, addr TEXT NOT NULL,"
	"  PRIMARY KEY (endpoint_id, pos));"
	"CREATE TABLE endpoint_egress (endpoint_id TEXT NOT NULL"
	"  REFERENCES endpoint (endpoint_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, protocol TEXT NOT NULL,"
	"  port INTEGER NOT NULL, prefix TEXT NOT NULL,"
	"  PRIMARY KEY (endpoint_id, pos));"
	"CREATE TABLE rule (rule_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  domain TEXT NOT NULL,"
	"  endpoint_id TEXT NOT NULL REFERENCES endpoint (endpoint_id));"
	"CREATE TABLE rule_target (rule_id TEXT NOT NULL"
	"  REFERENCES rule (rule_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, addr TEXT NOT NULL,"
	"  PRIMARY KEY (rule_id, pos));"
	"CREATE TABLE rule_vpc (rule_id TEXT NOT NULL"
	"  REFERENCES rule (rule_id) ON DELETE CASCADE,"
	"  vpc_id TEXT NOT NULL REFERENCES vpc (vpc_id),"
	"  PRIMARY KEY (rule_id, vpc_id));"
	"CREATE TABLE upstream (upstream_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  vpc_id TEXT UNIQUE REFERENCES vpc (vpc_id),"
	"  source TEXT NOT NULL);"
	"CREATE TABLE upstream_target (upstream_id TEXT NOT NULL"
	"  REFERENCES upstream (upstream_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, addr TEXT NOT NULL,"
	"  PRIMARY KEY (upstream_id, pos));",

	/* 1 -> 2: indexes for the look-ups validation makes on every
	 * record change and every VPC binding. */
	"CREATE INDEX record_owner ON record (zone_id, name, type);"
	"CREATE INDEX zone_vpc_by_vpc ON zone_vpc (vpc_id);"
	"CREATE INDEX rule_vpc_by_vpc ON rule_vpc (vpc_id);",

	/* 2 -> 3: TSIG keys, secondary zones' settings, and the snapshot
	 * and refresh state their transfers leave. */
	"CREATE TABLE tsig_key (key_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  algorithm TEXT NOT NULL, secret TEXT NOT NULL);"
	"CREATE TABLE zone_secondary (zone_id TEXT PRIMARY KEY"
	"  REFERENCES zone (zone_id) ON DELETE CASCADE,"
	"  tsig_key TEXT REFERENCES tsig_key (key_id), endpoint_id TEXT,"
	"  max_records INTEGER NOT NULL, max_bytes INTEGER NOT NULL);"
	"CREATE INDEX zone_secondary_by_key ON zone_secondary (tsig_key);"
	"CREATE TABLE zone_primary (zone_id TEXT NOT NULL"
	"  REFERENCES zone (zone_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, addr TEXT NOT NULL,"
	"  PRIMARY KEY (zone_id, pos));"
	"CREATE TABLE zone_allow_notify (zone_id TEXT NOT NULL"
	"  REFERENCES zone (zone_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, addr TEXT NOT NULL,"
	"  PRIMARY KEY (zone_id, pos));"
	"CREATE TABLE xfr_state (zone_id TEXT PRIMARY KEY"
	"  REFERENCES zone (zone_id) ON DELETE CASCADE,"
	"  loaded INTEGER NOT NULL DEFAULT 0,"
	"  serial INTEGER NOT NULL DEFAULT 0,"
	"  refresh_at INTEGER NOT NULL DEFAULT 0,"
	"  expire_at INTEGER NOT NULL DEFAULT 0,"
	"  last_success INTEGER NOT NULL DEFAULT 0,"
	"  last_attempt INTEGER NOT NULL DEFAULT 0,"
	"  synced_at INTEGER NOT NULL DEFAULT 0,"
	"  primary_serial INTEGER NOT NULL DEFAULT -1,"
	"  last_error TEXT, records INTEGER NOT NULL DEFAULT 0,"
	"  snapshot_bytes INTEGER NOT NULL DEFAULT 0, snapshot BLOB);",

	/* 3 -> 4: inbound endpoints, the transfer settings and update
	 * policies of private zones, and the journal IXFR answers from. */
	"INSERT INTO id_counter VALUES ('in', 0);"
	"CREATE TABLE inbound (inbound_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  vpc_id TEXT NOT NULL REFERENCES vpc (vpc_id));"
	"CREATE TABLE inbound_listener (inbound_id TEXT NOT NULL"
	"  REFERENCES inbound (inbound_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, addr TEXT NOT NULL,"
	"  PRIMARY KEY (inbound_id, pos));"
	"CREATE TABLE inbound_allow (inbound_id TEXT NOT NULL"
	"  REFERENCES inbound (inbound_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, cidr TEXT NOT NULL,"
	"  PRIMARY KEY (inbound_id, pos));"
	"CREATE TABLE zone_transfer (zone_id TEXT PRIMARY KEY"
	"  REFERENCES zone (zone_id) ON DELETE CASCADE,"
	"  tsig_key TEXT REFERENCES tsig_key (key_id));"
	"CREATE TABLE zone_transfer_allow (zone_id TEXT NOT NULL"
	"  REFERENCES zone_transfer (zone_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, cidr TEXT NOT NULL,"
	"  PRIMARY KEY (zone_id, pos));"
	"CREATE TABLE zone_transfer_notify (zone_id TEXT NOT NULL"
	"  REFERENCES zone_transfer (zone_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, addr TEXT NOT NULL,"
	"  PRIMARY KEY (zone_id, pos));"
	"CREATE TABLE zone_update_grant (zone_id TEXT NOT NULL"
	"  REFERENCES zone (zone_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL,"
	"  key_name TEXT NOT NULL REFERENCES tsig_key (key_id),"
	"  match TEXT NOT NULL, name TEXT NOT NULL, types TEXT NOT NULL,"
	"  PRIMARY KEY (zone_id, pos));"
	"CREATE INDEX zone_transfer_by_key ON zone_transfer (tsig_key);"
	"CREATE INDEX zone_update_grant_by_key ON zone_update_grant"
	"  (key_name);"
	"CREATE TABLE zone_journal (seq INTEGER PRIMARY KEY,"
	"  zone_id TEXT NOT NULL REFERENCES zone (zone_id)"
	"  ON DELETE CASCADE, kind TEXT NOT NULL, owner TEXT NOT NULL,"
	"  type TEXT NOT NULL, ttl INTEGER NOT NULL, value TEXT NOT NULL,"
	"  serial INTEGER NOT NULL);"
	"CREATE INDEX zone_journal_by_zone ON zone_journal (zone_id, seq);",

	/* 4 -> 5: the VPN: gateways, customer gateways, IPsec connections
	 * with their traffic selectors and crypto settings, and routes. */
	"INSERT INTO id_counter VALUES ('vgw', 0), ('cgw', 0), ('vco', 0),"
	"  ('vrt', 0);"
	"CREATE TABLE vpn_gateway (gateway_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  vpc_id TEXT NOT NULL REFERENCES vpc (vpc_id),"
	"  public_ip TEXT NOT NULL);"
	"CREATE TABLE vpn_gateway_subnet (gateway_id TEXT NOT NULL"
	"  REFERENCES vpn_gateway (gateway_id) ON DELETE CASCADE,"
	"  pos INTEGER NOT NULL, cidr TEXT NOT NULL,"
	"  PRIMARY KEY (gateway_id, pos));"
	"CREATE TABLE customer_gateway (cgw_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  ip TEXT NOT NULL);"
	"CREATE TABLE ipsec_connection (connection_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  gateway_id TEXT NOT NULL REFERENCES vpn_gateway (gateway_id),"
	"  cgw_id TEXT NOT NULL REFERENCES customer_gateway (cgw_id),"
	"  psk TEXT NOT NULL, enabled INTEGER NOT NULL,"
	"  allow_weak_crypto INTEGER NOT NULL,"
	"  ike_version INTEGER NOT NULL, ike_mode TEXT NOT NULL,"
	"  ike_encryption TEXT NOT NULL, ike_integrity TEXT NOT NULL,"
	"  ike_dh_group TEXT NOT NULL, ike_lifetime INTEGER NOT NULL,"
	"  esp_encryption TEXT NOT NULL, esp_integrity TEXT NOT NULL,"
	"  esp_pfs TEXT NOT NULL, esp_lifetime INTEGER NOT NULL,"
	"  dpd_interval INTEGER NOT NULL);"
	"CREATE TABLE ipsec_connection_subnet (connection_id TEXT NOT NULL"
	"  REFERENCES ipsec_connection (connection_id) ON DELETE CASCADE,"
	"  side TEXT NOT NULL, pos INTEGER NOT NULL, cidr TEXT NOT NULL,"
	"  PRIMARY KEY (connection_id, side, pos));"
	"CREATE TABLE vpn_route (route_id TEXT PRIMARY KEY,"
	"  seq INTEGER NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  account TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	"  connection_id TEXT NOT NULL"
	"  REFERENCES ipsec_connection (connection_id),"
	"  destination TEXT NOT NULL);"
	"CREATE INDEX vpn_gateway_by_vpc ON vpn_gateway (vpc_id);"
	"CREATE INDEX ipsec_connection_by_gateway ON ipsec_connection"
	"  (gateway_id);"
	"CREATE INDEX ipsec_connection_by_cgw ON ipsec_connection (cgw_id);"
	"CREATE INDEX vpn_route_by_connection ON vpn_route (connection_id);",

	/* 5 -> 6: serve-stale per rule (RFC 8767), off by default; expired
	 * answers are served for at most max_stale seconds (one day). */
	"ALTER TABLE rule ADD COLUMN serve_stale INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rule ADD COLUMN max_stale INTEGER NOT NULL"
	"  DEFAULT 86400;",

	/* 6 -> 7: how a rule's targets are asked (issue 3): timeouts (0:
	 * the defaults of resolution.md section 5), TCP only, targets that
	 * are authoritative, DNS Cookies (on), 0x20 (off), hedging (on). */
	"ALTER TABLE rule ADD COLUMN try_timeout_ms INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE rule ADD COLUMN total_timeout_ms INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE rule ADD COLUMN tcp_only INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE rule ADD COLUMN authoritative INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE rule ADD COLUMN cookies INTEGER NOT NULL DEFAULT 1;"
	"ALTER TABLE rule ADD COLUMN case_randomization INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE rule ADD COLUMN hedging INTEGER NOT NULL DEFAULT 1;",

	/* 7 -> 8: secondary zones stored as a snapshot plus a journal of
	 * the IXFR diffs applied since it was written (issue 4): the serial
	 * the snapshot holds, and the journal, which goes with its zone. A
	 * stored snapshot so far held the served version. */
	"ALTER TABLE xfr_state ADD COLUMN snapshot_serial INTEGER NOT NULL"
	"  DEFAULT 0;"
	"UPDATE xfr_state SET snapshot_serial = serial;"
	"CREATE TABLE xfr_journal (zone_id TEXT NOT NULL"
	"  REFERENCES zone (zone_id) ON DELETE CASCADE,"
	"  seq INTEGER NOT NULL, from_serial INTEGER NOT NULL,"
	"  to_serial INTEGER NOT NULL, bytes INTEGER NOT NULL,"
	"  diff BLOB NOT NULL, PRIMARY KEY (zone_id, seq));",

	/* 8 -> 9: the address a private zone's NOTIFYs leave from (BIND's
	 * notify-source); "" keeps the automatic choice. */
	"ALTER TABLE zone_transfer ADD COLUMN notify_source TEXT NOT NULL"
	"  DEFAULT '';",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
	       STORE_SCHEMA_VERSION, "one migration per schema version");

/*
 * String lists
 */

int store_strv_push(struct store_strv *sv, const char *s)
{
	char **v = realloc(sv->v, (sv->n + 1) * sizeof(*v));
	if (v == NULL) {
		return ZG_ENOMEM;
	}
	sv->v = v;
	v[sv->n] = strdup(s);
	if (v[sv->n] == NULL) {
		return ZG_ENOMEM;
	}
	sv->n++;
	return 0;
}

void store_strv_clear(struct store_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		free(sv->v[i]);
	}
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

bool store_strv_has(const struct store_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (strcmp(sv->v[i], s) == 0) {
			return true;
		}
	}
	return false;
}

void store_commit_clear(struct store_commit *commit)
{
	store_strv_clear(&commit->zones);
	memset(commit, 0, sizeof(*commit));
}

/*
 * Statement helpers
 */

int store_fail(struct store *s, int sqlite_rc)
{
	const char *msg = s->db != NULL ? sqlite3_errmsg(s->db) : NULL;
	snprintf(s->errmsg, sizeof(s->errmsg), "%s",
		 msg != NULL ? msg : sqlite3_errstr(sqlite_rc));
	if ((sqlite_rc & 0xff) == SQLITE_CONSTRAINT) {
		return ZG_EEXIST;
	}
	if ((sqlite_rc & 0xff) == SQLITE_NOMEM) {
		return ZG_ENOMEM;
	}
	return ZG_ESTORE;
}

const char *store_last_error(const struct store *store)
{
	return store->errmsg;
}

static int bind_va(struct store *s, sqlite3_stmt *st, const char *fmt,
		   va_list ap)
{
	for (int i = 0; fmt != NULL && fmt[i] != '\0'; i++) {
		int rc = SQLITE_OK;
		switch (fmt[i]) {
		case 't': {
			const char *text = va_arg(ap, const char *);
			rc = text == NULL
				? sqlite3_bind_null(st, i + 1)
				: sqlite3_bind_text(st, i + 1, text, -1,
						    SQLITE_TRANSIENT);
			break;
		}
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'u':
			rc = sqlite3_bind_int64(st, i + 1,
						(int64_t)va_arg(ap, uint64_t));
			break;
		default:
			snprintf(s->errmsg, sizeof(s->errmsg),
				 "bad bind format '%c'", fmt[i]);
			return ZG_EINTERNAL;
		}
		if (rc != SQLITE_OK) {
			return store_fail(s, rc);
		}
	}
	return 0;
}

static int query_va(struct store *s, sqlite3_stmt **st, const char *sql,
		    const char *fmt, va_list ap)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return store_fail(s, rc);
	}
	int ret = bind_va(s, *st, fmt, ap);
	if (ret != 0) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return ret;
}

int store_query(struct store *s, sqlite3_stmt **st, const char *sql,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int ret = query_va(s, st, sql, fmt, ap);
	va_end(ap);
	return ret;
}

int store_query_one(struct store *s, sqlite3_stmt **st, const char *sql,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int ret = query_va(s, st, sql, fmt, ap);
	va_end(ap);
	if (ret == 0) {
		ret = store_step(s, *st);
		ret = ret == 1 ? 0 : ret == 0 ? ZG_ENOENT : ret;
	}
	return ret;
}

int store_step(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		return 1;
	}
	if (rc == SQLITE_DONE) {
		return 0;
	}
	return store_fail(s, rc);
}

int store_run(struct store *s, size_t *changes, const char *sql,
	      const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	va_start(ap, fmt);
	int ret = query_va(s, &st, sql, fmt, ap);
	va_end(ap);
	if (ret != 0) {
		return ret;
	}

	ret = store_step(s, st);
	if (ret == 1) {
		ret = 0;	/* a statement with RETURNING or a pragma */
	}
	if (changes != NULL) {
		*changes = (size_t)sqlite3_changes(s->db);
	}
	sqlite3_finalize(st);
	return ret;
}

int store_exec(struct store *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(s->errmsg, sizeof(s->errmsg), "%s",
			 msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return (rc & 0xff) == SQLITE_CONSTRAINT ? ZG_EEXIST : ZG_ESTORE;
	}
	return 0;
}

void store_col_text(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
	const unsigned char *text = sqlite3_column_text(st, col);
	snprintf(out, outlen, "%s", text != NULL ? (const char *)text : "");
}

void store_now(char out[STORE_TIME_LEN])
{
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(out, STORE_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(out, STORE_TIME_LEN, "1970-01-01T00:00:00Z");
	}
}

bool store_writable(struct store *s)
{
	if (!s->in_tx || !s->tx_write) {
		snprintf(s->errmsg, sizeof(s->errmsg),
			 "write outside a write transaction");
		return false;
	}
	return true;
}

int store_next_id(struct store *s, const char *kind, char *id, int64_t *seq)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(s, &st,
			      "UPDATE id_counter SET last = last + 1"
			      " WHERE kind = ? RETURNING last", "t", kind);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(s, st);
	if (ret == 1) {
		*seq = sqlite3_column_int64(st, 0);
		snprintf(id, STORE_ID_LEN, "%s-%" PRId64, kind, *seq);
		ret = 0;
	} else if (ret == 0) {
		snprintf(s->errmsg, sizeof(s->errmsg),
			 "no id counter for %s", kind);
		ret = ZG_ESTORE;
	}
	sqlite3_finalize(st);
	return ret;
}

/*
 * Change log
 */

static int tx_version(struct store *s)
{
	if (s->tx_version != 0) {
		return 0;
	}

	sqlite3_stmt *st = NULL;
	int ret = store_query(s, &st, "SELECT coalesce(max(version), 0) + 1"
			      " FROM change_log", NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(s, st);
	if (ret == 1) {
		s->tx_version = (uint64_t)sqlite3_column_int64(st, 0);
		ret = 0;
	} else if (ret == 0) {
		ret = ZG_ESTORE;
	}
	sqlite3_finalize(st);
	return ret;
}

int store_log_change(struct store *s, const char *op, const char *kind,
		     const char *resource_id, const char *fmt, ...)
{
	if (!store_writable(s)) {
		return ZG_EINTERNAL;
	}
	int ret = tx_version(s);
	if (ret != 0) {
		return ret;
	}

	char summary[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(summary, sizeof(summary), fmt, ap);
	va_end(ap);

	char now[STORE_TIME_LEN];
	store_now(now);
	return store_run(s, NULL,
			 "INSERT INTO change_log (version, time, uid, pid, op,"
			 " kind, resource_id, summary)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "utiitttt",
			 s->tx_version, now, (int64_t)s->caller.uid,
			 (int64_t)s->caller.pid, op, kind, resource_id,
			 summary);
}

/* RFC 1982 serial arithmetic: the serial wraps at 2^32. The bump happens
 * at the first change of a zone in a transaction, so that later reads in
 * the same transaction (the API's reply) see the serial being committed. */
int store_touch_zone(struct store *s, const char *zone_id, bool serial_set)
{
	bool first = !store_strv_has(&s->touched_zones, zone_id);
	bool explicit_serial = store_strv_has(&s->serial_set, zone_id);
	if (first && store_strv_push(&s->touched_zones, zone_id) != 0) {
		return ZG_ENOMEM;
	}
	if (serial_set && !explicit_serial &&
	    store_strv_push(&s->serial_set, zone_id) != 0) {
		return ZG_ENOMEM;
	}
	if (!first || serial_set || explicit_serial) {
		return 0;
	}
	return store_run(s, NULL, "UPDATE zone SET serial ="
			 " (serial + 1) % 4294967296 WHERE zone_id = ?", "t",
			 zone_id);
}

int store_version(struct store *store, uint64_t *version)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(store, &st,
			      "SELECT coalesce(max(version), 0) FROM change_log",
			      NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(store, st);
	if (ret == 1) {
		*version = (uint64_t)sqlite3_column_int64(st, 0);
		ret = 0;
	} else if (ret == 0) {
		ret = ZG_ESTORE;
	}
	sqlite3_finalize(st);
	return ret;
}

/*
 * Transactions
 */

static void tx_reset(struct store *s)
{
	s->in_tx = false;
	s->tx_write = false;
	s->tx_version = 0;
	s->config_changed = false;
	memset(&s->caller, 0, sizeof(s->caller));
	store_strv_clear(&s->touched_zones);
	store_strv_clear(&s->serial_set);
	store_strv_clear(&s->journal_cut);
}

int store_begin_locked(struct store *store,
		       const struct store_caller *caller)
{
	int ret = store_exec(store, caller != NULL ? "BEGIN IMMEDIATE"
						  : "BEGIN DEFERRED");
	if (ret != 0) {
		return ZG_ESTORE;
	}
	tx_reset(store);
	store->in_tx = true;
	store->tx_write = caller != NULL;
	if (caller != NULL) {
		store->caller = *caller;
	}
	return 0;
}

int store_begin(struct store *store, const struct store_caller *caller)
{
	pthread_mutex_lock(&store->lock);
	int ret = store_begin_locked(store, caller);
	if (ret != 0) {
		pthread_mutex_unlock(&store->lock);
	}
	return ret;
}

int store_commit_locked(struct store *store, struct store_commit *out)
{
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	/* Each touched zone's new version closes in its journal inside the
	 * transaction it belongs to. */
	int ret = store->tx_write ? store_journal_close(store) : 0;
	if (ret == 0) {
		ret = store_exec(store, "COMMIT");
	}
	if (ret != 0) {
		store_rollback_locked(store);
		return ZG_ESTORE;
	}

	if (out != NULL) {
		out->version = store->tx_version;
		out->config_changed = store->config_changed;
		out->zones = store->touched_zones;
		memset(&store->touched_zones, 0, sizeof(store->touched_zones));
	}
	tx_reset(store);
	return 0;
}

int store_commit(struct store *store, struct store_commit *out)
{
	int ret = store_commit_locked(store, out);
	pthread_mutex_unlock(&store->lock);
	return ret;
}

void store_rollback_locked(struct store *store)
{
	/* A failed ROLLBACK leaves nothing to do: SQLite has already rolled
	 * back when it reports that no transaction is active. Keep the
	 * message of the failure that led here. */
	char msg[sizeof(store->errmsg)];
	memcpy(msg, store->errmsg, sizeof(msg));
	(void)store_exec(store, "ROLLBACK");
	memcpy(store->errmsg, msg, sizeof(msg));
	tx_reset(store);
}

void store_rollback(struct store *store)
{
	store_rollback_locked(store);
	pthread_mutex_unlock(&store->lock);
}

/*
 * Opening and migrations
 */

int store_schema_version(struct store *s, unsigned *version)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(s, &st,
			      "SELECT (SELECT count(*) FROM sqlite_schema"
			      " WHERE type = 'table'),"
			      " (SELECT count(*) FROM sqlite_schema"
			      " WHERE type = 'table' AND name = 'schema_version')",
			      NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(s, st);
	int64_t n_tables = ret == 1 ? sqlite3_column_int64(st, 0) : 0;
	int64_t has_version = ret == 1 ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_finalize(st);
	if (ret < 0) {
		return ret;
	}
	if (n_tables == 0) {
		*version = 0;
		return 0;
	}
	if (has_version == 0) {
		snprintf(s->errmsg, sizeof(s->errmsg),
			 "the file has tables but no schema_version table");
		return ZG_ESTORE;
	}

	ret = store_query(s, &st, "SELECT max(version) FROM schema_version",
			  NULL);
	if (ret != 0) {
		return ret;
	}
	ret = store_step(s, st);
	*version = ret == 1 ? (unsigned)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return ret < 0 ? ret : 0;
}

static int migrate_step(struct store *s, unsigned from)
{
	int ret = store_exec(s, "BEGIN IMMEDIATE");
	if (ret != 0) {
		return ret;
	}
	if (from == 0) {
		ret = store_exec(s, "CREATE TABLE schema_version"
				 " (version INTEGER NOT NULL);"
				 "INSERT INTO schema_version VALUES (0);");
	}
	if (ret == 0) {
		ret = store_exec(s, migrations[from]);
	}
	if (ret == 0) {
		ret = store_run(s, NULL, "UPDATE schema_version SET version = ?",
				"i", (int64_t)from + 1);
	}
	if (ret == 0) {
		ret = store_exec(s, "COMMIT");
	}
	if (ret != 0) {
		char msg[sizeof(s->errmsg)];
		memcpy(msg, s->errmsg, sizeof(msg));
		(void)store_exec(s, "ROLLBACK");
		memcpy(s->errmsg, msg, sizeof(msg));
	}
	return ret;
}

int store_migrate(struct store *s, unsigned target, char *err, size_t errlen)
{
	unsigned version = 0;
	int ret = store_schema_version(s, &version);
	if (ret != 0) {
		snprintf(err, errlen, "%s is not a zonegate state database: %s",
			 s->path, s->errmsg);
		return ZG_ESTORE;
	}
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s has schema version %u but this zonegate knows only"
			 " up to %u; run a newer zonegate or restore a backup"
			 " made by this version", s->path, version,
			 STORE_SCHEMA_VERSION);
		return ZG_ESCHEMA;
	}

	for (unsigned v = version; v < target; v++) {
		ret = migrate_step(s, v);
		if (ret != 0) {
			snprintf(err, errlen,
				 "migrating %s from schema %u to %u failed: %s",
				 s->path, v, v + 1, s->errmsg);
			return ZG_ESTORE;
		}
	}
	return 0;
}

static int set_pragmas(struct store *s, char *err, size_t errlen)
{
	sqlite3_busy_timeout(s->db, 5000);

	sqlite3_stmt *st = NULL;
	int ret = store_query(s, &st, "PRAGMA journal_mode = WAL", NULL);
	if (ret == 0) {
		ret = store_step(s, st);
		char mode[16] = "";
		if (ret == 1) {
			store_col_text(st, 0, mode, sizeof(mode));
		}
		sqlite3_finalize(st);
		if (ret >= 0 && strcmp(mode, "wal") != 0) {
			snprintf(s->errmsg, sizeof(s->errmsg),
				 "journal mode is '%s', not wal", mode);
			ret = ZG_ESTORE;
		}
	}
	/* A page cache of 512 KiB, not SQLite's 2 MiB: what is served lives
	 * in the zones and snapshots; the pages a full read of a big zone
	 * passes through come again from the system's file cache. */
	if (ret >= 0) {
		ret = store_exec(s, "PRAGMA synchronous = FULL;"
				 "PRAGMA foreign_keys = ON;"
				 "PRAGMA cache_size = -512;");
	}
	if (ret < 0) {
		snprintf(err, errlen, "cannot set up %s: %s", s->path,
			 s->errmsg);
		return ZG_ESTORE;
	}
	return 0;
}

int store_open_version(const char *path, unsigned target_version,
		       struct store **out, char *err, size_t errlen)
{
	*out = NULL;
	struct store *s = calloc(1, sizeof(*s));
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return ZG_ENOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);

	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 s->db != NULL ? sqlite3_errmsg(s->db)
				       : sqlite3_errstr(rc));
		store_close(s);
		return ZG_ESTORE;
	}
	sqlite3_extended_result_codes(s->db, 1);

	int ret = set_pragmas(s, err, errlen);
	if (ret == 0) {
		ret = store_migrate(s, target_version, err, errlen);
	}
	if (ret != 0) {
		store_close(s);
		return ret;
	}
	*out = s;
	return 0;
}

int store_open(const char *path, struct store **out, char *err,
	       size_t errlen)
{
	return store_open_version(path, STORE_SCHEMA_VERSION, out, err,
				  errlen);
}

void store_close(struct store *store)
{
	if (store == NULL) {
		return;
	}
	if (store->db != NULL) {
		sqlite3_close(store->db);
	}
	tx_reset(store);
	pthread_mutex_destroy(&store->lock);
	free(store->path);
	free(store);
}
