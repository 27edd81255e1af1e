/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Command-line parsing for the CLI: options, lists, ids, names, --allow. */
#ifndef ZONEGATE_CLI_ARGS_H
#define ZONEGATE_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Most positional arguments and option occurrences one command takes. */
#define ARGS_MAX_POS 8
#define ARGS_MAX_OPTS 64

/* One long option a command accepts ("--name" or "--name=value"). */
struct args_opt {
	const char *name;	/* without the leading "--" */
	bool has_arg;		/* takes a value */
};

/* One occurrence of an option on the command line. */
struct args_value {
	const struct args_opt *opt;	/* points into the spec */
	const char *value;		/* into argv; NULL without a value */
};

/* The result of args_parse(); strings point into argv. */
struct args_parsed {
	const char *pos[ARGS_MAX_POS];	/* positional arguments in order */
	size_t npos;
	struct args_value opts[ARGS_MAX_OPTS];	/* options in order */
	size_t nopts;
};

/*!
 * Splits argv into options and positional arguments. Options may come
 * before, between or after positionals; "--" ends options; "-h" is
 * "--help"; a lone "-" is positional. The accepted options are those of
 * global and of local (either may be NULL; arrays end with a NULL name).
 *
 * \param err  receives a message for the user on failure.
 * \retval 0 or ZG_EINVAL (unknown option, missing or unexpected value,
 *         too many arguments).
 */
int args_parse(int argc, char *const *argv, const struct args_opt *global,
	       const struct args_opt *local, struct args_parsed *out,
	       char *err, size_t errlen);

/*! True when the option was given at least once. */
bool args_has(const struct args_parsed *p, const char *name);

/*! The value of the last occurrence of the option, or NULL. */
const char *args_get(const struct args_parsed *p, const char *name);

/*! Number of occurrences of the option. */
size_t args_count(const struct args_parsed *p, const char *name);

/*! The value of the i-th occurrence (from 0), or NULL. */
const char *args_nth(const struct args_parsed *p, const char *name,
		     size_t i);

/*!
 * Appends the comma-separated items of text ("a,b, c") to the JSON array.
 * Blanks around items are dropped.
 *
 * \retval 0, ZG_EINVAL for an empty item, ZG_ENOMEM.
 */
int args_append_list(json_t *array, const char *text);

/* One egress rule of an endpoint's security group. */
struct args_allow {
	char protocol[4];	/* "udp", "tcp" or "any" */
	uint16_t port;		/* 0 means any port */
	char prefix[64];	/* "0.0.0.0/0", "::/0", "10.0.0.0/8" */
};

/*!
 * Parses "PROTO:PORT:PREFIX" (--allow). Only the first two colons split,
 * so IPv6 prefixes work: "any:0:::/0" is any, 0, "::/0". The protocol is
 * case-insensitive; the prefix must be a valid CIDR or address.
 *
 * \retval 0 or ZG_EINVAL.
 */
int args_parse_allow(const char *text, struct args_allow *out);

/*! The JSON object the API takes for an egress rule:
 *  {"protocol", "port", "prefix"}. NULL when out of memory. */
json_t *args_allow_to_json(const struct args_allow *allow);

/*! True when text is prefix, '-', and one or more decimal digits
 *  ("vpc-12" for prefix "vpc"). */
bool args_looks_like_id(const char *text, const char *prefix);

/*!
 * Writes name with a final dot (absolute), unchanged when it has one.
 * "." stays ".". \retval 0 or ZG_ELIMIT when buflen is too small.
 */
int args_absolute_name(const char *name, char *buf, size_t buflen);

/*! True when two DNS names are equal once both are absolute, ignoring
 *  ASCII case. */
bool args_dns_name_equal(const char *a, const char *b);

/*!
 * Writes a record type in upper case ("mx" -> "MX"); the API takes
 * mnemonics like "AAAA" and "TYPE65". \retval 0, or ZG_EINVAL when text is
 * empty, longer than 15 characters or not letters and digits.
 */
int args_record_type(const char *text, char *buf, size_t buflen);

/*! Parses a decimal integer in [0, max]. \retval 0 or ZG_EINVAL. */
int args_parse_uint(const char *text, uint32_t max, uint32_t *out);

/*!
 * Percent-encodes every byte of text except RFC 3986 unreserved
 * characters, for a path segment or a query value. Returns a malloc'd
 * string, or NULL when out of memory.
 */
char *args_url_encode(const char *text);

#endif
