/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the state database: schema migrations, ids, change sets,
 * the change log, backup and restore. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "store/store.h"
#include "store/store_priv.h"
#include "store/tests/fixture.h"

static const struct store_caller caller = { .uid = 1234, .pid = 5678 };

/* Runs one SQL statement on a raw connection to path. */
static void raw_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void make_vpc(struct store *s, const char *name, const char *cidr,
		     char *vpc_id)
{
	struct store_vpc vpc = { .builtin_zones = true };
	snprintf(vpc.meta.name, sizeof(vpc.meta.name), "%s", name);
	assert_int_equal(store_strv_push(&vpc.cidrs, cidr), 0);
	assert_int_equal(store_vpc_create(s, &vpc), 0);
	if (vpc_id != NULL) {
		strcpy(vpc_id, vpc.meta.resource_id);
	}
	store_vpc_clear(&vpc);
}

static void make_zone(struct store *s, const char *name, char *zone_id)
{
	struct store_zone zone = { 0 };
	snprintf(zone.meta.name, sizeof(zone.meta.name), "%s", name);
	strcpy(zone.kind, "private");
	strcpy(zone.proxy_pattern, "zone");
	zone.soa = (struct store_soa){ .ttl = 3600, .serial = 1,
		.refresh = 3600, .retry = 600, .expire = 604800,
		.minimum = 300 };
	snprintf(zone.soa.mname, sizeof(zone.soa.mname), "ns1.%s", name);
	snprintf(zone.soa.rname, sizeof(zone.soa.rname), "hostmaster.%s",
		 name);
	assert_int_equal(store_strv_push(&zone.ns, zone.soa.mname), 0);
	assert_int_equal(store_zone_create(s, &zone), 0);
	strcpy(zone_id, zone.meta.resource_id);
	store_zone_clear(&zone);
}

static void make_record(struct store *s, const char *zone_id,
			const char *name, const char *type, uint32_t ttl,
			const char *value)
{
	struct store_record rec = { .ttl = ttl };
	snprintf(rec.meta.name, sizeof(rec.meta.name), "%s", name);
	strcpy(rec.zone_id, zone_id);
	strcpy(rec.type, type);
	rec.value = strdup(value);
	assert_int_equal(store_record_create(s, &rec), 0);
	store_record_clear(&rec);
}

static uint32_t zone_serial(struct store *s, const char *zone_id)
{
	struct store_zone zone = { 0 };
	assert_int_equal(store_begin(s, NULL), 0);
	assert_int_equal(store_zone_get(s, zone_id, &zone), 0);
	store_rollback(s);
	uint32_t serial = zone.soa.serial;
	store_zone_clear(&zone);
	return serial;
}

static uint64_t current_version(struct store *s)
{
	uint64_t version = 0;
	assert_int_equal(store_begin(s, NULL), 0);
	assert_int_equal(store_version(s, &version), 0);
	store_rollback(s);
	return version;
}

/*
 * Opening and migrations
 */

static void test_open_sets_wal_full_sync_and_foreign_keys(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->store->db, "PRAGMA journal_mode",
					    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	/* synchronous FULL is 2, foreign_keys ON is 1. */
	assert_int_equal(fixture_int(f->store, "PRAGMA synchronous"), 2);
	assert_int_equal(fixture_int(f->store, "PRAGMA foreign_keys"), 1);
	assert_true(fixture_int(f->store, "PRAGMA busy_timeout") > 0);

	unsigned version = 0;
	assert_int_equal(store_schema_version(f->store, &version), 0);
	assert_int_equal(version, STORE_SCHEMA_VERSION);
}

