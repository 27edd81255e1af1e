/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate endpoint create|update|list|show|delete */
#include "cli/cmd.h"

#include <stdlib.h>

static const char *const ENDPOINT_KEYS[] = {
	"vpc", "sources", "egress", NULL,
};

static const struct output_column ENDPOINT_COLUMNS[] = {
	{ "ID", "id" },
	{ "NAME", "name" },
	{ "VPC", "vpc" },
	{ "SOURCES", "sources" },
	{ "EGRESS", "egress" },
	{ NULL, NULL },
};

/* Fills sources and egress of a create body from the options. */
static int add_create_lists(const struct cmd *cmd,
			    const struct args_parsed *args, json_t *body)
{
	json_t *sources = json_array(), *egress = json_array();
	int rc = CLI_EXIT_OK;

	if (sources == NULL || egress == NULL) {
		rc = client_fail("out of memory");
	}
	if (rc == CLI_EXIT_OK) {
		rc = cmd_collect_list(cmd, args, "source", args_append_list,
				      sources);
	}
	if (rc == CLI_EXIT_OK) {
		rc = cmd_collect_list(cmd, args, "allow",
				      cmd_parse_allow_item, egress);
	}
	if (rc == CLI_EXIT_OK) {
		json_object_set(body, "sources", sources);
	}
	/* Without --allow the API applies its default group (UDP and TCP
	 * port 53 to any address). */
	if (rc == CLI_EXIT_OK && json_array_size(egress) > 0) {
		json_object_set(body, "egress", egress);
	}
	json_decref(sources);
	json_decref(egress);
	return rc;
}

int cmd_endpoint_create(const struct cli_ctx *ctx, const struct cmd *cmd,
			const struct args_parsed *args)
{
	char *vpc_id = NULL;
	json_t *body = NULL;
	int rc;

	if (!args_has(args, "vpc") || !args_has(args, "source")) {
		return cmd_usage_error(cmd, "--vpc and --source are required");
	}
	body = json_pack("{s:s}", "name", args->pos[0]);
	rc = body != NULL ? add_create_lists(cmd, args, body) :
	     client_fail("out of memory");
	if (rc == CLI_EXIT_OK) {
		rc = client_resolve(ctx, &CLIENT_KIND_VPC,
				    args_get(args, "vpc"), &vpc_id);
	}
	if (rc == CLI_EXIT_OK) {
		json_object_set_new(body, "vpc", json_string(vpc_id));
		rc = cmd_send_and_print(ctx, "POST", "/v1/endpoints", body,
					ENDPOINT_KEYS);
	}
	free(vpc_id);
	json_decref(body);
	return rc;
}

static int build_endpoint_patch(const struct cli_ctx *ctx,
				const struct cmd *cmd,
				const struct args_parsed *args,
				const json_t *current, const char *endpoint_id,
				json_t *body)
{
	json_t *sources = NULL, *egress = NULL;
	int rc;

	if (args_has(args, "name")) {
		json_object_set_new(body, "name",
				    json_string(args_get(args, "name")));
	}
	rc = cmd_edit_list(cmd, args, "source", "add-source", "del-source",
			   args_append_list, json_object_get(current,
							     "sources"),
			   endpoint_id, &sources);
	if (rc == CLI_EXIT_OK) {
		rc = cmd_edit_list(cmd, args, "allow", "add-allow",
				   "del-allow", cmd_parse_allow_item,
				   json_object_get(current, "egress"),
				   endpoint_id, &egress);
	}
	if (sources != NULL) {
		json_object_set_new(body, "sources", sources);
	}
	if (egress != NULL) {
		json_object_set_new(body, "egress", egress);
	}
	return rc;
}

int cmd_endpoint_update(const struct cli_ctx *ctx, const struct cmd *cmd,
			const struct args_parsed *args)
{
	static const char *const changes[] = {
		"name", "source", "add-source", "del-source", "allow",
		"add-allow", "del-allow", NULL,
	};
	static const char *const edits[] = {
		"add-source", "del-source", "add-allow", "del-allow", NULL,
	};
	const struct cmd_update update = {
		.kind = &CLIENT_KIND_ENDPOINT,
		.changes = changes,
		.edits = edits,
		.build = build_endpoint_patch,
		.keys = ENDPOINT_KEYS,
	};

	return cmd_update(ctx, cmd, args, &update);
}

int cmd_endpoint_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args)
{
	return cmd_list(ctx, "/v1/endpoints", ENDPOINT_COLUMNS);
}

int cmd_endpoint_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args)
{
	return cmd_show(ctx, &CLIENT_KIND_ENDPOINT, args->pos[0]);
}

int cmd_endpoint_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
			const struct args_parsed *args)
{
	return cmd_delete(ctx, &CLIENT_KIND_ENDPOINT, args->pos[0]);
}
