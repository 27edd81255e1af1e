/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Applying RFC 2136 update RRs to a private zone in the store, with the
 * management API's validation of names, types and values. */
#include "update/update_priv.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate.h"
#include "common/error.h"
#include "store/store.h"
#include "xfrout/xfrout.h"
#include "zone/zone.h"

#define APEX_NS_MAX 13		/* as the API allows */

static int refuse(struct update_apply *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int refuse(struct update_apply *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
	return ZG_EREFUSED;
}

static bool at_apex(const struct update_apply *a, const knot_rrset_t *rr)
{
	return knot_dname_is_case_equal(rr->owner, a->apex);
}

/* The owner as the API names it: "@" or relative, and absolute.
 * \retval 0 or ZG_EINVAL (msg says why: a name the API refuses). */
static int owner_names(const struct update_apply *a, const knot_dname_t *owner,
		       char *rel, char *fqdn, char *msg, size_t msglen)
{
	char text[KNOT_DNAME_TXT_MAXLEN + 1];
	uint8_t lower[KNOT_DNAME_MAXLEN];
	knot_dname_copy_lower(lower, owner);
	if (knot_dname_to_str(text, lower, sizeof(text)) == NULL) {
		snprintf(msg, msglen, "the owner name cannot be written");
		return ZG_EINVAL;
	}
	return validate_owner(a->zone->meta.name, text, rel,
				  VALIDATE_NAME_LEN, fqdn, VALIDATE_NAME_LEN, msg,
				  msglen);
}

/* The API's canonical value of rr's data (its one RR), checked to hold
 * a record of its type. \retval 0, ZG_EINVAL (msg), ZG_ENOMEM. */
static int canonical_value(struct update_apply *a, const knot_rrset_t *rr,
			   const char *fqdn, char **canon, char *msg,
			   size_t msglen)
{
	*canon = NULL;
	const knot_rdata_t *rd = rr->rrs.rdata;
	if (rr->rrs.count == 0) {
		snprintf(msg, msglen, "the record has no data");
		return ZG_EINVAL;
	}
	if (a->parser == NULL) {
		a->parser = validate_rdata_parser_new();
		if (a->parser == NULL) {
			return ZG_ENOMEM;
		}
	}
	return validate_rdata_parse_wire(a->parser, a->zone->meta.name, fqdn,
				    rr->type, rd->data, rd->len, canon, msg,
				    msglen);
}

/* The API's mnemonic of a type it stores; ZG_EINVAL for the others,
 * with msg saying why (may be NULL). */
static int type_name(uint16_t type, char *out, size_t outlen, char *msg,
		     size_t msglen)
{
	char text[16];
	uint16_t code = 0;
	if (knot_rrtype_to_string(type, text, sizeof(text)) < 0) {
		snprintf(text, sizeof(text), "TYPE%u", type);
	}
	return validate_rtype(text, out, outlen, &code, msg, msglen);
}

static int list_records(struct update_apply *a, const char *rel,
			const char *type, struct store_record **recs,
			size_t *n)
{
	bool more = false;
	return store_record_list(a->store, a->zone->meta.resource_id, rel,
				 type, NULL, 0, recs, n, &more);
}

static int delete_records(struct update_apply *a, struct store_record *recs,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ret = store_record_delete(a->store,
					      recs[i].meta.resource_id);
		if (ret != 0) {
			return ret;
		}
		a->changes++;
	}
	return 0;
}

/*
 * The apex: SOA and NS are fields of the zone.
 */

static int name_text(const knot_dname_t *name, char *out, size_t outlen)
{
	uint8_t lower[KNOT_DNAME_MAXLEN];
	knot_dname_copy_lower(lower, name);
	return knot_dname_to_str(out, lower, outlen) != NULL ? 0 : ZG_EINVAL;
}

/* RFC 2136 section 3.4.2.2: an SOA replaces the zone's when its serial
 * is newer; otherwise it is ignored. */
