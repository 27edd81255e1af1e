/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Applying update RRs to a zone in the store (RFC 2136 section 3.4.2)
 * with the API's record rules: the types it stores, values checked for
 * their type, no data a delegation would hide, RRsets that fit a
 * message, no DS at the apex. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "store/store.h"
#include "store/tests/fixture.h"
#include "update/update_priv.h"
#include "zone/zone.h"

#define ZONE "corp.example."

/* The zone, with "sub TXT" and "www A" in it; an update transaction is
 * open around each test. */
struct apply_env {
	struct fixture *f;
	struct store_zone zone;
	knot_dname_t apex[KNOT_DNAME_MAXLEN];
	struct update_apply a;
};

static void make_record(struct store *s, const char *zone_id,
			const char *name, const char *type, const char *value)
{
	struct store_record rec = { .ttl = 300 };
	snprintf(rec.meta.name, sizeof(rec.meta.name), "%s", name);
	snprintf(rec.zone_id, sizeof(rec.zone_id), "%s", zone_id);
	snprintf(rec.type, sizeof(rec.type), "%s", type);
	rec.value = strdup(value);
	assert_int_equal(store_record_create(s, &rec), 0);
	store_record_clear(&rec);
}

static int setup(void **state)
{
	if (fixture_setup(state) != 0) {
		return -1;
	}
	struct apply_env *env = calloc(1, sizeof(*env));
	assert_non_null(env);
	env->f = *state;
	struct store *s = env->f->store;
	struct store_caller caller = { .uid = 0, .pid = 1 };
	struct store_zone *zone = &env->zone;
	snprintf(zone->meta.name, sizeof(zone->meta.name), ZONE);
	strcpy(zone->kind, "private");
	strcpy(zone->proxy_pattern, "zone");
	zone->soa = (struct store_soa){ .ttl = 3600, .serial = 1,
		.refresh = 3600, .retry = 600, .expire = 604800,
		.minimum = 300 };
	strcpy(zone->soa.mname, "ns1." ZONE);
	strcpy(zone->soa.rname, "hostmaster." ZONE);
	assert_int_equal(store_strv_push(&zone->ns, zone->soa.mname), 0);
	assert_int_equal(store_begin(s, &caller), 0);
	assert_int_equal(store_zone_create(s, zone), 0);
	make_record(s, zone->meta.resource_id, "sub", "TXT", "\"x\"");
	make_record(s, zone->meta.resource_id, "www", "A", "10.1.2.3");
	assert_int_equal(store_commit(s, NULL), 0);

	assert_non_null(knot_dname_from_str(env->apex, ZONE,
					    sizeof(env->apex)));
	env->a = (struct update_apply){ .store = s, .zone = zone,
					.apex = env->apex };
	assert_int_equal(store_begin(s, &caller), 0);
	*state = env;
	return 0;
}

static int teardown(void **state)
{
	struct apply_env *env = *state;
	store_rollback(env->f->store);
	update_apply_clear(&env->a);
	store_zone_clear(&env->zone);
	*state = env->f;
	free(env);
	return fixture_teardown(state);
}

/* Applies "owner ttl TYPE value" (owner relative to the zone, class
 * IN: an addition), parsed as a zone file line. */
static int grab(void *arg, const struct zone_file_rr *rr)
{
	knot_rrset_t *out = arg;
	knot_rrset_init(out, knot_dname_copy(rr->owner, NULL), rr->type,
			KNOT_CLASS_IN, rr->ttl);
	return knot_rrset_add_rdata(out, rr->rdata, rr->rdata_len, NULL);
}

static int add(struct apply_env *env, const char *line)
{
	knot_rrset_t rr;
	knot_rrset_init_empty(&rr);
	uint64_t err_line = 0;
	char *text = NULL;
	assert_true(asprintf(&text, "%s\n", line) > 0);
	assert_int_equal(zone_file_parse(text, strlen(text), env->apex, grab,
					 &rr, &err_line, NULL, 0), 0);
	free(text);
	env->a.why[0] = '\0';
	int ret = update_apply_rr(&env->a, &rr);
	knot_rrset_clear(&rr, NULL);
	return ret;
}

