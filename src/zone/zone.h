/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Zone contents (private, secondary and built-in zones), authoritative
 * lookup per RFC 1034/2308/4592/6604, and per-zone RCU publication. */
#ifndef ZONEGATE_ZONE_ZONE_H
#define ZONEGATE_ZONE_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "wire/wire.h"

/*
 * Immutable contents of one zone version: nodes by owner name (knot_db
 * trie, keys are lower-case wire names), each with its RRsets; empty
 * non-terminals exist as nodes without RRsets. Once built it is never
 * changed, so any number of threads read it without locks.
 */
struct zone_contents;

/* Collects records, then builds a zone_contents. Single-threaded. */
struct zone_builder;

/*! Starts a zone with this apex (absolute, any case). NULL on ENOMEM. */
struct zone_builder *zone_builder_new(const knot_dname_t *apex);

/*!
 * Adds one record in master-file presentation form, e.g.
 * "www.example.com. 300 IN A 192.0.2.1" (owner absolute, class IN),
 * parsed with libzscanner, so every type it knows and RFC 3597 \# work.
 * The owner must be at or below the apex.
 *
 * RRsets keep one TTL (RFC 2181 5.2): a later record with another TTL
 * sets the TTL of the whole RRset. Identical records are added once.
 * SOA, CNAME and DNAME hold one record: a later one replaces it. Names
 * are stored lower case. The text must start with the owner (a relative
 * owner is taken relative to the apex; a missing TTL means 3600) and
 * hold exactly one record; directives ($ORIGIN, $TTL, $INCLUDE) are
 * refused, so no file is ever read. Types that cannot be stored (meta
 * types, OPT) are refused.
 *
 * \param err     receives a sentence on failure (may be NULL).
 * \retval 0, ZG_EINVAL (parse error or out of zone), ZG_ENOMEM.
 */
int zone_builder_add_text(struct zone_builder *b, const char *line, char *err,
			  size_t errlen);

/*! Adds a parsed record (for transfers); same rules as add_text.
 *  \retval 0, ZG_EINVAL (class not IN, out of zone, meta type),
 *  ZG_ENOMEM. rr stays the caller's. */
int zone_builder_add_rrset(struct zone_builder *b, const knot_rrset_t *rr);

/*! Frees a builder that will not be finished (e.g. a record was
 *  refused). Accepts NULL. */
void zone_builder_free(struct zone_builder *b);

/*!
 * Finishes the build: derives empty non-terminals, checks there is an SOA
 * at the apex. Frees the builder in every case.
 * \retval the contents, or NULL with err filled (no SOA, ENOMEM).
 */
struct zone_contents *zone_builder_finish(struct zone_builder *b, char *err,
					  size_t errlen);

/*! Frees contents. Accepts NULL. The caller guarantees no reader is left
 *  (after an RCU grace period). */
void zone_contents_free(struct zone_contents *z);

const knot_dname_t *zone_contents_apex(const struct zone_contents *z);

/*! Serial of the apex SOA. */
uint32_t zone_contents_serial(const struct zone_contents *z);

/*! Number of RRs (not RRsets) in the zone. */
size_t zone_contents_rr_count(const struct zone_contents *z);

/*!
 * Calls cb for each RRset in canonical order (apex first, SOA first at
 * the apex, then by type). Stops and returns cb's value when it is
 * non-zero. For export and transfers. The RRsets stay z's.
 * \retval 0, cb's value, ZG_ENOMEM.
 */
int zone_contents_walk(const struct zone_contents *z,
		       int (*cb)(const knot_rrset_t *rr, void *arg), void *arg);

/* How an authoritative lookup ended. */
enum zone_lookup_status {
	ZONE_FOUND = 0,		/* answer data added (NOERROR) */
	ZONE_NODATA,		/* name exists (or ENT), no such type; SOA added */
	ZONE_NXDOMAIN,		/* name does not exist; SOA added */
	ZONE_CNAME_OUT,		/* chain left the zone: continue at next_name */
	ZONE_CNAME_LOOP,	/* chain came back to a name already answered */
	ZONE_DELEGATION,	/* referral added: NS in authority, glue in additional */
	ZONE_CNAME_LIMIT,	/* the answer's CNAME count passed the limit */
};

struct zone_lookup_result {
	enum zone_lookup_status status;
	/* For ZONE_CNAME_OUT: the CNAME target to resolve from the start
	 * (shared/resolution.md section 3). */
	knot_dname_t next_name[KNOT_DNAME_MAXLEN];
	/* For ZONE_DELEGATION: the cut's owner. */
	knot_dname_t cut_name[KNOT_DNAME_MAXLEN];
};

