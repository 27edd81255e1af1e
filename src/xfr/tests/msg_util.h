/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test helpers: records from master-file text and DNS messages made of
 * them, as a primary would send them. */
#ifndef ZONEGATE_XFR_TESTS_MSG_UTIL_H
#define ZONEGATE_XFR_TESTS_MSG_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

/*! Parses one record ("owner ttl IN TYPE rdata"); aborts the test on a
 *  parse error. The caller frees with knot_rrset_free(). */
knot_rrset_t *util_rr(const char *line);

/*!
 * Builds a reply message for qname/qtype with the given records in the
 * answer section (NULL-terminated lines), renders it and parses it again
 * as received. The caller frees with knot_pkt_free() (wire included).
 */
knot_pkt_t *util_reply(const char *qname, uint16_t qtype,
		       const char *const *answer);

/*! Parses a wire copy into a new packet (its own buffer). */
knot_pkt_t *util_parse(const uint8_t *wire, size_t len);

/*! A zone_contents_walk() callback: appends the master-file text of rr
 *  to the string arg, which has room for 8192 bytes. \retval 0 or -1. */
int util_append_rrset_text(const knot_rrset_t *rr, void *arg);

#endif
