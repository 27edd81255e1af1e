/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rules over a name's records and a whole zone file: one TTL per
 * RRset, CNAME alone, delegations, duplicates, sizes. */
#include "validate/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "validate/validate_priv.h"

/* Types whose data are names compare without case (RFC 4034 6.2). */
static bool name_data(const char *type)
{
	return strcmp(type, "CNAME") == 0 || strcmp(type, "NS") == 0 ||
	       strcmp(type, "PTR") == 0 || strcmp(type, "MX") == 0 ||
	       strcmp(type, "SRV") == 0;
}

int validate_value_cmp(const char *type, const char *a, const char *b)
{
	return name_data(type) ? strcasecmp(a, b) : strcmp(a, b);
}

static bool same_value(const char *type, const char *a, const char *b)
{
	return validate_value_cmp(type, a, b) == 0;
}

static bool is_address_type(const char *type)
{
	return strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0;
}

/* NS and DS live on the parent side of a zone cut (RFC 4035 section
 * 2.4): a delegation hides neither. */
static bool cut_type(const char *type)
{
	return strcmp(type, "NS") == 0 || strcmp(type, "DS") == 0;
}

/* True when one of the NS values (existing, or the one added) names the
 * cut itself: then A and AAAA at the cut are its glue. */
static bool ns_named_like_cut(const char *owner, const char *type,
			      const char *value, const struct validate_rr *existing,
			      size_t n)
{
	if (strcmp(type, "NS") == 0 && strcasecmp(value, owner) == 0) {
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(existing[i].type, "NS") == 0 &&
		    strcasecmp(existing[i].value, owner) == 0) {
			return true;
		}
	}
	return false;
}

int validate_delegation(const char *owner, bool at_apex, const char *type,
			 const char *value, const struct validate_rr *existing,
			 size_t n_existing, char *msg, size_t msglen)
{
	if (at_apex) {
		return 0;
	}
	bool glue_ok = ns_named_like_cut(owner, type, value, existing,
					 n_existing);
	bool adding_ns = strcmp(type, "NS") == 0;
	bool hidden = !cut_type(type) && !(glue_ok && is_address_type(type));
	for (size_t i = 0; i < n_existing; i++) {
		const char *other = existing[i].type;
		bool other_ns = strcmp(other, "NS") == 0;
		if (adding_ns && !cut_type(other) &&
		    !(glue_ok && is_address_type(other))) {
			return validate_refuse(msg, msglen,
				      "%s already has %s data, which NS there would hide: below the apex a name with NS is a delegation, answered by the delegated servers (RFC 1034 section 4.2.1); delegate another name or remove that data",
				      owner, other);
		}
		if (other_ns && hidden) {
			return validate_refuse(msg, msglen,
				      "%s is a delegation (NS %s): %s data there would be hidden by the delegation (RFC 1034 section 4.2.1); put it at another name",
				      owner, existing[i].value, type);
		}
	}
	return 0;
}

enum validate_rrset_verdict validate_rrset(const char *owner, bool at_apex,
				       const char *type, const char *value,
				       const struct validate_rr *existing,
				       size_t n_existing, char *msg,
				       size_t msglen)
{
	bool cname = strcmp(type, "CNAME") == 0;
	for (size_t i = 0; i < n_existing; i++) {
		if (strcmp(existing[i].type, type) == 0 &&
		    same_value(type, existing[i].value, value)) {
			validate_refuse(msg, msglen, "%s already has %s %s", owner,
			       type, value);
			return VALIDATE_RRSET_DUPLICATE;
		}
	}
	if (at_apex && strcmp(type, "DS") == 0) {
		validate_refuse(msg, msglen,
		       "%s is the zone apex: its DS records belong in the parent zone, where the zone is delegated (RFC 4035 section 2.4)",
		       owner);
		return VALIDATE_RRSET_MISPLACED;
	}
	if (cname && at_apex) {
		validate_refuse(msg, msglen,
		       "%s is the zone apex, which holds SOA and NS; a CNAME cannot share its name with other data (RFC 1034 section 3.6.2)",
		       owner);
		return VALIDATE_RRSET_CNAME_CONFLICT;
	}
	for (size_t i = 0; i < n_existing; i++) {
		bool other_cname = strcmp(existing[i].type, "CNAME") == 0;
		if (cname && other_cname) {
			validate_refuse(msg, msglen,
			       "%s already has a CNAME (%s); a name has at most one CNAME (RFC 2181 section 10.1)",
			       owner, existing[i].value);
			return VALIDATE_RRSET_CNAME_CONFLICT;
		}
		if (cname || other_cname) {
			validate_refuse(msg, msglen,
			       "%s already has %s data; a CNAME cannot share its name with other data (RFC 1034 section 3.6.2)",
			       owner, cname ? existing[i].type : "CNAME");
			return VALIDATE_RRSET_CNAME_CONFLICT;
		}
	}
	return VALIDATE_RRSET_OK;
}