static void test_migration_from_version_1_keeps_data(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256];
	snprintf(path, sizeof(path), "%s/old.db", f->dir);

	struct store *old = NULL;
	assert_int_equal(store_open_version(path, 1, &old, err, sizeof(err)),
			 0);
	unsigned version = 0;
	assert_int_equal(store_schema_version(old, &version), 0);
	assert_int_equal(version, 1);
	assert_int_equal(fixture_int(old, "SELECT count(*) FROM sqlite_schema"
				     " WHERE name = 'record_owner'"), 0);
	assert_int_equal(store_begin(old, &caller), 0);
	make_vpc(old, "prod", "10.0.0.0/8", NULL);
	assert_int_equal(store_commit(old, NULL), 0);
	store_close(old);

	struct store *s = NULL;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	assert_int_equal(store_schema_version(s, &version), 0);
	assert_int_equal(version, STORE_SCHEMA_VERSION);
	assert_int_equal(fixture_int(s, "SELECT count(*) FROM sqlite_schema"
				     " WHERE name = 'record_owner'"), 1);
	struct store_vpc vpc = { 0 };
	assert_int_equal(store_begin(s, NULL), 0);
	assert_int_equal(store_vpc_get(s, "vpc-1", &vpc), 0);
	store_rollback(s);
	assert_string_equal(vpc.meta.name, "prod");
	assert_string_equal(vpc.cidrs.v[0], "10.0.0.0/8");
	store_vpc_clear(&vpc);
	store_close(s);
}

static void test_open_refuses_newer_schema(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256];
	snprintf(path, sizeof(path), "%s/new.db", f->dir);
	struct store *s = NULL;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	store_close(s);
	char sql[64], newer[32], known[32];
	snprintf(sql, sizeof(sql), "UPDATE schema_version SET version = %d",
		 STORE_SCHEMA_VERSION + 1);
	snprintf(newer, sizeof(newer), "schema version %d",
		 STORE_SCHEMA_VERSION + 1);
	snprintf(known, sizeof(known), "knows only up to %d",
		 STORE_SCHEMA_VERSION);
	raw_sql(path, sql);

	s = NULL;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), ZG_ESCHEMA);
	assert_null(s);
	assert_non_null(strstr(err, newer));
	assert_non_null(strstr(err, known));

	/* Nothing was changed: a second attempt sees the same version. */
	assert_int_equal(store_open(path, &s, err, sizeof(err)), ZG_ESCHEMA);
}

static void test_open_refuses_a_database_that_is_not_ours(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256];
	snprintf(path, sizeof(path), "%s/other.db", f->dir);
	raw_sql(path, "CREATE TABLE things (x INTEGER)");
	struct store *s = NULL;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), ZG_ESTORE);
	assert_non_null(strstr(err, "not a zonegate state database"));
}

/*
 * Ids, transactions, the change log
 */

static void test_ids_are_never_reused(void **state)
{
	struct fixture *f = *state;
	char vpc_id[STORE_ID_LEN];
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "a", "10.1.0.0/16", vpc_id);
	assert_string_equal(vpc_id, "vpc-1");
	make_vpc(f->store, "b", "10.2.0.0/16", vpc_id);
	assert_string_equal(vpc_id, "vpc-2");
	assert_int_equal(store_vpc_delete(f->store, "vpc-2"), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "c", "10.3.0.0/16", vpc_id);
	assert_string_equal(vpc_id, "vpc-3");
	assert_int_equal(store_commit(f->store, NULL), 0);

	/* Each kind counts on its own. */
	char zone_id[STORE_ID_LEN];
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "corp.example.", zone_id);
	assert_string_equal(zone_id, "zone-1");
	assert_int_equal(store_commit(f->store, NULL), 0);
}

