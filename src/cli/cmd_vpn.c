/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate vpn gateway|customer-gateway|connection|route ..., vpn
 * download and vpn status. */
#include "cli/cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/error.h"

static const struct client_kind KIND_GATEWAY = {
	"VPN gateway", "VPN gateways", "vgw", "/v1/vpn-gateways", false,
};
static const struct client_kind KIND_CGW = {
	"customer gateway", "customer gateways", "cgw",
	"/v1/customer-gateways", false,
};
static const struct client_kind KIND_CONNECTION = {
	"IPsec connection", "IPsec connections", "vco",
	"/v1/ipsec-connections", false,
};
static const struct client_kind KIND_ROUTE = {
	"route", "routes", "vrt", "/v1/vpn-routes", false,
};

static const char *const GATEWAY_KEYS[] = {
	"vpc", "public_ip", "local_subnets", NULL,
};
static const char *const CGW_KEYS[] = { "ip", NULL };
static const char *const CONNECTION_KEYS[] = {
	"gateway", "customer_gateway", "local_subnets", "remote_subnets",
	"ike_version", "enabled", NULL,
};
static const char *const ROUTE_KEYS[] = { "connection", NULL };

static const struct output_column GATEWAY_COLUMNS[] = {
	{ "ID", "id" }, { "NAME", "name" }, { "VPC", "vpc" },
	{ "PUBLIC IP", "public_ip" }, { "LOCAL SUBNETS", "local_subnets" },
	{ NULL, NULL },
};
static const struct output_column CGW_COLUMNS[] = {
	{ "ID", "id" }, { "NAME", "name" }, { "IP", "ip" }, { NULL, NULL },
};
static const struct output_column CONNECTION_COLUMNS[] = {
	{ "ID", "id" }, { "NAME", "name" }, { "GATEWAY", "gateway" },
	{ "CUSTOMER GW", "customer_gateway" },
	{ "LOCAL", "local_subnets" }, { "REMOTE", "remote_subnets" },
	{ "IKE", "ike_version" }, { "ENABLED", "enabled" },
	{ NULL, NULL },
};
static const struct output_column ROUTE_COLUMNS[] = {
	{ "ID", "id" }, { "DESTINATION", "destination" },
	{ "CONNECTION", "connection" }, { NULL, NULL },
};

/* Collects the comma lists of every occurrence of opt into key. */
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

/* Resolves the name or id of opt's value into key. */
static int add_ref(const struct cli_ctx *ctx, const struct args_parsed *args,
		   const char *opt, const struct client_kind *kind,
		   const char *key, json_t *body)
{
	char *id = NULL;
	int rc = client_resolve(ctx, kind, args_get(args, opt), &id);
	if (rc == CLI_EXIT_OK) {
		json_object_set_new(body, key, json_string(id));
	}
	free(id);
	return rc;
}

/*
 * Gateways and customer gateways
 */

int cmd_vpn_gateway_create(const struct cli_ctx *ctx, const struct cmd *cmd,
			   const struct args_parsed *args)
{
	if (!args_has(args, "vpc") || !args_has(args, "public-ip") ||
	    !args_has(args, "local-subnet")) {
		return cmd_usage_error(cmd, "--vpc, --public-ip and --local-subnet are required");
	}
	json_t *body = json_pack("{ss ss}", "name", args->pos[0], "public_ip",
				 args_get(args, "public-ip"));
	int rc = body != NULL ? add_list(cmd, args, "local-subnet",
					 "local_subnets", body)
			      : client_fail("out of memory");
	if (rc == CLI_EXIT_OK) {
		rc = add_ref(ctx, args, "vpc", &CLIENT_KIND_VPC, "vpc", body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = cmd_send_and_print(ctx, "POST", KIND_GATEWAY.path, body,
					GATEWAY_KEYS);
	}
	json_decref(body);
	return rc;
}

int cmd_vpn_gateway_list(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args)
{
	return cmd_list(ctx, KIND_GATEWAY.path, GATEWAY_COLUMNS);
}

int cmd_vpn_gateway_show(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args)
{
	return cmd_show(ctx, &KIND_GATEWAY, args->pos[0]);
}

int cmd_vpn_gateway_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
			   const struct args_parsed *args)
{
	return cmd_delete(ctx, &KIND_GATEWAY, args->pos[0]);
}

