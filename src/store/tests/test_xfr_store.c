/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of what secondary zones keep in the state database: the refresh
 * state, the snapshot and the journal of diffs after it (schema 8), its
 * migration from schema 7 and its transactions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "store/store.h"
#include "store/store_priv.h"
#include "store/tests/fixture.h"

static const struct store_caller caller = { .uid = 0, .pid = 0 };

static void make_zone(struct store *s, char *zone_id)
{
	struct store_zone zone = { 0 };
	snprintf(zone.meta.name, sizeof(zone.meta.name), "sec.example.");
	strcpy(zone.kind, "secondary");
	strcpy(zone.proxy_pattern, "zone");
	zone.soa = (struct store_soa){ .ttl = 300, .serial = 1,
		.refresh = 60, .retry = 30, .expire = 120, .minimum = 60 };
	strcpy(zone.soa.mname, "ns.sec.example.");
	strcpy(zone.soa.rname, "h.sec.example.");
	assert_int_equal(store_begin(s, &caller), 0);
	assert_int_equal(store_zone_create(s, &zone), 0);
	assert_int_equal(store_commit(s, NULL), 0);
	strcpy(zone_id, zone.meta.resource_id);
	store_zone_clear(&zone);
}

static int setup(void **state)
{
	if (fixture_setup(state) != 0) {
		return -1;
	}
	struct fixture *f = *state;
	make_zone(f->store, f->zone_id);
	return 0;
}

static struct store_xfr_state get_state(struct fixture *f)
{
	struct store_xfr_state st;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_xfr_state_get(f->store, f->zone_id, &st), 0);
	store_rollback(f->store);
	return st;
}

static struct store_xfr_state state_at(struct fixture *f, uint32_t serial)
{
	struct store_xfr_state st = { .loaded = true, .serial = serial,
				      .primary_serial = serial,
				      .records = 3 };
	strcpy(st.zone_id, f->zone_id);
	return st;
}

/* Writes the snapshot "ZGX1....." at serial in its own transaction. */
static void put_snapshot(struct fixture *f, uint32_t serial)
{
	struct store_xfr_state st = state_at(f, serial);
	const uint8_t blob[] = "ZGX1 nine";
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_xfr_snapshot_put(f->store, &st, blob, 9), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
}

/* Appends from -> to with a diff of len bytes, state moved to `to`. */
static int append(struct fixture *f, uint32_t from, uint32_t to, size_t len)
{
	uint8_t diff[64];
	memset(diff, (int)(to & 0xff), sizeof(diff));
	struct store_xfr_state st = state_at(f, to);
	assert_int_equal(store_begin(f->store, &caller), 0);
	int ret = store_xfr_state_put(f->store, &st);
	if (ret == 0) {
		ret = store_xfr_journal_append(f->store, f->zone_id, from, to,
					       diff, len);
	}
	if (ret == 0) {
		assert_int_equal(store_commit(f->store, NULL), 0);
	} else {
		store_rollback(f->store);
	}
	return ret;
}

static void test_migration_from_7_keeps_the_snapshot(void **state)
{
	struct fixture *f = *state;
	char path[160], err[256];
	snprintf(path, sizeof(path), "%s/v7.db", f->dir);

	struct store *old = NULL;
	assert_int_equal(store_open_version(path, 7, &old, err, sizeof(err)),
			 0);
	char zone_id[STORE_ID_LEN];
	make_zone(old, zone_id);
	assert_int_equal(fixture_int(old, "SELECT count(*) FROM sqlite_schema"
				     " WHERE name = 'xfr_journal'"), 0);
	/* A zone stored by schema 7: the snapshot is the served version. */
	assert_int_equal(store_begin(old, &caller), 0);
	assert_int_equal(store_run(old, NULL, "INSERT INTO xfr_state (zone_id,"
				   " loaded, serial, records, snapshot_bytes,"
				   " snapshot) VALUES (?, 1, 2026120402, 5, 4,"
				   " x'5a475831')", "t", zone_id), 0);
	assert_int_equal(store_commit(old, NULL), 0);
	store_close(old);

	struct store *s = NULL;
	assert_int_equal(store_open(path, &s, err, sizeof(err)), 0);
	unsigned version = 0;
	assert_int_equal(store_schema_version(s, &version), 0);
	assert_int_equal(version, STORE_SCHEMA_VERSION);
	struct store_xfr_state st;
	uint8_t *blob = NULL;
	size_t len = 0;
	struct store_xfr_journal_entry *e = NULL;
	size_t n = 99;
	assert_int_equal(store_begin(s, NULL), 0);
	assert_int_equal(store_xfr_state_get(s, zone_id, &st), 0);
	assert_int_equal(store_xfr_snapshot_get(s, zone_id, &blob, &len), 0);
	assert_int_equal(store_xfr_journal_get(s, zone_id, &e, &n), 0);
	store_rollback(s);
	assert_true(st.loaded);
	assert_int_equal(st.serial, 2026120402u);
	assert_int_equal(st.snapshot_serial, 2026120402u);
	assert_int_equal(st.snapshot_bytes, 4);
	assert_int_equal(st.journal_entries, 0);
	assert_int_equal(st.journal_bytes, 0);
	assert_int_equal(len, 4);
	assert_memory_equal(blob, "ZGX1", 4);
	assert_null(e);
	assert_int_equal(n, 0);
	free(blob);
	store_close(s);
}

