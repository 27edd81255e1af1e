/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside the api module: the request context, error replies, JSON field
 * helpers and the operations behind the routes. Not for other modules. */
#ifndef ZONEGATE_API_API_PRIV_H
#define ZONEGATE_API_API_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "common/addr.h"
#include "store/store.h"

struct validate_egress;
struct config_publisher;
struct MHD_Daemon;

struct api_server {
	struct MHD_Daemon *mhd;
	int fd;				/* listening unix socket */
	char *path;
	struct store *store;
	struct config_publisher *pub;
	struct timespec started;	/* CLOCK_MONOTONIC */
};

/* The error reply of a request; status 0 while there is none. */
struct api_error {
	int status;			/* 400, 404, 409, 500 */
	char code[24];			/* invalid not_found conflict internal */
	char field[160];		/* "" when no field is to blame */
	char message[512];
};

/* One request (or one change of a change set). */
struct api_req {
	struct api_server *srv;
	struct store *store;
	struct store_caller caller;
	struct api_error err;
	/* Prepended to field names: "" for a plain request,
	 * "changes[2].data." inside a change set. */
	char prefix[96];
	/* The field that named the resource in a change set
	 * ("changes[2].id"), "" for a path; used by 404 replies. */
	char id_field[96];
	char zone_field[96];		/* same for a record's zone */
	json_t *warning;		/* a string for the reply, or NULL */
	/* Notice lines "<fields>\t<sentence>" logged once the change is
	 * committed, with the caller's uid and pid added. */
	struct store_strv notes;
};

/* What a route or a change passes to an operation. */
struct api_args {
	const char *id;			/* resource id from path or change */
	const char *sub_id;		/* rec id, or vpc id of a binding */
	json_t *body;			/* object or NULL (borrowed) */
	int64_t if_match;		/* -1: no If-Match */
	/* Queries: list paging and RRset deletion. */
	const char *after;
	size_t limit;
	const char *q_name;
	const char *q_type;
	const char *q_value;
	const char *q_secret;		/* ?secret=true on a TSIG key */
};

/*!
 * An operation: runs inside the store transaction the caller opened,
 * fills *out (a new reference) on success. On failure it sets r->err
 * (through api_fail) and returns a negative code; the caller rolls back.
 */
typedef int (*api_op)(struct api_req *r, const struct api_args *a,
		      json_t **out);

/*!
 * Sets the request's error unless one is set already (the first error
 * wins) and returns ZG_EINVAL (400), ZG_ENOENT (404), ZG_ECONFLICT (409)
 * or ZG_EINTERNAL (500). field is relative to r->prefix, NULL for none.
 */
