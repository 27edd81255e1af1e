/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cache table: TTLs counting down (RFC 1035 6.2 via RFC 2308 5), the
 * negative TTL min(SOA TTL, MINIMUM) bounded by the caps (RFC 2308 3 and
 * 5), keys without a VPC, the memory cap, skipped inserts into a busy
 * shard, the failure cache of RFC 9520 (1 s doubling to 30 s) and the
 * serve-stale window of RFC 8767. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache/cache.h"
#include "cache/internal.h"
#include "common/error.h"
#include "forward/forward.h"
#include "forward/tests/msgbuild.h"
#include "wire/wire.h"

#define T0 1000000ULL	/* an arbitrary monotonic start */

static const struct wire_source RULE_SRC = { WIRE_SRC_RULE, "rule-1" };

static void key_for(struct cache_key *key, const char *producer,
		    const char *name, uint16_t qtype)
{
	struct zg_addr target;
	assert_int_equal(addr_parse("192.0.2.53", 53, &target), 0);
	cache_key_init(key, producer, &target, 1, NULL, 0,
		       tmsg_dname(name, 4), qtype, false, false);
}

/* The entry forward_import_reply() makes of reply for rule-1 whose
 * domain is onprem.example. */
static struct cache_entry *entry_from(struct cache *cache,
				      const struct cache_key *key,
				      knot_pkt_t *reply, uint64_t now)
{
	knot_pkt_t *parsed = tmsg_reparse(reply);
	struct wire_answer ans;
	struct forward_import_result res;
	wire_answer_init(&ans);
	assert_int_equal(forward_import_reply(parsed, knot_pkt_qname(parsed),
					      knot_pkt_qtype(parsed),
					      tmsg_dname("onprem.example.", 5),
					      NULL, NULL, &RULE_SRC, &ans,
					      &res), 0);
	struct cache_entry *entry = cache_entry_new(cache, key, &ans, now);
	assert_non_null(entry);
	wire_answer_clear(&ans);
	knot_pkt_free(parsed);
	knot_pkt_free(reply);
	return entry;
}

static struct cache_entry *a_entry(struct cache *cache,
				   const struct cache_key *key,
				   const char *name, uint32_t ttl,
				   uint64_t now)
{
	knot_pkt_t *reply = tmsg_new(1, name, KNOT_RRTYPE_A,
				     KNOT_RCODE_NOERROR, true);
	tmsg_a(reply, KNOT_ANSWER, name, ttl, "10.10.0.5");
	return entry_from(cache, key, reply, now);
}

static struct cache_entry *nodata_entry(struct cache *cache,
					const struct cache_key *key,
					uint32_t soa_ttl, uint32_t minimum,
					uint64_t now)
{
	knot_pkt_t *reply = tmsg_new(1, "v4.onprem.example.",
				     KNOT_RRTYPE_AAAA, KNOT_RCODE_NOERROR,
				     true);
	tmsg_soa(reply, KNOT_AUTHORITY, "onprem.example.", soa_ttl,
		 "ns.onprem.example.", "h.onprem.example.", 9, 3600, 600,
		 86400, minimum);
	return entry_from(cache, key, reply, now);
}

/* TTLs of the entry as served at now, in message order. */
static void served_ttls(const struct cache_entry *entry, uint64_t now,
			bool stale, uint32_t *ttls, size_t n)
{
	knot_pkt_t *pkt = NULL;
	assert_int_equal(cache_entry_packet(entry, now, stale, &pkt), 0);
	assert_int_equal(pkt->rrset_count, n);
	for (size_t i = 0; i < n; i++) {
		ttls[i] = pkt->rr[i].ttl;
	}
	knot_pkt_free(pkt);
}