static int add_soa(struct update_apply *a, const knot_rrset_t *rr)
{
	const knot_rdata_t *rd = rr->rrs.rdata;
	struct store_soa *soa = &a->zone->soa;
	if (xfrout_serial_compare(knot_soa_serial(rd), soa->serial) <= 0) {
		return 0;
	}
	char mname[VALIDATE_NAME_LEN], rname[VALIDATE_NAME_LEN], text[VALIDATE_NAME_LEN];
	char msg[256];
	if (name_text(knot_soa_primary(rd), text, sizeof(text)) != 0 ||
	    validate_domain(text, false, mname, sizeof(mname), msg,
				sizeof(msg)) != 0) {
		return refuse(a, "the SOA's primary server name is refused");
	}
	if (name_text(knot_soa_mailbox(rd), text, sizeof(text)) != 0 ||
	    validate_rname(text, rname, sizeof(rname), msg,
			       sizeof(msg)) != 0) {
		return refuse(a, "the SOA's mailbox name is refused");
	}
	snprintf(soa->mname, sizeof(soa->mname), "%s", mname);
	snprintf(soa->rname, sizeof(soa->rname), "%s", rname);
	soa->ttl = rr->ttl;
	soa->serial = knot_soa_serial(rd);
	soa->refresh = knot_soa_refresh(rd);
	soa->retry = knot_soa_retry(rd);
	soa->expire = knot_soa_expire(rd);
	soa->minimum = knot_soa_minimum(rd);
	a->serial_set = true;
	a->zone_changed = true;
	a->changes++;
	return 0;
}

/* The apex NS RRset has the SOA's TTL (the API's rule), so the TTL of
 * an added apex NS is not kept. */
static int apex_ns_name(const knot_rrset_t *rr, char *out, size_t outlen)
{
	char text[VALIDATE_NAME_LEN];
	if (name_text(knot_ns_name(rr->rrs.rdata), text, sizeof(text)) != 0) {
		return ZG_EINVAL;
	}
	return validate_domain(text, false, out, outlen, NULL, 0);
}

static int add_apex_ns(struct update_apply *a, const knot_rrset_t *rr)
{
	char ns[VALIDATE_NAME_LEN];
	if (apex_ns_name(rr, ns, sizeof(ns)) != 0) {
		return refuse(a, "the NS name is refused");
	}
	if (store_strv_has(&a->zone->ns, ns)) {
		return 0;
	}
	if (a->zone->ns.n >= APEX_NS_MAX) {
		return refuse(a, "the apex holds %d NS names at most",
			      APEX_NS_MAX);
	}
	if (store_strv_push(&a->zone->ns, ns) != 0) {
		return ZG_ENOMEM;
	}
	a->zone_changed = true;
	a->changes++;
	return 0;
}

static int delete_apex_ns(struct update_apply *a, const knot_rrset_t *rr)
{
	char ns[VALIDATE_NAME_LEN];
	struct store_strv *list = &a->zone->ns;
	if (apex_ns_name(rr, ns, sizeof(ns)) != 0 || list->n <= 1) {
		return 0;	/* absent, or the last one (3.4.2.4) */
	}
	for (size_t i = 0; i < list->n; i++) {
		if (strcmp(list->v[i], ns) == 0) {
			free(list->v[i]);
			memmove(&list->v[i], &list->v[i + 1],
				(list->n - i - 1) * sizeof(*list->v));
			list->n--;
			a->zone_changed = true;
			a->changes++;
			return 0;
		}
	}
	return 0;
}

/*
 * Records
 */

/* What is at the name, for validate_rrset(). */
static struct validate_rr *existing_rrs(const struct store_record *recs, size_t n)
{
	struct validate_rr *rrs = calloc(n + 1, sizeof(*rrs));
	for (size_t i = 0; rrs != NULL && i < n; i++) {
		rrs[i].type = recs[i].type;
		rrs[i].value = recs[i].value;
	}
	return rrs;
}

static bool only_cnames(const struct store_record *recs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(recs[i].type, "CNAME") != 0) {
			return false;
		}
	}
	return n > 0;
}

