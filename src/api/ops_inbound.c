/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inbound endpoints (/v1/inbound): listener addresses for clients
 * outside the VPCs, an allow-list of their sources, and the VPC whose
 * view they get (shared/resolution.md section 1.2). */
#include "api/api_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate.h"
#include "common/error.h"
#include "config/publish.h"

#define INBOUND_MAX_LISTEN 16
#define INBOUND_MAX_ALLOW 64

static const char *const inbound_keys[] = {
	"name", "vpc", "listen", "allow", NULL,
};

json_t *api_json_inbound(const struct store_inbound *ib)
{
	const struct store_meta *m = &ib->meta;
	return json_pack("{ss ss ss sI ss ss ss so so}", "id", m->resource_id,
			 "name", m->name, "account", m->account, "version",
			 (json_int_t)m->version, "created_at", m->created_at,
			 "updated_at", m->updated_at, "vpc", ib->vpc_id,
			 "listen", api_json_strv(&ib->listen), "allow",
			 api_json_strv(&ib->allow));
}

static int reply(struct api_req *r, const struct store_inbound *ib,
		 json_t **out)
{
	*out = api_json_inbound(ib);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

static int load(struct api_req *r, const char *inbound_id,
		struct store_inbound *ib)
{
	int ret = store_inbound_get(r->store, inbound_id, ib);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "inbound endpoint", inbound_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "an inbound endpoint") : 0;
}

int api_inbound_list(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	struct store_inbound *ibs = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_inbound_list(r->store, a->after, a->limit, &ibs, &n,
				     &more);
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 400, "after", "unknown cursor '%s'",
				   a->after);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "the inbound endpoints");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, api_json_inbound(&ibs[i])) !=
		    0) {
			json_decref(items);
			items = NULL;
		}
	}
	*out = api_json_page(items, more ? ibs[n - 1].meta.resource_id
					 : NULL);
	store_inbound_list_free(ibs, n);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_inbound_get(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_inbound ib = { 0 };
	int ret = load(r, a->id, &ib);
	if (ret == 0) {
		ret = reply(r, &ib, out);
	}
	store_inbound_clear(&ib);
	return ret;
}

/* Canonical, unique entries of a list field. */
static int read_list(struct api_req *r, json_t *array, const char *key,
		     bool listener, struct store_strv *out)
{
	store_strv_clear(out);
	for (size_t i = 0; i < json_array_size(array); i++) {
		const char *text = json_string_value(json_array_get(array, i));
		char field[32], canon[STORE_ADDR_LEN], msg[256];
		struct zg_addr addr;
		struct zg_prefix prefix;
		snprintf(field, sizeof(field), "%s[%zu]", key, i);
		int bad = listener
			? validate_listener(text, &addr, canon,
						sizeof(canon), msg, sizeof(msg))
			: validate_cidr(text, &prefix, canon,
					    sizeof(canon), msg, sizeof(msg));
		if (bad != 0) {
			return api_fail(r, 400, field, "%s", msg);
		}
		if (store_strv_has(out, canon)) {
			return api_fail(r, 400, field, "%s is listed twice",
					canon);
		}
		if (store_strv_push(out, canon) != 0) {
			return api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	return 0;
}

static int read_body(struct api_req *r, json_t *body,
		     struct store_inbound *ib, bool create)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	const char *name = NULL, *vpc = NULL;
	bool present = false;
	json_t *list = NULL;
	char msg[256];
	int ret = api_check_keys(r, body, inbound_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "name", create, &name, &present);
	}
	if (ret == 0 && present) {
		if (validate_resource_name(name, "in", msg,
					       sizeof(msg)) != 0) {
			return api_fail(r, 400, "name", "%s", msg);
		}
		snprintf(ib->meta.name, sizeof(ib->meta.name), "%s", name);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "vpc", create, &vpc, &present);
	}
	if (ret == 0 && present) {
		struct store_vpc v = { 0 };
		int found = store_vpc_get(r->store, vpc, &v);
		store_vpc_clear(&v);
		if (found == ZG_ENOENT) {
			return api_fail(r, 404, "vpc", "no VPC %s", vpc);
		}
		if (found != 0) {
			return api_fail_store(r, found, "a VPC");
		}
		snprintf(ib->vpc_id, sizeof(ib->vpc_id), "%s", vpc);
	}
	if (ret == 0) {
		ret = api_get_strings(r, body, "listen", create, 1,
				      INBOUND_MAX_LISTEN, &list, &present);
	}
	if (ret == 0 && present) {
		ret = read_list(r, list, "listen", true, &ib->listen);
	}
	if (ret == 0) {
		ret = api_get_strings(r, body, "allow", create, 1,
				      INBOUND_MAX_ALLOW, &list, &present);
	}
	if (ret == 0 && present) {
		ret = read_list(r, list, "allow", false, &ib->allow);
	}
	return ret;
}

int api_inbound_listener_owner(struct api_req *r, const char *listener,
			       const char *except_id, char *owner,
			       size_t ownerlen)
{
	struct store_inbound *ibs = NULL;
	size_t n = 0;
	bool more = false;
	owner[0] = '\0';
	int ret = store_inbound_list(r->store, NULL, 0, &ibs, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the inbound endpoints");
	}
	for (size_t i = 0; i < n && owner[0] == '\0'; i++) {
		if ((except_id == NULL ||
		     strcmp(ibs[i].meta.resource_id, except_id) != 0) &&
		    store_strv_has(&ibs[i].listen, listener)) {
			snprintf(owner, ownerlen, "%s",
				 ibs[i].meta.resource_id);
		}
	}
	store_inbound_list_free(ibs, n);
	return 0;
}

