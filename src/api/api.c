/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The management API server: a unix socket served by libmicrohttpd,
 * routing, transactions, publication, replies (docs/api.md). */
#include "api/api.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api/api_priv.h"
#include "common/error.h"
#include "common/log.h"
#include "config/publish.h"
#include "store/store.h"

#define MAX_BODY (4 * 1024 * 1024)
#define API_CONNECTION_LIMIT 64	/* open at once; more are refused */
#define API_CONNECTION_TIMEOUT_S 60 /* a connection idle this long closes */
#define MAX_SEGMENTS 6
#define DEFAULT_LIMIT 100
#define MAX_LIMIT 1000

/* A request body being received. */
struct conn_ctx {
	char *body;
	size_t len;
	bool too_large;
};

/* What a path and method lead to. */
enum route_kind {
	ROUTE_OP = 0,		/* a resource operation in a transaction */
	ROUTE_STATUS,
	ROUTE_EXPLAIN,
	ROUTE_LINT,
	ROUTE_STATS,
	ROUTE_BACKUP,
	ROUTE_RESTORE,
	ROUTE_DOCTOR,
	ROUTE_CACHE_FLUSH,
	ROUTE_CACHE_STATS,
	ROUTE_VPN_STATUS,	/* waits for the VPN manager: no transaction */
};

struct route {
	enum route_kind kind;
	api_op op;
	bool write;
	bool change_set;	/* the reply gets the version */
	bool single;		/* one resource: the reply gets an ETag */
	int ok_status;
	api_op read_op;		/* PATCH: the GET of the same resource,
				 * for a body that changes nothing */
};

/*
 * Routing
 */

/* Splits path into segments in buf; empty segments are dropped. */
static size_t split_path(const char *url, char *buf, size_t buflen,
			 char **seg, size_t max)
{
	snprintf(buf, buflen, "%s", url);
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, "/", &save); tok != NULL;
	     tok = strtok_r(NULL, "/", &save)) {
		if (n == max) {
			return max + 1;
		}
		seg[n++] = tok;
	}
	return n;
}

static bool is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Per collection: list/create, get/update/delete. */
struct collection {
	const char *name;
	api_op list, create, get, update, remove;
};

static const struct collection collections[] = {
	{ "vpcs", api_vpc_list, api_vpc_create, api_vpc_get, api_vpc_update,
	  api_vpc_delete },
	{ "zones", api_zone_list, api_zone_create, api_zone_get,
	  api_zone_update, api_zone_delete },
	{ "endpoints", api_endpoint_list, api_endpoint_create,
	  api_endpoint_get, api_endpoint_update, api_endpoint_delete },
	{ "rules", api_rule_list, api_rule_create, api_rule_get,
	  api_rule_update, api_rule_delete },
	{ "tsig-keys", api_tsig_list, api_tsig_create, api_tsig_get,
	  api_tsig_update, api_tsig_delete },
	{ "inbound", api_inbound_list, api_inbound_create, api_inbound_get,
	  api_inbound_update, api_inbound_delete },
	{ "vpn-gateways", api_vpn_gateway_list, api_vpn_gateway_create,
	  api_vpn_gateway_get, api_vpn_gateway_update,
	  api_vpn_gateway_delete },
	{ "customer-gateways", api_customer_gateway_list,
	  api_customer_gateway_create, api_customer_gateway_get,
	  api_customer_gateway_update, api_customer_gateway_delete },
	{ "ipsec-connections", api_ipsec_connection_list,
	  api_ipsec_connection_create, api_ipsec_connection_get,
	  api_ipsec_connection_update, api_ipsec_connection_delete },
	{ "vpn-routes", api_vpn_route_list, api_vpn_route_create,
	  api_vpn_route_get, api_vpn_route_update, api_vpn_route_delete },
};

static void set_op(struct route *rt, api_op op, bool write, int ok_status)
{
	rt->kind = ROUTE_OP;
	rt->op = op;
	rt->write = write;
	rt->ok_status = ok_status;
}

/* Zone sync of a zone: /transfer, /update-policy[/KEY], /import,
 * /export. ZG_ENOENT for other paths. */
