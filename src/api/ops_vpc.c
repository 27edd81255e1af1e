/* SPDX-License-Identifier: GPL-3.0-or-later */
/* VPCs: create, update, delete, read, with the CIDR overlap and listener
 * rules. */
#include "api/api_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate.h"
#include "common/error.h"
#include "config/publish.h"

#define VPC_MAX_CIDRS 64
#define VPC_MAX_LISTEN 16

static const char *const vpc_keys[] = {
	"name", "cidrs", "listen", "builtin_zones", NULL,
};

int api_vpc_list(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_vpc *vpcs = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_vpc_list(r->store, a->after, a->limit, &vpcs, &n,
				 &more);
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 400, "after", "unknown cursor '%s'",
				   a->after);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of VPCs");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, api_json_vpc(&vpcs[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	*out = api_json_page(items, more ? vpcs[n - 1].meta.resource_id
					 : NULL);
	store_vpc_list_free(vpcs, n);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_vpc_get(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_vpc vpc = { 0 };
	int ret = store_vpc_get(r->store, a->id, &vpc);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "VPC", a->id);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "a VPC");
	}
	*out = api_json_vpc(&vpc);
	store_vpc_clear(&vpc);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

/* Replaces *list with the canonical form of the strings in array,
 * refusing bad or repeated entries. */
