/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS answers under construction, with where each RRset came from, and
 * their rendering into a response packet (AA, TC, EDNS, EDE). */
#ifndef ZONEGATE_WIRE_WIRE_H
#define ZONEGATE_WIRE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

/* Default EDNS UDP payload towards clients and upstreams (Flag Day 2020). */
#define WIRE_EDNS_PAYLOAD 1232
/* Largest UDP answer without EDNS (RFC 1035 section 4.2.1). */
#define WIRE_PLAIN_UDP_MAX 512
/* Extended DNS Error option code (RFC 8914). */
#define WIRE_EDNS_OPT_EDE 15

/* Longest resource id ("zone-12", "rule-7", "upstream-vpc-3") plus NUL. */
#define WIRE_SOURCE_ID_LEN 48

/* Where one RRset of an answer came from. AA depends on it (section 3 and
 * 4 of shared/resolution.md): AA is set only when every RRset in the answer
 * and authority sections is from a zone zonegate serves itself. */
enum wire_source_kind {
	WIRE_SRC_ZONE = 0,	/* private or secondary zone (authoritative) */
	WIRE_SRC_BUILTIN,	/* built-in locally served zone (authoritative) */
	WIRE_SRC_RULE,		/* a forwarding rule's target (not authoritative) */
	WIRE_SRC_UPSTREAM,	/* the default upstream (not authoritative) */
	WIRE_SRC_DELEGATION,	/* servers of a private delegation */
};

struct wire_source {
	enum wire_source_kind kind;
	char source_id[WIRE_SOURCE_ID_LEN]; /* zone_id, rule_id, "upstream-global" ... */
};

/* One RRset placed in an answer. */
struct wire_rrset {
	knot_rrset_t *rrset;	/* owned deep copy; TTL is the one to send */
	struct wire_source src;
};

struct wire_section {
	struct wire_rrset *items;
	size_t count;
	size_t cap;
};

/*
 * An answer being assembled across steps (zone, rule, CNAME re-entry).
 * Owned by one query; not thread-safe. Zero-initialise with
 * wire_answer_init() and release with wire_answer_clear().
 */
struct wire_answer {
	uint8_t rcode;		/* KNOT_RCODE_*, may be extended (BADVERS) */
	struct wire_section sections[3]; /* KNOT_ANSWER, KNOT_AUTHORITY, KNOT_ADDITIONAL */
	unsigned cname_count;	/* CNAMEs followed so far, all steps together */
	bool force_no_aa;	/* e.g. a referral: AA clear whatever the sources */
	bool has_ede;
	uint16_t ede_code;	/* RFC 8914 INFO-CODE */
	char ede_text[96];	/* only resource ids, never names or addresses */
};

void wire_answer_init(struct wire_answer *ans);

/*! Frees every RRset copy and resets to the initial state. */
void wire_answer_clear(struct wire_answer *ans);

/*!
 * Appends a deep copy of rr to a section.
 *
 * \param section       KNOT_ANSWER, KNOT_AUTHORITY or KNOT_ADDITIONAL.
 * \param owner         owner to use instead of rr's (wildcard synthesis:
 *                      the query name), or NULL to keep rr's.
 * \param ttl           TTL to send for the whole RRset (RFC 2181 5.2).
 * \retval 0, ZG_ENOMEM.
 */
int wire_answer_add(struct wire_answer *ans, int section, const knot_rrset_t *rr,
		    const knot_dname_t *owner, uint32_t ttl,
		    const struct wire_source *src);

/*! True when an RRset with this owner (case-insensitive) and type is
 *  already in the section. Used to put each RRset in once. */
bool wire_answer_has(const struct wire_answer *ans, int section,
		     const knot_dname_t *owner, uint16_t type);

/*! Sets the Extended DNS Error attached when the answer is rendered. */
void wire_answer_set_ede(struct wire_answer *ans, uint16_t code,
			 const char *text);

/*! True when every RRset in answer and authority is from a local zone. */
bool wire_answer_is_authoritative(const struct wire_answer *ans);

/* What the client asked, parsed once from its query. */
struct wire_query_info {
	uint16_t qtype;
	uint16_t qclass;
	bool has_edns;
	bool do_bit;		/* DNSSEC OK */
	bool cd_bit;
	bool rd_bit;
	uint16_t client_payload; /* EDNS UDP size the client advertised */
	uint8_t edns_version;
};

/*!
 * Parses a client query and checks it can be answered.
 *
 * \param pkt      parsed with knot_pkt_parse() already.
 * \param info     filled on success.
 * \param rcode    on failure: the RCODE to answer with (FORMERR, NOTIMP,
 *                 BADVERS as extended code 16).
 * \retval 0 when the query should be resolved, ZG_EMALF otherwise.
 */
int wire_query_check(const knot_pkt_t *pkt, struct wire_query_info *info,
		     uint16_t *rcode);

/*!
 * Renders ans as the response to query into resp (a buffer of at least
 * 65535 bytes, from knot_pkt_new()).
 *
 * Sets QR, RA (always, for VPC clients), AA from the sources, echoes the
 * question byte for byte, copies RD and CD, adds OPT when the query had
 * one (with the EDE if set, payload WIRE_EDNS_PAYLOAD), and fits UDP
 * answers into min(client payload, WIRE_EDNS_PAYLOAD) or 512 without
 * EDNS: the additional section is dropped first (RFC 2181 section 9);
 * when answer or authority do not fit, TC is set and those sections are
 * left empty.
 *
 * \param tcp   true when the client asked over TCP (limit 65535).
 * \retval 0 or a libknot error.
 */
int wire_answer_render(const struct wire_answer *ans, const knot_pkt_t *query,
		       const struct wire_query_info *info, bool tcp,
		       knot_pkt_t *resp);

/*!
 * Renders a bare error (FORMERR, NOTIMP, REFUSED, BADVERS, SERVFAIL)
 * for a query that may be only partly valid. Echoes the question when
 * there is one, keeps the ID, adds OPT when the query had one.
 */
int wire_render_error(const knot_pkt_t *query, uint16_t rcode,
		      uint16_t ede_code, const char *ede_text, knot_pkt_t *resp);

/*! True when name equals or lies below zone, on whole labels,
 *  case-insensitive. */
bool wire_name_in_zone(const knot_dname_t *name, const knot_dname_t *zone);

/*! Lower-case copy of a wire name into buf (at least KNOT_DNAME_MAXLEN). */
void wire_name_lower(const knot_dname_t *name, uint8_t *buf);

#endif