static int route_zone_sync(const char *m, char **seg, size_t n,
			   struct route *rt, struct api_args *args)
{
	const char *sub = seg[3];
	if (is(sub, "update-policy") && n == 5) {
		args->sub_id = seg[4];
		if (!is(m, "DELETE")) {
			return ZG_EINVAL;
		}
		set_op(rt, api_policy_revoke, true, 200);
		return 0;
	}
	if (n != 4) {
		return ZG_ENOENT;
	}
	static const struct {
		const char *sub;
		const char *method;
		api_op op;
		bool write;
	} ops[] = {
		{ "transfer", "GET", api_transfer_get, false },
		{ "transfer", "PUT", api_transfer_put, true },
		{ "transfer", "DELETE", api_transfer_delete, true },
		{ "update-policy", "GET", api_policy_get, false },
		{ "update-policy", "POST", api_policy_grant, true },
		{ "import", "POST", api_zone_import, true },
		{ "export", "GET", api_zone_export, false },
	};
	bool known = false;
	for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++) {
		if (!is(sub, ops[i].sub)) {
			continue;
		}
		known = true;
		if (is(m, ops[i].method)) {
			set_op(rt, ops[i].op, ops[i].write, 200);
			return 0;
		}
	}
	return known ? ZG_EINVAL : ZG_ENOENT;
}

/* Sub-resources of zones and rules: /vpcs, for zones /records, for
 * rules /targets. */
static int route_sub(const char *m, char **seg, size_t n,
		     const char *collection, struct route *rt,
		     struct api_args *args)
{
	bool zones = is(collection, "zones");
	args->id = seg[2];
	int sync = zones ? route_zone_sync(m, seg, n, rt, args) : ZG_ENOENT;
	if (sync != ZG_ENOENT) {
		return sync;
	}
	if (zones && is(seg[3], "refresh") && n == 4) {
		if (!is(m, "POST")) {
			return ZG_EINVAL;
		}
		set_op(rt, api_zone_refresh, false, 202);
		return 0;
	}
	if (!zones && is(seg[3], "stats") && n == 4) {
		if (!is(m, "GET")) {
			return ZG_EINVAL;
		}
		set_op(rt, api_rule_stats, false, 200);
		return 0;
	}
	if (is(seg[3], "vpcs") && n == 4) {
		if (is(m, "GET")) {
			set_op(rt, zones ? api_zone_vpcs : api_rule_vpcs,
			       false, 200);
		} else if (is(m, "POST")) {
			set_op(rt, zones ? api_zone_bind : api_rule_bind,
			       true, 200);
		} else {
			return ZG_EINVAL;
		}
		return 0;
	}
	if (!zones && is(seg[3], "targets") && n == 4) {
		if (!is(m, "GET")) {
			return ZG_EINVAL;
		}
		set_op(rt, api_rule_targets, false, 200);
		return 0;
	}
	if (is(seg[3], "vpcs") && n == 5) {
		args->sub_id = seg[4];
		if (!is(m, "DELETE")) {
			return ZG_EINVAL;
		}
		set_op(rt, zones ? api_zone_unbind : api_rule_unbind, true,
		       200);
		return 0;
	}
	if (!zones || !is(seg[3], "records")) {
		return ZG_ENOENT;
	}
	if (n == 4) {
		if (is(m, "GET")) {
			set_op(rt, api_record_list, false, 200);
		} else if (is(m, "POST")) {
			set_op(rt, api_record_create, true, 201);
		} else if (is(m, "DELETE")) {
			set_op(rt, api_rrset_delete, true, 200);
		} else {
			return ZG_EINVAL;
		}
		return 0;
	}
	args->sub_id = seg[4];
	rt->single = true;
	if (is(m, "GET")) {
		set_op(rt, api_record_get, false, 200);
	} else if (is(m, "PATCH")) {
		set_op(rt, api_record_update, true, 200);
		rt->read_op = api_record_get;
	} else if (is(m, "DELETE")) {
		set_op(rt, api_record_delete, true, 200);
	} else {
		return ZG_EINVAL;
	}
	return 0;
}

/* /v1/ipsec-connections/{id}/status|psk|initiate|terminate and
 * /peer-config/{format}. */
