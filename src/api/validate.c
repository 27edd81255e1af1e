/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Validation of API input: names, addresses, CIDR overlap, forwarding
 * targets, record types and values, and the record rules over one name
 * or a whole zone file. No store, no I/O; unit-tested. */
#include "api/validate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libknot/libknot.h>
#include <libzscanner/scanner.h>

#include "common/error.h"

static int refuse(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *msg, size_t msglen, const char *fmt, ...)
{
	if (msg != NULL && msglen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return ZG_EINVAL;
}

/*
 * Names
 */

static bool label_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/*
 * Checks the labels of text (no final dot, not empty) and writes them
 * lower case to out. allow_wildcard: the first label may be "*";
 * escaped_dot: the first label may hold "\." (an SOA rname).
 */
static int check_labels(const char *text, bool allow_wildcard,
			bool escaped_dot, char *out, size_t outlen,
			char *msg, size_t msglen)
{
	size_t len = strlen(text);
	if (len > 253 || len + 2 > outlen) {
		return refuse(msg, msglen,
			      "the name is longer than 253 characters");
	}

	size_t label_len = 0;
	size_t label_no = 0;
	char prev = '.';
	for (size_t i = 0; i <= len; i++) {
		char c = text[i];
		if (c == '.' || c == '\0') {
			if (label_len == 0) {
				return refuse(msg, msglen,
					      "the name has an empty label");
			}
			if (prev == '-') {
				return refuse(msg, msglen,
					      "a label ends with '-'");
			}
			out[i] = c;
			label_len = 0;
			label_no++;
			prev = '.';
			continue;
		}
		if (c == '*' && allow_wildcard && i == 0 &&
		    (text[1] == '.' || text[1] == '\0')) {
			out[i] = c;
			label_len = 1;
			prev = c;
			continue;
		}
		if (c == '\\' && escaped_dot && label_no == 0 &&
		    text[i + 1] == '.') {
			out[i] = c;
			out[i + 1] = '.';
			i++;
			label_len += 2;
			prev = '.';
			continue;
		}
		if (c == '*') {
			return refuse(msg, msglen,
				      "'*' is only allowed as the whole first label (a wildcard)");
		}
		if (!label_char(c)) {
			return refuse(msg, msglen,
				      "the name holds '%c'; use letters, digits, '-' and '_'",
				      isprint((unsigned char)c) ? c : '?');
		}
		if (c == '-' && prev == '.') {
			return refuse(msg, msglen, "a label starts with '-'");
		}
		if (++label_len > 63) {
			return refuse(msg, msglen,
				      "a label is longer than 63 characters");
		}
		out[i] = (char)tolower((unsigned char)c);
		prev = c;
	}
	out[len] = '\0';
	return 0;
}

/* Copies in without one final dot; refuses empty text. */
static int strip_dot(const char *in, char *out, size_t outlen, char *msg,
		     size_t msglen)
{
	size_t len = strlen(in);
	if (len == 0) {
		return refuse(msg, msglen, "the name is empty");
	}
	if (len >= outlen) {
		return refuse(msg, msglen,
			      "the name is longer than 253 characters");
	}
	memcpy(out, in, len + 1);
	if (out[len - 1] == '.' && (len < 2 || out[len - 2] != '\\')) {
		out[len - 1] = '\0';
	}
	return 0;
}

static int finish_name(const char *in, bool allow_root, bool allow_wildcard,
		       bool escaped_dot, char *out, size_t outlen, char *msg,
		       size_t msglen)
{
	if (strcmp(in, ".") == 0) {
		if (!allow_root) {
			return refuse(msg, msglen,
				      "the root name '.' is not allowed here");
		}
		snprintf(out, outlen, ".");
		return 0;
	}
	char bare[API_NAME_LEN];
	int ret = strip_dot(in, bare, sizeof(bare), msg, msglen);
	if (ret == 0) {
		ret = check_labels(bare, allow_wildcard, escaped_dot, out,
				   outlen, msg, msglen);
	}
	if (ret == 0) {
		strcat(out, ".");
	}
	return ret;
}

int api_validate_domain(const char *in, bool allow_root, char *out,
			size_t outlen, char *msg, size_t msglen)
{
	return finish_name(in, allow_root, false, false, out, outlen, msg,
			   msglen);
}

int api_validate_rname(const char *in, char *out, size_t outlen, char *msg,
		       size_t msglen)
{
	return finish_name(in, false, false, true, out, outlen, msg, msglen);
}

bool api_name_fits_wire(const char *name)
{
	uint8_t wire[KNOT_DNAME_MAXLEN];
	return knot_dname_from_str(wire, name, sizeof(wire)) != NULL;
}

/* True when fqdn is zone or below it (both absolute, lower case). */
static bool in_zone(const char *fqdn, const char *zone, size_t *rel_len)
{
	size_t flen = strlen(fqdn);
	size_t zlen = strlen(zone);
	if (strcmp(zone, ".") == 0) {
		*rel_len = flen > 1 ? flen - 1 : 0;
		return true;
	}
	if (flen == zlen) {
		*rel_len = 0;
		return strcmp(fqdn, zone) == 0;
	}
	if (flen > zlen && fqdn[flen - zlen - 1] == '.' &&
	    strcmp(fqdn + flen - zlen, zone) == 0) {
		*rel_len = flen - zlen - 1;
		return true;
	}
	return false;
}

int api_validate_owner(const char *zone, const char *in, char *rel,
		       size_t rellen, char *fqdn, size_t fqdnlen, char *msg,
		       size_t msglen)
{
	char full[2 * API_NAME_LEN + 2];
	size_t len = strlen(in);
	if (strcmp(in, "@") == 0) {
		snprintf(full, sizeof(full), "%s", zone);
	} else if (len > 0 && in[len - 1] == '.') {
		snprintf(full, sizeof(full), "%s", in);
	} else if (strcmp(zone, ".") == 0) {
		snprintf(full, sizeof(full), "%s.", in);
	} else {
		snprintf(full, sizeof(full), "%s.%s", in, zone);
	}

	int ret = finish_name(full, true, true, false, fqdn, fqdnlen, msg,
			      msglen);
	if (ret != 0) {
		return ret;
	}
	size_t rel_len = 0;
	if (!in_zone(fqdn, zone, &rel_len)) {
		return refuse(msg, msglen, "%s is not inside the zone %s",
			      fqdn, zone);
	}
	if (rel_len == 0) {
		snprintf(rel, rellen, "@");
	} else {
		snprintf(rel, rellen, "%.*s", (int)rel_len, fqdn);
	}
	return 0;
}

int api_validate_grant_name(const char *zone, const char *in, char *fqdn,
			    size_t fqdnlen, char *msg, size_t msglen)
{
	char rel[API_NAME_LEN];
	if (strcmp(in, "@") == 0) {
		return api_validate_owner(zone, in, rel, sizeof(rel), fqdn,
					  fqdnlen, msg, msglen);
	}
	char name[API_NAME_LEN];
	int ret = finish_name(in, false, true, false, name, sizeof(name), msg,
			      msglen);
	if (ret != 0) {
		return ret;
	}
	ret = api_validate_owner(zone, name, rel, sizeof(rel), fqdn, fqdnlen,
				 msg, msglen);
	size_t len = strlen(in);
	if (ret == 0 || in[len - 1] == '.') {
		return ret;
	}

	/* Outside the zone, and written without the final dot: say which
	 * name to write if the name was meant relative to the zone. */
	char meant[API_NAME_LEN];
	if (api_validate_owner(zone, in, rel, sizeof(rel), meant,
			       sizeof(meant), NULL, 0) != 0) {
		return ret;
	}
	return refuse(msg, msglen,
		      "%s is not inside the zone %s; names in an update policy are fully qualified, as in BIND's update-policy (for this name in the zone write %s)",
		      name, zone, meant);
}

bool api_owner_repeats_zone(const char *zone, const char *in)
{
	size_t len = strlen(in);
	size_t zlen = strlen(zone);
	if (strcmp(zone, ".") == 0 || zlen < 2 || len == 0 ||
	    in[len - 1] == '.' || strcmp(in, "@") == 0) {
		return false;
	}
	zlen--;			/* the zone without its final dot */
	if (len < zlen || strncasecmp(in + len - zlen, zone, zlen) != 0) {
		return false;
	}
	return len == zlen || in[len - zlen - 1] == '.';
}

/* True when in is "<prefix>-<digits>". */
static bool looks_like_id(const char *in, const char *prefix)
{
	size_t plen = strlen(prefix);
	if (strncmp(in, prefix, plen) != 0 || in[plen] != '-' ||
	    in[plen + 1] == '\0') {
		return false;
	}
	for (const char *p = in + plen + 1; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p)) {
			return false;
		}
	}
	return true;
}

