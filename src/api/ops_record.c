/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Records of private zones: values validated for their type, CNAME
 * exclusivity, one TTL per RRset (RFC 2181 section 5.2). */
#include "api/api_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate/validate.h"
#include "common/error.h"

#define DEFAULT_TTL 300

static const char *const record_create_keys[] = {
	"name", "type", "ttl", "value", NULL,
};
static const char *const record_update_keys[] = {
	"name", "type", "ttl", "value", NULL,
};

/* A record's owner, type and value after validation. */
struct record_input {
	char rel[VALIDATE_NAME_LEN];
	char fqdn[VALIDATE_NAME_LEN];
	char type[16];
	uint16_t type_code;
	char *value;			/* canonical, owned */
};

static int load_zone(struct api_req *r, const char *zone_id,
		     struct store_zone *zone)
{
	int ret = store_zone_get(r->store, zone_id, zone);
	if (ret == ZG_ENOENT) {
		return api_fail_at(r, 404, r->zone_field[0] != '\0'
				   ? r->zone_field : NULL, "no zone %s",
				   zone_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "a zone") : 0;
}

/* Like load_zone, for a change: a secondary zone's records are the
 * primary's and refused here. */
static int load_writable_zone(struct api_req *r, const char *zone_id,
			      struct store_zone *zone)
{
	int ret = load_zone(r, zone_id, zone);
	return ret == 0 ? api_zone_writable(r, zone) : ret;
}

/* Reads a record of zone_id; 404 when it is not there or elsewhere. */
static int load_record(struct api_req *r, const char *zone_id,
		       const char *record_id, struct store_record *rec)
{
	int ret = store_record_get(r->store, record_id, rec);
	if (ret == 0 && strcmp(rec->zone_id, zone_id) != 0) {
		ret = ZG_ENOENT;
	}
	if (ret == ZG_ENOENT) {
		return api_fail_at(r, 404, r->id_field[0] != '\0'
				   ? r->id_field : NULL,
				   "no record %s in %s", record_id, zone_id);
	}
	return ret != 0 ? api_fail_store(r, ret, "a record") : 0;
}

static json_t *records_json(const struct store_record *recs, size_t n,
			    const char *zone)
{
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items,
					  api_json_record(&recs[i], zone)) != 0) {
			json_decref(items);
			return NULL;
		}
	}
	return items;
}

/* Adds a sentence to the reply's warning (sentences joined by "; "). */
static void add_warning(struct api_req *r, const char *text)
{
	const char *had = json_string_value(r->warning);
	json_t *now = had != NULL ? json_sprintf("%s; %s", had, text)
				  : json_string(text);
	if (now != NULL) {
		json_decref(r->warning);
		r->warning = now;
	}
}

static int read_owner(struct api_req *r, const char *zone, const char *text,
		      const char *field, struct record_input *in)
{
	char msg[256];
	if (validate_owner(zone, text, in->rel, sizeof(in->rel), in->fqdn,
			       sizeof(in->fqdn), msg, sizeof(msg)) != 0) {
		return api_fail(r, 400, field, "%s", msg);
	}
	return 0;
}

static int read_type(struct api_req *r, const char *text, const char *field,
		     struct record_input *in)
{
	char msg[256];
	if (strcasecmp(text, "SOA") == 0) {
		return api_fail(r, 400, field,
				"the SOA record is set through the zone's soa field");
	}
	if (validate_rtype(text, in->type, sizeof(in->type),
			       &in->type_code, msg, sizeof(msg)) != 0) {
		return api_fail(r, 400, field, "%s", msg);
	}
	return 0;
}

static int read_value(struct api_req *r, const char *zone, const char *text,
		      const char *field, struct record_input *in)
{
	char msg[512];
	free(in->value);
	in->value = NULL;
	int ret = validate_rdata(zone, in->fqdn, in->type_code, text,
				     &in->value, msg, sizeof(msg));
	if (ret == ZG_ENOMEM) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	return ret != 0 ? api_fail(r, 400, field, "%s", msg) : 0;
}

