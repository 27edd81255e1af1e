/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Configuration lint: finds zones, rules and built-in zones that shadow
 * one another, rules that are never reached, VPCs without a default
 * upstream and other set-ups whose answers would surprise an operator,
 * each with the resources involved and what to change. */
#ifndef ZONEGATE_LINT_LINT_H
#define ZONEGATE_LINT_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include <libknot/libknot.h>

#include "config/config.h"

enum lint_severity {
	LINT_ERROR = 0,		/* queries fail every time because of it */
	LINT_WARNING,		/* some names are answered by something else
				 * than the operator most likely meant */
	LINT_INFO,		/* an override that is often intended */
};

/* Resource ids one finding names at most. */
#define LINT_MAX_IDS 8

/*
 * Codes, one per kind of finding:
 *   rule-never-reached        a rule bound to no VPC, or hidden in every
 *                             VPC it is bound to
 *   zone-hides-rule           a zone and a rule of one name bound to one
 *                             VPC; the zone answers (proxy pattern zone)
 *   zone-before-rule          the same with proxy pattern record: the
 *                             rule gets only the names the zone lacks
 *   zone-unbound              a zone that serves no VPC
 *   nested-zone-in-zone, nested-rule-in-zone, nested-zone-in-rule,
 *   nested-rule-in-rule       a zone or rule below another one in one
 *                             VPC takes the names below it away from it
 *   no-default-upstream       a VPC whose other names get REFUSED
 *   builtin-hides-reverse     a built-in zone answers the reverse names
 *                             of a network the VPC reaches
 *   zone-shadows-signed       a zone under a DNSSEC-signed public TLD
 *                             (a heuristic from a built-in list)
 *   target-without-source     a rule target whose address family the
 *                             rule's endpoint has no source address of
 *                             (the API refuses to make one; a state
 *                             database from before may hold one)
 */
struct lint_finding {
	enum lint_severity severity;
	const char *code;		/* static string, see above */
	char ids[LINT_MAX_IDS][CONFIG_ID_LEN];	/* resources involved */
	size_t n_ids;
	char message[640];		/* what is wrong, one or two sentences */
	char fix[480];			/* what to change, one sentence */
};

struct lint_report {
	struct lint_finding *items;	/* errors first, then warnings, info */
	size_t n;
	size_t cap;
};

/*!
 * Lints one configuration snapshot (after config_finish()). Reads zone
 * contents to count the records an override hides, so call it under
 * rcu_read_lock() when cfg is the published snapshot. Sends nothing,
 * changes nothing. Findings are appended to out (zeroed by the caller
 * or reused after lint_report_clear()) and sorted by severity, keeping
 * the order in which they were found within one severity.
 * \retval 0, ZG_ENOMEM (out holds what was found so far).
 */
int lint_run(const struct config *cfg, struct lint_report *out);

/*! Frees the findings and zeroes r. Accepts NULL. */
void lint_report_clear(struct lint_report *r);

/*! "error", "warning", "info". */
const char *lint_severity_name(enum lint_severity severity);

/*! How many findings of one severity r holds. */
size_t lint_count(const struct lint_report *r, enum lint_severity severity);

/*!
 * The heuristic behind zone-shadows-signed: true when name lies under
 * (or is) a top-level domain of the built-in list of TLDs known to be
 * DNSSEC-signed (com., net., org., ...). tld receives the TLD with its
 * final dot. A signed TLD does not prove the name's own zone is signed.
 */
bool lint_under_signed_tld(const knot_dname_t *name, char *tld, size_t len);

/*!
 * The reverse-mapping name of a prefix at whole labels: octets for
 * IPv4 (10.1.0.0/16 -> 1.10.in-addr.arpa.), nibbles for IPv6; a length
 * that is not a multiple of 8 (4) is cut down to one. out holds
 * KNOT_DNAME_MAXLEN bytes. \retval 0 or ZG_EINVAL.
 */
int lint_reverse_name(const struct zg_prefix *prefix, knot_dname_t *out);

#endif
