/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Validation of what users change, as pure functions: names, addresses,
 * CIDR overlap, forwarding targets, record values and the rules of a
 * zone's records. No store, no I/O: the API and dynamic updates apply
 * the same rules through it. */
#ifndef ZONEGATE_VALIDATE_VALIDATE_H
#define ZONEGATE_VALIDATE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

/* Longest presentation name, absolute, plus NUL. */
#define VALIDATE_NAME_LEN 256
#define VALIDATE_TTL_MAX 2147483647u		/* RFC 2181 section 8 */

/*
 * Every function below that can refuse its input writes one sentence
 * into msg (for the "message" of a 400 reply) and returns ZG_EINVAL;
 * 0 means valid. msg may be NULL.
 */

/*!
 * A zone name, rule domain, SOA mname or NS name: labels of letters,
 * digits, '-' and '_' (1-63 characters, at most 253 in all), with or
 * without the final dot; "." (the root) only when allow_root.
 * out receives it absolute and lower case.
 */
int validate_domain(const char *in, bool allow_root, char *out,
			size_t outlen, char *msg, size_t msglen);

/*!
 * An SOA rname (a mailbox as a name): like a domain, but the first
 * label may also hold '.' escaped as "\.", which is kept.
 */
int validate_rname(const char *in, char *out, size_t outlen, char *msg,
		       size_t msglen);

/*!
 * True when name (absolute presentation form, "\." escapes allowed)
 * fits the 255 octets of a name on the wire (RFC 1035 section 3.1). A
 * name built by prefixing labels to a valid zone name may not.
 */
bool validate_name_fits_wire(const char *name);

/*!
 * A record owner inside zone (absolute, lower case): "@" for the apex,
 * a relative name ("www", "*.app", "_sip._tcp") or an absolute one
 * ("www.corp.example.") at or below the zone. '*' may only be the whole
 * first label (RFC 4592).
 * rel receives "@" or the relative name, fqdn the absolute name, both
 * lower case.
 */
int validate_owner(const char *zone, const char *in, char *rel,
		       size_t rellen, char *fqdn, size_t fqdnlen, char *msg,
		       size_t msglen);

/*!
 * The name or subtree of an update-policy grant: a fully qualified name
 * at or below zone, as BIND's update-policy takes names; the final dot
 * is optional ("_acme-challenge.corp.example" is
 * "_acme-challenge.corp.example."), "@" names the apex. A name outside
 * the zone is refused, and when read relative to the zone it would be
 * inside, msg gives that name to write instead.
 * fqdn receives the name absolute and lower case.
 */
int validate_grant_name(const char *zone, const char *in, char *fqdn,
			    size_t fqdnlen, char *msg, size_t msglen);

/*!
 * True when in, a record owner as given (relative: not "@", no final
 * dot), ends with zone's own name at a label boundary, ignoring case:
 * "www.corp.example" in zone "corp.example." names
 * "www.corp.example.corp.example.", most likely not what was meant.
 * Never true in the root zone.
 */
bool validate_owner_repeats_zone(const char *zone, const char *in);

/*!
 * A name for a VPC, endpoint or rule: 1-63 characters of letters,
 * digits, '-', '_' and '.', not starting with '-', and not of the form
 * of an id of that kind ("<id_prefix>-<digits>"), so a name never
 * hides an id in the CLI.
 */
int validate_resource_name(const char *in, const char *id_prefix,
			       char *msg, size_t msglen);

/*!
 * True when the first label of a zone name (absolute, lower case) has
 * the form of an id the API hands out, of any kind ("zone-3",
 * "vpc-12.example."): the CLI takes an argument of that form for an id,
 * so such a zone could not be named by its name. *kind receives the id
 * prefix matched.
 */
bool validate_zone_name_looks_like_id(const char *name, const char **kind);

/*! A CIDR with no host bits set; canon receives its canonical text. */
int validate_cidr(const char *in, struct zg_prefix *out, char *canon,
		      size_t canonlen, char *msg, size_t msglen);

/*!
 * A listener "ADDR[:PORT]" (port 53 when missing, IPv6 in brackets with
 * a port); not unspecified, multicast or broadcast. canon receives
 * "ip:port".
 */
int validate_listener(const char *in, struct zg_addr *out, char *canon,
			  size_t canonlen, char *msg, size_t msglen);

/*! A source address without port (endpoint sources, upstream source);
 *  not unspecified, multicast or broadcast. */
int validate_source(const char *in, struct zg_addr *out, char *canon,
			size_t canonlen, char *msg, size_t msglen);

/*!
 * A forwarding target "IP[:PORT]" (port 53 when missing): refused when
 * unspecified, multicast or broadcast, or when it is one of zonegate's
 * own listener addresses (own, n_own) since it would forward to itself.
 * A wildcard listener (0.0.0.0 or ::) on the target's port counts as
 * owning every loopback address of its family. Loopback and
 * 100.64.0.0/10 targets are allowed.
 */