static void test_journal_appends_in_seq_order(void **state)
{
	struct fixture *f = *state;
	put_snapshot(f, 10);
	assert_int_equal(append(f, 10, 11, 20), 0);
	assert_int_equal(append(f, 11, 12, 30), 0);

	struct store_xfr_state st = get_state(f);
	assert_int_equal(st.serial, 12);
	assert_int_equal(st.snapshot_serial, 10);
	assert_int_equal(st.snapshot_bytes, 9);
	assert_int_equal(st.journal_entries, 2);
	assert_int_equal(st.journal_bytes, 50);

	struct store_xfr_journal_entry *e = NULL;
	size_t n = 0;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_xfr_journal_get(f->store, f->zone_id, &e, &n),
			 0);
	store_rollback(f->store);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].seq, 1);
	assert_int_equal(e[0].from_serial, 10);
	assert_int_equal(e[0].to_serial, 11);
	assert_int_equal(e[0].len, 20);
	assert_int_equal(e[0].diff[19], 11);
	assert_int_equal(e[1].seq, 2);
	assert_int_equal(e[1].from_serial, 11);
	assert_int_equal(e[1].to_serial, 12);
	assert_int_equal(e[1].len, 30);
	assert_int_equal(e[1].diff[0], 12);
	store_xfr_journal_free(e, n);
}

static void test_journal_refuses_a_gap_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	put_snapshot(f, 10);
	assert_int_equal(append(f, 10, 11, 20), 0);
	/* 12 -> 13 would leave 11 -> 12 out; 10 -> 11 again repeats. */
	assert_int_equal(append(f, 12, 13, 20), ZG_EINVAL);
	assert_int_equal(append(f, 10, 11, 20), ZG_EINVAL);
	struct store_xfr_state st = get_state(f);
	assert_int_equal(st.serial, 11);
	assert_int_equal(st.journal_entries, 1);
}

static void test_journal_needs_a_snapshot(void **state)
{
	struct fixture *f = *state;
	struct store_xfr_state st = state_at(f, 10);
	st.loaded = false;
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_xfr_state_put(f->store, &st), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
	assert_int_equal(append(f, 0, 11, 20), ZG_EINVAL);
	assert_int_equal(get_state(f).journal_entries, 0);
}

static void test_rolled_back_append_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	put_snapshot(f, 10);
	struct store_xfr_state st = state_at(f, 11);
	const uint8_t diff[8] = { 0 };
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_xfr_state_put(f->store, &st), 0);
	assert_int_equal(store_xfr_journal_append(f->store, f->zone_id, 10, 11,
						  diff, sizeof(diff)), 0);
	store_rollback(f->store);

	st = get_state(f);
	assert_int_equal(st.serial, 10);
	assert_int_equal(st.journal_entries, 0);
}

static void test_snapshot_empties_the_journal(void **state)
{
	struct fixture *f = *state;
	put_snapshot(f, 10);
	assert_int_equal(append(f, 10, 11, 20), 0);
	assert_int_equal(append(f, 11, 12, 20), 0);
	put_snapshot(f, 12);

	struct store_xfr_state st = get_state(f);
	assert_int_equal(st.serial, 12);
	assert_int_equal(st.snapshot_serial, 12);
	assert_int_equal(st.journal_entries, 0);
	assert_int_equal(st.journal_bytes, 0);
	/* The next diff continues from the new snapshot, seq from 1. */
	assert_int_equal(append(f, 12, 13, 5), 0);
	struct store_xfr_journal_entry *e = NULL;
	size_t n = 0;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_xfr_journal_get(f->store, f->zone_id, &e, &n),
			 0);
	store_rollback(f->store);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].seq, 1);
	store_xfr_journal_free(e, n);
}

