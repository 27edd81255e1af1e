/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate upstream set|show|unset|list */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

static const char *const UPSTREAM_KEYS[] = {
	"vpc", "targets", "source", NULL,
};

static const struct output_column UPSTREAM_COLUMNS[] = {
	{ "ID", "id" },
	{ "VPC", "vpc" },
	{ "TARGETS", "targets" },
	{ "SOURCE", "source" },
	{ NULL, NULL },
};

/* /v1/upstreams/global, or /v1/upstreams/<vpc id> with --vpc. */
static int upstream_target(const struct cli_ctx *ctx,
			   const struct args_parsed *args, char **target)
{
	char *vpc_id = NULL;
	int rc;

	if (!args_has(args, "vpc")) {
		*target = client_path("/v1/upstreams/global");
		return *target != NULL ? CLI_EXIT_OK :
		       client_fail("out of memory");
	}
	rc = client_resolve(ctx, &CLIENT_KIND_VPC, args_get(args, "vpc"),
			    &vpc_id);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	*target = client_path("/v1/upstreams/%s", vpc_id);
	free(vpc_id);
	return *target != NULL ? CLI_EXIT_OK : client_fail("out of memory");
}

static int build_upstream(const struct cmd *cmd,
			  const struct args_parsed *args, json_t *body)
{
	json_t *targets = json_array();
	const char *source = args_get(args, "source");

	if (targets == NULL) {
		return client_fail("out of memory");
	}
	json_object_set_new(body, "targets", targets);
	for (size_t i = 0; i < args->npos; i++) {
		int rc = args_append_list(targets, args->pos[i]);

		if (rc != 0) {
			return cmd_usage_error(cmd, "invalid target list '%s'",
					       args->pos[i]);
		}
	}
	json_object_set_new(body, "source", source != NULL ?
			    json_string(source) : json_null());
	return CLI_EXIT_OK;
}

int cmd_upstream_set(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args)
{
	json_t *body = json_object();
	char *target = NULL;
	int rc = body != NULL ? build_upstream(cmd, args, body) :
		 client_fail("out of memory");

	if (rc == CLI_EXIT_OK) {
		rc = upstream_target(ctx, args, &target);
	}
	if (rc == CLI_EXIT_OK) {
		rc = cmd_send_and_print(ctx, "PUT", target, body,
					UPSTREAM_KEYS);
	}
	free(target);
	json_decref(body);
	return rc;
}

int cmd_upstream_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args)
{
	struct client_reply reply;
	char *target = NULL;
	int rc = upstream_target(ctx, args, &target);

	if (rc == CLI_EXIT_OK) {
		rc = client_call(ctx, "GET", target, NULL, NULL, &reply);
	}
	if (rc == CLI_EXIT_OK) {
		if (ctx->json) {
			client_print_raw(reply.raw);
		} else {
			output_show(stdout, reply.json);
		}
		client_reply_clear(&reply);
	}
	free(target);
	return rc;
}

int cmd_upstream_unset(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args)
{
	struct client_reply reply;
	char *target = NULL;
	int rc = upstream_target(ctx, args, &target);

	if (rc == CLI_EXIT_OK) {
		rc = client_call(ctx, "DELETE", target, NULL, NULL, &reply);
	}
	if (rc == CLI_EXIT_OK) {
		if (ctx->json) {
			client_print_raw(reply.raw);
		} else {
			/* The API names upstreams "upstream-global" and
			 * "upstream-<vpc id>". */
			printf("unset upstream-%s\n",
			       target + strlen("/v1/upstreams/"));
		}
		client_reply_clear(&reply);
	}
	free(target);
	return rc;
}

int cmd_upstream_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args)
{
	return cmd_list(ctx, "/v1/upstreams", UPSTREAM_COLUMNS);
}
