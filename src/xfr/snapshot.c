/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A secondary zone's records as one compact blob for the store, the way
 * back to zone contents, and the record encoding the journal shares. */
#include "xfr/xfr_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "zone/zone.h"

#define MAGIC "ZGX1"
#define MAGIC_LEN 4

/*
 * Records in blobs
 */

int xfr_blob_put(struct xfr_blob *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap == 0 ? 4096 : b->cap;
		while (cap < b->len + len) {
			cap *= 2;
		}
		uint8_t *grown = realloc(b->data, cap);
		if (grown == NULL) {
			return ZG_ENOMEM;
		}
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int xfr_blob_put_record(struct xfr_blob *b, const struct xfr_rr *rr)
{
	uint8_t fixed[8] = {
		rr->type >> 8, rr->type & 0xff,
		rr->ttl >> 24, (rr->ttl >> 16) & 0xff,
		(rr->ttl >> 8) & 0xff, rr->ttl & 0xff,
		rr->rdlen >> 8, rr->rdlen & 0xff,
	};
	if (xfr_blob_put(b, rr->owner, knot_dname_size(rr->owner)) != 0 ||
	    xfr_blob_put(b, fixed, sizeof(fixed)) != 0 ||
	    xfr_blob_put(b, rr->rdata, rr->rdlen) != 0) {
		return ZG_ENOMEM;
	}
	return 0;
}

int xfr_blob_read_record(const uint8_t *data, size_t len, size_t *pos,
			 struct xfr_rr *rr)
{
	const uint8_t *owner = data + *pos;
	int olen = knot_dname_wire_check(owner, data + len, NULL);
	if (olen <= 0 || *pos + (size_t)olen + 8 > len) {
		return ZG_EINVAL;
	}
	const uint8_t *f = owner + olen;
	uint16_t rdlen = (uint16_t)(f[6] << 8 | f[7]);
	if (*pos + (size_t)olen + 8 + rdlen > len) {
		return ZG_EINVAL;
	}
	rr->owner = (uint8_t *)owner;
	rr->type = (uint16_t)(f[0] << 8 | f[1]);
	rr->ttl = (uint32_t)f[2] << 24 | (uint32_t)f[3] << 16 |
		  (uint32_t)f[4] << 8 | f[5];
	rr->rdlen = rdlen;
	rr->rdata = (uint8_t *)f + 8;
	*pos += (size_t)olen + 8 + rdlen;
	return 0;
}

/*
 * Snapshots
 */

static int put_rrset(const knot_rrset_t *set, void *arg)
{
	struct xfr_blob *b = arg;
	const knot_rdata_t *rd = set->rrs.rdata;
	for (uint16_t i = 0; i < set->rrs.count; i++) {
		struct xfr_rr rr = { .owner = set->owner,
				     .rdata = (uint8_t *)rd->data,
				     .ttl = set->ttl, .type = set->type,
				     .rdlen = rd->len };
		if (xfr_blob_put_record(b, &rr) != 0) {
			return ZG_ENOMEM;
		}
		rd = knot_rdataset_next((knot_rdata_t *)rd);
	}
	return 0;
}

int xfr_snapshot_encode(const struct zone_contents *z, uint8_t **out,
			size_t *len)
{
	struct xfr_blob b = { 0 };
	int ret = xfr_blob_put(&b, MAGIC, MAGIC_LEN);
	if (ret == 0) {
		ret = zone_contents_walk(z, put_rrset, &b);
	}
	if (ret != 0) {
		free(b.data);
		return ZG_ENOMEM;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

static int count_rrset(const knot_rrset_t *set, void *arg)
{
	uint64_t *size = arg;
	size_t owner = knot_dname_size(set->owner);
	const knot_rdata_t *rd = set->rrs.rdata;
	for (uint16_t i = 0; i < set->rrs.count; i++) {
		*size += owner + 8 + rd->len;
		rd = knot_rdataset_next((knot_rdata_t *)rd);
	}
	return 0;
}

int xfr_snapshot_size(const struct zone_contents *z, uint64_t *size)
{
	*size = MAGIC_LEN;
	return zone_contents_walk(z, count_rrset, size) == 0 ? 0 : ZG_ENOMEM;
}

/* Adds the record at *pos to b. */
static int add_record(struct zone_builder *b, const uint8_t *data,
		      size_t len, size_t *pos)
{
	struct xfr_rr rr;
	int ret = xfr_blob_read_record(data, len, pos, &rr);
	if (ret != 0) {
		return ret;
	}
	knot_rrset_t set;
	knot_rrset_init(&set, rr.owner, rr.type, KNOT_CLASS_IN, rr.ttl);
	if (knot_rrset_add_rdata(&set, rr.rdata, rr.rdlen, NULL) != KNOT_EOK) {
		return ZG_ENOMEM;
	}
	ret = zone_builder_add_rrset(b, &set);
	knot_rdataset_clear(&set.rrs, NULL);
	return ret;
}

struct zone_contents *xfr_snapshot_decode(const knot_dname_t *apex,
					  const uint8_t *data, size_t len,
					  char *err, size_t errlen)
{
	if (len < MAGIC_LEN || memcmp(data, MAGIC, MAGIC_LEN) != 0) {
		snprintf(err, errlen, "the stored snapshot is not in a known format");
		return NULL;
	}
	struct zone_builder *b = zone_builder_new(apex);
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	size_t pos = MAGIC_LEN;
	int ret = 0;
	while (ret == 0 && pos < len) {
		ret = add_record(b, data, len, &pos);
	}
	if (ret != 0) {
		zone_builder_free(b);
		if (ret == ZG_ENOMEM) {
			snprintf(err, errlen, "out of memory");
		} else {
			snprintf(err, errlen, "the stored snapshot is damaged at byte %zu",
				 pos);
		}
		return NULL;
	}
	return zone_builder_finish(b, err, errlen);
}
