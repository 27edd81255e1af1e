/* SPDX-License-Identifier: GPL-3.0-or-later */
/* zonegate doctor: checks, one by one, the path that a forwarded query of
 * a rule takes — the endpoint's source addresses, a loop back to
 * zonegate, the security group, the kernel's route, the VPN tunnel, the
 * health table, and an SOA query to each target — and says for each what
 * is wrong and what to fix. */
#ifndef ZONEGATE_DOCTOR_DOCTOR_H
#define ZONEGATE_DOCTOR_DOCTOR_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "common/addr.h"
#include "config/config.h"

/*
 * Design
 * ------
 * doctor runs in API threads, off the query path: it copies what it
 * needs out of the published configuration (a plan), lets go of it, and
 * then checks, with sockets of its own. It changes nothing: no health
 * entry is created or updated, no cache is filled. Its one network
 * action is one SOA query per target, source address and transport,
 * sent all at once and bounded by one timeout.
 *
 * For each path (a rule, with its endpoint) the checks come in this
 * order, and a check whose premise failed is reported "skip":
 *
 *   source   each source address of the endpoint is held by this host
 *   loop     the target is not a zonegate listener (nor, when zonegate
 *            listens on a wildcard address, one of this host's
 *            addresses on that port); the rule is not quarantined for
 *            a forwarding loop
 *   egress   the endpoint's security group allows UDP and TCP to it
 *   route    the kernel has a route to it from each source (as
 *            `ip route get TARGET from SOURCE`, over netlink, in the
 *            daemon's own network namespace)
 *   tunnel   a target inside a VPN connection's remote subnets has that
 *            tunnel up (skip when no connection covers it)
 *   health   what the health table says of the target (warn when down)
 *   soa      the target answers an SOA query for the rule's domain,
 *            over UDP and TCP, from each source
 *
 * LIMITATION: only forwarding rules are checked. For a VPC, doctor
 * checks the rules bound to it, not its default upstream nor the
 * primaries of its secondary zones; their paths go unchecked.
 */

#define DOCTOR_DETAIL_LEN 256
#define DOCTOR_FIX_LEN 256
/* The timeout of the SOA queries, unless the caller gives one. */
#define DOCTOR_DEFAULT_TIMEOUT_MS 2000
#define DOCTOR_MIN_TIMEOUT_MS 100
#define DOCTOR_MAX_TIMEOUT_MS 10000

enum doctor_status {
	DOCTOR_OK = 0,
	DOCTOR_WARN,		/* works, but something deserves a look */
	DOCTOR_FAIL,		/* forwarded queries fail or are at risk */
	DOCTOR_SKIP,		/* not checked: a premise failed, or n/a */
};

enum doctor_check_kind {
	DOCTOR_CHECK_SOURCE = 0,
	DOCTOR_CHECK_LOOP,
	DOCTOR_CHECK_EGRESS,
	DOCTOR_CHECK_ROUTE,
	DOCTOR_CHECK_TUNNEL,
	DOCTOR_CHECK_HEALTH,
	DOCTOR_CHECK_SOA,
};

/*! "ok", "warn", "fail", "skip". */
const char *doctor_status_name(enum doctor_status status);

/*! "source", "loop", "egress", "route", "tunnel", "health", "soa". */
const char *doctor_check_name(enum doctor_check_kind kind);

/* The result of one check. */
struct doctor_check {
	enum doctor_check_kind kind;
	enum doctor_status status;
	bool has_target;
	struct zg_addr target;		/* with port */
	bool has_source;
	struct zg_addr source;		/* port 0 */
	int protocol;			/* IPPROTO_UDP or _TCP (soa), else 0 */
	char detail[DOCTOR_DETAIL_LEN];	/* what was found, one sentence */
	char fix[DOCTOR_FIX_LEN];	/* what to do; "" when nothing */
};

/* One egress rule of an endpoint's security group (a copy). */
struct doctor_egress {
	int protocol;			/* IPPROTO_UDP, IPPROTO_TCP, 0 = both */
	uint16_t port;			/* 0 = any */
	struct zg_prefix prefix;
};

/* One path to check: a forwarding rule and its endpoint, copied out of
 * the configuration. Everything is owned by the path. */
struct doctor_path {
	char rule_id[CONFIG_ID_LEN];
	char endpoint_id[CONFIG_ID_LEN];
	char domain[KNOT_DNAME_TXT_MAXLEN + 1];	/* absolute, lower case */
	uint8_t domain_wire[KNOT_DNAME_MAXLEN];
	struct zg_addr targets[CONFIG_MAX_TARGETS];	/* with port */
	size_t n_targets;
	struct zg_addr sources[CONFIG_MAX_SOURCES];	/* port 0 */
	size_t n_sources;
	struct doctor_egress *egress;	/* the security group */
	size_t n_egress;
	char (*vpc_ids)[CONFIG_ID_LEN];	/* VPCs the rule is bound to */
	size_t n_vpcs;
	struct doctor_check *checks;	/* filled by doctor_run() */
	size_t n_checks;
	size_t cap_checks;
};

/* Who owns one of zonegate's listener addresses, for messages. */
#define DOCTOR_OWNER_LEN (CONFIG_ID_LEN + 24)

/* What doctor checks: paths and what it must know about zonegate. */
struct doctor_plan {
	struct doctor_path *paths;	/* in configuration order */
	size_t n_paths;
	struct zg_addr *listen;		/* every address zonegate listens on */
	/* Per listen[i]: "VPC vpc-1", "inbound endpoint ib-1" or
	 * "--dns-listen". */
	char (*listen_owner)[DOCTOR_OWNER_LEN];
	size_t n_listen;
};

