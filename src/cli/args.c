/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Command-line parsing for the CLI: options, lists, ids, names, --allow. */
#include "cli/args.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/addr.h"
#include "common/error.h"

static const struct args_opt *find_opt(const struct args_opt *spec,
				       const char *name, size_t name_len)
{
	if (spec == NULL) {
		return NULL;
	}
	for (; spec->name != NULL; spec++) {
		if (strlen(spec->name) == name_len &&
		    strncmp(spec->name, name, name_len) == 0) {
			return spec;
		}
	}
	return NULL;
}

/*
 * Parses the option at argv[*i] ("--name", "--name=value", "-h"); takes
 * the next argument as its value when needed and advances *i past it.
 */
static int parse_option(int argc, char *const *argv, int *i,
			const struct args_opt *global,
			const struct args_opt *local, struct args_parsed *out,
			char *err, size_t errlen)
{
	const char *arg = argv[*i];
	const char *name = strcmp(arg, "-h") == 0 ? "help" : arg + 2;
	const char *eq = strchr(name, '=');
	size_t name_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct args_opt *opt = find_opt(local, name, name_len);

	if (opt == NULL) {
		opt = find_opt(global, name, name_len);
	}
	if (opt == NULL || (arg[1] != '-' && strcmp(arg, "-h") != 0)) {
		snprintf(err, errlen, "unknown option %.*s",
			 (int)(name_len + (size_t)(name - arg)), arg);
		return ZG_EINVAL;
	}
	if (out->nopts == ARGS_MAX_OPTS) {
		snprintf(err, errlen, "too many options");
		return ZG_EINVAL;
	}

	const char *value = NULL;

	if (opt->has_arg && eq != NULL) {
		value = eq + 1;
	} else if (opt->has_arg) {
		if (*i + 1 >= argc) {
			snprintf(err, errlen, "option --%s needs a value",
				 opt->name);
			return ZG_EINVAL;
		}
		value = argv[++(*i)];
	} else if (eq != NULL) {
		snprintf(err, errlen, "option --%s takes no value",
			 opt->name);
		return ZG_EINVAL;
	}
	out->opts[out->nopts].opt = opt;
	out->opts[out->nopts].value = value;
	out->nopts++;
	return 0;
}

int args_parse(int argc, char *const *argv, const struct args_opt *global,
	       const struct args_opt *local, struct args_parsed *out,
	       char *err, size_t errlen)
{
	bool options_done = false;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			int rc = parse_option(argc, argv, &i, global, local,
					      out, err, errlen);

			if (rc != 0) {
				return rc;
			}
			continue;
		}
		if (out->npos == ARGS_MAX_POS) {
			snprintf(err, errlen, "too many arguments");
			return ZG_EINVAL;
		}
		out->pos[out->npos++] = arg;
	}
	return 0;
}

bool args_has(const struct args_parsed *p, const char *name)
{
	return args_count(p, name) > 0;
}

const char *args_get(const struct args_parsed *p, const char *name)
{
	size_t n = args_count(p, name);

	return n > 0 ? args_nth(p, name, n - 1) : NULL;
}

size_t args_count(const struct args_parsed *p, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nopts; i++) {
		if (strcmp(p->opts[i].opt->name, name) == 0) {
			n++;
		}
	}
	return n;
}

const char *args_nth(const struct args_parsed *p, const char *name,
		     size_t i)
{
	for (size_t k = 0; k < p->nopts; k++) {
		if (strcmp(p->opts[k].opt->name, name) != 0) {
			continue;
		}
		if (i == 0) {
			return p->opts[k].value;
		}
		i--;
	}
	return NULL;
}

int args_append_list(json_t *array, const char *text)
{
	const char *p = text;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		while (len > 0 && isspace((unsigned char)*p)) {
			p++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)p[len - 1])) {
			len--;
		}
		if (len == 0) {
			return ZG_EINVAL;
		}
		if (json_array_append_new(array, json_stringn(p, len)) != 0) {
			return ZG_ENOMEM;
		}
		if (end == NULL) {
			return 0;
		}
		p = end + 1;
	}
}