static int read_cidrs(struct api_req *r, json_t *array,
		      struct store_strv *list)
{
	struct zg_prefix prefixes[VPC_MAX_CIDRS];
	store_strv_clear(list);
	for (size_t i = 0; i < json_array_size(array) && i < VPC_MAX_CIDRS;
	     i++) {
		const char *text = json_string_value(json_array_get(array, i));
		char field[32], canon[STORE_ADDR_LEN], msg[256];
		struct zg_prefix *prefix = &prefixes[i];
		snprintf(field, sizeof(field), "cidrs[%zu]", i);
		if (validate_cidr(text, prefix, canon, sizeof(canon), msg,
				      sizeof(msg)) != 0) {
			return api_fail(r, 400, field, "%s", msg);
		}
		if (store_strv_has(list, canon)) {
			return api_fail(r, 400, field, "%s is listed twice",
					canon);
		}
		/* Nested CIDRs of one VPC say nothing the wider one does
		 * not, and make the longest-prefix rule harder to read. */
		for (size_t j = 0; j < i; j++) {
			if (prefix_overlaps(prefix, &prefixes[j])) {
				return api_fail(r, 400, field,
						"%s overlaps %s (cidrs[%zu]) of the same VPC; list only the wider one",
						canon, list->v[j], j);
			}
		}
		if (store_strv_push(list, canon) != 0) {
			return api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	return 0;
}

static int read_listen(struct api_req *r, json_t *array,
		       struct store_strv *list)
{
	store_strv_clear(list);
	for (size_t i = 0; i < json_array_size(array); i++) {
		const char *text = json_string_value(json_array_get(array, i));
		char field[32], canon[STORE_ADDR_LEN], msg[256];
		struct zg_addr addr;
		snprintf(field, sizeof(field), "listen[%zu]", i);
		if (validate_listener(text, &addr, canon, sizeof(canon),
					  msg, sizeof(msg)) != 0) {
			return api_fail(r, 400, field, "%s", msg);
		}
		if (store_strv_has(list, canon)) {
			return api_fail(r, 400, field, "%s is listed twice",
					canon);
		}
		if (store_strv_push(list, canon) != 0) {
			return api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	return 0;
}

/* Reads the body into vpc: every field on create, the given ones on
 * update. */
static int read_vpc_body(struct api_req *r, json_t *body,
			 struct store_vpc *vpc, bool create)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	int ret = api_check_keys(r, body, vpc_keys);
	const char *name = NULL;
	bool present = false;
	char msg[256];
	if (ret == 0) {
		ret = api_get_string(r, body, "name", create, &name, &present);
	}
	if (ret == 0 && present) {
		if (validate_resource_name(name, "vpc", msg,
					       sizeof(msg)) != 0) {
			return api_fail(r, 400, "name", "%s", msg);
		}
		snprintf(vpc->meta.name, sizeof(vpc->meta.name), "%s", name);
	}

	json_t *list = NULL;
	if (ret == 0) {
		ret = api_get_strings(r, body, "cidrs", create, 1,
				      VPC_MAX_CIDRS, &list, &present);
	}
	if (ret == 0 && present) {
		ret = read_cidrs(r, list, &vpc->cidrs);
	}
	if (ret == 0) {
		ret = api_get_strings(r, body, "listen", false, 0,
				      VPC_MAX_LISTEN, &list, &present);
	}
	if (ret == 0 && present) {
		ret = read_listen(r, list, &vpc->listen);
	}
	if (ret == 0) {
		ret = api_get_bool(r, body, "builtin_zones",
				   &vpc->builtin_zones, NULL);
	}
	return ret;
}

static struct zg_prefix *parse_prefixes(const struct store_strv *cidrs)
{
	struct zg_prefix *out = calloc(cidrs->n + 1, sizeof(*out));
	for (size_t i = 0; out != NULL && i < cidrs->n; i++) {
		if (prefix_parse(cidrs->v[i], &out[i]) != 0) {
			memset(&out[i], 0, sizeof(out[i]));
		}
	}
	return out;
}

static int check_cidr_overlap(struct api_req *r, const struct store_vpc *vpc,
			      const struct store_vpc *all, size_t n_all)
{
	struct validate_vpc_cidrs *others = calloc(n_all + 1, sizeof(*others));
	struct validate_vpc_cidrs self = {
		.vpc_id = vpc->meta.resource_id,
		.cidrs = parse_prefixes(&vpc->cidrs),
		.n_cidrs = vpc->cidrs.n,
		.has_listeners = vpc->listen.n > 0,
	};
	int ret = others == NULL || self.cidrs == NULL
		? api_fail_at(r, 500, NULL, "out of memory") : 0;
	for (size_t i = 0; ret == 0 && i < n_all; i++) {
		others[i] = (struct validate_vpc_cidrs){
			.vpc_id = all[i].meta.resource_id,
			.cidrs = parse_prefixes(&all[i].cidrs),
			.n_cidrs = all[i].cidrs.n,
			.has_listeners = all[i].listen.n > 0,
		};
		if (others[i].cidrs == NULL) {
			ret = api_fail_at(r, 500, NULL, "out of memory");
		}
	}

	struct validate_overlap where;
	if (ret == 0 && validate_find_cidr_conflict(&self, others, n_all, &where)) {
		const struct store_vpc *other = &all[where.other];
		char field[32];
		snprintf(field, sizeof(field), "cidrs[%zu]", where.cidr);
		ret = api_fail(r, 409, field,
			       "%s overlaps %s of %s (%s); CIDRs of two VPCs may overlap only when both have listener addresses",
			       vpc->cidrs.v[where.cidr],
			       other->cidrs.v[where.other_cidr],
			       other->meta.resource_id, other->meta.name);
	}

	for (size_t i = 0; others != NULL && i < n_all; i++) {
		free((void *)others[i].cidrs);
	}
	free(others);
	free((void *)self.cidrs);
	return ret;
}

/* A listener that a rule or an upstream forwards to would make zonegate
 * forward to itself. */
static int check_listener_not_target(struct api_req *r, const char *field,
				     const struct zg_addr *listener,
				     const char *text)
{
	struct store_rule *rules = NULL;
	struct store_upstream *ups = NULL;
	size_t n_rules = 0, n_ups = 0;
	bool more = false;
	int ret = store_rule_list(r->store, NULL, 0, &rules, &n_rules, &more);
	if (ret == 0) {
		ret = store_upstream_list(r->store, NULL, 0, &ups, &n_ups,
					  &more);
	}
	if (ret != 0) {
		ret = api_fail_store(r, ret, "rules and upstreams");
	}
	for (size_t i = 0; ret == 0 && i < n_rules + n_ups; i++) {
		const struct store_strv *targets = i < n_rules
			? &rules[i].targets : &ups[i - n_rules].targets;
		const char *owner = i < n_rules
			? rules[i].meta.resource_id
			: ups[i - n_rules].meta.resource_id;
		for (size_t j = 0; ret == 0 && j < targets->n; j++) {
			struct zg_addr t;
			if (addr_parse(targets->v[j], 53, &t) == 0 &&
			    validate_target_is_own(&t, listener, 1)) {
				ret = api_fail(r, 409, field,
					       "%s forwards to %s; a listener there would make zonegate forward to itself",
					       owner, text);
			}
		}
	}
	store_rule_list_free(rules, n_rules);
	store_upstream_list_free(ups, n_ups);
	return ret;
}

int api_check_not_target(struct api_req *r, const char *field,
			 const struct zg_addr *listener, const char *text)
{
	return check_listener_not_target(r, field, listener, text);
}

/*
 * The daemon's --dns-listen addresses serve every VPC by source. A VPC
 * listener on one of them would claim every query arriving there for
 * that VPC; one on an address a wildcard --dns-listen (0.0.0.0 or ::,
 * IPv6 only) receives on the same port would take those queries from
 * the shared listener.
 */
static int check_not_daemon_listen(struct api_req *r, const char *field,
				   const struct zg_addr *listener,
				   const char *text)
{
	size_t n_extra = 0;
	const struct zg_addr *extra =
		config_publisher_extra_listen(r->srv->pub, &n_extra);
	for (size_t e = 0; e < n_extra; e++) {
		char own[ZG_ADDR_STRLEN + 8];
		addr_format(&extra[e], true, own, sizeof(own));
		if (addr_equal(&extra[e], listener)) {
			return api_fail(r, 409, field,
					"%s is a --dns-listen address of the daemon, which serves every VPC by source; choose an address of the VPC's own",
					text);
		}
		if (addr_is_unspecified(&extra[e]) &&
		    addr_family(&extra[e]) == addr_family(listener) &&
		    addr_port(&extra[e]) == addr_port(listener)) {
			return api_fail(r, 409, field,
					"%s is served by the daemon's wildcard --dns-listen %s, which serves every VPC by source; choose another address or port",
					text, own);
		}
	}
	return 0;
}

static int check_listeners(struct api_req *r, const struct store_vpc *vpc,
			   const struct store_vpc *all, size_t n_all)
{
	for (size_t i = 0; i < vpc->listen.n; i++) {
		char field[32];
		snprintf(field, sizeof(field), "listen[%zu]", i);
		for (size_t o = 0; o < n_all; o++) {
			if (strcmp(all[o].meta.resource_id,
				   vpc->meta.resource_id) != 0 &&
			    store_strv_has(&all[o].listen, vpc->listen.v[i])) {
				return api_fail(r, 409, field,
						"%s is already a listener of %s (%s)",
						vpc->listen.v[i],
						all[o].meta.resource_id,
						all[o].meta.name);
			}
		}
		char inbound[STORE_ID_LEN];
		int ret = api_inbound_listener_owner(r, vpc->listen.v[i], NULL,
						     inbound, sizeof(inbound));
		if (ret == 0 && inbound[0] != '\0') {
			ret = api_fail(r, 409, field,
				       "%s is already a listener of %s",
				       vpc->listen.v[i], inbound);
		}
		if (ret != 0) {
			return ret;
		}
		struct zg_addr listener;
		if (addr_parse(vpc->listen.v[i], 53, &listener) != 0) {
			continue;
		}
		ret = check_not_daemon_listen(r, field, &listener,
					      vpc->listen.v[i]);
		if (ret == 0) {
			ret = check_listener_not_target(r, field, &listener,
							vpc->listen.v[i]);
		}
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

/* The rules a VPC must keep with the others: unique name, CIDR overlap,
 * unique listeners that nothing forwards to. */
static int check_vpc(struct api_req *r, const struct store_vpc *vpc)
{
	struct store_vpc *all = NULL;
	size_t n_all = 0;
	bool more = false;
	int ret = store_vpc_list(r->store, NULL, 0, &all, &n_all, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of VPCs");
	}
	for (size_t i = 0; ret == 0 && i < n_all; i++) {
		if (strcmp(all[i].meta.resource_id,
			   vpc->meta.resource_id) != 0 &&
		    strcmp(all[i].meta.name, vpc->meta.name) == 0) {
			ret = api_fail(r, 409, "name",
				       "%s already has the name %s",
				       all[i].meta.resource_id, vpc->meta.name);
		}
	}
	if (ret == 0) {
		ret = check_cidr_overlap(r, vpc, all, n_all);
	}
	if (ret == 0) {
		ret = check_listeners(r, vpc, all, n_all);
	}
	store_vpc_list_free(all, n_all);
	return ret;
}

static int vpc_reply(struct api_req *r, const struct store_vpc *vpc,
		     json_t **out)
{
	*out = api_json_vpc(vpc);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_vpc_create(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_vpc vpc = { .builtin_zones = true };
	int ret = read_vpc_body(r, a->body, &vpc, true);
	if (ret == 0) {
		ret = check_vpc(r, &vpc);
	}
	if (ret == 0) {
		ret = store_vpc_create(r->store, &vpc);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "creating the VPC");
		}
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "vpc_id=%s",
			 vpc.meta.resource_id);
		api_note(r, fields, "created vpc %s with %zu cidrs and %zu listeners",
			 vpc.meta.name, vpc.cidrs.n, vpc.listen.n);
		ret = vpc_reply(r, &vpc, out);
	}
	store_vpc_clear(&vpc);
	return ret;
}

int api_vpc_update(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_vpc vpc = { 0 };
	int ret = store_vpc_get(r->store, a->id, &vpc);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "VPC", a->id);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "a VPC");
	}
	ret = api_check_version(r, a, vpc.meta.version);
	if (ret == 0) {
		ret = read_vpc_body(r, a->body, &vpc, false);
	}
	if (ret == 0) {
		ret = check_vpc(r, &vpc);
	}
	if (ret == 0) {
		ret = store_vpc_update(r->store, &vpc);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "updating the VPC");
		}
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "vpc_id=%s",
			 vpc.meta.resource_id);
		api_note(r, fields, "updated vpc %s (version %lld)",
			 vpc.meta.name, (long long)vpc.meta.version);
		ret = vpc_reply(r, &vpc, out);
	}
	store_vpc_clear(&vpc);
	return ret;
}