/* The prefixes of every id the API hands out (store/store.c counters):
 * VPCs, zones, records, endpoints, rules, inbound endpoints, VPN
 * gateways, customer gateways, IPsec connections and VPN routes. */
static const char *const id_prefixes[] = {
	"vpc", "zone", "rec", "ep", "rule", "in", "vgw", "cgw", "vco", "vrt",
};

bool api_zone_name_looks_like_id(const char *name, const char **kind)
{
	char label[64];
	size_t len = strcspn(name, ".");
	if (len >= sizeof(label)) {
		return false;
	}
	memcpy(label, name, len);
	label[len] = '\0';
	for (size_t i = 0; i < sizeof(id_prefixes) / sizeof(*id_prefixes);
	     i++) {
		if (looks_like_id(label, id_prefixes[i])) {
			*kind = id_prefixes[i];
			return true;
		}
	}
	return false;
}

int api_validate_resource_name(const char *in, const char *id_prefix,
			       char *msg, size_t msglen)
{
	size_t len = strlen(in);
	if (len == 0 || len > 63) {
		return refuse(msg, msglen, "a name has 1 to 63 characters");
	}
	if (in[0] == '-') {
		return refuse(msg, msglen, "a name cannot start with '-'");
	}
	/* "." and ".." are path steps, not names (/v1/vpcs/..). */
	if (strspn(in, ".") == len) {
		return refuse(msg, msglen,
			      "a name cannot be only dots ('.', '..')");
	}
	for (size_t i = 0; i < len; i++) {
		if (!label_char(in[i]) && in[i] != '.') {
			return refuse(msg, msglen,
				      "a name holds letters, digits, '-', '_' and '.' only");
		}
	}
	if (looks_like_id(in, id_prefix)) {
		return refuse(msg, msglen,
			      "'%s' looks like an id; choose a name that is not %s-<number>",
			      in, id_prefix);
	}
	return 0;
}

/*
 * Addresses
 */