int api_record_list(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_zone zone = { 0 };
	struct record_input in = { 0 };
	int ret = load_zone(r, a->id, &zone);
	const char *name = NULL, *type = NULL;
	if (ret == 0 && a->q_name != NULL) {
		ret = read_owner(r, zone.meta.name, a->q_name, "name", &in);
		name = in.rel;
	}
	if (ret == 0 && a->q_type != NULL) {
		ret = read_type(r, a->q_type, "type", &in);
		type = in.type;
	}

	struct store_record *recs = NULL;
	size_t n = 0;
	bool more = false;
	if (ret == 0) {
		ret = store_record_list(r->store, a->id, name, type, a->after,
					a->limit, &recs, &n, &more);
		if (ret == ZG_EINVAL) {
			ret = api_fail_at(r, 400, "after",
					  "unknown cursor '%s'", a->after);
		} else if (ret != 0) {
			ret = api_fail_store(r, ret, "the records");
		}
	}
	if (ret == 0) {
		*out = api_json_page(records_json(recs, n, zone.meta.name),
				     more ? recs[n - 1].meta.resource_id
					  : NULL);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_record_list_free(recs, n);
	store_zone_clear(&zone);
	return ret;
}

int api_record_get(struct api_req *r, const struct api_args *a,
		   json_t **out)
{
	struct store_zone zone = { 0 };
	struct store_record rec = { 0 };
	int ret = load_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = load_record(r, a->id, a->sub_id, &rec);
	}
	if (ret == 0) {
		*out = api_json_record(&rec, zone.meta.name);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_record_clear(&rec);
	store_zone_clear(&zone);
	return ret;
}

/* The RRset with the new value must still fit a DNS message. Stored
 * values are canonical (names absolute), so no origin is needed. */
static int check_rrset_size(struct api_req *r, const struct record_input *in,
			    const struct validate_rr *rrs, size_t n_rrs)
{
	const char **values = calloc(n_rrs + 1, sizeof(*values));
	if (values == NULL) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	size_t n = 0;
	for (size_t i = 0; i < n_rrs; i++) {
		if (strcmp(rrs[i].type, in->type) == 0) {
			values[n++] = rrs[i].value;
		}
	}
	values[n++] = in->value;

	char msg[512];
	int ret = validate_rrset_size(".", in->fqdn, in->type_code, values,
				       n, msg, sizeof(msg));
	free(values);
	if (ret == ZG_ELIMIT || ret == ZG_EINVAL) {
		return api_fail(r, 400, "value", "%s", msg);
	}
	return ret == 0 ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

/*
 * Checks the new record against the others at its name (skipping
 * record_id, the one being changed) and keeps the RRset's TTL single:
 * records of the same type get ttl, and the reply gets a warning.
 */
static int fit_into_rrset(struct api_req *r, const char *zone_id,
			  const struct record_input *in, uint32_t ttl,
			  const char *record_id)
{
	struct store_record *recs = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_record_list(r->store, zone_id, in->rel, NULL, NULL, 0,
				    &recs, &n, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the records");
	}
	struct validate_rr *rrs = calloc(n + 1, sizeof(*rrs));
	size_t n_rrs = 0;
	uint32_t old_ttl = ttl;
	for (size_t i = 0; rrs != NULL && i < n; i++) {
		if (record_id != NULL &&
		    strcmp(recs[i].meta.resource_id, record_id) == 0) {
			continue;
		}
		rrs[n_rrs].type = recs[i].type;
		rrs[n_rrs++].value = recs[i].value;
		if (strcmp(recs[i].type, in->type) == 0) {
			old_ttl = recs[i].ttl;
		}
	}

	char msg[512];
	enum validate_rrset_verdict verdict = rrs == NULL ? VALIDATE_RRSET_OK
		: validate_rrset(in->fqdn, strcmp(in->rel, "@") == 0,
				  in->type, in->value, rrs, n_rrs, msg,
				  sizeof(msg));
	if (rrs == NULL) {
		ret = api_fail_at(r, 500, NULL, "out of memory");
	} else if (verdict == VALIDATE_RRSET_DUPLICATE) {
		ret = api_fail(r, 409, "value", "%s", msg);
	} else if (verdict == VALIDATE_RRSET_CNAME_CONFLICT) {
		ret = api_fail(r, 400, "name", "%s", msg);
	} else if (verdict == VALIDATE_RRSET_MISPLACED) {
		ret = api_fail(r, 400, "type", "%s", msg);
	} else if (validate_delegation(in->fqdn, strcmp(in->rel, "@") == 0,
					in->type, in->value, rrs, n_rrs, msg,
					sizeof(msg)) != 0) {
		ret = api_fail(r, 400, "type", "%s", msg);
	}
	if (ret == 0) {
		ret = check_rrset_size(r, in, rrs, n_rrs);
	}

	size_t changed = 0;
	if (ret == 0 && old_ttl != ttl) {
		ret = store_rrset_set_ttl(r->store, zone_id, in->rel, in->type,
					  ttl, &changed);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "the RRset's TTL");
		}
	}
	if (ret == 0 && changed > 0) {
		char warning[600];
		snprintf(warning, sizeof(warning),
			 "ttl of the RRset %s %s changed from %" PRIu32
			 " to %" PRIu32, in->rel, in->type, old_ttl, ttl);
		add_warning(r, warning);
	}
	free(rrs);
	store_record_list_free(recs, n);
	return ret;
}