static void assert_refused(struct apply_env *env, const char *line,
			   const char *why)
{
	assert_int_equal(add(env, line), ZG_EREFUSED);
	if (strstr(env->a.why, why) == NULL) {
		fail_msg("'%s': '%s' lacks '%s'", line, env->a.why, why);
	}
}

/* The one stored value of name/type, or NULL. */
static char *stored(struct apply_env *env, const char *name,
		    const char *type)
{
	struct store_record *recs = NULL;
	size_t n = 0;
	bool more = false;
	assert_int_equal(store_record_list(env->f->store,
					   env->zone.meta.resource_id, name,
					   type, NULL, 0, &recs, &n, &more),
			 0);
	char *value = n == 1 ? strdup(recs[0].value) : NULL;
	store_record_list_free(recs, n);
	return value;
}

static void assert_stored(struct apply_env *env, const char *name,
			  const char *type, const char *value)
{
	char *got = stored(env, name, type);
	assert_non_null(got);
	assert_string_equal(got, value);
	free(got);
}

static void test_types_with_data_of_their_own_are_added(void **state)
{
	struct apply_env *env = *state;

	assert_int_equal(add(env, "_443._tcp.www 60 TLSA 3 1 1 abcdef"), 0);
	assert_int_equal(add(env, "web 60 HTTPS 1 . alpn=h2"), 0);
	assert_int_equal(add(env, "gen 60 TYPE65400 \\# 2 abcd"), 0);
	assert_int_equal(add(env, "cut 60 NS ns.example.net."), 0);
	assert_int_equal(add(env, "cut 60 DS 1 13 2 abcd"), 0);

	assert_stored(env, "_443._tcp.www", "TLSA", "3 1 1 ABCDEF");
	assert_stored(env, "web", "HTTPS", "1 . alpn=h2");
	assert_stored(env, "gen", "TYPE65400", "\\# 2 ABCD");
	assert_stored(env, "cut", "DS", "1 13 2 ABCD");
	assert_int_equal(env->a.changes, 5);
}

static void test_types_the_api_refuses_are_refused(void **state)
{
	struct apply_env *env = *state;

	assert_refused(env, "d 60 DNAME www", "type DNAME is not accepted");
	assert_refused(env, "k 60 DNSKEY 256 3 13 AAAA", "does not sign zones");
	/* Three octets are no IPv4 address (RFC 3597 section 5). */
	assert_refused(env, "a 60 A \\# 3 0a0000", "RFC 3597");
	assert_refused(env, "@ 60 DS 1 13 2 abcd", "parent zone");
	assert_int_equal(env->a.changes, 0);
}

/* RFC 1034 section 4.2.1: below the apex, data beside NS is hidden. */
static void test_data_a_delegation_would_hide_is_refused(void **state)
{
	struct apply_env *env = *state;

	assert_refused(env, "sub 60 NS ns.example.net.",
		       "sub.corp.example. already has TXT data");
	assert_int_equal(add(env, "cut 60 NS ns.example.net."), 0);
	assert_refused(env, "cut 60 MX 10 www", "hidden by the delegation");
	/* Glue for a server named like the cut is no hidden data. */
	assert_int_equal(add(env, "self 60 NS self"), 0);
	assert_int_equal(add(env, "self 60 A 10.9.9.9"), 0);
}

/* 200 strings of 255 octets: 51,200 octets of rdata. With 60 more
 * strings (15,360 octets) the RRset passes 65535. */
static void test_rrset_too_large_for_a_message_is_refused(void **state)
{
	struct apply_env *env = *state;
	char *line = malloc(16 + 258 * 200);
	assert_non_null(line);
	for (size_t strings = 200, round = 0; round < 2; round++) {
		int at = sprintf(line, "big 60 TXT");
		for (size_t i = 0; i < strings; i++) {
			at += sprintf(line + at, " \"%0255d\"", (int)round);
		}
		if (round == 0) {
			assert_int_equal(add(env, line), 0);
		} else {
			assert_refused(env, line, "65535");
		}
		strings = 60;
	}
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_types_with_data_of_their_own_are_added, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_types_the_api_refuses_are_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_data_a_delegation_would_hide_is_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_rrset_too_large_for_a_message_is_refused, setup,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
