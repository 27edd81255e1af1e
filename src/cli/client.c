/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Calls to the management API for the CLI: requests, errors, names. */
#include "cli/client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/http.h"
#include "common/error.h"

/* Upper bound on pages fetched for one listing, so that a daemon handing
 * out cursors forever cannot keep the CLI looping. */
#define CLIENT_MAX_PAGES 10000

const struct client_kind CLIENT_KIND_VPC = {
	"vpc", "vpcs", "vpc", "/v1/vpcs", false,
};
const struct client_kind CLIENT_KIND_ZONE = {
	"zone", "zones", "zone", "/v1/zones", true,
};
const struct client_kind CLIENT_KIND_ENDPOINT = {
	"endpoint", "endpoints", "ep", "/v1/endpoints", false,
};
const struct client_kind CLIENT_KIND_RULE = {
	"rule", "rules", "rule", "/v1/rules", false,
};

int client_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("zonegate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_API;
}

char *client_path(const char *fmt, ...)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	va_list ap;
	bool ok = f != NULL;

	va_start(ap, fmt);
	for (const char *p = fmt; ok && *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'r') {
			fputs(va_arg(ap, const char *), f);
			p++;
			continue;
		}
		if (p[0] != '%' || p[1] != 's') {
			fputc(*p, f);
			continue;
		}
		char *enc = args_url_encode(va_arg(ap, const char *));

		ok = enc != NULL;
		if (ok) {
			fputs(enc, f);
		}
		free(enc);
		p++;
	}
	va_end(ap);
	if (f != NULL && (fclose(f) != 0 || !ok)) {
		ok = false;
	}
	if (!ok) {
		free(text);
		return NULL;
	}
	return text;
}

int client_timeout_ms(bool long_request, const char *env_value)
{
	char *end = NULL;
	unsigned long s = env_value != NULL && *env_value >= '0' &&
			  *env_value <= '9'
		? strtoul(env_value, &end, 10) : 0;
	if (end != NULL && *end == '\0' && s >= 1 && s <= 86400) {
		return (int)s * 1000;
	}
	return long_request ? CLI_LONG_TIMEOUT_MS : CLI_TIMEOUT_MS;
}

static int report_unreachable(const struct cli_ctx *ctx, int code,
			      int timeout_ms, const char *on_timeout)
{
	if (code == -ETIMEDOUT) {
		fprintf(stderr, "zonegate: no reply from zonegated at %s within %d s; check that the daemon is running and not stuck (%s sets the timeout in seconds)\n",
			ctx->socket_path, timeout_ms / 1000, CLI_TIMEOUT_ENV);
		if (on_timeout != NULL) {
			fprintf(stderr, "zonegate: %s\n", on_timeout);
		}
	} else {
		fprintf(stderr, "zonegate: cannot reach zonegated at %s: %s; start zonegated or point --api-socket or ZONEGATE_API at its socket\n",
			ctx->socket_path, zg_strerror(code));
	}
	return CLI_EXIT_UNREACHABLE;
}

/* Writes the API's error object, or what can be said about the reply. */
static int report_api_error(const struct http_response *resp, json_t *json)
{
	json_t *err = json_object_get(json, "error");
	const char *message = json_string_value(json_object_get(err,
								"message"));
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *field = json_string_value(json_object_get(err, "field"));

	if (message == NULL && code == NULL) {
		size_t n = strcspn(resp->body, "\r\n");

		if (n > 200) {
			n = 200;
		}
		return client_fail("the daemon answered HTTP %d%s%.*s",
				   resp->status, n > 0 ? ": " : "", (int)n,
				   resp->body);
	}
	if (message == NULL) {
		message = code;
	}
	if (field != NULL && *field != '\0') {
		return client_fail("%s (field: %s)", message, field);
	}
	return client_fail("%s", message);
}

static void print_warnings(json_t *json)
{
	json_t *one = json_object_get(json, "warning");
	json_t *many = json_object_get(json, "warnings");
	size_t i;
	json_t *w;

	if (json_is_string(one)) {
		fprintf(stderr, "warning: %s\n", json_string_value(one));
	}
	json_array_foreach(many, i, w) {
		if (json_is_string(w)) {
			fprintf(stderr, "warning: %s\n", json_string_value(w));
		}
	}
}