static int read_record_body(struct api_req *r, json_t *body,
			    const char *zone, struct record_input *in,
			    uint64_t *ttl)
{
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	const char *name = NULL, *type = NULL, *value = NULL;
	int ret = api_check_keys(r, body, record_create_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "name", true, &name, NULL);
	}
	if (ret == 0) {
		ret = read_owner(r, zone, name, "name", in);
	}
	if (ret == 0 && validate_owner_repeats_zone(zone, name)) {
		/* Master-file rules make the name relative, as asked, but
		 * the zone's name written twice is most likely a slip. */
		char warning[600];
		snprintf(warning, sizeof(warning),
			 "%s is relative: it becomes %s; end it with a dot for the absolute name",
			 name, in->fqdn);
		add_warning(r, warning);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "type", true, &type, NULL);
	}
	if (ret == 0) {
		ret = read_type(r, type, "type", in);
	}
	if (ret == 0 && strcmp(in->type, "NS") == 0 &&
	    strcmp(in->rel, "@") == 0) {
		ret = api_fail(r, 400, "type",
			       "NS records at the apex are set through the zone's ns field");
	}
	if (ret == 0) {
		ret = api_get_uint(r, body, "ttl", VALIDATE_TTL_MAX, ttl, NULL);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "value", true, &value, NULL);
	}
	if (ret == 0) {
		ret = read_value(r, zone, value, "value", in);
	}
	return ret;
}

static void note_record(struct api_req *r, const char *verb,
			const struct store_record *rec)
{
	char fields[128];
	snprintf(fields, sizeof(fields), "zone_id=%s record_id=%s",
		 rec->zone_id, rec->meta.resource_id);
	api_note(r, fields, "%s %s %" PRIu32 " %s %s", verb, rec->meta.name,
		 rec->ttl, rec->type, rec->value);
}

static int record_reply(struct api_req *r, const struct store_record *rec,
			const char *zone, json_t **out)
{
	*out = api_json_record(rec, zone);
	if (*out != NULL && r->warning != NULL) {
		json_object_set(*out, "warning", r->warning);
	}
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_record_create(struct api_req *r, const struct api_args *a,
		      json_t **out)
{
	struct store_zone zone = { 0 };
	struct record_input in = { 0 };
	uint64_t ttl = DEFAULT_TTL;
	int ret = load_writable_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = read_record_body(r, a->body, zone.meta.name, &in, &ttl);
	}
	if (ret == 0) {
		ret = fit_into_rrset(r, a->id, &in, (uint32_t)ttl, NULL);
	}

	struct store_record rec = { .ttl = (uint32_t)ttl };
	if (ret == 0) {
		snprintf(rec.meta.name, sizeof(rec.meta.name), "%s", in.rel);
		snprintf(rec.zone_id, sizeof(rec.zone_id), "%s", a->id);
		snprintf(rec.type, sizeof(rec.type), "%s", in.type);
		rec.value = in.value;
		in.value = NULL;
		ret = store_record_create(r->store, &rec);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "adding the record");
		}
	}
	if (ret == 0) {
		note_record(r, "added", &rec);
		ret = record_reply(r, &rec, zone.meta.name, out);
	}
	store_record_clear(&rec);
	free(in.value);
	store_zone_clear(&zone);
	return ret;
}

/* name and type may be sent back unchanged, never changed. */
static int check_fixed_fields(struct api_req *r, json_t *body,
			      const char *zone, const struct store_record *rec)
{
	const char *text = NULL;
	bool present = false;
	struct record_input other = { 0 };
	int ret = api_get_string(r, body, "name", false, &text, &present);
	if (ret == 0 && present) {
		ret = read_owner(r, zone, text, "name", &other);
		if (ret == 0 && strcmp(other.rel, rec->meta.name) != 0) {
			ret = api_fail(r, 400, "name",
				       "the name of a record cannot change; add a new record and delete this one");
		}
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "type", false, &text, &present);
	}
	if (ret == 0 && present) {
		ret = read_type(r, text, "type", &other);
		if (ret == 0 && strcmp(other.type, rec->type) != 0) {
			ret = api_fail(r, 400, "type",
				       "the type of a record cannot change; add a new record and delete this one");
		}
	}
	return ret;
}