/*
 * A whole name at once
 */

#define NODE_NONE SIZE_MAX

/* Where the RRs of one name stand, found in one pass. */
struct node_scan {
	size_t cname[2];	/* first two CNAMEs */
	size_t other;		/* first RR that is no CNAME */
	size_t ns;		/* first NS */
	size_t ds;		/* first DS */
	size_t hidden;		/* first RR a delegation would hide */
};

static void scan_node(const char *owner, const struct validate_rr *rrs, size_t n,
		      struct node_scan *s)
{
	*s = (struct node_scan){
		.cname = { NODE_NONE, NODE_NONE }, .other = NODE_NONE,
		.ns = NODE_NONE, .ds = NODE_NONE, .hidden = NODE_NONE,
	};
	bool glue_ok = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rrs[i].type, "NS") == 0 &&
		    strcasecmp(rrs[i].value, owner) == 0) {
			glue_ok = true;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *type = rrs[i].type;
		if (strcmp(type, "CNAME") == 0) {
			if (s->cname[0] == NODE_NONE) {
				s->cname[0] = i;
			} else if (s->cname[1] == NODE_NONE) {
				s->cname[1] = i;
			}
		} else if (s->other == NODE_NONE) {
			s->other = i;
		}
		if (strcmp(type, "NS") == 0 && s->ns == NODE_NONE) {
			s->ns = i;
		}
		if (strcmp(type, "DS") == 0 && s->ds == NODE_NONE) {
			s->ds = i;
		}
		if (s->hidden == NODE_NONE && !cut_type(type) &&
		    !(glue_ok && is_address_type(type))) {
			s->hidden = i;
		}
	}
}

static size_t max_index(size_t a, size_t b)
{
	return a > b ? a : b;
}

