/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rendering transfer answers: AXFR (RFC 5936), IXFR from a condensed
 * difference (RFC 1995), packed into messages with room for TSIG. */
#include "xfrout/xfrout_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "store/store.h"
#include "zone/zone.h"

void xfr_answer_clear(struct xfr_answer *a)
{
	for (size_t i = 0; i < a->n_msgs; i++) {
		free(a->msgs[i].wire);
	}
	free(a->msgs);
	memset(a, 0, sizeof(*a));
}

/* Fills messages one RR at a time, opening a new one when full. */
struct packer {
	const knot_pkt_t *query;
	size_t reserve;
	knot_pkt_t *pkt;		/* the message being filled, or NULL */
	size_t in_pkt;			/* RRs in it */
	struct xfr_answer *out;
};

static int packer_open(struct packer *p)
{
	p->pkt = knot_pkt_new(NULL, XFROUT_MSG_MAX, NULL);
	if (p->pkt == NULL) {
		return ZG_ENOMEM;
	}
	p->in_pkt = 0;
	if (knot_pkt_init_response(p->pkt, p->query) != KNOT_EOK ||
	    knot_pkt_begin(p->pkt, KNOT_ANSWER) != KNOT_EOK ||
	    knot_pkt_reserve(p->pkt, (uint16_t)p->reserve) != KNOT_EOK) {
		return ZG_ENOMEM;
	}
	knot_wire_set_aa(p->pkt->wire);
	knot_wire_clear_ra(p->pkt->wire);
	return 0;
}

/* Moves the message being filled into the answer. */
static int packer_close(struct packer *p)
{
	if (p->pkt == NULL) {
		return 0;
	}
	struct xfr_msg *grown = realloc(p->out->msgs, (p->out->n_msgs + 1) *
					sizeof(*grown));
	if (grown == NULL) {
		return ZG_ENOMEM;
	}
	p->out->msgs = grown;
	struct xfr_msg *m = &grown[p->out->n_msgs];
	m->len = p->pkt->size;
	m->cap = p->pkt->size + p->reserve;
	m->wire = malloc(m->cap);
	if (m->wire == NULL) {
		return ZG_ENOMEM;
	}
	memcpy(m->wire, p->pkt->wire, m->len);
	p->out->n_msgs++;
	knot_pkt_free(p->pkt);
	p->pkt = NULL;
	return 0;
}

static void packer_drop(struct packer *p)
{
	knot_pkt_free(p->pkt);
	p->pkt = NULL;
}

/* Puts each RR of rr on its own, so that an RRset may span messages.
 * The packet keeps only the wire form: rr may go once this returns. */
static int packer_put(struct packer *p, const knot_rrset_t *rr)
{
	knot_rdata_t *rd = rr->rrs.rdata;
	for (uint16_t i = 0; i < rr->rrs.count; i++) {
		knot_rrset_t one = *rr;
		one.rrs.count = 1;
		one.rrs.size = knot_rdata_size(rd->len);
		one.rrs.rdata = rd;
		int ret = p->pkt != NULL ? 0 : packer_open(p);
		if (ret == 0) {
			ret = knot_pkt_put(p->pkt, KNOT_COMPR_HINT_NONE, &one,
					   KNOT_PF_NOTRUNC);
		}
		if (ret == KNOT_ESPACE && p->in_pkt > 0) {
			ret = packer_close(p);
			ret = ret == 0 ? packer_open(p) : ret;
			ret = ret == 0 ? knot_pkt_put(p->pkt,
						      KNOT_COMPR_HINT_NONE,
						      &one, KNOT_PF_NOTRUNC)
				       : ret;
		}
		if (ret == KNOT_ESPACE) {
			return ZG_ELIMIT;
		}
		if (ret != 0) {
			return ZG_ENOMEM;	/* ours or libknot's */
		}
		p->in_pkt++;
		p->out->n_rrs++;
		rd = knot_rdataset_next(rd);
	}
	return 0;
}

static int packer_finish(struct packer *p, int ret)
{
	if (ret == 0) {
		ret = packer_close(p);
	}
	packer_drop(p);
	if (ret != 0) {
		xfr_answer_clear(p->out);
	}
	return ret;
}

/* The apex SOA RRset of z (walk order puts it first). */
static int first_soa(const knot_rrset_t *rr, void *arg)
{
	const knot_rrset_t **soa = arg;
	*soa = rr->type == KNOT_RRTYPE_SOA ? rr : NULL;
	return 1;
}

const knot_rrset_t *xfr_zone_soa(const struct zone_contents *z)
{
	const knot_rrset_t *soa = NULL;
	(void)zone_contents_walk(z, first_soa, &soa);
	return soa;
}

