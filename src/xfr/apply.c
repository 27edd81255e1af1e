/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Builds the zone a transfer describes: the records of an AXFR, or the
 * held version with the diffs of an IXFR applied (RFC 1995 section 4). */
#include "xfr/xfr_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "zone/zone.h"

/* One record of the zone being computed. Pointers borrow from the base
 * contents or from the reply, which both outlive the computation. */
struct entry {
	const uint8_t *owner;		/* lower-case wire */
	const uint8_t *rdata;
	uint32_t ttl;
	uint16_t type;
	uint16_t rdlen;
	bool deleted;
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static int entries_push(struct entries *e, const struct entry *item)
{
	if (e->n == e->cap) {
		size_t cap = e->cap == 0 ? 256 : e->cap * 2;
		struct entry *grown = realloc(e->v, cap * sizeof(*grown));
		if (grown == NULL) {
			return ZG_ENOMEM;
		}
		e->v = grown;
		e->cap = cap;
	}
	e->v[e->n++] = *item;
	return 0;
}

/* A total order on (owner, type, rdata); TTLs do not make records
 * different (RFC 2181 section 5.2, RFC 1995 deletions). */
static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	size_t la = knot_dname_size(a->owner), lb = knot_dname_size(b->owner);
	int c = memcmp(a->owner, b->owner, la < lb ? la : lb);
	if (c != 0 || la != lb) {
		return c != 0 ? c : (la < lb ? -1 : 1);
	}
	if (a->type != b->type) {
		return a->type < b->type ? -1 : 1;
	}
	c = memcmp(a->rdata, b->rdata, a->rdlen < b->rdlen ? a->rdlen
							    : b->rdlen);
	if (c != 0 || a->rdlen == b->rdlen) {
		return c;
	}
	return a->rdlen < b->rdlen ? -1 : 1;
}

static struct entry from_rr(const struct xfr_rr *rr)
{
	return (struct entry){ .owner = rr->owner, .rdata = rr->rdata,
			       .ttl = rr->ttl, .type = rr->type,
			       .rdlen = rr->rdlen };
}

static int collect_rrset(const knot_rrset_t *set, void *arg)
{
	struct entries *e = arg;
	const knot_rdata_t *rd = set->rrs.rdata;
	for (uint16_t i = 0; i < set->rrs.count; i++) {
		struct entry item = { .owner = set->owner, .rdata = rd->data,
				      .ttl = set->ttl, .type = set->type,
				      .rdlen = rd->len };
		int ret = entries_push(e, &item);
		if (ret != 0) {
			return ret;
		}
		rd = knot_rdataset_next((knot_rdata_t *)rd);
	}
	return 0;
}

/* Marks the deletions of d; each must name a record that exists. */
static int apply_deletions(struct entries *zone, const struct xfr_reply *r,
			   const struct xfr_diff *d, char *err, size_t errlen)
{
	for (size_t i = d->del_start; i < d->del_end; i++) {
		struct entry key = from_rr(&r->rrs[i]);
		struct entry *hit = bsearch(&key, zone->v, zone->n,
					    sizeof(*zone->v), entry_cmp);
		if (hit == NULL || hit->deleted) {
			char owner[KNOT_DNAME_TXT_MAXLEN + 1] = "";
			char type[16] = "";
			knot_dname_to_str(owner, key.owner, sizeof(owner));
			knot_rrtype_to_string(key.type, type, sizeof(type));
			snprintf(err, errlen,
				 "the IXFR from serial %u deletes %s %s, which the zone does not have",
				 d->from_serial, owner, type);
			return ZG_EINVAL;
		}
		hit->deleted = true;
	}
	return 0;
}

/* Merges the sorted additions into the sorted zone, dropping deleted
 * entries and duplicates; the result is sorted again. */
