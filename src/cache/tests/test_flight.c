/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Questions in flight: identical questions share one flight (RFC 5452
 * section 5), waiters on other loops get the outcome posted there, a
 * cancelled waiter hears nothing, a question coming back from a rule's
 * own target is a loop, and quarantines double and end. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache/cache.h"
#include "common/loop.h"
#include "forward/tests/msgbuild.h"

struct got {
	int calls;
	enum cache_outcome_kind kind;
	struct cache_entry *entry;
	pthread_t thread;
	struct loop *stop;		/* stopped when delivered, or NULL */
};

static void deliver(void *arg, const struct cache_outcome *out)
{
	struct got *got = arg;
	got->calls++;
	got->kind = out->kind;
	got->entry = out->entry;
	got->thread = pthread_self();
	if (got->stop != NULL) {
		loop_stop(got->stop);
	}
}

static const struct zg_addr *addr(const char *text, int slot)
{
	static struct zg_addr buf[4];
	assert_int_equal(addr_parse(text, 53, &buf[slot]), 0);
	return &buf[slot];
}

static void key_for(struct cache_key *key, const char *name)
{
	cache_key_init(key, "rule-1", addr("192.0.2.99", 0), 1, NULL, 0,
		       tmsg_dname(name, 4), KNOT_RRTYPE_A, false, false);
}

struct leader {
	struct cache *cache;
	struct cache_flight *flight;
	int aborts;
};

static void leader_abort(void *arg)
{
	struct leader *l = arg;
	struct cache_outcome out = { .kind = CACHE_OUT_LOOP };
	l->aborts++;
	cache_flight_complete(l->cache, l->flight, &out);
}

static void owner_for(struct cache_flight_owner *owner, struct loop *loop,
		      struct leader *l)
{
	memset(owner, 0, sizeof(*owner));
	owner->loop = loop;
	owner->abort = leader_abort;
	owner->abort_arg = l;
	owner->is_rule = true;
	owner->targets = addr("192.0.2.99", 1);
	owner->n_targets = 1;
}

static void test_identical_questions_join_one_flight(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct loop *loop = loop_new();
	struct leader l = { .cache = cache };
	struct cache_flight_owner owner;
	owner_for(&owner, loop, &l);
	struct cache_key key;
	key_for(&key, "db.onprem.example.");
	struct got a = { 0 }, b = { 0 };
	struct cache_waiter *wa, *wb;
	struct cache_flight *fa, *fb;
	enum cache_join how;

	assert_int_equal(cache_flight_join(cache, &key, &owner,
					   addr("10.1.0.10", 2), false, loop,
					   deliver, &a, &wa, &fa, &how), 0);
	assert_int_equal(how, CACHE_JOIN_LEAD);
	assert_non_null(fa);
	assert_int_equal(cache_flight_join(cache, &key, &owner,
					   addr("10.1.0.11", 3), false, loop,
					   deliver, &b, &wb, &fb, &how), 0);
	assert_int_equal(how, CACHE_JOIN_WAIT);
	assert_null(fb);
	struct cache_stats st;
	cache_get_stats(cache, 0, &st);
	assert_int_equal(st.inflight, 1);
	assert_int_equal(st.joined, 1);

	struct cache_outcome out = { .kind = CACHE_OUT_FAILED };
	cache_flight_complete(cache, fa, &out);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(a.kind, CACHE_OUT_FAILED);
	assert_int_equal(b.kind, CACHE_OUT_FAILED);

	/* Completed: the next question leads a new flight. */
	struct got c = { 0 };
	assert_int_equal(cache_flight_join(cache, &key, &owner,
					   addr("10.1.0.10", 2), false, loop,
					   deliver, &c, &wa, &fa, &how), 0);
	assert_int_equal(how, CACHE_JOIN_LEAD);
	cache_flight_complete(cache, fa, &out);
	assert_int_equal(c.calls, 1);

	cache_get_stats(cache, 0, &st);
	assert_int_equal(st.inflight, 0);
	loop_free(loop);
	cache_free(cache);
}

