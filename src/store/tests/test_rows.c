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

/* A resource table with the common columns (META_COLS), a table that
 * refers to it, and a list kept beside an owner row as vpc_cidr is
 * beside vpc. A value appears once per owner, so that a test can make
 * an insert fail. */
static const char scratch_schema[] =
	"CREATE TABLE thing (thing_id TEXT PRIMARY KEY, seq INTEGER,"
	" name TEXT, account TEXT, version INTEGER, created_at TEXT,"
	" updated_at TEXT);"
	"CREATE TABLE part (thing_id TEXT REFERENCES thing (thing_id));"
	"INSERT INTO thing VALUES"
	" ('thing-1', 1, 'one', 'acct', 3, '2020-01-01T00:00:00Z',"
	" '2020-01-02T00:00:00Z'),"
	" ('thing-2', 2, 'two', 'acct', 1, '2020-01-01T00:00:00Z',"
	" '2020-01-01T00:00:00Z');"
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

/* Asserts that sql, a query for one text value, returns want. */
static void assert_text(struct fixture *f, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(store_query(f->store, &st, sql, NULL), 0);
	assert_int_equal(store_step(f->store, st), 1);
	char got[256];
	store_col_text(st, 0, got, sizeof(got));
	sqlite3_finalize(st);
	assert_string_equal(got, want);
}

/* Asserts that the item rows are want: "owner:pos=value;..." in owner
 * and pos order. */
static void assert_items(struct fixture *f, const char *want)
{
	assert_text(f, "SELECT coalesce(group_concat(owner || ':' || pos"
		    " || '=' || coalesce(value, 'NULL'), ';'), '')"
		    " FROM (SELECT * FROM item ORDER BY owner, pos)", want);
}

/* Asserts that the thing rows are want: "id:version:updated_at;...". */
static void assert_things(struct fixture *f, const char *want)
{
	assert_text(f, "SELECT coalesce(group_concat(thing_id || ':'"
		    " || version || ':' || updated_at, ';'), '')"
		    " FROM (SELECT * FROM thing ORDER BY seq)", want);
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
 * store_stamp_new and store_new_meta
 */

static void test_stamp_new_sets_account_version_and_times(void **state)
{
	struct store_meta meta = { .resource_id = "thing-9", .name = "nine",
				   .account = "other", .version = 7 };
	char before[STORE_TIME_LEN], after[STORE_TIME_LEN];

	store_now(before);
	store_stamp_new(&meta);
	store_now(after);

	assert_string_equal(meta.resource_id, "thing-9");
	assert_string_equal(meta.name, "nine");
	assert_string_equal(meta.account, "default");
	assert_int_equal(meta.version, 1);
	/* RFC 3339 UTC, "2026-12-04T18:00:00Z", compares as text. */
	assert_int_equal(strlen(meta.created_at), 20);
	assert_true(strcmp(meta.created_at, before) >= 0);
	assert_true(strcmp(meta.created_at, after) <= 0);
	assert_string_equal(meta.updated_at, meta.created_at);
}

static void test_new_meta_takes_the_next_id_of_its_kind(void **state)
{
	struct fixture *f = *state;
	struct store_meta first = { .name = "a" };
	struct store_meta second = { .name = "b" };
	int64_t seq = 0;

	assert_int_equal(store_new_meta(f->store, "vgw", &first, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_new_meta(f->store, "vgw", &second, &seq), 0);
	assert_int_equal(seq, 2);

	assert_string_equal(first.resource_id, "vgw-1");
	assert_string_equal(second.resource_id, "vgw-2");
	assert_string_equal(second.name, "b");
	assert_string_equal(second.account, "default");
	assert_int_equal(second.version, 1);
	assert_string_equal(second.updated_at, second.created_at);
}

static void test_new_meta_of_an_unknown_kind_leaves_meta_alone(void **state)
{
	struct fixture *f = *state;
	struct store_meta meta = { .resource_id = "kept", .version = 7 };
	int64_t seq = 0;

	assert_int_equal(store_new_meta(f->store, "nope", &meta, &seq),
			 ZG_ESTORE);

	assert_string_equal(meta.resource_id, "kept");
	assert_int_equal(meta.version, 7);
	assert_string_equal(meta.account, "");
	assert_string_equal(meta.created_at, "");
}

/*
 * store_touch_row
 */

static void test_touch_row_bumps_version_and_rereads_meta(void **state)
{
	struct fixture *f = *state;
	struct store_meta meta = { 0 };
	char before[STORE_TIME_LEN];
	store_now(before);

	assert_int_equal(store_touch_row(f->store, "thing", "thing_id",
					 "thing-1", &meta), 0);

	assert_string_equal(meta.resource_id, "thing-1");
	assert_string_equal(meta.name, "one");
	assert_string_equal(meta.account, "acct");
	assert_int_equal(meta.version, 4);
	assert_string_equal(meta.created_at, "2020-01-01T00:00:00Z");
	assert_true(strcmp(meta.updated_at, before) >= 0);
	char want[128];
	snprintf(want, sizeof(want), "thing-1:4:%s;thing-2:1:"
		 "2020-01-01T00:00:00Z", meta.updated_at);
	assert_things(f, want);
}

static void test_touch_row_without_meta_still_bumps(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_touch_row(f->store, "thing", "thing_id",
					 "thing-2", NULL), 0);

	assert_int_equal(fixture_int(f->store, "SELECT version FROM thing"
				     " WHERE thing_id = 'thing-2'"), 2);
}

static void test_touch_row_of_a_missing_row_is_enoent(void **state)
{
	struct fixture *f = *state;
	struct store_meta meta = { .version = 7 };

	assert_int_equal(store_touch_row(f->store, "thing", "thing_id",
					 "thing-3", &meta), ZG_ENOENT);

	assert_int_equal(meta.version, 7);
	assert_things(f, "thing-1:3:2020-01-02T00:00:00Z;"
		      "thing-2:1:2020-01-01T00:00:00Z");
}

/*
 * store_delete_row
 */

static void test_delete_row_deletes_that_row_only(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_delete_row(f->store, "thing", "thing_id",
					  "thing-1"), 0);

	assert_things(f, "thing-2:1:2020-01-01T00:00:00Z");
}