static int call(const struct cli_ctx *ctx, const char *method,
		const char *target, json_t *body, const char *if_match,
		int timeout_ms, const char *on_timeout,
		struct client_reply *out)
{
	struct http_response resp = { 0 };
	struct http_request req = {
		.method = method, .target = target, .if_match = if_match,
	};
	json_t *json = NULL;
	char *body_text = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (body != NULL) {
		body_text = json_dumps(body, JSON_COMPACT);
		if (body_text == NULL) {
			return client_fail("out of memory");
		}
		req.body = body_text;
	}
	rc = http_request(ctx->socket_path, &req, timeout_ms, &resp);
	free(body_text);
	if (http_error_is_unreachable(rc)) {
		return report_unreachable(ctx, rc, timeout_ms, on_timeout);
	}
	if (rc != 0) {
		return client_fail("zonegated at %s sent a reply that is not valid HTTP: %s",
				   ctx->socket_path, zg_strerror(rc));
	}

	if (resp.body_len > 0) {
		json = json_loadb(resp.body, resp.body_len, JSON_DECODE_ANY,
				  NULL);
	}
	if (resp.status < 200 || resp.status > 299) {
		rc = report_api_error(&resp, json);
		json_decref(json);
		http_response_clear(&resp);
		return rc;
	}
	if (resp.body_len > 0 && json == NULL) {
		http_response_clear(&resp);
		return client_fail("zonegated sent a reply that is not JSON");
	}

	print_warnings(json);
	out->status = resp.status;
	out->json = json;
	out->raw = resp.body;
	return CLI_EXIT_OK;
}

int client_call(const struct cli_ctx *ctx, const char *method,
		const char *target, json_t *body, const char *if_match,
		struct client_reply *out)
{
	return call(ctx, method, target, body, if_match,
		    client_timeout_ms(false, getenv(CLI_TIMEOUT_ENV)), NULL,
		    out);
}

int client_call_long(const struct cli_ctx *ctx, const char *method,
		     const char *target, json_t *body, const char *on_timeout,
		     struct client_reply *out)
{
	return call(ctx, method, target, body, NULL,
		    client_timeout_ms(true, getenv(CLI_TIMEOUT_ENV)),
		    on_timeout, out);
}

void client_reply_clear(struct client_reply *reply)
{
	if (reply == NULL) {
		return;
	}
	json_decref(reply->json);
	free(reply->raw);
	memset(reply, 0, sizeof(*reply));
}

void client_print_raw(const char *raw)
{
	size_t len = strlen(raw);

	if (len == 0) {
		return;
	}
	fputs(raw, stdout);
	if (raw[len - 1] != '\n') {
		fputc('\n', stdout);
	}
}

/* The text of a "next" cursor (string or integer), malloc'd; NULL for
 * null or a missing cursor. *oom is set when allocation failed. */
static char *cursor_text(json_t *next, bool *oom)
{
	char *text = NULL;

	*oom = false;
	if (json_is_string(next)) {
		text = strdup(json_string_value(next));
	} else if (json_is_integer(next)) {
		if (asprintf(&text, "%" JSON_INTEGER_FORMAT,
			     json_integer_value(next)) < 0) {
			text = NULL;
		}
	} else {
		return NULL;
	}
	*oom = text == NULL;
	return text;
}

/* Moves the items of one page into all and takes the page's cursor. */
static int take_page(json_t *page, json_t *all, char **cursor)
{
	json_t *items = json_object_get(page, "items");
	bool oom;

	if (!json_is_array(items)) {
		return client_fail("zonegated sent a list without \"items\"");
	}
	if (json_array_extend(all, items) != 0) {
		return client_fail("out of memory");
	}
	*cursor = cursor_text(json_object_get(page, "next"), &oom);
	return oom ? client_fail("out of memory") : CLI_EXIT_OK;
}

/* The JSON text for --json of a listing of several pages. */
static char *merged_raw(json_t *all)
{
	json_t *merged = json_pack("{s:O, s:n}", "items", all, "next");
	char *raw = merged != NULL ? json_dumps(merged, JSON_INDENT(2)) : NULL;

	json_decref(merged);
	return raw;
}

