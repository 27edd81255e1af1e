/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TSIG keys (RFC 8945), named by their DNS key name: create with a given
 * or generated secret, show (the secret only when asked), list (never
 * the secret), delete when no zone uses the key. */
#include "api/api_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libdnssec/binary.h>
#include <libdnssec/tsig.h>

#include "validate/validate.h"
#include "common/error.h"

static const char *const tsig_create_keys[] = {
	"name", "algorithm", "secret", NULL,
};

/* Accepted algorithms and the secret length generated for each: the
 * size of the hash output (RFC 2104 section 3). */
static const struct {
	const char *name;
	size_t secret_len;
} algorithms[] = {
	{ "hmac-sha256", 32 },
	{ "hmac-sha384", 48 },
	{ "hmac-sha512", 64 },
	{ "hmac-sha1", 20 },
};

static json_t *key_json(const struct store_tsig_key *key, bool secret)
{
	json_t *obj = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:s}",
				"id", key->meta.resource_id,
				"name", key->meta.name,
				"account", key->meta.account,
				"version", (json_int_t)key->meta.version,
				"created_at", key->meta.created_at,
				"updated_at", key->meta.updated_at,
				"algorithm", key->algorithm);
	if (obj != NULL && secret) {
		json_object_set_new(obj, "secret", json_string(key->secret));
	}
	return obj;
}

/* Key names are DNS names, taken absolute and lower case; they must fit
 * the store's id column. */
static int key_name(struct api_req *r, const char *text, const char *field,
		    char *out, size_t outlen)
{
	char msg[256];
	if (validate_domain(text, false, out, outlen, msg,
				sizeof(msg)) != 0) {
		return field != NULL ? api_fail(r, 400, field, "%s", msg)
				     : api_fail_at(r, 404, NULL,
						   "no TSIG key %s", text);
	}
	if (strlen(out) >= STORE_ID_LEN) {
		return field != NULL
			? api_fail(r, 400, field,
				   "a TSIG key name has at most %d characters",
				   STORE_ID_LEN - 1)
			: api_fail_at(r, 404, NULL, "no TSIG key %s", text);
	}
	return 0;
}

static int load_key(struct api_req *r, const char *text,
		    struct store_tsig_key *key)
{
	char name[VALIDATE_NAME_LEN];
	int ret = key_name(r, text, NULL, name, sizeof(name));
	if (ret != 0) {
		return ret;
	}
	ret = store_tsig_get(r->store, name, key);
	if (ret == ZG_ENOENT) {
		return api_fail_missing(r, "TSIG key", name);
	}
	return ret != 0 ? api_fail_store(r, ret, "a TSIG key") : 0;
}

