/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One end of an IPsec connection as charon sees it: built from the
 * store's resources, mirrored for the peer, and turned into the VICI
 * messages load-conn and load-shared. */
#include "vpn/vpn.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "store/store.h"
#include "vpn/internal.h"
#include "vpn/vici.h"

static int add_ts(char ts[][VPN_TS_LEN], size_t *n, const char *cidr)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp(ts[i], cidr) == 0) {
			return 0;
		}
	}
	if (*n == VPN_MAX_TS) {
		return ZG_ELIMIT;
	}
	snprintf(ts[*n], VPN_TS_LEN, "%s", cidr);
	(*n)++;
	return 0;
}

int vpn_spec_build(const struct store_ipsec_connection *conn,
		   const struct store_vpn_gateway *gw,
		   const struct store_customer_gateway *cgw,
		   const struct store_vpn_route *routes, size_t n_routes,
		   struct vpn_spec *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "zonegate-%s",
		 conn->meta.resource_id);
	snprintf(out->connection_id, sizeof(out->connection_id), "%s",
		 conn->meta.resource_id);
	snprintf(out->connection_name, sizeof(out->connection_name), "%.63s",
		 conn->meta.name);
	snprintf(out->local_addr, sizeof(out->local_addr), "%s",
		 gw->public_ip);
	snprintf(out->local_id, sizeof(out->local_id), "%s", gw->public_ip);
	snprintf(out->remote_addr, sizeof(out->remote_addr), "%s", cgw->ip);
	snprintf(out->remote_id, sizeof(out->remote_id), "%s", cgw->ip);

	int ret = 0;
	for (size_t i = 0; ret == 0 && i < conn->local_subnets.n; i++) {
		ret = add_ts(out->local_ts, &out->n_local_ts,
			     conn->local_subnets.v[i]);
	}
	for (size_t i = 0; ret == 0 && i < conn->remote_subnets.n; i++) {
		ret = add_ts(out->remote_ts, &out->n_remote_ts,
			     conn->remote_subnets.v[i]);
	}
	for (size_t i = 0; ret == 0 && i < n_routes; i++) {
		if (strcmp(routes[i].connection_id,
			   conn->meta.resource_id) == 0) {
			ret = add_ts(out->remote_ts, &out->n_remote_ts,
				     routes[i].destination);
		}
	}
	if (ret == 0) {
		ret = vpn_ike_proposal(conn, out->ike_proposal,
				       sizeof(out->ike_proposal));
	}
	if (ret == 0) {
		ret = vpn_esp_proposal(conn, out->esp_proposal,
				       sizeof(out->esp_proposal));
	}

	out->ike_version = conn->ike_version;
	out->aggressive = strcmp(conn->ike_mode, "aggressive") == 0;
	out->ike_lifetime_s = conn->ike_lifetime_s;
	out->esp_lifetime_s = conn->esp_lifetime_s;
	out->dpd_interval_s = conn->dpd_interval_s;
	snprintf(out->psk, sizeof(out->psk), "%s", conn->psk);
	return ret;
}

void vpn_spec_mirror(const struct vpn_spec *in, struct vpn_spec *out)
{
	memcpy(out, in, sizeof(*out));
	memcpy(out->local_addr, in->remote_addr, sizeof(out->local_addr));
	memcpy(out->remote_addr, in->local_addr, sizeof(out->remote_addr));
	memcpy(out->local_id, in->remote_id, sizeof(out->local_id));
	memcpy(out->remote_id, in->local_id, sizeof(out->remote_id));
	memcpy(out->local_ts, in->remote_ts, sizeof(out->local_ts));
	memcpy(out->remote_ts, in->local_ts, sizeof(out->remote_ts));
	out->n_local_ts = in->n_remote_ts;
	out->n_remote_ts = in->n_local_ts;
}

static void add_list(struct vici_builder *b, const char *name,
		     const char (*items)[VPN_TS_LEN], size_t n)
{
	vici_list_begin(b, name);
	for (size_t i = 0; i < n; i++) {
		vici_list_item(b, items[i]);
	}
	vici_list_end(b);
}

static void add_one(struct vici_builder *b, const char *name,
		    const char *item)
{
	vici_list_begin(b, name);
	vici_list_item(b, item);
	vici_list_end(b);
}

static void add_auth(struct vici_builder *b, const char *section,
		     const char *id)
{
	vici_section_begin(b, section);
	vici_add_str(b, "auth", "psk");
	vici_add_str(b, "id", id);
	vici_section_end(b);
}

/* The CHILD config: kept up by charon itself (start on load, restart
 * after DPD or a close by the peer). */
static void add_child(struct vici_builder *b, const struct vpn_spec *s)
{
	vici_section_begin(b, "children");
	vici_section_begin(b, s->name);
	add_list(b, "local_ts", s->local_ts, s->n_local_ts);
	add_list(b, "remote_ts", s->remote_ts, s->n_remote_ts);
	add_one(b, "esp_proposals", s->esp_proposal);
	vici_add_fmt(b, "rekey_time", "%us", s->esp_lifetime_s);
	vici_add_str(b, "mode", "tunnel");
	vici_add_str(b, "start_action", "start");
	vici_add_str(b, "dpd_action", "restart");
	vici_add_str(b, "close_action", "start");
	vici_section_end(b);
	vici_section_end(b);
}

int vpn_spec_load_conn(const struct vpn_spec *s, struct vici_builder *b)
{
	vici_section_begin(b, s->name);
	vici_add_fmt(b, "version", "%u", s->ike_version);
	add_one(b, "local_addrs", s->local_addr);
	add_one(b, "remote_addrs", s->remote_addr);
	add_one(b, "proposals", s->ike_proposal);
	vici_add_str(b, "aggressive", s->aggressive ? "yes" : "no");
	/* IKEv1 cannot rekey an IKE SA, it reauthenticates. */
	vici_add_fmt(b, s->ike_version == 1 ? "reauth_time" : "rekey_time",
		     "%us", s->ike_lifetime_s);
	vici_add_fmt(b, "dpd_delay", "%us", s->dpd_interval_s);
	vici_add_str(b, "keyingtries", "0");
	add_auth(b, "local", s->local_id);
	add_auth(b, "remote", s->remote_id);
	add_child(b, s);
	vici_section_end(b);
	return vici_builder_finish(b);
}

int vpn_spec_load_shared(const struct vpn_spec *s, struct vici_builder *b)
{
	vici_add_str(b, "id", s->name);
	vici_add_str(b, "type", "IKE");
	vici_add_str(b, "data", s->psk);
	vici_list_begin(b, "owners");
	vici_list_item(b, s->local_id);
	vici_list_item(b, s->remote_id);
	vici_list_end(b);
	return vici_builder_finish(b);
}
