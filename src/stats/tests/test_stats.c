/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests of the counters: histogram buckets, per-worker slots summed on
 * read, timeouts, failures and RCODEs, the shared slot of unattached
 * threads and the registry's bound. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "stats/stats.h"

static int setup_two_workers(void **state)
{
	return stats_init(2) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	stats_thread_detach();
	stats_free();
	return 0;
}

static const struct stats_entry *find(const struct stats_entry *entries,
				      size_t n, enum stats_kind kind,
				      const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (entries[i].kind == kind && strcmp(entries[i].key, key) == 0) {
			return &entries[i];
		}
	}
	return NULL;
}

static void record(enum stats_kind kind, const char *key,
		   enum stats_outcome outcome, int rcode, uint64_t us)
{
	struct stats_sample s = {
		.outcome = outcome, .rcode = rcode, .latency_us = us,
	};
	stats_record(kind, key, &s);
}

static void test_latency_bucket_edges_are_powers_of_two(void **state)
{
	assert_int_equal(stats_latency_bucket(0), 0);
	assert_int_equal(stats_latency_bucket(63), 0);
	assert_int_equal(stats_latency_bucket(64), 1);
	assert_int_equal(stats_latency_bucket(127), 1);
	assert_int_equal(stats_latency_bucket(128), 2);
	/* 1000 us lies in [512, 1024). */
	assert_int_equal(stats_latency_bucket(1000), 4);
	/* 800 ms, the first try's timeout, lies in [524288, 1048576). */
	assert_int_equal(stats_latency_bucket(800000), 14);
	assert_int_equal(stats_latency_bucket((1u << 22) - 1), 16);
	assert_int_equal(stats_latency_bucket(1u << 22), 17);
	assert_int_equal(stats_latency_bucket(UINT64_MAX), 17);
}

static void test_bucket_upper_bounds_double(void **state)
{
	assert_int_equal(stats_bucket_upper_us(0), 64);
	assert_int_equal(stats_bucket_upper_us(1), 128);
	assert_int_equal(stats_bucket_upper_us(16), 1u << 22);
	assert_int_equal(stats_bucket_upper_us(17), 0);
	for (unsigned b = 0; b + 1 < STATS_LAT_BUCKETS; b++) {
		uint64_t upper = stats_bucket_upper_us(b);
		assert_int_equal(stats_latency_bucket(upper - 1), b);
		assert_int_equal(stats_latency_bucket(upper), b + 1);
	}
}

static void test_record_without_registry_is_ignored(void **state)
{
	record(STATS_RULE, "rule-1", STATS_ANSWERED, 0, 10);
	struct stats_entry *entries = NULL;
	size_t n = 99;
	assert_int_equal(stats_snapshot(STATS_KINDS, NULL, &entries, &n), 0);
	assert_int_equal(n, 0);
	free(entries);
	assert_int_equal(stats_thread_attach(0), ZG_EINVAL);
}

static void test_outcomes_rcodes_and_latency_are_counted(void **state)
{
	assert_int_equal(stats_thread_attach(0), 0);
	record(STATS_RULE, "rule-1", STATS_ANSWERED, 0, 100);
	record(STATS_RULE, "rule-1", STATS_ANSWERED, 3, 1000);
	record(STATS_RULE, "rule-1", STATS_TIMEOUT, 2, 6000000);
	record(STATS_RULE, "rule-1", STATS_FAILED, 2, 30);
	/* BADVERS (16) is an extended RCODE: the shared last counter. */
	record(STATS_RULE, "rule-1", STATS_ANSWERED, 16, 70);
	record(STATS_RULE, "rule-1", STATS_ANSWERED, -1, 70);

	struct stats_entry *entries = NULL;
	size_t n = 0;
	assert_int_equal(stats_snapshot(STATS_RULE, "rule-1", &entries, &n),
			 0);
	assert_int_equal(n, 1);
	const struct stats_counters *c = &entries[0].c;
	assert_int_equal(c->queries, 6);
	assert_int_equal(c->timeouts, 1);
	assert_int_equal(c->failures, 1);
	assert_int_equal(c->rcodes[0], 1);
	assert_int_equal(c->rcodes[3], 1);
	assert_int_equal(c->rcodes[2], 2);
	assert_int_equal(c->rcodes[STATS_RCODES - 1], 1);
	assert_int_equal(c->latency[0], 1);	/* 30 */
	assert_int_equal(c->latency[1], 3);	/* 100, 70, 70 */
	assert_int_equal(c->latency[4], 1);	/* 1000 */
	assert_int_equal(c->latency[17], 1);	/* 6 s */
	assert_int_equal(c->latency_sum_us, 100 + 1000 + 6000000 + 30 + 140);
	free(entries);
}

static void test_snapshot_filters_by_kind_and_key(void **state)
{
	assert_int_equal(stats_thread_attach(1), 0);
	record(STATS_RULE, "rule-1", STATS_ANSWERED, 0, 1);
	record(STATS_TARGET, "192.0.2.53:53", STATS_ANSWERED, 0, 1);
	record(STATS_ZONE, "rule-1", STATS_ANSWERED, 0, 1);
	record(STATS_RULE, "rule-2", STATS_ANSWERED, 0, 1);

	struct stats_entry *entries = NULL;
	size_t n = 0;
	assert_int_equal(stats_snapshot(STATS_KINDS, NULL, &entries, &n), 0);
	assert_int_equal(n, 4);
	/* First seen first. */
	assert_string_equal(entries[0].key, "rule-1");
	assert_int_equal(entries[0].kind, STATS_RULE);
	assert_string_equal(entries[1].key, "192.0.2.53:53");
	free(entries);

	assert_int_equal(stats_snapshot(STATS_RULE, NULL, &entries, &n), 0);
	assert_int_equal(n, 2);
	free(entries);
	assert_int_equal(stats_snapshot(STATS_RULE, "rule-9", &entries, &n),
			 0);
	assert_int_equal(n, 0);
	free(entries);
}

