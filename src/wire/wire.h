/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DNS answers under construction, with where each RRset came from, and
 * their rendering into a response packet (AA, TC, EDNS, EDE). */
#ifndef ZONEGATE_WIRE_WIRE_H
#define ZONEGATE_WIRE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "common/error.h"

/* Default EDNS UDP payload towards clients and upstreams (Flag Day 2020). */
#define WIRE_EDNS_PAYLOAD 1232
/* Largest UDP answer without EDNS (RFC 1035 section 4.2.1). */
#define WIRE_PLAIN_UDP_MAX 512
/* Extended DNS Error option code (RFC 8914). */
#define WIRE_EDNS_OPT_EDE 15

/* ede_code for wire_render_error(): attach no Extended DNS Error. */
#define WIRE_EDE_NONE 0xffff

/* wire_query_check() result for a message that gets no reply at all. */
#define WIRE_EDROP ZG_EINVAL

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

/*! Sets ans to the empty NOERROR answer. Allocates nothing. */
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

/*!
 * True when answer and authority hold at least one RRset and every one of
 * them is from a zone zonegate serves itself (WIRE_SRC_ZONE or
 * WIRE_SRC_BUILTIN). An answer with no records at all (SERVFAIL, REFUSED)
 * is not authoritative. force_no_aa is not looked at here.
 */
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
	/* Bytes kept free below the size limit for a TSIG RR added after
	 * rendering (wire_tsig_sign()); 0 for an unsigned query. */
	uint16_t tsig_reserve;
};

/*!
 * Parses a client query and checks it can be answered.
 *
 * In this order: a message shorter than a header or with QR set (a
 * response) gets no reply, since answering responses invites reflection
 * loops (WIRE_EDROP); an opcode other than QUERY gets NOTIMP (RFC 1035
 * section 4.1.1); QDCOUNT other than 1, an unparsed or trailing part, or
 * a QTYPE that only exists inside messages (OPT, TSIG) gets FORMERR; TKEY
 * (key negotiation, not offered) gets NOTIMP; an
 * EDNS version above 0 gets BADVERS (RFC 6891 section 6.1.3); AXFR and
 * IXFR get REFUSED on every transport, since zonegate transfers zones to
 * no client (RFC 5936 section 4.2 lets a server refuse; BIND refuses the
 * same way without allow-transfer); the caller attaches EDE 21 (Not
 * Supported) to it. QCLASS is reported in info, not checked.
 *
 * A TSIG on the query is not looked at here: knot_pkt_parse() took it
 * out of the message, and wire_tsig_check() verifies it. DNS COOKIE
 * options are ignored (RFC 7873 section 5.2 allows a server without
 * cookie support to do so).
 *
 * \param pkt      parsed with knot_pkt_parse() already (a failed parse
 *                 is seen as malformed).
 * \param info     filled on success; client_payload is at least 512
 *                 when the query has EDNS (RFC 6891 section 6.2.5).
 * \param rcode    on ZG_EMALF: the RCODE to answer with (FORMERR,
 *                 NOTIMP, REFUSED, or BADVERS as extended code 16).
 * \retval 0 when the query should be resolved, ZG_EMALF when it gets an
 *         error answer, WIRE_EDROP when it gets none.
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
 * Details: AA is set when wire_answer_is_authoritative() holds, the RCODE
 * is not SERVFAIL, REFUSED, FORMERR or NOTIMP, and force_no_aa is clear.
 * Additional RRsets that do not fit are left out one by one without TC,
 * except in-domain glue (an A or AAAA whose owner is the target of an NS
 * RRset in authority and lies at or below that NS owner): leaving any of
 * it out sets TC (RFC 9471). The OPT echoes DO (RFC 3225), carries the
 * upper bits of an extended RCODE, version 0, and the EDE option (RFC
 * 8914: INFO-CODE, then the UTF-8 text without NUL). resp->max_size is
 * used as the limit while rendering and restored afterwards.
 *
 * info->tsig_reserve bytes are kept free below that limit, so that the
 * answer still fits once signed (a truncated answer is signed too, RFC
 * 8945 section 5.3).
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
 * there is one, keeps the ID, opcode, RD and CD, sets RA, adds OPT when
 * the query had one (DO echoed, extended RCODE bits, and the EDE unless
 * ede_code is WIRE_EDE_NONE; ede_text may be NULL).
 * \retval 0, KNOT_EINVAL (no header), or a libknot error.
 */
int wire_render_error(const knot_pkt_t *query, uint16_t rcode,
		      uint16_t ede_code, const char *ede_text, knot_pkt_t *resp);

