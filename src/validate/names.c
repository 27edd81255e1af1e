/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Names: domains, record owners, update-policy names, resource
 * names. */
#include "validate/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libknot/libknot.h>

#include "validate/validate_priv.h"

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
		return validate_refuse(msg, msglen,
			      "the name is longer than 253 characters");
	}

	size_t label_len = 0;
	size_t label_no = 0;
	char prev = '.';
	for (size_t i = 0; i <= len; i++) {
		char c = text[i];
		if (c == '.' || c == '\0') {
			if (label_len == 0) {
				return validate_refuse(msg, msglen,
					      "the name has an empty label");
			}
			if (prev == '-') {
				return validate_refuse(msg, msglen,
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
			return validate_refuse(msg, msglen,
				      "'*' is only allowed as the whole first label (a wildcard)");
		}
		if (!label_char(c)) {
			return validate_refuse(msg, msglen,
				      "the name holds '%c'; use letters, digits, '-' and '_'",
				      isprint((unsigned char)c) ? c : '?');
		}
		if (c == '-' && prev == '.') {
			return validate_refuse(msg, msglen, "a label starts with '-'");
		}
		if (++label_len > 63) {
			return validate_refuse(msg, msglen,
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
		return validate_refuse(msg, msglen, "the name is empty");
	}
	if (len >= outlen) {
		return validate_refuse(msg, msglen,
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
			return validate_refuse(msg, msglen,
				      "the root name '.' is not allowed here");
		}
		snprintf(out, outlen, ".");
		return 0;
	}
	char bare[VALIDATE_NAME_LEN];
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

int validate_domain(const char *in, bool allow_root, char *out,
			size_t outlen, char *msg, size_t msglen)
{
	return finish_name(in, allow_root, false, false, out, outlen, msg,
			   msglen);
}

int validate_rname(const char *in, char *out, size_t outlen, char *msg,
		       size_t msglen)
{
	return finish_name(in, false, false, true, out, outlen, msg, msglen);
}

bool validate_name_fits_wire(const char *name)
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

int validate_owner(const char *zone, const char *in, char *rel,
		       size_t rellen, char *fqdn, size_t fqdnlen, char *msg,
		       size_t msglen)
{
	char full[2 * VALIDATE_NAME_LEN + 2];
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
		return validate_refuse(msg, msglen, "%s is not inside the zone %s",
			      fqdn, zone);
	}
	if (rel_len == 0) {
		snprintf(rel, rellen, "@");
	} else {
		snprintf(rel, rellen, "%.*s", (int)rel_len, fqdn);
	}
	return 0;
}

int validate_grant_name(const char *zone, const char *in, char *fqdn,
			    size_t fqdnlen, char *msg, size_t msglen)
{
	char rel[VALIDATE_NAME_LEN];
	if (strcmp(in, "@") == 0) {
		return validate_owner(zone, in, rel, sizeof(rel), fqdn,
					  fqdnlen, msg, msglen);
	}
	char name[VALIDATE_NAME_LEN];
	int ret = finish_name(in, false, true, false, name, sizeof(name), msg,
			      msglen);
	if (ret != 0) {
		return ret;
	}
	ret = validate_owner(zone, name, rel, sizeof(rel), fqdn, fqdnlen,
				 msg, msglen);
	size_t len = strlen(in);
	if (ret == 0 || in[len - 1] == '.') {
		return ret;
	}

	/* Outside the zone, and written without the final dot: say which
	 * name to write if the name was meant relative to the zone. */
	char meant[VALIDATE_NAME_LEN];
	if (validate_owner(zone, in, rel, sizeof(rel), meant,
			       sizeof(meant), NULL, 0) != 0) {
		return ret;
	}
	return validate_refuse(msg, msglen,
		      "%s is not inside the zone %s; names in an update policy are fully qualified, as in BIND's update-policy (for this name in the zone write %s)",
		      name, zone, meant);
}

bool validate_owner_repeats_zone(const char *zone, const char *in)
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

bool validate_zone_name_looks_like_id(const char *name, const char **kind)
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

int validate_resource_name(const char *in, const char *id_prefix,
			       char *msg, size_t msglen)
{
	size_t len = strlen(in);
	if (len == 0 || len > 63) {
		return validate_refuse(msg, msglen, "a name has 1 to 63 characters");
	}
	if (in[0] == '-') {
		return validate_refuse(msg, msglen, "a name cannot start with '-'");
	}
	/* "." and ".." are path steps, not names (/v1/vpcs/..). */
	if (strspn(in, ".") == len) {
		return validate_refuse(msg, msglen,
			      "a name cannot be only dots ('.', '..')");
	}
	for (size_t i = 0; i < len; i++) {
		if (!label_char(in[i]) && in[i] != '.') {
			return validate_refuse(msg, msglen,
				      "a name holds letters, digits, '-', '_' and '.' only");
		}
	}
	if (looks_like_id(in, id_prefix)) {
		return validate_refuse(msg, msglen,
			      "'%s' looks like an id; choose a name that is not %s-<number>",
			      in, id_prefix);
	}
	return 0;
}
