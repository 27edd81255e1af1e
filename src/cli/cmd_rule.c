/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate rule create|update|bind|unbind|list|show|delete */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

static const char *const RULE_KEYS[] = {
	"domain", "endpoint", "targets", "vpcs", NULL,
};

static const struct output_column RULE_COLUMNS[] = {
	{ "ID", "id" },
	{ "NAME", "name" },
	{ "DOMAIN", "domain" },
	{ "ENDPOINT", "endpoint" },
	{ "TARGETS", "targets" },
	{ "VPCS", "vpcs" },
	{ NULL, NULL },
};

/* Sets "endpoint" in body to the id of what --endpoint names. */
static int add_endpoint(const struct cli_ctx *ctx,
			const struct args_parsed *args, json_t *body)
{
	char *endpoint_id = NULL;
	int rc = client_resolve(ctx, &CLIENT_KIND_ENDPOINT,
				args_get(args, "endpoint"), &endpoint_id);

	if (rc == CLI_EXIT_OK) {
		json_object_set_new(body, "endpoint", json_string(endpoint_id));
	}
	free(endpoint_id);
	return rc;
}

static int add_targets(const struct cmd *cmd, const struct args_parsed *args,
		       json_t *body)
{
	json_t *targets = json_array();
	int rc = targets != NULL ? cmd_collect_list(cmd, args, "target",
						    args_append_list,
						    targets) :
		 client_fail("out of memory");

	json_object_set_new(body, "targets", targets);
	return rc;
}

/* serve_stale and max_stale from --serve-stale and --max-stale. */
static int add_stale(const struct cmd *cmd, const struct args_parsed *args,
		     json_t *body)
{
	const char *on = args_get(args, "serve-stale");
	uint32_t max_stale = 0;

	if (on != NULL && strcmp(on, "yes") != 0 && strcmp(on, "no") != 0) {
		return cmd_usage_error(cmd, "--serve-stale takes yes or no");
	}
	if (on != NULL) {
		json_object_set_new(body, "serve_stale",
				    json_boolean(strcmp(on, "yes") == 0));
	}
	if (!args_has(args, "max-stale")) {
		return CLI_EXIT_OK;
	}
	if (args_parse_uint(args_get(args, "max-stale"), 2147483647,
			    &max_stale) != 0 || max_stale == 0) {
		return cmd_usage_error(cmd, "--max-stale takes seconds from 1 to 2147483647");
	}
	json_object_set_new(body, "max_stale", json_integer(max_stale));
	return CLI_EXIT_OK;
}

/* How the rule's targets are asked: --try-timeout-ms and
 * --total-timeout-ms (0: the default), and yes|no for the rest. */
static int add_forwarding(const struct cmd *cmd,
			  const struct args_parsed *args, json_t *body)
{
	static const char *const flags[][2] = {
		{ "tcp-only", "tcp_only" },
		{ "authoritative", "authoritative" },
		{ "cookies", "cookies" },
		{ "case-randomization", "case_randomization" },
		{ "hedging", "hedging" },
	};
	static const char *const timeouts[][2] = {
		{ "try-timeout-ms", "try_timeout_ms" },
		{ "total-timeout-ms", "total_timeout_ms" },
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *on = args_get(args, flags[i][0]);
		if (on == NULL) {
			continue;
		}
		if (strcmp(on, "yes") != 0 && strcmp(on, "no") != 0) {
			return cmd_usage_error(cmd, "--tcp-only, --authoritative, --cookies, --case-randomization and --hedging take yes or no");
		}
		json_object_set_new(body, flags[i][1],
				    json_boolean(strcmp(on, "yes") == 0));
	}
	for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		uint32_t ms = 0;
		if (!args_has(args, timeouts[i][0])) {
			continue;
		}
		if (args_parse_uint(args_get(args, timeouts[i][0]),
				    UINT32_MAX, &ms) != 0) {
			return cmd_usage_error(cmd, "--try-timeout-ms and --total-timeout-ms take milliseconds (0: the default)");
		}
		json_object_set_new(body, timeouts[i][1], json_integer(ms));
	}
	return CLI_EXIT_OK;
}

