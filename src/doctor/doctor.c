/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Running doctor's checks over a plan and saying, for each, what was
 * found and what to fix. */
#include "doctor/doctor.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/loop.h"
#include "health/health.h"

/* strongSwan's routing table for its kernel-libipsec and XFRM routes. */
#define STRONGSWAN_TABLE 220

const char *doctor_status_name(enum doctor_status status)
{
	static const char *const names[] = { "ok", "warn", "fail", "skip" };
	return (unsigned)status < 4 ? names[status] : "unknown";
}

const char *doctor_check_name(enum doctor_check_kind kind)
{
	static const char *const names[] = {
		"source", "loop", "egress", "route", "tunnel", "health", "soa",
	};
	return (unsigned)kind < 7 ? names[kind] : "unknown";
}

enum doctor_status doctor_path_status(const struct doctor_path *path)
{
	enum doctor_status worst = DOCTOR_OK;
	for (size_t i = 0; i < path->n_checks; i++) {
		if (path->checks[i].status == DOCTOR_FAIL) {
			return DOCTOR_FAIL;
		}
		if (path->checks[i].status == DOCTOR_WARN) {
			worst = DOCTOR_WARN;
		}
	}
	return worst;
}

/*
 * Recording results
 */

/* What one path's checks share while they run. */
struct run {
	struct doctor_path *path;
	const struct doctor_plan *plan;
	const struct doctor_options *opts;
	uint32_t timeout_ms;
	bool source_ok[CONFIG_MAX_SOURCES];
	int error;			/* ZG_ENOMEM once a check was lost */
};

/* Appends a check; target, source may be NULL. Returns the check (to
 * set fix), or NULL when out of memory. */
