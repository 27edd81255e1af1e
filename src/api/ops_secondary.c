/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Secondary zones in the API: their settings (primaries, TSIG key,
 * endpoint, allow-notify, limits), their sync status, refresh requests,
 * and the refusal of record writes to them. */
#include "api/api_priv.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "validate/validate.h"
#include "common/error.h"
#include "xfr/xfr.h"

#define MAX_PRIMARIES 8
#define MAX_ALLOW_NOTIFY 16
#define MAX_RECORDS_LIMIT 100000000ULL
#define MAX_BYTES_LIMIT (16ULL * 1024 * 1024 * 1024)

/* Set once, right after the server starts (api_set_xfr). */
static _Atomic(struct xfr_service *) xfr_service;

void api_set_xfr(struct api_server *api, struct xfr_service *xfr)
{
	(void)api;
	atomic_store(&xfr_service, xfr);
}

static const char *const secondary_keys[] = {
	"primaries", "tsig", "endpoint", "allow_notify", "max_records",
	"max_bytes", NULL,
};
static const char *const private_only_keys[] = { "soa", "ns", "serial", NULL };

bool api_is_secondary_key(const char *key)
{
	for (size_t i = 0; secondary_keys[i] != NULL; i++) {
		if (strcmp(key, secondary_keys[i]) == 0) {
			return true;
		}
	}
	return false;
}

int api_secondary_check_keys(struct api_req *r, json_t *body,
			     const char *kind)
{
	bool secondary = strcmp(kind, "secondary") == 0;
	const char *const *refused = secondary ? private_only_keys
					       : secondary_keys;
	for (size_t i = 0; refused[i] != NULL; i++) {
		if (json_object_get(body, refused[i]) == NULL) {
			continue;
		}
		return secondary
			? api_fail(r, 400, refused[i],
				   "a secondary zone takes its SOA, NS and serial from its primaries; %s cannot be set",
				   refused[i])
			: api_fail(r, 400, refused[i],
				   "%s is a setting of secondary zones (\"kind\": \"secondary\")",
				   refused[i]);
	}
	return 0;
}

int api_zone_writable(struct api_req *r, const struct store_zone *zone)
{
	if (strcmp(zone->kind, "secondary") != 0) {
		return 0;
	}
	return api_fail_at(r, 400, r->zone_field[0] != '\0' ? r->zone_field
			   : NULL,
			   "%s (%s) is a secondary zone: its records come from its primaries by zone transfer and cannot be changed through the API",
			   zone->meta.resource_id, zone->meta.name);
}

/*
 * Reading settings
 */

