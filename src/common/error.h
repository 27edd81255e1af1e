/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error codes shared by every module: 0 is success, negative is failure. */
#ifndef ZONEGATE_COMMON_ERROR_H
#define ZONEGATE_COMMON_ERROR_H

/*
 * zonegate's own failure codes. They start far below the errno range so
 * that a function may also return a system error as -errno unchanged.
 */
enum zg_error {
	ZG_OK = 0,
	ZG_EINVAL = -1000,	/* malformed input (request, name, value) */
	ZG_ENOENT = -1001,	/* no such resource */
	ZG_EEXIST = -1002,	/* resource already exists / conflicts */
	ZG_ENOMEM = -1003,	/* allocation failed */
	ZG_ECONFLICT = -1004,	/* stale version (If-Match) or busy */
	ZG_ETIMEOUT = -1005,	/* no answer in time */
	ZG_EUPSTREAM = -1006,	/* every target failed */
	ZG_ESTORE = -1007,	/* the state database failed */
	ZG_ESCHEMA = -1008,	/* state database schema is newer than us */
	ZG_EMALF = -1009,	/* malformed DNS message */
	ZG_ELIMIT = -1010,	/* a limit was reached (size, count) */
	ZG_EREFUSED = -1011,	/* not allowed by policy */
	ZG_EINTERNAL = -1012,	/* programmer error that was caught */
};

/*!
 * Returns a static, human-readable text for a zg_error or a -errno value.
 * Never returns NULL. Thread-safe.
 */
const char *zg_strerror(int code);

#endif
