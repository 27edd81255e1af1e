/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One step of the resolution order for one name: which candidate answers
 * (shared/resolution.md section 2). Shared by the query path and explain,
 * so that explain is a dry run of the same code. */
#include "resolve/decide.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "config/config.h"
#include "zone/zone.h"

/* Candidates of one name never exceed the labels of a name times the
 * three kinds that can sit at one name. */
#define MAX_CANDIDATES (KNOT_DNAME_MAXLABELS * 3)

void decide_truncate(struct wire_answer *ans, const size_t counts[3])
{
	for (int s = 0; s < 3; s++) {
		struct wire_section *sec = &ans->sections[s];
		while (sec->count > counts[s]) {
			sec->count--;
			knot_rrset_free(sec->items[sec->count].rrset, NULL);
			sec->items[sec->count].rrset = NULL;
		}
	}
}

static void mark_counts(const struct wire_answer *ans, size_t counts[3])
{
	for (int s = 0; s < 3; s++) {
		counts[s] = ans->sections[s].count;
	}
}

static void trace_add(struct decide_trace *trace, enum resolve_step_kind kind,
		      const knot_dname_t *name, const char *resource_id,
		      const knot_dname_t *matched, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void trace_add(struct decide_trace *trace, enum resolve_step_kind kind,
		      const knot_dname_t *name, const char *resource_id,
		      const knot_dname_t *matched, const char *fmt, ...)
{
	if (trace == NULL || trace->out->n_steps >= RESOLVE_MAX_STEPS) {
		return;
	}
	struct resolve_step *step = &trace->out->steps[trace->out->n_steps++];
	memset(step, 0, sizeof(*step));
	step->kind = kind;
	if (name != NULL) {
		knot_dname_to_str(step->name, name, sizeof(step->name));
	}
	if (matched != NULL) {
		knot_dname_to_str(step->matched, matched, sizeof(step->matched));
	}
	snprintf(step->resource_id, sizeof(step->resource_id), "%s",
		 resource_id != NULL ? resource_id : "");

	va_list ap;
	va_start(ap, fmt);
	vsnprintf(step->reason, sizeof(step->reason), fmt, ap);
	va_end(ap);
}

static void trace_targets(struct decide_trace *trace,
			  const struct zg_addr *targets, size_t n)
{
	if (trace == NULL || trace->out->n_steps == 0) {
		return;
	}
	struct resolve_step *step = &trace->out->steps[trace->out->n_steps - 1];
	size_t max = sizeof(step->targets) / sizeof(step->targets[0]);
	step->n_targets = n < max ? n : max;
	memcpy(step->targets, targets, step->n_targets * sizeof(targets[0]));
}

/* What a zone lookup said, turned into a decision. Returns true when the
 * step is over (answered, or a new name to chase). */
static bool zone_outcome(const struct zone_lookup_result *res,
			 struct decision *d)
{
	switch (res->status) {
	case ZONE_FOUND:
	case ZONE_NODATA:
	case ZONE_NXDOMAIN:
	case ZONE_CNAME_LOOP:
	case ZONE_DELEGATION:
		d->kind = DECISION_ANSWERED;
		return true;
	case ZONE_CNAME_OUT:
		d->kind = DECISION_CNAME;
		decide_name_copy(d->next_name, res->next_name);
		return true;
	case ZONE_CNAME_LIMIT:
		d->kind = DECISION_CNAME_LIMIT;
		return true;
	}
	d->kind = DECISION_ANSWERED;
	return true;
}

/* The glue a referral put in the additional section (A and AAAA
 * added by this step), as addresses of the delegated servers. */
static void note_delegation(const struct zone_lookup_result *res,
			    const struct wire_answer *ans,
			    const size_t counts[3], struct decision *d)
{
	d->delegation = true;
	decide_name_copy(d->cut_name, res->cut_name);
	memcpy(d->counts_before, counts, sizeof(d->counts_before));

	const struct wire_section *add = &ans->sections[KNOT_ADDITIONAL];
	for (size_t i = counts[KNOT_ADDITIONAL]; i < add->count; i++) {
		const knot_rrset_t *rr = add->items[i].rrset;
		knot_rdata_t *rd = rr->rrs.rdata;
		for (uint16_t k = 0; k < rr->rrs.count &&
		     d->n_glue < DECIDE_MAX_GLUE;
		     k++, rd = knot_rdataset_next(rd)) {
			struct zg_addr *a = &d->glue[d->n_glue];
			memset(a, 0, sizeof(*a));
			if (rr->type == KNOT_RRTYPE_A && rd->len == 4) {
				struct sockaddr_in *sin = (void *)&a->ss;
				sin->sin_family = AF_INET;
				memcpy(&sin->sin_addr, rd->data, 4);
				a->len = sizeof(*sin);
			} else if (rr->type == KNOT_RRTYPE_AAAA &&
				   rd->len == 16) {
				struct sockaddr_in6 *sin6 = (void *)&a->ss;
				sin6->sin6_family = AF_INET6;
				memcpy(&sin6->sin6_addr, rd->data, 16);
				a->len = sizeof(*sin6);
			} else {
				continue;
			}
			addr_set_port(a, 53);
			d->n_glue++;
		}
	}
}

/* Answers from a zone candidate. Returns true when this candidate
 * decided the step, false when the name must fall through to the next
 * candidate (proxy pattern "record" and a plain NXDOMAIN). */
static bool try_zone(const struct config_candidate *cand,
		     const knot_dname_t *name, uint16_t qtype,
		     struct wire_answer *ans, struct decision *d,
		     struct decide_trace *trace)
{
	bool builtin = cand->kind == CONFIG_CAND_BUILTIN;
	struct zone_handle *handle = builtin ? cand->u.builtin :
					       cand->u.zone->handle;
	const char *zone_id = zone_handle_id(handle);
	const struct zone_contents *z = zone_handle_contents(handle);

	if (z == NULL) {
		/* A zone without contents has never been loaded (a
		 * secondary before its first transfer): EDE 14. */
		d->kind = DECISION_NOT_READY;
		snprintf(d->resource_id, sizeof(d->resource_id), "%s", zone_id);
		trace_add(trace, RESOLVE_STEP_ZONE, name, zone_id, cand->name,
			  "zone %s is not loaded yet: SERVFAIL (EDE 14)",
			  zone_id);
		return true;
	}

	struct wire_source src = {
		.kind = builtin ? WIRE_SRC_BUILTIN : WIRE_SRC_ZONE,
	};
	snprintf(src.source_id, sizeof(src.source_id), "%s", zone_id);

	size_t counts[3];
	mark_counts(ans, counts);
	uint8_t rcode_before = ans->rcode;
	unsigned cnames_before = ans->cname_count;

	struct zone_lookup_result res;
	memset(&res, 0, sizeof(res));
	int ret = zone_lookup(z, name, qtype, &src, RESOLVE_MAX_CNAMES, ans,
			      &res);
	if (ret != 0) {
		d->kind = DECISION_ERROR;
		d->error = ret;
		return true;
	}

	/* Fall through only on a true name error at the name asked:
	 * NODATA, empty non-terminals and delegations stay here
	 * (shared/resolution.md section 2, RFC 8020). */
	bool plain_nxdomain = res.status == ZONE_NXDOMAIN &&
			      ans->sections[KNOT_ANSWER].count ==
				      counts[KNOT_ANSWER];
	if (!builtin && plain_nxdomain &&
	    cand->u.zone->proxy_pattern == CONFIG_PROXY_RECORD) {
		decide_truncate(ans, counts);
		ans->rcode = rcode_before;
		ans->cname_count = cnames_before;
		trace_add(trace, RESOLVE_STEP_ZONE_FALLTHROUGH, name, zone_id,
			  cand->name,
			  "zone %s has no such name and its proxy pattern is record: the next candidate answers",
			  zone_id);
		return false;
	}

	snprintf(d->resource_id, sizeof(d->resource_id), "%s", zone_id);
	zone_outcome(&res, d);
	if (res.status == ZONE_DELEGATION) {
		note_delegation(&res, ans, counts, d);
		char cut[KNOT_DNAME_TXT_MAXLEN + 1];
		knot_dname_to_str(cut, d->cut_name, sizeof(cut));
		trace_add(trace, RESOLVE_STEP_ZONE, name, zone_id, cand->name,
			  "zone %s delegates %.120s: a query with RD set is resolved by asking the %zu servers of the glue, one without RD gets the referral",
			  zone_id, cut, d->n_glue);
		return true;
	}
	if (d->kind == DECISION_CNAME) {
		trace_add(trace, builtin ? RESOLVE_STEP_BUILTIN : RESOLVE_STEP_ZONE,
			  name, zone_id, cand->name,
			  "%s %s answers with a CNAME that leads out of the zone",
			  builtin ? "built-in zone" : "zone", zone_id);
	} else {
		trace_add(trace, builtin ? RESOLVE_STEP_BUILTIN : RESOLVE_STEP_ZONE,
			  name, zone_id, cand->name,
			  builtin ? "built-in locally served zone %s is the longest match and answers authoritatively" :
				    "zone %s is the longest match and answers authoritatively",
			  zone_id);
	}
	return true;
}

static void decide_rule(const struct config_candidate *cand,
			const knot_dname_t *name, struct decision *d,
			struct decide_trace *trace)
{
	const struct config_rule *rule = cand->u.rule;

	d->kind = DECISION_RULE;
	d->rule = rule;
	snprintf(d->resource_id, sizeof(d->resource_id), "%s", rule->rule_id);
	trace_add(trace, RESOLVE_STEP_RULE, name, rule->rule_id, cand->name,
		  "forwarding rule %s is the longest match; its targets are asked from endpoint %s",
		  rule->rule_id,
		  rule->endpoint != NULL ? rule->endpoint->endpoint_id : "(none)");
	trace_targets(trace, rule->targets, rule->n_targets);
}

static void decide_upstream(const struct config_vpc *vpc,
			    const knot_dname_t *name, struct decision *d,
			    struct decide_trace *trace)
{
	const struct config_upstream *up = vpc->upstream;

	if (up == NULL) {
		d->kind = DECISION_NO_UPSTREAM;
		trace_add(trace, RESOLVE_STEP_REFUSED_NO_UPSTREAM, name, "",
			  NULL,
			  "no zone or rule of vpc %s matches and no default upstream is configured: REFUSED (EDE 20)",
			  vpc->vpc_id);
		return;
	}
	d->kind = DECISION_UPSTREAM;
	d->upstream = up;
	snprintf(d->resource_id, sizeof(d->resource_id), "%s", up->upstream_id);
	trace_add(trace, RESOLVE_STEP_UPSTREAM, name, up->upstream_id, NULL,
		  "no zone or rule of vpc %s matches: the default upstream %s answers",
		  vpc->vpc_id, up->upstream_id);
	trace_targets(trace, up->targets, up->n_targets);
}

int decide_step(const struct config *cfg, const struct config_vpc *vpc,
		const knot_dname_t *name, uint16_t qtype,
		struct wire_answer *ans, struct decision *d,
		struct decide_trace *trace)
{
	struct config_candidate cands[MAX_CANDIDATES];

	memset(d, 0, sizeof(*d));
	size_t n = config_candidates(cfg, vpc, name, cands, MAX_CANDIDATES);
	for (size_t i = 0; i < n; i++) {
		const struct config_candidate *cand = &cands[i];
		if (cand->kind == CONFIG_CAND_RULE) {
			decide_rule(cand, name, d, trace);
			return 0;
		}
		if (try_zone(cand, name, qtype, ans, d, trace)) {
			return d->kind == DECISION_ERROR ? d->error : 0;
		}
	}
	decide_upstream(vpc, name, d, trace);
	return 0;
}
