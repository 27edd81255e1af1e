/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Error replies and the reading of request body fields, each error
 * naming the field to blame. */
#include "api/api_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "config/publish.h"

static int status_code(int status)
{
	switch (status) {
	case 400:
		return ZG_EINVAL;
	case 404:
		return ZG_ENOENT;
	case 409:
		return ZG_ECONFLICT;
	default:
		return ZG_EINTERNAL;
	}
}

static const char *status_name(int status)
{
	switch (status) {
	case 400:
		return "invalid";
	case 404:
		return "not_found";
	case 409:
		return "conflict";
	default:
		return "internal";
	}
}

static int vfail(struct api_req *r, int status, const char *prefix,
		 const char *field, const char *fmt, va_list ap)
{
	if (r->err.status != 0) {
		return status_code(r->err.status);
	}
	r->err.status = status;
	snprintf(r->err.code, sizeof(r->err.code), "%s", status_name(status));
	if (field != NULL) {
		snprintf(r->err.field, sizeof(r->err.field), "%s%s", prefix,
			 field);
	} else {
		r->err.field[0] = '\0';
	}
	vsnprintf(r->err.message, sizeof(r->err.message), fmt, ap);
	return status_code(status);
}

int api_fail(struct api_req *r, int status, const char *field,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int ret = vfail(r, status, r->prefix, field, fmt, ap);
	va_end(ap);
	return ret;
}

int api_fail_at(struct api_req *r, int status, const char *field,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int ret = vfail(r, status, "", field, fmt, ap);
	va_end(ap);
	return ret;
}

void api_note(struct api_req *r, const char *fields, const char *fmt, ...)
{
	char line[640];
	int len = snprintf(line, sizeof(line), "%s\t", fields);
	if (len < 0 || (size_t)len >= sizeof(line)) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + len, sizeof(line) - (size_t)len, fmt, ap);
	va_end(ap);
	/* Out of memory loses a log line, never the change. */
	(void)store_strv_push(&r->notes, line);
}

