/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate vpc create|update|list|show|delete */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

static const char *const VPC_KEYS[] = { "cidrs", "listen", NULL };

static const struct output_column VPC_COLUMNS[] = {
	{ "ID", "id" },
	{ "NAME", "name" },
	{ "CIDRS", "cidrs" },
	{ "LISTEN", "listen" },
	{ "BUILTIN_ZONES", "builtin_zones" },
	{ NULL, NULL },
};

/* "yes"/"no" (or true/false, on/off) of --builtin-zones. */
static int parse_bool(const char *text, bool *out)
{
	if (strcmp(text, "yes") == 0 || strcmp(text, "true") == 0 ||
	    strcmp(text, "on") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(text, "no") == 0 || strcmp(text, "false") == 0 ||
	    strcmp(text, "off") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

int cmd_vpc_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args)
{
	json_t *body = json_pack("{s:s, s:[]}", "name", args->pos[0],
				 "cidrs");
	json_t *listen = json_array();
	int rc;

	if (body == NULL || listen == NULL) {
		json_decref(listen);
		json_decref(body);
		return client_fail("out of memory");
	}
	if (!args_has(args, "cidr")) {
		rc = cmd_usage_error(cmd, "a vpc needs at least one --cidr");
		goto out;
	}
	rc = cmd_collect_list(cmd, args, "cidr", args_append_list,
			      json_object_get(body, "cidrs"));
	if (rc == CLI_EXIT_OK) {
		rc = cmd_collect_list(cmd, args, "listen", args_append_list,
				      listen);
	}
	if (rc != CLI_EXIT_OK) {
		goto out;
	}
	if (json_array_size(listen) > 0) {
		json_object_set(body, "listen", listen);
	}
	if (args_has(args, "no-builtin-zones")) {
		json_object_set_new(body, "builtin_zones", json_false());
	}
	rc = cmd_send_and_print(ctx, "POST", "/v1/vpcs", body, VPC_KEYS);

out:
	json_decref(listen);
	json_decref(body);
	return rc;
}

/* Adds the fields given on the command line to the PATCH body. */
static int build_vpc_patch(const struct cli_ctx *ctx, const struct cmd *cmd,
			   const struct args_parsed *args,
			   const json_t *current, const char *vpc_id,
			   json_t *body)
{
	json_t *cidrs = NULL, *listen = NULL;
	const char *builtin = args_get(args, "builtin-zones");
	bool on = false;
	int rc;

	if (args_has(args, "name")) {
		json_object_set_new(body, "name",
				    json_string(args_get(args, "name")));
	}
	if (builtin != NULL && parse_bool(builtin, &on) != 0) {
		return cmd_usage_error(cmd, "--builtin-zones takes yes or no");
	}
	if (builtin != NULL) {
		json_object_set_new(body, "builtin_zones", json_boolean(on));
	}
	rc = cmd_edit_list(cmd, args, "cidr", "add-cidr", "del-cidr",
			   args_append_list, json_object_get(current, "cidrs"),
			   vpc_id, &cidrs);
	if (rc == CLI_EXIT_OK) {
		rc = cmd_edit_list(cmd, args, "listen", "add-listen",
				   "del-listen", args_append_list,
				   json_object_get(current, "listen"), vpc_id,
				   &listen);
	}
	if (cidrs != NULL) {
		json_object_set_new(body, "cidrs", cidrs);
	}
	if (listen != NULL) {
		json_object_set_new(body, "listen", listen);
	}
	return rc;
}

int cmd_vpc_update(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args)
{
	static const char *const changes[] = {
		"name", "cidr", "add-cidr", "del-cidr", "listen", "add-listen",
		"del-listen", "builtin-zones", NULL,
	};
	static const char *const edits[] = {
		"add-cidr", "del-cidr", "add-listen", "del-listen", NULL,
	};
	const struct cmd_update update = {
		.kind = &CLIENT_KIND_VPC,
		.changes = changes,
		.edits = edits,
		.build = build_vpc_patch,
		.keys = VPC_KEYS,
	};

	return cmd_update(ctx, cmd, args, &update);
}

int cmd_vpc_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		 const struct args_parsed *args)
{
	return cmd_list(ctx, "/v1/vpcs", VPC_COLUMNS);
}

int cmd_vpc_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		 const struct args_parsed *args)
{
	return cmd_show(ctx, &CLIENT_KIND_VPC, args->pos[0]);
}

int cmd_vpc_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args)
{
	return cmd_delete(ctx, &CLIENT_KIND_VPC, args->pos[0]);
}