static void test_change_set_bumps_each_zone_serial_once(void **state)
{
	struct fixture *f = *state;
	char z1[STORE_ID_LEN], z2[STORE_ID_LEN];
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "a.example.", z1);
	make_zone(f->store, "b.example.", z2);
	assert_int_equal(store_commit(f->store, NULL), 0);
	/* A new zone starts at the serial it was created with. */
	assert_int_equal(zone_serial(f->store, z1), 1);

	struct store_commit commit = { 0 };
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_record(f->store, z1, "www", "A", 300, "192.0.2.1");
	make_record(f->store, z1, "www", "A", 300, "192.0.2.2");
	make_record(f->store, z1, "mail", "A", 300, "192.0.2.3");
	make_record(f->store, z2, "@", "TXT", 60, "\"x\"");
	/* Reads inside the transaction see the serial being committed. */
	struct store_zone zone = { 0 };
	assert_int_equal(store_zone_get(f->store, z1, &zone), 0);
	assert_int_equal(zone.soa.serial, 2);
	store_zone_clear(&zone);
	assert_int_equal(store_commit(f->store, &commit), 0);

	assert_int_equal(zone_serial(f->store, z1), 2);
	assert_int_equal(zone_serial(f->store, z2), 2);
	assert_int_equal(commit.version, 2);
	assert_false(commit.config_changed);
	assert_int_equal(commit.zones.n, 2);
	assert_true(store_strv_has(&commit.zones, z1));
	assert_true(store_strv_has(&commit.zones, z2));
	store_commit_clear(&commit);

	/* All four entries of the change set share its version. */
	struct store_change *changes = NULL;
	size_t n = 0;
	bool more = true;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_change_list(f->store, NULL, 0, &changes, &n,
					   &more), 0);
	store_rollback(f->store);
	assert_int_equal(n, 6);
	assert_false(more);
	for (size_t i = 2; i < 6; i++) {
		assert_int_equal(changes[i].version, 2);
		assert_string_equal(changes[i].op, "create");
		assert_string_equal(changes[i].kind, "record");
	}
	store_change_list_free(changes, n);
}

static void test_rollback_changes_nothing(void **state)
{
	struct fixture *f = *state;
	char zone_id[STORE_ID_LEN];
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "a.example.", zone_id);
	assert_int_equal(store_commit(f->store, NULL), 0);

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_record(f->store, zone_id, "www", "A", 300, "192.0.2.1");
	store_rollback(f->store);

	struct store_record *recs = NULL;
	size_t n = 1;
	bool more = false;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_record_list(f->store, zone_id, NULL, NULL,
					   NULL, 0, &recs, &n, &more), 0);
	store_rollback(f->store);
	assert_int_equal(n, 0);
	free(recs);
	assert_int_equal(zone_serial(f->store, zone_id), 1);
	assert_int_equal(current_version(f->store), 1);
}

static void test_change_log_records_caller_and_versions(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 3; i++) {
		char name[8];
		snprintf(name, sizeof(name), "v%d", i);
		struct store_commit commit = { 0 };
		assert_int_equal(store_begin(f->store, &caller), 0);
		make_vpc(f->store, name, "10.0.0.0/8", NULL);
		assert_int_equal(store_commit(f->store, &commit), 0);
		assert_int_equal(commit.version, (uint64_t)i + 1);
		assert_true(commit.config_changed);
		store_commit_clear(&commit);
	}

	/* A read-only transaction adds no version. */
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
	assert_int_equal(current_version(f->store), 3);

	struct store_change *changes = NULL;
	size_t n = 0;
	bool more = false;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_change_list(f->store, "1", 1, &changes, &n,
					   &more), 0);
	store_rollback(f->store);
	assert_int_equal(n, 1);
	assert_true(more);
	assert_int_equal(changes[0].seq, 2);
	assert_int_equal(changes[0].version, 2);
	assert_int_equal(changes[0].uid, 1234);
	assert_int_equal(changes[0].pid, 5678);
	assert_string_equal(changes[0].op, "create");
	assert_string_equal(changes[0].kind, "vpc");
	assert_string_equal(changes[0].resource_id, "vpc-2");
	assert_string_equal(changes[0].summary, "created vpc v1");
	assert_int_equal(strlen(changes[0].time), 20);
	assert_int_equal(changes[0].time[19], 'Z');
	store_change_list_free(changes, n);
}

