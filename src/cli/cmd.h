/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CLI's commands: the table main() dispatches on, and shared steps. */
#ifndef ZONEGATE_CLI_CMD_H
#define ZONEGATE_CLI_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/client.h"
#include "cli/output.h"

/*
 * A command's run function gets the parsed arguments, with positional
 * counts already checked against the table, and returns a cli_exit
 * status after printing its result or its error.
 */
struct cmd;
typedef int (*cmd_run_fn)(const struct cli_ctx *ctx, const struct cmd *cmd,
			  const struct args_parsed *args);

/* One command: "zonegate <noun> [<verb>] ...". */
struct cmd {
	const char *noun;	/* "vpc"; or a verb-less command: "explain" */
	const char *verb;	/* "create"; NULL for verb-less commands */
	const char *synopsis;	/* arguments after noun and verb */
	const char *summary;	/* one line on what it does */
	const struct args_opt *opts;	/* NULL-name-ended; may be NULL */
	size_t min_pos, max_pos;	/* positional arguments accepted */
	cmd_run_fn run;
};

/* Every command, ending with an entry whose noun is NULL. */
extern const struct cmd CMD_TABLE[];

/* Options every command accepts: --json, --api-socket, --help. */
extern const struct args_opt CMD_GLOBAL_OPTS[];

/*!
 * Prints "zonegate: <message>" and the command's usage line to stderr.
 * \return CLI_EXIT_USAGE.
 */
int cmd_usage_error(const struct cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*! Prints the command's usage, summary and options to f. */
void cmd_print_help(FILE *f, const struct cmd *cmd);

/* Shared steps of the commands (cmd_common.c). */

/*! GET every item of a collection and print it as a table, or its JSON. */
int cmd_list(const struct cli_ctx *ctx, const char *path,
	     const struct output_column *columns);

/*! GET one resource by id or name and print its fields, or its JSON. */
int cmd_show(const struct cli_ctx *ctx, const struct client_kind *kind,
	     const char *text);

/*! DELETE one resource by id or name and say so, or print the JSON. */
int cmd_delete(const struct cli_ctx *ctx, const struct client_kind *kind,
	       const char *text);

/*!
 * Sends a request whose reply is one resource and prints it: the summary
 * line with keys, or the JSON. body may be NULL.
 */
int cmd_send_and_print(const struct cli_ctx *ctx, const char *method,
		       const char *target, json_t *body,
		       const char *const *keys);

/*!
 * POSTs {"vpc": VPC} to <kind path>/<id>/vpcs (bind) or DELETEs
 * <kind path>/<id>/vpcs/<vpc id> (unbind), names resolved first.
 */
int cmd_binding(const struct cli_ctx *ctx, const struct client_kind *kind,
		const char *text, const char *vpc_text, bool bind);

/*!
 * Parses one option value and appends what it stands for to array:
 * args_append_list() for comma lists of addresses, names or CIDRs,
 * cmd_parse_allow_item() for --allow. \retval 0 or ZG_EINVAL.
 */
typedef int (*cmd_item_fn)(json_t *array, const char *text);

/*! A cmd_item_fn appending the egress object of one --allow value. */
int cmd_parse_allow_item(json_t *array, const char *text);

/*!
 * Appends the items of every occurrence of option opt to array.
 * \return CLI_EXIT_OK, or CLI_EXIT_USAGE with the message printed.
 */
int cmd_collect_list(const struct cmd *cmd, const struct args_parsed *args,
		     const char *opt, cmd_item_fn parse, json_t *array);

/*!
 * Computes a list field of an update: the items of --<set> when given
 * (they replace the list), else those of current; then the items of
 * --<add> appended unless present, and those of --<del> removed. A value
 * to remove that is not in the list is an error naming what_id.
 *
 * \param current  the resource's current array; only read when add or
 *                 del options were given.
 * \param out      receives a new array, or NULL when none of the three
 *                 options was given (the field stays as it is).
 * \return a cli_exit status; messages printed.
 */
int cmd_edit_list(const struct cmd *cmd, const struct args_parsed *args,
		  const char *set, const char *add, const char *del,
		  cmd_item_fn parse, const json_t *current,
		  const char *what_id, json_t **out);

/*!
 * Adds to body, the JSON of a PATCH, the fields the command line
 * changes, resolving names of other resources through ctx. current is
 * the resource as it is (NULL unless the update edits lists); id is its
 * id.
 * \return a cli_exit status; messages printed.
 */
typedef int (*cmd_patch_fn)(const struct cli_ctx *ctx, const struct cmd *cmd,
			    const struct args_parsed *args,
			    const json_t *current, const char *id,
			    json_t *body);

/* How one kind of resource is updated by cmd_update(). */
struct cmd_update {
	const struct client_kind *kind;	/* what args->pos[0] names */
	const char *const *changes;	/* options that change something */
	const char *const *edits;	/* options that edit a current list;
					 * NULL-ended, may be empty */
	cmd_patch_fn build;		/* fills the PATCH body */
	const char *const *keys;	/* summary keys of the result */
};

/*!
 * PATCHes the resource named by args->pos[0] with the body built by
 * u->build, then prints the result. When an edits option was given the
 * resource is read first and its version sent as If-Match, so that a
 * change made meanwhile is refused (409) rather than overwritten.
 */
int cmd_update(const struct cli_ctx *ctx, const struct cmd *cmd,
	       const struct args_parsed *args, const struct cmd_update *u);

/*! True when any of the NULL-ended options was given. */
bool cmd_has_any(const struct args_parsed *args, const char *const *opts);

/* The run functions, one per command. */
int cmd_vpc_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args);
int cmd_vpc_update(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args);
int cmd_vpc_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		 const struct args_parsed *args);
int cmd_vpc_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		 const struct args_parsed *args);
int cmd_vpc_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args);