static void test_ttl_counts_down_in_whole_seconds(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key key;
	key_for(&key, "rule-1", "db.onprem.example.", KNOT_RRTYPE_A);
	struct cache_entry *e = a_entry(cache, &key, "db.onprem.example.",
					300, T0);
	uint32_t ttl;

	assert_int_equal(cache_entry_ttl(e), 300);
	served_ttls(e, T0, false, &ttl, 1);
	assert_int_equal(ttl, 300);
	served_ttls(e, T0 + 1999, false, &ttl, 1);
	assert_int_equal(ttl, 299);
	served_ttls(e, T0 + 299999, false, &ttl, 1);
	assert_int_equal(ttl, 1);

	assert_true(cache_insert(cache, e, 0, T0));
	struct cache_lookup look;
	cache_lookup(cache, &key, T0 + 299999, &look);
	assert_int_equal(look.state, CACHE_FRESH);
	assert_ptr_equal(look.entry, e);
	cache_entry_unref(look.entry);
	/* At 300 s the entry is gone: nothing is served past its TTL. */
	cache_lookup(cache, &key, T0 + 300000, &look);
	assert_int_equal(look.state, CACHE_MISS);
	assert_null(look.entry);

	cache_entry_unref(e);
	cache_free(cache);
}

static void test_negative_ttl_is_soa_minimum(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key key;
	key_for(&key, "rule-1", "v4.onprem.example.", KNOT_RRTYPE_AAAA);
	uint32_t ttl;

	/* BC-23 c: SOA TTL 600, MINIMUM 120 gives 120 (RFC 2308 3). */
	struct cache_entry *e = nodata_entry(cache, &key, 600, 120, T0);
	assert_int_equal(cache_entry_ttl(e), 120);
	assert_int_equal(cache_entry_rcode(e), KNOT_RCODE_NOERROR);
	served_ttls(e, T0 + 5000, false, &ttl, 1);
	assert_int_equal(ttl, 115);
	cache_entry_unref(e);

	/* And the SOA TTL when it is the lower one. */
	e = nodata_entry(cache, &key, 60, 3600, T0);
	assert_int_equal(cache_entry_ttl(e), 60);
	cache_entry_unref(e);
	cache_free(cache);
}

static void test_ttls_are_capped_and_floored(void **state)
{
	struct cache_limits lim;
	cache_limits_default(&lim);
	struct cache *cache = cache_new(&lim);
	struct cache_key key;
	key_for(&key, "rule-1", "db.onprem.example.", KNOT_RRTYPE_A);

	/* Defaults: positive 86400, negative 3600 (resolution.md 5). */
	struct cache_entry *e = a_entry(cache, &key, "db.onprem.example.",
					172800, T0);
	assert_int_equal(cache_entry_ttl(e), 86400);
	cache_entry_unref(e);
	e = nodata_entry(cache, &key, 86400, 86400, T0);
	assert_int_equal(cache_entry_ttl(e), 3600);
	cache_entry_unref(e);
	cache_free(cache);

	lim.max_neg_ttl = 60;
	lim.min_ttl = 30;
	cache = cache_new(&lim);
	e = nodata_entry(cache, &key, 600, 120, T0);
	assert_int_equal(cache_entry_ttl(e), 60);
	cache_entry_unref(e);
	e = a_entry(cache, &key, "db.onprem.example.", 5, T0);
	assert_int_equal(cache_entry_ttl(e), 30);
	uint32_t ttl;
	served_ttls(e, T0, false, &ttl, 1);
	assert_int_equal(ttl, 30);
	cache_entry_unref(e);
	cache_free(cache);
}

static void test_nxdomain_without_soa_is_not_kept(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key key;
	key_for(&key, "rule-1", "nx.onprem.example.", KNOT_RRTYPE_A);
	knot_pkt_t *reply = tmsg_new(1, "nx.onprem.example.", KNOT_RRTYPE_A,
				     KNOT_RCODE_NXDOMAIN, true);
	struct cache_entry *e = entry_from(cache, &key, reply, T0);

	/* RFC 2308 5: no SOA, no negative caching. */
	assert_int_equal(cache_entry_ttl(e), 0);
	assert_int_equal(cache_entry_rcode(e), KNOT_RCODE_NXDOMAIN);
	assert_false(cache_insert(cache, e, 0, T0));
	cache_entry_unref(e);
	cache_free(cache);
}