int cmd_vpn_cgw_create(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args)
{
	if (!args_has(args, "ip")) {
		return cmd_usage_error(cmd, "--ip is required");
	}
	json_t *body = json_pack("{ss ss}", "name", args->pos[0], "ip",
				 args_get(args, "ip"));
	int rc = body != NULL
		? cmd_send_and_print(ctx, "POST", KIND_CGW.path, body,
				     CGW_KEYS)
		: client_fail("out of memory");
	json_decref(body);
	return rc;
}

int cmd_vpn_cgw_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args)
{
	return cmd_list(ctx, KIND_CGW.path, CGW_COLUMNS);
}

int cmd_vpn_cgw_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args)
{
	return cmd_show(ctx, &KIND_CGW, args->pos[0]);
}

int cmd_vpn_cgw_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args)
{
	return cmd_delete(ctx, &KIND_CGW, args->pos[0]);
}

/*
 * Connections
 */

/* Options that take a number and the API field each sets. */
static const char *const NUMBER_OPTS[][2] = {
	{ "ike-version", "ike_version" }, { "ike-lifetime", "ike_lifetime" },
	{ "esp-lifetime", "esp_lifetime" }, { "dpd-interval", "dpd_interval" },
};
/* Options that take a name. */
static const char *const STRING_OPTS[][2] = {
	{ "ike-mode", "ike_mode" }, { "ike-encryption", "ike_encryption" },
	{ "ike-integrity", "ike_integrity" }, { "ike-dh-group", "ike_dh_group" },
	{ "esp-encryption", "esp_encryption" },
	{ "esp-integrity", "esp_integrity" }, { "esp-pfs", "esp_pfs" },
	{ "psk", "psk" }, { "name", "name" },
};

/* Fills the crypto, key and subnet fields both create and update take. */
static int add_connection_fields(const struct cmd *cmd,
				 const struct args_parsed *args, json_t *body)
{
	for (size_t i = 0; i < sizeof(NUMBER_OPTS) / sizeof(*NUMBER_OPTS);
	     i++) {
		uint32_t value = 0;
		if (!args_has(args, NUMBER_OPTS[i][0])) {
			continue;
		}
		if (args_parse_uint(args_get(args, NUMBER_OPTS[i][0]),
				    UINT32_MAX, &value) != 0) {
			return cmd_usage_error(cmd, "--%s takes a number",
					       NUMBER_OPTS[i][0]);
		}
		json_object_set_new(body, NUMBER_OPTS[i][1],
				    json_integer(value));
	}
	for (size_t i = 0; i < sizeof(STRING_OPTS) / sizeof(*STRING_OPTS);
	     i++) {
		if (args_has(args, STRING_OPTS[i][0])) {
			json_object_set_new(body, STRING_OPTS[i][1],
					    json_string(args_get(args,
						    STRING_OPTS[i][0])));
		}
	}
	if (args_has(args, "allow-weak-crypto")) {
		json_object_set_new(body, "allow_weak_crypto", json_true());
	}
	if (args_has(args, "no-allow-weak-crypto")) {
		json_object_set_new(body, "allow_weak_crypto", json_false());
	}
	if (args_has(args, "disabled")) {
		json_object_set_new(body, "enabled", json_false());
	}
	int rc = add_list(cmd, args, "local-subnet", "local_subnets", body);
	if (rc == CLI_EXIT_OK) {
		rc = add_list(cmd, args, "remote-subnet", "remote_subnets",
			      body);
	}
	return rc;
}

/* Prints a created connection; a generated key is shown this once. */
static int print_created(const struct cli_ctx *ctx,
			 const struct client_reply *reply)
{
	const char *psk = json_string_value(json_object_get(reply->json,
							    "psk"));
	if (ctx->json) {
		client_print_raw(reply->raw);
		return CLI_EXIT_OK;
	}
	json_t *shown = json_deep_copy(reply->json);
	json_object_del(shown, "psk");
	json_object_del(shown, "warning");
	output_summary(stdout, shown, CONNECTION_KEYS);
	json_decref(shown);
	if (psk != NULL) {
		printf("pre-shared key (shown once; read it again with `zonegate vpn connection show %s --psk`):\n%s\n",
		       json_string_value(json_object_get(reply->json, "id")),
		       psk);
	}
	return CLI_EXIT_OK;
}