static void test_delete_row_of_a_missing_row_is_enoent(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_delete_row(f->store, "thing", "thing_id",
					  "thing-3"), ZG_ENOENT);

	assert_int_equal(fixture_int(f->store, "SELECT count(*) FROM thing"),
			 2);
}

static void test_delete_row_refused_by_a_reference_is_eexist(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(store_exec(f->store, "INSERT INTO part"
				    " VALUES ('thing-2')"), 0);

	assert_int_equal(store_delete_row(f->store, "thing", "thing_id",
					  "thing-2"), ZG_EEXIST);

	assert_int_equal(fixture_int(f->store, "SELECT count(*) FROM thing"),
			 2);
	assert_non_null(strstr(store_last_error(f->store), "FOREIGN KEY"));
}

/*
 * store_query_one
 */

static void test_query_one_stands_on_the_first_row(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st = NULL;

	assert_int_equal(store_query_one(f->store, &st, "SELECT name"
					 " FROM thing WHERE seq >= ?"
					 " ORDER BY seq DESC", "i",
					 (int64_t)1), 0);

	assert_string_equal((const char *)sqlite3_column_text(st, 0), "two");
	sqlite3_finalize(st);
}

static void test_query_one_without_a_row_is_enoent(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st = NULL;

	assert_int_equal(store_query_one(f->store, &st, "SELECT name"
					 " FROM thing WHERE thing_id = ?", "t",
					 "thing-3"), ZG_ENOENT);

	assert_non_null(st);
	sqlite3_finalize(st);
}

static void test_query_one_passes_a_failed_step_on(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st = NULL;

	/* Prepares fine, fails when it runs. */
	assert_int_equal(store_query_one(f->store, &st,
					 "SELECT abs(-9223372036854775807 - 1)",
					 NULL), ZG_ESTORE);

	assert_non_null(strstr(store_last_error(f->store), "overflow"));
	sqlite3_finalize(st);
}

static void test_query_one_of_bad_sql_leaves_no_statement(void **state)
{
	struct fixture *f = *state;
	sqlite3_stmt *st = NULL;

	assert_int_equal(store_query_one(f->store, &st, "SELECT name"
					 " FROM nothing", NULL), ZG_ESTORE);

	assert_null(st);
	assert_non_null(strstr(store_last_error(f->store), "nothing"));
}

/*
 * store_free_rows, store_read_rows and store_list_page
 */

/* An element of the listings below: the value of an item row. A value
 * "bad" fails to load, after the element took memory of its own. */
struct elem {
	char *value;
};

