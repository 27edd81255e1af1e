/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading charon's list-sa events into the status of a connection, and
 * the tunnel state that follows from it. */
#include "vpn/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpn/vici.h"

const char *vpn_tunnel_state_name(enum vpn_tunnel_state state)
{
	switch (state) {
	case VPN_TUNNEL_DISABLED:
		return "disabled";
	case VPN_TUNNEL_DOWN:
		return "down";
	case VPN_TUNNEL_CONNECTING:
		return "connecting";
	case VPN_TUNNEL_UP:
		return "up";
	case VPN_TUNNEL_UNKNOWN:
		break;
	}
	return "unknown";
}

static void copy_str(char *dst, size_t len, const struct vici_node *sec,
		     const char *key)
{
	const char *value = vici_get_str(sec, key);
	snprintf(dst, len, "%s", value != NULL ? value : "");
}

/* "AES_CBC" and keysize "256" as "AES_CBC-256"; "AES_GCM_16" too. */
static void alg_with_size(char *dst, size_t len, const struct vici_node *sec)
{
	const char *alg = vici_get_str(sec, "encr-alg");
	const char *size = vici_get_str(sec, "encr-keysize");
	snprintf(dst, len, "%s%s%s", alg != NULL ? alg : "",
		 size != NULL ? "-" : "", size != NULL ? size : "");
}

static void copy_list(char out[][VPN_TS_LEN], size_t max, size_t *n,
		      const struct vici_node *sec, const char *key)
{
	const struct vici_node *list = vici_get(sec, key);
	*n = 0;
	if (list == NULL || list->kind != VICI_NODE_LIST) {
		return;
	}
	for (size_t i = 0; i < list->n_children && *n < max; i++) {
		snprintf(out[(*n)++], VPN_TS_LEN, "%s",
			 list->children[i].value);
	}
}

static void read_child(const struct vici_node *sec,
		       struct vpn_child_status *c)
{
	memset(c, 0, sizeof(*c));
	copy_str(c->name, sizeof(c->name), sec, "name");
	copy_str(c->state, sizeof(c->state), sec, "state");
	copy_str(c->protocol, sizeof(c->protocol), sec, "protocol");
	alg_with_size(c->encryption, sizeof(c->encryption), sec);
	copy_str(c->integrity, sizeof(c->integrity), sec, "integ-alg");
	c->bytes_in = vici_get_u64(sec, "bytes-in", 0);
	c->bytes_out = vici_get_u64(sec, "bytes-out", 0);
	c->packets_in = vici_get_u64(sec, "packets-in", 0);
	c->packets_out = vici_get_u64(sec, "packets-out", 0);
	c->installed_s = vici_get_u64(sec, "install-time", 0);
	copy_list(c->local_ts, VPN_MAX_TS / 4, &c->n_local_ts, sec,
		  "local-ts");
	copy_list(c->remote_ts, VPN_MAX_TS / 4, &c->n_remote_ts, sec,
		  "remote-ts");
}

static bool has_installed_child(const struct vpn_conn_status *st)
{
	for (size_t i = 0; i < st->n_children; i++) {
		if (strcmp(st->children[i].state, "INSTALLED") == 0 ||
		    strcmp(st->children[i].state, "REKEYING") == 0 ||
		    strcmp(st->children[i].state, "REKEYED") == 0) {
			return true;
		}
	}
	return false;
}

/* How far an IKE_SA got: 2 established with an installed CHILD_SA, 1
 * established, 0 anything else. */
static int rank(const struct vpn_conn_status *st)
{
	if (!st->has_ike || strcmp(st->ike_state, "ESTABLISHED") != 0) {
		return 0;
	}
	return has_installed_child(st) ? 2 : 1;
}

