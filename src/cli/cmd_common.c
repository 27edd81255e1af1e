/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Steps shared by the CLI's commands: list, show, delete, bind, lists. */
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

int cmd_list(const struct cli_ctx *ctx, const char *path,
	     const struct output_column *columns)
{
	json_t *items = NULL;
	char *raw = NULL;
	int rc = client_list_all(ctx, path, &items, ctx->json ? &raw : NULL);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(raw);
	} else {
		output_table(stdout, items, columns);
	}
	free(raw);
	json_decref(items);
	return CLI_EXIT_OK;
}

int cmd_show(const struct cli_ctx *ctx, const struct client_kind *kind,
	     const char *text)
{
	struct client_reply reply;
	int rc = client_get(ctx, kind, text, &reply);

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

/* Prints what a request without a resource in its reply did. */
static void print_done(const struct cli_ctx *ctx,
		       const struct client_reply *reply, const char *what)
{
	if (ctx->json) {
		client_print_raw(reply->raw);
	} else {
		printf("%s\n", what);
	}
}

int cmd_delete(const struct cli_ctx *ctx, const struct client_kind *kind,
	       const char *text)
{
	struct client_reply reply;
	char *id = NULL, *target = NULL, *done = NULL;
	int rc = client_resolve(ctx, kind, text, &id);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	target = client_path("%r/%s", kind->path, id);
	if (target == NULL || asprintf(&done, "deleted %s", id) < 0) {
		done = NULL;
		rc = client_fail("out of memory");
		goto out;
	}
	rc = client_call(ctx, "DELETE", target, NULL, NULL, &reply);
	if (rc == CLI_EXIT_OK) {
		print_done(ctx, &reply, done);
		client_reply_clear(&reply);
	}

out:
	free(done);
	free(target);
	free(id);
	return rc;
}

int cmd_send_and_print(const struct cli_ctx *ctx, const char *method,
		       const char *target, json_t *body,
		       const char *const *keys)
{
	struct client_reply reply;
	int rc = client_call(ctx, method, target, body, NULL, &reply);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else if (json_is_object(reply.json)) {
		output_summary(stdout, reply.json, keys);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

/* Sends the bind or unbind request for resolved ids. */
static int send_binding(const struct cli_ctx *ctx,
			const struct client_kind *kind, const char *id,
			const char *vpc_id, bool bind)
{
	struct client_reply reply;
	json_t *body = NULL;
	char *target, *done = NULL;
	int rc;

	if (bind) {
		target = client_path("%r/%s/vpcs", kind->path, id);
		body = json_pack("{s:s}", "vpc", vpc_id);
	} else {
		target = client_path("%r/%s/vpcs/%s", kind->path, id, vpc_id);
	}
	if (target == NULL || (bind && body == NULL) ||
	    asprintf(&done, "%s %s %s", id, bind ? "bound to" :
		     "unbound from", vpc_id) < 0) {
		done = NULL;
		rc = client_fail("out of memory");
		goto out;
	}
	rc = client_call(ctx, bind ? "POST" : "DELETE", target, body, NULL,
			 &reply);
	if (rc == CLI_EXIT_OK) {
		print_done(ctx, &reply, done);
		client_reply_clear(&reply);
	}

out:
	free(done);
	free(target);
	json_decref(body);
	return rc;
}

int cmd_binding(const struct cli_ctx *ctx, const struct client_kind *kind,
		const char *text, const char *vpc_text, bool bind)
{
	char *id = NULL, *vpc_id = NULL;
	int rc = client_resolve(ctx, kind, text, &id);

	if (rc == CLI_EXIT_OK) {
		rc = client_resolve(ctx, &CLIENT_KIND_VPC, vpc_text, &vpc_id);
	}
	if (rc == CLI_EXIT_OK) {
		rc = send_binding(ctx, kind, id, vpc_id, bind);
	}
	free(vpc_id);
	free(id);
	return rc;
}

int cmd_parse_allow_item(json_t *array, const char *text)
{
	struct args_allow allow;

	if (args_parse_allow(text, &allow) != 0) {
		return ZG_EINVAL;
	}
	return json_array_append_new(array, args_allow_to_json(&allow)) == 0 ?
	       0 : ZG_ENOMEM;
}

int cmd_collect_list(const struct cmd *cmd, const struct args_parsed *args,
		     const char *opt, cmd_item_fn parse, json_t *array)
{
	size_t n = args_count(args, opt);

	for (size_t i = 0; i < n; i++) {
		const char *text = args_nth(args, opt, i);
		int rc = parse(array, text);

		if (rc == ZG_ENOMEM) {
			return client_fail("out of memory");
		}
		if (rc != 0) {
			return cmd_usage_error(cmd, "invalid --%s value '%s'",
					       opt, text);
		}
	}
	return CLI_EXIT_OK;
}

/* Egress rules compare by protocol, port and prefix only, so that
 * fields the API adds to them do not hide a match. */
static bool items_equal(const json_t *a, const json_t *b)
{
	static const char *const egress_keys[] = {
		"protocol", "port", "prefix",
	};

	if (!json_is_object(a) || !json_is_object(b)) {
		return json_equal((json_t *)a, (json_t *)b);
	}
	for (size_t i = 0; i < 3; i++) {
		if (!json_equal(json_object_get(a, egress_keys[i]),
				json_object_get(b, egress_keys[i]))) {
			return false;
		}
	}
	return true;
}

static bool array_contains(const json_t *array, const json_t *value)
{
	size_t i;
	json_t *item;

	json_array_foreach(array, i, item) {
		if (items_equal(item, value)) {
			return true;
		}
	}
	return false;
}

/* Removes every item of del from list; the first missing one fails. */
static int remove_items(json_t *list, const json_t *del, const char *opt,
			const char *what_id)
{
	size_t i;
	json_t *item;

	json_array_foreach(del, i, item) {
		bool found = false;

		for (size_t k = json_array_size(list); k-- > 0;) {
			if (items_equal(json_array_get(list, k), item)) {
				json_array_remove(list, k);
				found = true;
			}
		}
		if (!found) {
			char *text = output_value(item);
			int rc = client_fail("%s has no %s %s", what_id, opt,
					     text != NULL ? text : "");

			free(text);
			return rc;
		}
	}
	return CLI_EXIT_OK;
}

int cmd_edit_list(const struct cmd *cmd, const struct args_parsed *args,
		  const char *set, const char *add, const char *del,
		  cmd_item_fn parse, const json_t *current,
		  const char *what_id, json_t **out)
{
	json_t *list = NULL, *adds = json_array(), *dels = json_array();
	size_t i;
	json_t *item;
	int rc = CLI_EXIT_OK;

	*out = NULL;
	if (!args_has(args, set) && !args_has(args, add) &&
	    !args_has(args, del)) {
		goto out;
	}
	list = args_has(args, set) ? json_array() : json_deep_copy(current);
	if (list == NULL || adds == NULL || dels == NULL) {
		rc = json_is_array(current) || args_has(args, set) ?
		     client_fail("out of memory") :
		     client_fail("%s has no list to change", what_id);
		goto out;
	}
	rc = cmd_collect_list(cmd, args, set, parse, list);
	if (rc == CLI_EXIT_OK) {
		rc = cmd_collect_list(cmd, args, add, parse, adds);
	}
	if (rc == CLI_EXIT_OK) {
		rc = cmd_collect_list(cmd, args, del, parse, dels);
	}
	json_array_foreach(adds, i, item) {
		if (rc == CLI_EXIT_OK && !array_contains(list, item)) {
			json_array_append(list, item);
		}
	}
	if (rc == CLI_EXIT_OK) {
		rc = remove_items(list, dels, set, what_id);
	}
	if (rc == CLI_EXIT_OK) {
		*out = json_incref(list);
	}

out:
	json_decref(list);
	json_decref(adds);
	json_decref(dels);
	return rc;
}

bool cmd_has_any(const struct args_parsed *args, const char *const *opts)
{
	for (; *opts != NULL; opts++) {
		if (args_has(args, *opts)) {
			return true;
		}
	}
	return false;
}

/* GETs the resource when lists are edited; *version gets its version. */
static int read_current(const struct cli_ctx *ctx, const char *target,
			struct client_reply *current, char **version)
{
	int rc = client_call(ctx, "GET", target, NULL, NULL, current);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	*version = output_value(json_object_get(current->json, "version"));
	return *version != NULL ? CLI_EXIT_OK : client_fail("out of memory");
}

static int send_patch(const struct cli_ctx *ctx, const char *target,
		      json_t *body, const char *version,
		      const char *const *keys)
{
	struct client_reply reply;
	int rc = client_call(ctx, "PATCH", target, body, version, &reply);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else if (json_is_object(reply.json)) {
		output_summary(stdout, reply.json, keys);
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

int cmd_update(const struct cli_ctx *ctx, const struct cmd *cmd,
	       const struct args_parsed *args, const struct cmd_update *u)
{
	struct client_reply current = { 0 };
	char *id = NULL, *target = NULL, *version = NULL;
	json_t *body = NULL;
	int rc;

	if (!cmd_has_any(args, u->changes)) {
		return cmd_usage_error(cmd, "nothing to change");
	}
	rc = client_resolve(ctx, u->kind, args->pos[0], &id);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	target = client_path("%r/%s", u->kind->path, id);
	body = json_object();
	if (target == NULL || body == NULL) {
		rc = client_fail("out of memory");
		goto out;
	}
	if (cmd_has_any(args, u->edits)) {
		rc = read_current(ctx, target, &current, &version);
	}
	if (rc == CLI_EXIT_OK) {
		rc = u->build(ctx, cmd, args, current.json, id, body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = send_patch(ctx, target, body, version, u->keys);
	}

out:
	client_reply_clear(&current);
	json_decref(body);
	free(version);
	free(target);
	free(id);
	return rc;
}