/*!
 * Answers qname/qtype from z into ans, the way an authoritative server
 * does (RFC 1034 4.3.2):
 *
 * - exact match: the RRset (ANY: every RRset, RFC 8482 allows fewer);
 * - CNAME at the name (qtype not CNAME): add it, ans->cname_count++,
 *   follow the chain while it stays in the zone; a name already in the
 *   answer section as a CNAME owner ends the chain (ZONE_CNAME_LOOP,
 *   NOERROR); a target outside the zone gives ZONE_CNAME_OUT;
 *   past max_cnames gives ZONE_CNAME_LIMIT;
 * - NS below the apex on the path: a referral (ZONE_DELEGATION), AA
 *   off via ans->force_no_aa, glue from the zone in additional;
 * - wildcard per RFC 4592: closest encloser, then "*.<encloser>";
 *   any existing node (empty non-terminal included) blocks synthesis;
 *   the owner of synthesised RRsets is qname;
 * - NXDOMAIN / NODATA: SOA in authority with TTL = min(SOA TTL, MINIMUM)
 *   (RFC 2308 section 3); ans->rcode set (NXDOMAIN reflects the last
 *   name of a chain, RFC 6604).
 *
 * Every RRset added carries src. Lock-free; z must stay alive (RCU read
 * side, or a reference) during the call.
 *
 * Also: qtype DS at a cut is answered from this side of it (RFC 4035
 * section 3.1.4.1); qtype CNAME returns the CNAME without following it;
 * the CNAME limit counts before adding, so at most max_cnames CNAMEs are
 * in an answer and ans->rcode is left as it was on ZONE_CNAME_LIMIT;
 * ans->rcode is NOERROR for every other status but ZONE_NXDOMAIN.
 * Allocates only the RRset copies put into ans.
 *
 * LIMITATION: RRSIGs stored in a zone are served only to queries for
 * type RRSIG or ANY; they are not attached to other answers when DO is
 * set, and negative answers carry no NSEC/NSEC3 proof, so a zone
 * imported signed does not validate. Names below a DNAME are not
 * rewritten (the DNAME itself is served when asked for). Additional-
 * section processing is done for referrals only (no addresses for MX,
 * SRV or NS targets in positive answers).
 *
 * \retval 0 (see res->status), ZG_EINVAL (qname outside the zone),
 *         ZG_ENOMEM.
 */
int zone_lookup(const struct zone_contents *z, const knot_dname_t *qname,
		uint16_t qtype, const struct wire_source *src,
		unsigned max_cnames, struct wire_answer *ans,
		struct zone_lookup_result *res);

/*!
 * Builds the contents of a built-in locally served zone (RFC 6303, 6761,
 * 8375): "<zone> 10800 SOA <zone> nobody.invalid. 1 3600 1200 604800
 * 10800" and "<zone> 10800 NS <zone>". localhost. also answers A
 * 127.0.0.1 and AAAA ::1 at the apex and every name below it (RFC 6761
 * section 6.3). NULL on ENOMEM.
 */
struct zone_contents *zone_builtin_build(const knot_dname_t *apex);

/*! The names of all built-in zones as presentation strings, NULL-terminated. */
const char *const *zone_builtin_names(void);

/*
 * A stable handle to one zone instance whose contents are replaced
 * version by version. Readers take the current contents under
 * rcu_read_lock() and never lock; a publisher swaps in a new version
 * and frees the old one after a grace period.
 */
struct zone_handle;

/*! Creates a handle with no contents yet. NULL on ENOMEM. */
struct zone_handle *zone_handle_new(const char *zone_id);

/*! Reference counting; the handle lives while anyone holds it. The
 *  last unref frees the handle and its contents at once: drop the last
 *  reference only after readers are gone (after a grace period).
 *  unref accepts NULL. Thread-safe. */
void zone_handle_ref(struct zone_handle *h);
void zone_handle_unref(struct zone_handle *h);

const char *zone_handle_id(const struct zone_handle *h);

/*! Current contents or NULL (not loaded). Call under rcu_read_lock(). */
const struct zone_contents *zone_handle_contents(const struct zone_handle *h);

/*!
 * Publishes new contents (ownership passes to the handle), waits for
 * readers of the old version (synchronize_rcu) and frees it. Writer
 * side; not from an RCU read-side section. Publishers of one handle
 * must be serialised by the caller. The first publication (no old
 * version) does not wait.
 */
void zone_handle_publish(struct zone_handle *h, struct zone_contents *z);

/*
 * Zone files (zonefile.c): RFC 1035 section 5 master-file text.
 */

/* TTL of a record that gives none when no $TTL came before it. */
#define ZONE_FILE_DEFAULT_TTL 3600

/* One record read from a zone file; valid during the callback only. */
struct zone_file_rr {
	const knot_dname_t *owner;	/* absolute, case as written */
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;		/* wire form */
	uint16_t rdata_len;
	uint64_t line;			/* where the record ends, from 1 */
};

/*! Receives each record in file order; a non-zero return stops the
 *  parse and is returned by zone_file_parse(). */
typedef int (*zone_file_rr_cb)(void *arg, const struct zone_file_rr *rr);

/*!
 * Parses master-file text with libzscanner: $ORIGIN and $TTL work,
 * relative names are relative to origin (wire, absolute) until an
 * $ORIGIN changes it; $INCLUDE is refused (no file is ever read), as is
 * any class but IN. Parsing stops at the first error.
 *
 * \param err_line  receives the line of an error (0 when none).
 * \param err       receives "line N: what is wrong" (may be NULL).
 * \retval 0, cb's non-zero value, ZG_EINVAL (syntax error, directive or
 *         class refused), ZG_ENOMEM.
 */
int zone_file_parse(const char *text, size_t len,
		    const knot_dname_t *origin, zone_file_rr_cb cb, void *arg,
		    uint64_t *err_line, char *err, size_t errlen);

/*!
 * Writes z as master-file text: a comment naming the zone and serial,
 * $ORIGIN, then one line per RR (absolute owner, TTL, class, type, data)
 * in canonical order with the SOA first, as named-checkzone reads it.
 * Unknown types come out in RFC 3597 form.
 *
 * \param out  receives the NUL-terminated text (malloc'd, caller frees).
 * \retval 0, ZG_ENOMEM, ZG_EINVAL (a record that cannot be written).
 */
int zone_file_export(const struct zone_contents *z, char **out, size_t *len);

#endif
