/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Collects the records of an AXFR or IXFR reply stream and tells the
 * three forms of RFC 1995 apart: up to date, incremental, AXFR-style. */
#include "xfr/xfr_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* Where the parser is in the stream (RFC 1995 section 4, RFC 5936
 * section 2.2: the first and the last record are the new SOA). */
enum phase {
	PHASE_FIRST = 0,	/* expecting the leading SOA */
	PHASE_SECOND,		/* IXFR: the record after it decides the form */
	PHASE_FULL,		/* zone records until the final SOA */
	PHASE_DEL,		/* deletions of a diff */
	PHASE_ADD,		/* additions of a diff */
	PHASE_DONE,
};

void xfr_reply_init(struct xfr_reply *r, const knot_dname_t *apex, bool ixfr,
		    uint32_t our_serial, uint64_t max_records,
		    uint64_t max_bytes)
{
	memset(r, 0, sizeof(*r));
	knot_dname_to_wire(r->apex, apex, sizeof(r->apex));
	knot_dname_to_lower(r->apex);
	r->ixfr = ixfr;
	r->our_serial = our_serial;
	r->max_records = max_records;
	r->max_bytes = max_bytes;
	r->phase = PHASE_FIRST;
}

void xfr_reply_clear(struct xfr_reply *r)
{
	for (size_t i = 0; i < r->n_rrs; i++) {
		free(r->rrs[i].owner);
	}
	free(r->rrs);
	free(r->diffs);
	free(r->first_soa.owner);
	r->rrs = NULL;
	r->diffs = NULL;
	r->first_soa.owner = NULL;
	r->n_rrs = r->cap_rrs = r->n_diffs = 0;
}

static int fail(struct xfr_reply *r, int code, const char *fmt,
		const char *arg)
{
	snprintf(r->err, sizeof(r->err), fmt, arg);
	return code;
}

/* Copies one record; owner lower-cased, owner and rdata in one block. */
static int copy_rr(const struct xfr_rr *src, struct xfr_rr *out)
{
	size_t olen = knot_dname_size(src->owner);
	uint8_t *block = malloc(olen + src->rdlen + 1);
	if (block == NULL) {
		return ZG_ENOMEM;
	}
	memcpy(block, src->owner, olen);
	knot_dname_to_lower(block);
	if (src->rdlen > 0) {
		memcpy(block + olen, src->rdata, src->rdlen);
	}
	*out = *src;
	out->owner = block;
	out->rdata = block + olen;
	return 0;
}

static int make_rr(const knot_dname_t *owner, uint16_t type, uint32_t ttl,
		   const knot_rdata_t *rd, struct xfr_rr *out)
{
	struct xfr_rr src = { .owner = (uint8_t *)owner,
			      .rdata = (uint8_t *)rd->data, .ttl = ttl,
			      .type = type, .rdlen = rd->len };
	return copy_rr(&src, out);
}

static int push(struct xfr_reply *r, struct xfr_rr *rr)
{
	if (r->n_rrs == r->cap_rrs) {
		size_t cap = r->cap_rrs == 0 ? 256 : r->cap_rrs * 2;
		struct xfr_rr *grown = realloc(r->rrs, cap * sizeof(*grown));
		if (grown == NULL) {
			free(rr->owner);
			return ZG_ENOMEM;
		}
		r->rrs = grown;
		r->cap_rrs = cap;
	}
	r->rrs[r->n_rrs++] = *rr;
	memset(rr, 0, sizeof(*rr));
	return 0;
}

static struct xfr_diff *open_diff(struct xfr_reply *r, uint32_t from)
{
	struct xfr_diff *grown = realloc(r->diffs, (r->n_diffs + 1) *
					 sizeof(*grown));
	if (grown == NULL) {
		return NULL;
	}
	r->diffs = grown;
	struct xfr_diff *d = &grown[r->n_diffs++];
	memset(d, 0, sizeof(*d));
	d->from_serial = from;
	d->del_start = r->n_rrs;
	return d;
}

static bool is_apex_soa(const struct xfr_reply *r, const struct xfr_rr *rr)
{
	return rr->type == KNOT_RRTYPE_SOA &&
	       knot_dname_is_equal(rr->owner, r->apex);
}