static int route_connection_sub(const char *m, char **seg, size_t n,
				struct route *rt, struct api_args *args)
{
	static const struct {
		const char *name;
		const char *method;
		api_op op;
		bool write;
	} subs[] = {
		{ "psk", "GET", api_ipsec_connection_psk, false },
		{ "initiate", "POST", api_ipsec_connection_initiate, true },
		{ "terminate", "POST", api_ipsec_connection_terminate, true },
	};
	args->id = seg[2];
	if (n == 4 && is(seg[3], "status")) {
		rt->kind = ROUTE_VPN_STATUS;
		rt->ok_status = 200;
		return is(m, "GET") ? 0 : ZG_EINVAL;
	}
	if (n == 5 && is(seg[3], "peer-config")) {
		args->sub_id = seg[4];
		set_op(rt, api_ipsec_connection_peer_config, false, 200);
		return is(m, "GET") ? 0 : ZG_EINVAL;
	}
	for (size_t i = 0; n == 4 && i < sizeof(subs) / sizeof(*subs); i++) {
		if (is(seg[3], subs[i].name)) {
			set_op(rt, subs[i].op, subs[i].write, 200);
			return is(m, subs[i].method) ? 0 : ZG_EINVAL;
		}
	}
	return ZG_ENOENT;
}

static int route_collection(const char *m, char **seg, size_t n,
			    const struct collection *c, struct route *rt,
			    struct api_args *args)
{
	if (n == 2) {
		if (is(m, "GET")) {
			set_op(rt, c->list, false, 200);
		} else if (is(m, "POST")) {
			set_op(rt, c->create, true, 201);
		} else {
			return ZG_EINVAL;
		}
		return 0;
	}
	if (n == 3 && is(c->name, "zones") && is(seg[2], "import")) {
		/* POST /v1/zones/import: create a zone from a zone file. */
		if (!is(m, "POST")) {
			return ZG_EINVAL;
		}
		set_op(rt, api_zone_import_create, true, 201);
		return 0;
	}
	if (n == 3) {
		args->id = seg[2];
		rt->single = true;
		if (is(m, "GET")) {
			set_op(rt, c->get, false, 200);
		} else if (is(m, "PATCH")) {
			set_op(rt, c->update, true, 200);
			rt->read_op = c->get;
		} else if (is(m, "DELETE")) {
			set_op(rt, c->remove, true, 200);
		} else {
			return ZG_EINVAL;
		}
		return 0;
	}
	if (is(c->name, "zones") || is(c->name, "rules")) {
		return route_sub(m, seg, n, c->name, rt, args);
	}
	if (is(c->name, "ipsec-connections")) {
		return route_connection_sub(m, seg, n, rt, args);
	}
	return ZG_ENOENT;
}

static int route_upstreams(const char *m, char **seg, size_t n,
			   struct route *rt, struct api_args *args)
{
	if (n == 2) {
		if (!is(m, "GET")) {
			return ZG_EINVAL;
		}
		set_op(rt, api_upstream_list, false, 200);
		return 0;
	}
	if (n != 3) {
		return ZG_ENOENT;
	}
	args->id = seg[2];
	rt->single = true;
	if (is(m, "GET")) {
		set_op(rt, api_upstream_get, false, 200);
	} else if (is(m, "PUT")) {
		set_op(rt, api_upstream_put, true, 200);
	} else if (is(m, "DELETE")) {
		set_op(rt, api_upstream_delete, true, 200);
	} else {
		return ZG_EINVAL;
	}
	return 0;
}

/* Routes of one segment after /v1. */
static int route_single(const char *m, const char *name, struct route *rt)
{
	struct {
		const char *name;
		const char *method;
		enum route_kind kind;
	} fixed[] = {
		{ "status", "GET", ROUTE_STATUS },
		{ "explain", "POST", ROUTE_EXPLAIN },
		{ "lint", "GET", ROUTE_LINT },
		{ "stats", "GET", ROUTE_STATS },
		{ "backup", "POST", ROUTE_BACKUP },
		{ "restore", "POST", ROUTE_RESTORE },
		{ "doctor", "POST", ROUTE_DOCTOR },
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++) {
		if (is(name, fixed[i].name)) {
			rt->kind = fixed[i].kind;
			rt->ok_status = 200;
			return is(m, fixed[i].method) ? 0 : ZG_EINVAL;
		}
	}
	if (!is(name, "changes")) {
		return ZG_ENOENT;
	}
	if (is(m, "GET")) {
		set_op(rt, api_change_log, false, 200);
	} else if (is(m, "POST")) {
		set_op(rt, api_change_set, true, 200);
		rt->change_set = true;
	} else {
		return ZG_EINVAL;
	}
	return 0;
}

