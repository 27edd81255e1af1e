/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the store's unit tests share: a store opened on a new database in
 * a directory of its own under /tmp, and a query for one number. */
#ifndef ZONEGATE_STORE_TESTS_FIXTURE_H
#define ZONEGATE_STORE_TESTS_FIXTURE_H

#include <stdint.h>

#include "store/store.h"

struct fixture {
	char dir[64];			/* made by setup, removed by teardown */
	char path[128];			/* dir/state.db */
	struct store *store;		/* open on path */
	char zone_id[STORE_ID_LEN];	/* a zone the suite's own setup made,
					 * else "" */
};

/*! A cmocka setup: makes the directory, opens the store and puts the new
 *  fixture in *state. 0, or -1 after printing why. */
int fixture_setup(void **state);

/*! The matching teardown: closes the store, removes the directory and
 *  frees the fixture. 0, or -1 when the directory stays. */
int fixture_teardown(void **state);

/*! The integer in the first column of the first row of sql, run on s's
 *  connection; the test fails when sql is bad or returns no row. */
int64_t fixture_int(struct store *s, const char *sql);

#endif
