/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate inbound create|update|list|show|delete: listener addresses
 * for on-premises clients, answered as one VPC. */
#include "cli/cmd.h"

#include <stdlib.h>

const struct args_opt CMD_INBOUND_CREATE_OPTS[] = {
	{ "vpc", true }, { "listen", true }, { "allow", true },
	{ NULL, false },
};
const struct args_opt CMD_INBOUND_UPDATE_OPTS[] = {
	{ "name", true }, { "vpc", true }, { "listen", true },
	{ "allow", true }, { NULL, false },
};

static const struct client_kind KIND_INBOUND = {
	.noun = "inbound endpoint",
	.plural = "inbound endpoints",
	.id_prefix = "in",
	.path = "/v1/inbound",
	.dns_name = false,
};

static const char *const INBOUND_KEYS[] = {
	"vpc", "listen", "allow", NULL,
};

static const struct output_column INBOUND_COLUMNS[] = {
	{ "ID", "id" },
	{ "NAME", "name" },
	{ "VPC", "vpc" },
	{ "LISTEN", "listen" },
	{ "ALLOW", "allow" },
	{ NULL, NULL },
};

/* Adds "listen" and "allow" from their options (comma lists,
 * repeatable) when given. */
static int add_lists(const struct cmd *cmd, const struct args_parsed *args,
		     json_t *body)
{
	static const char *const opts[] = { "listen", "allow" };
	int rc = CLI_EXIT_OK;
	for (size_t i = 0; rc == CLI_EXIT_OK && i < 2; i++) {
		if (!args_has(args, opts[i])) {
			continue;
		}
		json_t *list = json_array();
		rc = list != NULL ? cmd_collect_list(cmd, args, opts[i],
						     args_append_list, list)
				  : client_fail("out of memory");
		if (rc == CLI_EXIT_OK) {
			json_object_set(body, opts[i], list);
		}
		json_decref(list);
	}
	return rc;
}

/* Adds "vpc" resolved from --vpc when given. */
static int add_vpc(const struct cli_ctx *ctx, const struct args_parsed *args,
		   json_t *body)
{
	char *vpc_id = NULL;
	if (!args_has(args, "vpc")) {
		return CLI_EXIT_OK;
	}
	int rc = client_resolve(ctx, &CLIENT_KIND_VPC, args_get(args, "vpc"),
				&vpc_id);
	if (rc == CLI_EXIT_OK) {
		json_object_set_new(body, "vpc", json_string(vpc_id));
	}
	free(vpc_id);
	return rc;
}

int cmd_inbound_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args)
{
	if (!args_has(args, "vpc") || !args_has(args, "listen") ||
	    !args_has(args, "allow")) {
		return cmd_usage_error(cmd, "--vpc, --listen and --allow are required");
	}
	json_t *body = json_pack("{s:s}", "name", args->pos[0]);
	int rc = body != NULL ? add_lists(cmd, args, body)
			      : client_fail("out of memory");
	if (rc == CLI_EXIT_OK) {
		rc = add_vpc(ctx, args, body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = cmd_send_and_print(ctx, "POST", "/v1/inbound", body,
					INBOUND_KEYS);
	}
	json_decref(body);
	return rc;
}

static int build_inbound_patch(const struct cli_ctx *ctx,
			       const struct cmd *cmd,
			       const struct args_parsed *args,
			       const json_t *current, const char *id,
			       json_t *body)
{
	if (args_has(args, "name")) {
		json_object_set_new(body, "name",
				    json_string(args_get(args, "name")));
	}
	int rc = add_lists(cmd, args, body);
	if (rc == CLI_EXIT_OK) {
		rc = add_vpc(ctx, args, body);
	}
	return rc;
}

int cmd_inbound_update(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args)
{
	static const char *const changes[] = {
		"name", "vpc", "listen", "allow", NULL,
	};
	static const char *const edits[] = { NULL };
	const struct cmd_update update = {
		.kind = &KIND_INBOUND,
		.changes = changes,
		.edits = edits,
		.build = build_inbound_patch,
		.keys = INBOUND_KEYS,
	};
	return cmd_update(ctx, cmd, args, &update);
}

int cmd_inbound_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args)
{
	return cmd_list(ctx, "/v1/inbound", INBOUND_COLUMNS);
}

int cmd_inbound_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args)
{
	return cmd_show(ctx, &KIND_INBOUND, args->pos[0]);
}

int cmd_inbound_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args)
{
	return cmd_delete(ctx, &KIND_INBOUND, args->pos[0]);
}
