/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The row helpers every kind of resource shares (rows.c), each run on a
 * scratch table of its own so that what it reads and writes is exact. */
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

/* A list kept beside its owner row, as vpc_cidr is beside vpc. A value
 * appears once per owner, so that a test can make an insert fail. */
static const char scratch_schema[] =
	"CREATE TABLE item (owner TEXT NOT NULL, pos INTEGER NOT NULL,"
	" value TEXT, PRIMARY KEY (owner, pos), UNIQUE (owner, value));";

static int setup(void **state)
{
	if (fixture_setup(state) != 0) {
		return -1;
	}
	struct fixture *f = *state;
	return store_exec(f->store, scratch_schema) == 0 ? 0 : -1;
}

/* Asserts that the item rows, as "owner:pos=value;..." in owner and pos
 * order, are want. */
static void assert_items(struct fixture *f, const char *want)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(store_query(f->store, &st,
				     "SELECT coalesce(group_concat(owner"
				     " || ':' || pos || '=' || coalesce(value,"
				     " 'NULL'), ';'), '') FROM (SELECT * FROM"
				     " item ORDER BY owner, pos)", NULL), 0);
	assert_int_equal(store_step(f->store, st), 1);
	char got[256];
	store_col_text(st, 0, got, sizeof(got));
	sqlite3_finalize(st);
	assert_string_equal(got, want);
}

/* store_write_strv() of items[0..n) as owner's list in table item. */
static int write_items(struct fixture *f, const char *owner,
		       const char *const *items, size_t n)
{
	struct store_strv sv = { 0 };
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(store_strv_push(&sv, items[i]), 0);
	}
	int ret = store_write_strv(f->store, "item", "owner", "value", owner,
				   &sv);
	store_strv_clear(&sv);
	return ret;
}

/*
 * store_write_strv
 */

static void test_write_strv_replaces_only_the_owners_list(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_exec(f->store, "INSERT INTO item VALUES"
				    " ('o1', 0, 'a'), ('o1', 1, 'b'),"
				    " ('o1', 2, 'c'), ('o2', 0, 'x')"), 0);

	const char *const items[] = { "c", "d" };
	assert_int_equal(write_items(f, "o1", items, 2), 0);

	assert_items(f, "o1:0=c;o1:1=d;o2:0=x");
}

static void test_write_strv_of_nothing_empties_the_list(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_exec(f->store, "INSERT INTO item VALUES"
				    " ('o1', 0, 'a'), ('o2', 0, 'x')"), 0);

	assert_int_equal(write_items(f, "o1", NULL, 0), 0);

	assert_items(f, "o2:0=x");
}

/* The caller's transaction rolls back what came before the failure. */
static void test_write_strv_stops_at_the_first_refused_row(void **state)
{
	struct fixture *f = *state;
	const char *const items[] = { "a", "b", "a", "c" };

	assert_int_equal(write_items(f, "o1", items, 4), ZG_EEXIST);

	assert_items(f, "o1:0=a;o1:1=b");
	assert_non_null(strstr(store_last_error(f->store), "UNIQUE"));
}

/*
 * store_load_strv
 */

static void test_load_strv_appends_column_zero_in_row_order(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_exec(f->store, "INSERT INTO item VALUES"
				    " ('o1', 1, 'second'), ('o1', 0, 'first'),"
				    " ('o1', 2, NULL), ('o2', 0, 'other')"), 0);
	struct store_strv got = { 0 };
	assert_int_equal(store_strv_push(&got, "kept"), 0);

	assert_int_equal(store_load_strv(f->store, "SELECT value, pos"
					 " FROM item WHERE owner = ?"
					 " ORDER BY pos", "o1", &got), 0);

	/* A NULL cell reads as "", after what out held already. */
	assert_int_equal(got.n, 4);
	assert_string_equal(got.v[0], "kept");
	assert_string_equal(got.v[1], "first");
	assert_string_equal(got.v[2], "second");
	assert_string_equal(got.v[3], "");
	store_strv_clear(&got);
}

static void test_load_strv_of_an_owner_without_rows_adds_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_strv got = { 0 };

	assert_int_equal(store_load_strv(f->store, "SELECT value FROM item"
					 " WHERE owner = ?", "nobody", &got),
			 0);

	assert_int_equal(got.n, 0);
}

static void test_load_strv_reports_bad_sql_as_a_store_error(void **state)
{
	struct fixture *f = *state;
	struct store_strv got = { 0 };

	assert_int_equal(store_load_strv(f->store, "SELECT value FROM nothing"
					 " WHERE owner = ?", "o1", &got),
			 ZG_ESTORE);

	assert_int_equal(got.n, 0);
	assert_non_null(strstr(store_last_error(f->store), "nothing"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, \
						  fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_write_strv_replaces_only_the_owners_list),
		T(test_write_strv_of_nothing_empties_the_list),
		T(test_write_strv_stops_at_the_first_refused_row),
		T(test_load_strv_appends_column_zero_in_row_order),
		T(test_load_strv_of_an_owner_without_rows_adds_nothing),
		T(test_load_strv_reports_bad_sql_as_a_store_error),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
