/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal to resolve: what one query's resolution did, for the counters
 * (stats/stats.h) and the query log (querylog/querylog.h). */
#ifndef ZONEGATE_RESOLVE_OBSERVE_H
#define ZONEGATE_RESOLVE_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "common/addr.h"
#include "stats/stats.h"

struct decision;

/*
 * Filled along one query, in its worker's thread: the step that decided
 * the answer last (for a CNAME chain across steps, the step of its last
 * name), the resource behind it and, for a rule or upstream, how the
 * exchange ended and which target answered.
 */
struct observe {
	uint64_t start_ns;		/* CLOCK_MONOTONIC at arrival */
	enum stats_step step;		/* STATS_STEP_NONE until a step */
	enum stats_kind kind;		/* counter of resource_id */
	char resource_id[48];		/* "" when no resource answered */
	enum stats_outcome outcome;	/* of the forward step */
	bool has_target;
	struct zg_addr target;		/* the target that answered */
	uint64_t fwd_start_ns;		/* when this query's exchange began */
};

/*! Starts timing a query that just arrived. */
void observe_start(struct observe *o);

/*! Remembers the step a decision took (zone, built-in zone, rule,
 *  default upstream, or REFUSED for want of one). */
void observe_decision(struct observe *o, const struct decision *d);

/*! The answer to the current name came from the cache of the rule or
 *  upstream observe_decision() named. */
void observe_cached(struct observe *o);

/*! The exchange for the current name ended with outcome; target is the
 *  one that answered, or NULL. */
void observe_forwarded(struct observe *o, enum stats_outcome outcome,
		       const struct zg_addr *target);

/*!
 * Counts the answer and writes its query log line. query may be NULL
 * (not parsed: no name or type); vpc_id "" for none; rcode is the
 * answer's. The worker thread only; never blocks.
 */
void observe_finish(const struct observe *o, const char *vpc_id,
		    const struct zg_addr *client, const knot_pkt_t *query,
		    uint16_t rcode);

#endif
