/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal to resolve: one step of the resolution order for one name. */
#ifndef ZONEGATE_RESOLVE_DECIDE_H
#define ZONEGATE_RESOLVE_DECIDE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libknot/libknot.h>

#include "common/addr.h"
#include "resolve/resolve.h"
#include "wire/wire.h"

/* Servers of a delegation asked at most (a rule's target limit). */
#define DECIDE_MAX_GLUE 6

struct config;
struct config_vpc;
struct config_rule;
struct config_upstream;

enum decision_kind {
	DECISION_ANSWERED = 0,	/* a local zone answered; render ans */
	DECISION_CNAME,		/* a zone's CNAME leads to next_name */
	DECISION_RULE,		/* ask rule's targets */
	DECISION_UPSTREAM,	/* ask the VPC's default upstream */
	DECISION_NO_UPSTREAM,	/* nothing matched and no upstream: REFUSED */
	DECISION_NOT_READY,	/* zone not loaded: SERVFAIL, EDE 14 */
	DECISION_CNAME_LIMIT,	/* too many CNAMEs: SERVFAIL, EDE 0 */
	DECISION_ERROR,		/* internal failure (ENOMEM) */
};

/* Pointers are into the configuration snapshot the step ran on: valid
 * only inside the same RCU read-side section. */
struct decision {
	enum decision_kind kind;
	char resource_id[48];		/* zone, rule or upstream id */
	const struct config_rule *rule;	/* DECISION_RULE */
	const struct config_upstream *upstream;	/* DECISION_UPSTREAM */
	knot_dname_t next_name[KNOT_DNAME_MAXLEN]; /* DECISION_CNAME */
	int error;			/* DECISION_ERROR */
	/* DECISION_ANSWERED with a referral from a zone's delegation: the
	 * cut, its servers' addresses from the glue (port 53), and the
	 * answer's section counts before the referral was added, so that
	 * a query with RD set can ask the servers instead (shared/
	 * resolution.md section 3). */
	bool delegation;
	knot_dname_t cut_name[KNOT_DNAME_MAXLEN];
	struct zg_addr glue[DECIDE_MAX_GLUE];
	size_t n_glue;
	size_t counts_before[3];
};

/* Explain's record of the steps, or NULL on the query path. */
struct decide_trace {
	struct resolve_explanation *out;
};

/*!
 * Runs shared/resolution.md section 2 for one name: candidates longest
 * first; zones answer into ans (falling through on NXDOMAIN with proxy
 * pattern record), a rule or the default upstream is returned for the
 * caller to ask. Lock-free; call under rcu_read_lock().
 * \retval 0 or an error (then d->kind is DECISION_ERROR).
 */
int decide_step(const struct config *cfg, const struct config_vpc *vpc,
		const knot_dname_t *name, uint16_t qtype,
		struct wire_answer *ans, struct decision *d,
		struct decide_trace *trace);

/*! Copies a wire name into a buffer of KNOT_DNAME_MAXLEN bytes. */
static inline void decide_name_copy(knot_dname_t *dst, const knot_dname_t *src)
{
	memcpy(dst, src, knot_dname_size(src));
}

/*! Removes RRsets added after counts[] was taken (section by section). */
void decide_truncate(struct wire_answer *ans, const size_t counts[3]);

#endif
