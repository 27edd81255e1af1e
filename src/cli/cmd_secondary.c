/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate secondary create|update|status|refresh: secondary zones are
 * zones of kind "secondary" (zone list/show/bind/unbind/delete apply). */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

const struct args_opt CMD_SECONDARY_CREATE_OPTS[] = {
	{ "primary", true }, { "tsig", true }, { "endpoint", true },
	{ "allow-notify", true }, { "max-records", true },
	{ "max-bytes", true }, { "proxy-pattern", true }, { NULL, false },
};
const struct args_opt CMD_SECONDARY_UPDATE_OPTS[] = {
	{ "primary", true }, { "tsig", true }, { "no-tsig", false },
	{ "endpoint", true }, { "no-endpoint", false },
	{ "allow-notify", true }, { "no-allow-notify", false },
	{ "max-records", true }, { "max-bytes", true },
	{ "proxy-pattern", true }, { NULL, false },
};

static const char *const SECONDARY_KEYS[] = {
	"primaries", "tsig", "endpoint", "allow_notify", "vpcs", NULL,
};

static const struct output_column STATUS_COLUMNS[] = {
	{ "ID", "id" },
	{ "NAME", "name" },
	{ "STATE", "sync.state" },
	{ "SERIAL", "sync.serial" },
	{ "PRIMARY", "sync.primary_serial" },
	{ "LAST SUCCESS", "sync.last_success" },
	{ "NEXT REFRESH", "sync.next_refresh" },
	{ "LAG S", "sync.lag_s" },
	{ "JOURNAL", "sync.journal_entries" },
	{ "LAST ERROR", "sync.last_error" },
	{ NULL, NULL },
};

/* --max-records and --max-bytes as numbers. */
static int add_limits(const struct cmd *cmd, const struct args_parsed *args,
		      json_t *body)
{
	static const struct {
		const char *opt;
		const char *key;
	} limits[] = {
		{ "max-records", "max_records" },
		{ "max-bytes", "max_bytes" },
	};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const char *text = args_get(args, limits[i].opt);
		uint32_t value;
		if (text == NULL) {
			continue;
		}
		if (args_parse_uint(text, UINT32_MAX, &value) != 0) {
			return cmd_usage_error(cmd, "--%s takes a number, not '%s'",
					       limits[i].opt, text);
		}
		json_object_set_new(body, limits[i].key, json_integer(value));
	}
	return CLI_EXIT_OK;
}

/* A comma list option (every occurrence) into body[key]. */
static int add_list(const struct cmd *cmd, const struct args_parsed *args,
		    const char *opt, const char *key, json_t *body)
{
	if (!args_has(args, opt)) {
		return CLI_EXIT_OK;
	}
	json_t *list = json_array();
	int rc = list != NULL ? cmd_collect_list(cmd, args, opt,
						 args_append_list, list)
			      : client_fail("out of memory");
	if (rc == CLI_EXIT_OK) {
		json_object_set(body, key, list);
	}
	json_decref(list);
	return rc;
}

/* Fields both create and update take. */
static int add_fields(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args, json_t *body)
{
	const char *pattern = args_get(args, "proxy-pattern");
	if (pattern != NULL) {
		json_object_set_new(body, "proxy_pattern",
				    json_string(pattern));
	}
	int rc = add_list(cmd, args, "primary", "primaries", body);
	if (rc == CLI_EXIT_OK) {
		rc = add_list(cmd, args, "allow-notify", "allow_notify", body);
	}
	if (rc == CLI_EXIT_OK && args_has(args, "tsig")) {
		json_object_set_new(body, "tsig",
				    json_string(args_get(args, "tsig")));
	}
	if (rc == CLI_EXIT_OK && args_has(args, "endpoint")) {
		char *ep_id = NULL;
		rc = client_resolve(ctx, &CLIENT_KIND_ENDPOINT,
				    args_get(args, "endpoint"), &ep_id);
		if (rc == CLI_EXIT_OK) {
			json_object_set_new(body, "endpoint",
					    json_string(ep_id));
		}
		free(ep_id);
	}
	if (rc == CLI_EXIT_OK) {
		rc = add_limits(cmd, args, body);
	}
	return rc;
}

