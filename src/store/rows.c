/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading and writing resource rows: the common columns, the lists kept
 * beside a row, and the paged listings that every kind shares. */
#include "store/store_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

void store_read_meta(sqlite3_stmt *st, struct store_meta *meta)
{
	store_col_text(st, 0, meta->resource_id, sizeof(meta->resource_id));
	store_col_text(st, 2, meta->name, sizeof(meta->name));
	store_col_text(st, 3, meta->account, sizeof(meta->account));
	meta->version = sqlite3_column_int64(st, 4);
	store_col_text(st, 5, meta->created_at, sizeof(meta->created_at));
	store_col_text(st, 6, meta->updated_at, sizeof(meta->updated_at));
}

void store_stamp_new(struct store_meta *meta)
{
	snprintf(meta->account, sizeof(meta->account), "default");
	meta->version = 1;
	store_now(meta->created_at);
	memcpy(meta->updated_at, meta->created_at, sizeof(meta->updated_at));
}

int store_new_meta(struct store *s, const char *kind,
		   struct store_meta *meta, int64_t *seq)
{
	int ret = store_next_id(s, kind, meta->resource_id, seq);
	if (ret == 0) {
		store_stamp_new(meta);
	}
	return ret;
}

int store_touch_row(struct store *s, const char *table, const char *idcol,
		    const char *resource_id, struct store_meta *meta)
{
	char now[STORE_TIME_LEN];
	char sql[256];
	store_now(now);
	snprintf(sql, sizeof(sql),
		 "UPDATE %s SET version = version + 1, updated_at = ?"
		 " WHERE %s = ? RETURNING " META_COLS("%s"), table, idcol,
		 idcol);

	sqlite3_stmt *st = NULL;
	int ret = store_query_one(s, &st, sql, "tt", now, resource_id);
	if (ret == 0 && meta != NULL) {
		store_read_meta(st, meta);
	}
	sqlite3_finalize(st);
	return ret;
}

int store_delete_row(struct store *s, const char *table, const char *idcol,
		     const char *resource_id)
{
	char sql[128];
	size_t changes = 0;
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ?", table,
		 idcol);
	int ret = store_run(s, &changes, sql, "t", resource_id);
	if (ret == 0 && changes == 0) {
		return ZG_ENOENT;
	}
	return ret;
}

int store_load_strv(struct store *s, const char *sql, const char *owner_id,
		    struct store_strv *out)
{
	sqlite3_stmt *st = NULL;
	int ret = store_query(s, &st, sql, "t", owner_id);
	while (ret == 0 && (ret = store_step(s, st)) == 1) {
		const unsigned char *text = sqlite3_column_text(st, 0);
		ret = store_strv_push(out, text != NULL ? (const char *)text
							: "");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_write_strv(struct store *s, const char *table, const char *idcol,
		     const char *col, const char *owner_id,
		     const struct store_strv *items)
{
	char sql[192];
	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s = ?", table,
		 idcol);
	int ret = store_run(s, NULL, sql, "t", owner_id);

	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s, pos, %s)"
		 " VALUES (?, ?, ?)", table, idcol, col);
	for (size_t i = 0; ret == 0 && i < items->n; i++) {
		ret = store_run(s, NULL, sql, "tit", owner_id, (int64_t)i,
				items->v[i]);
	}
	return ret;
}

/* The seq of a paging cursor: the number after the last '-', 0 for
 * "upstream-global", -1 for no cursor. */
static int parse_after(const char *after, int64_t *seq)
{
	if (after == NULL) {
		*seq = -1;
		return 0;
	}
	if (strcmp(after, "upstream-global") == 0) {
		*seq = 0;
		return 0;
	}
	const char *digits = strrchr(after, '-');
	digits = digits != NULL ? digits + 1 : after;
	if (*digits == '\0' || strlen(digits) > 18) {
		return ZG_EINVAL;
	}
	int64_t value = 0;
	for (const char *p = digits; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return ZG_EINVAL;
		}
		value = value * 10 + (*p - '0');
	}
	*seq = value;
	return 0;
}

void store_free_rows(void *elems, size_t n, size_t elem_size,
		     void (*clear)(void *elem))
{
	for (size_t i = 0; i < n; i++) {
		clear((char *)elems + i * elem_size);
	}
	free(elems);
}

int store_read_rows(struct store *s, sqlite3_stmt *st,
		    const struct store_page_query *q, size_t limit,
		    void **out, size_t *n_out, bool *more)
{
	*out = NULL;
	*n_out = 0;
	*more = false;

	char *elems = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;
	while (ret == 0 && (ret = store_step(s, st)) == 1) {
		if (limit != 0 && n == limit) {
			*more = true;
			ret = 0;
			break;
		}
		/* Doubling: a zone's 20,000 records are not copied 20,000
		 * times over. */
		if (n == cap) {
			size_t grown_cap = cap == 0 ? 16 : cap * 2;
			char *grown = realloc(elems, grown_cap * q->elem_size);
			if (grown == NULL) {
				ret = ZG_ENOMEM;
				break;
			}
			elems = grown;
			cap = grown_cap;
		}
		memset(elems + n * q->elem_size, 0, q->elem_size);
		n++;
		ret = q->load(s, st, elems + (n - 1) * q->elem_size);
	}

	if (ret != 0) {
		store_free_rows(elems, n, q->elem_size, q->clear);
		return ret;
	}
	*out = elems;
	*n_out = n;
	return 0;
}

int store_list_page(struct store *s, const struct store_page_query *q,
		    const char *after, size_t limit, void **out,
		    size_t *n_out, bool *more)
{
	*out = NULL;
	*n_out = 0;
	*more = false;

	int64_t after_seq = -1;
	int (*cursor)(const char *, int64_t *) =
		q->cursor != NULL ? q->cursor : parse_after;
	if (cursor(after, &after_seq) != 0) {
		snprintf(s->errmsg, sizeof(s->errmsg), "bad cursor");
		return ZG_EINVAL;
	}

	char sql[1024];
	snprintf(sql, sizeof(sql), "%s AND seq > ?4 ORDER BY seq LIMIT ?5",
		 q->select);
	sqlite3_stmt *st = NULL;
	int64_t sql_limit = limit == 0 ? -1 : (int64_t)limit + 1;
	int ret = store_query(s, &st, sql, "tttii", q->params[0],
			      q->params[1], q->params[2], after_seq,
			      sql_limit);
	if (ret == 0) {
		ret = store_read_rows(s, st, q, limit, out, n_out, more);
	}
	sqlite3_finalize(st);
	return ret;
}

/* Reads the one row of q whose id column is ?1 = resource_id. */
int store_get_one(struct store *s, const struct store_page_query *q, void *out)
{
	void *elems = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_list_page(s, q, NULL, 1, &elems, &n, &more);
	if (ret != 0) {
		return ret;
	}
	if (n == 0) {
		free(elems);
		return ZG_ENOENT;
	}
	memcpy(out, elems, q->elem_size);
	free(elems);
	return 0;
}