static int put_non_soa(const knot_rrset_t *rr, void *arg)
{
	if (rr->type == KNOT_RRTYPE_SOA) {
		return 0;
	}
	return packer_put(arg, rr);
}

int xfr_render_axfr(const knot_pkt_t *query, const struct zone_contents *z,
		    size_t reserve, struct xfr_answer *out)
{
	memset(out, 0, sizeof(*out));
	struct packer p = { .query = query, .reserve = reserve, .out = out };
	const knot_rrset_t *soa = xfr_zone_soa(z);
	if (soa == NULL) {
		return ZG_EINVAL;
	}
	int ret = packer_put(&p, soa);
	if (ret == 0) {
		ret = zone_contents_walk(z, put_non_soa, &p);
	}
	if (ret == 0) {
		ret = packer_put(&p, soa);
	}
	return packer_finish(&p, ret);
}

int xfr_render_soa(const knot_pkt_t *query, const struct zone_contents *z,
		   size_t reserve, struct xfr_answer *out)
{
	memset(out, 0, sizeof(*out));
	struct packer p = { .query = query, .reserve = reserve, .out = out };
	const knot_rrset_t *soa = xfr_zone_soa(z);
	int ret = soa != NULL ? packer_put(&p, soa) : ZG_EINVAL;
	return packer_finish(&p, ret);
}

/* Puts each record parsed from journal text into the packer. */
static int put_parsed(void *arg, const struct zone_file_rr *rr)
{
	knot_rrset_t set;
	knot_rrset_init(&set, (knot_dname_t *)rr->owner, rr->type,
			KNOT_CLASS_IN, rr->ttl);
	if (knot_rrset_add_rdata(&set, rr->rdata, rr->rdata_len, NULL) !=
	    KNOT_EOK) {
		return ZG_ENOMEM;
	}
	int ret = packer_put(arg, &set);
	knot_rdataset_clear(&set.rrs, NULL);
	return ret;
}

/* Appends "owner ttl IN type value" lines for list to text. */
static int journal_text(const struct xfrout_diff_rr *list, size_t n,
			char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	if (f == NULL) {
		return ZG_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s %" PRIu32 " IN %s %s\n", list[i].owner,
			list[i].ttl, list[i].type, list[i].value);
	}
	return fclose(f) == 0 ? 0 : ZG_ENOMEM;
}

static int put_text(struct packer *p, const knot_dname_t *apex,
		    const char *text, size_t len)
{
	uint64_t line = 0;
	int ret = zone_file_parse(text, len, apex, put_parsed, p, &line, NULL,
				  0);
	return ret == ZG_ENOMEM || ret == ZG_ELIMIT ? ret
		: ret != 0 ? ZG_EINVAL : 0;
}

static int put_list(struct packer *p, const knot_dname_t *apex,
		    const struct xfrout_diff_rr *list, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	int ret = journal_text(list, n, &text, &len);
	if (ret == 0 && len > 0) {
		ret = put_text(p, apex, text, len);
	}
	free(text);
	return ret;
}

int xfr_render_ixfr(const knot_pkt_t *query, const struct zone_contents *z,
		    const struct xfrout_diff *diff, size_t reserve,
		    struct xfr_answer *out)
{
	memset(out, 0, sizeof(*out));
	struct packer p = { .query = query, .reserve = reserve, .out = out };
	const knot_dname_t *apex = zone_contents_apex(z);
	const knot_rrset_t *soa = xfr_zone_soa(z);
	if (soa == NULL || zone_contents_serial(z) != diff->new_soa->serial) {
		return ZG_EINVAL;
	}

	char old_soa[1024];
	int n = snprintf(old_soa, sizeof(old_soa), "@ %" PRIu32 " IN SOA %s\n",
			 diff->old_soa->ttl, diff->old_soa->value);
	int ret = n > 0 && (size_t)n < sizeof(old_soa) ? 0 : ZG_EINVAL;
	if (ret == 0) {
		ret = packer_put(&p, soa);
	}
	if (ret == 0) {
		ret = put_text(&p, apex, old_soa, (size_t)n);
	}
	if (ret == 0) {
		ret = put_list(&p, apex, diff->del, diff->n_del);
	}
	if (ret == 0) {
		ret = packer_put(&p, soa);
	}
	if (ret == 0) {
		ret = put_list(&p, apex, diff->add, diff->n_add);
	}
	if (ret == 0) {
		ret = packer_put(&p, soa);
	}
	return packer_finish(&p, ret);
}