int client_list_all(const struct cli_ctx *ctx, const char *path,
		    json_t **items, char **raw)
{
	json_t *all = json_array();
	char *cursor = NULL, *first_raw = NULL;
	int pages = 0, rc = CLI_EXIT_OK;

	if (all == NULL) {
		return client_fail("out of memory");
	}
	do {
		struct client_reply reply;
		char *target = cursor == NULL ?
			client_path("%r?limit=1000", path) :
			client_path("%r?limit=1000&after=%s", path, cursor);

		free(cursor);
		cursor = NULL;
		if (target == NULL) {
			rc = client_fail("out of memory");
			break;
		}
		rc = client_call(ctx, "GET", target, NULL, NULL, &reply);
		free(target);
		if (rc == CLI_EXIT_OK) {
			rc = take_page(reply.json, all, &cursor);
		}
		if (rc == CLI_EXIT_OK && pages == 0) {
			first_raw = reply.raw;
			reply.raw = NULL;
		}
		client_reply_clear(&reply);
		pages++;
	} while (rc == CLI_EXIT_OK && cursor != NULL &&
		 pages < CLIENT_MAX_PAGES);
	free(cursor);

	if (rc == CLI_EXIT_OK && raw != NULL) {
		*raw = pages == 1 ? first_raw : merged_raw(all);
		if (pages == 1) {
			first_raw = NULL;
		}
		if (*raw == NULL) {
			rc = client_fail("out of memory");
		}
	}
	free(first_raw);
	if (rc != CLI_EXIT_OK) {
		json_decref(all);
		return rc;
	}
	*items = all;
	return CLI_EXIT_OK;
}

static bool name_matches(const struct client_kind *kind, json_t *item,
			 const char *text)
{
	const char *name = json_string_value(json_object_get(item, "name"));

	if (name == NULL) {
		return false;
	}
	return kind->dns_name ? args_dns_name_equal(name, text) :
	       strcmp(name, text) == 0;
}

/* Reports no or several matches; *id_out set for exactly one. */
static int pick_match(const struct client_kind *kind, json_t *items,
		      const char *text, char **id_out)
{
	char shown[512];
	json_t *matches = json_array();
	size_t i;
	json_t *item;
	int rc = CLI_EXIT_OK;

	if (matches == NULL) {
		return client_fail("out of memory");
	}
	if (!kind->dns_name ||
	    args_absolute_name(text, shown, sizeof(shown)) != 0) {
		snprintf(shown, sizeof(shown), "%s", text);
	}
	json_array_foreach(items, i, item) {
		const char *id = json_string_value(json_object_get(item,
								   "id"));

		if (id != NULL && name_matches(kind, item, text)) {
			json_array_append_new(matches, json_string(id));
		}
	}

	size_t n = json_array_size(matches);

	if (n == 0) {
		rc = client_fail("no %s named %s", kind->noun, shown);
	} else if (n > 1) {
		fprintf(stderr, "zonegate: %zu %s are named %s:", n,
			kind->plural, shown);
		json_array_foreach(matches, i, item) {
			fprintf(stderr, "%s %s", i > 0 ? "," : "",
				json_string_value(item));
		}
		fputs("; name one by its id\n", stderr);
		rc = CLI_EXIT_API;
	} else {
		*id_out = strdup(json_string_value(json_array_get(matches,
								  0)));
		if (*id_out == NULL) {
			rc = client_fail("out of memory");
		}
	}
	json_decref(matches);
	return rc;
}

int client_resolve(const struct cli_ctx *ctx, const struct client_kind *kind,
		   const char *text, char **id_out)
{
	json_t *items = NULL;
	int rc;

	if (args_looks_like_id(text, kind->id_prefix)) {
		*id_out = strdup(text);
		return *id_out != NULL ? CLI_EXIT_OK :
		       client_fail("out of memory");
	}
	rc = client_list_all(ctx, kind->path, &items, NULL);
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	rc = pick_match(kind, items, text, id_out);
	json_decref(items);
	return rc;
}

int client_get(const struct cli_ctx *ctx, const struct client_kind *kind,
	       const char *text, struct client_reply *out)
{
	char *id = NULL;
	int rc = client_resolve(ctx, kind, text, &id);

	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	char *target = client_path("%r/%s", kind->path, id);

	free(id);
	if (target == NULL) {
		return client_fail("out of memory");
	}
	rc = client_call(ctx, "GET", target, NULL, NULL, out);
	free(target);
	return rc;
}