/* /v1/cache/flush (POST) and /v1/cache/stats (GET). */
static int route_cache(const char *m, const char *name, struct route *rt)
{
	rt->ok_status = 200;
	if (is(name, "flush")) {
		rt->kind = ROUTE_CACHE_FLUSH;
		return is(m, "POST") ? 0 : ZG_EINVAL;
	}
	if (is(name, "stats")) {
		rt->kind = ROUTE_CACHE_STATS;
		return is(m, "GET") ? 0 : ZG_EINVAL;
	}
	return ZG_ENOENT;
}

/*!
 * Finds the route of method and path. \retval 0, ZG_ENOENT (no such
 * path: 404), ZG_EINVAL (the path exists, the method does not: 405).
 */
static int route(const char *m, char **seg, size_t n, struct route *rt,
		 struct api_args *args)
{
	if (n < 2 || n > 5 || !is(seg[0], "v1")) {
		return ZG_ENOENT;
	}
	if (n == 2) {
		int ret = route_single(m, seg[1], rt);
		if (ret != ZG_ENOENT) {
			return ret;
		}
	}
	for (size_t i = 0; i < sizeof(collections) / sizeof(*collections);
	     i++) {
		if (is(seg[1], collections[i].name)) {
			return route_collection(m, seg, n, &collections[i], rt,
						args);
		}
	}
	if (is(seg[1], "upstreams")) {
		return route_upstreams(m, seg, n, rt, args);
	}
	if (n == 2 && is(seg[1], "vpn-status")) {
		rt->kind = ROUTE_VPN_STATUS;
		rt->ok_status = 200;
		return is(m, "GET") ? 0 : ZG_EINVAL;
	}
	if (n == 3 && is(seg[1], "cache")) {
		return route_cache(m, seg[2], rt);
	}
	return ZG_ENOENT;
}

/*
 * Replies
 */

static enum MHD_Result send_json(struct MHD_Connection *conn, int status,
				 json_t *body, int64_t etag)
{
	char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	if (text == NULL) {
		static const char fallback[] =
			"{\"error\":{\"code\":\"internal\",\"field\":null,"
			"\"message\":\"out of memory\"}}";
		text = strdup(fallback);
		status = 500;
		if (text == NULL) {
			return MHD_NO;
		}
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	if (etag >= 0) {
		char value[32];
		snprintf(value, sizeof(value), "\"%" PRId64 "\"", etag);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, value);
	}
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn,
				  const struct api_error *err)
{
	json_t *body = json_pack("{s{ss so ss}}", "error", "code", err->code,
				 "field", err->field[0] != '\0'
				 ? json_string(err->field) : json_null(),
				 "message", err->message);
	enum MHD_Result ret = send_json(conn, err->status, body, -1);
	json_decref(body);
	return ret;
}

static enum MHD_Result send_simple_error(struct MHD_Connection *conn,
					 int status, const char *code,
					 const char *message)
{
	struct api_error err = { .status = status };
	snprintf(err.code, sizeof(err.code), "%s", code);
	snprintf(err.message, sizeof(err.message), "%s", message);
	return send_error(conn, &err);
}

/*
 * Requests
 */

/* The caller's identity from the unix socket (SO_PEERCRED). */
static int peer_caller(struct MHD_Connection *conn, struct store_caller *out)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (info == NULL) {
		return ZG_EINTERNAL;
	}
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(info->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred,
		       &len) != 0) {
		return -errno;
	}
	out->uid = (uint32_t)cred.uid;
	out->pid = (int32_t)cred.pid;
	return 0;
}