static void test_cancelled_waiter_hears_nothing(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct loop *loop = loop_new();
	struct leader l = { .cache = cache };
	struct cache_flight_owner owner;
	owner_for(&owner, loop, &l);
	struct cache_key key;
	key_for(&key, "db.onprem.example.");
	struct got a = { 0 }, b = { 0 };
	struct cache_waiter *wa, *wb;
	struct cache_flight *fa, *fb;
	enum cache_join how;

	assert_int_equal(cache_flight_join(cache, &key, &owner, NULL, false, loop,
					   deliver, &a, &wa, &fa, &how), 0);
	assert_int_equal(cache_flight_join(cache, &key, &owner, NULL, false, loop,
					   deliver, &b, &wb, &fb, &how), 0);
	/* The leader's own query may go too: the flight goes on. */
	cache_waiter_cancel(wa);
	cache_waiter_cancel(wb);
	struct cache_outcome out = { .kind = CACHE_OUT_FAILED };
	cache_flight_complete(cache, fa, &out);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 0);
	loop_free(loop);
	cache_free(cache);
}

static void *run_loop(void *arg)
{
	loop_run(arg);
	return NULL;
}

static void test_waiter_of_another_loop_gets_it_there(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct loop *mine = loop_new();
	struct loop *other = loop_new();
	struct leader l = { .cache = cache };
	struct cache_flight_owner owner;
	owner_for(&owner, mine, &l);
	struct cache_key key;
	key_for(&key, "db.onprem.example.");
	struct got a = { 0 }, b = { .stop = other };
	struct cache_waiter *wa, *wb;
	struct cache_flight *fa, *fb;
	enum cache_join how;

	assert_int_equal(cache_flight_join(cache, &key, &owner, NULL, false, mine,
					   deliver, &a, &wa, &fa, &how), 0);
	assert_int_equal(cache_flight_join(cache, &key, &owner, NULL, false, other,
					   deliver, &b, &wb, &fb, &how), 0);
	assert_int_equal(how, CACHE_JOIN_WAIT);

	pthread_t thread;
	assert_int_equal(pthread_create(&thread, NULL, run_loop, other), 0);
	struct cache_outcome out = { .kind = CACHE_OUT_FAILED };
	cache_flight_complete(cache, fa, &out);
	assert_int_equal(a.calls, 1);
	assert_true(pthread_equal(a.thread, pthread_self()));
	/* b's loop stops once b got its outcome, in that loop's thread. */
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.kind, CACHE_OUT_FAILED);
	assert_true(pthread_equal(b.thread, thread));

	loop_free(mine);
	loop_free(other);
	cache_free(cache);
}

static void stop_post(void *arg)
{
	loop_stop(arg);
}

static void test_question_from_rules_target_is_a_loop(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct loop *loop = loop_new();
	struct leader l = { .cache = cache };
	struct cache_flight_owner owner;
	owner_for(&owner, loop, &l);
	struct cache_key key;
	key_for(&key, "x.loop.example.");
	struct got a = { 0 }, b = { 0 }, c = { 0 };
	struct cache_waiter *w;
	struct cache_flight *f;
	enum cache_join how;

	assert_int_equal(cache_flight_join(cache, &key, &owner,
					   addr("10.1.0.10", 2), false, loop,
					   deliver, &a, &w, &f, &how), 0);
	l.flight = f;
	/* Another client joins; the rule's target asking back is the
	 * loop, and nothing of it joins. */
	assert_int_equal(cache_flight_join(cache, &key, &owner,
					   addr("10.1.0.11", 3), false, loop,
					   deliver, &b, &w, &f, &how), 0);
	assert_int_equal(how, CACHE_JOIN_WAIT);
	struct zg_addr back = *addr("192.0.2.99", 3);
	addr_set_port(&back, 40000);
	assert_int_equal(cache_flight_join(cache, &key, &owner, &back, false, loop,
					   deliver, &c, &w, &f, &how), 0);
	assert_int_equal(how, CACHE_JOIN_LOOP);
	assert_null(w);
	assert_null(f);

	/* The leader hears of it in its loop and ends the flight. */
	assert_int_equal(loop_post(loop, stop_post, loop), 0);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(l.aborts, 1);
	assert_int_equal(a.kind, CACHE_OUT_LOOP);
	assert_int_equal(b.kind, CACHE_OUT_LOOP);
	assert_int_equal(c.calls, 0);

	struct cache_stats st;
	cache_get_stats(cache, 0, &st);
	assert_int_equal(st.loops, 1);
	loop_free(loop);
	cache_free(cache);
}