static int read_primaries(struct api_req *r, json_t *body,
			  struct store_secondary *sec, bool required)
{
	json_t *list = NULL;
	bool present = false;
	int ret = api_get_strings(r, body, "primaries", required, 1,
				  MAX_PRIMARIES, &list, &present);
	if (ret != 0 || !present) {
		return ret;
	}
	struct zg_addr *own = NULL;
	size_t n_own = 0;
	ret = api_own_listen(r, &own, &n_own);
	store_strv_clear(&sec->primaries);
	for (size_t i = 0; ret == 0 && i < json_array_size(list); i++) {
		const char *text = json_string_value(json_array_get(list, i));
		char field[48], canon[STORE_ADDR_LEN], msg[256];
		struct zg_addr addr;
		snprintf(field, sizeof(field), "primaries[%zu]", i);
		if (validate_target(text, own, n_own, &addr, canon,
					sizeof(canon), msg, sizeof(msg)) != 0) {
			ret = api_fail(r, 400, field, "%s", msg);
		} else if (store_strv_has(&sec->primaries, canon)) {
			ret = api_fail(r, 400, field, "%s is listed twice",
				       canon);
		} else if (store_strv_push(&sec->primaries, canon) != 0) {
			ret = api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	free(own);
	return ret;
}

static int read_allow_notify(struct api_req *r, json_t *body,
			     struct store_secondary *sec)
{
	json_t *list = NULL;
	bool present = false;
	int ret = api_get_strings(r, body, "allow_notify", false, 0,
				  MAX_ALLOW_NOTIFY, &list, &present);
	if (ret != 0 || !present) {
		return ret;
	}
	store_strv_clear(&sec->allow_notify);
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *text = json_string_value(json_array_get(list, i));
		char field[48], canon[STORE_ADDR_LEN], msg[256];
		struct zg_addr addr;
		snprintf(field, sizeof(field), "allow_notify[%zu]", i);
		if (validate_source(text, &addr, canon, sizeof(canon), msg,
					sizeof(msg)) != 0) {
			return api_fail(r, 400, field, "%s", msg);
		}
		if (!store_strv_has(&sec->allow_notify, canon) &&
		    store_strv_push(&sec->allow_notify, canon) != 0) {
			return api_fail_at(r, 500, NULL, "out of memory");
		}
	}
	return 0;
}

/* "tsig": a key name or null (none). */
static int read_tsig(struct api_req *r, json_t *body,
		     struct store_secondary *sec)
{
	json_t *value = json_object_get(body, "tsig");
	if (value == NULL) {
		return 0;
	}
	if (json_is_null(value)) {
		sec->tsig_key[0] = '\0';
		return 0;
	}
	if (!json_is_string(value)) {
		return api_fail(r, 400, "tsig",
				"tsig is the name of a TSIG key, or null for none");
	}
	char name[VALIDATE_NAME_LEN], msg[256];
	if (validate_domain(json_string_value(value), false, name,
				sizeof(name), msg, sizeof(msg)) != 0) {
		return api_fail(r, 400, "tsig", "%s", msg);
	}
	struct store_tsig_key key = { 0 };
	int ret = store_tsig_get(r->store, name, &key);
	store_tsig_key_clear(&key);
	if (ret == ZG_ENOENT) {
		return api_fail(r, 404, "tsig", "no TSIG key %s", name);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "a TSIG key");
	}
	snprintf(sec->tsig_key, sizeof(sec->tsig_key), "%s", name);
	return api_tsig_claim(r, "tsig", name, sec->zone_id);
}

/* "endpoint": an endpoint id or null; transfers leave from its source. */
static int read_endpoint(struct api_req *r, json_t *body,
			 struct store_secondary *sec)
{
	json_t *value = json_object_get(body, "endpoint");
	if (value == NULL) {
		return 0;
	}
	if (json_is_null(value)) {
		sec->endpoint_id[0] = '\0';
		return 0;
	}
	if (!json_is_string(value)) {
		return api_fail(r, 400, "endpoint",
				"endpoint is an endpoint id, or null for none");
	}
	struct store_endpoint ep = { 0 };
	int ret = api_load_endpoint(r, json_string_value(value), "endpoint",
				    &ep);
	if (ret == 0) {
		snprintf(sec->endpoint_id, sizeof(sec->endpoint_id), "%s",
			 ep.meta.resource_id);
	}
	store_endpoint_clear(&ep);
	return ret;
}

/* One limit: an integer from min to max. 0 has no meaning (a zone has
 * an SOA at least, and a message up to 512 octets is always allowed),
 * so it is refused like any other value out of range. */
static int read_limit(struct api_req *r, json_t *body, const char *key,
		      uint64_t min, uint64_t max, uint64_t *out)
{
	json_t *value = json_object_get(body, key);
	if (value == NULL) {
		return 0;
	}
	if (!json_is_integer(value) ||
	    json_integer_value(value) < (json_int_t)min ||
	    (uint64_t)json_integer_value(value) > max) {
		return api_fail(r, 400, key,
				"%s must be an integer from %llu to %llu", key,
				(unsigned long long)min,
				(unsigned long long)max);
	}
	*out = (uint64_t)json_integer_value(value);
	return 0;
}

static int read_limits(struct api_req *r, json_t *body,
		       struct store_secondary *sec)
{
	int ret = read_limit(r, body, "max_records", XFR_MIN_MAX_RECORDS,
			     MAX_RECORDS_LIMIT, &sec->max_records);
	if (ret == 0) {
		ret = read_limit(r, body, "max_bytes", XFR_MIN_MAX_BYTES,
				 MAX_BYTES_LIMIT, &sec->max_bytes);
	}
	return ret;
}

/* Limits below what the zone holds are taken (the operator may mean
 * it), but its next transfer will be refused: the reply says so. */