int api_fail_store(struct api_req *r, int ret, const char *what)
{
	if (ret == ZG_ENOENT) {
		return api_fail_at(r, 404, r->id_field[0] != '\0'
				   ? r->id_field : NULL, "no such %s", what);
	}
	if (ret == ZG_ENOMEM) {
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	return api_fail_at(r, 500, NULL, "the state database failed on %s: %s",
			   what, store_last_error(r->store));
}

int api_fail_missing(struct api_req *r, const char *kind, const char *id)
{
	return api_fail_at(r, 404, r->id_field[0] != '\0' ? r->id_field : NULL,
			   "no %s %s", kind, id);
}

int api_check_version_of(struct api_req *r, const struct api_args *a,
			 const char *resource_id, int64_t version)
{
	if (a->if_match < 0 || a->if_match == version) {
		return 0;
	}
	return api_fail_at(r, 409, NULL,
			   "%s is at version %lld, not %lld: it changed since you read it; read it again and retry",
			   resource_id != NULL ? resource_id : "the resource",
			   (long long)version, (long long)a->if_match);
}

int api_check_version(struct api_req *r, const struct api_args *a,
		      int64_t version)
{
	return api_check_version_of(r, a, a->id, version);
}

int api_check_keys(struct api_req *r, json_t *obj,
		   const char *const *allowed)
{
	const char *key = NULL;
	json_t *value = NULL;
	json_object_foreach(obj, key, value) {
		bool known = false;
		for (size_t i = 0; allowed[i] != NULL && !known; i++) {
			known = strcmp(key, allowed[i]) == 0;
		}
		if (!known) {
			char list[256] = "";
			for (size_t i = 0; allowed[i] != NULL; i++) {
				size_t len = strlen(list);
				snprintf(list + len, sizeof(list) - len, "%s%s",
					 i > 0 ? ", " : "", allowed[i]);
			}
			return api_fail(r, 400, key,
					"unknown field '%s'; this request takes %s",
					key, list);
		}
	}
	return 0;
}

/* The value of key, or NULL (with a 400 when required). */
static json_t *lookup(struct api_req *r, json_t *obj, const char *key,
		      bool required, bool *present, int *ret)
{
	json_t *value = obj != NULL ? json_object_get(obj, key) : NULL;
	if (present != NULL) {
		*present = value != NULL;
	}
	*ret = 0;
	if (value == NULL && required) {
		*ret = api_fail(r, 400, key, "%s is required", key);
	}
	return value;
}

int api_get_string(struct api_req *r, json_t *obj, const char *key,
		   bool required, const char **out, bool *present)
{
	int ret = 0;
	json_t *value = lookup(r, obj, key, required, present, &ret);
	if (value == NULL) {
		return ret;
	}
	if (!json_is_string(value)) {
		return api_fail(r, 400, key, "%s must be a string", key);
	}
	*out = json_string_value(value);
	return 0;
}

int api_get_bool(struct api_req *r, json_t *obj, const char *key, bool *out,
		 bool *present)
{
	int ret = 0;
	json_t *value = lookup(r, obj, key, false, present, &ret);
	if (value == NULL) {
		return ret;
	}
	if (!json_is_boolean(value)) {
		return api_fail(r, 400, key, "%s must be true or false", key);
	}
	*out = json_is_true(value);
	return 0;
}

int api_get_uint(struct api_req *r, json_t *obj, const char *key,
		 uint64_t max, uint64_t *out, bool *present)
{
	int ret = 0;
	json_t *value = lookup(r, obj, key, false, present, &ret);
	if (value == NULL) {
		return ret;
	}
	if (!json_is_integer(value) || json_integer_value(value) < 0 ||
	    (uint64_t)json_integer_value(value) > max) {
		return api_fail(r, 400, key,
				"%s must be an integer from 0 to %llu", key,
				(unsigned long long)max);
	}
	*out = (uint64_t)json_integer_value(value);
	return 0;
}

int api_get_strings(struct api_req *r, json_t *obj, const char *key,
		    bool required, size_t min, size_t max, json_t **out,
		    bool *present)
{
	int ret = 0;
	json_t *value = lookup(r, obj, key, required, present, &ret);
	if (value == NULL) {
		return ret;
	}
	if (!json_is_array(value)) {
		return api_fail(r, 400, key, "%s must be a list of strings",
				key);
	}
	size_t n = json_array_size(value);
	if (n < min || n > max) {
		return api_fail(r, 400, key, "%s must hold %zu to %zu entries",
				key, min, max);
	}
	for (size_t i = 0; i < n; i++) {
		if (!json_is_string(json_array_get(value, i))) {
			char field[64];
			snprintf(field, sizeof(field), "%s[%zu]", key, i);
			return api_fail(r, 400, field, "%s must be a string",
					field);
		}
	}
	*out = value;
	return 0;
}

/* Appends the listeners of every inbound endpoint to *out (*n used). */
static int add_inbound_listen(struct api_req *r, struct zg_addr **out,
			      size_t *n)
{
	struct store_inbound *ibs = NULL;
	size_t n_ibs = 0;
	bool more = false;
	int ret = store_inbound_list(r->store, NULL, 0, &ibs, &n_ibs, &more);
	if (ret != 0) {
		free(*out);
		*out = NULL;
		return api_fail_store(r, ret, "the inbound endpoints");
	}
	size_t extra = 0;
	for (size_t i = 0; i < n_ibs; i++) {
		extra += ibs[i].listen.n;
	}
	struct zg_addr *grown = realloc(*out, (*n + extra + 1) *
					sizeof(*grown));
	if (grown == NULL) {
		store_inbound_list_free(ibs, n_ibs);
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	*out = grown;
	for (size_t i = 0; i < n_ibs; i++) {
		for (size_t j = 0; j < ibs[i].listen.n; j++) {
			if (addr_parse(ibs[i].listen.v[j], 53,
				       &grown[*n]) == 0) {
				(*n)++;
			}
		}
	}
	store_inbound_list_free(ibs, n_ibs);
	return 0;
}

int api_own_listen(struct api_req *r, struct zg_addr **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	struct store_vpc *vpcs = NULL;
	size_t n_vpcs = 0;
	bool more = false;
	int ret = store_vpc_list(r->store, NULL, 0, &vpcs, &n_vpcs, &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of VPCs");
	}

	size_t n_extra = 0;
	const struct zg_addr *extra =
		config_publisher_extra_listen(r->srv->pub, &n_extra);
	size_t cap = n_extra + 1;
	for (size_t i = 0; i < n_vpcs; i++) {
		cap += vpcs[i].listen.n;
	}
	*out = calloc(cap, sizeof(**out));
	if (*out == NULL) {
		store_vpc_list_free(vpcs, n_vpcs);
		return api_fail_at(r, 500, NULL, "out of memory");
	}
	for (size_t i = 0; i < n_extra; i++) {
		(*out)[(*n)++] = extra[i];
	}
	for (size_t i = 0; i < n_vpcs; i++) {
		for (size_t j = 0; j < vpcs[i].listen.n; j++) {
			if (addr_parse(vpcs[i].listen.v[j], 53,
				       &(*out)[*n]) == 0) {
				(*n)++;
			}
		}
	}
	store_vpc_list_free(vpcs, n_vpcs);
	return add_inbound_listen(r, out, n);
}
