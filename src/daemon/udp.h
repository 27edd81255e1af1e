/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS over UDP: reading queries in batches with the local address each
 * was sent to, and answering from that same address. */
#ifndef ZONEGATE_DAEMON_UDP_H
#define ZONEGATE_DAEMON_UDP_H

struct worker;
struct listener_socket;

/* A worker's receive buffers for one batch of datagrams. */
struct udp_batch;

/*! NULL on ENOMEM. */
struct udp_batch *udp_batch_new(void);

/*! Accepts NULL. */
void udp_batch_free(struct udp_batch *batch);

/*!
 * Reads the queries waiting on sock, a bounded number per call (the
 * loop calls again while more wait), and hands each to the worker's
 * resolver. Each answer is sent from the address its query arrived on.
 * Worker thread only.
 */
void udp_ready(struct worker *w, struct listener_socket *sock);

#endif
