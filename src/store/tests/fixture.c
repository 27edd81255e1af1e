/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fixture the store's unit tests share. */
#include "store/tests/fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store_priv.h"

int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/zg-store-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		perror("mkdtemp");
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/state.db", f->dir);
	char err[256];
	if (store_open(f->path, &f->store, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

/* Removes one entry nftw() walks to; FTW_DEPTH brings a directory's
 * contents before the directory. */
static int remove_entry(const char *path, const struct stat *sb, int type,
			struct FTW *walk)
{
	return remove(path);
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->store);
	int ret = nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return ret == 0 ? 0 : -1;
}

int64_t fixture_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t value = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return value;
}
