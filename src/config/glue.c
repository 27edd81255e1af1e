/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The A and AAAA records generated for a private zone's default server
 * name from the listen addresses of its VPCs' inbound endpoints, so the
 * in-zone NS `ns1.<zone>.` has an address (secondaries and
 * named-checkzone refuse an in-zone NS without one). */
#include "config/publish.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/addr.h"
#include "common/error.h"
#include "store/store.h"

/* The default server name of zone ("ns1.<zone>."); false when it does
 * not fit. */
static bool default_server(const struct store_zone *zone, char *out,
			   size_t outlen)
{
	const char *apex = zone->meta.name;
	int len = snprintf(out, outlen, "ns1.%s",
			   strcmp(apex, ".") == 0 ? "" : apex);
	return len > 0 && (size_t)len < outlen;
}

static bool has_ns(const struct store_zone *zone, const char *name)
{
	for (size_t i = 0; i < zone->ns.n; i++) {
		if (strcasecmp(zone->ns.v[i], name) == 0) {
			return true;
		}
	}
	return false;
}

/* Whether the operator has records of type at "ns1" (relative). */
static bool operator_has(const struct store_record *recs, size_t n,
			 const char *type)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(recs[i].meta.name, "ns1") == 0 &&
		    strcasecmp(recs[i].type, type) == 0) {
			return true;
		}
	}
	return false;
}

static bool bound_to(const struct store_zone *zone, const char *vpc_id)
{
	for (size_t i = 0; i < zone->vpcs.n; i++) {
		if (strcmp(zone->vpcs.v[i], vpc_id) == 0) {
			return true;
		}
	}
	return false;
}

/* Appends the records of one family, skipping addresses seen before. */
static int add_family(const struct store_zone *zone, const char *owner,
		      const struct store_inbound *ibs, size_t n, int family,
		      struct store_strv *lines)
{
	const char *type = family == AF_INET ? "A" : "AAAA";
	for (size_t i = 0; i < n; i++) {
		if (!bound_to(zone, ibs[i].vpc_id)) {
			continue;
		}
		for (size_t j = 0; j < ibs[i].listen.n; j++) {
			struct zg_addr a;
			if (addr_parse(ibs[i].listen.v[j], 53, &a) != 0 ||
			    addr_family(&a) != family ||
			    addr_is_unspecified(&a)) {
				continue;
			}
			char ip[64];
			char line[STORE_NAME_LEN + 128];
			addr_format(&a, false, ip, sizeof(ip));
			snprintf(line, sizeof(line), "%s %" PRIu32 " IN %s %s",
				 owner, zone->soa.ttl, type, ip);
			if (store_strv_has(lines, line)) {
				continue;
			}
			if (store_strv_push(lines, line) != 0) {
				return ZG_ENOMEM;
			}
		}
	}
	return 0;
}

int config_glue_lines(const struct store_zone *zone,
		      const struct store_inbound *inbounds, size_t n_inbounds,
		      const struct store_record *recs, size_t n_recs,
		      struct store_strv *lines)
{
	char owner[STORE_NAME_LEN + 8];
	if (!default_server(zone, owner, sizeof(owner)) ||
	    !has_ns(zone, owner)) {
		return 0;
	}

	int ret = 0;
	if (!operator_has(recs, n_recs, "A")) {
		ret = add_family(zone, owner, inbounds, n_inbounds, AF_INET,
				 lines);
	}
	if (ret == 0 && !operator_has(recs, n_recs, "AAAA")) {
		ret = add_family(zone, owner, inbounds, n_inbounds, AF_INET6,
				 lines);
	}
	return ret;
}

int config_zone_glue(struct store *store, const struct store_zone *zone,
		     const struct store_record *recs, size_t n_recs,
		     struct store_strv *lines)
{
	if (zone->vpcs.n == 0) {
		return 0;
	}
	struct store_inbound *ibs = NULL;
	size_t n_ibs = 0;
	bool more = false;
	int ret = store_inbound_list(store, NULL, 0, &ibs, &n_ibs, &more);
	if (ret == 0) {
		ret = config_glue_lines(zone, ibs, n_ibs, recs, n_recs, lines);
	}
	store_inbound_list_free(ibs, n_ibs);
	return ret;
}