static void test_explicit_serial_is_not_bumped(void **state)
{
	struct fixture *f = *state;
	char zone_id[STORE_ID_LEN];
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "a.example.", zone_id);
	assert_int_equal(store_commit(f->store, NULL), 0);

	struct store_zone zone = { 0 };
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_zone_get(f->store, zone_id, &zone), 0);
	zone.soa.serial = 2026120401;
	assert_int_equal(store_zone_update(f->store, &zone, true, true), 0);
	make_record(f->store, zone_id, "www", "A", 300, "192.0.2.1");
	assert_int_equal(store_commit(f->store, NULL), 0);
	assert_int_equal(zone.meta.version, 2);
	store_zone_clear(&zone);
	assert_int_equal(zone_serial(f->store, zone_id), 2026120401);
}

static void test_serial_wraps_at_two_to_the_32(void **state)
{
	struct fixture *f = *state;
	char zone_id[STORE_ID_LEN];
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "a.example.", zone_id);
	assert_int_equal(store_commit(f->store, NULL), 0);
	raw_sql(f->path, "UPDATE zone SET serial = 4294967295");

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_record(f->store, zone_id, "www", "A", 300, "192.0.2.1");
	assert_int_equal(store_commit(f->store, NULL), 0);
	assert_int_equal(zone_serial(f->store, zone_id), 0);
}

static void test_rrset_ttl_changes_every_record(void **state)
{
	struct fixture *f = *state;
	char zone_id[STORE_ID_LEN];
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_zone(f->store, "a.example.", zone_id);
	make_record(f->store, zone_id, "www", "A", 300, "192.0.2.1");
	make_record(f->store, zone_id, "www", "A", 300, "192.0.2.2");
	make_record(f->store, zone_id, "www", "AAAA", 300, "2001:db8::1");
	size_t changed = 0;
	assert_int_equal(store_rrset_set_ttl(f->store, zone_id, "www", "A", 60,
					     &changed), 0);
	assert_int_equal(changed, 2);

	struct store_record *recs = NULL;
	size_t n = 0;
	bool more = false;
	assert_int_equal(store_record_list(f->store, zone_id, "www", NULL,
					   NULL, 0, &recs, &n, &more), 0);
	store_rollback(f->store);
	assert_int_equal(n, 3);
	assert_int_equal(recs[0].ttl, 60);
	assert_int_equal(recs[0].meta.version, 2);
	assert_int_equal(recs[1].ttl, 60);
	assert_int_equal(recs[2].ttl, 300);
	store_record_list_free(recs, n);
}

static void test_pages_follow_the_cursor(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_begin(f->store, &caller), 0);
	for (int i = 0; i < 5; i++) {
		make_vpc(f->store, "v", "10.0.0.0/8", NULL);
	}
	assert_int_equal(store_vpc_delete(f->store, "vpc-3"), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);

	struct store_vpc *vpcs = NULL;
	size_t n = 0;
	bool more = false;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_vpc_list(f->store, NULL, 2, &vpcs, &n, &more),
			 0);
	assert_int_equal(n, 2);
	assert_true(more);
	assert_string_equal(vpcs[1].meta.resource_id, "vpc-2");
	store_vpc_list_free(vpcs, n);

	assert_int_equal(store_vpc_list(f->store, "vpc-2", 2, &vpcs, &n,
					&more), 0);
	assert_int_equal(n, 2);
	assert_false(more);
	assert_string_equal(vpcs[0].meta.resource_id, "vpc-4");
	assert_string_equal(vpcs[1].meta.resource_id, "vpc-5");
	store_vpc_list_free(vpcs, n);

	assert_int_equal(store_vpc_list(f->store, "bogus", 2, &vpcs, &n,
					&more), ZG_EINVAL);
	store_rollback(f->store);
}

static void test_referenced_vpc_cannot_be_deleted(void **state)
{
	struct fixture *f = *state;
	char vpc_id[STORE_ID_LEN], zone_id[STORE_ID_LEN];
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "prod", "10.0.0.0/8", vpc_id);
	make_zone(f->store, "a.example.", zone_id);
	assert_int_equal(store_zone_bind(f->store, zone_id, vpc_id), 0);
	assert_int_equal(store_zone_bind(f->store, zone_id, vpc_id),
			 ZG_EEXIST);
	assert_int_equal(store_vpc_delete(f->store, vpc_id), ZG_EEXIST);
	assert_int_equal(store_zone_unbind(f->store, zone_id, vpc_id), 0);
	assert_int_equal(store_zone_unbind(f->store, zone_id, vpc_id),
			 ZG_ENOENT);
	assert_int_equal(store_vpc_delete(f->store, vpc_id), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
}

