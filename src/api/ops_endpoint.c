/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Outbound endpoints: source addresses and the security group whose
 * egress rules every rule target must pass. */
#include "api/api_priv.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate.h"
#include "common/error.h"

#define ENDPOINT_MAX_SOURCES 6
#define ENDPOINT_MAX_EGRESS 64

static const char *const endpoint_keys[] = {
	"name", "vpc", "sources", "egress", NULL,
};
static const char *const egress_keys[] = {
	"protocol", "port", "prefix", NULL,
};

/* UDP and TCP port 53 to any address, as the cloud services default. */
static const struct store_egress default_egress[] = {
	{ "udp", 53, "0.0.0.0/0" }, { "tcp", 53, "0.0.0.0/0" },
	{ "udp", 53, "::/0" }, { "tcp", 53, "::/0" },
};

int api_load_endpoint(struct api_req *r, const char *endpoint_id,
		      const char *field, struct store_endpoint *ep)
{
	int ret = store_endpoint_get(r->store, endpoint_id, ep);
	if (ret == ZG_ENOENT) {
		if (field != NULL) {
			return api_fail(r, 404, field, "no endpoint %s",
					endpoint_id);
		}
		return api_fail_missing(r, "endpoint", endpoint_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "an endpoint") : 0;
}

struct validate_egress *api_endpoint_egress(const struct store_endpoint *ep)
{
	struct validate_egress *rules = calloc(ep->n_egress + 1, sizeof(*rules));
	for (size_t i = 0; rules != NULL && i < ep->n_egress; i++) {
		const struct store_egress *e = &ep->egress[i];
		if (validate_parse_protocol(e->protocol, &rules[i].protocol) != 0 ||
		    prefix_parse(e->prefix, &rules[i].prefix) != 0) {
			/* A rule that no longer parses allows nothing. */
			rules[i].prefix.family = -1;
		}
		rules[i].port = e->port;
	}
	return rules;
}

bool api_endpoint_has_family(const struct store_endpoint *ep, int family)
{
	for (size_t i = 0; i < ep->sources.n; i++) {
		struct zg_addr source;
		if (addr_parse_ip(ep->sources.v[i], &source) == 0 &&
		    addr_family(&source) == family) {
			return true;
		}
	}
	return false;
}

int api_endpoint_list(struct api_req *r, const struct api_args *a,
		      json_t **out)
{
	struct store_endpoint *eps = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_endpoint_list(r->store, a->after, a->limit, &eps, &n,
				      &more);
	if (ret == ZG_EINVAL) {
		return api_fail_at(r, 400, "after", "unknown cursor '%s'",
				   a->after);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of endpoints");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items,
					  api_json_endpoint(&eps[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	*out = api_json_page(items, more ? eps[n - 1].meta.resource_id : NULL);
	store_endpoint_list_free(eps, n);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_endpoint_get(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	struct store_endpoint ep = { 0 };
	int ret = api_load_endpoint(r, a->id, NULL, &ep);
	if (ret == 0) {
		*out = api_json_endpoint(&ep);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_endpoint_clear(&ep);
	return ret;
}

static int read_sources(struct api_req *r, json_t *list,
			struct store_strv *sources)
{
	store_strv_clear(sources);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *text = json_string_value(json_array_get(list, i));
		char field[32], canon[STORE_ADDR_LEN], msg[256];
		struct zg_addr addr;
		snprintf(field, sizeof(field), "sources[%zu]", i);
		if (validate_source(text, &addr, canon, sizeof(canon), msg,
					sizeof(msg)) != 0) {
			return api_fail(r, 400, field, "%s", msg);
		}
		if (store_strv_has(sources, canon)) {
			return api_fail(r, 400, field, "%s is listed twice",
					canon);
		}
		if (store_strv_push(sources, canon) != 0) {
			return api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	return 0;
}

static int read_egress_rule(struct api_req *r, json_t *obj,
			    struct store_egress *e)
{
	const char *protocol = "any", *prefix_text = NULL;
	uint64_t port = 0;
	int proto = 0;
	int ret = api_check_keys(r, obj, egress_keys);
	if (ret == 0) {
		ret = api_get_string(r, obj, "protocol", false, &protocol,
				     NULL);
	}
	if (ret == 0 && validate_parse_protocol(protocol, &proto) != 0) {
		ret = api_fail(r, 400, "protocol",
			       "protocol is \"udp\", \"tcp\" or \"any\"");
	}
	if (ret == 0) {
		ret = api_get_uint(r, obj, "port", 65535, &port, NULL);
	}
	if (ret == 0) {
		ret = api_get_string(r, obj, "prefix", true, &prefix_text,
				     NULL);
	}
	struct zg_prefix prefix;
	char msg[256];
	if (ret == 0 && validate_cidr(prefix_text, &prefix, e->prefix,
					  sizeof(e->prefix), msg,
					  sizeof(msg)) != 0) {
		ret = api_fail(r, 400, "prefix", "%s", msg);
	}
	snprintf(e->protocol, sizeof(e->protocol), "%s", protocol);
	e->port = (uint16_t)port;
	return ret;
}

/* Reads "egress": [{protocol, port, prefix}, ...] with field names
 * "egress[i].<key>". */
static int read_egress(struct api_req *r, json_t *body,
		       struct store_endpoint *ep, bool *present)
{
	json_t *list = json_object_get(body, "egress");
	*present = list != NULL;
	if (list == NULL) {
		return 0;
	}
	if (!json_is_array(list) ||
	    json_array_size(list) > ENDPOINT_MAX_EGRESS) {
		return api_fail(r, 400, "egress",
				"egress must be a list of at most %d rules",
				ENDPOINT_MAX_EGRESS);
	}
	size_t n = json_array_size(list);
	struct store_egress *rules = calloc(n + 1, sizeof(*rules));
	if (rules == NULL) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}

	char saved[sizeof(r->prefix)];
	memcpy(saved, r->prefix, sizeof(saved));
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < n; i++) {
		json_t *obj = json_array_get(list, i);
		size_t len = strlen(saved);
		snprintf(r->prefix + len, sizeof(r->prefix) - len,
			 "egress[%zu].", i);
		if (!json_is_object(obj)) {
			memcpy(r->prefix, saved, sizeof(saved));
			char field[32];
			snprintf(field, sizeof(field), "egress[%zu]", i);
			ret = api_fail(r, 400, field,
				       "an egress rule is an object {protocol, port, prefix}");
			break;
		}
		ret = read_egress_rule(r, obj, &rules[i]);
		for (size_t j = 0; ret == 0 && j < i; j++) {
			if (strcmp(rules[j].protocol, rules[i].protocol) == 0 &&
			    rules[j].port == rules[i].port &&
			    strcmp(rules[j].prefix, rules[i].prefix) == 0) {
				memcpy(r->prefix, saved, sizeof(saved));
				char field[32];
				snprintf(field, sizeof(field), "egress[%zu]",
					 i);
				ret = api_fail(r, 400, field,
					       "egress[%zu] repeats egress[%zu] (%s port %u to %s); give each rule once",
					       i, j, rules[i].protocol,
					       (unsigned)rules[i].port,
					       rules[i].prefix);
			}
		}
	}
	memcpy(r->prefix, saved, sizeof(saved));
	if (ret != 0) {
		free(rules);
		return ret;
	}
	free(ep->egress);
	ep->egress = rules;
	ep->n_egress = n;
	return 0;
}

static int set_default_egress(struct api_req *r, struct store_endpoint *ep)
{
	size_t n = sizeof(default_egress) / sizeof(default_egress[0]);
	ep->egress = calloc(n, sizeof(*ep->egress));
	if (ep->egress == NULL) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	memcpy(ep->egress, default_egress, sizeof(default_egress));
	ep->n_egress = n;
	return 0;
}

static int check_unique_name(struct api_req *r,
			     const struct store_endpoint *ep)
{
	struct store_endpoint *eps = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_endpoint_list(r->store, NULL, 0, &eps, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of endpoints");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (strcmp(eps[i].meta.resource_id, ep->meta.resource_id) != 0 &&
		    strcmp(eps[i].meta.name, ep->meta.name) == 0) {
			ret = api_fail(r, 409, "name",
				       "%s already has the name %s",
				       eps[i].meta.resource_id, ep->meta.name);
		}
	}
	store_endpoint_list_free(eps, n);
	return ret;
}

/* Why target t of a rule could no longer be asked from ep: its egress
 * rules (when egress_given) or its sources (when sources_given). */
static int check_rule_target(struct api_req *r, const struct store_rule *rule,
			     const char *target,
			     const struct store_endpoint *ep,
			     const struct validate_egress *egress,
			     bool egress_given, bool sources_given)
{
	struct zg_addr t;
	if (addr_parse(target, 53, &t) != 0) {
		return 0;
	}
	if (egress_given && !validate_egress_allows(egress, ep->n_egress,
					       IPPROTO_UDP, &t)) {
		return api_fail(r, 400, "egress",
				"rule %s (%s) forwards to %s, which no egress rule would allow over udp",
				rule->meta.resource_id, rule->meta.name,
				target);
	}
	if (sources_given && !api_endpoint_has_family(ep, addr_family(&t))) {
		return api_fail(r, 400, "sources",
				"rule %s (%s) forwards to %s, which needs a source address of its family (IPv%d); keep one",
				rule->meta.resource_id, rule->meta.name,
				target, addr_family(&t) == AF_INET6 ? 6 : 4);
	}
	return 0;
}

/* An egress or sources change must keep every target of the rules
 * using ep reachable. */
static int check_rules_still_allowed(struct api_req *r,
				     const struct store_endpoint *ep,
				     bool egress_given, bool sources_given)
{
	struct store_rule *rules = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_rule_list(r->store, NULL, 0, &rules, &n, &more);
	struct validate_egress *egress = api_endpoint_egress(ep);
	if (ret != 0) {
		ret = api_fail_store(r, ret, "the list of rules");
	} else if (egress == NULL) {
		ret = api_fail_at(r, 500, NULL, "out of memory");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (strcmp(rules[i].endpoint_id, ep->meta.resource_id) != 0) {
			continue;
		}
		for (size_t j = 0; ret == 0 && j < rules[i].targets.n; j++) {
			ret = check_rule_target(r, &rules[i],
						rules[i].targets.v[j], ep,
						egress, egress_given,
						sources_given);
		}
	}
	free(egress);
	store_rule_list_free(rules, n);
	return ret;
}

static int read_endpoint_body(struct api_req *r, json_t *body,
			      struct store_endpoint *ep, bool create,
			      bool *egress_given)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	const char *name = NULL, *vpc_id = NULL;
	bool present = false;
	char msg[256];
	int ret = api_check_keys(r, body, endpoint_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "name", create, &name, &present);
	}
	if (ret == 0 && present) {
		if (validate_resource_name(name, "ep", msg,
					       sizeof(msg)) != 0) {
			return api_fail(r, 400, "name", "%s", msg);
		}
		snprintf(ep->meta.name, sizeof(ep->meta.name), "%s", name);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "vpc", create, &vpc_id, &present);
	}
	if (ret == 0 && present && !create && strcmp(vpc_id, ep->vpc_id) != 0) {
		ret = api_fail(r, 400, "vpc",
			       "the VPC of an endpoint cannot change; create a new endpoint in %s",
			       vpc_id);
	}
	struct store_vpc vpc = { 0 };
	if (ret == 0 && create) {
		ret = store_vpc_get(r->store, vpc_id, &vpc);
		if (ret == ZG_ENOENT) {
			ret = api_fail(r, 404, "vpc", "no VPC %s", vpc_id);
		} else if (ret != 0) {
			ret = api_fail_store(r, ret, "a VPC");
		}
		snprintf(ep->vpc_id, sizeof(ep->vpc_id), "%s", vpc_id);
		store_vpc_clear(&vpc);
	}

	json_t *list = NULL;
	if (ret == 0) {
		ret = api_get_strings(r, body, "sources", create, 1,
				      ENDPOINT_MAX_SOURCES, &list, &present);
	}
	if (ret == 0 && present) {
		ret = read_sources(r, list, &ep->sources);
	}
	if (ret == 0) {
		ret = read_egress(r, body, ep, egress_given);
	}
	if (ret == 0 && create && !*egress_given) {
		ret = set_default_egress(r, ep);
	}
	return ret;
}

static int endpoint_reply(struct api_req *r, const struct store_endpoint *ep,
			  json_t **out)
{
	*out = api_json_endpoint(ep);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_endpoint_create(struct api_req *r, const struct api_args *a,
			json_t **out)
{
	struct store_endpoint ep = { 0 };
	bool egress_given = false;
	int ret = read_endpoint_body(r, a->body, &ep, true, &egress_given);
	if (ret == 0) {
		ret = check_unique_name(r, &ep);
	}
	if (ret == 0) {
		ret = store_endpoint_create(r->store, &ep);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "creating the endpoint");
		}
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "endpoint_id=%s vpc_id=%s",
			 ep.meta.resource_id, ep.vpc_id);
		api_note(r, fields,
			 "created endpoint %s with %zu sources and %zu egress rules",
			 ep.meta.name, ep.sources.n, ep.n_egress);
		ret = endpoint_reply(r, &ep, out);
	}
	store_endpoint_clear(&ep);
	return ret;
}

