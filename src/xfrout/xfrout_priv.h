/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside the xfrout module: rendering transfer answers into messages,
 * and the NOTIFY sender. Not for other modules. */
#ifndef ZONEGATE_XFROUT_XFROUT_PRIV_H
#define ZONEGATE_XFROUT_XFROUT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "xfrout/xfrout.h"

struct store;
struct zone_contents;

/* The messages of one answer, unsigned, each with room for its TSIG. */
struct xfr_msg {
	uint8_t *wire;
	size_t len;
	size_t cap;			/* len plus the TSIG reserve */
};

struct xfr_answer {
	struct xfr_msg *msgs;
	size_t n_msgs;
	size_t n_rrs;			/* records in all messages */
};

void xfr_answer_clear(struct xfr_answer *a);

/*!
 * Renders a whole zone as an AXFR answer (RFC 5936 section 2.2): SOA,
 * every other RR, SOA, packed into messages of at most XFROUT_MSG_MAX
 * bytes that answer query (ID, question, AA set). reserve bytes are
 * kept free in each for the TSIG RR. The same form answers an IXFR that
 * the journal cannot serve (RFC 1995 section 4). Call under
 * rcu_read_lock() (z is published contents); copies everything.
 * \retval 0, ZG_ENOMEM, ZG_ELIMIT (an RR larger than a message).
 */
int xfr_render_axfr(const knot_pkt_t *query, const struct zone_contents *z,
		    size_t reserve, struct xfr_answer *out);

/*!
 * Renders the IXFR answer for diff (RFC 1995 section 4): the current
 * SOA, the old SOA, deleted RRs, the current SOA, added RRs, the current
 * SOA. The current SOA is z's and must be diff's newer version; the
 * journal's presentation records are parsed relative to z's apex.
 * \retval 0, ZG_ENOMEM, ZG_ELIMIT, ZG_EINVAL (a journal record that does
 *         not parse, or versions that do not match z).
 */
int xfr_render_ixfr(const knot_pkt_t *query, const struct zone_contents *z,
		    const struct xfrout_diff *diff, size_t reserve,
		    struct xfr_answer *out);

/*! z's apex SOA RRset (NULL for contents without one). Call under
 *  rcu_read_lock() when z is published; points into z. */
const knot_rrset_t *xfr_zone_soa(const struct zone_contents *z);

/*! Renders the one-message answer holding z's SOA alone (IXFR of a
 *  secondary that is current, RFC 1995 section 2). */
int xfr_render_soa(const knot_pkt_t *query, const struct zone_contents *z,
		   size_t reserve, struct xfr_answer *out);

/*
 * NOTIFY out (notify.c): one thread sends and resends NOTIFYs (RFC 1996
 * section 3.6) until each target answers or the tries run out.
 */
struct xfr_notifier;

struct xfr_notifier *xfr_notifier_new(struct store *store);
void xfr_notifier_free(struct xfr_notifier *n);
/*! Queues the NOTIFYs of zone_id at serial. Never blocks on I/O. */
void xfr_notifier_queue(struct xfr_notifier *n, const char *zone_id,
			uint32_t serial);

/*!
 * Checks the TSIG of the answer to a NOTIFY that was signed with key and
 * had the MAC request_mac (RFC 8945 section 5.3): it must be signed with
 * the same key over that MAC, in time, without a TSIG error. answer was
 * parsed with its TSIG stripped (knot_pkt_parse flags 0). Pure.
 * \retval 0, or ZG_EREFUSED with why filled (unsigned, an unsigned TSIG
 *         error such as BADKEY, another key, bad MAC, BADTIME).
 */
int xfrout_tsig_check_answer(const knot_pkt_t *answer,
			     const knot_tsig_key_t *key,
			     const uint8_t *request_mac,
			     size_t request_mac_len, char *why,
			     size_t whylen);

#endif
