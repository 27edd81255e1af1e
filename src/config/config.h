/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The configuration the daemon serves now: VPCs, their listeners and
 * CIDRs, zones and rules bound to each VPC, endpoints and upstreams.
 * Built whole from the store, published with RCU, never changed after. */
#ifndef ZONEGATE_CONFIG_CONFIG_H
#define ZONEGATE_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libknot/libknot.h>

#include "common/addr.h"

struct zone_handle;
struct store;

#define CONFIG_ID_LEN 48	/* "vpc-12", "rule-7" ... plus NUL */
#define CONFIG_MAX_TARGETS 6
#define CONFIG_MAX_SOURCES 6

enum config_proxy_pattern {
	CONFIG_PROXY_ZONE = 0,	/* names the zone lacks are NXDOMAIN */
	CONFIG_PROXY_RECORD,	/* NXDOMAIN falls through to the next step */
};

/* A private or secondary zone instance. */
struct config_zone {
	char zone_id[CONFIG_ID_LEN];
	char *name;			/* presentation, absolute, lower case */
	knot_dname_t *apex;		/* wire, lower case */
	enum config_proxy_pattern proxy_pattern;
	struct zone_handle *handle;	/* referenced; contents via RCU */
	char (*vpc_ids)[CONFIG_ID_LEN];	/* VPCs the zone is bound to */
	size_t n_vpcs;
};

/* One egress rule of an endpoint's security group. */
struct config_egress {
	int protocol;			/* IPPROTO_UDP, IPPROTO_TCP, 0 = both */
	uint16_t port;			/* 0 = any */
	struct zg_prefix prefix;	/* destination */
};

struct config_endpoint {
	char endpoint_id[CONFIG_ID_LEN];
	char vpc_id[CONFIG_ID_LEN];
	struct zg_addr sources[CONFIG_MAX_SOURCES]; /* port 0 */
	size_t n_sources;
	struct config_egress *egress;
	size_t n_egress;
};

/* How a rule's targets are asked, as struct forward_request takes it
 * (forward/forward.h says what each does; docs/api.md names the API
 * fields). All zero is the default of shared/resolution.md section 5. */
struct config_rule_forwarding {
	uint32_t try_timeout_ms;	/* 0: adaptive (800 ms, then SRTT) */
	uint32_t total_timeout_ms;	/* 0: the whole resolution, 6 s */
	bool tcp_only;
	bool authoritative;		/* RD=0, referrals followed */
	bool no_cookies;		/* no DNS Cookies (RFC 7873) */
	bool case_randomization;	/* 0x20 */
	bool no_hedging;		/* a try is closed at its timeout */
};

struct config_rule {
	char rule_id[CONFIG_ID_LEN];
	char *domain;			/* presentation, absolute, lower case */
	knot_dname_t *domain_wire;	/* lower case */
	struct zg_addr targets[CONFIG_MAX_TARGETS];
	size_t n_targets;
	const struct config_endpoint *endpoint; /* in the same snapshot */
	char (*vpc_ids)[CONFIG_ID_LEN];	/* VPCs the rule is bound to */
	size_t n_vpcs;
	/* Serve-stale (RFC 8767): expired answers are kept max_stale_s
	 * seconds past their TTL and served when the targets fail. */
	bool serve_stale;		/* off by default */
	uint32_t max_stale_s;
	struct config_rule_forwarding fwd;	/* how targets are asked */
};

/* An inbound endpoint: listener addresses for clients outside the VPCs
 * (on premises), answered as the VPC vpc_id when the source is inside
 * one of the allowed prefixes (shared/resolution.md section 1.2). */
struct config_inbound {
	char inbound_id[CONFIG_ID_LEN];
	char vpc_id[CONFIG_ID_LEN];
	struct zg_addr *listeners;	/* with port */
	size_t n_listeners;
	struct zg_prefix *allow;	/* allowed sources */
	size_t n_allow;
};