/*
 * TSIG on ordinary queries (RFC 8945): checking the request against the
 * key it names, signing the answer over the request MAC, and the NOTAUTH
 * answers to a request that fails the check. The caller looks the key up
 * (the query path in the configuration snapshot).
 */
enum wire_tsig_status {
	WIRE_TSIG_NONE = 0,	/* the query is not signed */
	WIRE_TSIG_OK,		/* signed and verified: sign the answer */
	WIRE_TSIG_BADKEY,	/* unknown key, or another algorithm */
	WIRE_TSIG_BADSIG,	/* the MAC does not verify */
	WIRE_TSIG_BADTIME,	/* outside the fudge (section 5.2.3) */
	WIRE_TSIG_FORMERR,	/* the TSIG RR is malformed */
};

/* A request's TSIG state. Owned by one query; zero-initialise, release
 * with wire_tsig_clear(). */
struct wire_tsig {
	enum wire_tsig_status status;
	knot_tsig_key_t key;		/* own copy (OK, BADTIME), wiped */
	uint8_t request_mac[64];	/* the request's MAC */
	size_t request_mac_len;
	uint64_t time_signed;		/* the request's */
};

/*!
 * Checks the TSIG of query (parsed with knot_pkt_parse() flags 0, which
 * keeps the TSIG RR in query->tsig_rr and out of query->wire) against
 * key, the key named by the TSIG owner (NULL: no such key). On OK and
 * BADTIME the key is copied into out, so out outlives key (the query path
 * keeps no pointer into the configuration while it waits).
 * etval 0 (out->status says what was found), ZG_ENOMEM.
 */
int wire_tsig_check(const knot_pkt_t *query, const knot_tsig_key_t *key,
		    struct wire_tsig *out);

/*! Bytes to keep free for the TSIG RR of the answer (0 unless OK). */
uint16_t wire_tsig_reserve(const struct wire_tsig *t);

/*!
 * Signs the rendered response resp with the request's key over the
 * request MAC (RFC 8945 section 5.3.1, TSIG error NOERROR). Does nothing
 * unless t->status is WIRE_TSIG_OK. resp->max_size must leave room for
 * wire_tsig_reserve() bytes after resp->size.
 * etval 0, ZG_ELIMIT (no room), ZG_EINVAL (libknot refused).
 */
int wire_tsig_sign(const struct wire_tsig *t, knot_pkt_t *resp);

/*!
 * Renders the answer to a request whose TSIG failed (RFC 8945 section
 * 5.2): FORMERR for a malformed TSIG RR; otherwise NOTAUTH with a TSIG
 * RR carrying BADKEY or BADSIG unsigned, or BADTIME signed with the
 * server's time. The question is echoed. resp from knot_pkt_new().
 * etval 0 or a libknot error.
 */
int wire_tsig_render_error(const knot_pkt_t *query, const struct wire_tsig *t,
			   knot_pkt_t *resp);

/*! Wipes the secret and releases t; t is zero afterwards. Accepts a
 *  zero t. */
void wire_tsig_clear(struct wire_tsig *t);

/*! True when name equals or lies below zone, on whole labels,
 *  case-insensitive. */
bool wire_name_in_zone(const knot_dname_t *name, const knot_dname_t *zone);

/*! Lower-case copy of a wire name into buf (at least KNOT_DNAME_MAXLEN).
 *  Only ASCII letters are folded (RFC 4343). */
void wire_name_lower(const knot_dname_t *name, uint8_t *buf);

/*
 * A name as a lookup key: its labels from the root down, lower case, each
 * followed by a zero byte ("www.Example.com." gives "com\0example\0www\0";
 * the root gives the empty key). Sorting keys bytewise gives the DNSSEC
 * canonical order (RFC 4034 section 6.1) except for labels that hold zero
 * bytes, and the key of an ancestor is a prefix of the key of its
 * descendants: ends[k] is the length of the key of the ancestor with k
 * labels, so every ancestor is found without building another key.
 * Used by the zone trees and the configuration's name index.
 */
struct wire_name_key {
	uint8_t bytes[KNOT_DNAME_MAXLEN];
	uint16_t len;				/* bytes used */
	uint8_t labels;				/* labels, root not counted */
	uint8_t ends[KNOT_DNAME_MAXLABELS + 1];	/* ends[labels] == len */
};

/*!
 * Builds the lookup key of an uncompressed wire name.
 * \retval 0, ZG_EINVAL (NULL or not a valid name).
 */
int wire_name_key_build(const knot_dname_t *name, struct wire_name_key *key);

#endif