static void test_zone_delete_removes_records_and_bindings(void **state)
{
	struct fixture *f = *state;
	char vpc_id[STORE_ID_LEN], zone_id[STORE_ID_LEN];
	struct store_commit commit = { 0 };
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "prod", "10.0.0.0/8", vpc_id);
	make_zone(f->store, "a.example.", zone_id);
	make_record(f->store, zone_id, "www", "A", 300, "192.0.2.1");
	assert_int_equal(store_zone_bind(f->store, zone_id, vpc_id), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);

	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_zone_delete(f->store, zone_id), 0);
	assert_int_equal(store_commit(f->store, &commit), 0);
	assert_true(commit.config_changed);
	assert_true(store_strv_has(&commit.zones, zone_id));
	store_commit_clear(&commit);
	assert_int_equal(fixture_int(f->store, "SELECT count(*) FROM record"),
			 0);
	assert_int_equal(fixture_int(f->store,
				     "SELECT count(*) FROM zone_vpc"), 0);
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_vpc_delete(f->store, vpc_id), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
}

static void test_upstreams_are_named_by_what_they_serve(void **state)
{
	struct fixture *f = *state;
	char vpc_id[STORE_ID_LEN];
	bool created = false;
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "prod", "10.0.0.0/8", vpc_id);
	struct store_upstream up = { 0 };
	strcpy(up.vpc_id, vpc_id);
	assert_int_equal(store_strv_push(&up.targets, "127.0.0.80:53"), 0);
	assert_int_equal(store_upstream_put(f->store, &up, &created), 0);
	assert_true(created);
	assert_string_equal(up.meta.resource_id, "upstream-vpc-1");
	store_upstream_clear(&up);

	assert_int_equal(store_strv_push(&up.targets, "127.0.0.81:53"), 0);
	strcpy(up.source, "127.0.0.1");
	assert_int_equal(store_upstream_put(f->store, &up, &created), 0);
	assert_true(created);
	assert_string_equal(up.meta.resource_id, "upstream-global");
	assert_int_equal(store_upstream_put(f->store, &up, &created), 0);
	assert_false(created);
	assert_int_equal(up.meta.version, 2);
	store_upstream_clear(&up);

	struct store_upstream *ups = NULL;
	size_t n = 0;
	bool more = false;
	assert_int_equal(store_upstream_list(f->store, NULL, 0, &ups, &n,
					     &more), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ups[0].meta.resource_id, "upstream-global");
	assert_string_equal(ups[0].source, "127.0.0.1");
	assert_string_equal(ups[1].meta.resource_id, "upstream-vpc-1");
	assert_string_equal(ups[1].targets.v[0], "127.0.0.80:53");
	store_upstream_list_free(ups, n);
	assert_int_equal(store_vpc_delete(f->store, vpc_id), ZG_EEXIST);
	store_rollback(f->store);
}

/*
 * Backup and restore
 */