int api_endpoint_update(struct api_req *r, const struct api_args *a,
			json_t **out)
{
	struct store_endpoint ep = { 0 };
	bool egress_given = false;
	int ret = api_load_endpoint(r, a->id, NULL, &ep);
	if (ret == 0) {
		ret = api_check_version(r, a, ep.meta.version);
	}
	if (ret == 0) {
		ret = read_endpoint_body(r, a->body, &ep, false,
					 &egress_given);
	}
	if (ret == 0) {
		ret = check_unique_name(r, &ep);
	}
	bool sources_given = json_is_object(a->body) &&
			     json_object_get(a->body, "sources") != NULL;
	if (ret == 0 && (egress_given || sources_given)) {
		ret = check_rules_still_allowed(r, &ep, egress_given,
						sources_given);
	}
	if (ret == 0) {
		ret = store_endpoint_update(r->store, &ep);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "updating the endpoint");
		}
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "endpoint_id=%s vpc_id=%s",
			 ep.meta.resource_id, ep.vpc_id);
		api_note(r, fields, "updated endpoint %s (version %lld)",
			 ep.meta.name, (long long)ep.meta.version);
		ret = endpoint_reply(r, &ep, out);
	}
	store_endpoint_clear(&ep);
	return ret;
}

int api_endpoint_delete(struct api_req *r, const struct api_args *a,
			json_t **out)
{
	struct store_endpoint ep = { 0 };
	int ret = api_load_endpoint(r, a->id, NULL, &ep);
	if (ret == 0) {
		ret = api_check_version(r, a, ep.meta.version);
	}

	struct store_rule *rules = NULL;
	size_t n = 0;
	bool more = false;
	if (ret == 0) {
		ret = store_rule_list(r->store, NULL, 0, &rules, &n, &more);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "the list of rules");
		}
	}
	char users[512] = "";
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (strcmp(rules[i].endpoint_id, a->id) == 0) {
			size_t used = strlen(users);
			snprintf(users + used, sizeof(users) - used, "%s%s",
				 used > 0 ? ", " : "", rules[i].meta.resource_id);
		}
	}
	store_rule_list_free(rules, n);
	if (ret == 0 && users[0] != '\0') {
		ret = api_fail_at(r, 409, NULL,
				  "%s is still used by %s; move or delete those rules first",
				  a->id, users);
	}
	if (ret == 0) {
		ret = store_endpoint_delete(r->store, a->id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "deleting the endpoint");
		}
	}
	if (ret == 0) {
		char fields[128];
		snprintf(fields, sizeof(fields), "endpoint_id=%s vpc_id=%s",
			 a->id, ep.vpc_id);
		api_note(r, fields, "deleted endpoint %s", ep.meta.name);
		*out = api_json_deleted(&a->id, 1);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_endpoint_clear(&ep);
	return ret;
}