int api_fail(struct api_req *r, int status, const char *field,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*! Like api_fail, but field is taken as is, without r->prefix. */
int api_fail_at(struct api_req *r, int status, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*! Queues a notice about a change for the log (see notes above). */
void api_note(struct api_req *r, const char *fields, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*! A failed store call: 404 for ZG_ENOENT (naming what), else 500 with
 *  the store's message. */
int api_fail_store(struct api_req *r, int ret, const char *what);

/*! 404 for the resource the request names (path or change set id). */
int api_fail_missing(struct api_req *r, const char *kind, const char *id);

/*! 409 when if_match is set and differs from version. */
int api_check_version(struct api_req *r, const struct api_args *a,
		      int64_t version);

/*! The same for a resource below the one the path names first (a
 *  record of a zone): the message names resource_id. */
int api_check_version_of(struct api_req *r, const struct api_args *a,
			 const char *resource_id, int64_t version);

/*
 * Body fields. Each checks the JSON type and names the field on error.
 * present (may be NULL) says whether the key was there; absent optional
 * keys leave *out untouched.
 */
int api_check_keys(struct api_req *r, json_t *obj,
		   const char *const *allowed);
int api_get_string(struct api_req *r, json_t *obj, const char *key,
		   bool required, const char **out, bool *present);
int api_get_bool(struct api_req *r, json_t *obj, const char *key, bool *out,
		 bool *present);
int api_get_uint(struct api_req *r, json_t *obj, const char *key,
		 uint64_t max, uint64_t *out, bool *present);
/*! An array of 1..max strings (min 0 allowed with min = 0). */
int api_get_strings(struct api_req *r, json_t *obj, const char *key,
		    bool required, size_t min, size_t max, json_t **out,
		    bool *present);

/*! Reads a binding body {"vpc": ID} and checks the VPC exists (404
 *  naming the field vpc). */
int api_read_binding(struct api_req *r, json_t *body, const char **vpc_id);

/*! Reads an endpoint; a 404 names field (relative to the prefix) or,
 *  when field is NULL, the resource the request names. */
int api_load_endpoint(struct api_req *r, const char *endpoint_id,
		      const char *field, struct store_endpoint *ep);

/*! The endpoint's egress rules for validate_egress_allows() (ep->n_egress
 *  entries, malloc'ed; NULL on ENOMEM). */
struct validate_egress *api_endpoint_egress(const struct store_endpoint *ep);

/*! True when ep has a source address of family (AF_INET, AF_INET6):
 *  a target can only be asked from a source of its own family. */
bool api_endpoint_has_family(const struct store_endpoint *ep, int family);

/*! Every address zonegate listens on: each VPC's and each inbound
 *  endpoint's listeners in the store (this transaction's view) and the
 *  daemon's --dns-listen addresses. */
int api_own_listen(struct api_req *r, struct zg_addr **out, size_t *n);

/* Rendering resources as JSON (new references; NULL on ENOMEM). */
json_t *api_json_vpc(const struct store_vpc *vpc);
json_t *api_json_zone(const struct store_zone *zone);
json_t *api_json_record(const struct store_record *rec, const char *zone);
json_t *api_json_endpoint(const struct store_endpoint *ep);
json_t *api_json_rule(const struct store_rule *rule);
json_t *api_json_upstream(const struct store_upstream *up);
json_t *api_json_change(const struct store_change *change);
json_t *api_json_strv(const struct store_strv *sv);
/*! {"items": items, "next": next or null}; steals items. */
json_t *api_json_page(json_t *items, const char *next);
/*! {"deleted": [ids...]} from ids (borrowed). */
json_t *api_json_deleted(const char *const *ids, size_t n);

/* Operations, by resource (ops_*.c). */
int api_vpc_list(struct api_req *r, const struct api_args *a, json_t **out);
int api_vpc_get(struct api_req *r, const struct api_args *a, json_t **out);
int api_vpc_create(struct api_req *r, const struct api_args *a, json_t **out);
int api_vpc_update(struct api_req *r, const struct api_args *a, json_t **out);
int api_vpc_delete(struct api_req *r, const struct api_args *a, json_t **out);

int api_zone_list(struct api_req *r, const struct api_args *a, json_t **out);
int api_zone_get(struct api_req *r, const struct api_args *a, json_t **out);
int api_zone_create(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_zone_update(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_zone_delete(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_zone_vpcs(struct api_req *r, const struct api_args *a, json_t **out);
int api_zone_bind(struct api_req *r, const struct api_args *a, json_t **out);
int api_zone_unbind(struct api_req *r, const struct api_args *a,
		    json_t **out);

int api_record_list(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_record_get(struct api_req *r, const struct api_args *a,
		   json_t **out);
int api_record_create(struct api_req *r, const struct api_args *a,
		      json_t **out);
int api_record_update(struct api_req *r, const struct api_args *a,
		      json_t **out);
int api_record_delete(struct api_req *r, const struct api_args *a,
		      json_t **out);
int api_rrset_delete(struct api_req *r, const struct api_args *a,
		     json_t **out);

int api_endpoint_list(struct api_req *r, const struct api_args *a,
		      json_t **out);
int api_endpoint_get(struct api_req *r, const struct api_args *a,
		     json_t **out);
int api_endpoint_create(struct api_req *r, const struct api_args *a,
			json_t **out);
int api_endpoint_update(struct api_req *r, const struct api_args *a,
			json_t **out);
int api_endpoint_delete(struct api_req *r, const struct api_args *a,
			json_t **out);

int api_rule_list(struct api_req *r, const struct api_args *a, json_t **out);
int api_rule_get(struct api_req *r, const struct api_args *a, json_t **out);
int api_rule_create(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_rule_update(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_rule_delete(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_rule_vpcs(struct api_req *r, const struct api_args *a, json_t **out);
int api_rule_bind(struct api_req *r, const struct api_args *a, json_t **out);
int api_rule_unbind(struct api_req *r, const struct api_args *a,
		    json_t **out);
/*! GET /v1/rules/{id}/targets: each target's health (health module). */
int api_rule_targets(struct api_req *r, const struct api_args *a,
		     json_t **out);

int api_upstream_list(struct api_req *r, const struct api_args *a,
		      json_t **out);
int api_upstream_get(struct api_req *r, const struct api_args *a,
		     json_t **out);
int api_upstream_put(struct api_req *r, const struct api_args *a,
		     json_t **out);
int api_upstream_delete(struct api_req *r, const struct api_args *a,
			json_t **out);

int api_change_log(struct api_req *r, const struct api_args *a,
		   json_t **out);
/*! Applies body {"changes": [...]} inside the caller's transaction. */
int api_change_set(struct api_req *r, const struct api_args *a,
		   json_t **out);

/* Requests outside the resource model (admin.c); each manages its own
 * store access. */
int api_explain(struct api_req *r, json_t *body, json_t **out);

/* Observability (ops_observe.c): GET /v1/lint, GET /v1/stats, and GET
 * /v1/rules/{id}/stats as a read-only operation. */
int api_lint(struct api_req *r, json_t **out);
int api_stats(struct api_req *r, json_t **out);
int api_rule_stats(struct api_req *r, const struct api_args *a, json_t **out);
int api_status(struct api_req *r, json_t **out);
int api_backup(struct api_req *r, json_t *body, json_t **out);
int api_restore(struct api_req *r, json_t *body, json_t **out);

/* zonegate doctor (ops_doctor.c): POST /v1/doctor {"rule"} or
 * {"vpc"}; checks the forwarding path, sends SOA probes. */
int api_doctor(struct api_req *r, json_t *body, json_t **out);

/* Secondary zones (ops_secondary.c). */
/*! 400 when body holds keys the zone's kind does not take: soa, ns and
 *  serial for "secondary", the secondary settings for "private". */
int api_secondary_check_keys(struct api_req *r, json_t *body,
			     const char *kind);
/*! True for a key of the secondary settings ("primaries", ...). */
bool api_is_secondary_key(const char *key);
/*! Reads and stores the settings of a zone just created as secondary. */
int api_secondary_create(struct api_req *r, json_t *body,
			 const struct store_zone *zone);
/*! Applies the settings present in body to a secondary zone. */
int api_secondary_update(struct api_req *r, json_t *body,
			 const struct store_zone *zone);
/*! Adds settings and "sync" to the JSON of a secondary zone (drops its
 *  meaningless soa and ns); no-op for other kinds. */
int api_secondary_decorate(struct api_req *r, const struct store_zone *zone,
			   json_t *obj);
/*! 400 naming the zone when it is secondary (its records are read-only). */
int api_zone_writable(struct api_req *r, const struct store_zone *zone);
/*! POST /v1/zones/{id}/refresh: an SOA check now (202). */
int api_zone_refresh(struct api_req *r, const struct api_args *a,
		     json_t **out);

/* TSIG keys (ops_tsig.c), /v1/tsig-keys named by key name. */
int api_tsig_list(struct api_req *r, const struct api_args *a, json_t **out);
int api_tsig_get(struct api_req *r, const struct api_args *a, json_t **out);
int api_tsig_create(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_tsig_update(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_tsig_delete(struct api_req *r, const struct api_args *a,
		    json_t **out);
/*!
 * A TSIG key belongs to one zone instance: 409 naming field when
 * key_name ("" passes) is already used by a zone other than zone_id, as
 * its secondary key, transfer key or in an update grant. The same key in
 * several roles of zone_id is fine.
 */
int api_tsig_claim(struct api_req *r, const char *field,
		   const char *key_name, const char *zone_id);

/* Inbound endpoints (ops_inbound.c), /v1/inbound. */
int api_inbound_list(struct api_req *r, const struct api_args *a,
		     json_t **out);
int api_inbound_get(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_inbound_create(struct api_req *r, const struct api_args *a,
		       json_t **out);
int api_inbound_update(struct api_req *r, const struct api_args *a,
		       json_t **out);
int api_inbound_delete(struct api_req *r, const struct api_args *a,
		       json_t **out);
json_t *api_json_inbound(const struct store_inbound *ib);
/*! The id of the inbound endpoint (other than except_id, may be NULL)
 *  that listens on listener (canonical "ip:port") into owner, "" when
 *  none. \retval 0 or the request's error. */
int api_inbound_listener_owner(struct api_req *r, const char *listener,
			       const char *except_id, char *owner,
			       size_t ownerlen);
/*! 409 naming field when a rule or an upstream forwards to listener
 *  (a listener there would make zonegate forward to itself). */
int api_check_not_target(struct api_req *r, const char *field,
			 const struct zg_addr *listener, const char *text);

/* Zone sync of private zones (ops_zonesync.c): transfer settings
 * (/transfer), the update policy (/update-policy), zone files (/import,
 * /export, and /v1/zones/import that creates the zone). */
int api_transfer_get(struct api_req *r, const struct api_args *a,
		     json_t **out);
int api_transfer_put(struct api_req *r, const struct api_args *a,
		     json_t **out);
int api_transfer_delete(struct api_req *r, const struct api_args *a,
			json_t **out);
int api_policy_get(struct api_req *r, const struct api_args *a,
		   json_t **out);
int api_policy_grant(struct api_req *r, const struct api_args *a,
		     json_t **out);
int api_policy_revoke(struct api_req *r, const struct api_args *a,
		      json_t **out);
int api_zone_export(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_zone_import(struct api_req *r, const struct api_args *a,
		    json_t **out);
int api_zone_import_create(struct api_req *r, const struct api_args *a,
			   json_t **out);

/* The answer cache (ops_cache.c): POST /v1/cache/flush with an
 * optional body, GET /v1/cache/stats. */
int api_cache_flush(struct api_req *r, json_t *body, json_t **out);
int api_cache_stats(struct api_req *r, json_t **out);

/* The VPN (ops_vpn.c): gateways, customer gateways, IPsec connections,
 * routes and the tunnels' status. */
int api_vpn_gateway_list(struct api_req *r, const struct api_args *a,
			 json_t **out);
int api_vpn_gateway_get(struct api_req *r, const struct api_args *a,
			json_t **out);
int api_vpn_gateway_create(struct api_req *r, const struct api_args *a,
			   json_t **out);
int api_vpn_gateway_update(struct api_req *r, const struct api_args *a,
			   json_t **out);
int api_vpn_gateway_delete(struct api_req *r, const struct api_args *a,
			   json_t **out);
int api_customer_gateway_list(struct api_req *r, const struct api_args *a,
			      json_t **out);
int api_customer_gateway_get(struct api_req *r, const struct api_args *a,
			     json_t **out);
int api_customer_gateway_create(struct api_req *r, const struct api_args *a,
				json_t **out);
int api_customer_gateway_update(struct api_req *r, const struct api_args *a,
				json_t **out);
int api_customer_gateway_delete(struct api_req *r, const struct api_args *a,
				json_t **out);
int api_ipsec_connection_list(struct api_req *r, const struct api_args *a,
			      json_t **out);
int api_ipsec_connection_get(struct api_req *r, const struct api_args *a,
			     json_t **out);
int api_ipsec_connection_create(struct api_req *r, const struct api_args *a,
				json_t **out);
int api_ipsec_connection_update(struct api_req *r, const struct api_args *a,
				json_t **out);
int api_ipsec_connection_delete(struct api_req *r, const struct api_args *a,
				json_t **out);
/*! POST .../initiate and .../terminate: enable or disable. */
int api_ipsec_connection_initiate(struct api_req *r, const struct api_args *a,
				  json_t **out);
int api_ipsec_connection_terminate(struct api_req *r,
				   const struct api_args *a, json_t **out);
/*! GET .../psk: the one place the pre-shared key is shown. */
int api_ipsec_connection_psk(struct api_req *r, const struct api_args *a,
			     json_t **out);
/*! GET .../peer-config/{format}: a->sub_id is the format. */
int api_ipsec_connection_peer_config(struct api_req *r,
				     const struct api_args *a, json_t **out);
int api_vpn_route_list(struct api_req *r, const struct api_args *a,
		       json_t **out);
int api_vpn_route_get(struct api_req *r, const struct api_args *a,
		      json_t **out);
int api_vpn_route_create(struct api_req *r, const struct api_args *a,
			 json_t **out);
int api_vpn_route_update(struct api_req *r, const struct api_args *a,
			 json_t **out);
int api_vpn_route_delete(struct api_req *r, const struct api_args *a,
			 json_t **out);
/*! GET /v1/vpn-status, or .../ipsec-connections/{id}/status when a->id
 *  is set; outside any transaction (it waits for the VPN manager). */
int api_vpn_status(struct api_req *r, const struct api_args *a, json_t **out);

#endif