static void test_backup_and_restore_round_trip(void **state)
{
	struct fixture *f = *state;
	char vpc_id[STORE_ID_LEN], zone_id[STORE_ID_LEN], err[256];
	char backup[160];
	snprintf(backup, sizeof(backup), "%s/backup.db", f->dir);

	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "prod", "10.0.0.0/8", vpc_id);
	make_zone(f->store, "a.example.", zone_id);
	make_record(f->store, zone_id, "www", "A", 300, "192.0.2.1");
	assert_int_equal(store_zone_bind(f->store, zone_id, vpc_id), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
	/* Records added with the zone are part of its first version. */
	assert_int_equal(zone_serial(f->store, zone_id), 1);

	assert_int_equal(store_backup(f->store, backup, err, sizeof(err)), 0);

	/* Changes after the backup: more serials, another VPC. */
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_record(f->store, zone_id, "mail", "A", 300, "192.0.2.2");
	assert_int_equal(store_commit(f->store, NULL), 0);
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_record(f->store, zone_id, "ftp", "A", 300, "192.0.2.3");
	make_vpc(f->store, "dev", "10.9.0.0/16", NULL);
	assert_int_equal(store_commit(f->store, NULL), 0);
	assert_int_equal(zone_serial(f->store, zone_id), 3);
	uint64_t before = current_version(f->store);

	uint64_t version = 0;
	assert_int_equal(store_restore(f->store, backup, &caller, &version,
				       err, sizeof(err)), 0);
	assert_int_equal(version, before + 1);

	struct store_record *recs = NULL;
	struct store_vpc *vpcs = NULL;
	struct store_zone zone = { 0 };
	size_t n = 0, n_vpcs = 0;
	bool more = false;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_record_list(f->store, zone_id, NULL, NULL,
					   NULL, 0, &recs, &n, &more), 0);
	assert_int_equal(store_vpc_list(f->store, NULL, 0, &vpcs, &n_vpcs,
					&more), 0);
	assert_int_equal(store_zone_get(f->store, zone_id, &zone), 0);
	store_rollback(f->store);
	assert_int_equal(n, 1);
	assert_string_equal(recs[0].value, "192.0.2.1");
	assert_int_equal(n_vpcs, 1);
	assert_string_equal(vpcs[0].meta.name, "prod");
	assert_int_equal(zone.vpcs.n, 1);
	/* Higher of old (3) and restored (1) serial, plus one. */
	assert_int_equal(zone.soa.serial, 4);
	store_record_list_free(recs, n);
	store_vpc_list_free(vpcs, n_vpcs);
	store_zone_clear(&zone);

	/* Ids stay unique: vpc-2 and rec-3 were used after the backup. */
	char new_id[STORE_ID_LEN];
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "next", "10.8.0.0/16", new_id);
	assert_string_equal(new_id, "vpc-3");
	assert_int_equal(store_commit(f->store, NULL), 0);

	/* The change log was kept and says who restored. */
	struct store_change *changes = NULL;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_change_list(f->store, NULL, 0, &changes, &n,
					   &more), 0);
	store_rollback(f->store);
	assert_int_equal(changes[n - 2].version, before + 1);
	assert_string_equal(changes[n - 2].op, "restore");
	assert_int_equal(changes[n - 2].uid, 1234);
	store_change_list_free(changes, n);

	/* The backup file itself is a single, unchanged file. */
	char wal[192];
	snprintf(wal, sizeof(wal), "%s-wal", backup);
	assert_int_not_equal(access(wal, F_OK), 0);
}

static void test_backup_refuses_the_live_database(void **state)
{
	struct fixture *f = *state;
	char err[256];
	assert_int_equal(store_backup(f->store, f->path, err, sizeof(err)),
			 ZG_EINVAL);
	assert_non_null(strstr(err, "live state database"));
	/* The live database is untouched and still usable. */
	assert_int_equal(current_version(f->store), 0);
}

/* A copy renamed over the WAL (or the shared-memory index, a rollback
 * journal, the daemon's lock file) loses commits or breaks the live
 * database as surely as one over the database itself, whatever the
 * path is spelt with: "..", a symlink to the directory or to the file,
 * a hard link. */
