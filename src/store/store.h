/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The state database: every resource, the change log and the id counters
 * in SQLite (WAL, synchronous=FULL), behind a typed C API. The only module
 * that includes sqlite3.h. */
#ifndef ZONEGATE_STORE_STORE_H
#define ZONEGATE_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Model
 * -----
 * One struct store owns one SQLite connection and one mutex. All reads
 * and writes happen inside a transaction opened with store_begin() and
 * closed with store_commit() or store_rollback(); a transaction holds the
 * mutex, so transactions of all threads run one after the other. Never
 * call store_begin() twice in one thread without closing the first.
 *
 * The store stores what it is given: the API validates (names, CIDRs,
 * record values) before it calls the store. Addresses, CIDRs and names
 * are kept as the canonical text the API produced.
 *
 * Ids are "<prefix>-<N>" (vpc-N, zone-N, rec-N, ep-N, rule-N) from a
 * counter per kind that only grows, so ids are never reused, also not
 * after a restore of an older backup. Upstreams are named by what they
 * serve: "upstream-global" and "upstream-<vpc_id>".
 *
 * Every write appends an entry to the change log. All entries of one
 * transaction share one version: the global version, which grows by one
 * per committed transaction that changed something. Each zone whose
 * contents (SOA, NS, records) a transaction changed gets its serial
 * raised by one, however many records changed: at its first change in
 * the transaction, so reads later in the transaction show the serial
 * being committed.
 *
 * Lists are paged: `after` is the id of the last item of the previous
 * page (NULL for the first page), `limit` the page size (0: all), and
 * *more says whether another page follows. List results are arrays the
 * caller frees with the matching *_list_free().
 *
 * Every struct below owns the heap pointers inside it; free them with the
 * matching *_clear(), which leaves the struct zeroed and reusable.
 */

#define STORE_SCHEMA_VERSION 9	/* the newest schema this build knows */
#define STORE_ID_LEN 48		/* "vpc-12", "upstream-vpc-3" plus NUL */
#define STORE_NAME_LEN 256	/* a presentation DNS name plus NUL */
#define STORE_TIME_LEN 24	/* "2024-05-01T12:00:00Z" plus NUL */
#define STORE_ACCOUNT_LEN 32
#define STORE_TYPE_LEN 16	/* record type mnemonic, op, kind */
#define STORE_ADDR_LEN 64	/* "[v6]:port" or a CIDR plus NUL */

struct store;

/* Who made a change: the API caller's SO_PEERCRED identity. */
struct store_caller {
	uint32_t uid;
	int32_t pid;
};

/* A list of owned strings. */
struct store_strv {
	char **v;
	size_t n;
};

/*! Appends a copy of s. \retval 0 or ZG_ENOMEM. */
int store_strv_push(struct store_strv *sv, const char *s);
/*! Frees every string and the array; sv is left empty. */
void store_strv_clear(struct store_strv *sv);
/*! True when sv holds s (exact compare). */
bool store_strv_has(const struct store_strv *sv, const char *s);

/* Fields every resource has. The store fills all but name on create. */
struct store_meta {
	char resource_id[STORE_ID_LEN];
	char name[STORE_NAME_LEN];
	char account[STORE_ACCOUNT_LEN];	/* "default" for now */
	int64_t version;			/* 1 on create, +1 per change */
	char created_at[STORE_TIME_LEN];	/* RFC 3339 UTC */
	char updated_at[STORE_TIME_LEN];
};

struct store_vpc {
	struct store_meta meta;
	struct store_strv cidrs;	/* canonical "10.0.0.0/8" */
	struct store_strv listen;	/* canonical "1.2.3.4:53", "[::1]:53" */
	bool builtin_zones;
};

struct store_soa {
	uint32_t ttl;
	char mname[STORE_NAME_LEN];	/* absolute, lower case */
	char rname[STORE_NAME_LEN];	/* absolute, lower case */
	uint32_t serial;		/* managed by the store, see above */
	uint32_t refresh;
	uint32_t retry;
	uint32_t expire;
	uint32_t minimum;
};

struct store_zone {
	struct store_meta meta;		/* name: absolute, lower case */
	char kind[STORE_TYPE_LEN];	/* "private" */
	char proxy_pattern[STORE_TYPE_LEN]; /* "zone" or "record" */
	struct store_soa soa;
	struct store_strv ns;		/* absolute names, apex NS RRset */
	struct store_strv vpcs;		/* bound vpc_ids; filled by reads */
};

