/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate zone import|export|transfer|update-policy: a private zone's
 * records as a zone file, its transfers out and its dynamic update
 * policy. */
#include "cli/cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_FILE_MAX (4 * 1024 * 1024 - 4096)	/* the API's body limit */

const struct args_opt CMD_ZONE_IMPORT_OPTS[] = {
	{ "create", false }, { NULL, false },
};
const struct args_opt CMD_ZONE_TRANSFER_OPTS[] = {
	{ "allow", true }, { "tsig", true }, { "notify", true },
	{ "notify-source", true }, { "none", false }, { NULL, false },
};
const struct args_opt CMD_ZONE_POLICY_OPTS[] = {
	{ "grant", true }, { "name", true }, { "subtree", true },
	{ "types", true }, { "revoke", true }, { NULL, false },
};

static const struct output_column GRANT_COLUMNS[] = {
	{ "KEY", "key" },
	{ "MATCH", "match" },
	{ "NAME", "name" },
	{ "TYPES", "types" },
	{ NULL, NULL },
};

/* Reads a whole file ("-": standard input) into a string. */
static int read_file(const char *path, char **out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		return client_fail("cannot read %s: %s", path, strerror(errno));
	}
	char *buf = malloc(ZONE_FILE_MAX + 1);
	size_t len = buf != NULL ? fread(buf, 1, ZONE_FILE_MAX + 1, f) : 0;
	bool error = buf == NULL || ferror(f);
	if (f != stdin) {
		fclose(f);
	}
	if (error) {
		free(buf);
		return client_fail("cannot read %s", path);
	}
	if (len > ZONE_FILE_MAX) {
		free(buf);
		return client_fail("%s is larger than the API takes (4 MiB); split the zone",
				   path);
	}
	buf[len] = '\0';
	*out = buf;
	return CLI_EXIT_OK;
}

/* GET, POST, PUT or DELETE on /v1/zones/<id>/<sub>[/<extra>], where the
 * zone is named by id or name; the reply is kept for the caller. */
static int zone_call(const struct cli_ctx *ctx, const char *method,
		     const char *zone, const char *sub, const char *extra,
		     json_t *body, struct client_reply *reply)
{
	char *zone_id = NULL;
	int rc = client_resolve(ctx, &CLIENT_KIND_ZONE, zone, &zone_id);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	char *target = extra != NULL
		? client_path("/v1/zones/%s/%r/%s", zone_id, sub, extra)
		: client_path("/v1/zones/%s/%r", zone_id, sub);
	rc = target != NULL ? client_call(ctx, method, target, body, NULL,
					  reply)
			    : client_fail("out of memory");
	free(target);
	free(zone_id);
	return rc;
}

/* POSTs the import of text into the zone named by what the user typed,
 * or creates the zone (create); an import may take minutes. */
static int post_import(const struct cli_ctx *ctx, const char *zone,
		       bool create, json_t *body, struct client_reply *reply)
{
	if (create) {
		char *hint = NULL;
		json_object_set_new(body, "name", json_string(zone));
		if (asprintf(&hint, "the import may still be applied: once it is, `zonegate zone show %s` finds the zone (a failed import leaves none)",
			     zone) < 0) {
			return client_fail("out of memory");
		}
		int rc = client_call_long(ctx, "POST", "/v1/zones/import", body,
					  hint, reply);
		free(hint);
		return rc;
	}

	/* The serial before, so that a timeout can say what to compare. */
	struct client_reply before = { 0 };
	int rc = client_get(ctx, &CLIENT_KIND_ZONE, zone, &before);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	const char *zone_id = json_string_value(json_object_get(before.json,
								"id"));
	char *target = zone_id != NULL
		? client_path("/v1/zones/%s/import", zone_id) : NULL;
	char *hint = NULL;
	if (target == NULL ||
	    asprintf(&hint, "the import may still be applied: %s was at serial %lld before it, and `zonegate zone show %s` shows a higher serial once it is (a file that changes nothing keeps the serial)",
		     zone, json_integer_value(json_object_get(before.json,
							      "serial")),
		     zone) < 0) {
		hint = NULL;
		rc = client_fail("out of memory");
	}
	if (rc == CLI_EXIT_OK) {
		rc = client_call_long(ctx, "POST", target, body, hint, reply);
	}
	free(hint);
	free(target);
	client_reply_clear(&before);
	return rc;
}