static uint32_t rr_serial(const struct xfr_rr *rr)
{
	/* SOA RDATA: two names, then serial (RFC 1035 section 3.3.13). */
	size_t names = knot_dname_size(rr->rdata);
	names += knot_dname_size(rr->rdata + names);
	const uint8_t *p = rr->rdata + names;
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

/* The record after the leading SOA of an IXFR reply decides its form. */
static int second_record(struct xfr_reply *r, struct xfr_rr *rr)
{
	if (is_apex_soa(r, rr) && rr_serial(rr) != r->new_serial) {
		r->kind = XFR_REPLY_INCREMENTAL;
		if (open_diff(r, rr_serial(rr)) == NULL) {
			free(rr->owner);
			return ZG_ENOMEM;
		}
		r->phase = PHASE_DEL;
		return push(r, rr);
	}

	/* AXFR form (RFC 1995 section 4): the leading SOA is zone data. */
	r->kind = XFR_REPLY_FULL;
	int ret = push(r, &r->first_soa);
	if (ret != 0) {
		free(rr->owner);
		return ret;
	}
	if (is_apex_soa(r, rr)) {
		/* A zone of only its SOA. */
		free(rr->owner);
		r->phase = PHASE_DONE;
		r->done = true;
		return 0;
	}
	r->phase = PHASE_FULL;
	return push(r, rr);
}

/* An SOA at the apex inside a diff: the switch from deletions to
 * additions, the start of the next diff, or the end. */
static int diff_soa(struct xfr_reply *r, struct xfr_rr *rr)
{
	struct xfr_diff *d = &r->diffs[r->n_diffs - 1];
	uint32_t serial = rr_serial(rr);

	if (r->phase == PHASE_DEL) {
		d->del_end = r->n_rrs;
		d->to_serial = serial;
		d->add_start = r->n_rrs;
		r->phase = PHASE_ADD;
		return push(r, rr);
	}

	d->add_end = r->n_rrs;
	if (serial == r->new_serial && d->to_serial == r->new_serial) {
		free(rr->owner);
		r->phase = PHASE_DONE;
		r->done = true;
		return 0;
	}
	if (serial != d->to_serial) {
		free(rr->owner);
		snprintf(r->err, sizeof(r->err),
			 "IXFR diff ends at serial %u but the next starts at %u",
			 d->to_serial, serial);
		return ZG_EMALF;
	}
	if (open_diff(r, serial) == NULL) {
		free(rr->owner);
		return ZG_ENOMEM;
	}
	r->phase = PHASE_DEL;
	return push(r, rr);
}

static int first_record(struct xfr_reply *r, struct xfr_rr *rr)
{
	if (!is_apex_soa(r, rr)) {
		free(rr->owner);
		return fail(r, ZG_EMALF, "%s",
			    "the first record of the reply is not the zone's SOA");
	}
	r->new_serial = rr_serial(rr);
	r->have_serial = true;
	if (r->ixfr) {
		r->first_soa = *rr;
		r->phase = PHASE_SECOND;
		return 0;
	}
	r->kind = XFR_REPLY_FULL;
	r->phase = PHASE_FULL;
	return push(r, rr);
}

static int one_record(struct xfr_reply *r, struct xfr_rr *rr)
{
	switch (r->phase) {
	case PHASE_FIRST:
		return first_record(r, rr);
	case PHASE_SECOND:
		return second_record(r, rr);
	case PHASE_FULL:
		if (is_apex_soa(r, rr)) {
			free(rr->owner);
			r->phase = PHASE_DONE;
			r->done = true;
			return 0;
		}
		return push(r, rr);
	case PHASE_DEL:
	case PHASE_ADD:
		if (is_apex_soa(r, rr)) {
			return diff_soa(r, rr);
		}
		return push(r, rr);
	default:
		free(rr->owner);
		return fail(r, ZG_EMALF, "%s",
			    "records follow the final SOA of the transfer");
	}
}

/* Records outside the zone are skipped (RFC 5936 section 3.3 lets a
 * client ignore them); everything else counts against the limits. A
 * whole zone (AXFR, IXFR in AXFR form) may not bring more than
 * max_records records. IXFR diffs are not counted here: they delete as
 * well as add, so the zone they make is what the caller checks against
 * max_records; their messages still count against max_bytes. */
static int feed_rrset(struct xfr_reply *r, const knot_rrset_t *set)
{
	if (knot_dname_in_bailiwick(set->owner, r->apex) < 0) {
		r->out_of_zone += set->rrs.count;
		return 0;
	}
	if (set->rclass != KNOT_CLASS_IN) {
		return fail(r, ZG_EMALF, "%s", "a record is not of class IN");
	}
	const knot_rdata_t *rd = set->rrs.rdata;
	for (uint16_t i = 0; i < set->rrs.count; i++) {
		if (r->kind != XFR_REPLY_INCREMENTAL &&
		    r->n_rrs + 1 > r->max_records) {
			snprintf(r->err, sizeof(r->err),
				 "the transfer has more than %llu records",
				 (unsigned long long)r->max_records);
			return ZG_ELIMIT;
		}
		struct xfr_rr rr;
		int ret = make_rr(set->owner, set->type, set->ttl, rd, &rr);
		if (ret == 0) {
			ret = one_record(r, &rr);
		}
		if (ret != 0) {
			return ret;
		}
		rd = knot_rdataset_next((knot_rdata_t *)rd);
	}
	return 0;
}

int xfr_reply_feed(struct xfr_reply *r, const knot_pkt_t *pkt, size_t size)
{
	r->messages++;
	r->bytes += size;
	if (r->bytes > r->max_bytes) {
		snprintf(r->err, sizeof(r->err),
			 "the transfer is larger than %llu bytes",
			 (unsigned long long)r->max_bytes);
		return ZG_ELIMIT;
	}
	if (r->done) {
		return fail(r, ZG_EMALF, "%s",
			    "a message follows the final SOA of the transfer");
	}

	const knot_pktsection_t *ans = knot_pkt_section(pkt, KNOT_ANSWER);
	size_t records = 0;
	for (uint16_t i = 0; i < ans->count; i++) {
		const knot_rrset_t *set = knot_pkt_rr(ans, i);
		records += set->rrs.count;
		int ret = feed_rrset(r, set);
		if (ret != 0) {
			return ret;
		}
	}
	if (records == 0) {
		return fail(r, ZG_EMALF, "%s", "a reply message has no records");
	}

	/* RFC 1995 section 2: a single SOA whose serial is not newer than
	 * ours means we are current; nothing else follows. */
	if (r->ixfr && r->messages == 1 && records == 1 &&
	    r->phase == PHASE_SECOND &&
	    xfr_serial_compare(r->new_serial, r->our_serial) !=
	    XFR_SERIAL_GREATER) {
		r->kind = XFR_REPLY_UPTODATE;
		r->phase = PHASE_DONE;
		r->done = true;
	}
	return 0;
}

/* Copies rrs[0..n) to the end of r. */
static int push_copies(struct xfr_reply *r, const struct xfr_rr *rrs,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct xfr_rr rr;
		int ret = copy_rr(&rrs[i], &rr);
		if (ret == 0) {
			ret = push(r, &rr);
		}
		if (ret != 0) {
			return ret;
		}
	}
	return 0;
}

int xfr_reply_add_diff(struct xfr_reply *r, uint32_t from_serial,
		       uint32_t to_serial, const struct xfr_rr *del,
		       size_t n_del, const struct xfr_rr *add, size_t n_add)
{
	if (open_diff(r, from_serial) == NULL) {
		return ZG_ENOMEM;
	}
	size_t k = r->n_diffs - 1;
	r->kind = XFR_REPLY_INCREMENTAL;
	r->new_serial = to_serial;
	r->have_serial = true;
	r->done = true;
	r->phase = PHASE_DONE;
	r->diffs[k].to_serial = to_serial;
	int ret = push_copies(r, del, n_del);
	r->diffs[k].del_end = r->diffs[k].add_start = r->n_rrs;
	if (ret == 0) {
		ret = push_copies(r, add, n_add);
	}
	r->diffs[k].add_end = r->n_rrs;
	return ret;
}