/* meta.name is the owner relative to the zone: "@" or "www". */
struct store_record {
	struct store_meta meta;
	char zone_id[STORE_ID_LEN];
	char type[STORE_TYPE_LEN];	/* "A", "MX", ... upper case */
	uint32_t ttl;
	char *value;			/* canonical presentation, owned */
};

struct store_egress {
	char protocol[8];		/* "udp", "tcp" or "any" */
	uint16_t port;			/* 0: any */
	char prefix[STORE_ADDR_LEN];	/* canonical CIDR */
};

struct store_endpoint {
	struct store_meta meta;
	char vpc_id[STORE_ID_LEN];
	struct store_strv sources;	/* bare addresses */
	struct store_egress *egress;	/* owned array */
	size_t n_egress;
};

/* How a rule's targets are asked; docs/api.md names the fields. */
struct store_rule_forwarding {
	uint32_t try_timeout_ms;	/* 0: adaptive (800, then SRTT) */
	uint32_t total_timeout_ms;	/* 0: 6000 */
	bool tcp_only;
	bool authoritative;		/* targets serve the domain */
	bool cookies;			/* DNS Cookies; the API defaults on */
	bool case_randomization;	/* 0x20 */
	bool hedging;			/* the API defaults it on */
};

struct store_rule {
	struct store_meta meta;
	char domain[STORE_NAME_LEN];	/* absolute, lower case */
	char endpoint_id[STORE_ID_LEN];
	struct store_strv targets;	/* canonical "ip:port" */
	struct store_strv vpcs;		/* bound vpc_ids; filled by reads */
	bool serve_stale;		/* RFC 8767; the API defaults it off */
	uint32_t max_stale_s;		/* the API defaults it to 86400 */
	struct store_rule_forwarding fwd;
};

/* meta.resource_id is "upstream-global" or "upstream-<vpc_id>";
 * meta.name is "global" or the vpc_id. */
struct store_upstream {
	struct store_meta meta;
	char vpc_id[STORE_ID_LEN];	/* "" for the global upstream */
	struct store_strv targets;	/* canonical "ip:port" */
	char source[STORE_ADDR_LEN];	/* bare address or "" */
};

/* One change log entry. seq orders entries; version is shared by the
 * entries of one transaction. */
struct store_change {
	uint64_t seq;
	uint64_t version;
	char time[STORE_TIME_LEN];
	uint32_t uid;
	int32_t pid;
	char op[STORE_TYPE_LEN];	/* create update delete bind unbind
					 * restore */
	char kind[STORE_TYPE_LEN];	/* vpc zone record endpoint rule
					 * upstream store */
	char resource_id[STORE_ID_LEN];
	char *summary;			/* owned */
};

/* What a committed transaction changed, for the publisher. */
struct store_commit {
	uint64_t version;		/* 0: the transaction changed nothing */
	bool config_changed;		/* anything but zone contents */
	struct store_strv zones;	/* zone_ids whose contents changed
					 * (created, deleted included) */
};

void store_vpc_clear(struct store_vpc *vpc);
void store_zone_clear(struct store_zone *zone);
void store_record_clear(struct store_record *rec);
void store_endpoint_clear(struct store_endpoint *ep);
void store_rule_clear(struct store_rule *rule);
void store_upstream_clear(struct store_upstream *up);
void store_change_clear(struct store_change *change);
void store_commit_clear(struct store_commit *commit);

/*
 * Opening and closing
 */

/*!
 * Opens (creating if missing) the state database at path, sets WAL,
 * synchronous=FULL, foreign_keys=ON and a busy timeout, and migrates the
 * schema to STORE_SCHEMA_VERSION, each step in its own transaction.
 *
 * \param err  receives a sentence on failure (for the operator).
 * \retval 0 with *out set; ZG_ESCHEMA when the file's schema is newer
 *         than this build knows (nothing is changed); ZG_ESTORE when the
 *         file cannot be opened or is not a zonegate database; ZG_ENOMEM.
 */
int store_open(const char *path, struct store **out, char *err,
	       size_t errlen);

/*! Closes the database. No transaction may be open. Accepts NULL. */
void store_close(struct store *store);

/*
 * Transactions
 */