/* A listener is refused where zonegate already listens for something
 * else (a VPC, another endpoint, --dns-listen) and where a rule or an
 * upstream forwards to (a loop). */
static int check_listener(struct api_req *r, const struct store_inbound *ib,
			  size_t i)
{
	const char *text = ib->listen.v[i];
	char field[32], owner[STORE_ID_LEN];
	snprintf(field, sizeof(field), "listen[%zu]", i);
	struct zg_addr addr;
	if (addr_parse(text, 53, &addr) != 0) {
		return api_fail(r, 400, field, "%s is not an address", text);
	}

	struct store_vpc *vpcs = NULL;
	size_t n_vpcs = 0;
	bool more = false;
	int ret = store_vpc_list(r->store, NULL, 0, &vpcs, &n_vpcs, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of VPCs");
	}
	for (size_t v = 0; ret == 0 && v < n_vpcs; v++) {
		if (store_strv_has(&vpcs[v].listen, text)) {
			ret = api_fail(r, 409, field,
				       "%s is already a listener of %s (%s)",
				       text, vpcs[v].meta.resource_id,
				       vpcs[v].meta.name);
		}
	}
	store_vpc_list_free(vpcs, n_vpcs);
	if (ret == 0) {
		ret = api_inbound_listener_owner(r, text, ib->meta.resource_id,
						 owner, sizeof(owner));
	}
	if (ret == 0 && owner[0] != '\0') {
		ret = api_fail(r, 409, field,
			       "%s is already a listener of %s", text, owner);
	}
	size_t n_extra = 0;
	const struct zg_addr *extra =
		config_publisher_extra_listen(r->srv->pub, &n_extra);
	for (size_t e = 0; ret == 0 && e < n_extra; e++) {
		if (addr_equal(&extra[e], &addr)) {
			ret = api_fail(r, 409, field,
				       "%s is a --dns-listen address of the daemon, which serves every VPC by source",
				       text);
		}
	}
	if (ret == 0) {
		ret = api_check_not_target(r, field, &addr, text);
	}
	return ret;
}

static int check_inbound(struct api_req *r, const struct store_inbound *ib)
{
	struct store_inbound *all = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_inbound_list(r->store, NULL, 0, &all, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the inbound endpoints");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (strcmp(all[i].meta.resource_id, ib->meta.resource_id) !=
		    0 && strcmp(all[i].meta.name, ib->meta.name) == 0) {
			ret = api_fail(r, 409, "name",
				       "%s already has the name %s",
				       all[i].meta.resource_id, ib->meta.name);
		}
	}
	store_inbound_list_free(all, n);
	for (size_t i = 0; ret == 0 && i < ib->listen.n; i++) {
		ret = check_listener(r, ib, i);
	}
	return ret;
}

static void note(struct api_req *r, const struct store_inbound *ib,
		 const char *verb)
{
	char fields[2 * STORE_ID_LEN + 32];
	snprintf(fields, sizeof(fields), "inbound_id=%s vpc_id=%s",
		 ib->meta.resource_id, ib->vpc_id);
	api_note(r, fields, "%s inbound endpoint %s with %zu listeners and %zu allowed prefixes",
		 verb, ib->meta.name, ib->listen.n, ib->allow.n);
}

int api_inbound_create(struct api_req *r, const struct api_args *a,
		       json_t **out)
{
	struct store_inbound ib = { 0 };
	int ret = read_body(r, a->body, &ib, true);
	if (ret == 0) {
		ret = check_inbound(r, &ib);
	}
	if (ret == 0) {
		ret = store_inbound_create(r->store, &ib);
		if (ret != 0) {
			ret = api_fail_store(r, ret,
					     "creating the inbound endpoint");
		}
	}
	if (ret == 0) {
		note(r, &ib, "created");
		ret = reply(r, &ib, out);
	}
	store_inbound_clear(&ib);
	return ret;
}

int api_inbound_update(struct api_req *r, const struct api_args *a,
		       json_t **out)
{
	struct store_inbound ib = { 0 };
	int ret = load(r, a->id, &ib);
	if (ret == 0) {
		ret = api_check_version(r, a, ib.meta.version);
	}
	if (ret == 0) {
		ret = read_body(r, a->body, &ib, false);
	}
	if (ret == 0) {
		ret = check_inbound(r, &ib);
	}
	if (ret == 0) {
		ret = store_inbound_update(r->store, &ib);
		if (ret != 0) {
			ret = api_fail_store(r, ret,
					     "updating the inbound endpoint");
		}
	}
	if (ret == 0) {
		note(r, &ib, "updated");
		ret = reply(r, &ib, out);
	}
	store_inbound_clear(&ib);
	return ret;
}

int api_inbound_delete(struct api_req *r, const struct api_args *a,
		       json_t **out)
{
	struct store_inbound ib = { 0 };
	int ret = load(r, a->id, &ib);
	if (ret == 0) {
		ret = api_check_version(r, a, ib.meta.version);
	}
	if (ret == 0) {
		ret = store_inbound_delete(r->store, a->id);
		if (ret != 0) {
			ret = api_fail_store(r, ret,
					     "deleting the inbound endpoint");
		}
	}
	if (ret == 0) {
		note(r, &ib, "deleted");
		*out = api_json_deleted(&a->id, 1);
		if (*out == NULL) {
			ret = api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	store_inbound_clear(&ib);
	return ret;
}
