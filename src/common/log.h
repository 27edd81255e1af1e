/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one logging API: a level, the module, resource ids, one sentence. */
#ifndef ZONEGATE_COMMON_LOG_H
#define ZONEGATE_COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

enum zg_log_level {
	ZG_LOG_ERROR = 0,	/* failed, stays failed until someone acts */
	ZG_LOG_WARNING,		/* degraded but recovering */
	ZG_LOG_NOTICE,		/* state an operator cares about */
	ZG_LOG_INFO,		/* routine work done */
	ZG_LOG_DEBUG,		/* per-query detail; off by default */
};

/*!
 * Sets the lowest level written and the output stream (NULL: stderr).
 * Call before threads start; the stream stays owned by the caller.
 */
void zg_log_init(enum zg_log_level min_level, FILE *out);

/*! Parses "error", "warning", "notice", "info", "debug"; -1 if unknown. */
int zg_log_level_parse(const char *text);

/*! True when a message at this level would be written. Thread-safe. */
bool zg_log_enabled(enum zg_log_level level);

/*!
 * Writes one line: "<level> <module> <fields>: <sentence>".
 *
 * \param fields  "key=value key=value" naming the resources involved
 *                (vpc_id=, zone_id=, rule_id=, endpoint_id=, ...), or NULL.
 * \param fmt     the sentence, lower case, saying what happened and what
 *                happens next. Never pass secrets.
 *
 * Thread-safe; one line is written with one call to the stream.
 */
void zg_log(enum zg_log_level level, const char *module, const char *fields,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