/*!
 * Opens a transaction and takes the store's mutex until commit or
 * rollback. caller NULL opens a read-only transaction (writes then fail
 * with ZG_EINTERNAL); otherwise a write transaction (BEGIN IMMEDIATE)
 * whose changes are logged with caller's uid and pid.
 * \retval 0 or ZG_ESTORE (the mutex is not held then).
 */
int store_begin(struct store *store, const struct store_caller *caller);

/*!
 * Commits durably and releases the mutex. out (may be NULL) receives what changed; the
 * caller clears it with store_commit_clear().
 * \retval 0 or ZG_ESTORE (the transaction is rolled back, mutex released).
 */
int store_commit(struct store *store, struct store_commit *out);

/*! Discards the transaction and releases the mutex. */
void store_rollback(struct store *store);

/*! The global version: that of the newest change log entry (0: none).
 *  Inside a transaction. */
int store_version(struct store *store, uint64_t *version);

/*! SQLite's text for the last failure of this store, for an error reply
 *  or a log line. Valid until the next store call; inside the
 *  transaction that failed. Never NULL. */
const char *store_last_error(const struct store *store);

/*
 * Resources. Every function below runs inside a transaction; writers need
 * a write transaction. Getters return ZG_ENOENT when the id is unknown;
 * any function may return ZG_ESTORE or ZG_ENOMEM. A failed write leaves
 * the transaction usable but the caller normally rolls it back.
 */

/*! out is overwritten (clear it first if it held data). */
int store_vpc_get(struct store *store, const char *vpc_id,
		  struct store_vpc *out);
int store_vpc_list(struct store *store, const char *after, size_t limit,
		   struct store_vpc **out, size_t *n_out, bool *more);
void store_vpc_list_free(struct store_vpc *vpcs, size_t n);
/*! Creates vpc from its name and fields; fills vpc->meta. */
int store_vpc_create(struct store *store, struct store_vpc *vpc);
/*! Replaces the fields of vpc->meta.resource_id (name included); bumps
 *  the version; refreshes vpc->meta. */
int store_vpc_update(struct store *store, struct store_vpc *vpc);
/*! Deletes a VPC. ZG_EEXIST while anything refers to it (the API checks
 *  first and says what). */
int store_vpc_delete(struct store *store, const char *vpc_id);

int store_zone_get(struct store *store, const char *zone_id,
		   struct store_zone *out);
int store_zone_list(struct store *store, const char *after, size_t limit,
		    struct store_zone **out, size_t *n_out, bool *more);
void store_zone_list_free(struct store_zone *zones, size_t n);
/*! Creates a zone with serial zone->soa.serial (the API passes 1). */
int store_zone_create(struct store *store, struct store_zone *zone);
/*! Replaces proxy pattern, SOA fields and NS of the zone; bumps the
 *  version. The serial is taken from zone->soa.serial when serial_set,
 *  and then not raised in this transaction; otherwise it is raised once
 *  when contents_changed. zone->soa.serial is not refreshed: read the
 *  zone again for the serial being committed. */
int store_zone_update(struct store *store, struct store_zone *zone,
		      bool contents_changed, bool serial_set);
/*! Deletes a zone with its records and bindings. */
int store_zone_delete(struct store *store, const char *zone_id);
/*! Binds/unbinds; bumps the zone's version. bind: ZG_EEXIST when
 *  already bound; unbind: ZG_ENOENT when not bound. */
int store_zone_bind(struct store *store, const char *zone_id,
		    const char *vpc_id);
int store_zone_unbind(struct store *store, const char *zone_id,
		      const char *vpc_id);

int store_record_get(struct store *store, const char *record_id,
		     struct store_record *out);
/*!
 * Lists the records of zone_id in id order, optionally only those whose
 * owner is name and/or whose type is type (NULL: any).
 */
int store_record_list(struct store *store, const char *zone_id,
		      const char *name, const char *type, const char *after,
		      size_t limit, struct store_record **out, size_t *n_out,
		      bool *more);
void store_record_list_free(struct store_record *recs, size_t n);
/*! rec->zone_id, meta.name, type, ttl, value are input. */
int store_record_create(struct store *store, struct store_record *rec);
/*! Replaces ttl and value. */
int store_record_update(struct store *store, struct store_record *rec);
int store_record_delete(struct store *store, const char *record_id);
/*! Sets the TTL of every record of one RRset (owner name, type) and
 *  bumps each changed record's version. *changed: records changed. */