static void test_backup_refuses_the_live_databases_other_files(void **state)
{
	struct fixture *f = *state;
	const char *const targets[] = {
		"%s/state.db-wal", "%s/state.db-shm", "%s/state.db-journal",
		"%s/state.db.lock", "%s/sub/../state.db-wal",
		"%s/link/state.db-wal", "%s/link/state.db", "%s/wal-link",
		"%s/hard-link",
	};
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "mkdir %1$s/sub && ln -s %1$s %1$s/link && ln -s %1$s/state.db-wal %1$s/wal-link && ln %1$s/state.db %1$s/hard-link",
		 f->dir);
	assert_int_equal(system(cmd), 0);

	/* Commit something so that the WAL holds data. */
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "prod", "10.1.0.0/16", NULL);
	struct store_commit commit = { 0 };
	assert_int_equal(store_commit(f->store, &commit), 0);
	store_commit_clear(&commit);

	for (size_t i = 0; i < sizeof(targets) / sizeof(*targets); i++) {
		char path[256], err[512] = "";
		snprintf(path, sizeof(path), targets[i], f->dir);
		if (store_backup(f->store, path, err, sizeof(err)) !=
		    ZG_EINVAL) {
			fail_msg("backup to %s was not refused", path);
		}
		assert_non_null(strstr(err, "live state database"));
	}
	/* Nothing was replaced and the commit is still there. */
	assert_int_equal(current_version(f->store), 1);
	char backup[192], err[256];
	snprintf(backup, sizeof(backup), "%s/sub/state.db-wal", f->dir);
	assert_int_equal(store_backup(f->store, backup, err, sizeof(err)), 0);
}

static void test_restore_migrates_an_older_backup(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256];
	snprintf(path, sizeof(path), "%s/v1.db", f->dir);
	struct store *old = NULL;
	assert_int_equal(store_open_version(path, 1, &old, err, sizeof(err)),
			 0);
	assert_int_equal(store_begin(old, &caller), 0);
	make_vpc(old, "old", "10.0.0.0/8", NULL);
	assert_int_equal(store_commit(old, NULL), 0);
	store_close(old);

	assert_int_equal(store_restore(f->store, path, &caller, NULL, err,
				       sizeof(err)), 0);
	struct store_vpc vpc = { 0 };
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_vpc_get(f->store, "vpc-1", &vpc), 0);
	store_rollback(f->store);
	assert_string_equal(vpc.meta.name, "old");
	store_vpc_clear(&vpc);
}

static void test_restore_refuses_newer_schema_and_changes_nothing(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256];
	snprintf(path, sizeof(path), "%s/future.db", f->dir);
	assert_int_equal(store_begin(f->store, &caller), 0);
	make_vpc(f->store, "keep", "10.0.0.0/8", NULL);
	assert_int_equal(store_commit(f->store, NULL), 0);
	assert_int_equal(store_backup(f->store, path, err, sizeof(err)), 0);
	raw_sql(path, "UPDATE schema_version SET version = 99;"
		"DELETE FROM vpc_cidr; DELETE FROM vpc;");

	assert_int_equal(store_restore(f->store, path, &caller, NULL, err,
				       sizeof(err)), ZG_ESCHEMA);
	assert_non_null(strstr(err, "newer zonegate"));
	assert_int_equal(fixture_int(f->store, "SELECT count(*) FROM vpc"), 1);
	assert_int_equal(current_version(f->store), 1);
}

static void test_restore_refuses_a_file_that_is_not_a_backup(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256];
	snprintf(path, sizeof(path), "%s/junk", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("this is not a database, it is a text file of some length\n",
	      fp);
	fclose(fp);
	assert_int_equal(store_restore(f->store, path, &caller, NULL, err,
				       sizeof(err)), ZG_EINVAL);
	assert_non_null(strstr(err, "not a zonegate state file"));

	snprintf(path, sizeof(path), "%s/missing", f->dir);
	assert_int_equal(store_restore(f->store, path, &caller, NULL, err,
				       sizeof(err)), ZG_EINVAL);
}

/* A rule's forwarding options come back as written; rows written before
 * schema 7 (or without the columns) get cookies and hedging on. */
