/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate tsig create|show|list|delete: TSIG keys, named by their DNS
 * key name. A secret is printed when the key is created and later only
 * by "tsig show KEY --secret". */
#include "cli/cmd.h"

#include <stdlib.h>

const struct args_opt CMD_TSIG_CREATE_OPTS[] = {
	{ "algorithm", true }, { "secret", true }, { NULL, false },
};
const struct args_opt CMD_TSIG_SHOW_OPTS[] = {
	{ "secret", false }, { NULL, false },
};

static const struct output_column TSIG_COLUMNS[] = {
	{ "NAME", "name" },
	{ "ALGORITHM", "algorithm" },
	{ "CREATED", "created_at" },
	{ NULL, NULL },
};

int cmd_tsig_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	json_t *body = json_pack("{s:s}", "name", args->pos[0]);
	if (body == NULL) {
		return client_fail("out of memory");
	}
	if (args_has(args, "algorithm")) {
		json_object_set_new(body, "algorithm",
				    json_string(args_get(args, "algorithm")));
	}
	if (args_has(args, "secret")) {
		json_object_set_new(body, "secret",
				    json_string(args_get(args, "secret")));
	}
	struct client_reply reply;
	int rc = client_call(ctx, "POST", "/v1/tsig-keys", body, NULL, &reply);
	json_decref(body);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		static const char *const keys[] = { "algorithm", NULL };
		output_summary(stdout, reply.json, keys);
		printf("secret: %s\n", json_string_value(
			json_object_get(reply.json, "secret")));
		fputs("zonegate: keep the secret now; it is shown again only by 'tsig show KEY --secret'\n",
		      stderr);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

/* /v1/tsig-keys/<name>, with ?secret=true when asked. */
static char *key_path(const char *name, bool secret)
{
	return client_path(secret ? "/v1/tsig-keys/%s?secret=true"
				  : "/v1/tsig-keys/%s", name);
}

int cmd_tsig_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args)
{
	char *target = key_path(args->pos[0], args_has(args, "secret"));
	if (target == NULL) {
		return client_fail("out of memory");
	}
	struct client_reply reply;
	int rc = client_call(ctx, "GET", target, NULL, NULL, &reply);
	free(target);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		output_show(stdout, reply.json);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

int cmd_tsig_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args)
{
	return cmd_list(ctx, "/v1/tsig-keys", TSIG_COLUMNS);
}

int cmd_tsig_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	char *target = key_path(args->pos[0], false);
	if (target == NULL) {
		return client_fail("out of memory");
	}
	struct client_reply reply;
	int rc = client_call(ctx, "DELETE", target, NULL, NULL, &reply);
	free(target);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		printf("deleted %s\n", args->pos[0]);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}