static size_t elems_cleared;

static int load_elem(struct store *s, sqlite3_stmt *st, void *out)
{
	struct elem *e = out;
	assert_null(e->value);	/* handed over zeroed */
	e->value = strdup((const char *)sqlite3_column_text(st, 0));
	assert_non_null(e->value);
	return strcmp(e->value, "bad") == 0 ? ZG_EINVAL : 0;
}

static void clear_elem(void *out)
{
	struct elem *e = out;
	free(e->value);
	e->value = NULL;
	elems_cleared++;
}

static const struct store_page_query elem_rows = {
	.elem_size = sizeof(struct elem), .load = load_elem,
	.clear = clear_elem,
};

/* Joins the values of the n elements at out as "v1,v2,..." into page,
 * then clears and frees them. */
static void take_page(void *out, size_t n, char *page, size_t pagelen)
{
	struct elem *elems = out;
	page[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(page);
		snprintf(page + used, pagelen - used, "%s%s", i > 0 ? "," : "",
			 elems[i].value);
		clear_elem(&elems[i]);
	}
	free(out);
}

static void test_free_rows_clears_each_element_then_frees(void **state)
{
	struct elem *elems = calloc(3, sizeof(*elems));
	assert_non_null(elems);
	for (size_t i = 0; i < 3; i++) {
		elems[i].value = strdup("x");
	}
	elems_cleared = 0;

	/* ASan reports the array or a value if either is left behind. */
	store_free_rows(elems, 3, sizeof(*elems), clear_elem);

	assert_int_equal(elems_cleared, 3);
}

static void test_free_rows_of_nothing_clears_nothing(void **state)
{
	elems_cleared = 0;

	store_free_rows(NULL, 0, sizeof(struct elem), clear_elem);

	assert_int_equal(elems_cleared, 0);
}

/* Asserts what store_read_rows() returns for owner's items: want_ret,
 * and the values read as "v1,v2,..." with *more. */
static void assert_read_items(struct fixture *f, const char *owner,
			      size_t limit, int want_ret,
			      const char *want_page, bool want_more)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(store_query(f->store, &st, "SELECT value FROM item"
				     " WHERE owner = ? ORDER BY pos", "t",
				     owner), 0);
	void *out = NULL;
	size_t n = 7;
	bool more = !want_more;
	assert_int_equal(store_read_rows(f->store, st, &elem_rows, limit,
					 &out, &n, &more), want_ret);
	sqlite3_finalize(st);

	if (want_ret != 0) {
		assert_null(out);
		assert_int_equal(n, 0);
	}
	char page[64];
	take_page(out, n, page, sizeof(page));
	assert_string_equal(page, want_page);
	assert_int_equal(more, want_more);
}

static void test_read_rows_reads_up_to_the_limit(void **state)
{
	struct fixture *f = *state;
	const char *const items[] = { "a", "b", "c" };
	assert_int_equal(write_items(f, "o1", items, 3), 0);

	assert_read_items(f, "o1", 0, 0, "a,b,c", false);
	assert_read_items(f, "o1", 2, 0, "a,b", true);
	assert_read_items(f, "o1", 3, 0, "a,b,c", false);
}

/* Past the first allocation (16) and its doublings every row keeps its
 * value and its place. */
static void test_read_rows_keeps_every_row_of_a_long_listing(void **state)
{
	struct fixture *f = *state;
	char values[40][4];
	const char *items[40];
	char want[256] = "";
	for (size_t i = 0; i < 40; i++) {
		snprintf(values[i], sizeof(values[i]), "%zu", i);
		items[i] = values[i];
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "%s%zu", i > 0 ? "," : "", i);
	}
	assert_int_equal(write_items(f, "o1", items, 40), 0);

	sqlite3_stmt *st = NULL;
	assert_int_equal(store_query(f->store, &st, "SELECT value FROM item"
				     " WHERE owner = ? ORDER BY pos", "t",
				     "o1"), 0);
	void *out = NULL;
	size_t n = 0;
	bool more = true;
	assert_int_equal(store_read_rows(f->store, st, &elem_rows, 0, &out,
					 &n, &more), 0);
	sqlite3_finalize(st);
	assert_int_equal(n, 40);
	assert_false(more);
	char page[256];
	take_page(out, n, page, sizeof(page));
	assert_string_equal(page, want);
}

