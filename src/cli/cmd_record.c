/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate record add|list|delete */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

static const struct output_column RECORD_COLUMNS[] = {
	{ "ID", "id" },
	{ "NAME", "fqdn" },
	{ "TTL", "ttl" },
	{ "TYPE", "type" },
	{ "VALUE", "value" },
	{ NULL, NULL },
};

/* "rec-5  www.corp.example.  300  A  10.1.2.3", as in a master file. */
static void print_record(const json_t *rec)
{
	const json_t *name = json_object_get(rec, "fqdn");

	if (name == NULL) {
		name = json_object_get(rec, "name");
	}
	const json_t *fields[] = {
		json_object_get(rec, "id"), name, json_object_get(rec, "ttl"),
		json_object_get(rec, "type"), json_object_get(rec, "value"),
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char *text = output_value(fields[i]);

		printf("%s%s", i > 0 ? "  " : "", text != NULL ? text : "");
		free(text);
	}
	putchar('\n');
}

static json_t *build_record(const struct cmd *cmd,
			    const struct args_parsed *args, int *rc)
{
	const char *ttl_text = args_get(args, "ttl");
	char type[16];
	uint32_t ttl;
	json_t *body;

	if (args_record_type(args->pos[2], type, sizeof(type)) != 0) {
		*rc = cmd_usage_error(cmd, "'%s' is not a record type",
				      args->pos[2]);
		return NULL;
	}
	if (ttl_text != NULL &&
	    args_parse_uint(ttl_text, INT32_MAX, &ttl) != 0) {
		*rc = cmd_usage_error(cmd, "--ttl takes a number of seconds, not '%s'",
				      ttl_text);
		return NULL;
	}
	body = json_pack("{s:s, s:s, s:s}", "name", args->pos[1], "type",
			 type, "value", args->pos[3]);
	if (body != NULL && ttl_text != NULL) {
		json_object_set_new(body, "ttl", json_integer(ttl));
	}
	*rc = body != NULL ? CLI_EXIT_OK : client_fail("out of memory");
	return body;
}

int cmd_record_add(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args)
{
	struct client_reply reply;
	char *zone_id = NULL, *target = NULL;
	int rc;
	json_t *body = build_record(cmd, args, &rc);

	if (body == NULL) {
		return rc;
	}
	rc = client_resolve(ctx, &CLIENT_KIND_ZONE, args->pos[0], &zone_id);
	if (rc != CLI_EXIT_OK) {
		goto out;
	}
	target = client_path("/v1/zones/%s/records", zone_id);
	rc = target != NULL ? client_call(ctx, "POST", target, body, NULL,
					  &reply) :
	     client_fail("out of memory");
	if (rc == CLI_EXIT_OK && ctx->json) {
		client_print_raw(reply.raw);
	} else if (rc == CLI_EXIT_OK) {
		print_record(reply.json);
	}
	if (rc == CLI_EXIT_OK) {
		client_reply_clear(&reply);
	}

out:
	free(target);
	free(zone_id);
	json_decref(body);
	return rc;
}

int cmd_record_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	char *zone_id = NULL, *path = NULL;
	int rc = client_resolve(ctx, &CLIENT_KIND_ZONE, args->pos[0],
				&zone_id);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	path = client_path("/v1/zones/%s/records", zone_id);
	rc = path != NULL ? cmd_list(ctx, path, RECORD_COLUMNS) :
	     client_fail("out of memory");
	free(path);
	free(zone_id);
	return rc;
}

int cmd_record_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	struct client_reply reply;
	char *zone_id = NULL, *target = NULL;
	int rc;

	if (!args_looks_like_id(args->pos[1], "rec")) {
		return cmd_usage_error(cmd, "'%s' is not a record id (rec-N); see zonegate record list",
				       args->pos[1]);
	}
	rc = client_resolve(ctx, &CLIENT_KIND_ZONE, args->pos[0], &zone_id);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	target = client_path("/v1/zones/%s/records/%s", zone_id,
			     args->pos[1]);
	rc = target != NULL ? client_call(ctx, "GET", target, NULL, NULL,
					  &reply) :
	     client_fail("out of memory");
	if (rc == CLI_EXIT_OK) {
		if (ctx->json) {
			client_print_raw(reply.raw);
		} else {
			output_show(stdout, reply.json);
		}
		client_reply_clear(&reply);
	}
	free(target);
	free(zone_id);
	return rc;
}

/* The target deleting one record by id, or an RRset (or one of its
 * values) by name and type. */
static char *delete_target(const struct args_parsed *args,
			   const char *zone_id, const char *type)
{
	if (args->npos == 2) {
		return client_path("/v1/zones/%s/records/%s", zone_id,
				   args->pos[1]);
	}
	if (args->npos == 4) {
		return client_path("/v1/zones/%s/records?name=%s&type=%s&value=%s",
				   zone_id, args->pos[1], type, args->pos[3]);
	}
	return client_path("/v1/zones/%s/records?name=%s&type=%s", zone_id,
			   args->pos[1], type);
}

int cmd_record_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args)
{
	struct client_reply reply;
	char *zone_id = NULL, *target = NULL;
	char type[16] = "";
	int rc;

	if (args->npos == 2 && !args_looks_like_id(args->pos[1], "rec")) {
		return cmd_usage_error(cmd, "give the TYPE of %s, or a record id",
				       args->pos[1]);
	}
	if (args->npos > 2 &&
	    args_record_type(args->pos[2], type, sizeof(type)) != 0) {
		return cmd_usage_error(cmd, "'%s' is not a record type",
				       args->pos[2]);
	}
	rc = client_resolve(ctx, &CLIENT_KIND_ZONE, args->pos[0], &zone_id);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	target = delete_target(args, zone_id, type);
	rc = target != NULL ? client_call(ctx, "DELETE", target, NULL, NULL,
					  &reply) :
	     client_fail("out of memory");
	if (rc == CLI_EXIT_OK && ctx->json) {
		client_print_raw(reply.raw);
	} else if (rc == CLI_EXIT_OK) {
		printf("deleted %s%s%s%s%s from %s\n", args->pos[1],
		       args->npos > 2 ? " " : "",
		       type,
		       args->npos > 3 ? " " : "",
		       args->npos > 3 ? args->pos[3] : "", zone_id);
	}
	if (rc == CLI_EXIT_OK) {
		client_reply_clear(&reply);
	}
	free(target);
	free(zone_id);
	return rc;
}