static const char *query(struct MHD_Connection *conn, const char *key)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/* The query parameters the API takes (each where it applies). */
static const char *const query_keys[] = {
	"limit", "after", "name", "type", "value", "secret", NULL,
};

static enum MHD_Result find_unknown_key(void *cls, enum MHD_ValueKind kind,
					const char *key, const char *value)
{
	const char **unknown = cls;
	for (size_t i = 0; query_keys[i] != NULL; i++) {
		if (strcmp(key, query_keys[i]) == 0) {
			return MHD_YES;
		}
	}
	*unknown = key;
	return MHD_NO;
}

/* Reads limit, after, name/type/value and If-Match into args. An
 * unknown query parameter is refused like an unknown body field, so a
 * typo ("?nmae=www") never widens a listing or a deletion silently. */
static int read_query(struct api_req *r, struct MHD_Connection *conn,
		      struct api_args *args)
{
	const char *unknown = NULL;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND,
				  find_unknown_key, &unknown);
	if (unknown != NULL) {
		return api_fail_at(r, 400, unknown,
				   "unknown query parameter '%s'; the API takes limit, after, name, type, value and secret where they apply",
				   unknown);
	}

	const char *limit = query(conn, "limit");
	args->limit = DEFAULT_LIMIT;
	if (limit != NULL) {
		char *end = NULL;
		unsigned long value = strtoul(limit, &end, 10);
		if (limit[0] == '\0' || *end != '\0' || value < 1 ||
		    value > MAX_LIMIT) {
			return api_fail_at(r, 400, "limit",
					   "limit is a number from 1 to %d",
					   MAX_LIMIT);
		}
		args->limit = value;
	}
	args->after = query(conn, "after");
	args->q_name = query(conn, "name");
	args->q_type = query(conn, "type");
	args->q_value = query(conn, "value");
	args->q_secret = query(conn, "secret");

	/* If-Match: 3, "3" or W/"3"; "*" matches any current version (RFC
	 * 9110 section 13.1.1), as no If-Match does once the resource is
	 * found. */
	const char *match = MHD_lookup_connection_value(conn,
							MHD_HEADER_KIND,
							"If-Match");
	args->if_match = -1;
	if (match != NULL && strcmp(match, "*") != 0) {
		const char *p = match;
		p += strncmp(p, "W/", 2) == 0 ? 2 : 0;
		p += *p == '"' ? 1 : 0;
		char *end = NULL;
		long long value = strtoll(p, &end, 10);
		end += *end == '"' ? 1 : 0;
		if (end == p || *end != '\0' || value < 0) {
			return api_fail_at(r, 400, "If-Match",
					   "If-Match takes the resource's version, e.g. If-Match: 3");
		}
		args->if_match = value;
	}
	return 0;
}

static int parse_body(struct api_req *r, const struct conn_ctx *ctx,
		      json_t **body)
{
	*body = NULL;
	if (ctx->len == 0) {
		return 0;
	}
	json_error_t error;
	*body = json_loadb(ctx->body, ctx->len, JSON_REJECT_DUPLICATES, &error);
	if (*body == NULL) {
		return api_fail_at(r, 400, NULL,
				   "the body is not valid JSON: %s (line %d, column %d)",
				   error.text, error.line, error.column);
	}
	return 0;
}

/* Emits the queued notices of a committed change. */
static void log_notes(const struct api_req *r, uint64_t version)
{
	for (size_t i = 0; i < r->notes.n; i++) {
		const char *tab = strchr(r->notes.v[i], '\t');
		if (tab == NULL) {
			continue;
		}
		char fields[256];
		snprintf(fields, sizeof(fields),
			 "%.*s uid=%" PRIu32 " pid=%" PRId32 " version=%" PRIu64,
			 (int)(tab - r->notes.v[i]), r->notes.v[i],
			 r->caller.uid, r->caller.pid, version);
		zg_log(ZG_LOG_NOTICE, "api", fields, "%s", tab + 1);
	}
}

