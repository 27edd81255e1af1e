/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside the vpn module: turning specs into VICI messages and list-sas
 * answers into status. Pure functions shared by the manager and the
 * tests; not for other modules. */
#ifndef ZONEGATE_VPN_INTERNAL_H
#define ZONEGATE_VPN_INTERNAL_H

#include "vpn/vpn.h"

struct vici_builder;
struct vici_node;

/* Prefix of every name zonegate gives charon: configs it did not make
 * are never touched. */
#define VPN_CHARON_PREFIX "zonegate-"

/*!
 * Writes the load-conn message of spec into b (an initialised builder):
 * one section named spec->name holding the IKE config and its CHILD
 * config, with the same keys as swanctl.conf.
 * \retval 0 or the builder's error.
 */
int vpn_spec_load_conn(const struct vpn_spec *spec, struct vici_builder *b);

/*! Writes the load-shared message of spec's pre-shared key (id
 *  spec->name, owners the two identities) into b. */
int vpn_spec_load_shared(const struct vpn_spec *spec,
			 struct vici_builder *b);

/*!
 * Adds what one IKE_SA of a list-sa event says to st (the status of the
 * connection whose charon name is the section's name). When a
 * connection has several IKE_SAs (both ends initiated at once), the one
 * that is furthest along wins: established with an installed CHILD_SA,
 * then established, then any.
 */
void vpn_status_merge_sa(const struct vici_node *ike_sa,
			 struct vpn_conn_status *st);

/*! The tunnel state that st's SAs show (for an enabled connection whose
 *  charon is reachable). */
enum vpn_tunnel_state vpn_status_tunnel(const struct vpn_conn_status *st);

/* An IKE_SA that carries traffic: established, with an installed
 * CHILD_SA. */
struct vpn_sa_ref {
	uint32_t unique_id;		/* charon's "uniqueid" */
	uint64_t established_s;		/* seconds since established */
};

/*! Whether the IKE_SA of a list-sa event carries traffic; fills out when
 *  it does. */
bool vpn_status_carrying(const struct vici_node *ike_sa,
			 struct vpn_sa_ref *out);

/*!
 * Of the n (>= 1) IKE_SAs carrying one connection's traffic, the one to
 * keep when both ends initiated at once and each kept its own: the
 * oldest, then the lowest unique id. The others are closed, so that the
 * peer (whose end of each SA is deleted with it) holds one as well.
 * \return its index.
 */
size_t vpn_status_keeper(const struct vpn_sa_ref *sas, size_t n);

#endif