int cmd_rule_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	json_t *body;
	int rc;

	if (!args_has(args, "domain") || !args_has(args, "endpoint") ||
	    !args_has(args, "target")) {
		return cmd_usage_error(cmd, "--domain, --endpoint and --target are required");
	}
	body = json_pack("{s:s, s:s}", "name", args->pos[0], "domain",
			 args_get(args, "domain"));
	if (body == NULL) {
		return client_fail("out of memory");
	}
	rc = add_targets(cmd, args, body);
	if (rc == CLI_EXIT_OK) {
		rc = add_endpoint(ctx, args, body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = add_forwarding(cmd, args, body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = add_stale(cmd, args, body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = cmd_send_and_print(ctx, "POST", "/v1/rules", body,
					RULE_KEYS);
	}
	json_decref(body);
	return rc;
}

static int build_rule_patch(const struct cli_ctx *ctx, const struct cmd *cmd,
			    const struct args_parsed *args,
			    const json_t *current, const char *rule_id,
			    json_t *body)
{
	int rc = CLI_EXIT_OK;

	if (args_has(args, "name")) {
		json_object_set_new(body, "name",
				    json_string(args_get(args, "name")));
	}
	if (args_has(args, "target")) {
		rc = add_targets(cmd, args, body);
	}
	if (rc == CLI_EXIT_OK && args_has(args, "endpoint")) {
		rc = add_endpoint(ctx, args, body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = add_forwarding(cmd, args, body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = add_stale(cmd, args, body);
	}
	return rc;
}

int cmd_rule_update(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	static const char *const changes[] = {
		"name", "target", "endpoint", "try-timeout-ms",
		"total-timeout-ms", "tcp-only", "authoritative", "cookies",
		"case-randomization", "hedging", "serve-stale", "max-stale", NULL,
	};
	static const char *const edits[] = { NULL };
	const struct cmd_update update = {
		.kind = &CLIENT_KIND_RULE,
		.changes = changes,
		.edits = edits,
		.build = build_rule_patch,
		.keys = RULE_KEYS,
	};

	return cmd_update(ctx, cmd, args, &update);
}

int cmd_rule_bind(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args)
{
	if (!args_has(args, "vpc")) {
		return cmd_usage_error(cmd, "--vpc is required");
	}
	return cmd_binding(ctx, &CLIENT_KIND_RULE, args->pos[0],
			   args_get(args, "vpc"), true);
}

int cmd_rule_unbind(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	if (!args_has(args, "vpc")) {
		return cmd_usage_error(cmd, "--vpc is required");
	}
	return cmd_binding(ctx, &CLIENT_KIND_RULE, args->pos[0],
			   args_get(args, "vpc"), false);
}

int cmd_rule_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args)
{
	return cmd_list(ctx, "/v1/rules", RULE_COLUMNS);
}

int cmd_rule_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args)
{
	return cmd_show(ctx, &CLIENT_KIND_RULE, args->pos[0]);
}

int cmd_rule_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	return cmd_delete(ctx, &CLIENT_KIND_RULE, args->pos[0]);
}

static const struct output_column TARGET_COLUMNS[] = {
	{ "TARGET", "target" },
	{ "STATE", "state" },
	{ "SRTT_MS", "srtt_ms" },
	{ "TIMEOUT_MS", "timeout_ms" },
	{ "FAILURES", "failures" },
	{ "LAST_CHANGE", "last_change" },
	{ "QUERIES", "queries" },
	{ "TIMEOUTS", "timeouts" },
	{ "COOKIE", "cookie" },
	{ "0X20", "case_randomization" },
	{ NULL, NULL },
};

int cmd_rule_targets(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args)
{
	char *rule_id = NULL;
	int rc = client_resolve(ctx, &CLIENT_KIND_RULE, args->pos[0],
				&rule_id);
	char *path = rc == CLI_EXIT_OK ?
		client_path("/v1/rules/%s/targets", rule_id) : NULL;
	if (rc == CLI_EXIT_OK && path == NULL) {
		rc = client_fail("out of memory");
	}
	struct client_reply reply;
	if (rc == CLI_EXIT_OK) {
		rc = client_call(ctx, "GET", path, NULL, NULL, &reply);
	}
	if (rc == CLI_EXIT_OK) {
		if (ctx->json) {
			client_print_raw(reply.raw);
		} else {
			output_table(stdout,
				     json_object_get(reply.json, "targets"),
				     TARGET_COLUMNS);
		}
		client_reply_clear(&reply);
	}
	free(path);
	free(rule_id);
	return rc;
}
