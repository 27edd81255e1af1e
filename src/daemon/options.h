/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegated's settings: command-line options and the config file that
 * takes the same keys. */
#ifndef ZONEGATE_DAEMON_OPTIONS_H
#define ZONEGATE_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/log.h"

#define OPTIONS_DEFAULT_API_SOCKET "/run/zonegate/api.sock"
#define OPTIONS_DEFAULT_STATE "/var/lib/zonegate/state.db"
#define OPTIONS_DEFAULT_VICI_SOCKET "/var/run/charon.vici"
#define OPTIONS_DEFAULT_DNS_PORT 53
#define OPTIONS_MAX_WORKERS 256
#define OPTIONS_MAX_DNS_LISTEN 64
#define OPTIONS_MAX_TCP_PER_CLIENT 256	/* a worker's whole TCP limit */

/* Everything the daemon was told to do. Strings and the address array
 * are owned by the struct and freed by options_free(). */
struct daemon_options {
	char *config_path;		/* --config, or NULL */
	struct zg_addr *dns_listen;	/* --dns-listen, with port */
	size_t n_dns_listen;
	char *api_socket;		/* --api-socket */
	char *state_path;		/* --state: the SQLite file */
	char *vici_socket;		/* --vici-socket: charon's VICI socket,
					 * contacted only while IPsec
					 * connections exist */
	unsigned workers;		/* --workers; 0: one per usable CPU */
	unsigned tcp_per_client;	/* --tcp-max-per-client: connections
					 * one client address may hold open
					 * per worker; 0: the default (16) */
	bool foreground;		/* --foreground */
	enum zg_log_level log_level;	/* --log-level */
	char *log_file;			/* --log-file, or NULL: stderr */
	char *query_log;		/* --query-log, or NULL: none */
	/* The answer cache: --cache-size in bytes (0: the cache's default)
	 * and --cache-{max,min}-[negative-]ttl in seconds (-1: default). */
	size_t cache_size;
	int64_t cache_max_ttl;
	int64_t cache_max_neg_ttl;
	int64_t cache_min_ttl;
	int64_t cache_min_neg_ttl;
};

/* What options_parse() asks the caller to do. */
enum options_action {
	OPTIONS_RUN = 0,	/* start the daemon */
	OPTIONS_HELP,		/* print options_usage() and exit 0 */
	OPTIONS_VERSION,	/* print the version and exit 0 */
};

/*!
 * Fills opts from the command line and, when --config names one, from
 * that file. Precedence: built-in defaults, then the file, then the
 * command line; --dns-listen given on the command line replaces the
 * file's list instead of adding to it.
 *
 * opts is overwritten (it need not be initialised); on every return,
 * including errors, it owns memory the caller frees with options_free().
 * Not thread-safe (getopt_long keeps global state); resets getopt, so it
 * may be called more than once.
 *
 * \param err  receives one line naming the option or file line and what
 *             is wrong with it, e.g. "--workers: 'x' is not a number
 *             from 1 to 256".
 * \return an enum options_action, or ZG_EINVAL / ZG_ENOMEM.
 */
int options_parse(int argc, char **argv, struct daemon_options *opts,
		  char *err, size_t errlen);

/*!
 * Applies a config file over opts: "key = value" lines with the long
 * option names as keys, '#' comments (whole lines, or after white
 * space), blank lines ignored; dns-listen may repeat and adds to the list.
 * \retval 0, ZG_EINVAL (err says "FILE:LINE: ..."), ZG_ENOMEM, or -errno
 *         when the file cannot be read.
 */
int options_load_file(const char *path, struct daemon_options *opts,
		      char *err, size_t errlen);

/*! Sets the built-in defaults; the caller later calls options_free(). */
int options_init(struct daemon_options *opts);

/*! Frees what opts owns and zeroes it. Accepts NULL. */
void options_free(struct daemon_options *opts);

/*! Writes the --help text. */
void options_usage(FILE *out, const char *program);

#endif