int store_rrset_set_ttl(struct store *store, const char *zone_id,
			const char *name, const char *type, uint32_t ttl,
			size_t *changed);

int store_endpoint_get(struct store *store, const char *endpoint_id,
		       struct store_endpoint *out);
int store_endpoint_list(struct store *store, const char *after, size_t limit,
			struct store_endpoint **out, size_t *n_out,
			bool *more);
void store_endpoint_list_free(struct store_endpoint *eps, size_t n);
int store_endpoint_create(struct store *store, struct store_endpoint *ep);
/*! Replaces name, sources and egress (the VPC never changes). */
int store_endpoint_update(struct store *store, struct store_endpoint *ep);
int store_endpoint_delete(struct store *store, const char *endpoint_id);

int store_rule_get(struct store *store, const char *rule_id,
		   struct store_rule *out);
int store_rule_list(struct store *store, const char *after, size_t limit,
		    struct store_rule **out, size_t *n_out, bool *more);
void store_rule_list_free(struct store_rule *rules, size_t n);
int store_rule_create(struct store *store, struct store_rule *rule);
/*! Replaces name, endpoint and targets (the domain never changes). */
int store_rule_update(struct store *store, struct store_rule *rule);
/*! Deletes a rule with its bindings. */
int store_rule_delete(struct store *store, const char *rule_id);
int store_rule_bind(struct store *store, const char *rule_id,
		    const char *vpc_id);
int store_rule_unbind(struct store *store, const char *rule_id,
		      const char *vpc_id);

/*! upstream_id is "upstream-global" or "upstream-<vpc_id>". */
int store_upstream_get(struct store *store, const char *upstream_id,
		       struct store_upstream *out);
/*! The global upstream first, then per VPC in VPC id order. */
int store_upstream_list(struct store *store, const char *after, size_t limit,
			struct store_upstream **out, size_t *n_out,
			bool *more);
void store_upstream_list_free(struct store_upstream *ups, size_t n);
/*! Creates or replaces the upstream of up->vpc_id ("" = global): targets
 *  and source; fills up->meta. *created says which happened. */
int store_upstream_put(struct store *store, struct store_upstream *up,
		       bool *created);
int store_upstream_delete(struct store *store, const char *upstream_id);

/*! Change log entries, oldest first; `after` is a seq in decimal. */
int store_change_list(struct store *store, const char *after, size_t limit,
		      struct store_change **out, size_t *n_out, bool *more);
void store_change_list_free(struct store_change *changes, size_t n);

/*
 * Backup and restore. Both take the store's mutex themselves: call them
 * outside any transaction. Safe while the daemon serves and the API
 * runs; other transactions wait meanwhile.
 */

/*!
 * Writes a consistent copy of the database to path with SQLite's online
 * backup API: first to "<path>.tmp-<pid>", fsynced, then renamed over
 * path, so path is either the old file or the whole new one.
 * \retval 0, ZG_EINVAL (path is the live database), ZG_ESTORE (err says
 *         why).
 */
int store_backup(struct store *store, const char *path, char *err,
		 size_t errlen);

/*!
 * Replaces every resource with those of the backup at path, in one
 * transaction. The backup is copied to a private temporary file first
 * (the file at path is never changed), migrated there when its schema is
 * older, and refused with ZG_ESCHEMA when newer. The change log is kept
 * and gets one "restore" entry; id counters keep the higher of the two
 * values so ids stay unique; every restored zone's serial becomes one
 * more than the higher of its old and restored serials, so secondaries
 * and caches see a newer zone.
 * \param version  receives the new global version (may be NULL).
 * \retval 0, ZG_EINVAL (not a zonegate state file), ZG_ESCHEMA,
 *         ZG_ESTORE; err says why. On failure nothing changed.
 */
int store_restore(struct store *store, const char *path,
		  const struct store_caller *caller, uint64_t *version,
		  char *err, size_t errlen);

/*
 * TSIG keys (RFC 8945) and secondary zones (secondary.c). A TSIG key is
 * named by its DNS key name: meta.resource_id and meta.name are both the
 * name, absolute and lower case ("xfr-key."). Secrets are base64 text;
 * nothing in the store logs them.
 */