/* The TTL the RRset of type has now, or ttl when it has none. */
static uint32_t rrset_ttl(const struct store_record *recs, size_t n,
			  const char *type, uint32_t ttl)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(recs[i].type, type) == 0) {
			return recs[i].ttl;
		}
	}
	return ttl;
}

/* One RRset has one TTL (RFC 2181 section 5.2): the newest wins. */
static int fit_ttl(struct update_apply *a, const char *rel, const char *type,
		   uint32_t old_ttl, uint32_t ttl)
{
	size_t changed = 0;
	if (old_ttl == ttl) {
		return 0;
	}
	int ret = store_rrset_set_ttl(a->store, a->zone->meta.resource_id,
				      rel, type, ttl, &changed);
	a->changes += changed;
	return ret;
}

static int create_record(struct update_apply *a, const char *rel,
			 const char *type, uint32_t ttl, char *value)
{
	struct store_record rec = { .ttl = ttl, .value = value };
	snprintf(rec.meta.name, sizeof(rec.meta.name), "%s", rel);
	snprintf(rec.zone_id, sizeof(rec.zone_id), "%s",
		 a->zone->meta.resource_id);
	snprintf(rec.type, sizeof(rec.type), "%s", type);
	int ret = store_record_create(a->store, &rec);
	rec.value = NULL;
	store_record_clear(&rec);
	if (ret == 0) {
		a->changes++;
	}
	return ret;
}

/* The rules a new RR beside what its name holds (rrs, n) must keep, as
 * the API checks them, besides CNAME exclusivity: no data hidden by a
 * delegation, and an RRset that fits a DNS message. */
static int check_addition(struct update_apply *a, const knot_rrset_t *rr,
			  const char *fqdn, const char *type,
			  const char *value, const struct validate_rr *rrs,
			  size_t n)
{
	char msg[512];
	if (validate_delegation(fqdn, at_apex(a, rr), type, value, rrs, n,
				 msg, sizeof(msg)) != 0) {
		return refuse(a, "%s", msg);
	}
	const char **values = calloc(n + 1, sizeof(*values));
	if (values == NULL) {
		return ZG_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rrs[i].type, type) == 0) {
			values[k++] = rrs[i].value;
		}
	}
	values[k++] = value;
	/* Stored values are canonical: their names are absolute. */
	int ret = validate_rrset_size(".", fqdn, rr->type, values, k, msg,
				       sizeof(msg));
	free(values);
	if (ret == ZG_ELIMIT || ret == ZG_EINVAL) {
		return refuse(a, "%s", msg);
	}
	return ret;
}

/* An addition checked against what the name holds, as the API checks. */
static int add_checked(struct update_apply *a, const knot_rrset_t *rr,
		       const char *rel, const char *fqdn, const char *type,
		       char *value)
{
	struct store_record *recs = NULL;
	size_t n = 0;
	int ret = list_records(a, rel, NULL, &recs, &n);
	struct validate_rr *rrs = ret == 0 ? existing_rrs(recs, n) : NULL;
	if (ret == 0 && rrs == NULL) {
		ret = ZG_ENOMEM;
	}

	char msg[512] = "";
	bool cname = strcmp(type, "CNAME") == 0;
	enum validate_rrset_verdict verdict = ret != 0 ? VALIDATE_RRSET_OK
		: validate_rrset(fqdn, at_apex(a, rr), type, value, rrs, n,
				  msg, sizeof(msg));
	uint32_t old_ttl = rrset_ttl(recs, n, type, rr->ttl);
	if (ret != 0) {
		/* the store failed */
	} else if (verdict == VALIDATE_RRSET_DUPLICATE) {
		/* Already there: only the TTL may change (3.4.2.2). */
		ret = fit_ttl(a, rel, type, old_ttl, rr->ttl);
	} else if (verdict == VALIDATE_RRSET_CNAME_CONFLICT && cname &&
		   !at_apex(a, rr) && only_cnames(recs, n)) {
		/* A CNAME replaces the CNAME (3.4.2.2). */
		ret = delete_records(a, recs, n);
		if (ret == 0) {
			ret = create_record(a, rel, type, rr->ttl, value);
		}
	} else if (verdict != VALIDATE_RRSET_OK) {
		ret = refuse(a, "%s", msg);
	} else {
		ret = check_addition(a, rr, fqdn, type, value, rrs, n);
		if (ret == 0) {
			ret = fit_ttl(a, rel, type, old_ttl, rr->ttl);
		}
		if (ret == 0) {
			ret = create_record(a, rel, type, rr->ttl, value);
		}
	}
	free(rrs);
	store_record_list_free(recs, n);
	return ret;
}