int cmd_zone_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_zone_set(const struct cli_ctx *ctx, const struct cmd *cmd,
		 const struct args_parsed *args);
int cmd_zone_bind(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args);
int cmd_zone_unbind(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_zone_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args);
int cmd_zone_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args);
int cmd_zone_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);

int cmd_record_add(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args);
int cmd_record_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_record_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_record_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args);

int cmd_endpoint_create(const struct cli_ctx *ctx, const struct cmd *cmd,
			const struct args_parsed *args);
int cmd_endpoint_update(const struct cli_ctx *ctx, const struct cmd *cmd,
			const struct args_parsed *args);
int cmd_endpoint_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args);
int cmd_endpoint_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args);
int cmd_endpoint_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
			const struct args_parsed *args);

int cmd_rule_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_rule_update(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_rule_bind(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args);
int cmd_rule_unbind(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_rule_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args);
int cmd_rule_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args);
int cmd_rule_targets(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args);
int cmd_rule_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);

int cmd_upstream_set(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args);
int cmd_upstream_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args);
int cmd_upstream_unset(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args);
int cmd_upstream_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args);

int cmd_cache_flush(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_cache_stats(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);

int cmd_explain(const struct cli_ctx *ctx, const struct cmd *cmd,
		const struct args_parsed *args);
int cmd_doctor(const struct cli_ctx *ctx, const struct cmd *cmd,
	       const struct args_parsed *args);
int cmd_changes(const struct cli_ctx *ctx, const struct cmd *cmd,
		const struct args_parsed *args);
int cmd_status(const struct cli_ctx *ctx, const struct cmd *cmd,
	       const struct args_parsed *args);
int cmd_backup(const struct cli_ctx *ctx, const struct cmd *cmd,
	       const struct args_parsed *args);
int cmd_restore(const struct cli_ctx *ctx, const struct cmd *cmd,
		const struct args_parsed *args);

/* Secondary zones and TSIG keys (cmd_secondary.c, cmd_tsig.c). */
extern const struct args_opt CMD_SECONDARY_CREATE_OPTS[];
extern const struct args_opt CMD_SECONDARY_UPDATE_OPTS[];
extern const struct args_opt CMD_TSIG_CREATE_OPTS[];
extern const struct args_opt CMD_TSIG_SHOW_OPTS[];
int cmd_secondary_create(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args);
int cmd_secondary_update(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args);
int cmd_secondary_status(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args);
int cmd_secondary_refresh(const struct cli_ctx *ctx, const struct cmd *cmd,
			  const struct args_parsed *args);
int cmd_tsig_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_tsig_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args);
int cmd_tsig_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args);
int cmd_tsig_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);

/* Zone files, transfers out, update policies (cmd_zonesync.c) and
 * inbound endpoints (cmd_inbound.c). */
extern const struct args_opt CMD_ZONE_IMPORT_OPTS[];
extern const struct args_opt CMD_ZONE_TRANSFER_OPTS[];
extern const struct args_opt CMD_ZONE_POLICY_OPTS[];
extern const struct args_opt CMD_INBOUND_CREATE_OPTS[];
extern const struct args_opt CMD_INBOUND_UPDATE_OPTS[];
int cmd_zone_import(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_zone_export(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args);
int cmd_zone_transfer(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args);
int cmd_zone_update_policy(const struct cli_ctx *ctx, const struct cmd *cmd,
			   const struct args_parsed *args);
int cmd_inbound_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args);
int cmd_inbound_update(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args);
int cmd_inbound_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args);
int cmd_inbound_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args);
int cmd_inbound_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args);
int cmd_lint(const struct cli_ctx *ctx, const struct cmd *cmd,
	     const struct args_parsed *args);
int cmd_stats(const struct cli_ctx *ctx, const struct cmd *cmd,
	      const struct args_parsed *args);

/* zonegate vpn ... (cmd_vpn.c). */
int cmd_vpn_gateway_create(const struct cli_ctx *ctx, const struct cmd *cmd,
			   const struct args_parsed *args);
int cmd_vpn_gateway_list(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args);
int cmd_vpn_gateway_show(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args);
int cmd_vpn_gateway_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
			   const struct args_parsed *args);
int cmd_vpn_cgw_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args);
int cmd_vpn_cgw_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args);
int cmd_vpn_cgw_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args);
int cmd_vpn_cgw_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args);
int cmd_vpn_connection_create(const struct cli_ctx *ctx,
			      const struct cmd *cmd,
			      const struct args_parsed *args);
int cmd_vpn_connection_update(const struct cli_ctx *ctx,
			      const struct cmd *cmd,
			      const struct args_parsed *args);
int cmd_vpn_connection_list(const struct cli_ctx *ctx, const struct cmd *cmd,
			    const struct args_parsed *args);
int cmd_vpn_connection_show(const struct cli_ctx *ctx, const struct cmd *cmd,
			    const struct args_parsed *args);
int cmd_vpn_connection_delete(const struct cli_ctx *ctx,
			      const struct cmd *cmd,
			      const struct args_parsed *args);
int cmd_vpn_connection_initiate(const struct cli_ctx *ctx,
				const struct cmd *cmd,
				const struct args_parsed *args);
int cmd_vpn_connection_terminate(const struct cli_ctx *ctx,
				 const struct cmd *cmd,
				 const struct args_parsed *args);
int cmd_vpn_route_add(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args);
int cmd_vpn_route_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args);
int cmd_vpn_route_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args);
int cmd_vpn_route_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args);
int cmd_vpn_download(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args);
int cmd_vpn_status(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args);

#endif