int cmd_vpn_connection_create(const struct cli_ctx *ctx,
			      const struct cmd *cmd,
			      const struct args_parsed *args)
{
	struct client_reply reply;
	if (!args_has(args, "gateway") || !args_has(args, "customer-gateway") ||
	    !args_has(args, "remote-subnet")) {
		return cmd_usage_error(cmd, "--gateway, --customer-gateway and --remote-subnet are required");
	}
	json_t *body = json_pack("{ss}", "name", args->pos[0]);
	int rc = body != NULL ? add_connection_fields(cmd, args, body)
			      : client_fail("out of memory");
	if (rc == CLI_EXIT_OK) {
		rc = add_ref(ctx, args, "gateway", &KIND_GATEWAY, "gateway",
			     body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = add_ref(ctx, args, "customer-gateway", &KIND_CGW,
			     "customer_gateway", body);
	}
	if (rc == CLI_EXIT_OK) {
		rc = client_call(ctx, "POST", KIND_CONNECTION.path, body, NULL,
				 &reply);
	}
	if (rc == CLI_EXIT_OK) {
		rc = print_created(ctx, &reply);
		client_reply_clear(&reply);
	}
	json_decref(body);
	return rc;
}

static int build_connection_patch(const struct cli_ctx *ctx,
				  const struct cmd *cmd,
				  const struct args_parsed *args,
				  const json_t *current,
				  const char *connection_id, json_t *body)
{
	return add_connection_fields(cmd, args, body);
}

int cmd_vpn_connection_update(const struct cli_ctx *ctx,
			      const struct cmd *cmd,
			      const struct args_parsed *args)
{
	static const char *const changes[] = {
		"name", "psk", "local-subnet", "remote-subnet", "ike-version",
		"ike-mode", "ike-encryption", "ike-integrity", "ike-dh-group",
		"ike-lifetime", "esp-encryption", "esp-integrity", "esp-pfs",
		"esp-lifetime", "dpd-interval", "allow-weak-crypto",
		"no-allow-weak-crypto", "disabled", NULL,
	};
	static const char *const edits[] = { NULL };
	const struct cmd_update update = {
		.kind = &KIND_CONNECTION,
		.changes = changes,
		.edits = edits,
		.build = build_connection_patch,
		.keys = CONNECTION_KEYS,
	};
	return cmd_update(ctx, cmd, args, &update);
}

int cmd_vpn_connection_list(const struct cli_ctx *ctx, const struct cmd *cmd,
			    const struct args_parsed *args)
{
	return cmd_list(ctx, KIND_CONNECTION.path, CONNECTION_COLUMNS);
}

/* GET <connection>/<sub> and print the reply as fields or JSON. */
static int get_sub(const struct cli_ctx *ctx, const char *text,
		   const char *sub, struct client_reply *reply)
{
	char *id = NULL;
	int rc = client_resolve(ctx, &KIND_CONNECTION, text, &id);
	char *target = rc == CLI_EXIT_OK
		? client_path("%r/%s/%r", KIND_CONNECTION.path, id, sub) : NULL;
	if (rc == CLI_EXIT_OK && target == NULL) {
		rc = client_fail("out of memory");
	}
	if (rc == CLI_EXIT_OK) {
		rc = client_call(ctx, "GET", target, NULL, NULL, reply);
	}
	free(target);
	free(id);
	return rc;
}

int cmd_vpn_connection_show(const struct cli_ctx *ctx, const struct cmd *cmd,
			    const struct args_parsed *args)
{
	struct client_reply reply;
	if (!args_has(args, "psk")) {
		return cmd_show(ctx, &KIND_CONNECTION, args->pos[0]);
	}
	int rc = get_sub(ctx, args->pos[0], "psk", &reply);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	} else {
		printf("%s\n", json_string_value(json_object_get(reply.json,
								 "psk")));
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}

int cmd_vpn_connection_delete(const struct cli_ctx *ctx,
			      const struct cmd *cmd,
			      const struct args_parsed *args)
{
	return cmd_delete(ctx, &KIND_CONNECTION, args->pos[0]);
}

static int post_action(const struct cli_ctx *ctx, const char *text,
		       const char *action)
{
	char *id = NULL;
	int rc = client_resolve(ctx, &KIND_CONNECTION, text, &id);
	char *target = rc == CLI_EXIT_OK
		? client_path("%r/%s/%r", KIND_CONNECTION.path, id, action)
		: NULL;
	if (rc == CLI_EXIT_OK && target == NULL) {
		rc = client_fail("out of memory");
	}
	if (rc == CLI_EXIT_OK) {
		rc = cmd_send_and_print(ctx, "POST", target, NULL,
					CONNECTION_KEYS);
	}
	free(target);
	free(id);
	return rc;
}

int cmd_vpn_connection_initiate(const struct cli_ctx *ctx,
				const struct cmd *cmd,
				const struct args_parsed *args)
{
	return post_action(ctx, args->pos[0], "initiate");
}

int cmd_vpn_connection_terminate(const struct cli_ctx *ctx,
				 const struct cmd *cmd,
				 const struct args_parsed *args)
{
	return post_action(ctx, args->pos[0], "terminate");
}

/*
 * Routes
 */

int cmd_vpn_route_add(const struct cli_ctx *ctx, const struct cmd *cmd,
		      const struct args_parsed *args)
{
	if (!args_has(args, "connection")) {
		return cmd_usage_error(cmd, "--connection is required");
	}
	json_t *body = json_pack("{ss}", "destination", args->pos[0]);
	int rc = body != NULL ? add_ref(ctx, args, "connection",
					&KIND_CONNECTION, "connection", body)
			      : client_fail("out of memory");
	if (rc == CLI_EXIT_OK) {
		rc = cmd_send_and_print(ctx, "POST", KIND_ROUTE.path, body,
					ROUTE_KEYS);
	}
	json_decref(body);
	return rc;
}

int cmd_vpn_route_list(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args)
{
	return cmd_list(ctx, KIND_ROUTE.path, ROUTE_COLUMNS);
}

int cmd_vpn_route_show(const struct cli_ctx *ctx, const struct cmd *cmd,
		       const struct args_parsed *args)
{
	return cmd_show(ctx, &KIND_ROUTE, args->pos[0]);
}

int cmd_vpn_route_delete(const struct cli_ctx *ctx, const struct cmd *cmd,
			 const struct args_parsed *args)
{
	return cmd_delete(ctx, &KIND_ROUTE, args->pos[0]);
}

/*
 * Download and status
 */

/* Writes content to dir/name, readable by the owner only: it holds the
 * pre-shared key. */
static int write_file(const char *dir, const char *name, const char *content)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		return client_fail("cannot write %s: %s", path,
				   strerror(errno));
	}
	int ok = chmod(path, 0600) == 0 && fputs(content, f) >= 0;
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		return client_fail("cannot write %s: %s", path,
				   strerror(errno));
	}
	printf("wrote %s\n", path);
	return CLI_EXIT_OK;
}