static size_t min_index(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* The later RR of a pair in conflict, kept when it comes before the
 * one found so far. */
static void keep_first(size_t a, size_t b, size_t *bad, size_t *other)
{
	if (a == NODE_NONE || b == NODE_NONE || max_index(a, b) >= *bad) {
		return;
	}
	*bad = max_index(a, b);
	*other = min_index(a, b);
}

int validate_node(const char *owner, bool at_apex, const struct validate_rr *rrs,
		   size_t n, size_t *bad, char *msg, size_t msglen)
{
	struct node_scan s;
	scan_node(owner, rrs, n, &s);

	size_t first = NODE_NONE, other = NODE_NONE;
	if (at_apex) {
		/* The apex holds SOA and NS besides these. */
		first = min_index(s.cname[0], s.ds);
	} else {
		keep_first(s.cname[0], s.cname[1], &first, &other);
		keep_first(s.cname[0], s.other, &first, &other);
		keep_first(s.ns, s.hidden, &first, &other);
	}
	if (first == NODE_NONE) {
		return 0;
	}
	*bad = first;
	const struct validate_rr *rr = &rrs[first];
	const struct validate_rr *pair = other != NODE_NONE ? &rrs[other] : NULL;
	size_t n_pair = pair != NULL ? 1 : 0;
	if (validate_rrset(owner, at_apex, rr->type, rr->value, pair, n_pair,
			    msg, msglen) == VALIDATE_RRSET_OK) {
		/* The pair is a delegation and what it hides. */
		validate_delegation(owner, false, rr->type, rr->value, pair,
				     1, msg, msglen);
	}
	return ZG_EINVAL;
}

/*
 * A whole set of records at once
 */

/* Name, type, value as the API compares them, then the order given. */
static int by_record(const void *pa, const void *pb)
{
	const struct validate_set_rr *a = *(const struct validate_set_rr *const *)pa;
	const struct validate_set_rr *b = *(const struct validate_set_rr *const *)pb;
	int c = strcmp(a->rel, b->rel);
	if (c == 0) {
		c = strcmp(a->type, b->type);
	}
	if (c == 0) {
		c = validate_value_cmp(a->type, a->value, b->value);
	}
	return c != 0 ? c : (a > b) - (a < b);
}

static int by_position(const void *pa, const void *pb)
{
	const struct validate_set_rr *a = *(const struct validate_set_rr *const *)pa;
	const struct validate_set_rr *b = *(const struct validate_set_rr *const *)pb;
	return (a > b) - (a < b);
}

/* Work space of validate_record_set(), n entries each. */
struct set_check {
	struct validate_set_rr *rrs;
	struct validate_set_rr **sorted;
	struct validate_set_rr **part;	/* one RRset or name, in order */
	const char **values;
	struct validate_rr *node;
	size_t bad;			/* first offending index so far */
	char *msg;
	size_t msglen;
};

/* Keeps the problem at index at when it comes before the one kept. */
static void set_note(struct set_check *c, const struct validate_set_rr *rr,
		     const char *text)
{
	size_t at = (size_t)(rr - c->rrs);
	if (at < c->bad) {
		c->bad = at;
		if (c->msg != NULL && c->msglen > 0) {
			snprintf(c->msg, c->msglen, "%s", text);
		}
	}
}

/* Copies the records of sorted[from, to) not marked duplicate into
 * c->part in the order given; returns how many. */
static size_t set_part(struct set_check *c, size_t from, size_t to)
{
	size_t k = 0;
	for (size_t i = from; i < to; i++) {
		if (!c->sorted[i]->duplicate) {
			c->part[k++] = c->sorted[i];
		}
	}
	qsort(c->part, k, sizeof(*c->part), by_position);
	return k;
}

/* The RRset c->part[0, k) must fit a message; when it does not, the
 * record that makes it too large is found by halving. */
static int set_check_size(struct set_check *c, size_t k)
{
	const struct validate_set_rr *first = c->part[0];
	char text[512];
	for (size_t i = 0; i < k; i++) {
		c->values[i] = c->part[i]->value;
	}
	int ret = validate_rrset_size(".", first->fqdn, first->code,
				       c->values, k, text, sizeof(text));
	if (ret == ZG_ENOMEM || ret == 0) {
		return ret;
	}
	size_t lo = 1, hi = k;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		ret = validate_rrset_size(".", first->fqdn, first->code,
					   c->values, mid, NULL, 0);
		if (ret == ZG_ENOMEM) {
			return ret;
		}
		if (ret != 0) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	ret = validate_rrset_size(".", first->fqdn, first->code, c->values,
				   lo, text, sizeof(text));
	if (ret == ZG_ENOMEM) {
		return ret;
	}
	set_note(c, c->part[lo - 1], text);
	return 0;
}

/* The RRset sorted[from, to): one TTL, duplicates marked, its size. */
static int set_check_rrset(struct set_check *c, size_t from, size_t to)
{
	const struct validate_set_rr *first = c->sorted[from];
	for (size_t i = from + 1; i < to; i++) {
		if (c->sorted[i] < first) {
			first = c->sorted[i];
		}
	}
	for (size_t i = from; i < to; i++) {
		c->sorted[i]->ttl = first->ttl;
		/* Equal values sit side by side, the earliest first. */
		c->sorted[i]->duplicate = i > from &&
			validate_value_cmp(first->type, c->sorted[i - 1]->value,
				      c->sorted[i]->value) == 0;
	}
	return set_check_size(c, set_part(c, from, to));
}

/* The name of sorted[from, to), whole. */
static void set_check_name(struct set_check *c, size_t from, size_t to)
{
	size_t k = set_part(c, from, to);
	for (size_t i = 0; i < k; i++) {
		c->node[i] = (struct validate_rr){ .type = c->part[i]->type,
					      .value = c->part[i]->value };
	}
	const struct validate_set_rr *first = c->sorted[from];
	char text[512];
	size_t bad = 0;
	if (validate_node(first->fqdn, strcmp(first->rel, "@") == 0,
			   c->node, k, &bad, text, sizeof(text)) != 0) {
		set_note(c, c->part[bad], text);
	}
}

/* Calls check on each run of sorted records that agree on the name (and
 * with by_type, on the type). */
static int set_runs(struct set_check *c, size_t n, bool by_type)
{
	size_t from = 0;
	for (size_t i = 1; i <= n; i++) {
		const struct validate_set_rr *a = c->sorted[from];
		if (i < n && strcmp(a->rel, c->sorted[i]->rel) == 0 &&
		    (!by_type || strcmp(a->type, c->sorted[i]->type) == 0)) {
			continue;
		}
		if (by_type) {
			int ret = set_check_rrset(c, from, i);
			if (ret != 0) {
				return ret;
			}
		} else {
			set_check_name(c, from, i);
		}
		from = i;
	}
	return 0;
}

int validate_record_set(struct validate_set_rr *rrs, size_t n, size_t *bad,
			 char *msg, size_t msglen)
{
	struct set_check c = { .rrs = rrs, .bad = SIZE_MAX, .msg = msg,
			       .msglen = msglen };
	if (n == 0) {
		return 0;
	}
	c.sorted = calloc(n, sizeof(*c.sorted));
	c.part = calloc(n, sizeof(*c.part));
	c.values = calloc(n, sizeof(*c.values));
	c.node = calloc(n, sizeof(*c.node));
	int ret = c.sorted != NULL && c.part != NULL && c.values != NULL &&
		  c.node != NULL ? 0 : ZG_ENOMEM;
	for (size_t i = 0; ret == 0 && i < n; i++) {
		c.sorted[i] = &rrs[i];
	}
	if (ret == 0) {
		qsort(c.sorted, n, sizeof(*c.sorted), by_record);
		ret = set_runs(&c, n, true);
	}
	if (ret == 0) {
		set_runs(&c, n, false);
	}
	free(c.sorted);
	free(c.part);
	free(c.values);
	free(c.node);
	if (ret == 0 && c.bad != SIZE_MAX) {
		*bad = c.bad;
		ret = ZG_EINVAL;
	}
	return ret;
}