int cmd_secondary_create(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args)
{
	if (!args_has(args, "primary")) {
		return cmd_usage_error(cmd, "--primary is required");
	}
	json_t *body = json_pack("{s:s, s:s}", "name", args->pos[0], "kind",
				 "secondary");
	int rc = body != NULL ? add_fields(ctx, cmd, args, body)
			      : client_fail("out of memory");
	if (rc == CLI_EXIT_OK) {
		rc = cmd_send_and_print(ctx, "POST", "/v1/zones", body,
					SECONDARY_KEYS);
	}
	json_decref(body);
	return rc;
}

static int build_secondary_patch(const struct cli_ctx *ctx,
				 const struct cmd *cmd,
				 const struct args_parsed *args,
				 const json_t *current, const char *zone_id,
				 json_t *body)
{
	static const struct {
		const char *set;
		const char *unset;
	} pairs[] = {
		{ "tsig", "no-tsig" },
		{ "endpoint", "no-endpoint" },
		{ "allow-notify", "no-allow-notify" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (args_has(args, pairs[i].set) &&
		    args_has(args, pairs[i].unset)) {
			return cmd_usage_error(cmd, "--%s and --%s exclude each other",
					       pairs[i].set, pairs[i].unset);
		}
	}
	if (args_has(args, "no-tsig")) {
		json_object_set_new(body, "tsig", json_null());
	}
	if (args_has(args, "no-endpoint")) {
		json_object_set_new(body, "endpoint", json_null());
	}
	if (args_has(args, "no-allow-notify")) {
		json_object_set_new(body, "allow_notify", json_array());
	}
	return add_fields(ctx, cmd, args, body);
}

int cmd_secondary_update(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args)
{
	static const char *const changes[] = {
		"primary", "tsig", "no-tsig", "endpoint", "no-endpoint",
		"allow-notify", "no-allow-notify", "max-records", "max-bytes",
		"proxy-pattern", NULL,
	};
	static const char *const edits[] = { NULL };
	const struct cmd_update update = {
		.kind = &CLIENT_KIND_ZONE,
		.changes = changes,
		.edits = edits,
		.build = build_secondary_patch,
		.keys = SECONDARY_KEYS,
	};
	return cmd_update(ctx, cmd, args, &update);
}

/* Keeps only the secondary zones of a zone list. */
static json_t *only_secondary(const json_t *items)
{
	json_t *out = json_array();
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item) {
		const char *kind = json_string_value(json_object_get(item,
								     "kind"));
		if (out != NULL && kind != NULL &&
		    strcmp(kind, "secondary") == 0) {
			json_array_append(out, item);
		}
	}
	return out;
}

int cmd_secondary_status(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args)
{
	if (args->npos == 1) {
		return cmd_show(ctx, &CLIENT_KIND_ZONE, args->pos[0]);
	}
	json_t *items = NULL;
	int rc = client_list_all(ctx, "/v1/zones", &items, NULL);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	json_t *secondaries = only_secondary(items);
	json_decref(items);
	if (secondaries == NULL) {
		return client_fail("out of memory");
	}
	if (ctx->json) {
		json_t *page = json_pack("{s:O, s:n}", "items", secondaries,
					 "next");
		char *text = page != NULL ? json_dumps(page, JSON_COMPACT)
					  : NULL;
		if (text != NULL) {
			client_print_raw(text);
		}
		free(text);
		json_decref(page);
	} else {
		output_table(stdout, secondaries, STATUS_COLUMNS);
	}
	json_decref(secondaries);
	return CLI_EXIT_OK;
}

int cmd_secondary_refresh(const struct cli_ctx *ctx, const struct cmd *cmd,
			  const struct args_parsed *args)
{
	char *zone_id = NULL;
	int rc = client_resolve(ctx, &CLIENT_KIND_ZONE, args->pos[0],
				&zone_id);
	char *target = rc == CLI_EXIT_OK
		? client_path("/v1/zones/%s/refresh", zone_id) : NULL;
	if (rc == CLI_EXIT_OK && target == NULL) {
		rc = client_fail("out of memory");
	}
	if (rc == CLI_EXIT_OK) {
		static const char *const keys[] = { "refresh", NULL };
		rc = cmd_send_and_print(ctx, "POST", target, NULL, keys);
	}
	free(target);
	free(zone_id);
	return rc;
}
