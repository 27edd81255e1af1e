/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate cache flush|stats */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

/* The upstream as the API names it: "global", or the id of the VPC
 * named by text (id or name). */
static int upstream_name(const struct cli_ctx *ctx, const char *text,
			 char **out)
{
	if (strcmp(text, "global") == 0 ||
	    strncmp(text, "upstream-", 9) == 0) {
		*out = strdup(text);
		return *out != NULL ? CLI_EXIT_OK : client_fail("out of memory");
	}
	return client_resolve(ctx, &CLIENT_KIND_VPC, text, out);
}

/* Fills the flush body from --name, --rule and --upstream. */
static int flush_body(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args, json_t *body)
{
	char *id = NULL;
	int rc = CLI_EXIT_OK;

	if (args_has(args, "rule") && args_has(args, "upstream")) {
		return cmd_usage_error(cmd, "give --rule or --upstream, not both");
	}
	if (args_has(args, "name")) {
		json_object_set_new(body, "name",
				    json_string(args_get(args, "name")));
	}
	if (args_has(args, "rule")) {
		rc = client_resolve(ctx, &CLIENT_KIND_RULE,
				    args_get(args, "rule"), &id);
		if (rc == CLI_EXIT_OK) {
			json_object_set_new(body, "rule", json_string(id));
		}
	} else if (args_has(args, "upstream")) {
		rc = upstream_name(ctx, args_get(args, "upstream"), &id);
		if (rc == CLI_EXIT_OK) {
			json_object_set_new(body, "upstream", json_string(id));
		}
	}
	free(id);
	return rc;
}

int cmd_cache_flush(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	struct client_reply reply;
	json_t *body = json_object();
	int rc = body != NULL ? flush_body(ctx, cmd, args, body) :
				client_fail("out of memory");

	if (rc == CLI_EXIT_OK) {
		rc = client_call(ctx, "POST", "/v1/cache/flush", body, NULL,
				 &reply);
	}
	if (rc == CLI_EXIT_OK && ctx->json) {
		client_print_raw(reply.raw);
	} else if (rc == CLI_EXIT_OK) {
		json_t *n = json_object_get(reply.json, "flushed");
		printf("flushed %lld cached records\n",
		       (long long)json_integer_value(n));
	}
	if (rc == CLI_EXIT_OK) {
		client_reply_clear(&reply);
	}
	json_decref(body);
	return rc;
}

int cmd_cache_stats(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	struct client_reply reply;
	int rc = client_call(ctx, "GET", "/v1/cache/stats", NULL, NULL,
			     &reply);

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