/* Makes a committed change served before the reply (docs/api.md). */
static int publish(struct api_req *r, const struct store_commit *commit)
{
	struct config_publisher *pub = r->srv->pub;
	if (commit->version == 0) {
		return 0;
	}
	if (commit->config_changed) {
		config_publisher_mark_config(pub);
	}
	for (size_t i = 0; i < commit->zones.n; i++) {
		config_publisher_mark_zone(pub, commit->zones.v[i]);
	}
	int ret = config_publisher_sync(pub);
	if (ret != 0) {
		return api_fail_at(r, 500, NULL,
				   "the change is stored as version %" PRIu64 " but publishing it failed: %s; the previous configuration is still served and publishing is retried with the next change",
				   commit->version, zg_strerror(ret));
	}
	return 0;
}

/*
 * PATCH {} changes nothing: the update ran (so a stale If-Match, a
 * missing resource or a kind that takes no PATCH still answer as they
 * would), but its transaction is rolled back, so the version does not
 * move and the change log gets no entry; the reply is the resource as
 * stored.
 */
static int patch_nothing(struct api_req *r, const struct route *rt,
			 const struct api_args *args, json_t **out)
{
	store_rollback(r->store);
	store_strv_clear(&r->notes);
	json_decref(*out);
	*out = NULL;
	json_decref(r->warning);
	r->warning = NULL;
	int ret = store_begin(r->store, NULL);
	if (ret != 0) {
		return api_fail_at(r, 500, NULL,
				   "cannot open a transaction on the state database: %s",
				   store_last_error(r->store));
	}
	ret = rt->read_op(r, args, out);
	store_rollback(r->store);
	return ret;
}

/* Runs an operation in a transaction; commits and publishes writes. */
static int run_op(struct api_req *r, const struct route *rt,
		  const struct api_args *args, json_t **out)
{
	int ret = store_begin(r->store, rt->write ? &r->caller : NULL);
	if (ret != 0) {
		return api_fail_at(r, 500, NULL,
				   "cannot open a transaction on the state database: %s",
				   store_last_error(r->store));
	}
	ret = rt->op(r, args, out);
	if (ret != 0 || !rt->write) {
		store_rollback(r->store);
		return ret;
	}
	if (rt->read_op != NULL && json_is_object(args->body) &&
	    json_object_size(args->body) == 0) {
		return patch_nothing(r, rt, args, out);
	}

	struct store_commit commit = { 0 };
	ret = store_commit(r->store, &commit);
	if (ret != 0) {
		json_decref(*out);
		*out = NULL;
		return api_fail_at(r, 500, NULL,
				   "committing failed, nothing changed: %s",
				   store_last_error(r->store));
	}
	log_notes(r, commit.version);
	if (rt->change_set) {
		json_object_set_new(*out, "version",
				    json_integer((json_int_t)commit.version));
	}
	ret = publish(r, &commit);
	store_commit_clear(&commit);
	return ret;
}

static int dispatch(struct api_req *r, const struct route *rt,
		    struct api_args *args, json_t *body, json_t **out)
{
	switch (rt->kind) {
	case ROUTE_STATUS:
		return api_status(r, out);
	case ROUTE_EXPLAIN:
		return api_explain(r, body, out);
	case ROUTE_LINT:
		return api_lint(r, out);
	case ROUTE_STATS:
		return api_stats(r, out);
	case ROUTE_BACKUP:
		return api_backup(r, body, out);
	case ROUTE_RESTORE:
		return api_restore(r, body, out);
	case ROUTE_DOCTOR:
		return api_doctor(r, body, out);
	case ROUTE_CACHE_FLUSH:
		return api_cache_flush(r, body, out);
	case ROUTE_CACHE_STATS:
		return api_cache_stats(r, out);
	case ROUTE_VPN_STATUS:
		return api_vpn_status(r, args, out);
	case ROUTE_OP:
		break;
	}
	args->body = body;
	return run_op(r, rt, args, out);
}