/*
 * Updates add the record types the API stores (validate_rtype():
 * any type with data of its own, DS included, but DNAME and the other
 * DNSSEC types) and the apex SOA, under the API's rules.
 *
 * LIMITATION: an RR the API would refuse (a DNAME, a DNSKEY, a CNAME
 * beside other data, data a delegation would hide, an RRset too large
 * for a message) makes the whole update REFUSED, where RFC 2136 section
 * 3.4.2.2 would ignore a CNAME conflict and apply the rest; the client
 * learns that nothing was applied, and the log says why.
 */
static int add_rr(struct update_apply *a, const knot_rrset_t *rr)
{
	if (rr->type == KNOT_RRTYPE_SOA) {
		return at_apex(a, rr) ? add_soa(a, rr)
			: refuse(a, "an SOA record belongs at the zone apex only");
	}
	if (rr->type == KNOT_RRTYPE_NS && at_apex(a, rr)) {
		return add_apex_ns(a, rr);
	}

	char type[16], rel[VALIDATE_NAME_LEN], fqdn[VALIDATE_NAME_LEN], msg[512];
	char *value = NULL;
	if (type_name(rr->type, type, sizeof(type), msg, sizeof(msg)) != 0) {
		return refuse(a, "%s", msg);
	}
	if (owner_names(a, rr->owner, rel, fqdn, msg, sizeof(msg)) != 0) {
		return refuse(a, "%s", msg);
	}
	int ret = canonical_value(a, rr, fqdn, &value, msg, sizeof(msg));
	if (ret == ZG_EINVAL) {
		return refuse(a, "%s", msg);
	}
	if (ret == 0) {
		ret = add_checked(a, rr, rel, fqdn, type, value);
	}
	free(value);
	return ret;
}

/* Class ANY: an RRset, or with type ANY every RRset at the name; the
 * apex keeps its SOA and NS (section 3.4.2.3). */
static int delete_rrset(struct update_apply *a, const knot_rrset_t *rr)
{
	char type[16], rel[VALIDATE_NAME_LEN], fqdn[VALIDATE_NAME_LEN], msg[512];
	bool any = rr->type == KNOT_RRTYPE_ANY;
	if (!any && (type_name(rr->type, type, sizeof(type), NULL, 0) != 0 ||
		     (at_apex(a, rr) && rr->type == KNOT_RRTYPE_NS))) {
		return 0;	/* nothing of that type is stored here */
	}
	if (owner_names(a, rr->owner, rel, fqdn, msg, sizeof(msg)) != 0) {
		return 0;	/* a name the zone cannot hold */
	}
	struct store_record *recs = NULL;
	size_t n = 0;
	int ret = list_records(a, rel, any ? NULL : type, &recs, &n);
	if (ret == 0) {
		ret = delete_records(a, recs, n);
	}
	store_record_list_free(recs, n);
	return ret;
}