struct store_tsig_key {
	struct store_meta meta;
	char algorithm[STORE_TYPE_LEN];	/* "hmac-sha256", ... */
	char secret[128];		/* base64 */
};

/*! Zeroes the key (the secret included). */
void store_tsig_key_clear(struct store_tsig_key *key);
int store_tsig_get(struct store *store, const char *name,
		   struct store_tsig_key *out);
/*! Keys in name order; `after` is the last name of the previous page. */
int store_tsig_list(struct store *store, const char *after, size_t limit,
		    struct store_tsig_key **out, size_t *n_out, bool *more);
void store_tsig_list_free(struct store_tsig_key *keys, size_t n);
/*! key->meta.name, algorithm and secret are input; fills the rest of
 *  meta. ZG_EEXIST when a key of that name exists. */
int store_tsig_create(struct store *store, struct store_tsig_key *key);
/*! ZG_EEXIST while a secondary zone uses the key. */
int store_tsig_delete(struct store *store, const char *name);
/*! Appends the ids of the zones that use the key: secondary settings,
 *  transfer settings and update grants. */
int store_tsig_users(struct store *store, const char *name,
		     struct store_strv *zone_ids);

/* The settings of a zone of kind "secondary". */
struct store_secondary {
	char zone_id[STORE_ID_LEN];
	struct store_strv primaries;	/* canonical "ip:port" */
	char tsig_key[STORE_NAME_LEN];	/* key name, "" for none */
	char endpoint_id[STORE_ID_LEN];	/* "" for none */
	struct store_strv allow_notify;	/* bare addresses */
	uint64_t max_records;		/* per transfer */
	uint64_t max_bytes;		/* per transfer, DNS messages */
};

void store_secondary_clear(struct store_secondary *sec);
/*! ZG_ENOENT when zone_id has no secondary settings. */
int store_secondary_get(struct store *store, const char *zone_id,
			struct store_secondary *out);
/*! Creates or replaces the settings of sec->zone_id (the zone exists).
 *  Logs nothing: the caller logs the zone change it belongs to. */
int store_secondary_put(struct store *store,
			const struct store_secondary *sec);

/* What the transfers of a secondary zone left. Times are Unix seconds,
 * 0 for never. The version served is the snapshot with the journal's
 * diffs applied in seq order: an AXFR writes a new snapshot and empties
 * the journal, an IXFR appends its diffs to the journal. */
struct store_xfr_state {
	char zone_id[STORE_ID_LEN];
	bool loaded;			/* a snapshot is stored */
	uint32_t serial;		/* of the version served */
	int64_t refresh_at;		/* next SOA check due */
	int64_t expire_at;		/* served until then without contact */
	int64_t last_success;		/* last transfer or SOA check that worked */
	int64_t last_attempt;
	int64_t synced_at;		/* last time known equal to a primary */
	int64_t primary_serial;		/* last serial a primary showed, -1 */
	char last_error[256];		/* "" after a success */
	uint64_t records;		/* in the version served */
	uint64_t snapshot_bytes;	/* read only: size of the snapshot */
	uint32_t snapshot_serial;	/* read only: serial of the snapshot */
	uint64_t journal_entries;	/* read only: diffs in the journal */
	uint64_t journal_bytes;		/* read only: their encoded size */
};

/* One journal entry: the diff that took the zone from from_serial to
 * to_serial, encoded by the xfr module. */
struct store_xfr_journal_entry {
	uint64_t seq;			/* 1, 2, ... since the snapshot */
	uint32_t from_serial;
	uint32_t to_serial;
	uint8_t *diff;			/* owned */
	size_t len;
};

/*! ZG_ENOENT when the zone never had transfer state. */
int store_xfr_state_get(struct store *store, const char *zone_id,
			struct store_xfr_state *out);
/*! Writes the state, not the snapshot. Needs a write transaction but
 *  adds no change log entry (the zone's configuration did not change).
 *  A zone deleted meanwhile is ignored. */
int store_xfr_state_put(struct store *store,
			const struct store_xfr_state *state);
/*! Writes the state, replaces the snapshot (of the version at
 *  state->serial) and empties the journal, in the caller's transaction,
 *  so a crash leaves either the old snapshot and journal or the new. */
int store_xfr_snapshot_put(struct store *store,
			   const struct store_xfr_state *state,
			   const uint8_t *snapshot, size_t len);