static struct doctor_check *add(struct run *run, enum doctor_check_kind kind,
				enum doctor_status status,
				const struct zg_addr *target,
				const struct zg_addr *source, int protocol,
				const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static struct doctor_check *add(struct run *run, enum doctor_check_kind kind,
				enum doctor_status status,
				const struct zg_addr *target,
				const struct zg_addr *source, int protocol,
				const char *fmt, ...)
{
	struct doctor_path *path = run->path;
	if (path->n_checks == path->cap_checks) {
		size_t cap = path->cap_checks > 0 ? path->cap_checks * 2 : 16;
		struct doctor_check *grown = realloc(path->checks,
						     cap * sizeof(*grown));
		if (grown == NULL) {
			run->error = ZG_ENOMEM;
			return NULL;
		}
		path->checks = grown;
		path->cap_checks = cap;
	}
	struct doctor_check *c = &path->checks[path->n_checks++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->status = status;
	c->protocol = protocol;
	if (target != NULL) {
		c->has_target = true;
		c->target = *target;
	}
	if (source != NULL) {
		c->has_source = true;
		c->source = *source;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return c;
}

static void set_fix(struct doctor_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_fix(struct doctor_check *c, const char *fmt, ...)
{
	if (c == NULL) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->fix, sizeof(c->fix), fmt, ap);
	va_end(ap);
}

/* Text of an address, with or without its port. */
struct addr_text {
	char s[ZG_ADDR_STRLEN];
};

static struct addr_text text(const struct zg_addr *addr, bool port)
{
	struct addr_text t;
	addr_format(addr, port, t.s, sizeof(t.s));
	return t;
}

static const char *proto_name(int protocol)
{
	return protocol == IPPROTO_TCP ? "tcp" : "udp";
}

/* The endpoint (or rule) to name in fixes. */
static const char *endpoint_name(const struct doctor_path *path)
{
	return path->endpoint_id[0] != '\0' ? path->endpoint_id : "ENDPOINT";
}

/*
 * The checks
 */

/* source: each source address must be held by this host; bind() without
 * IP_FREEBIND fails with EADDRNOTAVAIL otherwise. */
static void check_sources(struct run *run)
{
	struct doctor_path *path = run->path;
	if (path->n_sources == 0) {
		struct doctor_check *c = add(run, DOCTOR_CHECK_SOURCE,
					     DOCTOR_FAIL, NULL, NULL, 0,
					     "the rule has no endpoint source address: its queries leave from whatever address the kernel picks");
		set_fix(c, "give the rule an endpoint: zonegate rule update %s --endpoint EP",
			path->rule_id);
		return;
	}
	for (size_t i = 0; i < path->n_sources; i++) {
		const struct zg_addr *src = &path->sources[i];
		int fd = socket(addr_family(src), SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int err = 0;
		if (fd < 0 || bind(fd, (const struct sockaddr *)&src->ss,
				   src->len) != 0) {
			err = errno;
		}
		if (fd >= 0) {
			close(fd);
		}
		run->source_ok[i] = err == 0;
		if (err == 0) {
			add(run, DOCTOR_CHECK_SOURCE, DOCTOR_OK, NULL, src, 0,
			    "%s is an address of this host",
			    text(src, false).s);
			continue;
		}
		struct doctor_check *c = add(run, DOCTOR_CHECK_SOURCE,
					     DOCTOR_FAIL, NULL, src, 0,
					     "%s is not usable as a source here (%s): queries cannot leave from it, or their replies cannot come back",
					     text(src, false).s, strerror(err));
		set_fix(c, "add %s to an interface of this host, or change the sources: zonegate endpoint update %s --source ADDR",
			text(src, false).s, endpoint_name(path));
	}
}

/* loop, path part: a rule quarantined after a forwarding loop. */
static void check_quarantine(struct run *run)
{
	struct doctor_path *path = run->path;
	if (!run->opts->health) {
		return;
	}
	struct health_quarantine_view q;
	health_quarantine_get(path->rule_id, loop_clock_ms(), &q);
	if (!q.quarantined) {
		return;
	}
	struct doctor_check *c = add(run, DOCTOR_CHECK_LOOP, DOCTOR_FAIL, NULL,
				     NULL, 0,
				     "rule %s is quarantined: its queries came back to zonegate (a forwarding loop), %u time(s) in the last hour; it answers SERVFAIL until the quarantine ends",
				     path->rule_id, (unsigned)q.count);
	set_fix(c, "find the server that forwards %s back to zonegate and point it elsewhere",
		path->domain);
}

/* loop: the target is one of zonegate's own listeners. */
static bool check_loop(struct run *run, const struct zg_addr *target)
{
	struct doctor_route local;
	bool is_local = doctor_route_get(target, NULL, &local) == 0 &&
			local.type == RTN_LOCAL;
	int hit = doctor_find_loop(run->plan->listen, run->plan->n_listen,
				   target, is_local);
	if (hit >= 0) {
		const struct doctor_plan *plan = run->plan;
		struct doctor_check *c = add(
			run, DOCTOR_CHECK_LOOP, DOCTOR_FAIL, target, NULL, 0,
			"%s is zonegate itself (listener %s of %s): the rule's queries would come back to zonegate",
			text(target, true).s, text(&plan->listen[hit], true).s,
			plan->listen_owner != NULL ? plan->listen_owner[hit]
						   : "zonegated");
		set_fix(c, "point the rule at the on-premises DNS server: zonegate rule update %s --target IP[:PORT]",
			run->path->rule_id);
		return false;
	}
	add(run, DOCTOR_CHECK_LOOP, DOCTOR_OK, target, NULL, 0,
	    is_local ? "%s is an address of this host, but no zonegate listener"
		     : "%s is not a zonegate listener",
	    text(target, true).s);
	return true;
}

/* egress: the security group must let UDP and TCP through. */
static void check_egress(struct run *run, const struct zg_addr *target,
			 bool allowed[2])
{
	struct doctor_path *path = run->path;
	static const int protos[2] = { IPPROTO_UDP, IPPROTO_TCP };
	for (int i = 0; i < 2; i++) {
		allowed[i] = doctor_egress_allows(path->egress, path->n_egress,
						  protos[i], target);
	}
	if (allowed[0] && allowed[1]) {
		add(run, DOCTOR_CHECK_EGRESS, DOCTOR_OK, target, NULL, 0,
		    "the security group of %s allows udp and tcp to %s",
		    endpoint_name(path), text(target, true).s);
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (allowed[i]) {
			continue;
		}
		struct doctor_check *c = add(
			run, DOCTOR_CHECK_EGRESS, DOCTOR_FAIL, target, NULL,
			protos[i],
			i == 0 ? "the security group of %s does not allow udp to %s: the rule's queries cannot be sent"
			       : "the security group of %s does not allow tcp to %s: truncated answers cannot be asked again over TCP",
			endpoint_name(path), text(target, true).s);
		set_fix(c, "zonegate endpoint update %s --add-allow %s:%u:%s/%d",
			endpoint_name(path), proto_name(protos[i]),
			(unsigned)addr_port(target), text(target, false).s,
			addr_family(target) == AF_INET6 ? 128 : 32);
	}
}

/* route: the kernel's route from one source (NULL: any). */
static bool check_route(struct run *run, const struct zg_addr *target,
			const struct zg_addr *source)
{
	struct doctor_route rt;
	int ret = doctor_route_get(target, source, &rt);
	char from[ZG_ADDR_STRLEN + 8] = "";
	if (source != NULL) {
		snprintf(from, sizeof(from), " from %s", text(source, false).s);
	}
	if (ret != 0) {
		struct doctor_check *c = add(
			run, DOCTOR_CHECK_ROUTE, DOCTOR_FAIL, target, source, 0,
			"the kernel has no route to %s%s: %s",
			text(target, false).s, from, zg_strerror(ret));
		set_fix(c, "add a route to %s: bring its VPN tunnel up (zonegate vpn status) or add a VPN route covering it",
			text(target, false).s);
		return false;
	}
	if (rt.type != RTN_UNICAST && rt.type != RTN_LOCAL) {
		struct doctor_check *c = add(
			run, DOCTOR_CHECK_ROUTE, DOCTOR_FAIL, target, source, 0,
			"the route to %s%s is of type %s (table %u): packets are dropped",
			text(target, false).s, from,
			doctor_route_type_name(rt.type), (unsigned)rt.table);
		set_fix(c, "remove the %s route or add a more specific one to %s",
			doctor_route_type_name(rt.type),
			text(target, false).s);
		return false;
	}
	char via[ZG_ADDR_STRLEN + 8] = "";
	if (rt.has_gateway) {
		snprintf(via, sizeof(via), " via %s",
			 text(&rt.gateway, false).s);
	}
	add(run, DOCTOR_CHECK_ROUTE, DOCTOR_OK, target, source, 0,
	    "%s%s: %s%s dev %s table %u%s", text(target, false).s, from,
	    doctor_route_type_name(rt.type), via,
	    rt.ifname[0] != '\0' ? rt.ifname : "?", (unsigned)rt.table,
	    rt.table == STRONGSWAN_TABLE ? " (strongSwan's routes)" : "");
	return true;
}

/* tunnel: what the VPN side says of the target. */
static void check_tunnel(struct run *run, const struct zg_addr *target)
{
	const struct doctor_options *o = run->opts;
	if (o->tunnel == NULL) {
		add(run, DOCTOR_CHECK_TUNNEL, DOCTOR_SKIP, target, NULL, 0,
		    "no VPN state in this zonegated: the route check shows the path");
		return;
	}
	char conn[64] = "";
	switch (o->tunnel(o->tunnel_arg, target, conn, sizeof(conn))) {
	case DOCTOR_TUNNEL_NONE:
		add(run, DOCTOR_CHECK_TUNNEL, DOCTOR_SKIP, target, NULL, 0,
		    "no VPN connection leads to %s", text(target, false).s);
		return;
	case DOCTOR_TUNNEL_UP:
		add(run, DOCTOR_CHECK_TUNNEL, DOCTOR_OK, target, NULL, 0,
		    "%s is behind connection %s, whose tunnel is up",
		    text(target, false).s, conn);
		return;
	case DOCTOR_TUNNEL_DOWN:
		break;
	}
	struct doctor_check *c = add(
		run, DOCTOR_CHECK_TUNNEL, DOCTOR_FAIL, target, NULL, 0,
		"%s is behind connection %s, whose tunnel is down: the rule's queries to it fail",
		text(target, false).s, conn);
	set_fix(c, "zonegate vpn status %s shows why; check the peer's configuration (zonegate vpn download %s) and that UDP 500 and 4500 pass between the gateways",
		conn, conn);
}

/* health: what the forwarder's health table says. */
static void check_health(struct run *run, const struct zg_addr *target)
{
	if (!run->opts->health) {
		return;
	}
	struct health_key key;
	struct health_view view;
	/* Kept per target and endpoint, as resolve_rule_health_path(). */
	const struct doctor_path *path = run->path;
	health_key_init(&key, target, path->endpoint_id[0] != '\0'
					      ? path->endpoint_id
					      : path->rule_id);
	health_view_get(&key, &view);
	if (!view.known) {
		add(run, DOCTOR_CHECK_HEALTH, DOCTOR_OK, target, NULL, 0,
		    "zonegate has not asked %s anything yet",
		    text(target, true).s);
		return;
	}
	if (view.state == HEALTH_DOWN) {
		struct doctor_check *c = add(
			run, DOCTOR_CHECK_HEALTH, DOCTOR_WARN, target, NULL, 0,
			"zonegate marks %s down after %u failures in a row: queries skip it while it is probed",
			text(target, true).s, (unsigned)view.failures);
		set_fix(c, "it comes back by itself once it answers %d probes; the soa check below says why it does not",
			HEALTH_UP_AFTER);
		return;
	}
	add(run, DOCTOR_CHECK_HEALTH, DOCTOR_OK, target, NULL, 0,
	    "zonegate counts %s up: %llu of %llu queries answered, smoothed RTT %u ms",
	    text(target, true).s, (unsigned long long)view.answered,
	    (unsigned long long)view.sent,
	    view.rtt.measured ? (unsigned)(view.rtt.srtt_us / 1000) : 0);
}

/* soa: one probe's result as a check. */
static void report_probe(struct run *run, const struct doctor_probe *p)
{
	struct doctor_path *path = run->path;
	const struct zg_addr *src = p->has_source ? &p->source : NULL;
	const char *proto = proto_name(p->protocol);
	struct addr_text t = text(&p->target, true);
	struct addr_text s = src != NULL ? text(src, false)
					 : (struct addr_text){ "any" };
	struct doctor_check *c = NULL;

	if (p->error == 0 && p->rcode == KNOT_RCODE_NOERROR) {
		if (p->soa_found) {
			add(run, DOCTOR_CHECK_SOA, DOCTOR_OK, &p->target, src,
			    p->protocol,
			    "%s answered the SOA of %s over %s from %s: serial %u, %u ms%s",
			    t.s, path->domain, proto, s.s, (unsigned)p->serial,
			    (unsigned)p->rtt_ms,
			    p->aa ? ", authoritative" : "");
		} else {
			add(run, DOCTOR_CHECK_SOA, DOCTOR_OK, &p->target, src,
			    p->protocol,
			    "%s answered over %s from %s in %u ms, without the SOA of %s%s",
			    t.s, proto, s.s, (unsigned)p->rtt_ms, path->domain,
			    p->tc ? " (truncated)"
				  : " (not a zone apex there)");
		}
		return;
	}
	if (p->error == 0) {
		char rcode[16];
		const knot_lookup_t *name = knot_lookup_by_id(
			knot_rcode_names, p->rcode);
		snprintf(rcode, sizeof(rcode), "%s",
			 name != NULL ? name->name : "?");
		c = add(run, DOCTOR_CHECK_SOA, DOCTOR_FAIL, &p->target, src,
			p->protocol,
			"%s answered %s to the SOA query for %s over %s from %s",
			t.s, rcode, path->domain, proto, s.s);
		if (p->rcode == KNOT_RCODE_NXDOMAIN) {
			set_fix(c, "%s says %s does not exist: make it serve %s (its zone, or a forwarder for it)",
				t.s, path->domain, path->domain);
		} else if (p->rcode == KNOT_RCODE_REFUSED) {
			set_fix(c, "allow queries from %s on %s (BIND: allow-query, allow-recursion)",
				s.s, t.s);
		} else {
			set_fix(c, "check %s's own zone or upstreams for %s",
				t.s, path->domain);
		}
		return;
	}
	if (p->error == ZG_ETIMEOUT) {
		c = add(run, DOCTOR_CHECK_SOA, DOCTOR_FAIL, &p->target, src,
			p->protocol,
			"no reply from %s over %s from %s within %u ms",
			t.s, proto, s.s, (unsigned)run->timeout_ms);
		set_fix(c, "check the route and tunnel above, firewalls on the way, and that %s serves DNS to %s",
			t.s, s.s);
		return;
	}
	if (p->error == -ECONNREFUSED) {
		c = add(run, DOCTOR_CHECK_SOA, DOCTOR_FAIL, &p->target, src,
			p->protocol,
			"%s refused %s from %s: nothing listens on that port",
			t.s, proto, s.s);
		set_fix(c, "start the DNS server on %s or correct the rule's target: zonegate rule update %s --target IP[:PORT]",
			t.s, path->rule_id);
		return;
	}
	c = add(run, DOCTOR_CHECK_SOA, DOCTOR_FAIL, &p->target, src,
		p->protocol, "the SOA query to %s over %s from %s failed: %s",
		t.s, proto, s.s, zg_strerror(p->error));
	set_fix(c, "see the source, route and tunnel checks above");
}

/*
 * Per target and per path
 */

/* Queues the SOA probes of one target: per usable source, per allowed
 * protocol. */
static size_t plan_probes(struct run *run, const struct zg_addr *target,
			  const bool allowed[2], const bool routed[],
			  struct doctor_probe *out)
{
	struct doctor_path *path = run->path;
	static const int protos[2] = { IPPROTO_UDP, IPPROTO_TCP };
	size_t n = 0;
	for (size_t s = 0; s < path->n_sources; s++) {
		if (!run->source_ok[s] || !routed[s]) {
			continue;
		}
		for (int i = 0; i < 2; i++) {
			if (!allowed[i]) {
				continue;
			}
			struct doctor_probe *p = &out[n++];
			memset(p, 0, sizeof(*p));
			p->target = *target;
			p->has_source = true;
			p->source = path->sources[s];
			addr_set_port(&p->source, 0);
			p->protocol = protos[i];
		}
	}
	return n;
}

/* The checks of one target before its SOA probes; returns how many
 * probes it queued in probes. */
static size_t check_target(struct run *run, const struct zg_addr *target,
			   struct doctor_probe *probes)
{
	struct doctor_path *path = run->path;
	bool allowed[2] = { false, false };
	bool routed[CONFIG_MAX_SOURCES] = { false };

	if (!check_loop(run, target)) {
		add(run, DOCTOR_CHECK_SOA, DOCTOR_SKIP, target, NULL, 0,
		    "not asked: it is zonegate itself");
		return 0;
	}
	check_egress(run, target, allowed);
	bool any_route = false;
	for (size_t s = 0; s < path->n_sources; s++) {
		if (run->source_ok[s]) {
			routed[s] = check_route(run, target, &path->sources[s]);
			any_route = any_route || routed[s];
		}
	}
	if (path->n_sources == 0) {
		check_route(run, target, NULL);
	}
	check_tunnel(run, target);
	check_health(run, target);

	size_t n = plan_probes(run, target, allowed, routed, probes);
	if (n == 0) {
		add(run, DOCTOR_CHECK_SOA, DOCTOR_SKIP, target, NULL, 0,
		    "not asked: %s", !any_route ? "no usable source with a route"
					     : "the security group allows neither udp nor tcp");
	}
	return n;
}

/* Checks one path up to its SOA probes, which it queues in probes. */
static size_t check_path(struct run *run, struct doctor_probe *probes)
{
	struct doctor_path *path = run->path;
	check_sources(run);
	check_quarantine(run);
	size_t n = 0;
	for (size_t t = 0; t < path->n_targets; t++) {
		n += check_target(run, &path->targets[t], probes + n);
	}
	for (size_t i = 0; i < n; i++) {
		probes[i].domain = path->domain_wire;
	}
	return n;
}

int doctor_run(struct doctor_plan *plan, const struct doctor_options *opts)
{
	uint32_t timeout_ms = opts->timeout_ms != 0 ? opts->timeout_ms
						    : DOCTOR_DEFAULT_TIMEOUT_MS;
	/* At most one probe per target, source and protocol. */
	size_t cap = 0;
	for (size_t i = 0; i < plan->n_paths; i++) {
		cap += plan->paths[i].n_targets * plan->paths[i].n_sources * 2;
	}
	struct doctor_probe *probes = NULL;
	size_t *first = calloc(plan->n_paths + 1, sizeof(*first));
	if (cap > 0) {
		probes = calloc(cap, sizeof(*probes));
	}
	if (first == NULL || (cap > 0 && probes == NULL)) {
		free(first);
		free(probes);
		return ZG_ENOMEM;
	}

	struct run run;
	int ret = 0;
	size_t n = 0;
	for (size_t i = 0; i < plan->n_paths; i++) {
		run = (struct run){ .path = &plan->paths[i], .plan = plan,
					.opts = opts,
					.timeout_ms = timeout_ms };
		first[i] = n;
		n += check_path(&run, probes + n);
		ret = ret != 0 ? ret : run.error;
	}
	first[plan->n_paths] = n;

	/* The SOA queries of every path at once: the run takes one
	 * timeout, however many rules a VPC has. */
	if (ret == 0 && n > 0) {
		ret = doctor_probe_run(probes, n, timeout_ms);
	}
	for (size_t i = 0; ret == 0 && i < plan->n_paths; i++) {
		run = (struct run){ .path = &plan->paths[i], .plan = plan,
					.opts = opts,
					.timeout_ms = timeout_ms };
		for (size_t k = first[i]; k < first[i + 1]; k++) {
			report_probe(&run, &probes[k]);
		}
		ret = run.error;
	}
	free(first);
	free(probes);
	return ret;
}