static int warn_limits(struct api_req *r, const struct store_secondary *sec)
{
	struct store_xfr_state st = { 0 };
	int ret = store_xfr_state_get(r->store, sec->zone_id, &st);
	if (ret == ZG_ENOENT || (ret == 0 && !st.loaded)) {
		return 0;
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "the transfer state");
	}
	json_t *warning = NULL;
	if (st.records > sec->max_records) {
		warning = json_sprintf("the zone holds %" PRIu64 " records, more than max_records %" PRIu64 ": its next transfer is refused until the limit is raised",
				       st.records, sec->max_records);
	} else if (st.journal_entries == 0 &&
		   st.snapshot_bytes > sec->max_bytes) {
		/* Without a journal the snapshot is the zone, as stored. */
		warning = json_sprintf("the zone takes %" PRIu64 " bytes as stored, more than max_bytes %" PRIu64 ": its next transfer is refused until the limit is raised",
				       st.snapshot_bytes, sec->max_bytes);
	}
	if (warning != NULL) {
		json_decref(r->warning);
		r->warning = warning;
	}
	return 0;
}

static int read_settings(struct api_req *r, json_t *body,
			 struct store_secondary *sec, bool creating)
{
	int ret = read_primaries(r, body, sec, creating);
	if (ret == 0) {
		ret = read_tsig(r, body, sec);
	}
	if (ret == 0) {
		ret = read_endpoint(r, body, sec);
	}
	if (ret == 0) {
		ret = read_allow_notify(r, body, sec);
	}
	if (ret == 0) {
		ret = read_limits(r, body, sec);
	}
	return ret;
}

int api_secondary_create(struct api_req *r, json_t *body,
			 const struct store_zone *zone)
{
	struct store_secondary sec = {
		.max_records = XFR_DEFAULT_MAX_RECORDS,
		.max_bytes = XFR_DEFAULT_MAX_BYTES,
	};
	snprintf(sec.zone_id, sizeof(sec.zone_id), "%s",
		 zone->meta.resource_id);
	int ret = read_settings(r, body, &sec, true);
	if (ret == 0) {
		ret = store_secondary_put(r->store, &sec);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "storing the secondary settings");
		}
	}
	store_secondary_clear(&sec);
	return ret;
}

int api_secondary_update(struct api_req *r, json_t *body,
			 const struct store_zone *zone)
{
	struct store_secondary sec = { 0 };
	int ret = store_secondary_get(r->store, zone->meta.resource_id, &sec);
	if (ret != 0) {
		return api_fail_store(r, ret, "the secondary settings");
	}
	ret = read_settings(r, body, &sec, false);
	if (ret == 0) {
		ret = warn_limits(r, &sec);
	}
	if (ret == 0) {
		ret = store_secondary_put(r->store, &sec);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "storing the secondary settings");
		}
	}
	store_secondary_clear(&sec);
	return ret;
}

/*
 * Rendering
 */

static json_t *time_or_null(int64_t t)
{
	if (t <= 0) {
		return json_null();
	}
	time_t tt = (time_t)t;
	struct tm tm;
	char text[STORE_TIME_LEN];
	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		return json_null();
	}
	return json_string(text);
}

static json_t *sync_json(const struct store_xfr_state *st, bool have)
{
	int64_t now = (int64_t)time(NULL);
	const char *state = !have || !st->loaded ? "not_loaded"
		: now >= st->expire_at ? "expired" : "loaded";
	bool loaded = have && st->loaded;
	json_t *sync = json_object();
	if (sync == NULL) {
		return NULL;
	}
	json_object_set_new(sync, "state", json_string(state));
	json_object_set_new(sync, "serial", loaded ? json_integer(st->serial)
						  : json_null());
	json_object_set_new(sync, "primary_serial",
			    have && st->primary_serial >= 0
			    ? json_integer(st->primary_serial) : json_null());
	json_object_set_new(sync, "records",
			    json_integer(loaded ? (json_int_t)st->records : 0));
	json_object_set_new(sync, "last_success",
			    time_or_null(have ? st->last_success : 0));
	json_object_set_new(sync, "last_attempt",
			    time_or_null(have ? st->last_attempt : 0));
	json_object_set_new(sync, "last_error",
			    have && st->last_error[0] != '\0'
			    ? json_string(st->last_error) : json_null());
	json_object_set_new(sync, "next_refresh",
			    time_or_null(have ? st->refresh_at : 0));
	json_object_set_new(sync, "expires_at",
			    time_or_null(loaded ? st->expire_at : 0));
	json_object_set_new(sync, "lag_s",
			    have && st->synced_at > 0
			    ? json_integer(now - st->synced_at) : json_null());
	json_object_set_new(sync, "snapshot_serial",
			    loaded ? json_integer(st->snapshot_serial)
				   : json_null());
	json_object_set_new(sync, "snapshot_bytes", json_integer(
			    loaded ? (json_int_t)st->snapshot_bytes : 0));
	json_object_set_new(sync, "journal_entries", json_integer(
			    loaded ? (json_int_t)st->journal_entries : 0));
	json_object_set_new(sync, "journal_bytes", json_integer(
			    loaded ? (json_int_t)st->journal_bytes : 0));
	return sync;
}

