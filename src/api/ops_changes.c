/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Change sets (several changes in one transaction, all or nothing) and
 * the change log. */
#include "api/api_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define MAX_CHANGES 1000

static const char *const change_set_keys[] = { "changes", NULL };
static const char *const change_keys[] = {
	"op", "kind", "id", "zone", "if_match", "data", NULL,
};

int api_change_log(struct api_req *r, const struct api_args *a,
		   json_t **out)
{
	struct store_change *changes = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_change_list(r->store, a->after, a->limit, &changes, &n,
				    &more);
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 400, "after", "unknown cursor '%s'",
				   a->after);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "the change log");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items,
					  api_json_change(&changes[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	char next[24];
	if (more) {
		snprintf(next, sizeof(next), "%" PRIu64, changes[n - 1].seq);
	}
	*out = api_json_page(items, more ? next : NULL);
	store_change_list_free(changes, n);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

/*
 * Change sets
 */

/* One change: which operation, and the arguments it gets. */
struct change {
	const char *op;
	const char *kind;
	struct api_args args;
	json_t *data;			/* owned copy, references resolved */
	char id[STORE_ID_LEN];
	char zone[STORE_ID_LEN];
	char sub[STORE_ID_LEN];
};

/*
 * Resolves "$N", the id of the result of change N (N before this one),
 * so that one change set can create a zone and add records to it.
 */
static int resolve_ref(struct api_req *r, json_t *results, const char *text,
		       const char *field, char *out, size_t outlen)
{
	if (text[0] != '$') {
		snprintf(out, outlen, "%s", text);
		return 0;
	}
	char *end = NULL;
	unsigned long n = strtoul(text + 1, &end, 10);
	json_t *result = text[1] != '\0' && *end == '\0'
		? json_array_get(results, n) : NULL;
	const char *id = json_string_value(json_object_get(result, "id"));
	if (id == NULL) {
		return api_fail_at(r, 400, field,
				   "%s does not name an earlier change of this set that made a resource",
				   text);
	}
	snprintf(out, outlen, "%s", id);
	return 0;
}

/* Reads an optional string member of a change, resolving "$N". */
static int change_string(struct api_req *r, json_t *obj, const char *key,
			 const char *field, json_t *results, char *out,
			 size_t outlen)
{
	json_t *value = json_object_get(obj, key);
	out[0] = '\0';
	if (value == NULL) {
		return 0;
	}
	if (!json_is_string(value)) {
		return api_fail_at(r, 400, field, "%s must be a string", field);
	}
	return resolve_ref(r, results, json_string_value(value), field, out,
			   outlen);
}

/* Resolves "$N" in the data members that name other resources. */
static int resolve_data_refs(struct api_req *r, json_t *data,
			     json_t *results)
{
	static const char *const ref_keys[] = { "vpc", "endpoint" };
	for (size_t i = 0; i < sizeof(ref_keys) / sizeof(*ref_keys); i++) {
		json_t *value = json_object_get(data, ref_keys[i]);
		if (!json_is_string(value) ||
		    json_string_value(value)[0] != '$') {
			continue;
		}
		char field[96], id[STORE_ID_LEN];
		snprintf(field, sizeof(field), "%s%s", r->prefix, ref_keys[i]);
		int ret = resolve_ref(r, results, json_string_value(value),
				      field, id, sizeof(id));
		if (ret != 0) {
			return ret;
		}
		json_object_set_new(data, ref_keys[i], json_string(id));
	}
	return 0;
}

static int read_change(struct api_req *r, json_t *obj, size_t i,
		       json_t *results, struct change *c)
{
	char field[32];
	snprintf(field, sizeof(field), "changes[%zu]", i);
	if (!json_is_object(obj)) {
		return api_fail_at(r, 400, field,
				   "a change is an object {op, kind, id, zone, data}");
	}
	char saved[sizeof(r->prefix)];
	memcpy(saved, r->prefix, sizeof(saved));
	snprintf(r->prefix, sizeof(r->prefix), "%s.", field);
	int ret = api_check_keys(r, obj, change_keys);
	if (ret == 0) {
		ret = api_get_string(r, obj, "op", true, &c->op, NULL);
	}
	if (ret == 0) {
		ret = api_get_string(r, obj, "kind", true, &c->kind, NULL);
	}
	uint64_t if_match = 0;
	bool has_if_match = false;
	if (ret == 0) {
		ret = api_get_uint(r, obj, "if_match", INT64_MAX, &if_match,
				   &has_if_match);
	}
	memcpy(r->prefix, saved, sizeof(saved));
	c->args.if_match = has_if_match ? (int64_t)if_match : -1;

	snprintf(r->id_field, sizeof(r->id_field), "%s.id", field);
	snprintf(r->zone_field, sizeof(r->zone_field), "%s.zone", field);
	snprintf(r->prefix, sizeof(r->prefix), "%s.data.", field);
	if (ret == 0) {
		ret = change_string(r, obj, "id", r->id_field, results, c->id,
				    sizeof(c->id));
	}
	if (ret == 0) {
		ret = change_string(r, obj, "zone", r->zone_field, results,
				    c->zone, sizeof(c->zone));
	}

	json_t *data = json_object_get(obj, "data");
	if (ret == 0 && data != NULL && !json_is_object(data)) {
		ret = api_fail_at(r, 400, r->prefix, "data must be an object");
	}
	c->data = ret == 0 ? (data != NULL ? json_deep_copy(data)
					    : json_object())
			   : NULL;
	if (ret == 0 && c->data == NULL) {
		ret = api_fail_at(r, 500, NULL, "out of memory");
	}
	if (ret == 0) {
		ret = resolve_data_refs(r, c->data, results);
	}
	c->args.body = c->data;
	return ret;
}

/* Checks a member the operation needs is there. */
static int need(struct api_req *r, const char *value, const char *field,
		const char *what)
{
	if (value[0] != '\0') {
		return 0;
	}
	return api_fail_at(r, 400, field, "%s", what);
}

/* The string member key of data (for unbinding and RRset deletion). */
static const char *data_string(json_t *data, const char *key)
{
	return json_string_value(json_object_get(data, key));
}

typedef int (*op_table_fn)(struct api_req *, const struct api_args *,
			   json_t **);

struct op_entry {
	const char *kind;
	const char *op;
	op_table_fn fn;
	bool needs_id;
};

static const struct op_entry op_table[] = {
	{ "vpc", "create", api_vpc_create, false },
	{ "vpc", "update", api_vpc_update, true },
	{ "vpc", "delete", api_vpc_delete, true },
	{ "zone", "create", api_zone_create, false },
	{ "zone", "update", api_zone_update, true },
	{ "zone", "delete", api_zone_delete, true },
	{ "zone", "bind", api_zone_bind, true },
	{ "zone", "unbind", api_zone_unbind, true },
	{ "endpoint", "create", api_endpoint_create, false },
	{ "endpoint", "update", api_endpoint_update, true },
	{ "endpoint", "delete", api_endpoint_delete, true },
	{ "rule", "create", api_rule_create, false },
	{ "rule", "update", api_rule_update, true },
	{ "rule", "delete", api_rule_delete, true },
	{ "rule", "bind", api_rule_bind, true },
	{ "rule", "unbind", api_rule_unbind, true },
	{ "upstream", "create", api_upstream_put, false },
	{ "upstream", "update", api_upstream_put, false },
	{ "upstream", "delete", api_upstream_delete, false },
};

/* Records are addressed through their zone. */
static int run_record_change(struct api_req *r, struct change *c,
			     json_t **out)
{
	int ret = need(r, c->zone, r->zone_field,
		       "a record change names its zone");
	if (ret != 0) {
		return ret;
	}
	c->args.id = c->zone;
	c->args.sub_id = c->id;
	if (strcmp(c->op, "create") == 0) {
		return api_record_create(r, &c->args, out);
	}
	if (strcmp(c->op, "update") == 0) {
		ret = need(r, c->id, r->id_field,
			   "updating a record needs its id");
		return ret != 0 ? ret : api_record_update(r, &c->args, out);
	}
	if (strcmp(c->op, "delete") == 0 && c->id[0] != '\0') {
		return api_record_delete(r, &c->args, out);
	}
	if (strcmp(c->op, "delete") == 0) {
		/* Without an id: the RRset data.name data.type, or one value
		 * of it with data.value. */
		c->args.q_name = data_string(c->data, "name");
		c->args.q_type = data_string(c->data, "type");
		c->args.q_value = data_string(c->data, "value");
		return api_rrset_delete(r, &c->args, out);
	}
	return api_fail_at(r, 400, r->id_field, "unknown op");
}

static int run_change(struct api_req *r, struct change *c, size_t i,
		      json_t **out)
{
	char field[64];
	if (strcmp(c->kind, "record") == 0) {
		if (strcmp(c->op, "create") != 0 &&
		    strcmp(c->op, "update") != 0 &&
		    strcmp(c->op, "delete") != 0) {
			snprintf(field, sizeof(field), "changes[%zu].op", i);
			return api_fail_at(r, 400, field,
					   "records take the ops create, update and delete");
		}
		return run_record_change(r, c, out);
	}

	const struct op_entry *entry = NULL;
	bool kind_known = false;
	for (size_t k = 0; k < sizeof(op_table) / sizeof(*op_table); k++) {
		if (strcmp(op_table[k].kind, c->kind) == 0) {
			kind_known = true;
			if (strcmp(op_table[k].op, c->op) == 0) {
				entry = &op_table[k];
			}
		}
	}
	if (!kind_known) {
		snprintf(field, sizeof(field), "changes[%zu].kind", i);
		return api_fail_at(r, 400, field,
				   "kind is vpc, zone, record, endpoint, rule or upstream");
	}
	if (entry == NULL) {
		snprintf(field, sizeof(field), "changes[%zu].op", i);
		return api_fail_at(r, 400, field,
				   "a %s takes the ops create, update, delete%s",
				   c->kind,
				   strcmp(c->kind, "zone") == 0 ||
				   strcmp(c->kind, "rule") == 0
				   ? ", bind and unbind" : "");
	}

	if (strcmp(c->kind, "upstream") == 0) {
		/* The upstream is named by id ("global" or a vpc id) or by
		 * data.vpc; none means the global one. */
		const char *vpc_id = data_string(c->data, "vpc");
		if (c->id[0] == '\0') {
			snprintf(c->id, sizeof(c->id), "%s",
				 vpc_id != NULL ? vpc_id : "global");
		}
		json_object_del(c->data, "vpc");
	}
	if (entry->needs_id) {
		int ret = need(r, c->id, r->id_field,
			       "this change needs the id of its resource");
		if (ret != 0) {
			return ret;
		}
	}
	if (strcmp(c->op, "unbind") == 0) {
		c->args.sub_id = data_string(c->data, "vpc");
		if (c->args.sub_id == NULL) {
			return api_fail(r, 400, "vpc", "vpc is required");
		}
	}
	c->args.id = c->id;
	return entry->fn(r, &c->args, out);
}

int api_change_set(struct api_req *r, const struct api_args *a,
		   json_t **out)
{
	json_t *body = a->body;
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL,
				"the body must be a JSON object {\"changes\": [...]}");
	}
	json_t *list = json_object_get(body, "changes");
	int ret = api_check_keys(r, body, change_set_keys);
	if (ret == 0 && (!json_is_array(list) || json_array_size(list) == 0 ||
			 json_array_size(list) > MAX_CHANGES)) {
		ret = api_fail(r, 400, "changes",
			       "changes must be a list of 1 to %d changes",
			       MAX_CHANGES);
	}
	json_t *results = ret == 0 ? json_array() : NULL;
	if (ret == 0 && results == NULL) {
		ret = api_fail_at(r, 500, NULL, "out of memory");
	}

	for (size_t i = 0; ret == 0 && i < json_array_size(list); i++) {
		struct change c = { .args = { .if_match = -1 } };
		json_t *result = NULL;
		json_decref(r->warning);
		r->warning = NULL;
		ret = read_change(r, json_array_get(list, i), i, results, &c);
		if (ret == 0) {
			ret = run_change(r, &c, i, &result);
		}
		if (ret == 0) {
			if (r->warning != NULL &&
			    json_object_get(result, "warning") == NULL) {
				json_object_set(result, "warning", r->warning);
			}
			json_array_append_new(results, result);
		}
		json_decref(c.data);
	}
	r->prefix[0] = '\0';
	r->id_field[0] = '\0';
	r->zone_field[0] = '\0';
	json_decref(r->warning);
	r->warning = NULL;

	if (ret != 0) {
		json_decref(results);
		return ret;
	}
	*out = json_object();
	if (*out == NULL || json_object_set_new(*out, "results", results) != 0) {
		json_decref(*out);
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	return 0;
}
