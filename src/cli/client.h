/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Calls to the management API for the CLI: requests, errors, names. */
#ifndef ZONEGATE_CLI_CLIENT_H
#define ZONEGATE_CLI_CLIENT_H

#include <stdbool.h>

#include <jansson.h>

/* Exit statuses of the zonegate command. */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_API = 1,		/* the API refused or failed; or no
					 * resource has the name given */
	CLI_EXIT_USAGE = 2,		/* bad command line */
	CLI_EXIT_UNREACHABLE = 3,	/* the daemon could not be reached */
};

/* Default socket when neither --api-socket nor ZONEGATE_API is set. */
#define CLI_DEFAULT_SOCKET "/run/zonegate/api.sock"

/* How long one request may take before the CLI gives up. */
#define CLI_TIMEOUT_MS 60000

/* How long a request that may run for minutes (zone import and export,
 * backup, restore) may take before the CLI gives up. */
#define CLI_LONG_TIMEOUT_MS 600000

/* Environment variable that sets every request's timeout, in seconds. */
#define CLI_TIMEOUT_ENV "ZONEGATE_TIMEOUT"

/* Settings shared by every command of one invocation. */
struct cli_ctx {
	const char *socket_path;	/* the API socket; not owned */
	bool json;			/* --json: print the API's JSON */
};

/* A successful (2xx) reply. Free with client_reply_clear(). */
struct client_reply {
	int status;		/* HTTP status, 200..299 */
	json_t *json;		/* parsed body; NULL when the body is empty */
	char *raw;		/* the body as received, NUL-terminated */
};

/*!
 * Sends one request and waits for the reply.
 *
 * body is sent as JSON when not NULL (the caller keeps its reference);
 * if_match, when not NULL, goes in an If-Match header. On a 2xx reply
 * fills out and writes any "warning" of the reply to stderr as
 * "warning: ...". Otherwise writes the error to stderr as
 * "zonegate: <message> (field: <field>)".
 *
 * \return CLI_EXIT_OK, CLI_EXIT_API (error status or bad reply) or
 *         CLI_EXIT_UNREACHABLE (socket not reachable, no reply in time).
 */
int client_call(const struct cli_ctx *ctx, const char *method,
		const char *target, json_t *body, const char *if_match,
		struct client_reply *out);

/*!
 * The timeout of a request in ms: env_value (the value of
 * CLI_TIMEOUT_ENV, NULL when unset) in seconds when it is a whole number
 * from 1 to 86400, else CLI_LONG_TIMEOUT_MS for a long request and
 * CLI_TIMEOUT_MS for the others.
 */
int client_timeout_ms(bool long_request, const char *env_value);

/*!
 * client_call() for a request that may run for minutes: it waits
 * client_timeout_ms(true, ...) for the reply, and when none came in that
 * time prints after the usual message "zonegate: <on_timeout>", which
 * tells how to learn whether the request took effect (on_timeout may be
 * NULL).
 */
int client_call_long(const struct cli_ctx *ctx, const char *method,
		     const char *target, json_t *body, const char *on_timeout,
		     struct client_reply *out);

/*!
 * GETs every page of a collection (path without query, e.g. "/v1/vpcs")
 * and returns all items in one new array in *items. When raw is not NULL
 * it receives the JSON text to print for --json: the reply itself when
 * there was one page, else {"items": [all], "next": null}.
 *
 * \return as client_call().
 */
int client_list_all(const struct cli_ctx *ctx, const char *path,
		    json_t **items, char **raw);

/*! Frees what the reply owns. Accepts NULL. */
void client_reply_clear(struct client_reply *reply);

/*! Prints raw JSON text to stdout, adding a final newline if missing. */
void client_print_raw(const char *raw);

/* A kind of resource that the CLI names by id or by name. */
struct client_kind {
	const char *noun;	/* "vpc", for messages */
	const char *plural;	/* "vpcs", for messages */
	const char *id_prefix;	/* ids look like "<id_prefix>-N" */
	const char *path;	/* collection, e.g. "/v1/vpcs" */
	bool dns_name;		/* names are DNS names: compared absolute
				 * and ignoring case */
};

extern const struct client_kind CLIENT_KIND_VPC;
extern const struct client_kind CLIENT_KIND_ZONE;
extern const struct client_kind CLIENT_KIND_ENDPOINT;
extern const struct client_kind CLIENT_KIND_RULE;

/*!
 * Turns what the user typed into a resource id: text itself when it looks
 * like an id of this kind, else the id of the one resource of that name.
 * No match prints "no vpc named X"; several print their ids.
 *
 * \param id_out  receives a malloc'd id on success.
 * \return as client_call(); CLI_EXIT_API when no or several resources
 *         have the name.
 */
int client_resolve(const struct cli_ctx *ctx, const struct client_kind *kind,
		   const char *text, char **id_out);

/*!
 * Fetches one resource by id or name: GET <path>/<id>.
 * \return as client_call(); the reply holds the resource.
 */
int client_get(const struct cli_ctx *ctx, const struct client_kind *kind,
	       const char *text, struct client_reply *out);

/*! Prints "zonegate: <message>" to stderr; returns CLI_EXIT_API. */
int client_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*!
 * Builds a request target from fmt, where each "%s" takes the next
 * argument percent-encoded (ids, names, query values) and each "%r" the
 * next argument as it is (a collection path); no other conversion exists.
 * Returns malloc'd text, NULL when out of memory.
 * Example: client_path("/v1/zones/%s/vpcs/%s", zone_id, vpc_id).
 */
char *client_path(const char *fmt, ...);

#endif
