/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test helper: DNS messages built by hand with libknot, record by record,
 * sections in order (answer, then authority, then additional). */
#ifndef ZONEGATE_FORWARD_TESTS_MSGBUILD_H
#define ZONEGATE_FORWARD_TESTS_MSGBUILD_H

#include <stdbool.h>
#include <stdint.h>

#include <libknot/libknot.h>

/*! A message with one question; qr sets the reply flag. Aborts on ENOMEM. */
knot_pkt_t *tmsg_new(uint16_t msg_id, const char *qname, uint16_t qtype,
		     uint8_t rcode, bool qr);

/*! Appends one record with raw RDATA to a section (KNOT_ANSWER ...). */
void tmsg_raw(knot_pkt_t *pkt, int section, const char *owner, uint16_t type,
	      uint32_t ttl, const uint8_t *rdata, uint16_t len);

void tmsg_a(knot_pkt_t *pkt, int section, const char *owner, uint32_t ttl,
	    const char *ip);
void tmsg_aaaa(knot_pkt_t *pkt, int section, const char *owner, uint32_t ttl,
	       const char *ip);
/*! CNAME, NS, DNAME or PTR: one name as RDATA. */
void tmsg_name(knot_pkt_t *pkt, int section, const char *owner,
	       uint16_t type, uint32_t ttl, const char *name);
void tmsg_soa(knot_pkt_t *pkt, int section, const char *owner, uint32_t ttl,
	      const char *mname, const char *rname, uint32_t serial,
	      uint32_t refresh, uint32_t retry, uint32_t expire,
	      uint32_t minimum);
/*! TXT of one string of len octets of fill. */
void tmsg_txt(knot_pkt_t *pkt, int section, const char *owner, uint32_t ttl,
	      size_t len, char fill);
/*! An RRSIG (dummy signature) over covered with this labels field. */
void tmsg_rrsig(knot_pkt_t *pkt, int section, const char *owner,
		uint32_t ttl, uint16_t covered, uint8_t labels,
		const char *signer);

/*! The message parsed again from its wire, as the forward module
 *  parses replies (names keep their case). Free with knot_pkt_free. */
knot_pkt_t *tmsg_reparse(const knot_pkt_t *pkt);

/* Slots 0-3 are used by the builders above; 4 and 5 are free for tests. */
#define TMSG_SLOTS 6

/*! Wire name from text, in a per-thread buffer per slot, valid until the
 *  slot is used again. */
const knot_dname_t *tmsg_dname(const char *text, int slot);

#endif
