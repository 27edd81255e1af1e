/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate explain|changes|status|backup|restore */
#include "cli/cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct output_column CHANGE_COLUMNS[] = {
	{ "VERSION", "version" },
	{ "TIME", "time" },
	{ "UID", "uid" },
	{ "PID", "pid" },
	{ "OP", "op" },
	{ "KIND", "kind" },
	{ "RESOURCE", "resource" },
	{ "SUMMARY", "summary" },
	{ NULL, NULL },
};

/* POSTs body and prints the reply with print, or its JSON. */
static int post_and_print(const struct cli_ctx *ctx, const char *target,
			  json_t *body, void (*print)(FILE *, const json_t *))
{
	struct client_reply reply;
	int rc = client_call(ctx, "POST", target, body, NULL, &reply);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		print(stdout, reply.json);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

int cmd_explain(const struct cli_ctx *ctx, const struct cmd *cmd,
		const struct args_parsed *args)
{
	char type[16] = "A";
	char *vpc_id = NULL;
	json_t *body = NULL;
	int rc;

	if (!args_has(args, "vpc")) {
		return cmd_usage_error(cmd, "--vpc is required");
	}
	if (args->npos > 1 &&
	    args_record_type(args->pos[1], type, sizeof(type)) != 0) {
		return cmd_usage_error(cmd, "'%s' is not a record type",
				       args->pos[1]);
	}
	rc = client_resolve(ctx, &CLIENT_KIND_VPC, args_get(args, "vpc"),
			    &vpc_id);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	body = json_pack("{s:s, s:s, s:s}", "vpc", vpc_id, "name",
			 args->pos[0], "type", type);
	rc = body != NULL ? post_and_print(ctx, "/v1/explain", body,
					   output_explain) :
	     client_fail("out of memory");
	json_decref(body);
	free(vpc_id);
	return rc;
}

int cmd_changes(const struct cli_ctx *ctx, const struct cmd *cmd,
		const struct args_parsed *args)
{
	return cmd_list(ctx, "/v1/changes", CHANGE_COLUMNS);
}

int cmd_status(const struct cli_ctx *ctx, const struct cmd *cmd,
	       const struct args_parsed *args)
{
	struct client_reply reply;
	int rc = client_call(ctx, "GET", "/v1/status", NULL, NULL, &reply);

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

/*
 * The daemon opens the file itself, from its own working directory, so a
 * relative name is made absolute against ours. The file need not exist.
 */
static char *absolute_path(const char *file)
{
	char cwd[PATH_MAX];
	char *path = NULL;

	if (file[0] == '/') {
		return strdup(file);
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		client_fail("cannot tell the current directory: %s",
			    strerror(errno));
		return NULL;
	}
	if (asprintf(&path, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/",
		     file) < 0) {
		client_fail("out of memory");
		return NULL;
	}
	return path;
}

/* POSTs {"path": FILE} to target and says what was done; on_timeout
 * (with %s for the path) says how to learn whether it was. A backup or
 * restore of a large state may take minutes. */
static int file_request(const struct cli_ctx *ctx, const char *target,
			const char *file, const char *done,
			const char *on_timeout)
{
	struct client_reply reply;
	char *path = absolute_path(file);
	json_t *body = path != NULL ? json_pack("{s:s}", "path", path) : NULL;
	char *hint = NULL;
	int rc;

	if (path == NULL) {
		return CLI_EXIT_API;
	}
	if (asprintf(&hint, on_timeout, path) < 0) {
		hint = NULL;
	}
	rc = body != NULL && hint != NULL
	     ? client_call_long(ctx, "POST", target, body, hint, &reply)
	     : client_fail("out of memory");
	free(hint);
	if (rc == CLI_EXIT_OK && ctx->json) {
		client_print_raw(reply.raw);
	} else if (rc == CLI_EXIT_OK) {
		printf("%s %s\n", done, path);
	}
	if (rc == CLI_EXIT_OK) {
		client_reply_clear(&reply);
	}
	json_decref(body);
	free(path);
	return rc;
}

int cmd_backup(const struct cli_ctx *ctx, const struct cmd *cmd,
	       const struct args_parsed *args)
{
	return file_request(ctx, "/v1/backup", args->pos[0],
			    "backup written to",
			    "the backup may still be written: the daemon renames the finished copy to %s, so that file, once it is newer than this command, is complete");
}

int cmd_restore(const struct cli_ctx *ctx, const struct cmd *cmd,
		const struct args_parsed *args)
{
	return file_request(ctx, "/v1/restore", args->pos[0],
			    "restored from",
			    "the restore from %s may still be applied: `zonegate changes` ends with its restore entry once it is");
}