int cmd_vpn_download(const struct cli_ctx *ctx, const struct cmd *cmd,
		     const struct args_parsed *args)
{
	struct client_reply reply;
	const char *format = args_has(args, "format")
		? args_get(args, "format") : "swanctl";
	if (strcmp(format, "swanctl") != 0 && strcmp(format, "ipsec") != 0) {
		return cmd_usage_error(cmd, "--format is swanctl or ipsec");
	}
	char sub[64];
	snprintf(sub, sizeof(sub), "peer-config/%s", format);
	int rc = get_sub(ctx, args->pos[0], sub, &reply);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}

	json_t *files = json_object_get(reply.json, "files");
	const char *dir = args_get(args, "output-dir");
	for (size_t i = 0; rc == CLI_EXIT_OK && i < json_array_size(files);
	     i++) {
		json_t *file = json_array_get(files, i);
		const char *name = json_string_value(json_object_get(file,
								     "name"));
		const char *content = json_string_value(
			json_object_get(file, "content"));
		if (name == NULL || content == NULL) {
			rc = client_fail("the daemon sent a file without name or content");
		} else if (ctx->json) {
			continue;
		} else if (dir != NULL) {
			rc = write_file(dir, name, content);
		} else {
			/* Several files on stdout: a comment line names
			 * each, valid in every strongSwan format. */
			if (json_array_size(files) > 1) {
				printf("%s# ---- %s ----\n", i > 0 ? "\n" : "",
				       name);
			}
			fputs(content, stdout);
		}
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
	}
	client_reply_clear(&reply);
	return rc;
}