static int merge(struct entries *zone, struct entries *adds)
{
	qsort(adds->v, adds->n, sizeof(*adds->v), entry_cmp);
	struct entries out = { 0 };
	size_t i = 0, j = 0;
	int ret = 0;
	while (ret == 0 && (i < zone->n || j < adds->n)) {
		if (i < zone->n && zone->v[i].deleted) {
			i++;
			continue;
		}
		int c = i == zone->n ? 1 : j == adds->n ? -1
			: entry_cmp(&zone->v[i], &adds->v[j]);
		if (c < 0) {
			ret = entries_push(&out, &zone->v[i++]);
		} else {
			/* An added record replaces an equal one: its TTL
			 * is the newer. */
			i += c == 0 ? 1 : 0;
			ret = entries_push(&out, &adds->v[j++]);
			while (j < adds->n &&
			       entry_cmp(&adds->v[j - 1], &adds->v[j]) == 0) {
				j++;
			}
		}
	}
	free(zone->v);
	*zone = out;
	adds->n = 0;
	return ret;
}

static int apply_diffs(struct entries *zone, const struct xfr_reply *r,
		       char *err, size_t errlen)
{
	struct entries adds = { 0 };
	int ret = 0;
	qsort(zone->v, zone->n, sizeof(*zone->v), entry_cmp);
	for (size_t k = 0; ret == 0 && k < r->n_diffs; k++) {
		const struct xfr_diff *d = &r->diffs[k];
		ret = apply_deletions(zone, r, d, err, errlen);
		for (size_t i = d->add_start; ret == 0 && i < d->add_end; i++) {
			struct entry item = from_rr(&r->rrs[i]);
			ret = entries_push(&adds, &item);
		}
		if (ret == 0) {
			ret = merge(zone, &adds);
		}
		if (ret == ZG_ENOMEM) {
			snprintf(err, errlen, "out of memory");
		}
	}
	free(adds.v);
	return ret;
}

static struct zone_contents *build(const uint8_t *apex,
				   const struct entries *zone,
				   size_t *skipped, char *err, size_t errlen)
{
	struct zone_builder *b = zone_builder_new(apex);
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < zone->n; i++) {
		const struct entry *e = &zone->v[i];
		if (e->deleted) {
			continue;
		}
		knot_rrset_t set;
		knot_rrset_init(&set, (knot_dname_t *)e->owner, e->type,
				KNOT_CLASS_IN, e->ttl);
		int ret = knot_rrset_add_rdata(&set, e->rdata, e->rdlen, NULL);
		if (ret == KNOT_EOK) {
			ret = zone_builder_add_rrset(b, &set);
			knot_rdataset_clear(&set.rrs, NULL);
		} else {
			ret = ZG_ENOMEM;
		}
		if (ret == ZG_EINVAL) {
			(*skipped)++;
		} else if (ret != 0) {
			zone_builder_free(b);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
	}
	return zone_builder_finish(b, err, errlen);
}

struct zone_contents *xfr_apply(const struct zone_contents *base,
				const struct xfr_reply *r, size_t *skipped,
				char *err, size_t errlen)
{
	*skipped = 0;
	struct entries zone = { 0 };
	struct zone_contents *out = NULL;
	int ret = 0;

	if (r->kind == XFR_REPLY_FULL) {
		for (size_t i = 0; ret == 0 && i < r->n_rrs; i++) {
			struct entry item = from_rr(&r->rrs[i]);
			ret = entries_push(&zone, &item);
		}
	} else if (r->kind == XFR_REPLY_INCREMENTAL && base != NULL &&
		   r->n_diffs > 0) {
		uint32_t held = zone_contents_serial(base);
		if (held != r->diffs[0].from_serial) {
			snprintf(err, errlen,
				 "the IXFR starts at serial %u but the zone is at %u",
				 r->diffs[0].from_serial, held);
			return NULL;
		}
		ret = zone_contents_walk(base, collect_rrset, &zone);
		if (ret == 0) {
			ret = apply_diffs(&zone, r, err, errlen);
		}
	} else {
		snprintf(err, errlen, "the reply holds no zone to load");
		return NULL;
	}

	if (ret == 0) {
		out = build(r->apex, &zone, skipped, err, errlen);
	} else if (ret == ZG_ENOMEM) {
		snprintf(err, errlen, "out of memory");
	}
	free(zone.v);
	return out;
}