/* Lists what still refers to vpc_id into refs ("zone-1, rule-2"). */
static int vpc_users(struct api_req *r, const char *vpc_id, char *refs,
		     size_t len)
{
	struct store_zone *zones = NULL;
	struct store_rule *rules = NULL;
	struct store_endpoint *eps = NULL;
	size_t n_zones = 0, n_rules = 0, n_eps = 0;
	bool more = false;
	refs[0] = '\0';
	int ret = store_zone_list(r->store, NULL, 0, &zones, &n_zones, &more);
	if (ret == 0) {
		ret = store_rule_list(r->store, NULL, 0, &rules, &n_rules,
				      &more);
	}
	if (ret == 0) {
		ret = store_endpoint_list(r->store, NULL, 0, &eps, &n_eps,
					  &more);
	}

#define ADD_REF(id) do { \
		size_t used = strlen(refs); \
		snprintf(refs + used, len - used, "%s%s", \
			 used > 0 ? ", " : "", (id)); \
	} while (0)
	for (size_t i = 0; ret == 0 && i < n_zones; i++) {
		if (store_strv_has(&zones[i].vpcs, vpc_id)) {
			ADD_REF(zones[i].meta.resource_id);
		}
	}
	for (size_t i = 0; ret == 0 && i < n_rules; i++) {
		if (store_strv_has(&rules[i].vpcs, vpc_id)) {
			ADD_REF(rules[i].meta.resource_id);
		}
	}
	for (size_t i = 0; ret == 0 && i < n_eps; i++) {
		if (strcmp(eps[i].vpc_id, vpc_id) == 0) {
			ADD_REF(eps[i].meta.resource_id);
		}
	}
	struct store_inbound *ibs = NULL;
	size_t n_ibs = 0;
	if (ret == 0) {
		ret = store_inbound_list(r->store, NULL, 0, &ibs, &n_ibs,
					 &more);
	}
	for (size_t i = 0; ret == 0 && i < n_ibs; i++) {
		if (strcmp(ibs[i].vpc_id, vpc_id) == 0) {
			ADD_REF(ibs[i].meta.resource_id);
		}
	}
	store_inbound_list_free(ibs, n_ibs);
	struct store_vpn_gateway *gws = NULL;
	size_t n_gws = 0;
	if (ret == 0) {
		ret = store_vpn_gateway_list(r->store, NULL, 0, &gws, &n_gws,
					     &more);
	}
	for (size_t i = 0; ret == 0 && i < n_gws; i++) {
		if (strcmp(gws[i].vpc_id, vpc_id) == 0) {
			ADD_REF(gws[i].meta.resource_id);
		}
	}
	store_vpn_gateway_list_free(gws, n_gws);
	char upstream_id[STORE_ID_LEN + 16];
	struct store_upstream up = { 0 };
	snprintf(upstream_id, sizeof(upstream_id), "upstream-%s", vpc_id);
	if (ret == 0 && store_upstream_get(r->store, upstream_id, &up) == 0) {
		ADD_REF(upstream_id);
	}
