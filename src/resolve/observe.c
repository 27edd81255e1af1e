/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Turns what one query's resolution did into counters and a query log
 * line, once, when its answer leaves. */
#include "resolve/observe.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "querylog/querylog.h"
#include "resolve/decide.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void observe_start(struct observe *o)
{
	memset(o, 0, sizeof(*o));
	o->start_ns = now_ns();
	o->step = STATS_STEP_NONE;
}

/* Built-in zone handles are named "builtin-<zone>" (config.h). */
static bool is_builtin(const char *zone_id)
{
	return strncmp(zone_id, "builtin-", 8) == 0;
}

void observe_decision(struct observe *o, const struct decision *d)
{
	/* A new step for a new name: what the previous one forwarded no
	 * longer describes the answer. */
	o->has_target = false;
	o->outcome = STATS_ANSWERED;
	snprintf(o->resource_id, sizeof(o->resource_id), "%s",
		 d->resource_id);

	switch (d->kind) {
	case DECISION_ANSWERED:
	case DECISION_CNAME:
	case DECISION_NOT_READY:
	case DECISION_CNAME_LIMIT:
		o->kind = STATS_ZONE;
		o->step = is_builtin(d->resource_id) ? STATS_STEP_BUILTIN :
						       STATS_STEP_ZONE;
		break;
	case DECISION_RULE:
		o->kind = STATS_RULE;
		o->step = STATS_STEP_RULE;
		break;
	case DECISION_UPSTREAM:
	case DECISION_NO_UPSTREAM:
		o->kind = STATS_UPSTREAM;
		o->step = STATS_STEP_DEFAULT;
		break;
	case DECISION_ERROR:
		o->step = STATS_STEP_NONE;
		o->resource_id[0] = '\0';
		break;
	}
	if (d->kind == DECISION_RULE || d->kind == DECISION_UPSTREAM) {
		o->fwd_start_ns = now_ns();
	}
}

void observe_cached(struct observe *o)
{
	o->step = STATS_STEP_CACHE;
}

void observe_forwarded(struct observe *o, enum stats_outcome outcome,
		       const struct zg_addr *target)
{
	o->outcome = outcome;
	o->has_target = target != NULL;
	if (target != NULL) {
		o->target = *target;
	}
}

static void log_line(const struct observe *o, const char *vpc_id,
		     const struct zg_addr *client, const knot_pkt_t *query,
		     uint16_t rcode, uint64_t latency_us)
{
	struct querylog_entry e;

	memset(&e, 0, sizeof(e));
	clock_gettime(CLOCK_REALTIME, &e.time);
	snprintf(e.vpc_id, sizeof(e.vpc_id), "%s", vpc_id);
	e.client = *client;
	if (query != NULL && query->qname_size > 0) {
		/* The name as the client wrote it: knot_pkt_qname() gives
		 * the lower-cased copy. */
		e.has_question = true;
		memcpy(e.qname, query->wire + KNOT_WIRE_HEADER_SIZE,
		       query->qname_size);
		e.qtype = knot_pkt_qtype(query);
	}
	e.step = o->step;
	snprintf(e.resource_id, sizeof(e.resource_id), "%s",
		 o->resource_id);
	e.has_target = o->has_target;
	e.target = o->target;
	e.rcode = rcode;
	e.latency_us = latency_us;
	querylog_write(&e);
}

void observe_finish(const struct observe *o, const char *vpc_id,
		    const struct zg_addr *client, const knot_pkt_t *query,
		    uint16_t rcode)
{
	uint64_t end = now_ns();
	uint64_t latency_us = (end - o->start_ns) / 1000;

	/* A SERVFAIL of a forward step that did not time out is a failure:
	 * every target failed or was down, the failure cache answered, or
	 * the rule is quarantined. */
	enum stats_outcome outcome = o->outcome;
	if (rcode == KNOT_RCODE_SERVFAIL && outcome == STATS_ANSWERED &&
	    (o->step == STATS_STEP_RULE || o->step == STATS_STEP_DEFAULT ||
	     o->step == STATS_STEP_CACHE)) {
		outcome = STATS_FAILED;
	}

	stats_record_step(o->step);
	struct stats_sample sample = {
		.outcome = outcome,
		.rcode = rcode,
		.latency_us = latency_us,
	};
	if (o->resource_id[0] != '\0') {
		stats_record(o->kind, o->resource_id, &sample);
	}
	/* A target's latency is that of the exchange it answered, from
	 * when this query's forward step began. */
	if (o->has_target && o->step != STATS_STEP_CACHE) {
		char addr[ZG_ADDR_STRLEN];
		addr_format(&o->target, true, addr, sizeof(addr));
		sample.latency_us = (end - o->fwd_start_ns) / 1000;
		stats_record(STATS_TARGET, addr, &sample);
	}

	if (querylog_enabled()) {
		log_line(o, vpc_id, client, query, rcode, latency_us);
	}
}