static enum MHD_Result handle_request(struct api_server *srv,
				      struct MHD_Connection *conn,
				      const char *url, const char *method,
				      const struct conn_ctx *ctx)
{
	char buf[1024];
	char *seg[MAX_SEGMENTS];
	size_t n = split_path(url, buf, sizeof(buf), seg, MAX_SEGMENTS);
	struct route rt = { 0 };
	struct api_args args = { .if_match = -1 };
	int found = route(method, seg, n, &rt, &args);
	if (found == ZG_ENOENT) {
		return send_simple_error(conn, 404, "not_found",
					 "no such path; see docs/api.md");
	}
	if (found != 0) {
		return send_simple_error(conn, 405, "method_not_allowed",
					 "this path does not take that method");
	}

	struct api_req r = { .srv = srv, .store = srv->store };
	json_t *body = NULL, *out = NULL;
	int ret = peer_caller(conn, &r.caller);
	if (ret != 0) {
		api_fail_at(&r, 500, NULL, "cannot identify the caller: %s",
			    zg_strerror(ret));
	}
	if (ret == 0) {
		ret = read_query(&r, conn, &args);
	}
	if (ret == 0) {
		ret = parse_body(&r, ctx, &body);
	}
	if (ret == 0) {
		ret = dispatch(&r, &rt, &args, body, &out);
	}

	enum MHD_Result sent;
	if (ret != 0 || out == NULL) {
		if (r.err.status == 0) {
			api_fail_at(&r, 500, NULL, "internal error: %s",
				    zg_strerror(ret));
		}
		sent = send_error(conn, &r.err);
	} else {
		json_t *version = json_object_get(out, "version");
		int64_t etag = rt.single && !rt.write && json_is_integer(version)
			? json_integer_value(version) : -1;
		sent = send_json(conn, rt.ok_status, out, etag);
	}
	json_decref(out);
	json_decref(body);
	json_decref(r.warning);
	store_strv_clear(&r.notes);
	return sent;
}

/* True when Content-Length says the body passes MAX_BODY. */
static bool body_announced_too_large(struct MHD_Connection *conn)
{
	const char *text = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (text == NULL || text[0] < '0' || text[0] > '9') {
		return false;
	}
	errno = 0;
	char *end = NULL;
	unsigned long long len = strtoull(text, &end, 10);
	return errno == ERANGE || len > MAX_BODY;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct conn_ctx *ctx = *con_cls;
	if (ctx == NULL && body_announced_too_large(conn)) {
		/* Refused before a byte of it is read. */
		return send_simple_error(conn, 413, "invalid",
					 "the body is larger than 4 MiB; split the change set");
	}
	if (ctx == NULL) {
		ctx = calloc(1, sizeof(*ctx));
		*con_cls = ctx;
		return ctx != NULL ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size > 0) {
		size_t add = *upload_data_size;
		*upload_data_size = 0;
		if (ctx->too_large || ctx->len + add > MAX_BODY) {
			ctx->too_large = true;
			return MHD_YES;
		}
		char *grown = realloc(ctx->body, ctx->len + add + 1);
		if (grown == NULL) {
			return MHD_NO;
		}
		memcpy(grown + ctx->len, upload_data, add);
		ctx->body = grown;
		ctx->len += add;
		return MHD_YES;
	}
	if (ctx->too_large) {
		return send_simple_error(conn, 413, "invalid",
					 "the body is larger than 4 MiB; split the change set");
	}
	return handle_request(cls, conn, url, method, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode code)
{
	struct conn_ctx *ctx = *con_cls;
	if (ctx != NULL) {
		free(ctx->body);
		free(ctx);
		*con_cls = NULL;
	}
}

/*
 * Connections refused at the connection limit are logged at most once
 * a minute, with how many were refused since: a client opening
 * connections in a loop must not flood the log. libmicrohttpd's threads
 * log concurrently, hence the lock.
 */
#define REFUSED_LOG_INTERVAL_S 60

static pthread_mutex_t refused_lock = PTHREAD_MUTEX_INITIALIZER;
static bool refused_logged;		/* under refused_lock */
static time_t refused_logged_s;		/* CLOCK_MONOTONIC */
static unsigned long refused_held;	/* refusals not logged since */

/* True when a refusal is to be logged now; *held gets the refusals
 * held back since the last line. */
static bool refused_log_due(unsigned long *held)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&refused_lock);
	bool due = !refused_logged ||
		   now.tv_sec - refused_logged_s >= REFUSED_LOG_INTERVAL_S;
	if (due) {
		*held = refused_held;
		refused_held = 0;
		refused_logged = true;
		refused_logged_s = now.tv_sec;
	} else {
		refused_held++;
	}
	pthread_mutex_unlock(&refused_lock);
	return due;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = strlen(line);
	while (len > 0 && line[len - 1] == '\n') {
		line[--len] = '\0';
	}
	unsigned long held = 0;
	if (strstr(line, "reached connection limit") == NULL) {
		zg_log(ZG_LOG_WARNING, "api", NULL, "http server: %s", line);
	} else if (refused_log_due(&held)) {
		zg_log(ZG_LOG_WARNING, "api", NULL, "a connection was refused: %d API connections are open, the limit (%lu more refused since the last such line; logged at most once a minute)",
		       API_CONNECTION_LIMIT, held);
	}
}