static const char *str(const json_t *obj, const char *key)
{
	const char *value = json_string_value(json_object_get(obj, key));
	return value != NULL ? value : "-";
}

static long long num(const json_t *obj, const char *key)
{
	return (long long)json_integer_value(json_object_get(obj, key));
}

static void print_charon(const json_t *charon)
{
	if (json_is_true(json_object_get(charon, "connected"))) {
		printf("charon: connected at %s, strongSwan %s\n",
		       str(charon, "vici_socket"), str(charon, "version"));
		return;
	}
	printf("charon: NOT CONNECTED at %s: %s", str(charon, "vici_socket"),
	       str(charon, "error"));
	if (json_is_integer(json_object_get(charon, "retry_in_s"))) {
		printf(" (retrying in %lld s)", num(charon, "retry_in_s"));
	}
	printf("\n");
}

static void print_connection_status(const json_t *c)
{
	printf("\n%s (%s): tunnel %s", str(c, "id"), str(c, "name"),
	       str(c, "state"));
	if (num(c, "since") > 0) {
		time_t since = (time_t)num(c, "since");
		struct tm tm;
		char when[32];
		gmtime_r(&since, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf(" since %s", when);
	}
	printf("\n");
	if (json_is_string(json_object_get(c, "error"))) {
		printf("  error: %s\n", str(c, "error"));
	}
	const json_t *ike = json_object_get(c, "ike_sa");
	if (json_is_object(ike)) {
		printf("  IKE_SA: %s, IKEv%lld, %s -> %s, %s, up %lld s\n",
		       str(ike, "state"), num(ike, "version"),
		       str(ike, "local_host"), str(ike, "remote_host"),
		       str(ike, "proposal"), num(ike, "established_s"));
	} else {
		printf("  IKE_SA: none\n");
	}
	size_t i;
	json_t *child;
	json_array_foreach(json_object_get(c, "child_sas"), i, child) {
		char *local = output_value(json_object_get(child, "local_ts"));
		char *remote = output_value(json_object_get(child,
							    "remote_ts"));
		printf("  CHILD_SA %s: %s, %s %s%s%s, %s === %s, up %lld s, in %lld bytes / %lld packets, out %lld bytes / %lld packets\n",
		       str(child, "name"), str(child, "state"),
		       str(child, "protocol"), str(child, "encryption"),
		       json_string_length(json_object_get(child, "integrity"))
		       > 0 ? "/" : "",
		       json_string_length(json_object_get(child, "integrity"))
		       > 0 ? str(child, "integrity") : "",
		       local != NULL ? local : "-",
		       remote != NULL ? remote : "-",
		       num(child, "installed_s"), num(child, "bytes_in"),
		       num(child, "packets_in"), num(child, "bytes_out"),
		       num(child, "packets_out"));
		free(local);
		free(remote);
	}
}

int cmd_vpn_status(const struct cli_ctx *ctx, const struct cmd *cmd,
		   const struct args_parsed *args)
{
	struct client_reply reply;
	int rc;
	bool one = args->npos > 0;
	if (one) {
		rc = get_sub(ctx, args->pos[0], "status", &reply);
	} else {
		rc = client_call(ctx, "GET", "/v1/vpn-status", NULL, NULL,
				 &reply);
	}
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (ctx->json) {
		client_print_raw(reply.raw);
		client_reply_clear(&reply);
		return CLI_EXIT_OK;
	}
	print_charon(json_object_get(reply.json, "charon"));
	if (one) {
		print_connection_status(reply.json);
	} else {
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(reply.json, "connections"),
				   i, c) {
			print_connection_status(c);
		}
		if (json_array_size(json_object_get(reply.json,
						    "connections")) == 0) {
			printf("no IPsec connection is configured\n");
		}
	}
	client_reply_clear(&reply);
	return CLI_EXIT_OK;
}