int api_tsig_list(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_tsig_key *keys = NULL;
	size_t n = 0;
	bool more = false;
	int ret = store_tsig_list(r->store, a->after, a->limit, &keys, &n,
				  &more);
	if (ret != 0) {
		return api_fail_store(r, ret, "the list of TSIG keys");
	}
	json_t *items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		if (json_array_append_new(items, key_json(&keys[i], false)) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	*out = api_json_page(items, more ? keys[n - 1].meta.name : NULL);
	store_tsig_list_free(keys, n);
	return *out != NULL ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_tsig_get(struct api_req *r, const struct api_args *a, json_t **out)
{
	struct store_tsig_key key = { 0 };
	int ret = load_key(r, a->id, &key);
	if (ret == 0) {
		bool secret = a->q_secret != NULL &&
			      (strcmp(a->q_secret, "true") == 0 ||
			       strcmp(a->q_secret, "1") == 0);
		*out = key_json(&key, secret);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_tsig_key_clear(&key);
	return ret;
}

static int read_algorithm(struct api_req *r, json_t *body,
			  struct store_tsig_key *key, size_t *secret_len)
{
	const char *text = "hmac-sha256";
	int ret = api_get_string(r, body, "algorithm", false, &text, NULL);
	if (ret != 0) {
		return ret;
	}
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(*algorithms); i++) {
		if (strcasecmp(text, algorithms[i].name) == 0) {
			snprintf(key->algorithm, sizeof(key->algorithm), "%s",
				 algorithms[i].name);
			*secret_len = algorithms[i].secret_len;
			return 0;
		}
	}
	return api_fail(r, 400, "algorithm",
			"algorithm is hmac-sha256 (the default), hmac-sha384, hmac-sha512 or hmac-sha1");
}

static int encode_secret(const uint8_t *raw, size_t len, char *out,
			 size_t outlen)
{
	dnssec_binary_t bin = { .data = (uint8_t *)raw, .size = len };
	dnssec_binary_t b64 = { 0 };
	if (dnssec_binary_to_base64(&bin, &b64) != 0) {
		return ZG_ENOMEM;
	}
	int ret = b64.size < outlen ? 0 : ZG_EINVAL;
	if (ret == 0) {
		memcpy(out, b64.data, b64.size);
		out[b64.size] = '\0';
	}
	dnssec_binary_free(&b64);
	return ret;
}

/* A given secret must be base64 of 1 to 64 bytes; stored canonical. */
static int read_secret(struct api_req *r, json_t *body,
		       struct store_tsig_key *key, size_t generate_len)
{
	const char *text = NULL;
	bool present = false;
	int ret = api_get_string(r, body, "secret", false, &text, &present);
	if (ret != 0) {
		return ret;
	}
	uint8_t raw[64];
	size_t len = generate_len;
	if (present) {
		dnssec_binary_t b64 = { .data = (uint8_t *)text,
					.size = strlen(text) };
		dnssec_binary_t bin = { 0 };
		if (b64.size == 0 || dnssec_binary_from_base64(&b64, &bin) != 0 ||
		    bin.size == 0 || bin.size > sizeof(raw)) {
			dnssec_binary_free(&bin);
			return api_fail(r, 400, "secret",
					"secret is base64 of 1 to 64 bytes");
		}
		memcpy(raw, bin.data, bin.size);
		len = bin.size;
		dnssec_binary_free(&bin);
	} else if (getrandom(raw, len, 0) != (ssize_t)len) {
		return api_fail_at(r, 500, NULL,
				   "cannot read random bytes for the secret");
	}
	ret = encode_secret(raw, len, key->secret, sizeof(key->secret));
	memset(raw, 0, sizeof(raw));
	return ret == 0 ? 0 : api_fail_at(r, 500, NULL, "out of memory");
}

int api_tsig_create(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	json_t *body = a->body;
	if (!json_is_object(body)) {
		return api_fail(r, 400, NULL, "the body must be a JSON object");
	}
	struct store_tsig_key key = { 0 };
	const char *name = NULL;
	size_t secret_len = 0;
	int ret = api_check_keys(r, body, tsig_create_keys);
	if (ret == 0) {
		ret = api_get_string(r, body, "name", true, &name, NULL);
	}
	if (ret == 0) {
		ret = key_name(r, name, "name", key.meta.name,
			       sizeof(key.meta.name));
	}
	if (ret == 0) {
		ret = read_algorithm(r, body, &key, &secret_len);
	}
	if (ret == 0) {
		ret = read_secret(r, body, &key, secret_len);
	}
	if (ret == 0) {
		ret = store_tsig_create(r->store, &key);
		if (ret == ZG_EEXIST) {
			ret = api_fail(r, 409, "name",
				       "a TSIG key named %s exists",
				       key.meta.name);
		} else if (ret != 0) {
			ret = api_fail_store(r, ret, "creating the TSIG key");
		}
	}
	if (ret == 0) {
		char fields[STORE_NAME_LEN + 16];
		snprintf(fields, sizeof(fields), "tsig_key=%s", key.meta.name);
		api_note(r, fields, "created TSIG key %s (%s)", key.meta.name,
			 key.algorithm);
		/* The secret is shown here, and later only on request. */
		*out = key_json(&key, true);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_tsig_key_clear(&key);
	return ret;
}

int api_tsig_update(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	return api_fail_at(r, 400, NULL,
			   "a TSIG key cannot be changed: create a key with a new name and point the zones at it");
}

int api_tsig_delete(struct api_req *r, const struct api_args *a,
		    json_t **out)
{
	struct store_tsig_key key = { 0 };
	int ret = load_key(r, a->id, &key);
	struct store_strv users = { 0 };
	if (ret == 0) {
		ret = api_check_version(r, a, key.meta.version);
	}
	if (ret == 0 && store_tsig_users(r->store, key.meta.name,
					 &users) != 0) {
		ret = api_fail_store(r, ZG_ESTORE, "the zones of a TSIG key");
	}
	if (ret == 0 && users.n > 0) {
		ret = api_fail_at(r, 409, NULL,
				  "TSIG key %s is used by %s%s; change those zones first",
				  key.meta.name, users.v[0],
				  users.n > 1 ? " and more zones" : "");
	}
	if (ret == 0) {
		ret = store_tsig_delete(r->store, key.meta.name);
		if (ret != 0) {
			ret = api_fail_store(r, ret, "deleting the TSIG key");
		}
	}
	if (ret == 0) {
		char fields[STORE_NAME_LEN + 16];
		snprintf(fields, sizeof(fields), "tsig_key=%s", key.meta.name);
		api_note(r, fields, "deleted TSIG key %s", key.meta.name);
		const char *id = key.meta.name;
		*out = api_json_deleted(&id, 1);
		ret = *out != NULL ? 0
			: api_fail_at(r, 500, NULL, "out of memory");
	}
	store_strv_clear(&users);
	store_tsig_key_clear(&key);
	return ret;
}

int api_tsig_claim(struct api_req *r, const char *field,
		   const char *key_name, const char *zone_id)
{
	if (key_name[0] == '\0') {
		return 0;
	}
	struct store_strv users = { 0 };
	int ret = store_tsig_users(r->store, key_name, &users);
	if (ret != 0) {
		store_strv_clear(&users);
		return api_fail_store(r, ret, "the zones of a TSIG key");
	}
	const char *owner = NULL;
	for (size_t i = 0; i < users.n && owner == NULL; i++) {
		if (strcmp(users.v[i], zone_id) != 0) {
			owner = users.v[i];
		}
	}
	if (owner != NULL) {
		/* A signed NOTIFY that reaches no VPC's listener finds its
		 * secondary zone instance by the key that signed it. */
		struct store_zone zone = { 0 };
		ret = store_zone_get(r->store, owner, &zone);
		ret = api_fail(r, 409, field,
			       "TSIG key %s already belongs to zone %s (zone id %s); a key serves one zone instance, create another key",
			       key_name, ret == 0 ? zone.meta.name : "?",
			       owner);
		store_zone_clear(&zone);
	}
	store_strv_clear(&users);
	return ret;
}