static void test_rule_forwarding_options_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store *s = f->store;
	char vpc_id[STORE_ID_LEN];

	assert_int_equal(store_begin(s, &caller), 0);
	make_vpc(s, "prod", "10.0.0.0/8", vpc_id);
	struct store_endpoint ep = { 0 };
	snprintf(ep.meta.name, sizeof(ep.meta.name), "ob");
	strcpy(ep.vpc_id, vpc_id);
	assert_int_equal(store_strv_push(&ep.sources, "10.0.255.10"), 0);
	assert_int_equal(store_endpoint_create(s, &ep), 0);

	struct store_rule rule = { 0 };
	snprintf(rule.meta.name, sizeof(rule.meta.name), "corp");
	strcpy(rule.domain, "corp.example.");
	strcpy(rule.endpoint_id, ep.meta.resource_id);
	assert_int_equal(store_strv_push(&rule.targets, "192.0.2.53:53"), 0);
	rule.fwd = (struct store_rule_forwarding){ .try_timeout_ms = 700,
		.total_timeout_ms = 4000, .tcp_only = true,
		.authoritative = true, .cookies = false,
		.case_randomization = true, .hedging = false };
	assert_int_equal(store_rule_create(s, &rule), 0);
	char rule_id[STORE_ID_LEN];
	strcpy(rule_id, rule.meta.resource_id);
	store_rule_clear(&rule);

	assert_int_equal(store_rule_get(s, rule_id, &rule), 0);
	assert_int_equal(rule.fwd.try_timeout_ms, 700);
	assert_int_equal(rule.fwd.total_timeout_ms, 4000);
	assert_true(rule.fwd.tcp_only);
	assert_true(rule.fwd.authoritative);
	assert_false(rule.fwd.cookies);
	assert_true(rule.fwd.case_randomization);
	assert_false(rule.fwd.hedging);

	rule.fwd.tcp_only = false;
	rule.fwd.try_timeout_ms = 0;
	assert_int_equal(store_rule_update(s, &rule), 0);
	store_rule_clear(&rule);
	assert_int_equal(store_rule_get(s, rule_id, &rule), 0);
	assert_false(rule.fwd.tcp_only);
	assert_int_equal(rule.fwd.try_timeout_ms, 0);
	assert_true(rule.fwd.authoritative);
	store_rule_clear(&rule);

	/* A row that names none of the columns, as a migrated one. */
	char sql[512];
	snprintf(sql, sizeof(sql),
		 "INSERT INTO rule (rule_id, seq, name, account, version,"
		 " created_at, updated_at, domain, endpoint_id) VALUES"
		 " ('rule-99', 99, 'old', 'default', 1, 'x', 'x',"
		 " 'old.example.', '%s')", ep.meta.resource_id);
	assert_int_equal(store_run(s, NULL, sql, ""), 0);
	assert_int_equal(store_rule_get(s, "rule-99", &rule), 0);
	assert_int_equal(rule.fwd.try_timeout_ms, 0);
	assert_int_equal(rule.fwd.total_timeout_ms, 0);
	assert_false(rule.fwd.tcp_only);
	assert_false(rule.fwd.authoritative);
	assert_true(rule.fwd.cookies);
	assert_false(rule.fwd.case_randomization);
	assert_true(rule.fwd.hedging);
	store_rule_clear(&rule);
	store_endpoint_clear(&ep);
	store_rollback(s);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, \
						  fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_sets_wal_full_sync_and_foreign_keys),
		T(test_migration_from_version_1_keeps_data),
		T(test_open_refuses_newer_schema),
		T(test_open_refuses_a_database_that_is_not_ours),
		T(test_ids_are_never_reused),
		T(test_change_set_bumps_each_zone_serial_once),
		T(test_rollback_changes_nothing),
		T(test_change_log_records_caller_and_versions),
		T(test_explicit_serial_is_not_bumped),
		T(test_serial_wraps_at_two_to_the_32),
		T(test_rrset_ttl_changes_every_record),
		T(test_pages_follow_the_cursor),
		T(test_referenced_vpc_cannot_be_deleted),
		T(test_zone_delete_removes_records_and_bindings),
		T(test_upstreams_are_named_by_what_they_serve),
		T(test_backup_and_restore_round_trip),
		T(test_backup_refuses_the_live_database),
		T(test_backup_refuses_the_live_databases_other_files),
		T(test_restore_migrates_an_older_backup),
		T(test_restore_refuses_newer_schema_and_changes_nothing),
		T(test_restore_refuses_a_file_that_is_not_a_backup),
		T(test_rule_forwarding_options_round_trip),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