/*! The stored snapshot (malloc'd, the caller frees). ZG_ENOENT: none. */
int store_xfr_snapshot_get(struct store *store, const char *zone_id,
			   uint8_t **snapshot, size_t *len);
/*!
 * Appends one diff to the zone's journal in the caller's write
 * transaction; write the state (store_xfr_state_put) in the same one.
 * from_serial must be where the stored version ends: the last entry's
 * to_serial, or the snapshot's serial when the journal is empty.
 * \retval 0 (also when the zone was deleted meanwhile: nothing is
 *         written), ZG_EINVAL (no snapshot, or from_serial does not
 *         continue the journal; nothing is written), ZG_ESTORE.
 */
int store_xfr_journal_append(struct store *store, const char *zone_id,
			     uint32_t from_serial, uint32_t to_serial,
			     const uint8_t *diff, size_t len);
/*! The journal in seq order (an array the caller frees with
 *  store_xfr_journal_free(); NULL and 0 when empty). */
int store_xfr_journal_get(struct store *store, const char *zone_id,
			  struct store_xfr_journal_entry **out, size_t *n_out);
void store_xfr_journal_free(struct store_xfr_journal_entry *entries,
			    size_t n);
/*! Empties the journal and writes the state (whose serial is then the
 *  snapshot's), in the caller's write transaction: for a journal that
 *  cannot be replayed. */
int store_xfr_journal_drop(struct store *store,
			   const struct store_xfr_state *state);

/*
 * Zone sync outwards (zonesync.c): inbound endpoints, the transfer
 * settings and update grants of private zones, and the journal that
 * incremental transfers (IXFR) are answered from.
 */

/* An inbound endpoint: addresses that clients outside the VPCs (on
 * premises) query, answered as the VPC vpc_id. Ids are "in-N". */
struct store_inbound {
	struct store_meta meta;
	char vpc_id[STORE_ID_LEN];
	struct store_strv listen;	/* canonical "ip:port" */
	struct store_strv allow;	/* canonical CIDRs of allowed sources */
};

void store_inbound_clear(struct store_inbound *ib);
int store_inbound_get(struct store *store, const char *inbound_id,
		      struct store_inbound *out);
int store_inbound_list(struct store *store, const char *after, size_t limit,
		       struct store_inbound **out, size_t *n_out, bool *more);
void store_inbound_list_free(struct store_inbound *ibs, size_t n);
/*! Creates ib from its name, vpc_id, listen and allow; fills ib->meta. */
int store_inbound_create(struct store *store, struct store_inbound *ib);
/*! Replaces name, vpc_id, listen and allow; bumps the version and
 *  refreshes ib->meta. */
int store_inbound_update(struct store *store, struct store_inbound *ib);
int store_inbound_delete(struct store *store, const char *inbound_id);

/* Who may transfer a private zone out (AXFR/IXFR) and whom to NOTIFY.
 * A zone without settings is never transferred. */
struct store_transfer {
	char zone_id[STORE_ID_LEN];
	struct store_strv allow;	/* canonical CIDRs of secondaries */
	char tsig_key[STORE_NAME_LEN];	/* key name required, "" for none */
	struct store_strv notify;	/* canonical "ip:port" */
	char notify_source[STORE_ADDR_LEN]; /* bare address NOTIFYs leave
					     * from, "" for the automatic
					     * choice */
};

void store_transfer_clear(struct store_transfer *xfr);
/*! ZG_ENOENT when the zone has no transfer settings. */
int store_transfer_get(struct store *store, const char *zone_id,
		       struct store_transfer *out);
/*! Creates or replaces the settings of xfr->zone_id (the zone exists;
 *  ZG_EEXIST when tsig_key names no key). Logs a zone update. */
int store_transfer_put(struct store *store, const struct store_transfer *xfr);
/*! Removes them. ZG_ENOENT when there were none. */
int store_transfer_delete(struct store *store, const char *zone_id);

/*!
 * The addresses zonegate listens on for the VPCs zone_id is bound to, in
 * the order the automatic NOTIFY source takes them: VPC by VPC in the
 * order they were bound, the listeners of the VPC's inbound endpoints
 * (oldest endpoint first), then the VPC's own listeners. Canonical
 * "ip:port", duplicates kept; out is appended to. None for a zone bound
 * to no VPC with listeners or endpoints.
 */
