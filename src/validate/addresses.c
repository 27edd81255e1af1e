/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Addresses: CIDRs, listeners, sources, forwarding targets, CIDR
 * overlap between VPCs, egress rules. */
#include "validate/validate.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "validate/validate_priv.h"

/*
 * Addresses
 */

/* Explains why a CIDR did not parse: host bits, or plain nonsense. */
static int explain_bad_cidr(const char *in, char *msg, size_t msglen)
{
	char addr[ZG_ADDR_STRLEN];
	const char *slash = strchr(in, '/');
	if (slash == NULL || (size_t)(slash - in) >= sizeof(addr)) {
		return validate_refuse(msg, msglen, "'%s' is not a CIDR like 10.0.0.0/8",
			      in);
	}
	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - in), in);
	char *end = NULL;
	unsigned long len = strtoul(slash + 1, &end, 10);
	/* prefix_parse() takes plain digits only: "/016", "/+16" and
	 * "/ 16" are not CIDRs, whatever strtoul makes of them. */
	char digits[8];
	snprintf(digits, sizeof(digits), "%lu", len);
	if (strcmp(digits, slash + 1) != 0) {
		return validate_refuse(msg, msglen,
			      "'%s' is not a CIDR like 10.0.0.0/8 (the prefix length is plain decimal digits)",
			      in);
	}
	struct zg_prefix p = { 0 };
	int max = 0;
	if (inet_pton(AF_INET, addr, p.bytes) == 1) {
		p.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p.bytes) == 1) {
		p.family = AF_INET6;
		max = 128;
	}
	if (max == 0 || *end != '\0' || slash[1] == '\0' ||
	    len > (unsigned long)max) {
		return validate_refuse(msg, msglen, "'%s' is not a CIDR like 10.0.0.0/8",
			      in);
	}

	p.len = (uint8_t)len;
	for (int bit = (int)len; bit < max; bit++) {
		p.bytes[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	}
	char net[ZG_ADDR_STRLEN + 8];
	prefix_format(&p, net, sizeof(net));
	return validate_refuse(msg, msglen,
		      "%s has host bits set; the network is %s", in, net);
}