static void test_drop_keeps_the_snapshot_only(void **state)
{
	struct fixture *f = *state;
	put_snapshot(f, 10);
	assert_int_equal(append(f, 10, 11, 20), 0);
	struct store_xfr_state st = state_at(f, 10);
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_xfr_journal_drop(f->store, &st), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);

	st = get_state(f);
	assert_int_equal(st.serial, 10);
	assert_int_equal(st.snapshot_serial, 10);
	assert_int_equal(st.journal_entries, 0);
	assert_int_equal(append(f, 10, 11, 20), 0);
}

static void test_zone_delete_removes_state_and_journal(void **state)
{
	struct fixture *f = *state;
	put_snapshot(f, 10);
	assert_int_equal(append(f, 10, 11, 20), 0);
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_zone_delete(f->store, f->zone_id), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
	assert_int_equal(fixture_int(f->store,
				     "SELECT count(*) FROM xfr_journal"), 0);
	assert_int_equal(fixture_int(f->store,
				     "SELECT count(*) FROM xfr_state"), 0);

	/* A transfer that ends after the delete writes nothing. */
	const uint8_t diff[4] = { 0 };
	assert_int_equal(store_begin(f->store, &caller), 0);
	assert_int_equal(store_xfr_journal_append(f->store, f->zone_id, 11, 12,
						  diff, sizeof(diff)), 0);
	assert_int_equal(store_commit(f->store, NULL), 0);
	assert_int_equal(fixture_int(f->store,
				     "SELECT count(*) FROM xfr_journal"), 0);
}

static void test_journal_writes_need_a_write_transaction(void **state)
{
	struct fixture *f = *state;
	put_snapshot(f, 10);
	const uint8_t diff[4] = { 0 };
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_xfr_journal_append(f->store, f->zone_id, 10, 11,
						  diff, sizeof(diff)),
			 ZG_EINTERNAL);
	store_rollback(f->store);
}

static void test_restore_brings_back_snapshot_and_journal(void **state)
{
	struct fixture *f = *state;
	char backup[128], err[256];
	snprintf(backup, sizeof(backup), "%s/backup.db", f->dir);
	put_snapshot(f, 10);
	assert_int_equal(append(f, 10, 11, 20), 0);
	assert_int_equal(append(f, 11, 12, 30), 0);
	assert_int_equal(store_backup(f->store, backup, err, sizeof(err)), 0);

	/* Later: a new snapshot replaces both entries. */
	put_snapshot(f, 13);
	assert_int_equal(get_state(f).journal_entries, 0);

	assert_int_equal(store_restore(f->store, backup, &caller, NULL, err,
				       sizeof(err)), 0);
	struct store_xfr_state st = get_state(f);
	assert_int_equal(st.serial, 12);
	assert_int_equal(st.snapshot_serial, 10);
	assert_int_equal(st.journal_entries, 2);
	assert_int_equal(st.journal_bytes, 50);
	struct store_xfr_journal_entry *e = NULL;
	size_t n = 0;
	assert_int_equal(store_begin(f->store, NULL), 0);
	assert_int_equal(store_xfr_journal_get(f->store, f->zone_id, &e, &n),
			 0);
	store_rollback(f->store);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].from_serial, 10);
	assert_int_equal(e[1].to_serial, 12);
	store_xfr_journal_free(e, n);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, \
						  fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_migration_from_7_keeps_the_snapshot),
		T(test_journal_appends_in_seq_order),
		T(test_journal_refuses_a_gap_and_writes_nothing),
		T(test_journal_needs_a_snapshot),
		T(test_rolled_back_append_leaves_nothing),
		T(test_snapshot_empties_the_journal),
		T(test_drop_keeps_the_snapshot_only),
		T(test_zone_delete_removes_state_and_journal),
		T(test_journal_writes_need_a_write_transaction),
		T(test_restore_brings_back_snapshot_and_journal),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