static void test_read_rows_of_no_rows_is_an_empty_array(void **state)
{
	struct fixture *f = *state;

	assert_read_items(f, "o1", 0, 0, "", false);
}

/* Every element read, the failed one too, is cleared before the array
 * goes: nothing leaks (ASan checks) and nothing is returned. */
static void test_read_rows_clears_all_it_read_when_a_load_fails(void **state)
{
	struct fixture *f = *state;
	const char *const items[] = { "a", "b", "bad", "c" };
	assert_int_equal(write_items(f, "o1", items, 4), 0);
	elems_cleared = 0;

	assert_read_items(f, "o1", 0, ZG_EINVAL, "", false);

	assert_int_equal(elems_cleared, 3);
}

/* The cursor of a test listing: a bare number, "x" refused. */
static int number_cursor(const char *after, int64_t *seq)
{
	*seq = after != NULL ? strtoll(after, NULL, 10) : -1;
	return after != NULL && strcmp(after, "x") == 0 ? ZG_EINVAL : 0;
}

/* store_list_page() of the thing rows as "id,id,..." in *page. */
static int list_things(struct fixture *f, int (*cursor)(const char *,
							 int64_t *),
		       const char *after, char *page, size_t pagelen)
{
	const struct store_page_query q = {
		.select = "SELECT " META_COLS("thing_id") " FROM thing"
			  " WHERE 1",
		.elem_size = sizeof(struct elem), .load = load_elem,
		.clear = clear_elem, .cursor = cursor,
	};
	void *out = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_list_page(f->store, &q, after, 0, &out, &n, &more);
	take_page(out, n, page, pagelen);
	return ret;
}

static void test_list_page_reads_the_cursor_with_the_querys_own(void **state)
{
	struct fixture *f = *state;
	char page[64];

	assert_int_equal(list_things(f, number_cursor, "1", page,
				     sizeof(page)), 0);
	assert_string_equal(page, "thing-2");

	assert_int_equal(list_things(f, number_cursor, "x", page,
				     sizeof(page)), ZG_EINVAL);
	assert_string_equal(page, "");
	assert_string_equal(store_last_error(f->store), "bad cursor");
}

/* Without one, a cursor is a resource id, "upstream-global", or a bare
 * number. */
static void test_list_page_reads_resource_ids_by_default(void **state)
{
	struct fixture *f = *state;
	char page[64];

	assert_int_equal(list_things(f, NULL, NULL, page, sizeof(page)), 0);
	assert_string_equal(page, "thing-1,thing-2");
	assert_int_equal(list_things(f, NULL, "thing-1", page, sizeof(page)),
			 0);
	assert_string_equal(page, "thing-2");
	assert_int_equal(list_things(f, NULL, "upstream-global", page,
				     sizeof(page)), 0);
	assert_string_equal(page, "thing-1,thing-2");
	assert_int_equal(list_things(f, NULL, "2", page, sizeof(page)), 0);
	assert_string_equal(page, "");
	assert_int_equal(list_things(f, NULL, "thing-x", page, sizeof(page)),
			 ZG_EINVAL);
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
		cmocka_unit_test(test_stamp_new_sets_account_version_and_times),
		T(test_new_meta_takes_the_next_id_of_its_kind),
		T(test_new_meta_of_an_unknown_kind_leaves_meta_alone),
		T(test_touch_row_bumps_version_and_rereads_meta),
		T(test_touch_row_without_meta_still_bumps),
		T(test_touch_row_of_a_missing_row_is_enoent),
		T(test_delete_row_deletes_that_row_only),
		T(test_delete_row_of_a_missing_row_is_enoent),
		T(test_delete_row_refused_by_a_reference_is_eexist),
		T(test_query_one_stands_on_the_first_row),
		T(test_query_one_without_a_row_is_enoent),
		T(test_query_one_passes_a_failed_step_on),
		T(test_query_one_of_bad_sql_leaves_no_statement),
		cmocka_unit_test(test_free_rows_clears_each_element_then_frees),
		cmocka_unit_test(test_free_rows_of_nothing_clears_nothing),
		T(test_read_rows_reads_up_to_the_limit),
		T(test_read_rows_keeps_every_row_of_a_long_listing),
		T(test_read_rows_of_no_rows_is_an_empty_array),
		T(test_read_rows_clears_all_it_read_when_a_load_fails),
		T(test_list_page_reads_the_cursor_with_the_querys_own),
		T(test_list_page_reads_resource_ids_by_default),
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
