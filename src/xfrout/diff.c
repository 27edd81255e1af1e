/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Condensing journal entries between two versions of a zone into the
 * one difference an IXFR answer sends (RFC 1995 section 4). */
#include "xfrout/xfrout.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "store/store.h"

static bool is_kind(const struct store_journal_entry *e, const char *kind)
{
	return strcmp(e->kind, kind) == 0;
}

/* A list that grows by doubling, so n pushes cost O(n). */
static int push(struct xfrout_diff_rr **list, size_t *n, size_t *cap,
		const struct store_journal_entry *e, const char *owner)
{
	if (*n == *cap) {
		size_t grown_cap = *cap > 0 ? 2 * *cap : 16;
		struct xfrout_diff_rr *grown = realloc(*list, grown_cap *
						       sizeof(*grown));
		if (grown == NULL) {
			return ZG_ENOMEM;
		}
		*list = grown;
		*cap = grown_cap;
	}
	(*list)[*n] = (struct xfrout_diff_rr){
		.owner = owner, .type = e->type, .ttl = e->ttl,
		.value = e->value,
	};
	(*n)++;
	return 0;
}

/* Orders RRs (owner ignoring case, type, TTL, value), then by place in
 * the journal, so each RR's entries sit side by side, oldest first. */
static int by_rr(const void *pa, const void *pb)
{
	const struct store_journal_entry *a =
		*(const struct store_journal_entry *const *)pa;
	const struct store_journal_entry *b =
		*(const struct store_journal_entry *const *)pb;
	int c = strcasecmp(a->owner, b->owner);
	if (c == 0) {
		c = strcmp(a->type, b->type);
	}
	if (c == 0) {
		c = (a->ttl > b->ttl) - (a->ttl < b->ttl);
	}
	if (c == 0) {
		c = strcmp(a->value, b->value);
	}
	return c != 0 ? c : (a > b) - (a < b);
}

static bool same_rr(const struct store_journal_entry *a,
		    const struct store_journal_entry *b)
{
	return a->ttl == b->ttl && strcasecmp(a->owner, b->owner) == 0 &&
	       strcmp(a->type, b->type) == 0 && strcmp(a->value, b->value) == 0;
}

/*
 * Records: each distinct RR counts by its first and last entry. The
 * entries are sorted so those of one RR are adjacent (O(n log n)); the
 * RRs then go out in the order of their first entry in the journal.
 */
static int condense_records(const struct store_journal_entry *e, size_t n,
			    struct xfrout_diff *out, size_t *del_cap,
			    size_t *add_cap)
{
	const struct store_journal_entry **sorted = calloc(n + 1,
							   sizeof(*sorted));
	/* last[i]: the last entry of the RR whose first entry is e[i]. */
	const struct store_journal_entry **last = calloc(n + 1, sizeof(*last));
	if (sorted == NULL || last == NULL) {
		free(sorted);
		free(last);
		return ZG_ENOMEM;
	}
	size_t n_sorted = 0;
	for (size_t i = 0; i < n; i++) {
		if (is_kind(&e[i], "add") || is_kind(&e[i], "del")) {
			sorted[n_sorted++] = &e[i];
		}
	}
	qsort(sorted, n_sorted, sizeof(*sorted), by_rr);
	for (size_t i = 0; i < n_sorted;) {
		size_t j = i + 1;
		while (j < n_sorted && same_rr(sorted[i], sorted[j])) {
			j++;
		}
		last[sorted[i] - e] = sorted[j - 1];
		i = j;
	}

	int ret = 0;
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (last[i] == NULL) {
			continue;
		}
		bool was = is_kind(&e[i], "del");
		bool is = is_kind(last[i], "add");
		if (was && !is) {
			ret = push(&out->del, &out->n_del, del_cap, &e[i],
				   e[i].owner);
		} else if (!was && is) {
			ret = push(&out->add, &out->n_add, add_cap, last[i],
				   last[i]->owner);
		}
	}
	free(sorted);
	free(last);
	return ret;
}

/* Whether the "ns" entries [from, to) hold an NS equal to e (name
 * ignoring case, same TTL). */
static bool ns_has(const struct store_journal_entry *from,
		   const struct store_journal_entry *to,
		   const struct store_journal_entry *e)
{
	for (const struct store_journal_entry *p = from; p < to; p++) {
		if (p->ttl == e->ttl && strcasecmp(p->value, e->value) == 0) {
			return true;
		}
	}
	return false;
}

/* The apex NS RRset of each version sits in the "ns" entries after its
 * "soa" entry. */
static int condense_apex_ns(const struct store_journal_entry *e, size_t n,
			    size_t new_soa, struct xfrout_diff *out,
			    size_t *del_cap, size_t *add_cap)
{
	size_t old_end = 1;
	while (old_end < n && is_kind(&e[old_end], "ns")) {
		old_end++;
	}
	const struct store_journal_entry *old_from = &e[1];
	const struct store_journal_entry *old_to = &e[old_end];
	const struct store_journal_entry *new_from = &e[new_soa + 1];
	const struct store_journal_entry *new_to = &e[n];

	int ret = 0;
	for (const struct store_journal_entry *p = old_from;
	     ret == 0 && p < old_to; p++) {
		if (!ns_has(new_from, new_to, p)) {
			ret = push(&out->del, &out->n_del, del_cap, p, "@");
		}
	}
	for (const struct store_journal_entry *p = new_from;
	     ret == 0 && p < new_to; p++) {
		if (!ns_has(old_from, old_to, p)) {
			ret = push(&out->add, &out->n_add, add_cap, p, "@");
		}
	}
	return ret;
}

int xfrout_diff_compute(const struct store_journal_entry *entries, size_t n,
			struct xfrout_diff *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0 || !is_kind(&entries[0], "soa")) {
		return ZG_EINVAL;
	}

	/* The last "soa" entry opens the newer version's closing group;
	 * only "ns" entries may follow it. */
	size_t new_soa = n;
	for (size_t i = n; i > 1; i--) {
		if (is_kind(&entries[i - 1], "soa")) {
			new_soa = i - 1;
			break;
		}
	}
	if (new_soa == n) {
		return ZG_EINVAL;
	}
	for (size_t i = new_soa + 1; i < n; i++) {
		if (!is_kind(&entries[i], "ns")) {
			return ZG_EINVAL;
		}
	}
	out->old_soa = &entries[0];
	out->new_soa = &entries[new_soa];

	size_t del_cap = 0, add_cap = 0;
	int ret = condense_apex_ns(entries, n, new_soa, out, &del_cap,
				   &add_cap);
	if (ret == 0) {
		ret = condense_records(entries, n, out, &del_cap, &add_cap);
	}
	if (ret != 0) {
		xfrout_diff_clear(out);
	}
	return ret;
}

void xfrout_diff_clear(struct xfrout_diff *d)
{
	free(d->del);
	free(d->add);
	memset(d, 0, sizeof(*d));
}

int xfrout_serial_compare(uint32_t a, uint32_t b)
{
	uint32_t diff = a - b;
	if (diff == 0 || diff == 0x80000000u) {
		return 0;
	}
	return diff < 0x80000000u ? 1 : -1;
}