int args_parse_allow(const char *text, struct args_allow *out)
{
	const char *c1 = strchr(text, ':');
	const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	char port_text[8];
	uint32_t port;
	struct zg_prefix prefix;

	if (c2 == NULL) {
		return ZG_EINVAL;
	}

	size_t proto_len = (size_t)(c1 - text);
	size_t port_len = (size_t)(c2 - c1 - 1);
	const char *prefix_text = c2 + 1;

	if (proto_len != 3 || port_len == 0 || port_len >= sizeof(port_text) ||
	    strlen(prefix_text) >= sizeof(out->prefix)) {
		return ZG_EINVAL;
	}
	for (size_t i = 0; i < 3; i++) {
		out->protocol[i] = (char)tolower((unsigned char)text[i]);
	}
	out->protocol[3] = '\0';
	if (strcmp(out->protocol, "udp") != 0 &&
	    strcmp(out->protocol, "tcp") != 0 &&
	    strcmp(out->protocol, "any") != 0) {
		return ZG_EINVAL;
	}

	memcpy(port_text, c1 + 1, port_len);
	port_text[port_len] = '\0';
	if (args_parse_uint(port_text, 65535, &port) != 0) {
		return ZG_EINVAL;
	}
	out->port = (uint16_t)port;

	if (prefix_parse(prefix_text, &prefix) != 0) {
		return ZG_EINVAL;
	}
	strcpy(out->prefix, prefix_text);
	return 0;
}

json_t *args_allow_to_json(const struct args_allow *allow)
{
	return json_pack("{s:s, s:i, s:s}", "protocol", allow->protocol,
			 "port", (json_int_t)allow->port, "prefix",
			 allow->prefix);
}

bool args_looks_like_id(const char *text, const char *prefix)
{
	size_t plen = strlen(prefix);

	if (strncmp(text, prefix, plen) != 0 || text[plen] != '-' ||
	    text[plen + 1] == '\0') {
		return false;
	}
	for (const char *p = text + plen + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return false;
		}
	}
	return true;
}

int args_absolute_name(const char *name, char *buf, size_t buflen)
{
	size_t len = strlen(name);
	bool has_dot = len > 0 && name[len - 1] == '.';

	if (len + (has_dot ? 1 : 2) > buflen) {
		return ZG_ELIMIT;
	}
	memcpy(buf, name, len);
	if (!has_dot) {
		buf[len++] = '.';
	}
	buf[len] = '\0';
	return 0;
}

bool args_dns_name_equal(const char *a, const char *b)
{
	size_t alen = strlen(a), blen = strlen(b);

	if (alen > 0 && a[alen - 1] == '.') {
		alen--;
	}
	if (blen > 0 && b[blen - 1] == '.') {
		blen--;
	}
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

int args_record_type(const char *text, char *buf, size_t buflen)
{
	size_t len = strlen(text);

	if (len == 0 || len > 15 || len >= buflen) {
		return ZG_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9'))) {
			return ZG_EINVAL;
		}
		buf[i] = (char)toupper(c);
	}
	buf[len] = '\0';
	return 0;
}

int args_parse_uint(const char *text, uint32_t max, uint32_t *out)
{
	uint64_t n = 0;

	if (*text == '\0') {
		return ZG_EINVAL;
	}
	for (const char *p = text; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return ZG_EINVAL;
		}
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > max) {
			return ZG_EINVAL;
		}
	}
	*out = (uint32_t)n;
	return 0;
}

char *args_url_encode(const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(text);
	char *out = malloc(len * 3 + 1);
	char *w = out;

	if (out == NULL) {
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0';
	     p++) {
		bool unreserved = (*p >= 'a' && *p <= 'z') ||
				  (*p >= 'A' && *p <= 'Z') ||
				  (*p >= '0' && *p <= '9') || *p == '-' ||
				  *p == '.' || *p == '_' || *p == '~';

		if (unreserved) {
			*w++ = (char)*p;
		} else {
			*w++ = '%';
			*w++ = hex[*p >> 4];
			*w++ = hex[*p & 15];
		}
	}
	*w = '\0';
	return out;
}