static void test_key_is_producer_name_type_bits_never_vpc(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key upper, lower, other_rule, other_type, other_target;
	struct zg_addr target;
	assert_int_equal(addr_parse("192.0.2.54", 53, &target), 0);

	key_for(&upper, "rule-1", "DB.OnPrem.Example.", KNOT_RRTYPE_A);
	key_for(&lower, "rule-1", "db.onprem.example.", KNOT_RRTYPE_A);
	key_for(&other_rule, "rule-2", "db.onprem.example.", KNOT_RRTYPE_A);
	key_for(&other_type, "rule-1", "db.onprem.example.",
		KNOT_RRTYPE_AAAA);
	cache_key_init(&other_target, "rule-1", &target, 1, NULL, 0,
		       tmsg_dname("db.onprem.example.", 4), KNOT_RRTYPE_A,
		       false, false);
	assert_true(cache_key_equal(&upper, &lower));
	assert_int_equal(cache_key_hash(&upper), cache_key_hash(&lower));
	assert_false(cache_key_equal(&lower, &other_rule));
	assert_false(cache_key_equal(&lower, &other_type));
	assert_false(cache_key_equal(&lower, &other_target));

	struct cache_entry *e = a_entry(cache, &lower, "db.onprem.example.",
					60, T0);
	assert_true(cache_insert(cache, e, 0, T0));
	struct cache_lookup look;
	/* Two VPCs bound to rule-1 find the same entry; a VPC whose
	 * binding leads to rule-2 does not. */
	cache_lookup(cache, &upper, T0, &look);
	assert_int_equal(look.state, CACHE_FRESH);
	cache_entry_unref(look.entry);
	cache_lookup(cache, &other_rule, T0, &look);
	assert_int_equal(look.state, CACHE_MISS);
	cache_lookup(cache, &other_target, T0, &look);
	assert_int_equal(look.state, CACHE_MISS);

	struct cache_stats st;
	cache_get_stats(cache, T0, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.entries, 1);
	cache_entry_unref(e);
	cache_free(cache);
}

static void test_authoritative_asking_is_another_key_and_peek_counts_nothing(
	void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key recursive, authoritative;
	key_for(&recursive, "rule-1", "db.onprem.example.", KNOT_RRTYPE_A);
	key_for(&authoritative, "rule-1", "db.onprem.example.",
		KNOT_RRTYPE_A);
	cache_key_set_authoritative(&recursive, false);
	cache_key_set_authoritative(&authoritative, true);
	assert_false(cache_key_equal(&recursive, &authoritative));

	struct cache_entry *e = a_entry(cache, &recursive,
					"db.onprem.example.", 60, T0);
	assert_true(cache_insert(cache, e, 0, T0));
	struct cache_lookup look;
	cache_peek(cache, &recursive, T0 + 1000, &look);
	assert_int_equal(look.state, CACHE_FRESH);
	assert_ptr_equal(look.entry, e);
	cache_entry_unref(look.entry);
	cache_peek(cache, &authoritative, T0 + 1000, &look);
	assert_int_equal(look.state, CACHE_MISS);
	assert_null(look.entry);

	struct cache_stats st;
	cache_get_stats(cache, T0, &st);
	assert_int_equal(st.hits, 0);
	assert_int_equal(st.misses, 0);
	cache_entry_unref(e);
	cache_free(cache);
}

static void test_memory_cap_evicts(void **state)
{
	struct cache_limits lim;
	cache_limits_default(&lim);
	lim.max_bytes = CACHE_SHARDS * 4096;
	struct cache *cache = cache_new(&lim);
	char name[64];
	struct cache_key key;

	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "h%d.onprem.example.", i);
		key_for(&key, "rule-1", name, KNOT_RRTYPE_A);
		struct cache_entry *e = a_entry(cache, &key, name, 600, T0);
		cache_insert(cache, e, 0, T0);
		cache_entry_unref(e);
	}
	struct cache_stats st;
	cache_get_stats(cache, T0, &st);
	assert_true(st.bytes <= lim.max_bytes);
	assert_true(st.entries < 3000);
	assert_int_equal(st.evictions, 3000 - st.entries);

	/* The newest is always kept. */
	struct cache_lookup look;
	cache_lookup(cache, &key, T0, &look);
	assert_int_equal(look.state, CACHE_FRESH);
	cache_entry_unref(look.entry);
	cache_free(cache);
}

