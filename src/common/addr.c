/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Address and prefix parsing, formatting and matching. */
#include "common/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static int parse_port(const char *text, uint16_t *port)
{
	char *end = NULL;
	if (*text == '\0') {
		return ZG_EINVAL;
	}
	unsigned long value = strtoul(text, &end, 10);
	if (*end != '\0' || value == 0 || value > 65535) {
		return ZG_EINVAL;
	}
	*port = (uint16_t)value;
	return 0;
}

bool addr_port_out_of_range(const char *text)
{
	const char *port = NULL;
	if (text == NULL) {
		return false;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		port = close != NULL && close[1] == ':' ? close + 2 : NULL;
	} else {
		const char *colon = strchr(text, ':');
		/* More than one colon is a bare IPv6 address: no port. */
		port = colon != NULL && strchr(colon + 1, ':') == NULL
			? colon + 1 : NULL;
	}
	if (port == NULL || *port == '\0' ||
	    strspn(port, "0123456789") != strlen(port)) {
		return false;
	}
	/* Leading zeros aside, more than five digits pass 65535. */
	port += strspn(port, "0");
	return strlen(port) > 5 || strtoul(port, NULL, 10) == 0 ||
	       strtoul(port, NULL, 10) > 65535;
}

int addr_parse_ip(const char *text, struct zg_addr *out)
{
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		out->len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		out->len = sizeof(*sin6);
		return 0;
	}
	return ZG_EINVAL;
}

int addr_parse(const char *text, uint16_t default_port, struct zg_addr *out)
{
	char buf[ZG_ADDR_STRLEN];
	uint16_t port = default_port;

	if (text == NULL || strlen(text) >= sizeof(buf)) {
		return ZG_EINVAL;
	}
	strcpy(buf, text);

	char *host = buf;
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (close == NULL) {
			return ZG_EINVAL;
		}
		*close = '\0';
		host = buf + 1;
		if (close[1] == ':') {
			if (parse_port(close + 2, &port) != 0) {
				return ZG_EINVAL;
			}
		} else if (close[1] != '\0') {
			return ZG_EINVAL;
		}
		if (strchr(host, ':') == NULL) {
			return ZG_EINVAL;	/* brackets are for IPv6 only */
		}
	} else {
		char *colon = strchr(buf, ':');
		/* Exactly one colon: IPv4 with a port. More: bare IPv6. */
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			*colon = '\0';
			if (parse_port(colon + 1, &port) != 0) {
				return ZG_EINVAL;
			}
		}
	}

	int ret = addr_parse_ip(host, out);
	if (ret != 0) {
		return ret;
	}
	addr_set_port(out, port);
	return 0;
}

void addr_format(const struct zg_addr *addr, bool with_port, char *buf,
		 size_t buflen)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&addr->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&addr->ss;
	int family = addr_family(addr);

	if (family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	} else if (family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
	}
	if (!with_port) {
		snprintf(buf, buflen, "%s", ip);
	} else if (family == AF_INET6) {
		snprintf(buf, buflen, "[%s]:%u", ip, addr_port(addr));
	} else {
		snprintf(buf, buflen, "%s:%u", ip, addr_port(addr));
	}
}

int addr_family(const struct zg_addr *addr)
{
	return addr->ss.ss_family;
}

uint16_t addr_port(const struct zg_addr *addr)
{
	if (addr_family(addr) == AF_INET) {
		return ntohs(((const struct sockaddr_in *)&addr->ss)->sin_port);
	}
	if (addr_family(addr) == AF_INET6) {
		return ntohs(((const struct sockaddr_in6 *)&addr->ss)->sin6_port);
	}
	return 0;
}

void addr_set_port(struct zg_addr *addr, uint16_t port)
{
	if (addr_family(addr) == AF_INET) {
		((struct sockaddr_in *)&addr->ss)->sin_port = htons(port);
	} else if (addr_family(addr) == AF_INET6) {
		((struct sockaddr_in6 *)&addr->ss)->sin6_port = htons(port);
	}
}

int addr_from_sockaddr(const struct sockaddr *sa, socklen_t len,
		       struct zg_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		out->len = sizeof(struct sockaddr_in);
	} else if (sa->sa_family == AF_INET6 &&
		   len >= sizeof(struct sockaddr_in6)) {
		out->len = sizeof(struct sockaddr_in6);
	} else {
		return ZG_EINVAL;
	}
	memcpy(&out->ss, sa, out->len);
	return 0;
}