int validate_target(const char *in, const struct zg_addr *own,
			size_t n_own, struct zg_addr *out, char *canon,
			size_t canonlen, char *msg, size_t msglen);

/*! True when target is one of the own listener addresses (see above). */
bool validate_target_is_own(const struct zg_addr *target,
		       const struct zg_addr *own, size_t n_own);

/* The CIDRs of one VPC, for the overlap rule. */
struct validate_vpc_cidrs {
	const char *vpc_id;
	const struct zg_prefix *cidrs;
	size_t n_cidrs;
	bool has_listeners;
};

/* Where two VPCs' CIDRs overlap. */
struct validate_overlap {
	size_t cidr;		/* index in the checked VPC's cidrs */
	size_t other;		/* index in others */
	size_t other_cidr;	/* index in others[other].cidrs */
};

/*!
 * The overlap rule of shared/resolution.md section 1.3: CIDRs of two
 * VPCs may overlap only when both have listener addresses. Checks vpc
 * against others (entries with vpc's own vpc_id are skipped).
 * \return true with *where filled when vpc conflicts with another VPC.
 */
bool validate_find_cidr_conflict(const struct validate_vpc_cidrs *vpc,
			    const struct validate_vpc_cidrs *others,
			    size_t n_others, struct validate_overlap *where);

/* One egress rule of an endpoint's security group. */
struct validate_egress {
	int protocol;		/* IPPROTO_UDP, IPPROTO_TCP, 0 = any */
	uint16_t port;		/* 0 = any */
	struct zg_prefix prefix;
};

/*! True when some rule allows protocol (IPPROTO_UDP or IPPROTO_TCP) to
 *  the target's address and port. */
bool validate_egress_allows(const struct validate_egress *rules, size_t n,
		       int protocol, const struct zg_addr *target);

/*! Parses "udp", "tcp" or "any"; ZG_EINVAL otherwise. */
int validate_parse_protocol(const char *in, int *protocol);

/*!
 * A record type the API stores, any case: a mnemonic libknot knows (A,
 * TLSA, SVCB, HTTPS, ...) or the RFC 3597 form TYPEnnn, for any type
 * but these, refused with the reason:
 * - SOA (the zone's soa field);
 * - reserved 0 and 65535, meta and query types (OPT, TSIG, ANY and all
 *   of 128-255, RFC 6895 section 3.1);
 * - obsolete MD, MF, NULL, NXT, A6;
 * - the DNSSEC types but DS (zonegate does not sign zones): SIG, KEY,
 *   RRSIG, NSEC, DNSKEY, NSEC3, NSEC3PARAM, CDS, CDNSKEY, ZONEMD, TA,
 *   DLV;
 * - DNAME, as the query path does not rewrite names below one.
 * out receives the mnemonic libknot writes ("TYPE1" gives "A", a type
 * it has no name for stays "TYPE65400"), code the type number.
 */
int validate_rtype(const char *in, char *out, size_t outlen,
		       uint16_t *code, char *msg, size_t msglen);

/*!
 * Parses value as the data of a record of type at fqdn in zone (both
 * absolute), in master-file syntax with libzscanner, the parser the zone
 * builder uses; names in the value are relative to the zone unless they
 * end in a dot. One line, one record. The RFC 3597 form "\# LEN HEX" is
 * taken for every type; for a type libknot knows, the octets must hold
 * a valid record of it, and the canonical form is the type's own.
 * \param canon  receives the value in canonical presentation form
 *               (names absolute), malloc'ed, the caller frees it.
 * \retval 0, ZG_EINVAL, ZG_ENOMEM.
 */
int validate_rdata(const char *zone, const char *fqdn, uint16_t type,
		       const char *value, char **canon, char *msg,
		       size_t msglen);

/*
 * A parser of record values keeps one libzscanner scanner across
 * values: setting one up takes about 200 KB, which a batch (a zone file,
 * an update) would otherwise pay per record. One thread at a time.
 */
struct validate_rdata_parser;

/*! NULL on ENOMEM. */
struct validate_rdata_parser *validate_rdata_parser_new(void);

/*! Accepts NULL. */
void validate_rdata_parser_free(struct validate_rdata_parser *p);

/*! validate_rdata() with p's scanner. */
int validate_rdata_parse(struct validate_rdata_parser *p, const char *zone,
		    const char *fqdn, uint16_t type, const char *value,
		    char **canon, char *msg, size_t msglen);

/*! validate_wire_rdata() with p's scanner. */
int validate_rdata_parse_wire(struct validate_rdata_parser *p, const char *zone,
			 const char *fqdn, uint16_t type,
			 const uint8_t *rdata, size_t len, char **canon,
			 char *msg, size_t msglen);

/*!
 * Like validate_rdata() for data in wire form (len octets, as a zone
 * file parser or a DNS message gives them, names absolute): valid when
 * they hold a record of type, that is when libknot writes them in the
 * type's presentation form and that form parses back to the same
 * octets. canon receives that form, malloc'ed.
 * \retval 0, ZG_EINVAL (msg), ZG_ENOMEM.
 */
