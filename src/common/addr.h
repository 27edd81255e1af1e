/* SPDX-License-Identifier: GPL-3.0-or-later */
/* IPv4 and IPv6 addresses, ports and prefixes, treated alike. */
#ifndef ZONEGATE_COMMON_ADDR_H
#define ZONEGATE_COMMON_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest text addr_format() writes: "[v6]:port" plus NUL. */
#define ZG_ADDR_STRLEN 64

/* An IP address with a port; family is AF_INET or AF_INET6. */
struct zg_addr {
	struct sockaddr_storage ss;
	socklen_t len;		/* sizeof(sockaddr_in) or sizeof(sockaddr_in6) */
};

/* A CIDR prefix; bytes beyond len are zero. */
struct zg_prefix {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t bytes[16];	/* network order; 4 used for AF_INET */
	uint8_t len;		/* prefix length in bits */
};

/*!
 * Parses "1.2.3.4", "1.2.3.4:53", "::1", "[::1]:53" or "[::1]".
 * A bare IPv6 address never takes a port (use brackets).
 *
 * \param default_port  port used when the text has none.
 * \retval 0 or ZG_EINVAL.
 */
int addr_parse(const char *text, uint16_t default_port, struct zg_addr *out);

/*!
 * True when text gives a port ("1.2.3.4:N", "[::1]:N") of digits that
 * is not 1-65535 (":0", ":99999"), one reason addr_parse() refuses it;
 * callers use it to say that the port is what is wrong.
 */
bool addr_port_out_of_range(const char *text);

/*! Parses an address without a port ("1.2.3.4", "::1"); port is set 0. */
int addr_parse_ip(const char *text, struct zg_addr *out);

/*! Writes "1.2.3.4:53" or "[::1]:53" (with_port) or the bare address. */
void addr_format(const struct zg_addr *addr, bool with_port, char *buf,
		 size_t buflen);

int addr_family(const struct zg_addr *addr);
uint16_t addr_port(const struct zg_addr *addr);
void addr_set_port(struct zg_addr *addr, uint16_t port);

/*! Builds a zg_addr from a sockaddr of either family; ZG_EINVAL otherwise. */
int addr_from_sockaddr(const struct sockaddr *sa, socklen_t len,
		       struct zg_addr *out);

/*! Same family and IP; ports ignored. */
bool addr_equal_ip(const struct zg_addr *a, const struct zg_addr *b);

/*! Same family, IP and port. */
bool addr_equal(const struct zg_addr *a, const struct zg_addr *b);

/*! True for 0.0.0.0 and ::. */
bool addr_is_unspecified(const struct zg_addr *addr);

/*! True for multicast (224/4, ff00::/8) and 255.255.255.255. */
bool addr_is_multicast_or_broadcast(const struct zg_addr *addr);

/*!
 * Parses "10.0.0.0/8" or "2001:db8::/32"; a bare address is a host
 * prefix. Host bits set beyond the length are refused (ZG_EINVAL), so
 * "10.0.0.1/8" is an error rather than silently widened.
 */
int prefix_parse(const char *text, struct zg_prefix *out);

void prefix_format(const struct zg_prefix *prefix, char *buf, size_t buflen);

/*! True when addr (either family) lies inside prefix. */
bool prefix_contains(const struct zg_prefix *prefix, const struct zg_addr *addr);

/*! True when the two prefixes share at least one address. */
bool prefix_overlaps(const struct zg_prefix *a, const struct zg_prefix *b);

#endif
