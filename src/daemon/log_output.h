/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where zonegated's log lines go: a file (reopened on SIGHUP), syslog
 * when running in the background without one, or standard error. */
#ifndef ZONEGATE_DAEMON_LOG_OUTPUT_H
#define ZONEGATE_DAEMON_LOG_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct log_output;

/*!
 * Opens the destination: the file at path (appended to, created mode
 * 0640) when path is not NULL, else syslog (facility daemon) when
 * use_syslog, else standard error. Until log_output_detach_stderr(),
 * lines also go to standard error, so that what goes wrong while
 * starting reaches the terminal. NULL with err set on failure.
 */
struct log_output *log_output_open(const char *path, bool use_syslog,
				   char *err, size_t errlen);

/*! The stream to give zg_log_init(); NULL means standard error. */
FILE *log_output_stream(struct log_output *lo);

/*! True when lines reach standard error (directly or as a copy). */
bool log_output_on_stderr(const struct log_output *lo);

/*! Stops copying lines to standard error. Thread-safe. */
void log_output_detach_stderr(struct log_output *lo);

/*!
 * Opens the file again at the same path (after log rotation) and
 * switches to it atomically; other threads may be logging meanwhile.
 * No-op for syslog and standard error. \retval 0 or -errno.
 */
int log_output_reopen(struct log_output *lo);

/*! Flushes and closes. Call zg_log_init(..., NULL) first. Accepts NULL. */
void log_output_close(struct log_output *lo);

#endif