int cmd_zone_import(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	char *text = NULL;
	int rc = read_file(args->pos[1], &text);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	struct client_reply reply = { 0 };
	json_t *body = json_pack("{s:s}", "text", text);
	free(text);
	if (body == NULL) {
		return client_fail("out of memory");
	}
	rc = post_import(ctx, args->pos[0], args_has(args, "create"), body,
			 &reply);
	json_decref(body);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		const json_t *zone = json_object_get(reply.json, "zone");
		printf("%s %s imported: %lld records (%lld added, %lld deleted), serial %lld\n",
		       json_string_value(json_object_get(zone, "id")),
		       json_string_value(json_object_get(zone, "name")),
		       json_integer_value(json_object_get(reply.json,
							  "records")),
		       json_integer_value(json_object_get(reply.json, "added")),
		       json_integer_value(json_object_get(reply.json,
							  "deleted")),
		       json_integer_value(json_object_get(zone, "serial")));
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

int cmd_zone_export(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	char *zone_id = NULL;
	int rc = client_resolve(ctx, &CLIENT_KIND_ZONE, args->pos[0],
				&zone_id);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	char *target = client_path("/v1/zones/%s/export", zone_id);
	struct client_reply reply = { 0 };
	rc = target != NULL
		? client_call_long(ctx, "GET", target, NULL,
				   "the daemon may be busy with a long change (an import or a restore); run the export again later",
				   &reply)
		: client_fail("out of memory");
	free(target);
	free(zone_id);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		fputs(json_string_value(json_object_get(reply.json, "text")),
		      stdout);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

/* One line: the zone's id, then the settings; the NOTIFY source shows
 * what is set and what NOTIFYs really leave from. */
static void print_transfer(const struct cli_ctx *ctx,
			   const struct client_reply *reply)
{
	static const char *const keys[] = {
		"allow", "tsig", "notify", "notify_source",
		"effective_notify_source", NULL,
	};
	if (ctx->json) {
		client_print_raw(reply->raw);
		return;
	}
	/* The resource names its zone "zone", not "id". */
	json_t *shown = json_copy(reply->json);
	if (shown != NULL) {
		json_object_set(shown, "id", json_object_get(shown, "zone"));
	}
	output_summary(stdout, shown != NULL ? shown : reply->json, keys);
	json_decref(shown);
}

/* The PUT body of --allow, --tsig, --notify and --notify-source. */
static int transfer_body(const struct cmd *cmd,
			 const struct args_parsed *args, json_t **out)
{
	json_t *body = json_object(), *allow = json_array();
	json_t *notify = json_array();
	int rc = body != NULL && allow != NULL && notify != NULL
		? CLI_EXIT_OK : client_fail("out of memory");
	if (rc == CLI_EXIT_OK) {
		rc = cmd_collect_list(cmd, args, "allow", args_append_list,
				      allow);
	}
	if (rc == CLI_EXIT_OK) {
		rc = cmd_collect_list(cmd, args, "notify", args_append_list,
				      notify);
	}
	if (rc == CLI_EXIT_OK) {
		json_object_set(body, "allow", allow);
		json_object_set(body, "notify", notify);
		json_object_set_new(body, "tsig", args_has(args, "tsig")
				    ? json_string(args_get(args, "tsig"))
				    : json_null());
		json_object_set_new(body, "notify_source",
				    args_has(args, "notify-source")
				    ? json_string(args_get(args,
							   "notify-source"))
				    : json_null());
		*out = json_incref(body);
	}
	json_decref(body);
	json_decref(allow);
	json_decref(notify);
	return rc;
}

int cmd_zone_transfer(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args)
{
	bool none = args_has(args, "none");
	bool set = args_has(args, "allow");
	bool other = args_has(args, "tsig") || args_has(args, "notify") ||
		     args_has(args, "notify-source");
	if (none && (set || other)) {
		return cmd_usage_error(cmd, "--none takes no other option");
	}
	if (!none && !set && other) {
		return cmd_usage_error(cmd, "--allow is required: it lists the secondaries that may transfer the zone");
	}

	json_t *body = NULL;
	int rc = set ? transfer_body(cmd, args, &body) : CLI_EXIT_OK;
	struct client_reply reply = { 0 };
	if (rc == CLI_EXIT_OK) {
		rc = zone_call(ctx, none ? "DELETE" : set ? "PUT" : "GET",
			       args->pos[0], "transfer", NULL, body, &reply);
	}
	json_decref(body);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (none && !ctx->json) {
		printf("%s: transfers out are off\n", args->pos[0]);
	} else {
		print_transfer(ctx, &reply);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

/* The POST body of --grant with --name or --subtree and --types. */
static int grant_body(const struct cmd *cmd, const struct args_parsed *args,
		      json_t **out)
{
	if (args_has(args, "name") && args_has(args, "subtree")) {
		return cmd_usage_error(cmd, "give --name or --subtree, not both");
	}
	json_t *body = json_pack("{s:s}", "key", args_get(args, "grant"));
	if (body == NULL) {
		return client_fail("out of memory");
	}
	if (args_has(args, "name")) {
		json_object_set_new(body, "name",
				    json_string(args_get(args, "name")));
	}
	if (args_has(args, "subtree")) {
		json_object_set_new(body, "subtree",
				    json_string(args_get(args, "subtree")));
	}
	int rc = CLI_EXIT_OK;
	if (args_has(args, "types")) {
		json_t *types = json_array();
		rc = types != NULL ? cmd_collect_list(cmd, args, "types",
						      args_append_list, types)
				   : client_fail("out of memory");
		json_object_set_new(body, "types", types);
	}
	if (rc == CLI_EXIT_OK) {
		*out = json_incref(body);
	}
	json_decref(body);
	return rc;
}

int cmd_zone_update_policy(const struct cli_ctx *ctx, const struct cmd *cmd,
			   const struct args_parsed *args)
{
	bool grant = args_has(args, "grant"), revoke = args_has(args, "revoke");
	if (grant && revoke) {
		return cmd_usage_error(cmd, "give --grant or --revoke, not both");
	}
	if (!grant && (args_has(args, "name") || args_has(args, "subtree") ||
		       args_has(args, "types"))) {
		return cmd_usage_error(cmd, "--name, --subtree and --types go with --grant");
	}

	json_t *body = NULL;
	int rc = grant ? grant_body(cmd, args, &body) : CLI_EXIT_OK;
	struct client_reply reply = { 0 };
	if (rc == CLI_EXIT_OK) {
		rc = zone_call(ctx, grant ? "POST" : revoke ? "DELETE" : "GET",
			       args->pos[0], "update-policy",
			       revoke ? args_get(args, "revoke") : NULL, body,
			       &reply);
	}
	json_decref(body);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		output_table(stdout, json_object_get(reply.json, "grants"),
			     GRANT_COLUMNS);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}
