/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Validation of API input: names, addresses, CIDR overlap, forwarding
 * targets and record values. Pure functions, unit-tested. */
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

int api_validate_listener(const char *in, struct zg_addr *out, char *canon,
			  size_t canonlen, char *msg, size_t msglen)
{
	if (addr_parse(in, 53, out) != 0) {
		return refuse(msg, msglen,
			      "'%s' is not ADDR[:PORT] (IPv6 with a port as [ADDR]:PORT)",
			      in);
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
		return refuse(msg, msglen,
			      "'%s' is not IP[:PORT] (IPv6 with a port as [IP]:PORT)",
			      in);
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

static const char *const allowed_types[] = {
	"A", "AAAA", "CNAME", "MX", "TXT", "PTR", "SRV", "NS", "CAA",
};

int api_validate_rtype(const char *in, char *out, size_t outlen,
		       uint16_t *code, char *msg, size_t msglen)
{
	for (size_t i = 0; i < sizeof(allowed_types) / sizeof(*allowed_types);
	     i++) {
		if (strcasecmp(in, allowed_types[i]) == 0) {
			snprintf(out, outlen, "%s", allowed_types[i]);
			if (knot_rrtype_from_string(allowed_types[i],
						    code) != 0) {
				return refuse(msg, msglen, "unknown type");
			}
			return 0;
		}
	}
	return refuse(msg, msglen,
		      "type '%s' is not supported; use A, AAAA, CNAME, MX, TXT, PTR, SRV, NS or CAA",
		      in);
}

/* Writes the rdata the scanner parsed in canonical presentation form. */
static int dump_rdata(zs_scanner_t *sc, char **canon)
{
	knot_rrset_t rr;
	knot_rrset_init(&rr, sc->r_owner, sc->r_type, KNOT_CLASS_IN, 0);
	if (knot_rrset_add_rdata(&rr, sc->r_data, (uint16_t)sc->r_data_length,
				 NULL) != KNOT_EOK) {
		return ZG_ENOMEM;
	}
	/* Escapes take at most four characters per byte. */
	size_t size = 4 * (size_t)sc->r_data_length + 256;
	*canon = malloc(size);
	int len = *canon != NULL
		? knot_rrset_txt_dump_data(&rr, 0, *canon, size,
					   &KNOT_DUMP_STYLE_DEFAULT)
		: -1;
	knot_rdataset_clear(&rr.rrs, NULL);
	if (len < 0) {
		free(*canon);
		*canon = NULL;
		return ZG_ENOMEM;
	}
	/* Some types are dumped with a trailing blank. */
	while (len > 0 && (*canon)[len - 1] == ' ') {
		(*canon)[--len] = '\0';
	}
	return 0;
}

int api_validate_rdata(const char *zone, const char *fqdn, uint16_t type,
		       const char *value, char **canon, char *msg,
		       size_t msglen)
{
	*canon = NULL;
	char type_name[16];
	if (knot_rrtype_to_string(type, type_name, sizeof(type_name)) < 0) {
		return refuse(msg, msglen, "unknown type");
	}
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

	char *line = NULL;
	if (asprintf(&line, "%s 0 IN %s %s\n", fqdn, type_name, value) < 0) {
		return ZG_ENOMEM;
	}
	zs_scanner_t *sc = malloc(sizeof(*sc));
	if (sc == NULL || zs_init(sc, zone, KNOT_CLASS_IN, 0) != 0) {
		free(sc);
		free(line);
		return ZG_ENOMEM;
	}

	int ret = 0;
	if (zs_set_input_string(sc, line, strlen(line)) != 0 ||
	    zs_parse_record(sc) != 0 || sc->state != ZS_STATE_DATA) {
		ret = refuse(msg, msglen, "'%s' is not valid %s data: %s",
			     value, type_name,
			     sc->state == ZS_STATE_ERROR
				     ? zs_strerror(sc->error.code)
				     : "nothing parsed");
	} else if (sc->r_type != type) {
		ret = refuse(msg, msglen, "'%s' is not valid %s data", value,
			     type_name);
	} else {
		ret = dump_rdata(sc, canon);
		if (ret == 0 && (zs_parse_record(sc) != 0 ||
				 sc->state != ZS_STATE_EOF)) {
			free(*canon);
			*canon = NULL;
			ret = refuse(msg, msglen,
				     "'%s' holds more than one record; give one value per record",
				     value);
		}
	}

	zs_deinit(sc);
	free(sc);
	free(line);
	return ret;
}

/* The wire length of value's rdata (type_name at fqdn, names relative
 * to zone), parsed as api_validate_rdata() does. */
static int rdata_wire_len(const char *zone, const char *fqdn,
			  const char *type_name, const char *value,
			  size_t *len)
{
	char *line = NULL;
	if (asprintf(&line, "%s 0 IN %s %s\n", fqdn, type_name, value) < 0) {
		return ZG_ENOMEM;
	}
	zs_scanner_t *sc = malloc(sizeof(*sc));
	if (sc == NULL || zs_init(sc, zone, KNOT_CLASS_IN, 0) != 0) {
		free(sc);
		free(line);
		return ZG_ENOMEM;
	}
	int ret = ZG_EINVAL;
	if (zs_set_input_string(sc, line, strlen(line)) == 0 &&
	    zs_parse_record(sc) == 0 && sc->state == ZS_STATE_DATA) {
		*len = sc->r_data_length;
		ret = 0;
	}
	zs_deinit(sc);
	free(sc);
	free(line);
	return ret;
}

/* An upper bound of the wire length of a canonical value, from its text:
 * a name takes at most one octet more than its text, every other field
 * no more than its text; only an AAAA address ("::") can be shorter
 * than its 16 octets. */
static size_t rdata_len_bound(uint16_t type, const char *value)
{
	return type == KNOT_RRTYPE_AAAA ? 16 : strlen(value) + 1;
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
	for (size_t i = 0; (records > API_MSG_MAX || answer > API_MSG_MAX) &&
	     ret == 0 && i < n; i++) {
		ret = rdata_wire_len(zone, fqdn, type_name, values[i],
				     &rdlen[i]);
	}
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
static bool same_value(const char *type, const char *a, const char *b)
{
	if (strcmp(type, "CNAME") == 0 || strcmp(type, "NS") == 0 ||
	    strcmp(type, "PTR") == 0 || strcmp(type, "MX") == 0 ||
	    strcmp(type, "SRV") == 0) {
		return strcasecmp(a, b) == 0;
	}
	return strcmp(a, b) == 0;
}

static bool is_address_type(const char *type)
{
	return strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0;
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
	for (size_t i = 0; i < n_existing; i++) {
		const char *other = existing[i].type;
		bool other_ns = strcmp(other, "NS") == 0;
		if (adding_ns && !other_ns &&
		    !(glue_ok && is_address_type(other))) {
			return refuse(msg, msglen,
				      "%s already has %s data, which NS there would hide: below the apex a name with NS is a delegation, answered by the delegated servers (RFC 1034 section 4.2.1); delegate another name or remove that data",
				      owner, other);
		}
		if (!adding_ns && other_ns &&
		    !(glue_ok && is_address_type(type))) {
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