/*!
 * The plan for one rule (rule_id), or for every rule bound to one VPC
 * (vpc_id; a VPC with no rules gives an empty plan). Copies what it
 * needs from cfg, which the caller reads under rcu_read_lock(); the plan
 * does not point into cfg.
 * \retval 0, ZG_ENOENT (no such rule or VPC in cfg), ZG_ENOMEM.
 *         On failure out is empty.
 */
int doctor_plan_rule(const struct config *cfg, const char *rule_id,
		     struct doctor_plan *out);
int doctor_plan_vpc(const struct config *cfg, const char *vpc_id,
		    struct doctor_plan *out);

/*! Frees what the plan owns, checks included, and zeroes it. */
void doctor_plan_clear(struct doctor_plan *plan);

/*
 * Pure steps, exposed for tests.
 */

/*! True when the security group (n rules) lets protocol to target's
 *  address and port. An empty group allows nothing. */
bool doctor_egress_allows(const struct doctor_egress *rules, size_t n,
			  int protocol, const struct zg_addr *target);

/*!
 * The listener that target would reach, if any: one with the same
 * address and port, or, when is_local (the target is an address of this
 * host), a wildcard listener (0.0.0.0 or ::) of target's family and
 * port. \return its index in listen, or -1.
 */
int doctor_find_loop(const struct zg_addr *listen, size_t n_listen,
		     const struct zg_addr *target, bool is_local);

/*
 * The kernel's route (route.c).
 */

struct doctor_route {
	int type;			/* RTN_UNICAST, RTN_LOCAL, ... */
	char ifname[IF_NAMESIZE];	/* "" when the kernel gave none */
	uint32_t table;			/* RT_TABLE_MAIN, 220, ... */
	bool has_gateway;
	struct zg_addr gateway;		/* port 0 */
	bool has_prefsrc;
	struct zg_addr prefsrc;		/* port 0 */
};

/*!
 * Asks the kernel, over rtnetlink, which route a packet to dst (port
 * ignored) from src (NULL: any) takes in this thread's network
 * namespace, as `ip route get DST from SRC` does. Bounded: one request,
 * at most 1 s for the reply.
 * \retval 0 with out filled; -errno from the kernel (-ENETUNREACH,
 *         -EHOSTUNREACH, -EINVAL for a source that is not local),
 *         ZG_ETIMEOUT, ZG_EMALF (reply not understood).
 */
int doctor_route_get(const struct zg_addr *dst, const struct zg_addr *src,
		     struct doctor_route *out);

/*! "unicast", "local", "unreachable", "blackhole", "prohibit", ... */
const char *doctor_route_type_name(int type);

/*
 * SOA queries (probe.c).
 */

struct doctor_probe {
	/* In. */
	const uint8_t *domain;		/* wire; the SOA asked for */
	struct zg_addr target;		/* with port */
	bool has_source;
	struct zg_addr source;		/* port 0 */
	int protocol;			/* IPPROTO_UDP or IPPROTO_TCP */
	/* Out. */
	int error;			/* 0: a reply came; ZG_ETIMEOUT;
					 * -errno (ECONNREFUSED: port
					 * unreachable, EADDRNOTAVAIL: the
					 * source is not ours, ...) */
	uint32_t rtt_ms;
	int rcode;			/* KNOT_RCODE_*, with a reply */
	bool aa, tc;
	bool soa_found;			/* SOA of the domain in the answer */
	uint32_t serial;		/* its serial */
};

/*!
 * Sends each probe's SOA query for its domain (RD set, EDNS 1232) at
 * once and waits until every one is answered or timeout_ms passed. A
 * reply counts only when it comes from the target's address and port,
 * carries the query's ID and echoes the question (case ignored); others
 * are dropped as a forwarder would.
 * \retval 0 (each probe has its result), ZG_ENOMEM, ZG_EINVAL (a probe
 *         without a domain).
 */
int doctor_probe_run(struct doctor_probe *probes, size_t n,
		     uint32_t timeout_ms);

/*
 * Running the checks (doctor.c).
 */

/* What the VPN side says of one target, for the tunnel check. */
enum doctor_tunnel_state {
	DOCTOR_TUNNEL_NONE = 0,		/* no VPN connection covers it */
	DOCTOR_TUNNEL_UP,
	DOCTOR_TUNNEL_DOWN,
};

/*!
 * Looks up the tunnel for target (port ignored); fills connection (at
 * most len bytes, "" when unknown) with the connection's id.
 */
typedef enum doctor_tunnel_state (*doctor_tunnel_fn)(
	void *arg, const struct zg_addr *target, char *connection, size_t len);

struct doctor_options {
	uint32_t timeout_ms;		/* SOA queries; 0: the default */
	doctor_tunnel_fn tunnel;	/* NULL: no VPN module */
	void *tunnel_arg;
	/* The health table is read only when true (the daemon has one). */
	bool health;
};

/*!
 * Runs every check of every path of plan and appends the results to each
 * path's checks, in the order of the design above, per target and
 * source; the soa checks of a path come last. The SOA queries of all
 * paths go out together, so the whole run takes about timeout_ms (plus
 * up to 1 s per route lookup the kernel leaves unanswered); never from a
 * DNS worker.
 * \retval 0, ZG_ENOMEM (checks so far are kept).
 */
int doctor_run(struct doctor_plan *plan, const struct doctor_options *opts);

/*! DOCTOR_FAIL when a check of path failed, DOCTOR_WARN when one
 *  warned, else DOCTOR_OK. */
enum doctor_status doctor_path_status(const struct doctor_path *path);

#endif