/*
 * The socket
 */

/* Creates the missing directories above path (mode 0755). */
static int make_parent_dirs(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *parent = dirname(dir);
	for (char *p = parent + 1; *p != '\0'; p++) {
		if (*p != '/') {
			continue;
		}
		*p = '\0';
		if (mkdir(parent, 0755) != 0 && errno != EEXIST) {
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(parent, 0755) != 0 && errno != EEXIST) {
		return -errno;
	}
	return 0;
}

bool api_socket_in_use(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	if (strlen(path) >= sizeof(sun.sun_path) || lstat(path, &st) != 0 ||
	    !S_ISSOCK(st.st_mode)) {
		return false;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);
	if (fd < 0) {
		return false;
	}
	/* Refused or gone: a stale file. A full backlog (EAGAIN) still
	 * means somebody listens. */
	bool answers = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
		       errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return answers;
}

/* Binds a listening unix socket at path (mode 0660), replacing an old
 * socket file nobody answers on, but never another kind of file nor
 * the socket of a running zonegated (ZG_ECONFLICT). */
static int open_socket(const char *path, int *fd_out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		return ZG_EINVAL;
	}
	strcpy(sun.sun_path, path);

	int ret = make_parent_dirs(path);
	if (ret != 0) {
		return ret;
	}
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			return ZG_EEXIST;
		}
		if (api_socket_in_use(path)) {
			return ZG_ECONFLICT;
		}
		(void)unlink(path);
	}

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);
	if (fd < 0) {
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(path, 0660) != 0 || listen(fd, 64) != 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*fd_out = fd;
	return 0;
}

struct api_server *api_start(const char *path, struct store *store,
			     struct config_publisher *pub)
{
	char fields[PATH_MAX + 16];
	snprintf(fields, sizeof(fields), "socket=%s", path);
	struct api_server *srv = calloc(1, sizeof(*srv));
	if (srv == NULL || (srv->path = strdup(path)) == NULL) {
		free(srv);
		zg_log(ZG_LOG_ERROR, "api", fields,
		       "out of memory; the API is not served");
		return NULL;
	}
	srv->store = store;
	srv->pub = pub;
	srv->fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &srv->started);

	int ret = open_socket(path, &srv->fd);
	if (ret != 0) {
		zg_log(ZG_LOG_ERROR, "api", fields,
		       "cannot listen on the API socket: %s; the API is not served",
		       ret == ZG_EEXIST ? "a file that is not a socket is in the way"
		       : ret == ZG_ECONFLICT ? "another zonegated serves it"
					     : zg_strerror(ret));
		free(srv->path);
		free(srv);
		return NULL;
	}

	srv->mhd = MHD_start_daemon(
		MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, srv,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)srv->fd,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)API_CONNECTION_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)API_CONNECTION_TIMEOUT_S,
		MHD_OPTION_END);
	if (srv->mhd == NULL) {
		zg_log(ZG_LOG_ERROR, "api", fields,
		       "the HTTP server did not start; the API is not served");
		close(srv->fd);
		(void)unlink(path);
		free(srv->path);
		free(srv);
		return NULL;
	}
	zg_log(ZG_LOG_NOTICE, "api", fields, "management API listening");
	return srv;
}

void api_stop(struct api_server *api)
{
	if (api == NULL) {
		return;
	}
	/* Stopping closes the listening socket and waits for the
	 * connection threads. */
	MHD_stop_daemon(api->mhd);
	(void)unlink(api->path);
	free(api->path);
	free(api);
}
