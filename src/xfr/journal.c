/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The journal of a secondary zone: the diffs of the IXFRs applied since
 * its snapshot was written, encoded for the store and replayed over the
 * snapshot at start-up (RFC 1995 section 4 order of a diff). */
#include "xfr/xfr_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "zone/zone.h"

#define MAGIC "ZGJ1"
#define MAGIC_LEN 4
#define HEADER_LEN (MAGIC_LEN + 8)

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int xfr_journal_encode(const struct xfr_reply *r, const struct xfr_diff *d,
		       uint8_t **out, size_t *len)
{
	uint8_t header[HEADER_LEN];
	memcpy(header, MAGIC, MAGIC_LEN);
	put_u32(header + MAGIC_LEN, (uint32_t)(d->del_end - d->del_start));
	put_u32(header + MAGIC_LEN + 4, (uint32_t)(d->add_end - d->add_start));

	struct xfr_blob b = { 0 };
	int ret = xfr_blob_put(&b, header, sizeof(header));
	for (size_t i = d->del_start; ret == 0 && i < d->del_end; i++) {
		ret = xfr_blob_put_record(&b, &r->rrs[i]);
	}
	for (size_t i = d->add_start; ret == 0 && i < d->add_end; i++) {
		ret = xfr_blob_put_record(&b, &r->rrs[i]);
	}
	if (ret != 0) {
		free(b.data);
		return ZG_ENOMEM;
	}
	*out = b.data;
	*len = b.len;
	return 0;
}

/* The serial of rr when it is the apex SOA, with every length checked
 * (RFC 1035 section 3.3.13: two names, then the serial). */
static bool apex_soa_serial(const uint8_t *apex, const struct xfr_rr *rr,
			    uint32_t *serial)
{
	if (rr->type != KNOT_RRTYPE_SOA || !knot_dname_is_equal(rr->owner,
								apex)) {
		return false;
	}
	const uint8_t *end = rr->rdata + rr->rdlen;
	int mname = knot_dname_wire_check(rr->rdata, end, NULL);
	if (mname <= 0) {
		return false;
	}
	int rname = knot_dname_wire_check(rr->rdata + mname, end, NULL);
	if (rname <= 0 || (size_t)(mname + rname) + 20 != rr->rdlen) {
		return false;
	}
	*serial = get_u32(rr->rdata + mname + rname);
	return true;
}

/* Reads n records at *pos into rrs (borrowing from data). */
static int read_records(const uint8_t *data, size_t len, size_t *pos,
			struct xfr_rr *rrs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ret = xfr_blob_read_record(data, len, pos, &rrs[i]);
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

/* Checks the header and splits the entry into its two record lists
 * (an array the caller frees; additions start at rrs + *n_del). */
static int split(const uint8_t *apex, const uint8_t *data, size_t len,
		 uint32_t from_serial, uint32_t to_serial,
		 struct xfr_rr **rrs, size_t *n_del, size_t *n_add,
		 char *err, size_t errlen)
{
	*rrs = NULL;
	if (len < HEADER_LEN || memcmp(data, MAGIC, MAGIC_LEN) != 0) {
		snprintf(err, errlen, "the diff is not in a known format");
		return ZG_EINVAL;
	}
	*n_del = get_u32(data + MAGIC_LEN);
	*n_add = get_u32(data + MAGIC_LEN + 4);
	/* A record takes at least 11 bytes (root owner, fixed part): the
	 * counts cannot claim more than the blob holds. */
	size_t total = *n_del + *n_add;
	if (*n_del == 0 || *n_add == 0 || total > (len - HEADER_LEN) / 11) {
		snprintf(err, errlen, "the diff's record counts do not fit its size");
		return ZG_EINVAL;
	}
	*rrs = calloc(total, sizeof(**rrs));
	if (*rrs == NULL) {
		snprintf(err, errlen, "out of memory");
		return ZG_ENOMEM;
	}
	size_t pos = HEADER_LEN;
	uint32_t first = 0, last = 0;
	if (read_records(data, len, &pos, *rrs, total) != 0 || pos != len) {
		snprintf(err, errlen, "the diff is damaged at byte %zu", pos);
		return ZG_EINVAL;
	}
	if (!apex_soa_serial(apex, &(*rrs)[0], &first) ||
	    !apex_soa_serial(apex, &(*rrs)[*n_del], &last) ||
	    first != from_serial || last != to_serial) {
		snprintf(err, errlen,
			 "the diff does not go from serial %" PRIu32 " to %" PRIu32 " as stored",
			 from_serial, to_serial);
		return ZG_EINVAL;
	}
	return 0;
}

int xfr_journal_decode(const uint8_t *apex, const uint8_t *data, size_t len,
		       uint32_t from_serial, uint32_t to_serial,
		       struct xfr_reply *r, char *err, size_t errlen)
{
	struct xfr_rr *rrs = NULL;
	size_t n_del = 0, n_add = 0;
	int ret = split(apex, data, len, from_serial, to_serial, &rrs, &n_del,
			&n_add, err, errlen);
	if (ret == 0) {
		ret = xfr_reply_add_diff(r, from_serial, to_serial, rrs, n_del,
					 rrs + n_del, n_add);
		if (ret != 0) {
			snprintf(err, errlen, "out of memory");
		}
	}
	free(rrs);
	return ret;
}

struct zone_contents *xfr_journal_replay(
	const struct zone_contents *base,
	const struct store_xfr_journal_entry *entries, size_t n, char *err,
	size_t errlen)
{
	const knot_dname_t *apex = zone_contents_apex(base);
	uint32_t serial = zone_contents_serial(base);
	struct xfr_reply r;
	xfr_reply_init(&r, apex, true, serial, UINT64_MAX, UINT64_MAX);

	/* Every entry must start where the one before ended: the first
	 * where the snapshot is. */
	int ret = 0;
	char why[200] = "";
	for (size_t i = 0; ret == 0 && i < n; i++) {
		const struct store_xfr_journal_entry *e = &entries[i];
		if (e->from_serial != serial) {
			snprintf(err, errlen,
				 "journal entry %" PRIu64 " starts at serial %" PRIu32 ", not at %" PRIu32,
				 e->seq, e->from_serial, serial);
			ret = ZG_EINVAL;
			break;
		}
		ret = xfr_journal_decode(r.apex, e->diff, e->len,
					 e->from_serial, e->to_serial, &r, why,
					 sizeof(why));
		if (ret != 0) {
			snprintf(err, errlen, "journal entry %" PRIu64 ": %s",
				 e->seq, why);
		}
		serial = e->to_serial;
	}

	struct zone_contents *out = NULL;
	if (ret == 0 && n == 0) {
		snprintf(err, errlen, "the journal is empty");
	} else if (ret == 0) {
		size_t skipped = 0;
		out = xfr_apply(base, &r, &skipped, err, errlen);
	}
	xfr_reply_clear(&r);
	return out;
}

bool xfr_journal_needs_compaction(const struct store_xfr_state *st)
{
	return st->journal_entries >= XFR_JOURNAL_MAX_ENTRIES ||
	       (st->journal_entries > 0 &&
		st->journal_bytes > st->snapshot_bytes);
}