int validate_wire_rdata(const char *zone, const char *fqdn,
			    uint16_t type, const uint8_t *rdata, size_t len,
			    char **canon, char *msg, size_t msglen);

/* The largest DNS message: a two-octet length (RFC 1035 section 4.2.2). */
#define VALIDATE_MSG_MAX 65535

/*!
 * Checks that an RRset of type at fqdn holding values (canonical, names
 * absolute, of zone) can be served: its records must fit 65535 octets on
 * the wire, and so must an answer holding them (header, question, the
 * records with the owner compressed, an OPT record).
 * \retval 0, ZG_ELIMIT (msg gives the size), ZG_EINVAL (a value does not
 *         parse), ZG_ENOMEM.
 */
int validate_rrset_size(const char *zone, const char *fqdn, uint16_t type,
			 const char *const *values, size_t n, char *msg,
			 size_t msglen);

/* A record already at the owner name, for the exclusivity rules. */
struct validate_rr {
	const char *type;	/* upper-case mnemonic */
	const char *value;	/* canonical */
};

/*!
 * The delegation rule: below the apex, a name with NS is a zone cut and
 * every other record there would be hidden by the delegation (RFC 1034
 * section 4.2.1), except DS (the parent side of the cut, RFC 4035
 * section 2.4) and A and AAAA glue for a name server named like the cut
 * itself. Checks adding type/value at owner (absolute, lower
 * case; at_apex: the zone apex) that already holds existing.
 * \retval 0, or ZG_EINVAL with msg saying what would be hidden.
 */
int validate_delegation(const char *owner, bool at_apex, const char *type,
			 const char *value, const struct validate_rr *existing,
			 size_t n_existing, char *msg, size_t msglen);

/* What validate_rrset() found. */
enum validate_rrset_verdict {
	VALIDATE_RRSET_OK = 0,
	VALIDATE_RRSET_DUPLICATE,	/* same type and value already there */
	VALIDATE_RRSET_CNAME_CONFLICT, /* CNAME with other data (RFC 1034 3.6.2,
				   * RFC 2181 10.1) */
	VALIDATE_RRSET_MISPLACED,	/* DS at the apex: the parent's data */
};

/*!
 * Checks adding type/value at owner (absolute, for the message) that
 * already holds existing (at_apex: the owner is the zone apex, which
 * always holds SOA and NS, and takes no DS).
 * msg says what conflicts.
 */
enum validate_rrset_verdict validate_rrset(const char *owner, bool at_apex,
				       const char *type,
				       const char *value,
				       const struct validate_rr *existing,
				       size_t n_existing, char *msg,
				       size_t msglen);

/*!
 * Orders two values of type as validate_rrset() compares them: 0 when
 * they are the same record (names in CNAME, NS, PTR, MX and SRV data
 * ignoring case), so sorting by it puts duplicates side by side.
 */
int validate_value_cmp(const char *type, const char *a, const char *b);

/*!
 * The rules of validate_rrset() and validate_delegation() over every
 * RR a name holds at once, as a zone file gives them, whatever their
 * order: no CNAME or DS at the apex; below it at most one CNAME and
 * nothing beside it, and nothing beside NS but DS and glue. rrs (n of
 * them, types upper case, values canonical) hold no duplicates (see
 * validate_value_cmp()). O(n).
 * \param bad  receives the index of the RR that breaks a rule: of the
 *             RRs in conflict, the later one, and of several conflicts
 *             the one whose later RR comes first, so an order by line
 *             names the first line where the name stops being valid.
 * \retval 0, or ZG_EINVAL with *bad set and msg saying why, in the words
 *         validate_rrset() or validate_delegation() would use.
 */
int validate_node(const char *owner, bool at_apex, const struct validate_rr *rrs,
		   size_t n, size_t *bad, char *msg, size_t msglen);

/* One record of a set given whole, as a zone file gives a zone's. */
struct validate_set_rr {
	const char *rel;	/* owner: "@" or relative, lower case */
	const char *fqdn;	/* owner, absolute, lower case */
	const char *type;	/* upper-case mnemonic */
	uint16_t code;		/* its type number */
	const char *value;	/* canonical (names absolute) */
	uint32_t ttl;		/* in: as given; out: the RRset's */
	bool duplicate;		/* out: the same record came before */
};

/*!
 * The API's record rules over a whole set of records at once, rrs in
 * the order given (a file's): a record given again is marked duplicate
 * (the first stays), every RRset takes the TTL of its first record (RFC
 * 2181 section 5.2), and leaving duplicates out every name passes
 * validate_node() and every RRset validate_rrset_size(). O(n log n)
 * in the number of records; the strings stay the caller's.
 * \param bad  receives the index of the first record at which the set
 *             breaks a rule, when several do.
 * \retval 0, ZG_EINVAL (*bad and msg set), ZG_ENOMEM.
 */
int validate_record_set(struct validate_set_rr *rrs, size_t n, size_t *bad,
			 char *msg, size_t msglen);

#endif