#undef ADD_REF

	store_upstream_clear(&up);
	store_zone_list_free(zones, n_zones);
	store_rule_list_free(rules, n_rules);
	store_endpoint_list_free(eps, n_eps);
	return ret != 0 ? api_fail_store(r, ret, "the users of the VPC") : 0;
}

int api_vpc_delete(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_vpc vpc = { 0 };
	int ret = store_vpc_get(r->store, a->id, &vpc);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "VPC", a->id);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "a VPC");
	}
	ret = api_check_version(r, a, vpc.meta.version);

	char refs[1024];
	if (ret == 0) {
		ret = vpc_users(r, a->id, refs, sizeof(refs));
	}
	if (ret == 0 && refs[0] != '\0') {
		ret = api_fail_at(r, 409, NULL,
				  "%s is still used by %s; unbind or delete them first",
				  a->id, refs);
	}
	if (ret == 0) {
		ret = store_vpc_delete(r->store, a->id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "deleting the VPC");
		}
	}
	if (ret == 0) {
		char fields[64];
		snprintf(fields, sizeof(fields), "vpc_id=%s", a->id);
		api_note(r, fields, "deleted vpc %s", vpc.meta.name);
		*out = api_json_deleted(&a->id, 1);
		if (*out == NULL) {
			ret = api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	store_vpc_clear(&vpc);
	return ret;
}