/* Class NONE: one RR, matched by value as the API compares values. */
static int delete_one(struct update_apply *a, const knot_rrset_t *rr)
{
	if (rr->type == KNOT_RRTYPE_SOA) {
		return 0;
	}
	if (rr->type == KNOT_RRTYPE_NS && at_apex(a, rr)) {
		return delete_apex_ns(a, rr);
	}
	char type[16], rel[VALIDATE_NAME_LEN], fqdn[VALIDATE_NAME_LEN], msg[512];
	char *value = NULL;
	if (type_name(rr->type, type, sizeof(type), NULL, 0) != 0 ||
	    owner_names(a, rr->owner, rel, fqdn, msg, sizeof(msg)) != 0) {
		return 0;
	}
	int ret = canonical_value(a, rr, fqdn, &value, msg, sizeof(msg));
	if (ret == ZG_EINVAL) {
		return 0;	/* a value the zone cannot hold */
	}
	struct store_record *recs = NULL;
	size_t n = 0;
	if (ret == 0) {
		ret = list_records(a, rel, type, &recs, &n);
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		struct validate_rr one = { .type = recs[i].type,
				      .value = recs[i].value };
		if (validate_rrset(fqdn, false, type, value, &one, 1, NULL,
				    0) == VALIDATE_RRSET_DUPLICATE) {
			ret = delete_records(a, &recs[i], 1);
		}
	}
	store_record_list_free(recs, n);
	free(value);
	return ret;
}

int update_apply_rr(struct update_apply *a, const knot_rrset_t *rr)
{
	switch (rr->rclass) {
	case KNOT_CLASS_IN:
		return add_rr(a, rr);
	case KNOT_CLASS_ANY:
		return delete_rrset(a, rr);
	case KNOT_CLASS_NONE:
		return delete_one(a, rr);
	default:
		return refuse(a, "class %u is not served", rr->rclass);
	}
}

void update_apply_clear(struct update_apply *a)
{
	validate_rdata_parser_free(a->parser);
	a->parser = NULL;
}

int update_apply_finish(struct update_apply *a)
{
	if (!a->zone_changed) {
		return 0;
	}
	return store_zone_update(a->store, a->zone, true, a->serial_set);
}

/*
 * The zone as served, name by name, for the prerequisites
 */

static int add_parsed(void *arg, const struct zone_file_rr *rr)
{
	return update_node_add(arg, rr->type, rr->ttl, rr->rdata,
			       rr->rdata_len);
}

/* Lines "<fqdn> <ttl> IN <type> <value>" of what node->owner holds. */
static int node_text(struct update_apply *a, const char *rel,
		     const char *fqdn, FILE *f)
{
	if (strcmp(rel, "@") == 0) {
		const struct store_soa *soa = &a->zone->soa;
		fprintf(f, "%s %" PRIu32 " IN SOA %s %s %" PRIu32 " %" PRIu32
			" %" PRIu32 " %" PRIu32 " %" PRIu32 "\n", fqdn,
			soa->ttl, soa->mname, soa->rname, soa->serial,
			soa->refresh, soa->retry, soa->expire, soa->minimum);
		for (size_t i = 0; i < a->zone->ns.n; i++) {
			fprintf(f, "%s %" PRIu32 " IN NS %s\n", fqdn, soa->ttl,
				a->zone->ns.v[i]);
		}
	}
	struct store_record *recs = NULL;
	size_t n = 0;
	int ret = list_records(a, rel, NULL, &recs, &n);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		fprintf(f, "%s %" PRIu32 " IN %s %s\n", fqdn, recs[i].ttl,
			recs[i].type, recs[i].value);
	}
	store_record_list_free(recs, n);
	return ret;
}

int update_apply_node(void *arg, struct update_node *node)
{
	struct update_apply *a = arg;
	char rel[VALIDATE_NAME_LEN], fqdn[VALIDATE_NAME_LEN], msg[256];
	if (owner_names(a, node->owner, rel, fqdn, msg, sizeof(msg)) != 0) {
		return 0;	/* a name the zone cannot hold: empty */
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL) {
		return ZG_ENOMEM;
	}
	int ret = node_text(a, rel, fqdn, f);
	if (fclose(f) != 0 && ret == 0) {
		ret = ZG_ENOMEM;
	}
	uint64_t line = 0;
	if (ret == 0 && len > 0) {
		/* A stored value that no longer parses is not served
		 * either (the publisher leaves it out). */
		(void)zone_file_parse(text, len, a->apex, add_parsed, node,
				      &line, NULL, 0);
	}
	free(text);
	return ret;
}