static void test_question_through_inbound_endpoint_is_a_loop(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct loop *loop = loop_new();
	struct leader l = { .cache = cache };
	struct cache_flight_owner owner;
	owner_for(&owner, loop, &l);
	struct cache_key key;
	key_for(&key, "x.loop.example.");
	struct got a = { 0 }, b = { 0 };
	struct cache_waiter *w;
	struct cache_flight *f;
	enum cache_join how;

	assert_int_equal(cache_flight_join(cache, &key, &owner,
					   addr("10.1.0.10", 2), false, loop,
					   deliver, &a, &w, &f, &how), 0);
	l.flight = f;
	/* Not the target's address: another resolver on premises that
	 * forwards to our inbound endpoint. */
	assert_int_equal(cache_flight_join(cache, &key, &owner,
					   addr("192.0.2.10", 3), true, loop,
					   deliver, &b, &w, &f, &how), 0);
	assert_int_equal(how, CACHE_JOIN_LOOP);

	assert_int_equal(loop_post(loop, stop_post, loop), 0);
	assert_int_equal(loop_run(loop), 0);
	assert_int_equal(l.aborts, 1);
	assert_int_equal(a.kind, CACHE_OUT_LOOP);
	assert_int_equal(b.calls, 0);
	loop_free(loop);
	cache_free(cache);
}

static void test_upstream_flight_is_never_a_loop(void **state)
{
	struct cache *cache = cache_new(NULL);
	struct loop *loop = loop_new();
	struct leader l = { .cache = cache };
	struct cache_flight_owner owner;
	owner_for(&owner, loop, &l);
	owner.is_rule = false;
	struct cache_key key;
	key_for(&key, "www.example.com.");
	struct got a = { 0 }, b = { 0 };
	struct cache_waiter *w;
	struct cache_flight *fa, *fb;
	enum cache_join how;

	assert_int_equal(cache_flight_join(cache, &key, &owner, NULL, false, loop,
					   deliver, &a, &w, &fa, &how), 0);
	assert_int_equal(cache_flight_join(cache, &key, &owner,
					   addr("192.0.2.99", 2), true, loop,
					   deliver, &b, &w, &fb, &how), 0);
	assert_int_equal(how, CACHE_JOIN_WAIT);
	struct cache_outcome out = { .kind = CACHE_OUT_FAILED };
	cache_flight_complete(cache, fa, &out);
	assert_int_equal(b.calls, 1);
	loop_free(loop);
	cache_free(cache);
}

static void test_quarantine_doubles_and_ends(void **state)
{
	struct cache *cache = cache_new(NULL);
	const uint64_t t0 = 1000000;
	bool started, ended;

	assert_false(cache_quarantined(cache, "rule-1", t0, &ended));
	assert_false(ended);
	assert_int_equal(cache_quarantine(cache, "rule-1", t0, &started),
			 30000);
	assert_true(started);
	/* Found again while quarantined: the same quarantine. */
	assert_int_equal(cache_quarantine(cache, "rule-1", t0 + 1000,
					  &started), 29000);
	assert_false(started);
	assert_true(cache_quarantined(cache, "rule-1", t0 + 29999, &ended));
	assert_false(cache_quarantined(cache, "rule-2", t0 + 1, &ended));
	assert_false(cache_quarantined(cache, "rule-1", t0 + 30000, &ended));
	assert_true(ended);
	assert_false(cache_quarantined(cache, "rule-1", t0 + 30001, &ended));
	assert_false(ended);

	/* The loop is back soon after: twice as long. */
	assert_int_equal(cache_quarantine(cache, "rule-1", t0 + 31000,
					  &started), 60000);
	assert_true(started);
	struct cache_stats st;
	cache_get_stats(cache, t0 + 31000, &st);
	assert_int_equal(st.quarantined, 1);
	/* Long after: it starts again at 30 s. */
	uint64_t later = t0 + 91000 + CACHE_QUARANTINE_FORGET_MS;
	assert_false(cache_quarantined(cache, "rule-1", later, &ended));
	assert_int_equal(cache_quarantine(cache, "rule-1", later, &started),
			 30000);
	cache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_questions_join_one_flight),
		cmocka_unit_test(test_cancelled_waiter_hears_nothing),
		cmocka_unit_test(test_waiter_of_another_loop_gets_it_there),
		cmocka_unit_test(test_question_from_rules_target_is_a_loop),
		cmocka_unit_test(test_question_through_inbound_endpoint_is_a_loop),
		cmocka_unit_test(test_upstream_flight_is_never_a_loop),
		cmocka_unit_test(test_quarantine_doubles_and_ends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