/* Explains why a CIDR did not parse: host bits, or plain nonsense. */
static int explain_bad_cidr(const char *in, char *msg, size_t msglen)
{
	char addr[ZG_ADDR_STRLEN];
	const char *slash = strchr(in, '/');
	if (slash == NULL || (size_t)(slash - in) >= sizeof(addr)) {
		return refuse(msg, msglen, "'%s' is not a CIDR like 10.0.0.0/8",
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
		return refuse(msg, msglen,
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
		return refuse(msg, msglen, "'%s' is not a CIDR like 10.0.0.0/8",
			      in);
	}

	p.len = (uint8_t)len;
	for (int bit = (int)len; bit < max; bit++) {
		p.bytes[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	}
	char net[ZG_ADDR_STRLEN + 8];
	prefix_format(&p, net, sizeof(net));
	return refuse(msg, msglen,
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
	return refuse(msg, msglen,
		      "'%s' is an IPv4-mapped IPv6 CIDR; write it in the IPv4 form %s/%u",
		      in, v4, (unsigned)(p->len - 96));
}

int api_validate_cidr(const char *in, struct zg_prefix *out, char *canon,
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
		return refuse(msg, msglen,
			      "%s '%s' is the unspecified address", what, in);
	}
	if (addr_is_multicast_or_broadcast(a)) {
		return refuse(msg, msglen,
			      "%s '%s' is a multicast or broadcast address",
			      what, in);
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	if (addr_family(a) == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		char v4[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], v4,
			  sizeof(v4));
		return refuse(msg, msglen,
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
		return refuse(msg, msglen, "'%s': the port must be 1-65535",
			      in);
	}
	return refuse(msg, msglen,
		      "'%s' is not %s[:PORT] (IPv6 with a port as [%s]:PORT)",
		      in, word, word);
}

int api_validate_listener(const char *in, struct zg_addr *out, char *canon,
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

int api_validate_source(const char *in, struct zg_addr *out, char *canon,
			size_t canonlen, char *msg, size_t msglen)
{
	if (addr_parse_ip(in, out) != 0) {
		return refuse(msg, msglen,
			      "'%s' is not an IPv4 or IPv6 address (no port)",
			      in);
	}
	int ret = check_usable(out, in, "source", msg, msglen);
	if (ret == 0) {
		addr_format(out, false, canon, canonlen);
	}
	return ret;
}

bool api_target_is_own(const struct zg_addr *target,
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

int api_validate_target(const char *in, const struct zg_addr *own,
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
	if (api_target_is_own(out, own, n_own)) {
		return refuse(msg, msglen,
			      "target %s is one of zonegate's own listener addresses; zonegate would forward to itself",
			      canon);
	}
	return 0;
}

bool api_find_cidr_conflict(const struct api_vpc_cidrs *vpc,
			    const struct api_vpc_cidrs *others,
			    size_t n_others, struct api_overlap *where)
{
	for (size_t o = 0; o < n_others; o++) {
		const struct api_vpc_cidrs *other = &others[o];
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

bool api_egress_allows(const struct api_egress *rules, size_t n,
		       int protocol, const struct zg_addr *target)
{
	for (size_t i = 0; i < n; i++) {
		const struct api_egress *r = &rules[i];
		if ((r->protocol == 0 || r->protocol == protocol) &&
		    (r->port == 0 || r->port == addr_port(target)) &&
		    prefix_contains(&r->prefix, target)) {
			return true;
		}
	}
	return false;
}

int api_parse_protocol(const char *in, int *protocol)
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

/*
 * Records
 */

/* Why a type is never stored as a record, or NULL when it may be. */
static const char *type_refusal(uint16_t code)
{
	switch (code) {
	case 0:
	case 65535:
		return "it is reserved (RFC 6895 section 3.1)";
	case KNOT_RRTYPE_SOA:
		return "the SOA record is the zone's soa field";
	case KNOT_RRTYPE_DNAME:
		return "zonegate does not rewrite the names below a DNAME (RFC 6672), so queries there would be answered wrongly; use a CNAME for each name instead";
	case 3:				/* MD, RFC 973 */
	case 4:				/* MF, RFC 973 */
	case 10:			/* NULL: not in master files */
	case 30:			/* NXT, RFC 3755 */
	case 38:			/* A6, RFC 6563 */
		return "the type is obsolete";
	case KNOT_RRTYPE_SIG:
	case KNOT_RRTYPE_KEY:
	case KNOT_RRTYPE_RRSIG:
	case KNOT_RRTYPE_NSEC:
	case KNOT_RRTYPE_DNSKEY:
	case KNOT_RRTYPE_NSEC3:
	case KNOT_RRTYPE_NSEC3PARAM:
	case KNOT_RRTYPE_CDS:
	case KNOT_RRTYPE_CDNSKEY:
	case KNOT_RRTYPE_ZONEMD:
	case 32768:			/* TA */
	case 32769:			/* DLV */
		return "zonegate does not sign zones, so of the DNSSEC types it stores DS only";
	default:
		break;
	}
	if (knot_rrtype_is_metatype(code) || (code >= 128 && code <= 255)) {
		return "it is a meta or query type, not data (RFC 6895 section 3.1)";
	}
	return NULL;
}

int api_validate_rtype(const char *in, char *out, size_t outlen,
		       uint16_t *code, char *msg, size_t msglen)
{
	if (knot_rrtype_from_string(in, code) != 0) {
		return refuse(msg, msglen,
			      "'%s' is not a record type; give its mnemonic (TLSA) or its number in the form TYPE65400 (RFC 3597)",
			      in);
	}
	char name[16];
	if (knot_rrtype_to_string(*code, name, sizeof(name)) < 0) {
		return refuse(msg, msglen, "'%s' is not a record type", in);
	}
	const char *why = type_refusal(*code);
	if (why != NULL) {
		return refuse(msg, msglen, "type %s is not accepted: %s",
			      name, why);
	}
	snprintf(out, outlen, "%s", name);
	return 0;
}

/*
 * Record values: one scanner kept by a parser, since libzscanner's takes
 * about 200 KB to set up and an import parses every record.
 */

struct api_rdata_parser {
	zs_scanner_t *sc;	/* NULL until used, and after a failure */
};

struct api_rdata_parser *api_rdata_parser_new(void)
{
	return calloc(1, sizeof(struct api_rdata_parser));
}

static void parser_drop_scanner(struct api_rdata_parser *p)
{
	if (p->sc != NULL) {
		zs_deinit(p->sc);
		free(p->sc);
		p->sc = NULL;
	}
}

void api_rdata_parser_free(struct api_rdata_parser *p)
{
	if (p != NULL) {
		parser_drop_scanner(p);
		free(p);
	}
}

/* One parsed record: its type and a copy of its data. */
struct parsed_rr {
	uint16_t type;
	uint8_t *data;		/* malloc'ed */
	size_t len;
};

/*
 * Parses "<fqdn> 0 IN <type_name> <value>", names relative to zone, as
 * exactly one record. The origin comes as a directive, so the scanner
 * serves any zone; value holds no newline (check_value_text()), so it
 * cannot add directives of its own.
 * \retval 0, ZG_EINVAL (*why says what is wrong), ZG_ENOMEM.
 */
static int parse_one(struct api_rdata_parser *p, const char *zone,
		     const char *fqdn, const char *type_name,
		     const char *value, struct parsed_rr *out,
		     const char **why)
{
	out->data = NULL;
	*why = "nothing parsed";
	char *text = NULL;
	if (asprintf(&text, "$ORIGIN %s\n%s 0 IN %s %s\n", zone, fqdn,
		     type_name, value) < 0) {
		return ZG_ENOMEM;
	}
	if (p->sc == NULL) {
		p->sc = malloc(sizeof(*p->sc));
		if (p->sc == NULL || zs_init(p->sc, ".", KNOT_CLASS_IN, 0) != 0) {
			free(p->sc);
			p->sc = NULL;
			free(text);
			return ZG_ENOMEM;
		}
	}

	zs_scanner_t *sc = p->sc;
	int ret = ZG_EINVAL;
	if (zs_set_input_string(sc, text, strlen(text)) != 0 ||
	    zs_parse_record(sc) != 0 || sc->state != ZS_STATE_DATA) {
		if (sc->state == ZS_STATE_ERROR) {
			*why = zs_strerror(sc->error.code);
		}
	} else {
		out->type = sc->r_type;
		out->len = sc->r_data_length;
		out->data = malloc(out->len + 1);
		ret = out->data != NULL ? 0 : ZG_ENOMEM;
	}
	if (ret == 0) {
		memcpy(out->data, sc->r_data, out->len);
		/* The scanner must reach the end before it serves again. */
		if (zs_parse_record(sc) != 0 || sc->state != ZS_STATE_EOF) {
			*why = "more than one record";
			ret = ZG_EINVAL;
		}
	}
	if (ret != 0) {
		free(out->data);
		out->data = NULL;
		/* A failed parse can leave the scanner inside a record. */
		parser_drop_scanner(p);
	}
	free(text);
	return ret;
}

/* Writes rr's data in canonical presentation form.
 * \retval 0, ZG_EINVAL (libknot cannot write it: RFC 3597 data that do
 *         not hold a record of the type), ZG_ENOMEM. */
static int dump_rdata(const struct parsed_rr *rr, char **canon)
{
	knot_rrset_t set;
	knot_rrset_init(&set, NULL, rr->type, KNOT_CLASS_IN, 0);
	if (knot_rrset_add_rdata(&set, rr->data, (uint16_t)rr->len,
				 NULL) != KNOT_EOK) {
		return ZG_ENOMEM;
	}
	/* Escapes take at most four characters per byte; a LOC record
	 * (16 octets) takes about 45. */
	size_t size = 4 * rr->len + 256;
	*canon = malloc(size);
	int len = *canon != NULL
		? knot_rrset_txt_dump_data(&set, 0, *canon, size,
					   &KNOT_DUMP_STYLE_DEFAULT)
		: -1;
	knot_rdataset_clear(&set.rrs, NULL);
	if (len < 0) {
		int ret = *canon != NULL ? ZG_EINVAL : ZG_ENOMEM;
		free(*canon);
		*canon = NULL;
		return ret;
	}
	/* Some types are dumped with a trailing blank. */
	while (len > 0 && (*canon)[len - 1] == ' ') {
		(*canon)[--len] = '\0';
	}
	return 0;
}

/* The checks on the text of a value before it is parsed. */
static int check_value_text(const char *value, char *msg, size_t msglen)
{
	if (value[0] == '\0') {
		return refuse(msg, msglen, "the value is empty");
	}
	/* One line only: a newline would let a value add other records. */
	for (const char *p = value; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			return refuse(msg, msglen,
				      "the value holds a control character; write it on one line");
		}
	}
	/* Outside quotes ';' starts a master-file comment: the rest of the
	 * value would be dropped without a word. */
	bool quoted = false;
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (*p == ';' && !quoted) {
			return refuse(msg, msglen,
				      "the value holds ';' outside quotes, which starts a comment in a zone file and would cut the value; quote it (\"a;b\") or escape it (a\\;b)");
		}
	}
	return 0;
}

/*
 * RFC 3597 section 5: data of a known type given in the generic form
 * must be what its own presentation form says; the scanner takes the
 * octets as they come. They are valid when the canonical text, parsed
 * again, gives the same octets.
 */
static int check_generic_data(struct api_rdata_parser *p, const char *zone,
			      const char *fqdn, const char *type_name,
			      const struct parsed_rr *rr, const char *canon)
{
	struct parsed_rr again;
	const char *why = NULL;
	int ret = parse_one(p, zone, fqdn, type_name, canon, &again, &why);
	if (ret == 0 && (again.len != rr->len ||
			 memcmp(again.data, rr->data, rr->len) != 0)) {
		ret = ZG_EINVAL;
	}
	free(again.data);
	return ret;
}

int api_rdata_parse(struct api_rdata_parser *p, const char *zone,
		    const char *fqdn, uint16_t type, const char *value,
		    char **canon, char *msg, size_t msglen)
{
	*canon = NULL;
	char type_name[16];
	if (knot_rrtype_to_string(type, type_name, sizeof(type_name)) < 0) {
		return refuse(msg, msglen, "unknown type");
	}
	int ret = check_value_text(value, msg, msglen);
	if (ret != 0) {
		return ret;
	}

	struct parsed_rr rr;
	const char *why = NULL;
	ret = parse_one(p, zone, fqdn, type_name, value, &rr, &why);
	if (ret == ZG_EINVAL && strcmp(why, "more than one record") == 0) {
		return refuse(msg, msglen,
			      "'%s' holds more than one record; give one value per record",
			      value);
	}
	if (ret == ZG_EINVAL) {
		return refuse(msg, msglen, "'%s' is not valid %s data: %s",
			      value, type_name, why);
	}
	if (ret == 0 && rr.type != type) {
		free(rr.data);
		return refuse(msg, msglen, "'%s' is not valid %s data", value,
			      type_name);
	}
	bool generic = strstr(value, "\\#") != NULL;
	if (ret == 0) {
		ret = dump_rdata(&rr, canon);
	}
	if (ret == 0 && generic) {
		ret = check_generic_data(p, zone, fqdn, type_name, &rr,
					 *canon);
	}
	free(rr.data);
	if (ret != 0) {
		free(*canon);
		*canon = NULL;
	}
	if (ret == ZG_EINVAL) {
		return refuse(msg, msglen, "'%s' is not valid %s data%s",
			      value, type_name, generic
			      ? ": the octets of its RFC 3597 form do not hold such a record"
			      : "");
	}
	return ret;
}

int api_validate_rdata(const char *zone, const char *fqdn, uint16_t type,
		       const char *value, char **canon, char *msg,
		       size_t msglen)
{
	*canon = NULL;
	struct api_rdata_parser *p = api_rdata_parser_new();
	if (p == NULL) {
		return ZG_ENOMEM;
	}
	int ret = api_rdata_parse(p, zone, fqdn, type, value, canon, msg,
				  msglen);
	api_rdata_parser_free(p);
	return ret;
}

int api_rdata_parse_wire(struct api_rdata_parser *p, const char *zone,
			 const char *fqdn, uint16_t type,
			 const uint8_t *rdata, size_t len, char **canon,
			 char *msg, size_t msglen)
{
	*canon = NULL;
	if (len > UINT16_MAX) {
		return refuse(msg, msglen, "the data are longer than 65535 octets");
	}
	/* "\# LEN HEX": at most 8 + 5 characters and two a byte. */
	char *text = malloc(16 + 2 * len);
	if (text == NULL) {
		return ZG_ENOMEM;
	}
	int at = snprintf(text, 16, "\\# %zu%s", len, len > 0 ? " " : "");
	for (size_t i = 0; i < len; i++) {
		at += snprintf(text + at, 3, "%02x", rdata[i]);
	}
	int ret = api_rdata_parse(p, zone, fqdn, type, text, canon, msg,
				  msglen);
	free(text);
	return ret;
}

int api_validate_wire_rdata(const char *zone, const char *fqdn,
			    uint16_t type, const uint8_t *rdata, size_t len,
			    char **canon, char *msg, size_t msglen)
{
	*canon = NULL;
	struct api_rdata_parser *p = api_rdata_parser_new();
	if (p == NULL) {
		return ZG_ENOMEM;
	}
	int ret = api_rdata_parse_wire(p, zone, fqdn, type, rdata, len, canon,
				       msg, msglen);
	api_rdata_parser_free(p);
	return ret;
}

/* The wire length of value's rdata (type_name at fqdn, names relative
 * to zone), parsed as api_rdata_parse() does. */
static int rdata_wire_len(struct api_rdata_parser *p, const char *zone,
			  const char *fqdn, const char *type_name,
			  const char *value, size_t *len)
{
	struct parsed_rr rr;
	const char *why = NULL;
	int ret = parse_one(p, zone, fqdn, type_name, value, &rr, &why);
	if (ret == 0) {
		*len = rr.len;
		free(rr.data);
	}
	return ret;
}

/* Types whose canonical text is never shorter than their wire form,
 * less one octet: names take one octet more than their text, numbers
 * and addresses (but AAAA's "::") no more than theirs. */
static bool text_bounds_wire(uint16_t type)
{
	switch (type) {
	case KNOT_RRTYPE_A:
	case KNOT_RRTYPE_CNAME:
	case KNOT_RRTYPE_MX:
	case KNOT_RRTYPE_TXT:
	case KNOT_RRTYPE_PTR:
	case KNOT_RRTYPE_SRV:
	case KNOT_RRTYPE_NS:
	case KNOT_RRTYPE_CAA:
		return true;
	default:
		return false;
	}
}

/*
 * An upper bound of the wire length of a canonical value, from its text.
 * For the other types a field can take more octets than characters: a
 * one-digit 32-bit number 4, "::" in an SVCB ipv6hint 16, a LOC record
 * 16 whatever its text; none takes more than 8 octets a character.
 */
static size_t rdata_len_bound(uint16_t type, const char *value)
{
	if (type == KNOT_RRTYPE_AAAA) {
		return 16;
	}
	size_t len = strlen(value);
	return text_bounds_wire(type) ? len + 1 : 8 * len + 16;
}

/* The records' size on the wire and the size of an answer holding them
 * (owner compressed after the question), for rdata lengths rdlen. */
static void rrset_sizes(size_t owner_len, const size_t *rdlen, size_t n,
			size_t *records, size_t *answer)
{
	/* Header, question, and an OPT record with no options. */
	*answer = KNOT_WIRE_HEADER_SIZE + owner_len + 4 + 11;
	*records = 0;
	for (size_t i = 0; i < n; i++) {
		*records += owner_len + 10 + rdlen[i];
		*answer += 2 + 10 + rdlen[i];
	}
}

int api_check_rrset_size(const char *zone, const char *fqdn, uint16_t type,
			 const char *const *values, size_t n, char *msg,
			 size_t msglen)
{
	uint8_t owner[KNOT_DNAME_MAXLEN];
	char type_name[16];
	if (knot_dname_from_str(owner, fqdn, sizeof(owner)) == NULL ||
	    knot_rrtype_to_string(type, type_name, sizeof(type_name)) < 0) {
		return refuse(msg, msglen, "%s is not a valid name", fqdn);
	}
	size_t owner_len = knot_dname_size(owner);
	size_t *rdlen = calloc(n + 1, sizeof(*rdlen));
	if (rdlen == NULL) {
		return ZG_ENOMEM;
	}

	/* The bound settles nearly every RRset without parsing. */
	for (size_t i = 0; i < n; i++) {
		rdlen[i] = rdata_len_bound(type, values[i]);
	}
	size_t records = 0, answer = 0;
	rrset_sizes(owner_len, rdlen, n, &records, &answer);
	int ret = 0;
	struct api_rdata_parser *p = NULL;
	if (records > API_MSG_MAX || answer > API_MSG_MAX) {
		p = api_rdata_parser_new();
		ret = p != NULL ? 0 : ZG_ENOMEM;
	}
	for (size_t i = 0; p != NULL && ret == 0 && i < n; i++) {
		ret = rdata_wire_len(p, zone, fqdn, type_name, values[i],
				     &rdlen[i]);
	}
	api_rdata_parser_free(p);
	if (ret == 0) {
		rrset_sizes(owner_len, rdlen, n, &records, &answer);
	}
	free(rdlen);
	if (ret == ZG_EINVAL) {
		return refuse(msg, msglen, "a value of the RRset %s %s does not parse",
			      fqdn, type_name);
	}
	if (ret == 0 && (records > API_MSG_MAX || answer > API_MSG_MAX)) {
		refuse(msg, msglen,
		       "the RRset %s %s would take %zu octets on the wire (%zu in an answer), more than the 65535 a DNS message can hold",
		       fqdn, type_name, records, answer);
		return ZG_ELIMIT;
	}
	return ret;
}

/* Types whose data are names compare without case (RFC 4034 6.2). */
static bool name_data(const char *type)
{
	return strcmp(type, "CNAME") == 0 || strcmp(type, "NS") == 0 ||
	       strcmp(type, "PTR") == 0 || strcmp(type, "MX") == 0 ||
	       strcmp(type, "SRV") == 0;
}

int api_value_cmp(const char *type, const char *a, const char *b)
{
	return name_data(type) ? strcasecmp(a, b) : strcmp(a, b);
}

static bool same_value(const char *type, const char *a, const char *b)
{
	return api_value_cmp(type, a, b) == 0;
}

static bool is_address_type(const char *type)
{
	return strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0;
}

/* NS and DS live on the parent side of a zone cut (RFC 4035 section
 * 2.4): a delegation hides neither. */
static bool cut_type(const char *type)
{
	return strcmp(type, "NS") == 0 || strcmp(type, "DS") == 0;
}

/* True when one of the NS values (existing, or the one added) names the
 * cut itself: then A and AAAA at the cut are its glue. */
static bool ns_named_like_cut(const char *owner, const char *type,
			      const char *value, const struct api_rr *existing,
			      size_t n)
{
	if (strcmp(type, "NS") == 0 && strcasecmp(value, owner) == 0) {
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(existing[i].type, "NS") == 0 &&
		    strcasecmp(existing[i].value, owner) == 0) {
			return true;
		}
	}
	return false;
}

int api_check_delegation(const char *owner, bool at_apex, const char *type,
			 const char *value, const struct api_rr *existing,
			 size_t n_existing, char *msg, size_t msglen)
{
	if (at_apex) {
		return 0;
	}
	bool glue_ok = ns_named_like_cut(owner, type, value, existing,
					 n_existing);
	bool adding_ns = strcmp(type, "NS") == 0;
	bool hidden = !cut_type(type) && !(glue_ok && is_address_type(type));
	for (size_t i = 0; i < n_existing; i++) {
		const char *other = existing[i].type;
		bool other_ns = strcmp(other, "NS") == 0;
		if (adding_ns && !cut_type(other) &&
		    !(glue_ok && is_address_type(other))) {
			return refuse(msg, msglen,
				      "%s already has %s data, which NS there would hide: below the apex a name with NS is a delegation, answered by the delegated servers (RFC 1034 section 4.2.1); delegate another name or remove that data",
				      owner, other);
		}
		if (other_ns && hidden) {
			return refuse(msg, msglen,
				      "%s is a delegation (NS %s): %s data there would be hidden by the delegation (RFC 1034 section 4.2.1); put it at another name",
				      owner, existing[i].value, type);
		}
	}
	return 0;
}

enum api_rrset_verdict api_check_rrset(const char *owner, bool at_apex,
				       const char *type, const char *value,
				       const struct api_rr *existing,
				       size_t n_existing, char *msg,
				       size_t msglen)
{
	bool cname = strcmp(type, "CNAME") == 0;
	for (size_t i = 0; i < n_existing; i++) {
		if (strcmp(existing[i].type, type) == 0 &&
		    same_value(type, existing[i].value, value)) {
			refuse(msg, msglen, "%s already has %s %s", owner,
			       type, value);
			return API_RRSET_DUPLICATE;
		}
	}
	if (at_apex && strcmp(type, "DS") == 0) {
		refuse(msg, msglen,
		       "%s is the zone apex: its DS records belong in the parent zone, where the zone is delegated (RFC 4035 section 2.4)",
		       owner);
		return API_RRSET_MISPLACED;
	}
	if (cname && at_apex) {
		refuse(msg, msglen,
		       "%s is the zone apex, which holds SOA and NS; a CNAME cannot share its name with other data (RFC 1034 section 3.6.2)",
		       owner);
		return API_RRSET_CNAME_CONFLICT;
	}
	for (size_t i = 0; i < n_existing; i++) {
		bool other_cname = strcmp(existing[i].type, "CNAME") == 0;
		if (cname && other_cname) {
			refuse(msg, msglen,
			       "%s already has a CNAME (%s); a name has at most one CNAME (RFC 2181 section 10.1)",
			       owner, existing[i].value);
			return API_RRSET_CNAME_CONFLICT;
		}
		if (cname || other_cname) {
			refuse(msg, msglen,
			       "%s already has %s data; a CNAME cannot share its name with other data (RFC 1034 section 3.6.2)",
			       owner, cname ? existing[i].type : "CNAME");
			return API_RRSET_CNAME_CONFLICT;
		}
	}
	return API_RRSET_OK;
}

/*
 * A whole name at once
 */

#define NODE_NONE SIZE_MAX

/* Where the RRs of one name stand, found in one pass. */
struct node_scan {
	size_t cname[2];	/* first two CNAMEs */
	size_t other;		/* first RR that is no CNAME */
	size_t ns;		/* first NS */
	size_t ds;		/* first DS */
	size_t hidden;		/* first RR a delegation would hide */
};

static void scan_node(const char *owner, const struct api_rr *rrs, size_t n,
		      struct node_scan *s)
{
	*s = (struct node_scan){
		.cname = { NODE_NONE, NODE_NONE }, .other = NODE_NONE,
		.ns = NODE_NONE, .ds = NODE_NONE, .hidden = NODE_NONE,
	};
	bool glue_ok = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rrs[i].type, "NS") == 0 &&
		    strcasecmp(rrs[i].value, owner) == 0) {
			glue_ok = true;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *type = rrs[i].type;
		if (strcmp(type, "CNAME") == 0) {
			if (s->cname[0] == NODE_NONE) {
				s->cname[0] = i;
			} else if (s->cname[1] == NODE_NONE) {
				s->cname[1] = i;
			}
		} else if (s->other == NODE_NONE) {
			s->other = i;
		}
		if (strcmp(type, "NS") == 0 && s->ns == NODE_NONE) {
			s->ns = i;
		}
		if (strcmp(type, "DS") == 0 && s->ds == NODE_NONE) {
			s->ds = i;
		}
		if (s->hidden == NODE_NONE && !cut_type(type) &&
		    !(glue_ok && is_address_type(type))) {
			s->hidden = i;
		}
	}
}

static size_t max_index(size_t a, size_t b)
{
	return a > b ? a : b;
}

static size_t min_index(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* The later RR of a pair in conflict, kept when it comes before the
 * one found so far. */
static void keep_first(size_t a, size_t b, size_t *bad, size_t *other)
{
	if (a == NODE_NONE || b == NODE_NONE || max_index(a, b) >= *bad) {
		return;
	}
	*bad = max_index(a, b);
	*other = min_index(a, b);
}

int api_check_node(const char *owner, bool at_apex, const struct api_rr *rrs,
		   size_t n, size_t *bad, char *msg, size_t msglen)
{
	struct node_scan s;
	scan_node(owner, rrs, n, &s);

	size_t first = NODE_NONE, other = NODE_NONE;
	if (at_apex) {
		/* The apex holds SOA and NS besides these. */
		first = min_index(s.cname[0], s.ds);
	} else {
		keep_first(s.cname[0], s.cname[1], &first, &other);
		keep_first(s.cname[0], s.other, &first, &other);
		keep_first(s.ns, s.hidden, &first, &other);
	}
	if (first == NODE_NONE) {
		return 0;
	}
	*bad = first;
	const struct api_rr *rr = &rrs[first];
	const struct api_rr *pair = other != NODE_NONE ? &rrs[other] : NULL;
	size_t n_pair = pair != NULL ? 1 : 0;
	if (api_check_rrset(owner, at_apex, rr->type, rr->value, pair, n_pair,
			    msg, msglen) == API_RRSET_OK) {
		/* The pair is a delegation and what it hides. */
		api_check_delegation(owner, false, rr->type, rr->value, pair,
				     1, msg, msglen);
	}
	return ZG_EINVAL;
}

/*
 * A whole set of records at once
 */

/* Name, type, value as the API compares them, then the order given. */
static int by_record(const void *pa, const void *pb)
{
	const struct api_set_rr *a = *(const struct api_set_rr *const *)pa;
	const struct api_set_rr *b = *(const struct api_set_rr *const *)pb;
	int c = strcmp(a->rel, b->rel);
	if (c == 0) {
		c = strcmp(a->type, b->type);
	}
	if (c == 0) {
		c = api_value_cmp(a->type, a->value, b->value);
	}
	return c != 0 ? c : (a > b) - (a < b);
}

static int by_position(const void *pa, const void *pb)
{
	const struct api_set_rr *a = *(const struct api_set_rr *const *)pa;
	const struct api_set_rr *b = *(const struct api_set_rr *const *)pb;
	return (a > b) - (a < b);
}

/* Work space of api_check_record_set(), n entries each. */
struct set_check {
	struct api_set_rr *rrs;
	struct api_set_rr **sorted;
	struct api_set_rr **part;	/* one RRset or name, in order */
	const char **values;
	struct api_rr *node;
	size_t bad;			/* first offending index so far */
	char *msg;
	size_t msglen;
};

/* Keeps the problem at index at when it comes before the one kept. */
static void set_note(struct set_check *c, const struct api_set_rr *rr,
		     const char *text)
{
	size_t at = (size_t)(rr - c->rrs);
	if (at < c->bad) {
		c->bad = at;
		if (c->msg != NULL && c->msglen > 0) {
			snprintf(c->msg, c->msglen, "%s", text);
		}
	}
}

/* Copies the records of sorted[from, to) not marked duplicate into
 * c->part in the order given; returns how many. */
static size_t set_part(struct set_check *c, size_t from, size_t to)
{
	size_t k = 0;
	for (size_t i = from; i < to; i++) {
		if (!c->sorted[i]->duplicate) {
			c->part[k++] = c->sorted[i];
		}
	}
	qsort(c->part, k, sizeof(*c->part), by_position);
	return k;
}

/* The RRset c->part[0, k) must fit a message; when it does not, the
 * record that makes it too large is found by halving. */
static int set_check_size(struct set_check *c, size_t k)
{
	const struct api_set_rr *first = c->part[0];
	char text[512];
	for (size_t i = 0; i < k; i++) {
		c->values[i] = c->part[i]->value;
	}
	int ret = api_check_rrset_size(".", first->fqdn, first->code,
				       c->values, k, text, sizeof(text));
	if (ret == ZG_ENOMEM || ret == 0) {
		return ret;
	}
	size_t lo = 1, hi = k;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		ret = api_check_rrset_size(".", first->fqdn, first->code,
					   c->values, mid, NULL, 0);
		if (ret == ZG_ENOMEM) {
			return ret;
		}
		if (ret != 0) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	ret = api_check_rrset_size(".", first->fqdn, first->code, c->values,
				   lo, text, sizeof(text));
	if (ret == ZG_ENOMEM) {
		return ret;
	}
	set_note(c, c->part[lo - 1], text);
	return 0;
}

/* The RRset sorted[from, to): one TTL, duplicates marked, its size. */
static int set_check_rrset(struct set_check *c, size_t from, size_t to)
{
	const struct api_set_rr *first = c->sorted[from];
	for (size_t i = from + 1; i < to; i++) {
		if (c->sorted[i] < first) {
			first = c->sorted[i];
		}
	}
	for (size_t i = from; i < to; i++) {
		c->sorted[i]->ttl = first->ttl;
		/* Equal values sit side by side, the earliest first. */
		c->sorted[i]->duplicate = i > from &&
			api_value_cmp(first->type, c->sorted[i - 1]->value,
				      c->sorted[i]->value) == 0;
	}
	return set_check_size(c, set_part(c, from, to));
}

/* The name of sorted[from, to), whole. */
static void set_check_name(struct set_check *c, size_t from, size_t to)
{
	size_t k = set_part(c, from, to);
	for (size_t i = 0; i < k; i++) {
		c->node[i] = (struct api_rr){ .type = c->part[i]->type,
					      .value = c->part[i]->value };
	}
	const struct api_set_rr *first = c->sorted[from];
	char text[512];
	size_t bad = 0;
	if (api_check_node(first->fqdn, strcmp(first->rel, "@") == 0,
			   c->node, k, &bad, text, sizeof(text)) != 0) {
		set_note(c, c->part[bad], text);
	}
}

/* Calls check on each run of sorted records that agree on the name (and
 * with by_type, on the type). */
static int set_runs(struct set_check *c, size_t n, bool by_type)
{
	size_t from = 0;
	for (size_t i = 1; i <= n; i++) {
		const struct api_set_rr *a = c->sorted[from];
		if (i < n && strcmp(a->rel, c->sorted[i]->rel) == 0 &&
		    (!by_type || strcmp(a->type, c->sorted[i]->type) == 0)) {
			continue;
		}
		if (by_type) {
			int ret = set_check_rrset(c, from, i);
			if (ret != 0) {
				return ret;
			}
		} else {
			set_check_name(c, from, i);
		}
		from = i;
	}
	return 0;
}

int api_check_record_set(struct api_set_rr *rrs, size_t n, size_t *bad,
			 char *msg, size_t msglen)
{
	struct set_check c = { .rrs = rrs, .bad = SIZE_MAX, .msg = msg,
			       .msglen = msglen };
	if (n == 0) {
		return 0;
	}
	c.sorted = calloc(n, sizeof(*c.sorted));
	c.part = calloc(n, sizeof(*c.part));
	c.values = calloc(n, sizeof(*c.values));
	c.node = calloc(n, sizeof(*c.node));
	int ret = c.sorted != NULL && c.part != NULL && c.values != NULL &&
		  c.node != NULL ? 0 : ZG_ENOMEM;
	for (size_t i = 0; ret == 0 && i < n; i++) {
		c.sorted[i] = &rrs[i];
	}
	if (ret == 0) {
		qsort(c.sorted, n, sizeof(*c.sorted), by_record);
		ret = set_runs(&c, n, true);
	}
	if (ret == 0) {
		set_runs(&c, n, false);
	}
	free(c.sorted);
	free(c.part);
	free(c.values);
	free(c.node);
	if (ret == 0 && c.bad != SIZE_MAX) {
		*bad = c.bad;
		ret = ZG_EINVAL;
	}
	return ret;
}
