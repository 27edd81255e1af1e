/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate zone create|set|bind|unbind|list|show|delete */
#include "cli/cmd.h"

#include <string.h>

static const char *const ZONE_KEYS[] = {
	"proxy_pattern", "serial", "vpcs", NULL,
};

static const struct output_column ZONE_COLUMNS[] = {
	{ "ID", "id" },
	{ "NAME", "name" },
	{ "PATTERN", "proxy_pattern" },
	{ "SERIAL", "serial" },
	{ "VPCS", "vpcs" },
	{ NULL, NULL },
};

/* SOA fields that are numbers, as option and JSON key. */
static const struct {
	const char *opt;
	const char *key;
} SOA_NUMBERS[] = {
	{ "soa-ttl", "ttl" },
	{ "soa-refresh", "refresh" },
	{ "soa-retry", "retry" },
	{ "soa-expire", "expire" },
	{ "soa-minimum", "minimum" },
};

/* Builds the partial "soa" object; *soa stays NULL without SOA options. */
static int build_soa(const struct cmd *cmd, const struct args_parsed *args,
		     json_t **soa)
{
	json_t *obj = json_object();
	size_t n = sizeof(SOA_NUMBERS) / sizeof(SOA_NUMBERS[0]);
	int rc = obj != NULL ? CLI_EXIT_OK : client_fail("out of memory");

	for (size_t i = 0; rc == CLI_EXIT_OK && i < n; i++) {
		const char *text = args_get(args, SOA_NUMBERS[i].opt);
		uint32_t value;

		if (text == NULL) {
			continue;
		}
		if (args_parse_uint(text, UINT32_MAX, &value) != 0) {
			rc = cmd_usage_error(cmd, "--%s takes a number of seconds, not '%s'",
					     SOA_NUMBERS[i].opt, text);
			break;
		}
		json_object_set_new(obj, SOA_NUMBERS[i].key,
				    json_integer(value));
	}
	if (rc == CLI_EXIT_OK && args_has(args, "soa-mname")) {
		json_object_set_new(obj, "mname",
				    json_string(args_get(args, "soa-mname")));
	}
	if (rc == CLI_EXIT_OK && args_has(args, "soa-rname")) {
		json_object_set_new(obj, "rname",
				    json_string(args_get(args, "soa-rname")));
	}
	if (rc == CLI_EXIT_OK && json_object_size(obj) > 0) {
		*soa = json_incref(obj);
	}
	json_decref(obj);
	return rc;
}

/* Adds proxy_pattern, soa and ns to a create or update body. */
static int add_zone_fields(const struct cmd *cmd,
			   const struct args_parsed *args, json_t *body)
{
	const char *pattern = args_get(args, "proxy-pattern");
	json_t *soa = NULL;
	int rc;

	if (pattern != NULL && strcmp(pattern, "zone") != 0 &&
	    strcmp(pattern, "record") != 0) {
		return cmd_usage_error(cmd, "--proxy-pattern is zone or record, not '%s'",
				       pattern);
	}
	if (pattern != NULL) {
		json_object_set_new(body, "proxy_pattern",
				    json_string(pattern));
	}
	rc = build_soa(cmd, args, &soa);
	if (soa != NULL) {
		json_object_set_new(body, "soa", soa);
	}
	if (rc == CLI_EXIT_OK && args_has(args, "ns")) {
		json_t *ns = json_array();

		rc = ns != NULL ? cmd_collect_list(cmd, args, "ns",
						   args_append_list, ns) :
		     client_fail("out of memory");
		json_object_set_new(body, "ns", ns);
	}
	return rc;
}

int cmd_zone_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	json_t *body = json_pack("{s:s}", "name", args->pos[0]);
	int rc = body != NULL ? add_zone_fields(cmd, args, body) :
		 client_fail("out of memory");

	if (rc == CLI_EXIT_OK) {
		rc = cmd_send_and_print(ctx, "POST", "/v1/zones", body,
					ZONE_KEYS);
	}
	json_decref(body);
	return rc;
}

static int build_zone_patch(const struct cli_ctx *ctx,
			    const struct cmd *cmd,
			    const struct args_parsed *args,
			    const json_t *current, const char *zone_id,
			    json_t *body)
{
	return add_zone_fields(cmd, args, body);
}

int cmd_zone_set(const struct cli_ctx *ctx, const struct cmd *cmd,
		 const struct args_parsed *args)
{
	static const char *const changes[] = {
		"proxy-pattern", "soa-ttl", "soa-refresh", "soa-retry",
		"soa-expire", "soa-minimum", "soa-mname", "soa-rname", "ns",
		NULL,
	};
	static const char *const edits[] = { NULL };
	const struct cmd_update update = {
		.kind = &CLIENT_KIND_ZONE,
		.changes = changes,
		.edits = edits,
		.build = build_zone_patch,
		.keys = ZONE_KEYS,
	};

	return cmd_update(ctx, cmd, args, &update);
}

int cmd_zone_bind(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args)
{
	if (!args_has(args, "vpc")) {
		return cmd_usage_error(cmd, "--vpc is required");
	}
	return cmd_binding(ctx, &CLIENT_KIND_ZONE, args->pos[0],
			   args_get(args, "vpc"), true);
}

int cmd_zone_unbind(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	if (!args_has(args, "vpc")) {
		return cmd_usage_error(cmd, "--vpc is required");
	}
	return cmd_binding(ctx, &CLIENT_KIND_ZONE, args->pos[0],
			   args_get(args, "vpc"), false);
}

int cmd_zone_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args)
{
	return cmd_list(ctx, "/v1/zones", ZONE_COLUMNS);
}

int cmd_zone_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		  const struct args_parsed *args)
{
	return cmd_show(ctx, &CLIENT_KIND_ZONE, args->pos[0]);
}

int cmd_zone_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		    const struct args_parsed *args)
{
	return cmd_delete(ctx, &CLIENT_KIND_ZONE, args->pos[0]);
}