int store_transfer_sources(struct store *store, const char *zone_id,
			   struct store_strv *out);

/* One grant of a zone's dynamic update policy (RFC 2136): what a TSIG
 * key may change. */
struct store_grant {
	char key_name[STORE_NAME_LEN];	/* absolute, lower case */
	char match[STORE_TYPE_LEN];	/* "zone", "name" or "subtree" */
	char name[STORE_NAME_LEN];	/* absolute, lower case; "" for zone */
	struct store_strv types;	/* upper-case mnemonics; none: every
					 * type but SOA and NS at the apex */
};

void store_grant_clear(struct store_grant *grant);
/*! The grants of zone_id in the order they were given. */
int store_grant_list(struct store *store, const char *zone_id,
		     struct store_grant **out, size_t *n_out);
void store_grant_list_free(struct store_grant *grants, size_t n);
/*! Adds a grant, or replaces the types of the grant with the same key,
 *  match and name. ZG_EEXIST when key_name names no key. Logs a zone
 *  update. */
int store_grant_put(struct store *store, const char *zone_id,
		    const struct store_grant *grant);
/*! Removes every grant of key_name. ZG_ENOENT when it had none. */
int store_grant_revoke(struct store *store, const char *zone_id,
		       const char *key_name);

/*
 * The journal of a zone's contents. Every record written through the
 * functions above leaves "add" and "del" entries (owner as the record's
 * name, "@" or relative), and every committed transaction that changed
 * the zone closes the version with a "soa" entry (value "MNAME RNAME
 * SERIAL REFRESH RETRY EXPIRE MINIMUM", ttl the SOA's, serial set)
 * followed by one "ns" entry per apex NS name. Restoring a backup drops
 * the journal with its zones. At most STORE_JOURNAL_VERSIONS versions
 * are kept per zone.
 */
#define STORE_JOURNAL_VERSIONS 100

struct store_journal_entry {
	char kind[8];			/* "add", "del", "soa", "ns" */
	char owner[STORE_NAME_LEN];	/* "@" or relative; "" for soa, ns */
	char type[STORE_TYPE_LEN];	/* "SOA" for soa, "NS" for ns */
	uint32_t ttl;
	uint32_t serial;		/* soa entries only */
	char *value;			/* owned */
};

/*!
 * The entries that lead from the version with serial from_serial to the
 * newest version with serial to_serial, both closing groups included:
 * out starts with from's "soa" entry and ends with to's last "ns" entry.
 * \retval 0, ZG_ENOENT (either version is no longer or was never in the
 *         journal, or from does not come before to), ZG_ENOMEM,
 *         ZG_ESTORE.
 */
int store_journal_read(struct store *store, const char *zone_id,
		       uint32_t from_serial, uint32_t to_serial,
		       struct store_journal_entry **out, size_t *n_out);
void store_journal_free(struct store_journal_entry *entries, size_t n);

/*
 * The VPN (vpn.c): VPN gateways, customer gateways, IPsec connections
 * and routes. Ids are "vgw-N", "cgw-N", "vco-N" and "vrt-N". A
 * connection's pre-shared key is kept in clear text because charon needs
 * it; nothing in the store logs it, and the change log names only ids.
 * Writes mark nothing for the DNS configuration: the vpn module reads
 * these tables itself.
 */

#define STORE_PSK_LEN 129		/* up to 128 characters plus NUL */
#define STORE_ALG_LEN 24		/* "aes256gcm16", "modp2048" ... */

struct store_vpn_gateway {
	struct store_meta meta;
	char vpc_id[STORE_ID_LEN];
	char public_ip[STORE_ADDR_LEN];	/* bare address */
	struct store_strv local_subnets; /* canonical CIDRs */
};

struct store_customer_gateway {
	struct store_meta meta;
	char ip[STORE_ADDR_LEN];	/* bare address of the peer */
};