static void read_ike(const struct vici_node *ike_sa,
		     struct vpn_conn_status *st)
{
	st->has_ike = true;
	copy_str(st->ike_state, sizeof(st->ike_state), ike_sa, "state");
	st->ike_version = (uint32_t)vici_get_u64(ike_sa, "version", 0);
	copy_str(st->local_host, sizeof(st->local_host), ike_sa,
		 "local-host");
	copy_str(st->remote_host, sizeof(st->remote_host), ike_sa,
		 "remote-host");
	st->established_s = vici_get_u64(ike_sa, "established", 0);

	char encr[48], integ[48] = "", prf[48] = "", dh[32] = "";
	alg_with_size(encr, sizeof(encr), ike_sa);
	copy_str(integ, sizeof(integ), ike_sa, "integ-alg");
	copy_str(prf, sizeof(prf), ike_sa, "prf-alg");
	copy_str(dh, sizeof(dh), ike_sa, "dh-group");
	snprintf(st->ike_proposal, sizeof(st->ike_proposal), "%s%s%s/%s/%s",
		 encr, integ[0] != '\0' ? "/" : "", integ, prf, dh);

	st->n_children = 0;
	const struct vici_node *children = vici_get(ike_sa, "child-sas");
	for (size_t i = 0; children != NULL &&
	     children->kind == VICI_NODE_SECTION &&
	     i < children->n_children && st->n_children < VPN_MAX_CHILDREN;
	     i++) {
		const struct vici_node *child = &children->children[i];
		if (child->kind == VICI_NODE_SECTION) {
			read_child(child, &st->children[st->n_children++]);
		}
	}
}

void vpn_status_merge_sa(const struct vici_node *ike_sa,
			 struct vpn_conn_status *st)
{
	struct vpn_conn_status *candidate = calloc(1, sizeof(*candidate));
	if (candidate == NULL) {
		return;
	}
	read_ike(ike_sa, candidate);
	if (!st->has_ike || rank(candidate) > rank(st)) {
		st->has_ike = true;
		memcpy(st->ike_state, candidate->ike_state,
		       sizeof(st->ike_state));
		st->ike_version = candidate->ike_version;
		memcpy(st->local_host, candidate->local_host,
		       sizeof(st->local_host));
		memcpy(st->remote_host, candidate->remote_host,
		       sizeof(st->remote_host));
		memcpy(st->ike_proposal, candidate->ike_proposal,
		       sizeof(st->ike_proposal));
		st->established_s = candidate->established_s;
		memcpy(st->children, candidate->children,
		       sizeof(st->children));
		st->n_children = candidate->n_children;
	}
	free(candidate);
}

enum vpn_tunnel_state vpn_status_tunnel(const struct vpn_conn_status *st)
{
	switch (rank(st)) {
	case 2:
		return VPN_TUNNEL_UP;
	case 1:
		return VPN_TUNNEL_CONNECTING;
	default:
		break;
	}
	/* An IKE_SA on its way out carries nothing any more. */
	if (!st->has_ike || strcmp(st->ike_state, "DELETING") == 0 ||
	    strcmp(st->ike_state, "DESTROYING") == 0) {
		return VPN_TUNNEL_DOWN;
	}
	return VPN_TUNNEL_CONNECTING;
}

bool vpn_status_carrying(const struct vici_node *ike_sa,
			 struct vpn_sa_ref *out)
{
	struct vpn_conn_status *st = calloc(1, sizeof(*st));
	if (st == NULL) {
		return false;
	}
	read_ike(ike_sa, st);
	bool carrying = rank(st) == 2;
	if (carrying) {
		out->unique_id = (uint32_t)vici_get_u64(ike_sa, "uniqueid", 0);
		out->established_s = st->established_s;
	}
	free(st);
	return carrying;
}

size_t vpn_status_keeper(const struct vpn_sa_ref *sas, size_t n)
{
	size_t keep = 0;
	for (size_t i = 1; i < n; i++) {
		if (sas[i].established_s > sas[keep].established_s ||
		    (sas[i].established_s == sas[keep].established_s &&
		     sas[i].unique_id < sas[keep].unique_id)) {
			keep = i;
		}
	}
	return keep;
}