static void test_read_entry_survives_a_clock_round(void **state)
{
	struct cache_limits lim;
	cache_limits_default(&lim);
	lim.max_bytes = CACHE_SHARDS * 4096;
	struct cache *cache = cache_new(&lim);
	struct cache_key keep, key;
	char name[64];

	key_for(&keep, "rule-1", "keep.onprem.example.", KNOT_RRTYPE_A);
	struct cache_entry *e = a_entry(cache, &keep, "keep.onprem.example.",
					600, T0);
	assert_true(cache_insert(cache, e, 0, T0));
	cache_entry_unref(e);
	unsigned shard = cache_key_hash(&keep) % CACHE_SHARDS;

	/* Fill keep's shard with names read never; keep is read before
	 * each insert, so the hand always spares it. */
	for (int i = 0, added = 0; added < 40 && i < 100000; i++) {
		snprintf(name, sizeof(name), "f%d.onprem.example.", i);
		key_for(&key, "rule-1", name, KNOT_RRTYPE_A);
		if (cache_key_hash(&key) % CACHE_SHARDS != shard) {
			continue;
		}
		struct cache_lookup look;
		cache_lookup(cache, &keep, T0, &look);
		assert_int_equal(look.state, CACHE_FRESH);
		cache_entry_unref(look.entry);
		e = a_entry(cache, &key, name, 600, T0);
		cache_insert(cache, e, 0, T0);
		cache_entry_unref(e);
		added++;
	}
	struct cache_stats st;
	cache_get_stats(cache, T0, &st);
	assert_true(st.evictions > 0);
	struct cache_lookup look;
	cache_lookup(cache, &keep, T0, &look);
	assert_int_equal(look.state, CACHE_FRESH);
	cache_entry_unref(look.entry);
	cache_free(cache);
}

static void test_busy_shard_skips_insert(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key key;
	key_for(&key, "rule-1", "db.onprem.example.", KNOT_RRTYPE_A);
	struct cache_entry *e = a_entry(cache, &key, "db.onprem.example.",
					60, T0);
	struct cache_shard *shard =
		&cache->shards[cache_key_hash(&key) % CACHE_SHARDS];

	/* Held by "another worker": the insert does not wait. */
	assert_int_equal(pthread_mutex_lock(&shard->lock), 0);
	assert_false(cache_insert(cache, e, 0, T0));
	assert_int_equal(pthread_mutex_unlock(&shard->lock), 0);

	struct cache_stats st;
	cache_get_stats(cache, T0, &st);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.entries, 0);
	assert_true(cache_insert(cache, e, 0, T0));
	cache_entry_unref(e);
	cache_free(cache);
}

static void test_failure_cache_doubles_up_to_30s(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key key;
	key_for(&key, "rule-1", "secret.onprem.example.", KNOT_RRTYPE_A);
	const uint32_t want[] = { 1000, 2000, 4000, 8000, 16000, 30000,
				  30000 };
	uint64_t now = T0;
	struct cache_lookup look;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint32_t ms = cache_fail(cache, &key, now);
		assert_int_equal(ms, want[i]);
		cache_lookup(cache, &key, now + ms - 1, &look);
		assert_true(look.failed);
		assert_int_equal(look.state, CACHE_MISS);
		/* The targets are asked again once it ran out... */
		cache_lookup(cache, &key, now + ms, &look);
		assert_false(look.failed);
		/* ...and fail again: it doubles. */
		now += ms;
	}

	/* Long after the last failure ended, it starts at 1 s again. */
	now += CACHE_FAIL_FORGET_MS;
	assert_int_equal(cache_fail(cache, &key, now), 1000);
	cache_free(cache);
}

static void test_answer_clears_failure(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key key;
	key_for(&key, "rule-1", "db.onprem.example.", KNOT_RRTYPE_A);
	struct cache_lookup look;

	assert_int_equal(cache_fail(cache, &key, T0), 1000);
	struct cache_entry *e = a_entry(cache, &key, "db.onprem.example.",
					60, T0 + 1000);
	assert_true(cache_insert(cache, e, 0, T0 + 1000));
	cache_lookup(cache, &key, T0 + 1000, &look);
	assert_false(look.failed);
	assert_int_equal(look.state, CACHE_FRESH);
	cache_entry_unref(look.entry);
	/* And the next failure is a first one again. */
	assert_int_equal(cache_fail(cache, &key, T0 + 2000), 1000);
	cache_entry_unref(e);
	cache_free(cache);
}