/* The IPv4-mapped block ::ffff:0:0/96 (RFC 4291 section 2.5.5.2). */
static const uint8_t v4mapped_head[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/*
 * IPv4-mapped IPv6 addresses are refused everywhere: queries and
 * answers of IPv4 clients carry IPv4 addresses, so a mapped listener,
 * target, source or CIDR would never match what it means; the IPv4 form
 * says it.
 */
static int refuse_v4mapped_prefix(const struct zg_prefix *p, const char *in,
				  char *msg, size_t msglen)
{
	if (p->family != AF_INET6 || p->len < 96 ||
	    memcmp(p->bytes, v4mapped_head, sizeof(v4mapped_head)) != 0) {
		return 0;
	}
	char v4[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, p->bytes + 12, v4, sizeof(v4));
	return validate_refuse(msg, msglen,
		      "'%s' is an IPv4-mapped IPv6 CIDR; write it in the IPv4 form %s/%u",
		      in, v4, (unsigned)(p->len - 96));
}

int validate_cidr(const char *in, struct zg_prefix *out, char *canon,
		      size_t canonlen, char *msg, size_t msglen)
{
	if (prefix_parse(in, out) != 0) {
		return explain_bad_cidr(in, msg, msglen);
	}
	int ret = refuse_v4mapped_prefix(out, in, msg, msglen);
	if (ret == 0) {
		prefix_format(out, canon, canonlen);
	}
	return ret;
}

static bool is_loopback(const struct zg_addr *a)
{
	if (addr_family(a) == AF_INET) {
		const struct sockaddr_in *sin =
			(const struct sockaddr_in *)&a->ss;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
}

static int check_usable(const struct zg_addr *a, const char *in,
			const char *what, char *msg, size_t msglen)
{
	if (addr_is_unspecified(a)) {
		return validate_refuse(msg, msglen,
			      "%s '%s' is the unspecified address", what, in);
	}
	if (addr_is_multicast_or_broadcast(a)) {
		return validate_refuse(msg, msglen,
			      "%s '%s' is a multicast or broadcast address",
			      what, in);
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	if (addr_family(a) == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		char v4[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], v4,
			  sizeof(v4));
		return validate_refuse(msg, msglen,
			      "%s '%s' is an IPv4-mapped IPv6 address; write it in the IPv4 form %s",
			      what, in, v4);
	}
	return 0;
}

/* Why addr_parse() refused in: a port out of range is named as such,
 * else in is not of the form word[:PORT]. */
static int refuse_addr(const char *in, const char *word, char *msg,
		       size_t msglen)
{
	if (addr_port_out_of_range(in)) {
		return validate_refuse(msg, msglen, "'%s': the port must be 1-65535",
			      in);
	}
	return validate_refuse(msg, msglen,
		      "'%s' is not %s[:PORT] (IPv6 with a port as [%s]:PORT)",
		      in, word, word);
}

int validate_listener(const char *in, struct zg_addr *out, char *canon,
			  size_t canonlen, char *msg, size_t msglen)
{
	if (addr_parse(in, 53, out) != 0) {
		return refuse_addr(in, "ADDR", msg, msglen);
	}
	int ret = check_usable(out, in, "listener", msg, msglen);
	if (ret == 0) {
		addr_format(out, true, canon, canonlen);
	}
	return ret;
}

int validate_source(const char *in, struct zg_addr *out, char *canon,
			size_t canonlen, char *msg, size_t msglen)
{
	if (addr_parse_ip(in, out) != 0) {
		return validate_refuse(msg, msglen,
			      "'%s' is not an IPv4 or IPv6 address (no port)",
			      in);
	}
	int ret = check_usable(out, in, "source", msg, msglen);
	if (ret == 0) {
		addr_format(out, false, canon, canonlen);
	}
	return ret;
}

bool validate_target_is_own(const struct zg_addr *target,
		       const struct zg_addr *own, size_t n_own)
{
	for (size_t i = 0; i < n_own; i++) {
		if (addr_equal(target, &own[i])) {
			return true;
		}
		/* A wildcard listener receives what is sent to any local
		 * address on its port; loopback is surely local. */
		if (addr_is_unspecified(&own[i]) &&
		    addr_family(&own[i]) == addr_family(target) &&
		    addr_port(&own[i]) == addr_port(target) &&
		    is_loopback(target)) {
			return true;
		}
	}
	return false;
}

int validate_target(const char *in, const struct zg_addr *own,
			size_t n_own, struct zg_addr *out, char *canon,
			size_t canonlen, char *msg, size_t msglen)
{
	if (addr_parse(in, 53, out) != 0) {
		return refuse_addr(in, "IP", msg, msglen);
	}
	int ret = check_usable(out, in, "target", msg, msglen);
	if (ret != 0) {
		return ret;
	}
	addr_format(out, true, canon, canonlen);
	if (validate_target_is_own(out, own, n_own)) {
		return validate_refuse(msg, msglen,
			      "target %s is one of zonegate's own listener addresses; zonegate would forward to itself",
			      canon);
	}
	return 0;
}

bool validate_find_cidr_conflict(const struct validate_vpc_cidrs *vpc,
			    const struct validate_vpc_cidrs *others,
			    size_t n_others, struct validate_overlap *where)
{
	for (size_t o = 0; o < n_others; o++) {
		const struct validate_vpc_cidrs *other = &others[o];
		if (vpc->vpc_id != NULL && other->vpc_id != NULL &&
		    strcmp(vpc->vpc_id, other->vpc_id) == 0) {
			continue;
		}
		/* Both with listeners: queries are told apart by the
		 * address they arrive on, never by source. */
		if (vpc->has_listeners && other->has_listeners) {
			continue;
		}
		for (size_t i = 0; i < vpc->n_cidrs; i++) {
			for (size_t j = 0; j < other->n_cidrs; j++) {
				if (prefix_overlaps(&vpc->cidrs[i],
						    &other->cidrs[j])) {
					where->cidr = i;
					where->other = o;
					where->other_cidr = j;
					return true;
				}
			}
		}
	}
	return false;
}

bool validate_egress_allows(const struct validate_egress *rules, size_t n,
		       int protocol, const struct zg_addr *target)
{
	for (size_t i = 0; i < n; i++) {
		const struct validate_egress *r = &rules[i];
		if ((r->protocol == 0 || r->protocol == protocol) &&
		    (r->port == 0 || r->port == addr_port(target)) &&
		    prefix_contains(&r->prefix, target)) {
			return true;
		}
	}
	return false;
}

int validate_parse_protocol(const char *in, int *protocol)
{
	if (strcmp(in, "udp") == 0) {
		*protocol = IPPROTO_UDP;
	} else if (strcmp(in, "tcp") == 0) {
		*protocol = IPPROTO_TCP;
	} else if (strcmp(in, "any") == 0) {
		*protocol = 0;
	} else {
		return ZG_EINVAL;
	}
	return 0;
}