/* A default upstream: global ("upstream-global") or one VPC's
 * ("upstream-<vpc_id>"). */
struct config_upstream {
	char upstream_id[CONFIG_ID_LEN];
	struct zg_addr targets[CONFIG_MAX_TARGETS];
	size_t n_targets;
	bool has_source;
	struct zg_addr source;		/* port 0 */
};

enum config_candidate_kind {
	CONFIG_CAND_ZONE = 0,
	CONFIG_CAND_RULE,
	CONFIG_CAND_BUILTIN,
};

/* Something that can answer names at or below `name` for a VPC. */
struct config_candidate {
	enum config_candidate_kind kind;
	const knot_dname_t *name;	/* lower case wire */
	union {
		const struct config_zone *zone;	/* ZONE */
		const struct config_rule *rule;	/* RULE */
		struct zone_handle *builtin;	/* BUILTIN */
	} u;
};

struct config_vpc {
	char vpc_id[CONFIG_ID_LEN];
	char *name;
	struct zg_prefix *cidrs;
	size_t n_cidrs;
	struct zg_addr *listeners;	/* with port */
	size_t n_listeners;
	bool builtin_zones;		/* RFC 6303 etc. zones on for this VPC */
	const struct config_upstream *upstream; /* own, else global, else NULL */
	/* Index from lower-case wire name to the candidates there, in
	 * answer order (zone, rule, built-in). Private to config.c. */
	void *index;
};

struct config {
	uint64_t version;		/* the store's change log version */
	struct config_vpc *vpcs;
	size_t n_vpcs;
	struct config_zone *zones;
	size_t n_zones;
	struct config_rule *rules;
	size_t n_rules;
	struct config_endpoint *endpoints;
	size_t n_endpoints;
	struct config_upstream *upstreams;	/* global first when set */
	size_t n_upstreams;
	const struct config_upstream *global_upstream; /* or NULL */
	/* Every address the daemon must listen on (VPC listeners, inbound
	 * endpoint listeners and the --dns-listen ones), deduplicated. */
	struct zg_addr *listen;
	size_t n_listen;
	struct config_inbound *inbounds;
	size_t n_inbounds;
	/* The TSIG keys (RFC 8945) clients may sign queries with, so the
	 * query path checks and signs without the store. Each key's name
	 * is lower case; secrets are wiped by config_free(). */
	knot_tsig_key_t *tsig_keys;
	size_t n_tsig_keys;
};

/*!
 * Which VPC a query belongs to (shared/resolution.md section 1): for a
 * local address (IP and port) of an inbound endpoint, the endpoint's VPC
 * when one of its allowed prefixes holds the source, else NULL (the
 * query is refused); the VPC that owns the local address the query
 * arrived on; else the VPC whose CIDR holds the source, longest prefix
 * first; NULL: none.
 * IPv4 and IPv6 alike; an address never matches a prefix of the other
 * family. local or source may be NULL (that step is skipped). Two VPCs
 * with the same longest prefix (allowed only when both have listeners)
 * resolve to the first in cfg->vpcs. Allocates nothing.
 * Lock-free; cfg must be read under rcu_read_lock().
 */
const struct config_vpc *config_classify(const struct config *cfg,
					 const struct zg_addr *local,
					 const struct zg_addr *source);

/*! The TSIG key named name (any case), or NULL. Linear in the number of
 *  keys; allocates nothing. Same context as config_classify(). */
const knot_tsig_key_t *config_find_tsig_key(const struct config *cfg,
					    const knot_dname_t *name);

/*! Look-ups by id; NULL when there is none. Linear in the number of
 *  VPCs or rules. Same context as config_classify(). */
const struct config_vpc *config_find_vpc(const struct config *cfg,
					 const char *vpc_id);
const struct config_rule *config_find_rule(const struct config *cfg,
					   const char *rule_id);

/*! The zone instance with apex (any case) bound to vpc_id, or NULL: of
 *  zones of one name (split horizon), the one a NOTIFY, transfer request
 *  or UPDATE that arrived in that VPC addresses. Linear in the number of
 *  zones. Same context as config_classify(). */