static void test_stale_window(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key key, plain;
	key_for(&key, "rule-1", "db.onprem.example.", KNOT_RRTYPE_A);
	key_for(&plain, "rule-1", "other.onprem.example.", KNOT_RRTYPE_A);
	struct cache_lookup look;
	uint32_t ttl;

	struct cache_entry *e = a_entry(cache, &key, "db.onprem.example.",
					60, T0);
	assert_true(cache_insert(cache, e, 100, T0));
	struct cache_entry *p = a_entry(cache, &plain,
					"other.onprem.example.", 60, T0);
	assert_true(cache_insert(cache, p, 0, T0));

	cache_lookup(cache, &key, T0 + 60000, &look);
	assert_int_equal(look.state, CACHE_STALE);
	/* RFC 8767 4: stale data goes out with TTL 30. */
	served_ttls(look.entry, T0 + 60000, true, &ttl, 1);
	assert_int_equal(ttl, CACHE_STALE_TTL);
	cache_entry_unref(look.entry);
	cache_lookup(cache, &key, T0 + 160000 - 1, &look);
	assert_int_equal(look.state, CACHE_STALE);
	cache_entry_unref(look.entry);
	cache_lookup(cache, &key, T0 + 160000, &look);
	assert_int_equal(look.state, CACHE_MISS);
	/* Without serve-stale nothing is kept past the TTL. */
	cache_lookup(cache, &plain, T0 + 60000, &look);
	assert_int_equal(look.state, CACHE_MISS);

	cache_entry_unref(e);
	cache_entry_unref(p);
	cache_free(cache);
}

static void test_flush_by_name_and_producer(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct cache_key k[4];
	key_for(&k[0], "rule-1", "a.onprem.example.", KNOT_RRTYPE_A);
	key_for(&k[1], "rule-1", "a.onprem.example.", KNOT_RRTYPE_AAAA);
	key_for(&k[2], "rule-1", "b.onprem.example.", KNOT_RRTYPE_A);
	key_for(&k[3], "rule-2", "b.onprem.example.", KNOT_RRTYPE_A);
	for (int i = 0; i < 4; i++) {
		const char *name = i < 2 ? "a.onprem.example." :
					   "b.onprem.example.";
		struct cache_entry *e = a_entry(cache, &k[i], name, 60, T0);
		assert_true(cache_insert(cache, e, 0, T0));
		cache_entry_unref(e);
	}
	assert_int_equal(cache_fail(cache, &k[2], T0), 1000);

	assert_int_equal(cache_flush(cache, tmsg_dname("A.OnPrem.Example.",
						       4), NULL), 2);
	assert_int_equal(cache_flush(cache, NULL, "rule-2"), 1);
	struct cache_stats st;
	cache_get_stats(cache, T0, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(cache_flush(cache, NULL, NULL), 1);
	cache_get_stats(cache, T0, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	cache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ttl_counts_down_in_whole_seconds),
		cmocka_unit_test(test_negative_ttl_is_soa_minimum),
		cmocka_unit_test(test_ttls_are_capped_and_floored),
		cmocka_unit_test(test_nxdomain_without_soa_is_not_kept),
		cmocka_unit_test(test_key_is_producer_name_type_bits_never_vpc),
		cmocka_unit_test(
		test_authoritative_asking_is_another_key_and_peek_counts_nothing),
		cmocka_unit_test(test_memory_cap_evicts),
		cmocka_unit_test(test_read_entry_survives_a_clock_round),
		cmocka_unit_test(test_busy_shard_skips_insert),
		cmocka_unit_test(test_failure_cache_doubles_up_to_30s),
		cmocka_unit_test(test_answer_clears_failure),
		cmocka_unit_test(test_stale_window),
		cmocka_unit_test(test_flush_by_name_and_producer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
