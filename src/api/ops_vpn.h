/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside the api module: what the VPN operations (ops_vpn.c, ops_ipsec.c)
 * share. Every function runs in the caller's store transaction and sets
 * the request's error (api_fail) when it returns a negative code. */
#ifndef ZONEGATE_API_OPS_VPN_H
#define ZONEGATE_API_OPS_VPN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "store/store.h"

struct api_req;
struct api_args;
struct vpn_manager;

/*! Asks the VPN manager to re-read the store (a VPN resource changed);
 *  its read waits for the caller's transaction. */
void api_vpn_kick(void);

/*! The VPN manager api_set_vpn() gave, or NULL before. */
struct vpn_manager *api_vpn_manager(void);

/* JSON building that remembers a failure in *ok instead of returning. */
void api_vpn_put(json_t *obj, const char *key, json_t *value, bool *ok);
json_t *api_vpn_finish(json_t *obj, bool ok);
/*! The fields every resource has: id, name, account, version, times. */
json_t *api_vpn_meta(const struct store_meta *meta, bool *ok);
/*! *out = obj, or a 500 when obj is NULL (out of memory). */
int api_vpn_reply(struct api_req *r, json_t *obj, json_t **out);

/*! Reads a resource; a 404 names field (body field) or, when field is
 *  NULL, the resource the path names. */
int api_vpn_load_gateway(struct api_req *r, const char *gateway_id,
			 const char *field, struct store_vpn_gateway *gw);
int api_vpn_load_cgw(struct api_req *r, const char *cgw_id, const char *field,
		     struct store_customer_gateway *cgw);
int api_vpn_load_connection(struct api_req *r, const char *connection_id,
			    const char *field,
			    struct store_ipsec_connection *conn);

/*! Reads "key": [CIDR, ...] (1..16, canonical, no repeats) into out;
 *  *present says whether the key was there. */
int api_vpn_read_subnets(struct api_req *r, json_t *body, const char *key,
			 bool required, struct store_strv *out, bool *present);
/*! True when the two CIDRs share an address. */
bool api_vpn_cidrs_overlap(const char *a, const char *b);
/*! True when cidr lies inside one of the CIDRs of within. */
bool api_vpn_cidr_covered(const char *cidr, const struct store_strv *within);
/*! Reads "name" into name, checking its form for the id prefix. */
int api_vpn_read_name(struct api_req *r, json_t *body, bool required,
		      const char *id_prefix, char *name, size_t namelen);
/*! 409 on "name" when other_id (not self_id) already has name. */
int api_vpn_name_taken(struct api_req *r, const char *self_id,
		       const char *name, const char *other_id,
		       const char *other_name);

/* Replies of lists and deletes. */
int api_vpn_page_reply(struct api_req *r, json_t *items, bool more,
		       const char *last_id, json_t **out);
int api_vpn_list_failed(struct api_req *r, const struct api_args *a, int ret,
			const char *what);
/*! {"deleted": [a->id]}, after nudging the VPN manager. */
int api_vpn_deleted_reply(struct api_req *r, const struct api_args *a,
			  json_t **out);

/* Every connection and route, for the overlap checks. */
struct api_vpn_lists {
	struct store_ipsec_connection *conns;
	size_t n_conns;
	struct store_vpn_route *routes;
	size_t n_routes;
};

int api_vpn_lists_load(struct api_req *r, struct api_vpn_lists *l);
void api_vpn_lists_free(struct api_vpn_lists *l);
/*! The connection (not self) that already sends cidr through its
 *  tunnel (remote subnets and routes); "" when none. */
const char *api_vpn_remote_owner(const struct api_vpn_lists *l,
				 const char *self, const char *cidr);
/*! The remote selectors of c once its routes are added. */
size_t api_vpn_remote_selectors(const struct api_vpn_lists *l,
				const struct store_ipsec_connection *c);

#endif