struct worker_arg {
	unsigned index;
	unsigned count;
};

static void *worker(void *arg)
{
	const struct worker_arg *w = arg;
	if (stats_thread_attach(w->index) != 0) {
		return (void *)1;
	}
	char key[32];
	for (unsigned i = 0; i < w->count; i++) {
		snprintf(key, sizeof(key), "rule-%u", i % 3);
		record(STATS_RULE, key, STATS_ANSWERED, 0, i % 5000);
		stats_record_step(STATS_STEP_RULE);
	}
	stats_thread_detach();
	return NULL;
}

static void test_workers_sum_without_lost_counts(void **state)
{
	pthread_t threads[2];
	struct worker_arg args[2] = { { 0, 30000 }, { 1, 30000 } };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_create(&threads[i], NULL, worker,
						&args[i]), 0);
	}
	/* The unattached main thread counts into the shared slot at the
	 * same time. */
	for (int i = 0; i < 3000; i++) {
		record(STATS_RULE, "rule-0", STATS_ANSWERED, 0, 1);
	}
	for (int i = 0; i < 2; i++) {
		void *ret = NULL;
		pthread_join(threads[i], &ret);
		assert_null(ret);
	}

	struct stats_entry *entries = NULL;
	size_t n = 0;
	assert_int_equal(stats_snapshot(STATS_RULE, NULL, &entries, &n), 0);
	assert_int_equal(n, 3);
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		total += entries[i].c.queries;
		uint64_t in_buckets = 0;
		for (int b = 0; b < STATS_LAT_BUCKETS; b++) {
			in_buckets += entries[i].c.latency[b];
		}
		assert_int_equal(in_buckets, entries[i].c.queries);
	}
	assert_int_equal(total, 63000);
	/* 60000 samples over three keys: rule-0 gets 20000 + 3000. */
	assert_int_equal(find(entries, n, STATS_RULE, "rule-0")->c.queries,
			 23000);
	free(entries);

	uint64_t steps[STATS_STEPS];
	stats_steps(steps);
	assert_int_equal(steps[STATS_STEP_RULE], 60000);
	assert_int_equal(steps[STATS_STEP_ZONE], 0);
}

static void test_full_registry_counts_overflow(void **state)
{
	assert_int_equal(stats_thread_attach(0), 0);
	char key[32];
	for (unsigned i = 0; i < STATS_MAX_ENTITIES; i++) {
		snprintf(key, sizeof(key), "t%u", i);
		record(STATS_TARGET, key, STATS_ANSWERED, 0, 1);
	}
	assert_int_equal(stats_overflow(), 0);
	record(STATS_TARGET, "one-too-many", STATS_ANSWERED, 0, 1);
	record(STATS_TARGET, "one-too-many", STATS_ANSWERED, 0, 1);
	assert_int_equal(stats_overflow(), 2);
	/* Keys already known still count. */
	record(STATS_TARGET, "t7", STATS_ANSWERED, 0, 1);
	struct stats_entry *entries = NULL;
	size_t n = 0;
	assert_int_equal(stats_snapshot(STATS_TARGET, "t7", &entries, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(entries[0].c.queries, 2);
	free(entries);
}

static void test_long_keys_are_cut(void **state)
{
	char key[200];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	record(STATS_ZONE, key, STATS_ANSWERED, 0, 1);
	record(STATS_ZONE, key, STATS_ANSWERED, 0, 1);
	struct stats_entry *entries = NULL;
	size_t n = 0;
	assert_int_equal(stats_snapshot(STATS_ZONE, NULL, &entries, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(entries[0].key), STATS_KEY_LEN - 1);
	assert_int_equal(entries[0].c.queries, 2);
	free(entries);
}

static void test_names(void **state)
{
	assert_string_equal(stats_kind_name(STATS_TARGET), "target");
	assert_string_equal(stats_step_name(STATS_STEP_DEFAULT), "default");
	assert_string_equal(stats_step_name(STATS_STEP_CACHE), "cache");
	assert_int_equal(stats_init(0), ZG_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency_bucket_edges_are_powers_of_two),
		cmocka_unit_test(test_bucket_upper_bounds_double),
		cmocka_unit_test(test_record_without_registry_is_ignored),
		cmocka_unit_test_setup_teardown(
			test_outcomes_rcodes_and_latency_are_counted,
			setup_two_workers, teardown),
		cmocka_unit_test_setup_teardown(
			test_snapshot_filters_by_kind_and_key,
			setup_two_workers, teardown),
		cmocka_unit_test_setup_teardown(
			test_workers_sum_without_lost_counts,
			setup_two_workers, teardown),
		cmocka_unit_test_setup_teardown(
			test_full_registry_counts_overflow,
			setup_two_workers, teardown),
		cmocka_unit_test_setup_teardown(test_long_keys_are_cut,
						setup_two_workers, teardown),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