/* Crypto fields hold the names docs/api.md lists; the API checks them. */
struct store_ipsec_connection {
	struct store_meta meta;
	char gateway_id[STORE_ID_LEN];
	char cgw_id[STORE_ID_LEN];
	struct store_strv local_subnets; /* canonical CIDRs, our side */
	struct store_strv remote_subnets; /* canonical CIDRs, the peer's */
	char psk[STORE_PSK_LEN];
	bool enabled;			/* false: kept out of charon */
	bool allow_weak_crypto;
	uint32_t ike_version;		/* 1 or 2 */
	char ike_mode[STORE_TYPE_LEN];	/* "main" or "aggressive" */
	char ike_encryption[STORE_ALG_LEN];
	char ike_integrity[STORE_ALG_LEN];
	char ike_dh_group[STORE_ALG_LEN];
	uint32_t ike_lifetime_s;
	char esp_encryption[STORE_ALG_LEN];
	char esp_integrity[STORE_ALG_LEN];
	char esp_pfs[STORE_ALG_LEN];	/* a DH group or "none" */
	uint32_t esp_lifetime_s;
	uint32_t dpd_interval_s;	/* 0: no dead peer detection */
};

/* meta.name is the destination. */
struct store_vpn_route {
	struct store_meta meta;
	char connection_id[STORE_ID_LEN];
	char destination[STORE_ADDR_LEN]; /* canonical CIDR */
};

void store_vpn_gateway_clear(struct store_vpn_gateway *gw);
void store_customer_gateway_clear(struct store_customer_gateway *cgw);
/*! Zeroes the connection, the pre-shared key included. */
void store_ipsec_connection_clear(struct store_ipsec_connection *conn);
void store_vpn_route_clear(struct store_vpn_route *route);

int store_vpn_gateway_get(struct store *store, const char *gateway_id,
			  struct store_vpn_gateway *out);
int store_vpn_gateway_list(struct store *store, const char *after,
			   size_t limit, struct store_vpn_gateway **out,
			   size_t *n_out, bool *more);
void store_vpn_gateway_list_free(struct store_vpn_gateway *gws, size_t n);
/*! Creates gw from its name, vpc_id, public_ip and local_subnets. */
int store_vpn_gateway_create(struct store *store,
			     struct store_vpn_gateway *gw);
/*! Replaces name and local_subnets; refreshes gw->meta. */
int store_vpn_gateway_update(struct store *store,
			     struct store_vpn_gateway *gw);
/*! ZG_EEXIST while a connection uses the gateway. */
int store_vpn_gateway_delete(struct store *store, const char *gateway_id);

int store_customer_gateway_get(struct store *store, const char *cgw_id,
			       struct store_customer_gateway *out);
int store_customer_gateway_list(struct store *store, const char *after,
				size_t limit,
				struct store_customer_gateway **out,
				size_t *n_out, bool *more);
void store_customer_gateway_list_free(struct store_customer_gateway *cgws,
				      size_t n);
int store_customer_gateway_create(struct store *store,
				  struct store_customer_gateway *cgw);
/*! Replaces the name; refreshes cgw->meta. */
int store_customer_gateway_update(struct store *store,
				  struct store_customer_gateway *cgw);
/*! ZG_EEXIST while a connection uses the customer gateway. */
int store_customer_gateway_delete(struct store *store, const char *cgw_id);

int store_ipsec_connection_get(struct store *store, const char *connection_id,
			       struct store_ipsec_connection *out);
int store_ipsec_connection_list(struct store *store, const char *after,
				size_t limit,
				struct store_ipsec_connection **out,
				size_t *n_out, bool *more);
void store_ipsec_connection_list_free(struct store_ipsec_connection *conns,
				      size_t n);
/*! Creates conn from every field but meta (name excepted). */
int store_ipsec_connection_create(struct store *store,
				  struct store_ipsec_connection *conn);
/*! Replaces every field but the gateways; refreshes conn->meta. */
int store_ipsec_connection_update(struct store *store,
				  struct store_ipsec_connection *conn);
/*! ZG_EEXIST while a route uses the connection. */
int store_ipsec_connection_delete(struct store *store,
				  const char *connection_id);

int store_vpn_route_get(struct store *store, const char *route_id,
			struct store_vpn_route *out);
/*! Routes in id order; connection_id NULL for every connection. */
int store_vpn_route_list(struct store *store, const char *connection_id,
			 const char *after, size_t limit,
			 struct store_vpn_route **out, size_t *n_out,
			 bool *more);
void store_vpn_route_list_free(struct store_vpn_route *routes, size_t n);
/*! Creates a route from connection_id and destination (also its name). */
int store_vpn_route_create(struct store *store, struct store_vpn_route *route);
int store_vpn_route_delete(struct store *store, const char *route_id);

#endif