/* Points at the raw address bytes; sets *size to 4 or 16. */
static const uint8_t *ip_bytes(const struct zg_addr *addr, size_t *size)
{
	if (addr_family(addr) == AF_INET) {
		*size = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)&addr->ss)->sin_addr;
	}
	if (addr_family(addr) == AF_INET6) {
		*size = 16;
		return (const uint8_t *)&((const struct sockaddr_in6 *)&addr->ss)->sin6_addr;
	}
	*size = 0;
	return NULL;
}

bool addr_equal_ip(const struct zg_addr *a, const struct zg_addr *b)
{
	size_t la, lb;
	const uint8_t *pa = ip_bytes(a, &la);
	const uint8_t *pb = ip_bytes(b, &lb);
	return pa != NULL && la == lb && addr_family(a) == addr_family(b) &&
	       memcmp(pa, pb, la) == 0;
}

bool addr_equal(const struct zg_addr *a, const struct zg_addr *b)
{
	return addr_equal_ip(a, b) && addr_port(a) == addr_port(b);
}

bool addr_is_unspecified(const struct zg_addr *addr)
{
	size_t size;
	const uint8_t *p = ip_bytes(addr, &size);
	for (size_t i = 0; p != NULL && i < size; i++) {
		if (p[i] != 0) {
			return false;
		}
	}
	return p != NULL;
}

bool addr_is_multicast_or_broadcast(const struct zg_addr *addr)
{
	size_t size;
	const uint8_t *p = ip_bytes(addr, &size);
	if (p == NULL) {
		return false;
	}
	if (size == 4) {
		bool broadcast = p[0] == 255 && p[1] == 255 && p[2] == 255 &&
				 p[3] == 255;
		return (p[0] & 0xf0) == 0xe0 || broadcast;
	}
	return p[0] == 0xff;
}

/*
 * A prefix length as written in a CIDR: decimal digits only, without
 * sign, blanks or leading zeros ("0" itself is fine), so that one
 * network has one spelling and "/016" or "/ 16" is a typo to report,
 * not a network to guess.
 */
static int parse_prefix_len(const char *text, long *len)
{
	size_t n = strlen(text);
	if (n == 0 || n > 3 || (text[0] == '0' && n > 1)) {
		return ZG_EINVAL;
	}
	long value = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9') {
			return ZG_EINVAL;
		}
		value = value * 10 + (text[i] - '0');
	}
	*len = value;
	return 0;
}

int prefix_parse(const char *text, struct zg_prefix *out)
{
	char buf[ZG_ADDR_STRLEN];
	struct zg_addr addr;

	memset(out, 0, sizeof(*out));
	if (text == NULL || strlen(text) >= sizeof(buf)) {
		return ZG_EINVAL;
	}
	strcpy(buf, text);

	char *slash = strchr(buf, '/');
	long len = -1;
	if (slash != NULL) {
		*slash = '\0';
		if (parse_prefix_len(slash + 1, &len) != 0) {
			return ZG_EINVAL;
		}
	}
	if (addr_parse_ip(buf, &addr) != 0) {
		return ZG_EINVAL;
	}

	size_t size;
	const uint8_t *p = ip_bytes(&addr, &size);
	if (len < 0) {
		len = (long)size * 8;
	}
	if (len > (long)size * 8) {
		return ZG_EINVAL;
	}
	out->family = addr_family(&addr);
	out->len = (uint8_t)len;
	memcpy(out->bytes, p, size);

	/* Host bits must be zero: a typo should not widen a network. */
	for (size_t bit = (size_t)len; bit < size * 8; bit++) {
		if (out->bytes[bit / 8] & (0x80 >> (bit % 8))) {
			return ZG_EINVAL;
		}
	}
	return 0;
}

void prefix_format(const struct zg_prefix *prefix, char *buf, size_t buflen)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	inet_ntop(prefix->family, prefix->bytes, ip, sizeof(ip));
	snprintf(buf, buflen, "%s/%u", ip, prefix->len);
}

/* Compares the first bits bits of two byte strings. */
static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8;
	if (memcmp(a, b, full) != 0) {
		return false;
	}
	unsigned rest = bits % 8;
	if (rest == 0) {
		return true;
	}
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

bool prefix_contains(const struct zg_prefix *prefix, const struct zg_addr *addr)
{
	size_t size;
	const uint8_t *p = ip_bytes(addr, &size);
	if (p == NULL || addr_family(addr) != prefix->family) {
		return false;
	}
	return bits_equal(prefix->bytes, p, prefix->len);
}

bool prefix_overlaps(const struct zg_prefix *a, const struct zg_prefix *b)
{
	if (a->family != b->family) {
		return false;
	}
	unsigned bits = a->len < b->len ? a->len : b->len;
	return bits_equal(a->bytes, b->bytes, bits);
}
