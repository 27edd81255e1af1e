/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Active health checks: while a target is down, an SOA query for the
 * zone it serves goes to it every HEALTH_PROBE_INTERVAL_MS from the
 * sources its queries use. Every worker looks for due probes; the health
 * table hands each one to a single worker. */
#include <string.h>

#include "forward/internal.h"

static void start_probe(struct forward_ctx *ctx, const struct health_probe *p)
{
	struct forward_request req;
	memset(&req, 0, sizeof(req));
	req.qname = p->name;
	req.qtype = KNOT_RRTYPE_SOA;
	req.qclass = KNOT_CLASS_IN;
	req.targets[0] = p->key.target;
	req.n_targets = 1;
	size_t n = p->n_sources < FORWARD_MAX_SOURCES ? p->n_sources :
							FORWARD_MAX_SOURCES;
	memcpy(req.sources, p->sources, n * sizeof(req.sources[0]));
	req.n_sources = n;
	req.try_timeout_ms = HEALTH_PROBE_TIMEOUT_MS;
	req.total_timeout_ms = HEALTH_PROBE_TIMEOUT_MS;
	req.owner_id = "probe";
	req.path_id = p->key.path;
	req.zone = p->name;
	req.authoritative = !p->recursive;

	if (fwd_query_start(ctx, &req, true, NULL, NULL) == NULL) {
		/* Out of memory: a failed probe, the next one comes. */
		health_probe_done(&p->key, false, 0, loop_clock_ms());
	}
}

static void prober_cb(struct loop_timer *timer)
{
	struct forward_ctx *ctx = timer->arg;
	struct health_probe probe;
	uint64_t now_ms = loop_clock_ms();

	for (int i = 0; i < FWD_PROBES_PER_TICK; i++) {
		if (!health_probe_claim(now_ms, &probe)) {
			break;
		}
		if (knot_dname_size(probe.name) == 0) {
			health_probe_done(&probe.key, false, 0, now_ms);
			continue;
		}
		start_probe(ctx, &probe);
	}
	loop_timer_start(ctx->loop, &ctx->prober, FWD_PROBE_TICK_MS);
}

void fwd_probe_init(struct forward_ctx *ctx)
{
	loop_timer_init(&ctx->prober, prober_cb, ctx);
	loop_timer_start(ctx->loop, &ctx->prober, FWD_PROBE_TICK_MS);
}