int api_secondary_decorate(struct api_req *r, const struct store_zone *zone,
			   json_t *obj)
{
	if (strcmp(zone->kind, "secondary") != 0) {
		return 0;
	}
	struct store_secondary sec = { 0 };
	struct store_xfr_state st = { 0 };
	int ret = store_secondary_get(r->store, zone->meta.resource_id, &sec);
	if (ret != 0) {
		return api_fail_store(r, ret, "the secondary settings");
	}
	int sret = store_xfr_state_get(r->store, zone->meta.resource_id, &st);
	if (sret != 0 && sret != ZG_ENOENT) {
		store_secondary_clear(&sec);
		return api_fail_store(r, sret, "the transfer state");
	}
	bool have = sret == 0;

	json_object_del(obj, "soa");
	json_object_del(obj, "ns");
	json_object_set_new(obj, "serial", have && st.loaded
			    ? json_integer(st.serial) : json_null());
	json_object_set_new(obj, "primaries", api_json_strv(&sec.primaries));
	json_object_set_new(obj, "tsig", sec.tsig_key[0] != '\0'
			    ? json_string(sec.tsig_key) : json_null());
	json_object_set_new(obj, "endpoint", sec.endpoint_id[0] != '\0'
			    ? json_string(sec.endpoint_id) : json_null());
	json_object_set_new(obj, "allow_notify",
			    api_json_strv(&sec.allow_notify));
	json_object_set_new(obj, "max_records",
			    json_integer((json_int_t)sec.max_records));
	json_object_set_new(obj, "max_bytes",
			    json_integer((json_int_t)sec.max_bytes));
	json_t *sync = sync_json(&st, have);
	store_secondary_clear(&sec);
	if (sync == NULL || json_object_set_new(obj, "sync", sync) != 0) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	/* The reply to a change of the zone carries its warning. */
	if (r->warning != NULL &&
	    json_object_set(obj, "warning", r->warning) != 0) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	return 0;
}

/*
 * POST /v1/zones/{id}/refresh
 */

int api_zone_refresh(struct api_req *r, const struct api_args *a,
		     json_t **out)
{
	struct store_zone zone = { 0 };
	int ret = store_zone_get(r->store, a->id, &zone);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "zone", a->id);
	}
	if (ret != 0) {
		return api_fail_store(r, ret, "a zone");
	}
	if (strcmp(zone.kind, "secondary") != 0) {
		ret = api_fail_at(r, 400, NULL,
				  "%s (%s) is a %s zone; only secondary zones are refreshed from primaries",
				  zone.meta.resource_id, zone.meta.name,
				  zone.kind);
	}
	struct xfr_service *xfr = atomic_load(&xfr_service);
	if (ret == 0 && xfr == NULL) {
		ret = api_fail_at(r, 500, NULL,
				  "the transfer service is not running");
	}
	if (ret == 0 && xfr_service_refresh(xfr, zone.meta.resource_id) != 0) {
		ret = api_fail_at(r, 500, NULL, "out of memory");
	}
	if (ret == 0) {
		*out = json_pack("{s:s, s:s, s:s}", "id", zone.meta.resource_id,
				 "name", zone.meta.name, "refresh", "scheduled");
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_zone_clear(&zone);
	return ret;
}
