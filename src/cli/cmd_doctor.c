/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate doctor RULE|VPC: the checks of POST /v1/doctor, printed one
 * line each with what to fix. */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

/* The id of the one item of items whose name is name, or NULL. */
static const char *named(const json_t *items, const char *name, size_t *n)
{
	const char *found = NULL;
	size_t i;
	const json_t *item;

	*n = 0;
	json_array_foreach(items, i, item) {
		const char *item_name = json_string_value(
			json_object_get(item, "name"));
		if (item_name != NULL && strcmp(item_name, name) == 0) {
			found = json_string_value(json_object_get(item, "id"));
			(*n)++;
		}
	}
	return found;
}

/* Decides whether text names a rule or a VPC; fills body's key. */
static int resolve_subject(const struct cli_ctx *ctx, const char *text,
			   json_t *body)
{
	if (args_looks_like_id(text, CLIENT_KIND_RULE.id_prefix)) {
		return json_object_set_new(body, "rule", json_string(text)) == 0
			? CLI_EXIT_OK : client_fail("out of memory");
	}
	if (args_looks_like_id(text, CLIENT_KIND_VPC.id_prefix)) {
		return json_object_set_new(body, "vpc", json_string(text)) == 0
			? CLI_EXIT_OK : client_fail("out of memory");
	}

	json_t *rules = NULL, *vpcs = NULL;
	int rc = client_list_all(ctx, CLIENT_KIND_RULE.path, &rules, NULL);
	if (rc == CLI_EXIT_OK) {
		rc = client_list_all(ctx, CLIENT_KIND_VPC.path, &vpcs, NULL);
	}
	if (rc != CLI_EXIT_OK) {
		json_decref(rules);
		return rc;
	}
	size_t n_rules = 0, n_vpcs = 0;
	const char *rule_id = named(rules, text, &n_rules);
	const char *vpc_id = named(vpcs, text, &n_vpcs);
	if (n_rules + n_vpcs == 0) {
		rc = client_fail("no rule or VPC named %s", text);
	} else if (n_rules > 0 && n_vpcs > 0) {
		rc = client_fail("%s names both rule %s and VPC %s; give the id",
				 text, rule_id, vpc_id);
	} else if (rule_id != NULL) {
		json_object_set_new(body, "rule", json_string(rule_id));
	} else {
		json_object_set_new(body, "vpc", json_string(vpc_id));
	}
	json_decref(rules);
	json_decref(vpcs);
	return rc;
}

static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s != NULL ? s : "";
}

/* One rule's block: a heading, then a line per check and its fix. */
static void print_rule(FILE *f, const json_t *rule, size_t *failed)
{
	fprintf(f, "rule %s (%s): %s from endpoint %s (%s)\n",
		str(rule, "name"), str(rule, "rule"), str(rule, "domain"),
		str(rule, "endpoint_name"), str(rule, "endpoint"));
	size_t i;
	const json_t *check;
	json_array_foreach(json_object_get(rule, "checks"), i, check) {
		const char *status = str(check, "status");
		const char *shown = strcmp(status, "fail") == 0 ? "FAIL"
			: strcmp(status, "warn") == 0 ? "WARN" : status;
		fprintf(f, "  %-5s %-7s %s\n", shown, str(check, "check"),
			str(check, "detail"));
		if (json_is_string(json_object_get(check, "fix"))) {
			fprintf(f, "  %-5s %-7s fix: %s\n", "", "",
				str(check, "fix"));
		}
		*failed += strcmp(status, "fail") == 0 ? 1 : 0;
	}
}

static void print_report(FILE *f, const json_t *reply, const json_t *body)
{
	const json_t *rules = json_object_get(reply, "rules");
	size_t failed = 0, i;
	const json_t *rule;

	if (json_array_size(rules) == 0) {
		fprintf(f, "VPC %s has no forwarding rule bound: nothing to check\n",
			str(body, "vpc"));
		return;
	}
	json_array_foreach(rules, i, rule) {
		print_rule(f, rule, &failed);
	}
	if (failed == 0) {
		fprintf(f, "doctor: %zu rule%s, no check failed\n",
			json_array_size(rules),
			json_array_size(rules) == 1 ? "" : "s");
	} else {
		fprintf(f, "doctor: %zu check%s failed; see the fixes above\n",
			failed, failed == 1 ? "" : "s");
	}
}

int cmd_doctor(const struct cli_ctx *ctx, const struct cmd *cmd,
	       const struct args_parsed *args)
{
	json_t *body = json_object();
	struct client_reply reply;
	int rc;

	if (body == NULL) {
		return client_fail("out of memory");
	}
	if (args_has(args, "timeout")) {
		uint32_t ms = 0;
		if (args_parse_uint(args_get(args, "timeout"), 10000, &ms) != 0 ||
		    ms < 100) {
			json_decref(body);
			return cmd_usage_error(cmd, "--timeout takes milliseconds from 100 to 10000");
		}
		json_object_set_new(body, "timeout_ms", json_integer(ms));
	}
	rc = resolve_subject(ctx, args->pos[0], body);
	if (rc == CLI_EXIT_OK) {
		rc = client_call(ctx, "POST", "/v1/doctor", body, NULL, &reply);
	}
	if (rc != CLI_EXIT_OK) {
		json_decref(body);
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		print_report(stdout, reply.json, body);
	}
	/* A failed check is a failure of the command, for scripts. */
	if (!json_is_true(json_object_get(reply.json, "ok"))) {
		rc = CLI_EXIT_API;
	}
	client_reply_clear(&reply);
	json_decref(body);
	return rc;
}