const struct config_zone *config_find_zone_instance(const struct config *cfg,
						    const knot_dname_t *apex,
						    const char *vpc_id);

/*!
 * Lists the candidates of vpc for qname (lower- or mixed-case wire),
 * longest name first; on equal names a zone before a rule, a configured
 * zone or rule before a built-in zone (built-ins only when enabled).
 * Matching is on whole labels.
 *
 * \param out   array of at least max entries; pointers stay valid while
 *              cfg does. When more than max exist, the longest max are
 *              written. Each candidate's name points into cfg (the
 *              zone's apex, the rule's domain_wire) or, for built-in
 *              zones, into the built-in table.
 * \return the number of candidates written. Allocates nothing; one
 *         trie look-up per label of qname. Same context as
 *         config_classify().
 */
size_t config_candidates(const struct config *cfg, const struct config_vpc *vpc,
			 const knot_dname_t *qname,
			 struct config_candidate *out, size_t max);

/*! True when some zone or rule bound to vpc (not a built-in) covers name.
 *  Used to decide whether a CNAME target from the default upstream must
 *  be resolved again locally (shared/resolution.md section 4). */
bool config_vpc_covers(const struct config *cfg, const struct config_vpc *vpc,
		       const knot_dname_t *name);

/*
 * Construction. Allocate a config with calloc, fill the arrays (every
 * pointer inside is owned by the config and freed by config_free(); zone
 * handles are referenced), then call config_finish(), which resolves
 * each VPC's upstream, builds the per-VPC name indexes from the zones'
 * and rules' vpc_ids, adds the built-in zones and the listen set.
 *
 * It also makes both spellings of each zone and rule name agree: name
 * and apex (domain and domain_wire) are lower-cased, and a missing one
 * is derived from the other. Equal kinds at one name keep array order.
 * The listen set keeps VPC listeners first, then inbound endpoint
 * listeners, then extra_listen, each address (IP and port) once. Built-in zone candidates are added for
 * VPCs with builtin_zones set (the caller folds a global switch into
 * that flag); their handles come from config_builtin_handle().
 *
 * \param extra_listen   the daemon's --dns-listen addresses (copied).
 * \retval 0, ZG_EINVAL (a binding names an unknown VPC, or a name does
 *         not parse; err says which), ZG_ENOMEM. On failure cfg is
 *         still freed with config_free().
 */
int config_finish(struct config *cfg, const struct zg_addr *extra_listen,
		  size_t n_extra_listen, char *err, size_t errlen);

/*! The shared handles of the built-in zones, created on first use
 *  (thread-safe) and kept until config_builtins_free() at exit. The
 *  apex is matched case-insensitively; NULL for a name that is not a
 *  built-in zone (or ENOMEM). Handle ids are "builtin-<zone without the
 *  final dot>", e.g. "builtin-10.in-addr.arpa", except the ip6.arpa
 *  zones of :: and ::1: "builtin-ip6-unspecified", "builtin-ip6-loopback".
 *  The caller does not own a reference. Not from an RCU read-side
 *  section on first use. config_builtins_free() is for exit, after the
 *  last snapshot that uses them is freed; accepts being called twice. */
struct zone_handle *config_builtin_handle(const knot_dname_t *apex);
void config_builtins_free(void);

/*
 * Publication. The current snapshot is read with rcu_read_lock();
 * config_current() ... rcu_read_unlock(). Do not keep pointers into it
 * across an asynchronous wait: keep ids and look them up again.
 */
const struct config *config_current(void);

/*! Swaps in cfg (ownership passes), waits for readers, frees the old.
 *  cfg may be NULL (shutdown). Publishers must be serialised; never call
 *  it from an RCU read-side section. */
void config_publish(struct config *cfg);

/*! Frees a snapshot nobody reads. Accepts NULL. */
void config_free(struct config *cfg);

#endif