int api_record_update(struct api_req *r, const struct api_args *a,
		      json_t **out)
{
	json_t *body = a->body;
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	struct store_zone zone = { 0 };
	struct store_record rec = { 0 };
	struct record_input in = { 0 };
	int ret = load_writable_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = load_record(r, a->id, a->sub_id, &rec);
	}
	if (ret == 0) {
		ret = api_check_version_of(r, a, a->sub_id, rec.meta.version);
	}
	if (ret == 0) {
		ret = api_check_keys(r, body, record_update_keys);
	}
	if (ret == 0) {
		ret = check_fixed_fields(r, body, zone.meta.name, &rec);
	}

	/* Start from the stored record, then apply what is given. */
	const char *value = NULL;
	bool value_given = false;
	uint64_t ttl = rec.ttl;
	if (ret == 0) {
		ret = read_owner(r, zone.meta.name, rec.meta.name, "name", &in);
	}
	if (ret == 0) {
		ret = read_type(r, rec.type, "type", &in);
	}
	if (ret == 0) {
		ret = api_get_uint(r, body, "ttl", VALIDATE_TTL_MAX, &ttl, NULL);
	}
	if (ret == 0) {
		ret = api_get_string(r, body, "value", false, &value,
				     &value_given);
	}
	if (ret == 0) {
		ret = read_value(r, zone.meta.name,
				 value_given ? value : rec.value, "value", &in);
	}
	if (ret == 0) {
		ret = fit_into_rrset(r, a->id, &in, (uint32_t)ttl,
				     rec.meta.resource_id);
	}
	if (ret == 0) {
		free(rec.value);
		rec.value = in.value;
		in.value = NULL;
		rec.ttl = (uint32_t)ttl;
		ret = store_record_update(r->store, &rec);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "changing the record");
		}
	}
	if (ret == 0) {
		note_record(r, "changed", &rec);
		ret = record_reply(r, &rec, zone.meta.name, out);
	}
	free(in.value);
	store_record_clear(&rec);
	store_zone_clear(&zone);
	return ret;
}

int api_record_delete(struct api_req *r, const struct api_args *a,
		      json_t **out)
{
	struct store_zone zone = { 0 };
	struct store_record rec = { 0 };
	int ret = load_writable_zone(r, a->id, &zone);
	if (ret == 0) {
		ret = load_record(r, a->id, a->sub_id, &rec);
	}
	if (ret == 0) {
		ret = api_check_version_of(r, a, a->sub_id, rec.meta.version);
	}
	if (ret == 0) {
		ret = store_record_delete(r->store, a->sub_id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "deleting the record");
		}
	}
	if (ret == 0) {
		note_record(r, "deleted", &rec);
		*out = api_json_deleted(&a->sub_id, 1);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_record_clear(&rec);
	store_zone_clear(&zone);
	return ret;
}

int api_rrset_delete(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	struct store_zone zone = { 0 };
	struct record_input in = { 0 };
	int ret = load_writable_zone(r, a->id, &zone);
	if (ret == 0 && a->q_name == NULL) {
		ret = api_fail(r, 400, "name",
			       "name is required to delete an RRset");
	}
	if (ret == 0 && a->q_type == NULL) {
		ret = api_fail(r, 400, "type",
			       "type is required to delete an RRset");
	}
	if (ret == 0) {
		ret = read_owner(r, zone.meta.name, a->q_name, "name", &in);
	}
	if (ret == 0) {
		ret = read_type(r, a->q_type, "type", &in);
	}
	if (ret == 0 && a->q_value != NULL) {
		ret = read_value(r, zone.meta.name, a->q_value, "value", &in);
	}

	struct store_record *recs = NULL;
	size_t n = 0;
	bool more = false;
	if (ret == 0) {
		ret = store_record_list(r->store, a->id, in.rel, in.type, NULL,
					0, &recs, &n, &more);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "the records");
		}
	}
	const char **ids = calloc(n + 1, sizeof(*ids));
	size_t n_ids = 0;
	if (ret == 0 && ids == NULL) {
		ret = api_fail_at(r, 500, NULL, "out of memory");
	}
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (in.value != NULL && strcmp(recs[i].value, in.value) != 0) {
			continue;
		}
		ret = store_record_delete(r->store, recs[i].meta.resource_id);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "deleting a record");
			break;
		}
		note_record(r, "deleted", &recs[i]);
		ids[n_ids++] = recs[i].meta.resource_id;
	}
	if (ret == 0 && n_ids == 0) {
		ret = api_fail_at(r, 404, NULL, "%s has no %s %s%s%s",
				  a->id, in.rel, in.type,
				  in.value != NULL ? " " : "",
				  in.value != NULL ? in.value : "");
	}
	if (ret == 0) {
		*out = api_json_deleted(ids, n_ids);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	free(ids);
	free(in.value);
	store_record_list_free(recs, n);
	store_zone_clear(&zone);
	return ret;
}
